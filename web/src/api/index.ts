// The typed REST client: one function per route the web client uses.
import { request, requestDownload, requestForm, type Download } from './client';
import { fileForm, sendForm, type UploadHandle, type UploadProgress } from './upload';
import type {
  AdminUser,
  AttachmentView,
  RoomAttachment,
  AppNotification,
  AssistantState,
  AuditEntry,
  AuthResult,
  BanView,
  Invitation,
  LinkResult,
  Me,
  Member,
  Mentionable,
  Message,
  MessageVersion,
  Page,
  Pin,
  NotifyLevel,
  Preferences,
  PublicConfig,
  ReactionUsers,
  RegisterResult,
  RevokedSessions,
  Role,
  Room,
  RoomKind,
  RoomRole,
  SavedMessage,
  SavedState,
  SearchHit,
  SearchPage,
  SessionInfo,
  StaffAnalytics,
  SupportTicketResult,
  Telemetry,
  ThreadResult,
  Ticket,
  TicketPriority,
  TicketStatus,
  User,
  UserStatus,
} from '../types';

export type { UserStatus };

/** `GET /users/{id}`: a person's profile. */
export interface Profile {
  id: string;
  name: string;
  handle: string | null;
  role: Role;
  title: string;
  department: string | null;
  timezone: string | null;
  status: UserStatus | null;
  online: boolean;
  avatarUrl?: string | null;
}

/** `PATCH /me`: absent fields stay. */
export interface ProfilePatch {
  name?: string;
  title?: string;
  timezone?: string | null;
  status?: { emoji?: string; text?: string; expiresAt?: string } | null;
}

export { ApiError, isApiError, isNotAvailable, errorMessage } from './errors';
export { onUnauthorized, type Download } from './client';
export { isAbort, type UploadHandle, type UploadProgress } from './upload';

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

