import { api } from '../../api';
import { usePages } from '../../ui/usePages';
import { HitCard } from './HitCard';

const activityPage = (cursor: string | number | null) => api.activity(cursor, 10);

/** Recent messages by others in rooms I may read (`GET /activity`), for the home page. */
export function ActivityFeed() {
  const { items, cursor, loading, loadMore } = usePages(activityPage, 'Could not load recent activity');

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
        <button type="button" className="button" onClick={loadMore} disabled={loading}>
          Older activity
        </button>
      )}
    </section>
  );
}
