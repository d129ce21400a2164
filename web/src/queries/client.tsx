import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useToast } from '../ui/toast';

declare module '@tanstack/react-query' {
  interface Register {
    queryMeta: {
      /** Toast title when the query fails; no toast without it (the screen shows the error). */
      errorToast?: string;
      /** Leaves out the toast for some failures (for example a refused search shown inline);
       * `hasData`: an earlier read succeeded and is still shown. */
      quiet?: (err: unknown, hasData: boolean) => boolean;
    };
  }
}

/**
 * Server state for the screens, one cache per page load. Requests are not retried (the API
 * answers with a final error, and a screen must show it at once), nor refetched on focus (the
 * realtime connection keeps lists current; queries that poll opt in). A screen opened again
 * shows what it had at once and reads it again.
 */
export function createQueryClient(onError: (err: unknown, toast: string) => void): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (err, query) => {
        const { errorToast, quiet } = query.meta ?? {};
        if (errorToast && !quiet?.(err, query.state.data !== undefined)) onError(err, errorToast);
      },
    }),
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}

/** Provides the query cache; failed queries with an `errorToast` show a toast. */
export function QueryProvider({ children }: { children: ReactNode }) {
  const toast = useToast(); // stable for the page's lifetime
  const [client] = useState(() => createQueryClient((err, title) => toast.error(err, title)));
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
