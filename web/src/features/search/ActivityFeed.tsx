import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { usePagedQuery } from '../../queries/pages';
import { HitCard } from './HitCard';

const activityPage = (cursor: string | number | null) => api.activity(cursor, 10);

/** Recent messages by others in rooms I may read (`GET /activity`), for the home page. */
export function ActivityFeed() {
  const { items, hasMore, loading, loadMore } = usePagedQuery(queryKeys.activity, activityPage, { errorToast: 'Could not load recent activity' });

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
      {hasMore && (
        <button type="button" className="button" onClick={loadMore} disabled={loading}>
          Older activity
        </button>
      )}
    </section>
  );
}
