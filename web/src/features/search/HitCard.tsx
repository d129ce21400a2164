import type { ReactNode } from 'react';
import type { SearchHit } from '../../types';
import { formatDateTime } from '../../ui/format';
import { Link } from '../../ui/router';
import { hitUrl, roomLabel } from './query';
import { t } from '../../i18n';

/** One message found (search), seen (activity) or saved, linking to it in its room or ticket;
 * `action` stands beside the link. */
export function HitCard({ hit, testId = 'search-result', action }: { hit: SearchHit; testId?: string; action?: ReactNode }) {
  return (
    <li className={`card search-hit ${action ? 'with-action' : ''}`} data-testid={testId}>
      <Link to={hitUrl(hit)} className="search-hit-link">
        <span className="search-hit-meta">
          <span className="room-name">{roomLabel(hit.room)}</span>
          <span className="muted small">
            {hit.message.author.name} · {formatDateTime(hit.message.createdAt)}
            {hit.message.parentId && t('hitCard.inThread')}
          </span>
        </span>
        <span className="snippet" data-testid="snippet">
          {hit.snippet.length > 0
            ? hit.snippet.map((seg, i) => (seg.match ? <mark key={i}>{seg.text}</mark> : <span key={i}>{seg.text}</span>))
            : (hit.message.body ?? <em className="muted">{t('hitCard.deleted')}</em>)}
        </span>
      </Link>
      {action && <div className="search-hit-action">{action}</div>}
    </li>
  );
}
