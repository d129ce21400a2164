import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { usePagedQuery } from '../../queries/pages';
import { HitCard } from '../search/HitCard';
import { useSaved } from './SavedContext';
import { t } from '../../i18n';

const savedPage = (cursor: string | number | null) => api.saved(cursor, 30);

/** My saved messages, the latest saved first, each opening the message in its room. */
export function SavedPage() {
  const saved = useSaved();
  const { items, hasMore, loading, loadMore } = usePagedQuery(queryKeys.saved.list, savedPage, { errorToast: t('savedPage.couldNotLoadYourSaved') });

  return (
    <main className="page" id="main" aria-labelledby="saved-title" data-testid="saved-page">
      <h1 id="saved-title">{t('savedPage.savedMessages')}</h1>
      {items === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : items.length === 0 ? (
        <p className="muted">{t('savedPage.nothingSavedYetSaveMessage')}</p>
      ) : (
        <ol className="search-results" aria-busy={loading}>
          {items.map((s) => (
            <HitCard
              key={s.message.id}
              hit={{ ...s, snippet: [] }}
              testId="saved-item"
              action={
                <button type="button" className="button small" onClick={() => void saved?.setSaved(s.message.id, false)} data-testid="unsave">
                  {t('common.remove')}
                </button>
              }
            />
          ))}
        </ol>
      )}
      {hasMore && (
        <button type="button" className="button" onClick={loadMore} disabled={loading}>
          {t('savedPage.olderSavedMessages')}
        </button>
      )}
    </main>
  );
}
