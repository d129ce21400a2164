import { useCallback, useRef, useState } from 'react';
import { usePopover } from '../../ui/popover';
import { formatDateTime } from '../../ui/format';
import { desktopPermission, kindLabel } from './desktop';
import { useNotifications } from './NotificationsContext';
import { t } from '../../i18n';

/** The header's bell: the unread count, and the list of notifications when opened. */
export function Bell() {
  const n = useNotifications();
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => setOpen(false), []);
  const [permission, setPermission] = useState(desktopPermission);
  usePopover(open, panel, trigger, close);

  const toggle = () => {
    if (!open) void n.loadFirst();
    setOpen(!open);
  };

  return (
    <div className="bell">
      <button
        ref={trigger}
        type="button"
        className="icon-button bell-button"
        aria-label={n.count > 0 ? t('bell.notificationsCountUnread', { count: n.count }) : t('common.notifications')}
        aria-expanded={open}
        onClick={toggle}
        data-testid="bell"
      >
        <span aria-hidden="true">🔔</span>
        {n.count > 0 && (
          <span className="badge bell-count" data-testid="bell-count">
            {n.count > 99 ? '99+' : n.count}
          </span>
        )}
      </button>
      {open && (
        <div ref={panel} className="bell-panel" role="dialog" aria-label={t('common.notifications')} data-testid="bell-panel">
          <div className="bell-panel-header">
            <strong>{t('common.notifications')}</strong>
            <button type="button" className="button small" onClick={() => void n.readAll()} disabled={n.count === 0} data-testid="read-all">
              {t('bell.markAllRead')}
            </button>
          </div>
          {n.loaded && n.items.length === 0 && <p className="muted small">{t('bell.nothingYet')}</p>}
          <ul className="bell-list">
            {n.items.map((item) => (
              <li key={item.id}>
                <button
                  type="button"
                  className={`bell-item ${item.read ? '' : 'unread'}`}
                  onClick={() => {
                    setOpen(false);
                    n.open(item);
                  }}
                  data-testid="notification"
                >
                  <span className="bell-item-head">
                    <span className={`bell-kind kind-${item.kind}`}>{kindLabel(item.kind)}</span>
                    <span className="bell-room">{item.roomKind === 'dm' ? n.roomName(item) : `${item.roomKind === 'ticket' ? '' : '#'}${n.roomName(item)}`}</span>
                    <time className="muted small" dateTime={item.createdAt}>
                      {formatDateTime(item.createdAt)}
                    </time>
                  </span>
                  <span className="bell-excerpt">
                    <strong>{item.actor?.name ?? t('bell.someone')}</strong>: {item.excerpt}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {n.nextCursor !== null && (
            <button type="button" className="button small" onClick={() => void n.loadMore()} data-testid="notifications-more">
              {t('common.loadMore')}
            </button>
          )}
          {permission === 'default' && (
            <button type="button" className="link-button small" onClick={() => void n.enableDesktop().then(setPermission)} data-testid="enable-desktop">
              {t('common.enableDesktopNotifications')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
