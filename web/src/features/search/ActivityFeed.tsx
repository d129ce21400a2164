import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { usePagedQuery } from '../../queries/pages';
import { HitCard } from './HitCard';
import { t } from '../../i18n';

const activityPage = (cursor: string | number | null) => api.activity(cursor, 10);

/** Recent messages by others in rooms I may read (`GET /activity`), for the home page. */
export function ActivityFeed() {
  const { items, hasMore, loading, loadMore } = usePagedQuery(queryKeys.activity, activityPage, { errorToast: t('activityFeed.couldNotLoadRecentActivity') });

  return (
    <section aria-labelledby="activity-title" className="activity">
      <h2 id="activity-title">{t('activityFeed.recentActivity')}</h2>
      {items === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : items.length === 0 ? (
        <p className="muted">{t('activityFeed.nothingNewFromOthersYet')}</p>
      ) : (
        <ol className="search-results" aria-busy={loading}>
          {items.map((hit) => (
            <HitCard key={hit.message.id} hit={hit} testId="activity-item" />
          ))}
        </ol>
      )}
      {hasMore && (
        <button type="button" className="button" onClick={loadMore} disabled={loading}>
          {t('activityFeed.olderActivity')}
        </button>
      )}
    </section>
  );
}
