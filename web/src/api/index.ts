// The typed REST client: one function per route the web client uses.
import { API_BASE, buildQuery, request, requestBlob } from './client';
import type {
  AdminUser,
  AssistantState,
  AuditEntry,
  AuthResult,
  BanInfo,
  LinkResult,
  Member,
  Message,
  Page,
  PublicConfig,
  Role,
  Room,
  RoomKind,
  SearchHit,
  SearchPage,
  StaffAnalytics,
  SupportTicketResult,
  Telemetry,
  ThreadResult,
  Ticket,
  TicketPriority,
  TicketStatus,
  User,
} from '../types';

export { ApiError, isApiError, isNotAvailable, errorMessage } from './errors';
export { onUnauthorized } from './client';

const enc = encodeURIComponent;
const MEMBERS_PAGE = 500;
const MAX_MEMBER_PAGES = 20;

export interface CreateRoomInput {
  slug: string;
  title: string;
  description?: string;
  kind: Extract<RoomKind, 'public' | 'private'>;
  department?: string;
  tags?: string[];
}

export interface TicketFilters {
  status?: TicketStatus | '';
  department?: string;
  assignee?: string;
  priority?: TicketPriority | '';
  cursor?: string | number | null;
}

export interface TicketPatch {
  status?: TicketStatus;
  assigneeId?: string | null;
  priority?: TicketPriority;
  department?: string | null;
}

export interface AuditFilters {
  action?: string;
  /** The actor's user id (the server takes ids only). */
  actor?: string;
  target?: string;
  /** ISO-8601: only rows at or after this time. */
  since?: string;
  before?: string | number | null;
}

export interface SupportInput {
  name: string;
  email: string;
  subject: string;
  message: string;
  /** Omitted when the visitor does not know. */
  department?: string;
}

export interface NewTicketInput {
  subject: string;
  requesterEmail: string;
  requesterName?: string;
  message?: string;
  department?: string;
  priority?: TicketPriority;
  assigneeId?: string;
}

export type ExportFormat = 'json' | 'html';

