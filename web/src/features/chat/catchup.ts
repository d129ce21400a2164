import type { Message } from '../../types';
import { locale as uiLocale, t } from '../../i18n';

/** The local calendar day of a timestamp, as `YYYY-MM-DD` (for grouping by day). */
export function dayKey(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "Today", "Yesterday", or the date ("Monday, 3 March", with the year when it is not this year). */
export function dayLabel(iso: string | Date, now: Date = new Date(), locale?: string): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return '';
  const key = dayKey(d);
  if (key === dayKey(now)) return t('catchup.today');
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (key === dayKey(yesterday)) return t('catchup.yesterday');
  const sameYear = d.getFullYear() === now.getFullYear();
  return d.toLocaleDateString(locale ?? uiLocale(), { weekday: 'long', day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }) });
}

/**
 * The seqs of the messages that start a new day (the first message of the window starts one
 * too): a day separator goes before each.
 */
export function dayStarts(messages: readonly Pick<Message, 'seq' | 'createdAt'>[]): Map<number, string> {
  const starts = new Map<number, string>();
  let last: string | null = null;
  for (const m of messages) {
    const key = dayKey(m.createdAt);
    if (key !== last) starts.set(m.seq, m.createdAt);
    last = key;
  }
  return starts;
}

/**
 * Where the "New messages" divider goes: the first message after the read position written
 * by someone else (my own messages are read by definition); null when nothing is unread.
 */
export function firstUnread(messages: readonly { seq: number; author: { id: string } }[], lastReadSeq: number, meId: string): number | null {
  for (const m of messages) if (m.seq > lastReadSeq && m.author.id !== meId) return m.seq;
  return null;
}

/** More unread than one page of history: the room opens around the first unread instead. */
export function opensAtUnread(unread: number, page: number): boolean {
  return unread > page;
}

/** The tab title with the unread count first: "(3) Switchboard"; "(99+)" past 99. */
export function titleWithUnread(base: string, unread: number): string {
  if (unread <= 0) return base;
  return `(${unread > 99 ? '99+' : unread}) ${base}`;
}

/** The text of the favicon badge: the count, "99+" past 99, nothing when all is read. */
export function badgeText(unread: number): string {
  if (unread <= 0) return '';
  return unread > 99 ? '99+' : String(unread);
}
