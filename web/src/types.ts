// Shapes from docs/api.md (the contract shared with the server). Keep in sync by hand.

export type Role = 'admin' | 'staff' | 'customer' | 'observer';
export type RoomRole = 'member' | 'moderator' | 'owner';
export type RoomKind = 'public' | 'private' | 'dm' | 'ticket';
export type TicketStatus = 'open' | 'pending' | 'resolved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';

export const DEFAULT_DEPARTMENTS = ['engineering', 'billing', 'product', 'support', 'general'] as const;
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'pending', 'resolved', 'closed'];
export const TICKET_PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];
export const ROLES: readonly Role[] = ['admin', 'staff', 'customer', 'observer'];

export interface User {
  id: string;
  /** Omitted where the viewer may not see it. */
  email?: string;
  name: string;
  /** Unique, lower case: what `@handle` in a message refers to. */
  handle?: string;
  role: Role;
  department: string | null;
  createdAt: string;
  /** The avatar's URL (`GET /users/{id}/avatar`), null without one; absent on older servers. */
  avatarUrl?: string | null;
}

/**
 * `GET /auth/me`: the user plus the state of the account and the session. Sign-in answers
 * carry the plain user, so the extra fields are optional (a follow link's answer sets
 * `ticketScope` from its `ticketId`).
 */
export interface Me extends User {
  emailVerified?: boolean;
  hasPassword?: boolean;
  /** The one ticket a follow-link session may use; null (or absent) for a full session. */
  ticketScope?: string | null;
  /** Unread notifications (full sessions). */
  notificationCount?: number;
}

export interface Room {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  kind: RoomKind;
  department: string | null;
  tags: string[];
  lastSeq: number;
  lastMessageAt: string | null;
  createdAt: string;
  /** null when the viewer is not a member. */
  myRole: RoomRole | null;
  unread: number;
  lastReadSeq: number;
  /** Unread mentions and DM notifications in the room. */
  mentionCount?: number;
  notifyLevel?: NotifyLevel;
  /** ISO-8601 while a mute is in force (or set for later); null otherwise. */
  mutedUntil?: string | null;
  /** When the room was archived (read-only for everyone); null while active. */
  archivedAt?: string | null;
  /** In a DM: the other members, sorted by name (their avatars in the room list). */
  peers?: { id: string; name: string; avatarUrl: string | null }[];
}

export type NotifyLevel = 'all' | 'mentions' | 'none';
export type NotificationKind = 'mention' | 'dm' | 'reply' | 'ticket_assigned';

/** `GET /notifications` item and the socket's `notification:new`. */
export interface AppNotification {
  id: string;
  kind: NotificationKind;
  roomId: string;
  roomTitle: string;
  roomKind: RoomKind;
  messageId: string;
  seq: number;
  /** The thread root of a reply in a thread (opened with the room), else null. */
  threadId: string | null;
  excerpt: string;
  actor: { id: string; name: string };
  createdAt: string;
  read: boolean;
}

/** Socket `notification:read`: some ids, a room up to a seq, or everything. */
export type NotificationReadEvent = { ids: string[] } | { roomId: string } | { all: true };

/** `GET /rooms/{id}/mentionable`: who the composer may suggest. */
export interface Mentionable {
  id: string;
  name: string;
  handle: string;
}

export interface Preferences {
  emailNotifications: 'off' | 'mentions_dms';
  emailDelayMinutes: number;
  browserNotifications: boolean;
  quietHours: { start: string; end: string } | null;
  timezone: string;
}

export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}

export interface MessageAuthor {
  id: string;
  name: string;
  role: Role;
  avatarUrl?: string | null;
}

/** An uploaded file (`POST /rooms/{id}/uploads`); attached to a message once sent with it. */
export interface AttachmentView {
  id: string;
  name: string;
  size: number;
  contentType: string;
  width: number | null;
  height: number | null;
  /** `/api/v1/attachments/{id}`. */
  url: string;
  /** `/api/v1/attachments/{id}/thumbnail`, only once a thumbnail exists. */
  thumbnailUrl: string | null;
}

/** `GET /rooms/{id}/attachments` item: the attachment and the message it came with. */
export interface RoomAttachment extends AttachmentView {
  messageId: string;
  authorId: string;
  createdAt: string;
}

