// The REST client: one function per route the web client uses, each an openapi-fetch call
// typed by the server's OpenAPI document (schema.d.ts), so paths, parameters, bodies and
// answers cannot drift from the server.
import { call, download, http, type Download } from './client';
import { fileForm, sendForm, type UploadHandle, type UploadProgress } from './upload';
import type { components, paths } from './schema';
import type { AttachmentView, Member, Mentionable, NotifyLevel, Page, Preferences, Role, RoomKind, RoomRole, TicketPriority, TicketStatus, User, UserStatus } from '../types';

type Schemas = components['schemas'];

export type { UserStatus };

/** `GET /users/{id}`: a person's profile. */
export type Profile = Schemas['ProfileView'];

/** `PATCH /me`: absent fields stay. */
export type ProfilePatch = Schemas['MeBody'];

/** `PUT /me/avatar`: where the new picture is. */
export type AvatarSet = Schemas['AvatarSet'];

/** A browser's push subscription as the server takes it. */
export type NewPushSubscription = Schemas['NewSubscription'];

/** How `GET /rooms/discover` orders rooms. */
export type DiscoverSort = NonNullable<NonNullable<paths['/api/v1/rooms/discover']['get']['parameters']['query']>['sort']>;

/** The windows `GET /admin/telemetry` knows. */
export type TelemetryWindow = NonNullable<NonNullable<paths['/api/v1/admin/telemetry']['get']['parameters']['query']>['window']>;

export { ApiError, isApiError, isNotAvailable, errorMessage } from './errors';
export { onUnauthorized, type Download } from './client';
export { isAbort, type UploadHandle, type UploadProgress } from './upload';

const enc = encodeURIComponent;

/** A list cursor as the server takes it (screens keep it as they got it). */
type Cursor = string | number | null | undefined;
const cursorParam = (cursor: Cursor) => (cursor === null || cursor === undefined ? undefined : String(cursor));
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

/** `PATCH /rooms/{id}`: absent fields stay; `department: null` opens the room to everyone. */
export interface RoomPatch {
  title?: string;
  description?: string;
  tags?: string[];
  department?: string | null;
  /** Owners and admins only. */
  kind?: Extract<RoomKind, 'public' | 'private'>;
}

/** Room lists leave archived rooms out unless asked: `true` includes them, `only` lists just them. */
export type ArchivedFlag = 'true' | 'only';

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

/** At most this many files on the support form (the server's limit). */
export const SUPPORT_MAX_FILES = 5;

/** The support form as `multipart/form-data`: the JSON body's fields as text parts, then `file` parts. */
export function supportForm(input: SupportInput, files: File[]): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(input)) if (typeof value === 'string') form.append(key, value);
  for (const file of files) form.append('file', file, file.name);
  return form;
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

export interface InviteInput {
  email: string;
  name: string;
  role: Role;
  department?: string;
}

/** The audit filters as `POST /admin/audit/export` takes them: empty ones left out. */
export function auditExportBody(filters: AuditFilters): Record<string, string> {
  const body: Record<string, string> = {};
  for (const key of ['action', 'actor', 'target', 'since'] as const) {
    const value = filters[key];
    if (value) body[key] = value;
  }
  return body;
}

// Calls of the signed-out pages: a 401 there is no expired session.
const PUBLIC = { session: false } as const;

/** `{ path: { id } }`: the parameters of a route under one resource. */
const byId = (id: string) => ({ params: { path: { id } } });

