import { useInfiniteQuery, type InfiniteData, type QueryClient, type QueryKey } from '@tanstack/react-query';
import type { Page } from '../types';

type Cursor = string | number | null;

export interface PagedQuery<T> {
  /** Every loaded item, in order; null until the first page arrived. */
  items: T[] | null;
  hasMore: boolean;
  /** True while any page is being read (first, next or a refetch). */
  loading: boolean;
  error: unknown;
  loadMore(): void;
  refetch(): void;
}

interface Options {
  /** Toast title when a page fails to load. */
  errorToast?: string;
  quiet?: (err: unknown, hasData: boolean) => boolean;
  enabled?: boolean;
  /** Keeps the previous key's items on screen until the new ones arrive. */
  keepPrevious?: boolean;
}

/** A list read page by page with a cursor: the first page at once, the next ones on demand. */
export function usePagedQuery<P extends Page<unknown>>(
  queryKey: QueryKey,
  fetchPage: (cursor: Cursor) => Promise<P>,
  { errorToast, quiet, enabled = true, keepPrevious = false }: Options = {},
): PagedQuery<P['items'][number]> & { pages: P[] } {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: null as Cursor,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    meta: { errorToast, quiet },
    enabled,
    placeholderData: keepPrevious ? (previous) => previous : undefined,
  });
  const pages = query.data?.pages ?? [];
  return {
    pages,
    // A failed first page shows as an empty list (the toast or the screen tells why).
    items: query.data ? pages.flatMap((p) => p.items) : query.isError ? [] : null,
    hasMore: query.hasNextPage,
    loading: query.isFetching,
    error: query.error,
    loadMore: () => void query.fetchNextPage(),
    refetch: () => void query.refetch(),
  };
}

/** The first of each id: a later page may repeat an item of an earlier one (new items shift pages). */
export function uniqueBy<T>(items: T[], id: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((x) => !seen.has(id(x)) && Boolean(seen.add(id(x))));
}

/**
 * Rewrites the loaded items of a paged query (a realtime event or a mutation's answer) with
 * `update(items, allLoaded)`; pages keep their sizes, the last one takes what was added.
 */
export function setPagedItems<T>(client: QueryClient, queryKey: QueryKey, update: (items: T[], allLoaded: boolean) => T[]): void {
  client.setQueriesData<InfiniteData<Page<T>, Cursor>>({ queryKey }, (data) => {
    if (!data) return data;
    const pages = data.pages;
    const allLoaded = pages[pages.length - 1]?.nextCursor === null;
    const items = update(
      pages.flatMap((p) => p.items),
      allLoaded,
    );
    let start = 0;
    return {
      ...data,
      pages: pages.map((p, i) => {
        const end = i === pages.length - 1 ? items.length : Math.min(items.length, start + p.items.length);
        const slice = items.slice(start, end);
        start = end;
        return { ...p, items: slice };
      }),
    };
  });
}
