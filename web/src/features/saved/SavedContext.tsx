import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../../api';
import { useToast } from '../../ui/toast';

/** Saved ids known at start: the newest page of `GET /me/saved` (older saves show as unsaved
 * until saved again, which is harmless: saving is idempotent). */
const KNOWN_AT_START = 100;

export interface Saved {
  isSaved(messageId: string): boolean;
  /** Saves or unsaves; resolves to whether it worked (a toast tells why not). */
  setSaved(messageId: string, saved: boolean): Promise<boolean>;
}

const SavedContext = createContext<Saved | null>(null);

/** Which messages I saved, as far as this client knows, and saving or unsaving one. */
export function SavedProvider({ children }: { children: ReactNode }) {
  const toast = useToast();
  const [ids, setIds] = useState<ReadonlySet<string>>(() => new Set());

  useEffect(() => {
    let cancelled = false;
    api
      .saved(null, KNOWN_AT_START)
      .then((page) => !cancelled && setIds((known) => new Set([...known, ...page.items.map((s) => s.message.id)])))
      .catch(() => undefined); // The list shows the error when opened; the flags stay unknown.
    return () => {
      cancelled = true;
    };
  }, []);

  const setSaved = useCallback(
    async (messageId: string, saved: boolean) => {
      try {
        await api.messages.setSaved(messageId, saved);
      } catch (err) {
        toast.error(err, saved ? 'Could not save the message' : 'Could not remove the saved message');
        return false;
      }
      setIds((known) => {
        const next = new Set(known);
        if (saved) next.add(messageId);
        else next.delete(messageId);
        return next;
      });
      return true;
    },
    [toast],
  );

  const value = useMemo<Saved>(() => ({ isSaved: (id) => ids.has(id), setSaved }), [ids, setSaved]);
  return <SavedContext.Provider value={value}>{children}</SavedContext.Provider>;
}

/** Saved messages, where the app offers them (the team's screens; not a customer's ticket). */
export function useSaved(): Saved | null {
  return useContext(SavedContext);
}