export const api = {
  config: () => call(http.GET('/api/v1/config')),

  auth: {
    me: () => call(http.GET('/api/v1/auth/me'), PUBLIC),
    /** Who is signed in, or null for a visitor (200 either way: no failed request at load). */
    session: () => call(http.GET('/api/v1/auth/session'), PUBLIC),
    login: (email: string, password: string) => call(http.POST('/api/v1/auth/login', { body: { email, password } }), PUBLIC),
    /** 202: a verification link was mailed; no session until it is opened. */
    register: (email: string, name: string, password: string) =>
      call(http.POST('/api/v1/auth/register', { body: { email, name, password } }), PUBLIC),
    verify: (token: string) => call(http.POST('/api/v1/auth/verify', { body: { token } }), PUBLIC),
    resendVerification: (email: string) => call(http.POST('/api/v1/auth/verify/resend', { body: { email } }), PUBLIC),
    forgotPassword: (email: string) => call(http.POST('/api/v1/auth/password/forgot', { body: { email } }), PUBLIC),
    resetPassword: (token: string, password: string) =>
      call(http.POST('/api/v1/auth/password/reset', { body: { token, password } }), PUBLIC),
    invitation: (token: string) => call(http.POST('/api/v1/auth/invite/details', { body: { token } }), PUBLIC),
    acceptInvite: (token: string, password: string, name?: string) =>
      call(http.POST('/api/v1/auth/invite/accept', { body: name ? { token, password, name } : { token, password } }), PUBLIC),
    logout: () => call(http.POST('/api/v1/auth/logout'), PUBLIC),
    link: (token: string) => call(http.POST('/api/v1/auth/link', { body: { token } }), PUBLIC),
  },

  /** My own account (full sessions only; a follow link's session gets 403). */
  account: {
    changePassword: (currentPassword: string, newPassword: string) =>
      call(http.POST('/api/v1/me/password', { body: { currentPassword, newPassword } })),
    sessions: () => call(http.GET('/api/v1/me/sessions')),
    revokeSession: (id: string) => call(http.DELETE('/api/v1/me/sessions/{id}', byId(id))),
    revokeOthers: () => call(http.POST('/api/v1/me/sessions/revoke-others')),
    /** 409 HANDLE_TAKEN, 422 VALIDATION (bad or reserved). */
    setHandle: (handle: string) => call(http.PATCH('/api/v1/me', { body: { handle } })),
    preferences: () => call(http.GET('/api/v1/me/preferences')),
    setPreferences: (prefs: Partial<Preferences>) => call(http.PUT('/api/v1/me/preferences', { body: prefs })),
    /** Your own profile fields; `status: null` or `timezone: null` clears them. */
    updateProfile: (patch: ProfilePatch) => call(http.PATCH('/api/v1/me', { body: patch })),
    /** A new avatar (an image; the server crops it square). */
    setAvatar: (file: Blob, onProgress?: (p: UploadProgress) => void): UploadHandle<AvatarSet> =>
      sendForm('/me/avatar', fileForm(file), { method: 'PUT', onProgress }),
    removeAvatar: () => call(http.DELETE('/api/v1/me/avatar')),
  },

  notifications: {
    list: (cursor?: Cursor, limit = 20) => call(http.GET('/api/v1/notifications', { params: { query: { cursor: cursorParam(cursor), limit } } })),
    read: (ids: string[]) => call(http.POST('/api/v1/notifications/read', { body: { ids } })),
    readAll: () => call(http.POST('/api/v1/notifications/read', { body: { all: true } })),
  },

  /** Web Push: the server's key (404 `PUSH_DISABLED` when off) and this device's subscription. */
  push: {
    key: () => call(http.GET('/api/v1/push/key')),
    /** The browser's `PushSubscription.toJSON()`; the server checks its fields. */
    subscribe: (subscription: PushSubscriptionJSON) =>
      call(http.POST('/api/v1/push/subscriptions', { body: subscription as NewPushSubscription })),
    unsubscribe: (endpoint: string) => call(http.DELETE('/api/v1/push/subscriptions', { body: { endpoint } })),
  },

  rooms: {
    mine: () => call(http.GET('/api/v1/rooms')),
    discover: (q: string, tag: string, sort: DiscoverSort, cursor?: Cursor) =>
      call(http.GET('/api/v1/rooms/discover', { params: { query: { q, tag, sort, cursor: cursorParam(cursor) } } })),
    get: (id: string) => call(http.GET('/api/v1/rooms/{id}', byId(id))),
    create: (input: CreateRoomInput) => call(http.POST('/api/v1/rooms', { body: input })),
    join: (id: string) => call(http.POST('/api/v1/rooms/{id}/join', byId(id))),
    leave: (id: string) => call(http.POST('/api/v1/rooms/{id}/leave', byId(id))),
    members: (id: string, cursor?: Cursor) =>
      call(http.GET('/api/v1/rooms/{id}/members', { params: { path: { id }, query: { cursor: cursorParam(cursor), limit: MEMBERS_PAGE } } })),
    /** Every member, following `nextCursor` (the server pages at most 500 at a time). */
    allMembers: async (id: string): Promise<Member[]> => {
      const all: Member[] = [];
      let cursor: Cursor = null;
      for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
        const res: Page<Member> = await api.rooms.members(id, cursor);
        all.push(...res.items);
        cursor = res.nextCursor ?? null;
        if (cursor === null) break;
      }
      return all;
    },
    /** The room as a file (a POST: the server refuses exports started by a plain link). */
    export: (id: string, format: ExportFormat): Promise<Download> =>
      download(http.POST('/api/v1/rooms/{id}/export', { ...byId(id), body: { format }, parseAs: 'blob' })),
    markRead: (id: string, seq: number) => call(http.POST('/api/v1/rooms/{id}/read', { ...byId(id), body: { seq } })),
    messagesBefore: (id: string, before: number | null, limit = 50) =>
      call(http.GET('/api/v1/rooms/{id}/messages', { params: { path: { id }, query: { before, limit } } })),
    messagesAfter: (id: string, after: number, limit = 50) =>
      call(http.GET('/api/v1/rooms/{id}/messages', { params: { path: { id }, query: { after, limit } } })),
    /** The room's pinned messages, the latest pinned first (one page). */
    pins: (id: string) => call(http.GET('/api/v1/rooms/{id}/pins', byId(id))),
    /** People who may read the room whose handle or name starts with `q` (the composer's `@`). */
    mentionable: async (id: string, q: string): Promise<Mentionable[]> =>
      (await call(http.GET('/api/v1/rooms/{id}/mentionable', { params: { path: { id }, query: { q } } }))).filter(
        (person): person is Mentionable => person.handle !== null,
      ),
    setNotifications: (id: string, level: NotifyLevel, muteUntil: string | null) =>
      call(http.PUT('/api/v1/rooms/{id}/notifications', { ...byId(id), body: { level, muteUntil } })),
    /** One file into the room, to send with a message (progress events, abortable). */
    upload: (id: string, file: File, onProgress?: (p: UploadProgress) => void): UploadHandle<AttachmentView> =>
      sendForm(`/rooms/${enc(id)}/uploads`, fileForm(file, file.name), { onProgress }),
    /** The room's files, newest first. */
    attachments: (id: string, cursor?: Cursor, limit = 30) =>
      call(http.GET('/api/v1/rooms/{id}/attachments', { params: { path: { id }, query: { cursor: cursorParam(cursor), limit } } })),
    /** My rooms including archived ones (`true`) or only those (`only`). */
    mineArchived: (archived: ArchivedFlag) => call(http.GET('/api/v1/rooms', { params: { query: { archived } } })),
    /** Discover's public rooms, archived ones only (`only`) or included (`true`). */
    discoverArchived: (archived: ArchivedFlag, cursor?: Cursor) =>
      call(http.GET('/api/v1/rooms/discover', { params: { query: { archived, sort: 'name', cursor: cursorParam(cursor) } } })),
    /** Title, description, tags, department (moderators, owners, admins); kind (owners, admins). */
    update: (id: string, patch: RoomPatch) => call(http.PATCH('/api/v1/rooms/{id}', { ...byId(id), body: patch })),
    /** Deletes the room with its history (owners, admins). */
    remove: (id: string) => call(http.DELETE('/api/v1/rooms/{id}', byId(id))),
    /** Read-only for everyone, hidden from the lists (moderators, owners, admins). */
    archive: (id: string) => call(http.POST('/api/v1/rooms/{id}/archive', byId(id))),
    unarchive: (id: string) => call(http.POST('/api/v1/rooms/{id}/unarchive', byId(id))),
    /** Adds someone (409 `ALREADY_MEMBER`; 403 when the policy refuses them). */
    addMember: (id: string, userId: string, role?: Extract<RoomRole, 'member' | 'moderator'>) =>
      call(http.POST('/api/v1/rooms/{id}/members', { ...byId(id), body: role ? { userId, role } : { userId } })),
    /** Between `member` and `moderator` (owners, admins). */
    setMemberRole: (id: string, userId: string, role: Extract<RoomRole, 'member' | 'moderator'>) =>
      call(http.PATCH('/api/v1/rooms/{id}/members/{userId}', { params: { path: { id, userId } }, body: { role } })),
    removeMember: (id: string, userId: string) =>
      call(http.DELETE('/api/v1/rooms/{id}/members/{userId}', { params: { path: { id, userId } } })),
    /** The member becomes owner; the previous owner a moderator. */
    transferOwnership: (id: string, userId: string) => call(http.POST('/api/v1/rooms/{id}/ownership', { ...byId(id), body: { userId } })),
  },

  messages: {
    edit: (id: string, body: string) => call(http.PATCH('/api/v1/messages/{id}', { ...byId(id), body: { body } })),
    remove: (id: string) => call(http.DELETE('/api/v1/messages/{id}', byId(id))),
    thread: (id: string) => call(http.GET('/api/v1/messages/{id}/thread', byId(id))),
    react: (id: string, emoji: string) => call(http.PUT('/api/v1/messages/{id}/reactions/{emoji}', { params: { path: { id, emoji } } })),
    unreact: (id: string, emoji: string) => call(http.DELETE('/api/v1/messages/{id}/reactions/{emoji}', { params: { path: { id, emoji } } })),
    /** Who reacted, per emoji. */
    reactors: (id: string) => call(http.GET('/api/v1/messages/{id}/reactions', byId(id))),
    /** Every text the message had, oldest first (one page). */
    history: (id: string) => call(http.GET('/api/v1/messages/{id}/history', byId(id))),
    setPinned: (id: string, pinned: boolean) =>
      pinned ? call(http.PUT('/api/v1/messages/{id}/pin', byId(id))) : call(http.DELETE('/api/v1/messages/{id}/pin', byId(id))),
    setSaved: (id: string, saved: boolean) =>
      saved ? call(http.PUT('/api/v1/messages/{id}/save', byId(id))) : call(http.DELETE('/api/v1/messages/{id}/save', byId(id))),
    /** Removes the link preview of my message. */
    removePreview: (id: string) => call(http.DELETE('/api/v1/messages/{id}/preview', byId(id))),
  },

  /** My saved messages, the latest saved first. */
  saved: (cursor?: Cursor, limit = 30) => call(http.GET('/api/v1/me/saved', { params: { query: { cursor: cursorParam(cursor), limit } } })),

  users: {
    search: (q: string, role?: Role, limit?: number) => call(http.GET('/api/v1/users', { params: { query: { q, role, limit } } })),
    /** A person's profile (404 for people you may not see). */
    profile: (id: string) => call(http.GET('/api/v1/users/{id}', byId(id))),
    /** Everyone who can be assigned a ticket (staff and admins). */
    assignable: async (): Promise<User[]> => {
      const [staff, admins] = await Promise.all([api.users.search('', 'staff', 100), api.users.search('', 'admin', 100)]);
      return [...staff.items, ...admins.items].sort((a, b) => a.name.localeCompare(b.name));
    },
  },

  dms: {
    open: (userId: string) => call(http.POST('/api/v1/dms', { body: { userId } })),
    /** The group DM with 2 to 8 other people (the same set is the same conversation). */
    openGroup: (userIds: string[]) => call(http.POST('/api/v1/dms', { body: { userIds } })),
  },

  search: (q: string, cursor?: Cursor) => call(http.GET('/api/v1/search', { params: { query: { q, cursor: cursorParam(cursor) } } })),

  /** Recent messages by others in rooms I may read, newest first (same shape as search hits). */
  activity: (cursor?: Cursor, limit = 20) => call(http.GET('/api/v1/activity', { params: { query: { cursor: cursorParam(cursor), limit } } })),

  support: {
    submit: (input: SupportInput) => call(http.POST('/api/v1/support/tickets', { body: input }), PUBLIC),
    /** With files: `multipart/form-data` (the same fields, plus up to 5 `file` parts). */
    submitWithFiles: (input: SupportInput, files: File[]) =>
      call(
        http.POST('/api/v1/support/tickets', {
          body: input,
          bodySerializer: () => supportForm(input, files),
        }),
        PUBLIC,
      ),
  },

  tickets: {
    list: ({ status, priority, cursor, ...rest }: TicketFilters) =>
      call(http.GET('/api/v1/tickets', { params: { query: { ...rest, status: status || undefined, priority: priority || undefined, cursor: cursorParam(cursor) } } })),
    create: (input: NewTicketInput) => call(http.POST('/api/v1/tickets', { body: input })),
    get: (id: string) => call(http.GET('/api/v1/tickets/{id}', byId(id))),
    update: (id: string, patch: TicketPatch) => call(http.PATCH('/api/v1/tickets/{id}', { ...byId(id), body: patch })),
    assistant: (id: string) => call(http.GET('/api/v1/tickets/{id}/assistant', byId(id))),
    refreshAssistant: (id: string) => call(http.POST('/api/v1/tickets/{id}/assistant/refresh', byId(id))),
  },

  admin: {
    users: (q?: string, cursor?: Cursor) => call(http.GET('/api/v1/admin/users', { params: { query: { q, cursor: cursorParam(cursor) } } })),
    /** Answers the plain user (no ban or account state). */
    createUser: (input: { email: string; name: string; role: Role; department?: string; password?: string }) =>
      call(http.POST('/api/v1/admin/users', { body: input })),
    /** Answers the plain user (no ban or account state). */
    updateUser: (id: string, patch: { role?: Role; department?: string | null; name?: string }) =>
      call(http.PATCH('/api/v1/admin/users/{id}', { ...byId(id), body: patch })),
    invite: (input: InviteInput) => call(http.POST('/api/v1/admin/invites', { body: input })),
    deactivate: (id: string) => call(http.POST('/api/v1/admin/users/{id}/deactivate', byId(id))),
    reactivate: (id: string) => call(http.POST('/api/v1/admin/users/{id}/reactivate', byId(id))),
    /** 202: mails a reset link (or the invitation again to someone who never set a password). */
    sendPasswordReset: (id: string) => call(http.POST('/api/v1/admin/users/{id}/password-reset', byId(id))),
    ban: (id: string, reason: string, expiresAt?: string) =>
      call(http.POST('/api/v1/admin/users/{id}/ban', { ...byId(id), body: expiresAt ? { reason, expiresAt } : { reason } })),
    unban: (id: string) => call(http.DELETE('/api/v1/admin/users/{id}/ban', byId(id))),
    audit: ({ before, ...rest }: AuditFilters) => call(http.GET('/api/v1/admin/audit', { params: { query: { ...rest, before: cursorParam(before) } } })),
    /** Every matching row as CSV (a POST, like room exports). */
    auditCsv: (filters: AuditFilters): Promise<Download> =>
      download(http.POST('/api/v1/admin/audit/export', { body: auditExportBody(filters), parseAs: 'blob' })),
    telemetry: (window: TelemetryWindow) => call(http.GET('/api/v1/admin/telemetry', { params: { query: { window } } })),
    staffAnalytics: () => call(http.GET('/api/v1/admin/staff-analytics')),
  },
};

export type Api = typeof api;
