import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { setPagedItems, usePagedQuery } from '../../queries/pages';
import { useRealtimeEvent } from '../../realtime';
import type { RoomAttachment } from '../../types';
import { formatDateTime } from '../../ui/format';
import { fileIcon, humanSize, isInlineImage } from './uploads';
import { t } from '../../i18n';

/** A room's files, newest first, page by page (`GET /rooms/{id}/attachments`). */
export function FilesPanel({ roomId, onClose }: { roomId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const key = queryKeys.rooms.files(roomId);
  const { items, hasMore, loading, loadMore } = usePagedQuery(key, (cursor) => api.rooms.attachments(roomId, cursor), {
    errorToast: t('filesPanel.couldNotLoadFiles'),
  });
  const update = (fn: (xs: RoomAttachment[]) => RoomAttachment[]) => setPagedItems(queryClient, key, fn);
  // New files arrive with their messages.
  useRealtimeEvent('message', (m) => {
    if (m.roomId !== roomId || !m.attachments?.length) return;
    const fresh = m.attachments.map((a) => ({ ...a, messageId: m.id, authorId: m.author.id, createdAt: m.createdAt }));
    update((xs) => [...fresh.filter((f) => !xs.some((x) => x.id === f.id)).reverse(), ...xs]);
  });
  useRealtimeEvent('messageDeleted', (m) => {
    if (m.roomId === roomId) update((xs) => xs.filter((x) => x.messageId !== m.id));
  });

  return (
    <aside className="side-panel files-panel" aria-labelledby="files-title" data-testid="files-panel">
      <header className="side-panel-header">
        <h2 id="files-title">{t('common.files')}</h2>
        <button type="button" className="icon-button" aria-label={t('filesPanel.closeFiles')} onClick={onClose}>
          ×
        </button>
      </header>
      <div className="pins-body">
        {!items && <p className="muted">{t('common.loading')}</p>}
        {items?.length === 0 && <p className="muted small">{t('filesPanel.noFilesYetAttachOne')}</p>}
        <ul className="file-list">
          {items?.map((a) => (
            <li key={a.id} className="file-row" data-testid="file-row">
              {isInlineImage(a.contentType) ? (
                <img className="file-row-thumb" src={a.thumbnailUrl ?? a.url} alt="" width={40} height={40} loading="lazy" />
              ) : (
                <span className="file-row-icon" aria-hidden="true">
                  {fileIcon(a.contentType, a.name)}
                </span>
              )}
              <span className="file-row-text">
                <a href={a.url} download={a.name} className="file-row-name" data-testid="file-row-link">
                  {a.name}
                </a>
                <span className="muted small">
                  {humanSize(a.size)} · {formatDateTime(a.createdAt)}
                </span>
              </span>
            </li>
          ))}
        </ul>
        {hasMore && (
          <button type="button" className="button small wide" onClick={loadMore} disabled={loading} data-testid="files-more">
            {loading ? t('common.loading') : t('common.loadMore')}
          </button>
        )}
      </div>
    </aside>
  );
}
