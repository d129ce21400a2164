// The REST shapes are the server's OpenAPI document, generated into api/schema.d.ts
// (`npm run api:generate`; CI fails when it is stale): the names below are aliases of its
// schemas, kept so the rest of the client reads as before. Only the socket payloads at the end,
// which the REST document does not describe, are written by hand (see docs/realtime.md).
import type { components } from './api/schema';

type Schemas = components['schemas'];

export type Role = Schemas['Role'];
export type RoomRole = Schemas['RoomRole'];
export type RoomKind = Schemas['RoomKind'];
export type TicketStatus = Schemas['TicketStatus'];
export type TicketPriority = Schemas['Priority'];

export const DEFAULT_DEPARTMENTS = ['engineering', 'billing', 'product', 'support', 'general'] as const;
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'pending', 'resolved', 'closed'];
export const TICKET_PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];
export const ROLES: readonly Role[] = ['admin', 'staff', 'customer', 'observer'];

export type User = Schemas['UserView'];
/**
 * `GET /auth/me`: the user plus the state of the account and the session. Sign-in answers
 * carry the plain user, so the extra fields are optional here.
 */
export type Me = User & Partial<Omit<Schemas['MeView'], keyof User>>;
export type Room = Schemas['RoomView'];
export type NotifyLevel = Schemas['NotifyLevel'];
export type NotificationKind = Schemas['NotificationKind'];
/** `GET /notifications` item and the socket's `notification:new`. */
export type AppNotification = Schemas['NotificationView'];
/**
 * `GET /rooms/{id}/mentionable`: who the composer may suggest. The server finds people by
 * handle, so each has one (the document's `UserView` cannot say so).
 */
export type Mentionable = User & { handle: string };
export type Preferences = Schemas['PreferencesView'];
export type Reaction = Schemas['ReactionView'];
export type MessageAuthor = Schemas['AuthorView'];
/** An uploaded file (`POST /rooms/{id}/uploads`); attached to a message once sent with it. */
export type AttachmentView = Schemas['AttachmentView'];
/** `GET /rooms/{id}/attachments` item: the attachment and the message it came with. */
export type RoomAttachment = Schemas['RoomAttachmentView'];
/** A link preview the server fetched for a message (`imageUrl` is an attachment URL). */
export type LinkPreview = Schemas['PreviewView'];
export type Message = Schemas['MessageView'];
/** One text a message had (`GET /messages/{id}/history`); `body` is null when withheld. */
export type MessageVersion = Schemas['VersionView'];
/** A room's pinned message (`GET /rooms/{id}/pins`). */
export type Pin = Schemas['PinView'];
/** One of my saved messages (`GET /me/saved`). */
export type SavedMessage = Schemas['SavedView'];
export type SavedState = Schemas['SavedState'];
export type Member = Schemas['MemberView'];
/** A status as shown next to a name. */
export type UserStatus = Schemas['StatusView'];
/** A person on a ticket; `email` is the requester's (for the team and the requester). */
export type TicketPerson = Schemas['TicketPerson'];
export type Ticket = Schemas['TicketView'];

/** A page of a list: `{items, nextCursor}` (`nextCursor` null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type DemoAccount = Schemas['DemoAccount'];
export type PublicConfig = Schemas['PublicConfig'];
export type AuthResult = Schemas['SessionView'];
export type LinkResult = Schemas['LinkSession'];
/**
 * `POST /support/tickets`: a follow link is always mailed; `followUrl`/`token` are shown on
 * screen only for an address without an account (null otherwise).
 */
export type SupportTicketResult = Schemas['SupportOpened'];
/** `POST /auth/register` (202): no session until the mailed link is opened. */
export type RegisterResult = Schemas['RegisteredView'];
/** `POST /auth/invite/details`: who an invitation is for. */
export type Invitation = Schemas['InvitationView'];
/** How many other sessions a password change or "sign out everywhere else" ended. */
export type RevokedSessions = Schemas['RevokedView'];
/** One of my sessions (`GET /me/sessions`). */
export type SessionInfo = Schemas['SessionInfoView'];
export type ThreadResult = Schemas['ThreadView'];
export type SnippetSegment = Schemas['SnippetPart'];
export type SearchHit = Schemas['SearchResult'];
/** `GET /search`: ranked messages, and (first page only) matching rooms. */
export type SearchPage = Schemas['SearchPage'];
export type Escalation = Schemas['Escalation'];
export type Insights = Schemas['InsightsView'];
export type AssistantState = Schemas['AssistantView'];
/** A ban in force, as `GET /admin/users` and `POST /admin/users/{id}/ban` send it. */
export type BanView = Schemas['BanView'];
/** Admin user rows: the user plus their ban (null when none) and account state. */
export type AdminUser = Schemas['AdminUserView'];
export type AuditEntry = Schemas['AuditView'];
export type TelemetryPoint = Schemas['TelemetryPoint'];
export type Telemetry = Schemas['TelemetryView'];
export type StaffAnalytics = Schemas['StaffAnalytics'];
/** `GET /messages/{id}/reactions`: who reacted with one emoji, the earliest first. */
export type ReactionUsers = Schemas['ReactionUsersView'];

// ---- socket payloads (not in the REST document; written by hand) ----

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
/** `delivered` receipts come only in rooms of at most 10 members; `read` ones always. */
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

/** Socket `notification:read`: some ids, a room up to a seq, or everything. */
export type NotificationReadEvent = { ids: string[] } | { roomId: string } | { all: true };

/** Socket `user:updated`: someone's name, title or status changed. */
export interface UserUpdatedEvent {
  userId: string;
  name: string;
  title: string;
  status: UserStatus | null;
  /** Their picture (`null`: initials). */
  avatarUrl?: string | null;
}
