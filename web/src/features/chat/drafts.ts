import type { KeyValueStore } from '../../realtime/storage';

/**
 * Unsent composer text per room (and per thread), kept across room switches and reloads in
 * the signed-in user's part of localStorage; cleared on sign-out with the outbox.
 */
export function draftsKey(userId: string): string {
  return `sb:${userId}:drafts`;
}

/** Where a composer's draft lives: the room, or a thread in it. */
export function draftSlot(roomId: string, parentId: string | null = null): string {
  return parentId ? `${roomId}/${parentId}` : roomId;
}

/** Longest draft kept (a little over the message limit, so nothing typed is lost). */
const MAX_DRAFT = 20_000;
/** Most drafts kept; the oldest go first. */
const MAX_DRAFTS = 100;

interface Stored {
  [slot: string]: { text: string; at: number };
}

function read(store: KeyValueStore, userId: string): Stored {
  const raw = store.get(draftsKey(userId));
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const out: Stored = {};
    for (const [slot, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof value === 'object' && value !== null && 'text' in value && typeof value.text === 'string') {
        const at = 'at' in value && typeof value.at === 'number' ? value.at : 0;
        out[slot] = { text: value.text, at };
      }
    }
    return out;
  } catch {
    return {};
  }
}

export function loadDraft(store: KeyValueStore, userId: string, slot: string): string {
  return read(store, userId)[slot]?.text ?? '';
}

/** Keeps `text` as the slot's draft; blank text forgets it. */
export function saveDraft(store: KeyValueStore, userId: string, slot: string, text: string, now = Date.now()): void {
  const all = read(store, userId);
  if (text.trim() === '') {
    if (!(slot in all)) return;
    delete all[slot];
  } else {
    all[slot] = { text: text.slice(0, MAX_DRAFT), at: now };
    const slots = Object.keys(all);
    if (slots.length > MAX_DRAFTS) {
      slots
        .sort((a, b) => (all[a]?.at ?? 0) - (all[b]?.at ?? 0))
        .slice(0, slots.length - MAX_DRAFTS)
        .forEach((s) => delete all[s]);
    }
  }
  if (Object.keys(all).length === 0) store.remove(draftsKey(userId));
  else store.set(draftsKey(userId), JSON.stringify(all));
}

/** Forgets every draft of the user (sign-out). */
export function clearDrafts(store: KeyValueStore, userId: string): void {
  store.remove(draftsKey(userId));
}
