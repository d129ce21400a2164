import type { TypingEvent } from '../../types';

/** Who is typing in one room: user id -> name and the time the indicator expires. */
export type TypingState = Readonly<Record<string, { name: string; until: number }>>;

/** Used when the server does not say (it sends `expiresInMs: 5000`). */
export const DEFAULT_TYPING_EXPIRY_MS = 5000;

/** Applies a `typing` event: start (or refresh) with the server's expiry, or stop. */
export function applyTyping(state: TypingState, event: TypingEvent, now: number): TypingState {
  if (!event.typing) {
    if (!state[event.userId]) return state;
    const next = { ...state };
    delete next[event.userId];
    return next;
  }
  const ttl = typeof event.expiresInMs === 'number' && event.expiresInMs > 0 ? event.expiresInMs : DEFAULT_TYPING_EXPIRY_MS;
  return { ...state, [event.userId]: { name: event.name || 'Someone', until: now + ttl } };
}

/** Drops one user (their message arrived, so they stopped typing). */
export function clearTyping(state: TypingState, userId: string): TypingState {
  if (!state[userId]) return state;
  const next = { ...state };
  delete next[userId];
  return next;
}

/** Drops expired indicators; returns the same object when nothing expired. */
export function expireTyping(state: TypingState, now: number): TypingState {
  const live = Object.entries(state).filter(([, v]) => v.until > now);
  return live.length === Object.keys(state).length ? state : Object.fromEntries(live);
}

/** Milliseconds until the next indicator expires, or null when nobody is typing. */
export function nextTypingExpiry(state: TypingState, now: number): number | null {
  const times = Object.values(state).map((v) => v.until);
  return times.length === 0 ? null : Math.max(0, Math.min(...times) - now);
}
