import { useRef, useState } from 'react';
import { api, type ExportFormat } from '../../api';
import { saveDownload } from '../../ui/download';
import { useToast } from '../../ui/toast';
import { t, type MessageKey } from '../../i18n';

const FORMATS: { format: ExportFormat; label: MessageKey }[] = [
  { format: 'html', label: 'exportMenu.webPage' },
  { format: 'json', label: 'exportMenu.data' },
];

/**
 * "Export" in a room's menu: `POST /rooms/{id}/export` (the server takes no GET, so a link on
 * another site cannot start one), saved under the name the server gives it.
 */
export function ExportMenu({ roomId, label = t('exportMenu.export') }: { roomId: string; label?: string }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const toast = useToast();
  const [busy, setBusy] = useState<ExportFormat | null>(null);

  const download = async (format: ExportFormat) => {
    if (ref.current) ref.current.open = false;
    setBusy(format);
    try {
      saveDownload(await api.rooms.export(roomId, format), `export.${format}`);
    } catch (err) {
      toast.error(err, t('exportMenu.couldNotExportConversation'));
    } finally {
      setBusy(null);
    }
  };

  return (
    <details
      className="menu"
      ref={ref}
      data-testid="export-menu"
      aria-busy={busy !== null}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && ref.current?.open) {
          ref.current.open = false;
          ref.current.querySelector('summary')?.focus();
        }
      }}
    >
      <summary className="button small" aria-label={t('exportMenu.labelConversation', { label })}>
        {busy ? t('exportMenu.exporting') : label}
      </summary>
      <ul className="menu-popover">
        {FORMATS.map((f) => (
          <li key={f.format}>
            <button type="button" className="menu-item" disabled={busy !== null} onClick={() => void download(f.format)} data-testid={`export-${f.format}`}>
              {t(f.label)}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
