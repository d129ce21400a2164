// The notification bell's state: the unread count and the pages of the list loaded so far.
import type { AppNotification, NotificationReadEvent } from '../../types';

export interface BellState {
  /** Unread notifications (from `/auth/me`, then kept by socket events). */
  count: number;
  /** Newest first; empty until the list was opened once. */
  items: AppNotification[];
  nextCursor: string | number | null;
  loaded: boolean;
}

export type BellAction =
  | { type: 'count'; count: number }
  | { type: 'page'; items: AppNotification[]; nextCursor: string | number | null; append: boolean }
  | { type: 'new'; notification: AppNotification }
  | { type: 'read'; event: NotificationReadEvent };

export const initialBell = (count: number): BellState => ({ count, items: [], nextCursor: null, loaded: false });

export function bellReducer(state: BellState, action: BellAction): BellState {
  switch (action.type) {
    case 'count':
      return { ...state, count: Math.max(0, action.count) };
    case 'page': {
      const held = new Set(state.items.map((n) => n.id));
      const items = action.append ? [...state.items, ...action.items.filter((n) => !held.has(n.id))] : action.items;
      return { ...state, items, nextCursor: action.nextCursor, loaded: true };
    }
    case 'new': {
      // The same notification twice (a reconnect, two tabs) counts once.
      if (state.items.some((n) => n.id === action.notification.id)) return state;
      return {
        ...state,
        count: state.count + (action.notification.read ? 0 : 1),
        items: state.loaded ? [action.notification, ...state.items] : state.items,
      };
    }
    case 'read':
      return applyRead(state, action.event);
  }
}

function applyRead(state: BellState, event: NotificationReadEvent): BellState {
  if ('all' in event) return { ...state, count: 0, items: state.items.map((n) => (n.read ? n : { ...n, read: true })) };
  if ('roomId' in event) {
    // The count of that room's unread is the server's to say (the provider asks /auth/me).
    return { ...state, items: state.items.map((n) => (n.roomId === event.roomId && !n.read ? { ...n, read: true } : n)) };
  }
  const ids = new Set(event.ids);
  // Ids not in the list loaded here were unread (another tab read them); listed ones only if unread.
  const alreadyRead = state.items.filter((n) => ids.has(n.id) && n.read).length;
  return {
    ...state,
    count: Math.max(0, state.count - (ids.size - alreadyRead)),
    items: state.items.map((n) => (ids.has(n.id) && !n.read ? { ...n, read: true } : n)),
  };
}

/** Where a notification opens: its message in the room, or in its thread for a reply. */
export function messageUrl(n: Pick<AppNotification, 'roomId' | 'roomKind' | 'seq' | 'threadId'>): string {
  const thread = n.threadId ? `&thread=${encodeURIComponent(n.threadId)}` : '';
  return `${n.roomKind === 'ticket' ? '/tickets' : '/rooms'}/${n.roomId}?seq=${n.seq}${thread}`;
}
