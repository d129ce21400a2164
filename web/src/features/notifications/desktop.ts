// Desktop (system) notifications: when to show one, and showing it.
import type { AppNotification, Preferences, Room } from '../../types';
import { t, type MessageKey } from '../../i18n';

export interface DesktopContext {
  /** `Notification.permission`, or 'unsupported' without the API. */
  permission: NotificationPermission | 'unsupported';
  /** The account's `browserNotifications` preference. */
  preference: boolean;
  /** `document.hidden`: the page is in another tab or minimised. */
  hidden: boolean;
  /** The room of the notification as the room list knows it (absent: not a listed room). */
  room: Pick<Room, 'mutedUntil'> | undefined;
  /** The account's quiet hours and time zone (`null`: none set, or not loaded). */
  quiet?: Pick<Preferences, 'quietHours' | 'timezone'> | null;
  now: number;
}

/** "HH:MM" of `now` in `timeZone` (an IANA name; an unknown one counts as UTC, as on the server). */
function clockIn(now: number, timeZone: string): string {
  const format = (tz: string) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
  try {
    return format(timeZone);
  } catch {
    return format('UTC');
  }
}

/** Whether `now` is in the quiet hours (read in their time zone; hours may wrap midnight). */
export function inQuietHours(quiet: Pick<Preferences, 'quietHours' | 'timezone'> | null | undefined, now: number): boolean {
  const hours = quiet?.quietHours;
  if (!hours) return false;
  const local = clockIn(now, quiet.timezone || 'UTC');
  return hours.start <= hours.end ? hours.start <= local && local < hours.end : local >= hours.start || local < hours.end;
}

/** A visible page shows the bell; a muted room and quiet hours stay quiet; the person opted in twice (browser and preference). */
export function shouldShowDesktop(ctx: DesktopContext): boolean {
  if (ctx.permission !== 'granted' || !ctx.preference || !ctx.hidden) return false;
  if (inQuietHours(ctx.quiet, ctx.now)) return false;
  const until = ctx.room?.mutedUntil ? Date.parse(ctx.room.mutedUntil) : NaN;
  return !(Number.isFinite(until) && until > ctx.now);
}

const KIND_TITLE: Record<AppNotification['kind'], MessageKey> = {
  mention: 'desktop.mentionedYou',
  dm: 'desktop.sentYouMessage',
  reply: 'desktop.repliedInThread',
  ticket_assigned: 'desktop.assignedYouTicket',
};

export function kindLabel(kind: AppNotification['kind']): string {
  return t(({ mention: 'desktop.mention', dm: 'quickSwitcher.directMessage', reply: 'desktop.reply', ticket_assigned: 'desktop.ticketAssigned' } as const)[kind]);
}

/** "Ada mentioned you in #general" (a DM names no room). */
export function desktopTitle(n: AppNotification, roomName: string): string {
  const where = n.roomKind === 'dm' ? '' : ` in ${n.roomKind === 'ticket' ? '' : '#'}${roomName}`;
  return `${t(KIND_TITLE[n.kind], { name: n.actor?.name ?? t('bell.someone') })}${where}`;
}

export function desktopPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Shows the system notification; a click focuses this window and runs `open`. */
export function showDesktop(n: AppNotification, roomName: string, open: () => void): void {
  const note = new Notification(desktopTitle(n, roomName), { body: n.excerpt ?? undefined, tag: n.id });
  note.onclick = () => {
    window.focus();
    open();
    note.close();
  };
}
