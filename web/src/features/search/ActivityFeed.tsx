import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api';
import type { SearchHit } from '../../types';
import { useToast } from '../../ui/toast';
import { HitCard } from './HitCard';

/** Recent messages by others in rooms I may read (`GET /activity`), for the home page. */
export function ActivityFeed() {
  const toast = useToast();
  const [items, setItems] = useState<SearchHit[] | null>(null);
  const [cursor, setCursor] = useState<string | number | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (from: string | number | null) => {
      setLoading(true);
      try {
        const page = await api.activity(from, 10);
        setItems((xs) => (from === null || !xs ? page.items : [...xs, ...page.items]));
        setCursor(page.nextCursor);
      } catch (err) {
        setItems((xs) => xs ?? []);
        toast.error(err, 'Could not load recent activity');
      } finally {
        setLoading(false);
      }
    },
    [toast],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <section aria-labelledby="activity-title" className="activity">
      <h2 id="activity-title">Recent activity</h2>
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">Nothing new from others yet.</p>
      ) : (
        <ol className="search-results" aria-busy={loading}>
          {items.map((hit) => (
            <HitCard key={hit.message.id} hit={hit} testId="activity-item" />
          ))}
        </ol>
      )}
      {cursor !== null && (
        <button type="button" className="button" onClick={() => void load(cursor)} disabled={loading}>
          Older activity
        </button>
      )}
    </section>
  );
}
