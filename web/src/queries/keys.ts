// Every query key of the app, in one place: screens read with them and mutations and realtime
// events invalidate or update with them. Keys nest, so `queryKeys.admin.all` invalidates every
// admin list at once.
import type { AuditFilters, TicketFilters } from '../api';

export const queryKeys = {
  activity: ['activity'] as const,
  saved: {
    all: ['saved'] as const,
    list: ['saved', 'list'] as const,
    /** The newest saved ids, for the saved flags on messages. */
    ids: ['saved', 'ids'] as const,
  },
  search: (q: string) => ['search', q] as const,
  rooms: {
    discoverAll: ['rooms', 'discover'] as const,
    discover: (q: string, tag: string, sort: string) => ['rooms', 'discover', q, tag, sort] as const,
    archived: ['rooms', 'archived'] as const,
    pins: (roomId: string) => ['rooms', roomId, 'pins'] as const,
    files: (roomId: string) => ['rooms', roomId, 'files'] as const,
  },
  tickets: {
    all: ['tickets'] as const,
    queue: (filters: TicketFilters) => ['tickets', 'queue', filters] as const,
    mine: ['tickets', 'mine'] as const,
    one: (ticketId: string) => ['tickets', 'one', ticketId] as const,
  },
  users: {
    profile: (userId: string) => ['users', userId, 'profile'] as const,
    search: (q: string, limit?: number) => ['users', 'search', q, limit] as const,
  },
  account: {
    sessions: ['account', 'sessions'] as const,
  },
  admin: {
    all: ['admin'] as const,
    usersAll: ['admin', 'users'] as const,
    users: (q: string) => ['admin', 'users', q] as const,
    audit: (filters: AuditFilters) => ['admin', 'audit', filters] as const,
    telemetry: (window: string) => ['admin', 'telemetry', window] as const,
    staffAnalytics: ['admin', 'staff-analytics'] as const,
  },
};