export const api = {
  config: () => request<PublicConfig>('GET', '/config'),

  auth: {
    me: () => request<User>('GET', '/auth/me'),
    login: (email: string, password: string) => request<AuthResult>('POST', '/auth/login', { body: { email, password } }),
    register: (email: string, name: string, password: string) =>
      request<AuthResult>('POST', '/auth/register', { body: { email, name, password } }),
    logout: () => request<null>('POST', '/auth/logout'),
    link: (token: string) => request<LinkResult>('POST', '/auth/link', { body: { token } }),
  },

  rooms: {
    mine: () => request<Page<Room>>('GET', '/rooms'),
    discover: (q: string, tag: string, sort: string, cursor?: string | number | null) =>
      request<Page<Room>>('GET', '/rooms/discover', { query: { q, tag, sort, cursor } }),
    get: (id: string) => request<Room>('GET', `/rooms/${enc(id)}`),
    create: (input: CreateRoomInput) => request<Room>('POST', '/rooms', { body: input }),
    join: (id: string) => request<Room | null>('POST', `/rooms/${enc(id)}/join`),
    leave: (id: string) => request<null>('POST', `/rooms/${enc(id)}/leave`),
    members: (id: string, cursor?: string | number | null) =>
      request<Page<Member>>('GET', `/rooms/${enc(id)}/members`, { query: { cursor, limit: MEMBERS_PAGE } }),
    /** Every member, following `nextCursor` (the server pages at most 500 at a time). */
    allMembers: async (id: string): Promise<Member[]> => {
      const all: Member[] = [];
      let cursor: string | number | null = null;
      for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
        const res: Page<Member> = await api.rooms.members(id, cursor);
        all.push(...res.items);
        cursor = res.nextCursor;
        if (cursor === null) break;
      }
      return all;
    },
    /** A download link (attachment); the session cookie authenticates it. */
    exportUrl: (id: string, format: ExportFormat) => `${API_BASE}/rooms/${enc(id)}/export${buildQuery({ format })}`,
    markRead: (id: string, seq: number) => request<null>('POST', `/rooms/${enc(id)}/read`, { body: { seq } }),
    messagesBefore: (id: string, before: number | null, limit = 50) =>
      request<Page<Message>>('GET', `/rooms/${enc(id)}/messages`, { query: { before, limit } }),
    messagesAfter: (id: string, after: number, limit = 50) =>
      request<Page<Message>>('GET', `/rooms/${enc(id)}/messages`, { query: { after, limit } }),
  },

  messages: {
    edit: (id: string, body: string) => request<Message | null>('PATCH', `/messages/${enc(id)}`, { body: { body } }),
    remove: (id: string) => request<Message | null>('DELETE', `/messages/${enc(id)}`),
    thread: (id: string) => request<ThreadResult>('GET', `/messages/${enc(id)}/thread`),
    react: (id: string, emoji: string) => request<unknown>('PUT', `/messages/${enc(id)}/reactions/${enc(emoji)}`),
    unreact: (id: string, emoji: string) => request<unknown>('DELETE', `/messages/${enc(id)}/reactions/${enc(emoji)}`),
  },

  users: {
    search: (q: string, role?: Role, limit?: number) => request<Page<User>>('GET', '/users', { query: { q, role, limit } }),
    /** Everyone who can be assigned a ticket (staff and admins). */
    assignable: async (): Promise<User[]> => {
      const [staff, admins] = await Promise.all([api.users.search('', 'staff', 100), api.users.search('', 'admin', 100)]);
      return [...staff.items, ...admins.items].sort((a, b) => a.name.localeCompare(b.name));
    },
  },

  dms: {
    open: (userId: string) => request<Room>('POST', '/dms', { body: { userId } }),
  },

  search: (q: string, cursor?: string | number | null) => request<SearchPage>('GET', '/search', { query: { q, cursor } }),

  /** Recent messages by others in rooms I may read, newest first (same shape as search hits). */
  activity: (cursor?: string | number | null, limit = 20) =>
    request<Page<SearchHit>>('GET', '/activity', { query: { cursor, limit } }),

  support: {
    submit: (input: SupportInput) => request<SupportTicketResult>('POST', '/support/tickets', { body: input }),
  },

  tickets: {
    list: (filters: TicketFilters) => request<Page<Ticket>>('GET', '/tickets', { query: { ...filters } }),
    create: (input: NewTicketInput) => request<Ticket>('POST', '/tickets', { body: input }),
    get: (id: string) => request<Ticket>('GET', `/tickets/${enc(id)}`),
    update: (id: string, patch: TicketPatch) => request<Ticket>('PATCH', `/tickets/${enc(id)}`, { body: patch }),
    assistant: (id: string) => request<AssistantState>('GET', `/tickets/${enc(id)}/assistant`),
    refreshAssistant: (id: string) => request<unknown>('POST', `/tickets/${enc(id)}/assistant/refresh`),
  },

  admin: {
    users: (q?: string, cursor?: string | number | null) =>
      request<Page<AdminUser>>('GET', '/admin/users', { query: { q, cursor } }),
    createUser: (input: { email: string; name: string; role: Role; department?: string; password?: string }) =>
      request<AdminUser>('POST', '/admin/users', { body: input }),
    updateUser: (id: string, patch: { role?: Role; department?: string | null; name?: string }) =>
      request<AdminUser>('PATCH', `/admin/users/${enc(id)}`, { body: patch }),
    ban: (id: string, reason: string, expiresAt?: string) =>
      request<BanInfo>('POST', `/admin/users/${enc(id)}/ban`, { body: expiresAt ? { reason, expiresAt } : { reason } }),
    unban: (id: string) => request<unknown>('DELETE', `/admin/users/${enc(id)}/ban`),
    audit: (filters: AuditFilters) =>
      request<Page<AuditEntry>>('GET', '/admin/audit', { query: { ...filters, format: 'json' } }),
    auditCsv: (filters: AuditFilters) => requestBlob('/admin/audit', { ...filters, format: 'csv' }),
    telemetry: (window: string) => request<Telemetry>('GET', '/admin/telemetry', { query: { window } }),
    staffAnalytics: () => request<StaffAnalytics>('GET', '/admin/staff-analytics'),
  },
};

export type Api = typeof api;
