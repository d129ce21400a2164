import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import type { SearchHit } from '../../types';
import { formatDateTime } from '../../ui/format';
import { Link, navigate, useLocation } from '../../ui/router';
import { useToast } from '../../ui/toast';

export function hitUrl(hit: SearchHit): string {
  const base = hit.room.kind === 'ticket' ? `/tickets/${hit.room.id}` : `/rooms/${hit.room.id}`;
  return `${base}?seq=${hit.message.seq}`;
}

/** Full-text search; the query lives in the URL so results can be linked and revisited. */
export function SearchPage() {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const [draft, setDraft] = useState(q);
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [cursor, setCursor] = useState<string | number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toast = useToast();

  useEffect(() => setDraft(q), [q]);

  useEffect(() => {
    if (!q.trim()) {
      setHits([]);
      setCursor(null);
      return undefined;
    }
    let cancelled = false;
    setLoading(true);
    setError(null);
    api
      .search(q)
      .then((page) => {
        if (cancelled) return;
        setHits(page.items);
        setCursor(page.nextCursor);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        setError(err instanceof ApiError ? err.message : 'Search failed');
        toast.error(err, 'Search failed');
      })
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [q, toast]);

  const more = async () => {
    setLoading(true);
    try {
      const page = await api.search(q, cursor);
      setHits((h) => [...h, ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Search failed');
      toast.error(err, 'Search failed');
    } finally {
      setLoading(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/search?q=${encodeURIComponent(draft.trim())}`);
  };

  return (
    <main className="page" id="main" aria-labelledby="search-title">
      <h1 id="search-title">Search messages</h1>
      <form role="search" onSubmit={submit} className="search-form">
        <label htmlFor="search-q" className="visually-hidden">
          Search query
        </label>
        <input
          id="search-q"
          type="search"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder='deploy from:alice@example.com in:engineering after:2024-01-01 has:thread'
          aria-describedby="search-help"
          data-testid="search-input"
          autoFocus
        />
        <button type="submit" className="button primary" data-testid="search-submit">
          Search
        </button>
      </form>
      <p id="search-help" className="hint">
        Filters: <code>from:</code>person, <code>in:</code>room, <code>before:</code>/<code>after:</code>date (YYYY-MM-DD),{' '}
        <code>has:thread</code>.
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {loading ? 'Searching' : q ? `${hits.length} results` : ''}
      </p>
      {q && !loading && hits.length === 0 && !error && <p className="empty">No messages match “{q}”.</p>}
      <ol className="search-results" aria-busy={loading}>
        {hits.map((hit) => (
          <li key={hit.message.id} className="card search-hit" data-testid="search-result">
            <Link to={hitUrl(hit)} className="search-hit-link">
              <span className="search-hit-meta">
                <span className="room-name">
                  {hit.room.kind === 'dm' ? '@' : hit.room.kind === 'ticket' ? 'Ticket: ' : '#'}
                  {hit.room.title}
                </span>
                <span className="muted small">
                  {hit.message.author.name} · {formatDateTime(hit.message.createdAt)}
                </span>
              </span>
              <span className="snippet">
                {hit.snippet.length > 0
                  ? hit.snippet.map((seg, i) => (seg.match ? <mark key={i}>{seg.text}</mark> : <span key={i}>{seg.text}</span>))
                  : hit.message.body}
              </span>
            </Link>
          </li>
        ))}
      </ol>
      {cursor !== null && hits.length > 0 && (
        <button type="button" className="button" onClick={() => void more()} disabled={loading}>
          More results
        </button>
      )}
    </main>
  );
}
