import type { Member, Message, ReactionUpdate, Reaction } from '../../types';

/** The window of a room's history on screen; pure state so it can be unit-tested. */
export interface TimelineState {
  /** Root messages and replies, ascending by seq, one per seq. */
  messages: Message[];
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  /** `before` cursor for the next older page; null when the start of the room is loaded. */
  olderCursor: number | null;
  /** True when the window ends before the newest message (after a jump into history). */
  hasNewer: boolean;
  /** A seq to scroll to and highlight (search result). */
  focusSeq: number | null;
}

export type TimelineAction =
  | { type: 'reset'; focusSeq: number | null }
  | { type: 'loaded'; messages: Message[]; olderCursor: number | null; hasNewer: boolean }
  | { type: 'older'; messages: Message[]; olderCursor: number | null }
  | { type: 'newer'; messages: Message[]; hasNewer: boolean }
  | { type: 'live'; message: Message }
  | { type: 'updated'; message: Message }
  | { type: 'reaction'; update: ReactionUpdate; meId: string }
  | { type: 'pinned'; messageId: string; pinned: boolean }
  | { type: 'error'; error: string };

export const initialTimeline: TimelineState = {
  messages: [],
  status: 'loading',
  error: null,
  olderCursor: null,
  hasNewer: false,
  focusSeq: null,
};

/** Merges by seq (the newer copy wins: edits, reactions) and keeps ascending order. */
export function mergeMessages(current: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return current;
  const bySeq = new Map(current.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * The highest seq up to which the window holds every message from its first one on (history
 * pages and live messages together); 0 for an empty window.
 */
export function contiguousEnd(messages: Message[]): number {
  const first = messages[0];
  if (!first) return 0;
  let end = first.seq;
  for (const m of messages) {
    if (m.seq > end + 1) break;
    end = Math.max(end, m.seq);
  }
  return end;
}

function bumpReplyCounts(messages: Message[], added: Message[], known: Set<number>): Message[] {
  const fresh = added.filter((m) => m.parentId && !known.has(m.seq));
  if (fresh.length === 0) return messages;
  const counts = new Map<string, number>();
  for (const m of fresh) if (m.parentId) counts.set(m.parentId, (counts.get(m.parentId) ?? 0) + 1);
  return messages.map((m) => (counts.has(m.id) ? { ...m, replyCount: m.replyCount + (counts.get(m.id) ?? 0) } : m));
}

export function applyReaction(reactions: Reaction[], update: ReactionUpdate, meId: string): Reaction[] {
  const existing = reactions.find((r) => r.emoji === update.emoji);
  const me = update.userId === meId ? update.added : (existing?.me ?? false);
  if (update.count <= 0) return reactions.filter((r) => r.emoji !== update.emoji);
  if (!existing) return [...reactions, { emoji: update.emoji, count: update.count, me }];
  return reactions.map((r) => (r.emoji === update.emoji ? { ...r, count: update.count, me } : r));
}

/** The state with message `id` changed by `change` (the same state when it is not shown). */
function changeMessage(state: TimelineState, id: string, change: (m: Message) => Message): TimelineState {
  if (!state.messages.some((m) => m.id === id)) return state;
  return { ...state, messages: state.messages.map((m) => (m.id === id ? change(m) : m)) };
}

export function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
  switch (action.type) {
    case 'reset':
      return { ...initialTimeline, focusSeq: action.focusSeq };
    case 'loaded':
      return {
        ...state,
        status: 'ready',
        error: null,
        // Keep live messages that arrived while the page was loading (only when the page is the tail).
        messages: mergeMessages(action.hasNewer ? [] : state.messages, action.messages),
        olderCursor: action.olderCursor,
        hasNewer: action.hasNewer,
      };
    case 'older':
      return { ...state, messages: mergeMessages(state.messages, action.messages), olderCursor: action.olderCursor };
    case 'newer':
      return { ...state, messages: mergeMessages(state.messages, action.messages), hasNewer: action.hasNewer };
    case 'live': {
      // While looking at older history the tail is not loaded: paging forward will bring it.
      if (state.hasNewer) return state;
      const known = new Set(state.messages.map((m) => m.seq));
      if (known.has(action.message.seq)) return state;
      const merged = mergeMessages(state.messages, [action.message]);
      return { ...state, messages: bumpReplyCounts(merged, [action.message], known) };
    }
    case 'updated':
      return changeMessage(state, action.message.id, () => action.message);
    case 'reaction': {
      const { update, meId } = action;
      return changeMessage(state, update.messageId, (m) => ({ ...m, reactions: applyReaction(m.reactions, update, meId) }));
    }
    case 'pinned':
      return changeMessage(state, action.messageId, (m) => ({ ...m, pinned: action.pinned }));
    case 'error':
      return { ...state, status: 'error', error: action.error };
  }
}

export type DeliveryStatus = 'sending' | 'sent' | 'delivered' | 'read';

/**
 * The server sends live `delivered` receipts only in rooms of at most this many members
 * (`read` receipts always); in bigger rooms the ticks go from sent straight to read.
 */
export const DELIVERY_RECEIPTS_MAX_MEMBERS = 10;

/**
 * Ticks for a stored message: read when another member's read cursor reached it, delivered
 * when another member's delivery cursor did (small rooms only), otherwise sent.
 */
export function deliveryStatus(message: Pick<Message, 'seq' | 'author'>, members: Member[]): DeliveryStatus {
  const showDelivered = members.length <= DELIVERY_RECEIPTS_MAX_MEMBERS;
  let delivered = false;
  for (const m of members) {
    if (m.user.id === message.author.id) continue;
    if (m.lastReadSeq >= message.seq) return 'read';
    if (showDelivered && m.lastDeliveredSeq >= message.seq) delivered = true;
  }
  return delivered ? 'delivered' : 'sent';
}
