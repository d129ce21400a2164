// Desktop (system) notifications: when to show one, and showing it.
import type { AppNotification, Room } from '../../types';

export interface DesktopContext {
  /** `Notification.permission`, or 'unsupported' without the API. */
  permission: NotificationPermission | 'unsupported';
  /** The account's `browserNotifications` preference. */
  preference: boolean;
  /** `document.hidden`: the page is in another tab or minimised. */
  hidden: boolean;
  /** The room of the notification as the room list knows it (absent: not a listed room). */
  room: Pick<Room, 'mutedUntil'> | undefined;
  now: number;
}

/** A visible page shows the bell; a muted room stays quiet; the person opted in twice (browser and preference). */
export function shouldShowDesktop(ctx: DesktopContext): boolean {
  if (ctx.permission !== 'granted' || !ctx.preference || !ctx.hidden) return false;
  const until = ctx.room?.mutedUntil ? Date.parse(ctx.room.mutedUntil) : NaN;
  return !(Number.isFinite(until) && until > ctx.now);
}

const KIND_TITLE: Record<AppNotification['kind'], string> = {
  mention: 'mentioned you',
  dm: 'sent you a message',
  reply: 'replied in a thread',
  ticket_assigned: 'assigned you a ticket',
};

export function kindLabel(kind: AppNotification['kind']): string {
  return { mention: 'Mention', dm: 'Direct message', reply: 'Reply', ticket_assigned: 'Ticket assigned' }[kind];
}

/** "Ada mentioned you in #general" (a DM names no room). */
export function desktopTitle(n: AppNotification, roomName: string): string {
  const where = n.roomKind === 'dm' ? '' : ` in ${n.roomKind === 'ticket' ? '' : '#'}${roomName}`;
  return `${n.actor.name} ${KIND_TITLE[n.kind]}${where}`;
}

export function desktopPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Shows the system notification; a click focuses this window and runs `open`. */
export function showDesktop(n: AppNotification, roomName: string, open: () => void): void {
  const note = new Notification(desktopTitle(n, roomName), { body: n.excerpt, tag: n.id });
  note.onclick = () => {
    window.focus();
    open();
    note.close();
  };
}
