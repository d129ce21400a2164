import { useCallback, useRef, useState, type KeyboardEvent } from 'react';
import { api, errorMessage } from '../../api';
import type { MessageVersion } from '../../types';
import { formatDateTime } from '../../ui/format';
import { usePopover } from '../../ui/popover';
import { t } from '../../i18n';

/** The "(edited)" mark of a message: pressed, it shows every text the message had. */
export function EditedMark({ messageId }: { messageId: string }) {
  const [open, setOpen] = useState(false);
  const [versions, setVersions] = useState<MessageVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const close = useCallback(() => setOpen(false), []);
  usePopover(open, panel, trigger, close);

  const toggle = () => {
    if (open) return setOpen(false);
    setOpen(true);
    setError(null);
    api.messages
      .history(messageId)
      .then((page) => setVersions(page.items))
      .catch((err: unknown) => setError(errorMessage(err)));
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    setOpen(false);
    trigger.current?.focus();
  };

  return (
    <span className="picker-anchor">
      <button
        ref={trigger}
        type="button"
        className="link-button small muted"
        aria-expanded={open}
        aria-haspopup="dialog"
        title={t('editHistory.showEditHistory')}
        onClick={toggle}
        data-testid="edited-mark"
      >
        {t('editHistory.edited')}
      </button>
      {open && (
        <div ref={panel} className="history-popover" role="dialog" aria-label={t('editHistory.editHistory')} onKeyDown={onKey} data-testid="edit-history">
          <div className="history-popover-header">
            <strong>{t('editHistory.editHistory')}</strong>
            <button type="button" className="icon-button small" aria-label={t('editHistory.closeEditHistory')} onClick={close}>
              ×
            </button>
          </div>
          {error && <p className="form-error">{error}</p>}
          {!versions && !error && <p className="muted small">{t('common.loading')}</p>}
          {versions && (
            <ol className="history-versions">
              {versions.map((v, i) => (
                <li key={`${v.at}-${i}`} className={v.current ? 'current' : ''} data-testid="history-version">
                  <span className="muted small">
                    <time dateTime={v.at}>{formatDateTime(v.at)}</time>
                    {v.current && t('editHistory.now')}
                  </span>
                  <span className="history-body">{v.body ?? <em className="muted">{t('editHistory.removed')}</em>}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </span>
  );
}
