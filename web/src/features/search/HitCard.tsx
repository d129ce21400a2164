import type { SearchHit } from '../../types';
import { formatDateTime } from '../../ui/format';
import { Link } from '../../ui/router';
import { hitUrl, roomLabel } from './query';

/** One message found (search) or seen (activity), linking to it in its room or ticket. */
export function HitCard({ hit, testId = 'search-result' }: { hit: SearchHit; testId?: string }) {
  return (
    <li className="card search-hit" data-testid={testId}>
      <Link to={hitUrl(hit)} className="search-hit-link">
        <span className="search-hit-meta">
          <span className="room-name">{roomLabel(hit.room)}</span>
          <span className="muted small">
            {hit.message.author.name} · {formatDateTime(hit.message.createdAt)}
            {hit.message.parentId && ' · in a thread'}
          </span>
        </span>
        <span className="snippet" data-testid="snippet">
          {hit.snippet.length > 0
            ? hit.snippet.map((seg, i) => (seg.match ? <mark key={i}>{seg.text}</mark> : <span key={i}>{seg.text}</span>))
            : (hit.message.body ?? <em className="muted">deleted</em>)}
        </span>
      </Link>
    </li>
  );
}
