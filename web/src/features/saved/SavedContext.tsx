import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { useToast } from '../../ui/toast';
import { t } from '../../i18n';

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
  const queryClient = useQueryClient();
  // No toast on failure: the list shows the error when opened; the flags stay unknown.
  const { data } = useQuery({ queryKey: queryKeys.saved.ids, queryFn: () => api.saved(null, KNOWN_AT_START) });
  /** What this client saved or unsaved since: it wins over the list read at start. */
  const [changed, setChanged] = useState<ReadonlyMap<string, boolean>>(() => new Map());

  const setSaved = useCallback(
    async (messageId: string, saved: boolean) => {
      try {
        await api.messages.setSaved(messageId, saved);
      } catch (err) {
        toast.error(err, saved ? t('savedContext.couldNotSaveMessage') : t('savedContext.couldNotRemoveSavedMessage'));
        return false;
      }
      setChanged((known) => new Map(known).set(messageId, saved));
      void queryClient.invalidateQueries({ queryKey: queryKeys.saved.list });
      return true;
    },
    [toast, queryClient],
  );

  const value = useMemo<Saved>(() => {
    const atStart = new Set(data?.items.map((s) => s.message.id));
    return { isSaved: (id) => changed.get(id) ?? atStart.has(id), setSaved };
  }, [data, changed, setSaved]);
  return <SavedContext.Provider value={value}>{children}</SavedContext.Provider>;
}

/** Saved messages, where the app offers them (the team's screens; not a customer's ticket). */
export function useSaved(): Saved | null {
  return useContext(SavedContext);
}