/** A link preview the server fetched for a message (`imageUrl` is an attachment URL). */
export interface LinkPreview {
  url: string;
  title: string | null;
  description: string | null;
  siteName: string | null;
  imageUrl: string | null;
}

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  clientId: string | null;
  author: MessageAuthor;
  /** null once deleted. */
  body: string | null;
  parentId: string | null;
  replyCount: number;
  reactions: Reaction[];
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** Pinned to its room. */
  pinned: boolean;
  /** People the body mentions who may read the room. */
  mentions?: { userId: string; handle: string }[];
  /** Files sent with the message (`[]` when none; absent from servers without files). */
  attachments?: AttachmentView[];
  /** The first link's preview, once fetched; null when none. */
  preview?: LinkPreview | null;
}

/** One text a message had (`GET /messages/{id}/history`); `body` is null when withheld. */
export interface MessageVersion {
  body: string | null;
  /** When the message got this text. */
  at: string;
  /** Who gave it this text (the author, or whoever deleted it). */
  by: string;
  current: boolean;
}

/** A room's pinned message (`GET /rooms/{id}/pins`). */
export interface Pin {
  message: Message;
  pinnedAt: string;
  pinnedBy: { id: string; name: string };
}

/** One of my saved messages (`GET /me/saved`). */
export interface SavedMessage {
  message: Message;
  room: Pick<Room, 'id' | 'slug' | 'title' | 'kind'>;
  savedAt: string;
}

export interface SavedState {
  messageId: string;
  saved: boolean;
}

export interface Member {
  user: User;
  role: RoomRole;
  joinedAt: string;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  online: boolean;
  /** Their status while set and not expired. */
  status?: UserStatus | null;
}

/** A status as shown next to a name. */
export interface UserStatus {
  emoji: string | null;
  text: string | null;
  expiresAt: string | null;
}

/** Socket `user:updated`: someone's name, title or status changed. */
export interface UserUpdatedEvent {
  userId: string;
  name: string;
  title: string;
  status: UserStatus | null;
  /** Their picture (`null`: initials). */
  avatarUrl?: string | null;
}

/** A person on a ticket; `email` is the requester's (for the team and the requester). */
export interface TicketPerson {
  id: string;
  name: string;
  email?: string | null;
}

export interface Ticket {
  /** Equal to the ticket room's id. */
  id: string;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  department: string | null;
  requester: TicketPerson;
  assignee: TicketPerson | null;
  createdAt: string;
  updatedAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  lastSeq: number;
  /** False until someone opened a link mailed to the requester's address. */
  requesterVerified: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | number | null;
}

export interface DemoAccount {
  email: string;
  password: string;
  name: string;
  role: Role;
}

export interface PublicConfig {
  version: string;
  environment: string;
  /** `closed`, `open` or `domain:example.com`. */
  registrationMode: string;
  demo: boolean;
  demoAccounts: DemoAccount[];
  sentryDsn: string | null;
  editWindowSecs: number;
  /** Optional: the server's configured department list; the client falls back to the defaults. */
  departments?: string[];
}

export interface AuthResult {
  user: User;
  token: string;
}

export interface LinkResult {
  user: User;
  token: string;
  ticketId: string;
}

/**
 * `POST /support/tickets`: a follow link is always mailed; `followUrl`/`token` are shown on
 * screen only for an address without an account (null otherwise).
 */
export interface SupportTicketResult {
  ticketId: string;
  emailed?: boolean;
  followUrl: string | null;
  token: string | null;
}

/** `POST /auth/register` (202): no session until the mailed link is opened. */
export interface RegisterResult {
  verificationSent: boolean;
  email: string;
}

/** `POST /auth/invite/details`: who an invitation is for. */
export interface Invitation {
  email: string;
  name: string;
}

/** How many other sessions a password change or "sign out everywhere else" ended. */
export interface RevokedSessions {
  revokedSessions: number;
}

/** One of my sessions (`GET /me/sessions`). */
export interface SessionInfo {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  /** The ticket of a follow-link session. */
  ticketId: string | null;
  /** The session making the request (this browser). */
  current: boolean;
}

export interface ThreadResult {
  root: Message;
  replies: Message[];
}

export interface SnippetSegment {
  text: string;
  match: boolean;
}

export interface SearchHit {
  message: Message;
  room: Pick<Room, 'id' | 'slug' | 'title' | 'kind'>;
  snippet: SnippetSegment[];
}

/** `GET /search`: ranked messages, and (first page only) matching rooms. */
export interface SearchPage extends Page<SearchHit> {
  rooms?: Room[];
}

export interface Escalation {
  escalate: boolean;
  severity: string;
  department: string | null;
  reason: string;
}

