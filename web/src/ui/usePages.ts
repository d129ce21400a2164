import { useCallback, useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import type { Page } from '../types';
import { useToast } from './toast';

export interface Pages<T> {
  /** null until the first page arrived. */
  items: T[] | null;
  setItems: Dispatch<SetStateAction<T[] | null>>;
  /** Cursor of the next page; null on the last one. */
  cursor: string | number | null;
  loading: boolean;
  loadMore(): void;
}

/** A list read page by page with a cursor: the first page at once, the next ones on demand.
 * `fetchPage` must be stable (a module-level function or a memoised callback). */
export function usePages<T>(fetchPage: (cursor: string | number | null) => Promise<Page<T>>, failure: string): Pages<T> {
  const toast = useToast();
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | number | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (from: string | number | null) => {
      setLoading(true);
      try {
        const page = await fetchPage(from);
        setItems((xs) => (from === null || !xs ? page.items : [...xs, ...page.items]));
        setCursor(page.nextCursor);
      } catch (err) {
        setItems((xs) => xs ?? []);
        toast.error(err, failure);
      } finally {
        setLoading(false);
      }
    },
    [fetchPage, failure, toast],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  return { items, setItems, cursor, loading, loadMore: () => void load(cursor) };
}
