/** Minimal synchronous key-value storage; localStorage in the browser, a Map in tests. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

export function memoryStore(initial: Record<string, string> = {}): KeyValueStore {
  const map = new Map(Object.entries(initial));
  return {
    get: (key) => map.get(key) ?? null,
    set: (key, value) => void map.set(key, value),
    remove: (key) => void map.delete(key),
  };
}

/** localStorage, degrading to memory when it is unavailable (private mode, quota). */
export function browserStore(): KeyValueStore {
  const fallback = memoryStore();
  const ls = (): Storage | null => {
    try {
      return typeof window !== 'undefined' ? window.localStorage : null;
    } catch {
      return null;
    }
  };
  return {
    get(key) {
      try {
        return ls()?.getItem(key) ?? fallback.get(key);
      } catch {
        return fallback.get(key);
      }
    },
    set(key, value) {
      try {
        const s = ls();
        if (s) s.setItem(key, value);
        else fallback.set(key, value);
      } catch {
        fallback.set(key, value);
      }
    },
    remove(key) {
      fallback.remove(key);
      try {
        ls()?.removeItem(key);
      } catch {
        // nothing else to clean
      }
    },
  };
}

/** Keys of state that belongs to one signed-in user (cleared on sign-out). */
export function userKeys(userId: string): { outbox: string; cursors: string } {
  return { outbox: `sb:${userId}:outbox`, cursors: `sb:${userId}:cursors` };
}

export function readJson<T>(store: KeyValueStore, key: string, guard: (v: unknown) => v is T, fallback: T): T {
  const raw = store.get(key);
  if (raw === null) return fallback;
  try {
    const parsed: unknown = JSON.parse(raw);
    return guard(parsed) ? parsed : fallback;
  } catch {
    return fallback;
  }
}
