import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { queryKeys } from '../../queries/keys';
import { uniqueBy, usePagedQuery } from '../../queries/pages';
import { SelectField } from '../../ui/SelectField';
import { Link, navigate, useLocation } from '../../ui/router';
import { useRoomsOptional } from '../rooms/RoomsContext';
import { HitCard } from './HitCard';
import { composeSearch, hasTerms, parseSearch, resultCount, roomLabel, type SearchFilters } from './query';
import { t } from '../../i18n';

export { hitUrl } from './query';

/** A date input only takes YYYY-MM-DD; a typed `after:soon` stays in the query text. */
const asDay = (v: string) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? v : '');

/** The server's words for a refused query (`details[].problem` of field `q`), else its message. */
function searchError(err: unknown): string {
  if (err instanceof ApiError) return err.fieldProblem('q') ?? err.message;
  return t('searchPage.searchFailed');
}

/** A refused query is explained on the page; other failures also get a toast. */
const isRefusedQuery = (err: unknown) => err instanceof ApiError && err.code === 'VALIDATION';

/** Full-text search; the query lives in the URL so results can be linked and revisited. */
export function SearchPage() {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const filters = parseSearch(q);
  const rooms = useRoomsOptional();
  const [draft, setDraft] = useState(filters.text);

  useEffect(() => setDraft(parseSearch(q).text), [q]);

  const found = usePagedQuery(queryKeys.search(q), (cursor) => api.search(q, cursor), {
    enabled: q.trim() !== '' && hasTerms(filters),
    errorToast: t('searchPage.searchFailed'),
    quiet: isRefusedQuery,
  });
  const hits = uniqueBy(found.items ?? [], (h) => h.message.id);
  const roomHits = found.pages[0]?.rooms ?? [];
  const loading = found.loading;
  const error = found.error ? searchError(found.error) : null;

  const go = (f: SearchFilters) => navigate(`/search?q=${encodeURIComponent(composeSearch(f))}`, { replace: q !== '' });
  const setFilter = <K extends keyof SearchFilters>(key: K, value: SearchFilters[K]) => go({ ...filters, text: draft, [key]: value });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/search?q=${encodeURIComponent(composeSearch({ ...filters, text: draft }))}`);
  };

  const myRooms = (rooms?.rooms ?? []).filter((r) => r.kind === 'public' || r.kind === 'private');
  const roomOptions = filters.in && !myRooms.some((r) => r.slug === filters.in) ? [{ slug: filters.in, title: filters.in }, ...myRooms] : myRooms;
  const needsTerms = q.trim() !== '' && !hasTerms(filters);
  const activeFilters = filters.from || filters.in || filters.after || filters.before || filters.hasThread;

  return (
    <main className="page" id="main" aria-labelledby="search-title">
      <h1 id="search-title">{t('searchPage.searchMessages')}</h1>
      <form role="search" onSubmit={submit} className="search-form">
        <label htmlFor="search-q" className="visually-hidden">
          {t('searchPage.searchWords')}
        </label>
        <input
          id="search-q"
          type="search"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder={t('searchPage.wordsPhrase')}
          aria-describedby="search-help"
          data-testid="search-input"
          autoFocus
        />
        <button type="submit" className="button primary" data-testid="search-submit">
          {t('common.search')}
        </button>
      </form>
      <fieldset className="filters search-filters" aria-label={t('searchPage.searchFilters')}>
        <legend className="visually-hidden">{t('searchPage.filters')}</legend>
        <div className="field">
          <label htmlFor="search-from">{t('common.from')}</label>
          <input
            id="search-from"
            defaultValue={filters.from}
            key={`from-${filters.from}`}
            placeholder={t('searchPage.nameEMail')}
            onBlur={(e) => e.target.value.trim() !== filters.from && setFilter('from', e.target.value.trim())}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                setFilter('from', e.currentTarget.value.trim());
              }
            }}
            data-testid="search-from"
          />
        </div>
        <SelectField
          id="search-in"
          label={t('searchPage.inRoom')}
          value={filters.in}
          choices={roomOptions.map((r) => ({ value: r.slug, label: t('searchPage.title', { title: r.title }) }))}
          none={t('searchPage.anywhere')}
          onChange={(v) => setFilter('in', v)}
          testId="search-in"
        />
        <div className="field">
          <label htmlFor="search-after">{t('searchPage.after')}</label>
          <input id="search-after" type="date" value={asDay(filters.after)} onChange={(e) => setFilter('after', e.target.value)} data-testid="search-after" />
        </div>
        <div className="field">
          <label htmlFor="search-before">{t('searchPage.before')}</label>
          <input id="search-before" type="date" value={asDay(filters.before)} onChange={(e) => setFilter('before', e.target.value)} data-testid="search-before" />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={filters.hasThread} onChange={(e) => setFilter('hasThread', e.target.checked)} data-testid="search-has-thread" />{' '}{t('searchPage.hasReplies')}
        </label>
        {activeFilters && (
          <button type="button" className="link-button" onClick={() => go({ ...filters, text: draft, from: '', in: '', after: '', before: '', hasThread: false })}>
            {t('searchPage.clearFilters')}
          </button>
        )}
      </fieldset>
      <p id="search-help" className="hint">
        {t('searchPage.youCanAlsoTypeFilters')}{' '}<code>{t('searchPage.from')}</code>{t('searchPage.person')}{' '}<code>{t('searchPage.in')}</code>{t('searchPage.room')}{' '}<code>{t('searchPage.before2')}</code>/<code>{t('searchPage.after2')}</code>{t('searchPage.yYYYMmDd')}{' '}
        <code>{t('searchPage.hasThread')}</code>, <code>{t('searchPage.exactPhrase')}</code>.
      </p>
      {needsTerms && <p className="notice">{t('searchPage.addWordPhrasePersonRoom')}</p>}
      {error && (
        <p className="form-error" role="alert" data-testid="search-error">
          {error}
        </p>
      )}
      <p className="muted small" aria-live="polite" data-testid="search-count">
        {loading ? t('searchPage.searching') : q && !error && !needsTerms ? resultCount(hits.length, found.hasMore) : ''}
      </p>
      {roomHits.length > 0 && (
        <section aria-labelledby="room-hits-title" className="room-hits">
          <h2 id="room-hits-title" className="small-heading">
            {t('common.rooms')}
          </h2>
          <ul className="chip-list">
            {roomHits.map((r) => (
              <li key={r.id}>
                <Link to={`/rooms/${r.id}`} className="chip" data-testid="search-room">
                  {roomLabel(r)}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {q && !loading && hits.length === 0 && !error && !needsTerms && <p className="empty">{t('searchPage.noMessagesMatch', { q })}</p>}
      <ol className="search-results" aria-busy={loading} aria-label={t('searchPage.messagesFound')}>
        {hits.map((hit) => (
          <HitCard key={hit.message.id} hit={hit} />
        ))}
      </ol>
      {found.hasMore && hits.length > 0 && (
        <button type="button" className="button" onClick={found.loadMore} disabled={loading} data-testid="search-more">
          {t('searchPage.moreResults')}
        </button>
      )}
    </main>
  );
}