export interface Insights {
  summary: string;
  problem: string;
  urgency: string;
  sentiment: string;
  /** -1 (angry) .. 1 (happy). */
  sentimentScore?: number;
  topic: string;
  suggestions: string[];
  escalation: Escalation;
  coveredSeq: number;
  provider: string;
  updatedAt: string;
}

export interface AssistantState {
  insights: Insights | null;
  newerMessages: number;
  /** The last refresh's failure, if it failed. */
  lastError?: string | null;
  /** Failed refreshes since the last success. */
  failures?: number;
}

/** A ban in force, as `GET /admin/users` and `POST /admin/users/{id}/ban` send it. */
export interface BanView {
  userId: string;
  reason: string;
  /** The admin who banned; null when their account is gone. */
  bannedBy: string | null;
  bannedAt: string;
  /** Null for a permanent ban. */
  expiresAt: string | null;
}

/** Admin user rows: the user plus their ban (null when none) and account state. */
export interface AdminUser extends User {
  /** Always present: null when not banned (or the ban has expired). */
  ban: BanView | null;
  /** When the account was deactivated; null while active. */
  deactivatedAt: string | null;
  emailVerified: boolean;
  /** False for an invitation not accepted yet (and customers who never set a password). */
  hasPassword: boolean;
  lastSeenAt?: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  actorEmail: string | null;
  /** The actor's name today (null for the system or a deleted account). */
  actorName?: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** A user's name or a room's or ticket's title today; null for other targets. */
  targetName?: string | null;
  metadata: unknown;
  ip: string | null;
  requestId: string | null;
}

export interface TelemetryPoint {
  minute: string;
  requests: number;
  errors5xx: number;
  /** Latencies are null for a bucket without requests (or socket round trips). */
  p50Ms: number | null;
  p95Ms: number | null;
  sockets: number;
  messages: number;
  deliveryFailures: number;
  rttP50Ms: number | null;
  rttP95Ms: number | null;
}

export interface Telemetry {
  window?: string;
  /** Minutes per point (1 for 1h/6h, more for longer windows). */
  bucketMinutes?: number;
  /** Instances that reported in the window. */
  instances?: number;
  series: TelemetryPoint[];
  topRooms: { roomId: string; title: string; messages: number }[];
}

export interface StaffAnalytics {
  /** Window of the `resolved30d` and median columns, in days. */
  windowDays?: number;
  staff: {
    user: User;
    open: number;
    pending: number;
    resolved30d: number;
    medianFirstResponseSecs: number | null;
    medianResolutionSecs: number | null;
  }[];
  /** `department` is null for tickets without one. */
  departments: { department: string | null; open: number; pending: number; resolved30d: number }[];
}

// ---- realtime payloads ----

export interface AckOk<T> {
  ok: true;
  data: T;
}
export interface AckErr {
  ok: false;
  code: string;
  message: string;
  retryAfterMs?: number;
}
export type Ack<T> = AckOk<T> | AckErr;

export interface SyncCursor {
  roomId: string;
  seq: number;
}
export interface SyncRoom {
  roomId: string;
  messages: Message[];
  complete: boolean;
  /** `NOT_FOUND` when the room is gone or no longer readable. */
  error?: string;
}
export interface SyncResult {
  rooms: SyncRoom[];
}

export interface ReactionUpdate {
  roomId: string;
  messageId: string;
  emoji: string;
  userId: string;
  added: boolean;
  count: number;
}
/** `message:pinned`: a message was pinned to its room or unpinned; `by` is a user id. */
export interface PinEvent {
  roomId: string;
  messageId: string;
  pinned: boolean;
  by: string;
}
export interface TypingEvent {
  roomId: string;
  userId: string;
  name: string;
  typing: boolean;
  /** How long to show the indicator without a refresh (the server sends 5000). */
  expiresInMs?: number;
}
export interface PresenceEvent {
  userId: string;
  online: boolean;
}
/** `delivered` receipts come only in rooms of at most 50 members; `read` ones always. */
export interface ReceiptEvent {
  roomId: string;
  userId: string;
  seq: number;
  kind: 'read' | 'delivered';
}
export interface MemberAddedEvent {
  roomId: string;
  userId: string;
  role: RoomRole;
}
export interface MemberRemovedEvent {
  roomId: string;
  userId: string;
}

/** `GET /messages/{id}/reactions`: who reacted with one emoji, the earliest first. */
export interface ReactionUsers {
  emoji: string;
  count: number;
  users: { id: string; name: string }[];
}
