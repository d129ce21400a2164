import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../../api';
import { queryKeys } from '../../queries/keys';
import { useRealtimeEvent } from '../../realtime';
import type { Message, Pin, Room } from '../../types';
import { formatDateTime } from '../../ui/format';
import { WriteButton } from '../../ui/readOnly';
import { Link } from '../../ui/router';
import { hitUrl } from '../search/query';
import { Markup } from './markup/Markup';
import { t } from '../../i18n';

interface Props {
  room: Pick<Room, 'id' | 'slug' | 'title' | 'kind'>;
  /** Unpins (shown to those who may pin). */
  onUnpin?(message: Message): void;
  onClose(): void;
}

/** A room's pinned messages, the latest pinned first, kept current by `message:pinned`. */
export function PinsPanel({ room, onUnpin, onClose }: Props) {
  const queryClient = useQueryClient();
  const key = queryKeys.rooms.pins(room.id);
  const query = useQuery({ queryKey: key, queryFn: async () => (await api.rooms.pins(room.id)).items });
  const pins = query.data ?? null;
  const error = query.error ? errorMessage(query.error) : null;

  useRealtimeEvent('pinned', (e) => {
    if (e.roomId === room.id) void queryClient.invalidateQueries({ queryKey: key });
  });
  const replace = (m: Message) => {
    if (m.roomId !== room.id) return;
    queryClient.setQueryData<Pin[]>(key, (ps) => ps?.flatMap((p) => (p.message.id !== m.id ? [p] : m.deletedAt ? [] : [{ ...p, message: m }])));
  };
  useRealtimeEvent('messageUpdated', replace);
  useRealtimeEvent('messageDeleted', replace);

  return (
    <aside className="side-panel pins-panel" aria-labelledby="pins-title" data-testid="pins-panel">
      <header className="side-panel-header">
        <h2 id="pins-title">
          {t('common.pinned')}{' '}<span className="muted small">{pins ? pins.length : ''}</span>
        </h2>
        <button type="button" className="icon-button" aria-label={t('pinsPanel.closePinnedMessages')} onClick={onClose}>
          ×
        </button>
      </header>
      <div className="pins-body">
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        {!pins && !error && <p className="muted">{t('common.loading')}</p>}
        {pins?.length === 0 && <p className="muted small">{t('pinsPanel.nothingPinnedYetPinMessage')}</p>}
        <ol className="pin-list">
          {pins?.map((p) => (
            <li key={p.message.id} className="pin" data-testid="pin">
              <Link to={hitUrl({ message: p.message, room })} className="pin-link" aria-label={t('pinsPanel.openMessageName', { name: p.message.author.name })}>
                <span className="pin-meta">
                  <strong>{p.message.author.name}</strong>
                  <span className="muted small">{formatDateTime(p.message.createdAt)}</span>
                </span>
              </Link>
              <div className="pin-body">{p.message.body !== null ? <Markup body={p.message.body} /> : <em className="muted">{t('common.messageDeleted')}</em>}</div>
              <span className="pin-footer muted small">
                {t('pinsPanel.pinnedBy')}{' '}{p.pinnedBy.name}
                {onUnpin && (
                  <WriteButton className="link-button small" onClick={() => onUnpin(p.message)} data-testid="pin-unpin">
                    {t('common.unpin')}
                  </WriteButton>
                )}
              </span>
            </li>
          ))}
        </ol>
      </div>
    </aside>
  );
}