export const api = {
  config: () => request<PublicConfig>('GET', '/config'),

  auth: {
    me: () => request<Me>('GET', '/auth/me', PUBLIC),
    /** Who is signed in, or null for a visitor (200 either way: no failed request at load). */
    session: () => request<Me | null>('GET', '/auth/session', PUBLIC),
    login: (email: string, password: string) => request<AuthResult>('POST', '/auth/login', { body: { email, password }, ...PUBLIC }),
    /** 202: a verification link was mailed; no session until it is opened. */
    register: (email: string, name: string, password: string) =>
      request<RegisterResult>('POST', '/auth/register', { body: { email, name, password }, ...PUBLIC }),
    verify: (token: string) => request<AuthResult>('POST', '/auth/verify', { body: { token }, ...PUBLIC }),
    resendVerification: (email: string) => request<null>('POST', '/auth/verify/resend', { body: { email }, ...PUBLIC }),
    forgotPassword: (email: string) => request<null>('POST', '/auth/password/forgot', { body: { email }, ...PUBLIC }),
    resetPassword: (token: string, password: string) =>
      request<AuthResult>('POST', '/auth/password/reset', { body: { token, password }, ...PUBLIC }),
    invitation: (token: string) => request<Invitation>('POST', '/auth/invite/details', { body: { token }, ...PUBLIC }),
    acceptInvite: (token: string, password: string, name?: string) =>
      request<AuthResult>('POST', '/auth/invite/accept', { body: name ? { token, password, name } : { token, password }, ...PUBLIC }),
    logout: () => request<null>('POST', '/auth/logout', PUBLIC),
    link: (token: string) => request<LinkResult>('POST', '/auth/link', { body: { token }, ...PUBLIC }),
  },

  /** My own account (full sessions only; a follow link's session gets 403). */
  account: {
    changePassword: (currentPassword: string, newPassword: string) =>
      request<RevokedSessions>('POST', '/me/password', { body: { currentPassword, newPassword } }),
    sessions: () => request<Page<SessionInfo>>('GET', '/me/sessions'),
    revokeSession: (id: string) => request<null>('DELETE', `/me/sessions/${enc(id)}`),
    revokeOthers: () => request<RevokedSessions>('POST', '/me/sessions/revoke-others'),
    /** 409 HANDLE_TAKEN, 422 VALIDATION (bad or reserved). */
    setHandle: (handle: string) => request<User>('PATCH', '/me', { body: { handle } }),
    preferences: () => request<Preferences>('GET', '/me/preferences'),
    setPreferences: (prefs: Partial<Preferences>) => request<Preferences>('PUT', '/me/preferences', { body: prefs }),
    /** Your own profile fields; `status: null` or `timezone: null` clears them. */
    updateProfile: (patch: ProfilePatch) => request<Profile>('PATCH', '/me', { body: patch }),
    /** A new avatar (an image; the server crops it square). */
    setAvatar: (file: Blob, onProgress?: (p: UploadProgress) => void): UploadHandle<{ avatarUrl: string | null }> =>
      sendForm('/me/avatar', fileForm(file), { method: 'PUT', onProgress }),
    removeAvatar: () => request<unknown>('DELETE', '/me/avatar'),
  },

  notifications: {
    list: (cursor?: string | number | null, limit = 20) =>
      request<Page<AppNotification>>('GET', '/notifications', { query: { cursor, limit } }),
    read: (ids: string[]) => request<{ read: number }>('POST', '/notifications/read', { body: { ids } }),
    readAll: () => request<{ read: number }>('POST', '/notifications/read', { body: { all: true } }),
  },

  /** Web Push: the server's key (404 `PUSH_DISABLED` when off) and this device's subscription. */
  push: {
    key: () => request<{ publicKey: string }>('GET', '/push/key'),
    subscribe: (subscription: PushSubscriptionJSON) =>
      request<{ endpoint: string }>('POST', '/push/subscriptions', { body: subscription }),
    unsubscribe: (endpoint: string) => request<{ endpoint: string }>('DELETE', '/push/subscriptions', { body: { endpoint } }),
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
    /** The room as a file (a POST: the server refuses exports started by a plain link). */
    export: (id: string, format: ExportFormat): Promise<Download> => requestDownload(`/rooms/${enc(id)}/export`, { format }),
    markRead: (id: string, seq: number) => request<null>('POST', `/rooms/${enc(id)}/read`, { body: { seq } }),
    messagesBefore: (id: string, before: number | null, limit = 50) =>
      request<Page<Message>>('GET', `/rooms/${enc(id)}/messages`, { query: { before, limit } }),
    messagesAfter: (id: string, after: number, limit = 50) =>
      request<Page<Message>>('GET', `/rooms/${enc(id)}/messages`, { query: { after, limit } }),
    /** The room's pinned messages, the latest pinned first (one page). */
    pins: (id: string) => request<Page<Pin>>('GET', `/rooms/${enc(id)}/pins`),
    /** People who may read the room whose handle or name starts with `q` (the composer's `@`). */
    mentionable: (id: string, q: string) => request<Mentionable[]>('GET', `/rooms/${enc(id)}/mentionable`, { query: { q } }),
    setNotifications: (id: string, level: NotifyLevel, muteUntil: string | null) =>
      request<Room>('PUT', `/rooms/${enc(id)}/notifications`, { body: { level, muteUntil } }),
    /** One file into the room, to send with a message (progress events, abortable). */
    upload: (id: string, file: File, onProgress?: (p: UploadProgress) => void): UploadHandle<AttachmentView> =>
      sendForm(`/rooms/${enc(id)}/uploads`, fileForm(file, file.name), { onProgress }),
    /** The room's files, newest first. */
    attachments: (id: string, cursor?: string | number | null, limit = 30) =>
      request<Page<RoomAttachment>>('GET', `/rooms/${enc(id)}/attachments`, { query: { cursor, limit } }),
    /** My rooms including archived ones (`true`) or only those (`only`). */
    mineArchived: (archived: ArchivedFlag) => request<Page<Room>>('GET', '/rooms', { query: { archived } }),
    /** Discover's public rooms, archived ones only (`only`) or included (`true`). */
    discoverArchived: (archived: ArchivedFlag, cursor?: string | number | null) =>
      request<Page<Room>>('GET', '/rooms/discover', { query: { archived, sort: 'name', cursor } }),
    /** Title, description, tags, department (moderators, owners, admins); kind (owners, admins). */
    update: (id: string, patch: RoomPatch) => request<Room>('PATCH', `/rooms/${enc(id)}`, { body: patch }),
    /** Deletes the room with its history (owners, admins). */
    remove: (id: string) => request<null>('DELETE', `/rooms/${enc(id)}`),
    /** Read-only for everyone, hidden from the lists (moderators, owners, admins). */
    archive: (id: string) => request<Room>('POST', `/rooms/${enc(id)}/archive`),
    unarchive: (id: string) => request<Room>('POST', `/rooms/${enc(id)}/unarchive`),
    /** Adds someone (409 `ALREADY_MEMBER`; 403 when the policy refuses them). */
    addMember: (id: string, userId: string, role?: Extract<RoomRole, 'member' | 'moderator'>) =>
      request<Member>('POST', `/rooms/${enc(id)}/members`, { body: role ? { userId, role } : { userId } }),
    /** Between `member` and `moderator` (owners, admins). */
    setMemberRole: (id: string, userId: string, role: Extract<RoomRole, 'member' | 'moderator'>) =>
      request<Member>('PATCH', `/rooms/${enc(id)}/members/${enc(userId)}`, { body: { role } }),
    removeMember: (id: string, userId: string) => request<null>('DELETE', `/rooms/${enc(id)}/members/${enc(userId)}`),
    /** The member becomes owner; the previous owner a moderator. */
    transferOwnership: (id: string, userId: string) => request<Member>('POST', `/rooms/${enc(id)}/ownership`, { body: { userId } }),
  },

  messages: {
    edit: (id: string, body: string) => request<Message | null>('PATCH', `/messages/${enc(id)}`, { body: { body } }),
    remove: (id: string) => request<Message | null>('DELETE', `/messages/${enc(id)}`),
    thread: (id: string) => request<ThreadResult>('GET', `/messages/${enc(id)}/thread`),
    react: (id: string, emoji: string) => request<unknown>('PUT', `/messages/${enc(id)}/reactions/${enc(emoji)}`),
    unreact: (id: string, emoji: string) => request<unknown>('DELETE', `/messages/${enc(id)}/reactions/${enc(emoji)}`),
    /** Who reacted, per emoji. */
    reactors: (id: string) => request<ReactionUsers[]>('GET', `/messages/${enc(id)}/reactions`),
    /** Every text the message had, oldest first (one page). */
    history: (id: string) => request<Page<MessageVersion>>('GET', `/messages/${enc(id)}/history`),
    setPinned: (id: string, pinned: boolean) => request<Message>(pinned ? 'PUT' : 'DELETE', `/messages/${enc(id)}/pin`),
    setSaved: (id: string, saved: boolean) => request<SavedState>(saved ? 'PUT' : 'DELETE', `/messages/${enc(id)}/save`),
    /** Removes the link preview of my message. */
    removePreview: (id: string) => request<Message | null>('DELETE', `/messages/${enc(id)}/preview`),
  },

  /** My saved messages, the latest saved first. */
  saved: (cursor?: string | number | null, limit = 30) => request<Page<SavedMessage>>('GET', '/me/saved', { query: { cursor, limit } }),

  users: {
    search: (q: string, role?: Role, limit?: number) => request<Page<User>>('GET', '/users', { query: { q, role, limit } }),
    /** A person's profile (404 for people you may not see). */
    profile: (id: string) => request<Profile>('GET', `/users/${enc(id)}`),
    /** Everyone who can be assigned a ticket (staff and admins). */
    assignable: async (): Promise<User[]> => {
      const [staff, admins] = await Promise.all([api.users.search('', 'staff', 100), api.users.search('', 'admin', 100)]);
      return [...staff.items, ...admins.items].sort((a, b) => a.name.localeCompare(b.name));
    },
  },

  dms: {
    open: (userId: string) => request<Room>('POST', '/dms', { body: { userId } }),
    /** The group DM with 2 to 8 other people (the same set is the same conversation). */
    openGroup: (userIds: string[]) => request<Room>('POST', '/dms', { body: { userIds } }),
  },

  search: (q: string, cursor?: string | number | null) => request<SearchPage>('GET', '/search', { query: { q, cursor } }),

  /** Recent messages by others in rooms I may read, newest first (same shape as search hits). */
  activity: (cursor?: string | number | null, limit = 20) =>
    request<Page<SearchHit>>('GET', '/activity', { query: { cursor, limit } }),

  support: {
    submit: (input: SupportInput) => request<SupportTicketResult>('POST', '/support/tickets', { body: input }),
    /** With files: `multipart/form-data` (the same fields, plus up to 5 `file` parts). */
    submitWithFiles: (input: SupportInput, files: File[]) =>
      requestForm<SupportTicketResult>('/support/tickets', supportForm(input, files), false),
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
    /** Answers the plain user (no ban or account state). */
    createUser: (input: { email: string; name: string; role: Role; department?: string; password?: string }) =>
      request<User>('POST', '/admin/users', { body: input }),
    /** Answers the plain user (no ban or account state). */
    updateUser: (id: string, patch: { role?: Role; department?: string | null; name?: string }) =>
      request<User>('PATCH', `/admin/users/${enc(id)}`, { body: patch }),
    invite: (input: InviteInput) => request<AdminUser>('POST', '/admin/invites', { body: input }),
    deactivate: (id: string) => request<AdminUser>('POST', `/admin/users/${enc(id)}/deactivate`),
    reactivate: (id: string) => request<AdminUser>('POST', `/admin/users/${enc(id)}/reactivate`),
    /** 202: mails a reset link (or the invitation again to someone who never set a password). */
    sendPasswordReset: (id: string) => request<null>('POST', `/admin/users/${enc(id)}/password-reset`),
    ban: (id: string, reason: string, expiresAt?: string) =>
      request<BanView>('POST', `/admin/users/${enc(id)}/ban`, { body: expiresAt ? { reason, expiresAt } : { reason } }),
    unban: (id: string) => request<unknown>('DELETE', `/admin/users/${enc(id)}/ban`),
    audit: (filters: AuditFilters) => request<Page<AuditEntry>>('GET', '/admin/audit', { query: { ...filters } }),
    /** Every matching row as CSV (a POST, like room exports). */
    auditCsv: (filters: AuditFilters): Promise<Download> => requestDownload('/admin/audit/export', auditExportBody(filters)),
    telemetry: (window: string) => request<Telemetry>('GET', '/admin/telemetry', { query: { window } }),
    staffAnalytics: () => request<StaffAnalytics>('GET', '/admin/staff-analytics'),
  },
};

export type Api = typeof api;
