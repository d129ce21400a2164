import { useRef, useState } from 'react';
import { api, type ExportFormat } from '../../api';
import { saveDownload } from '../../ui/download';
import { useToast } from '../../ui/toast';

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'html', label: 'Web page (HTML)' },
  { format: 'json', label: 'Data (JSON)' },
];

/**
 * "Export" in a room's menu: `POST /rooms/{id}/export` (the server takes no GET, so a link on
 * another site cannot start one), saved under the name the server gives it.
 */
export function ExportMenu({ roomId, label = 'Export' }: { roomId: string; label?: string }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const toast = useToast();
  const [busy, setBusy] = useState<ExportFormat | null>(null);

  const download = async (format: ExportFormat) => {
    if (ref.current) ref.current.open = false;
    setBusy(format);
    try {
      saveDownload(await api.rooms.export(roomId, format), `export.${format}`);
    } catch (err) {
      toast.error(err, 'Could not export this conversation');
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
      <summary className="button small" aria-label={`${label} this conversation`}>
        {busy ? 'Exporting…' : label}
      </summary>
      <ul className="menu-popover">
        {FORMATS.map((f) => (
          <li key={f.format}>
            <button type="button" className="menu-item" disabled={busy !== null} onClick={() => void download(f.format)} data-testid={`export-${f.format}`}>
              {f.label}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
