import { useRef } from 'react';
import { api, type ExportFormat } from '../../api';

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'html', label: 'Web page (HTML)' },
  { format: 'json', label: 'Data (JSON)' },
];

/**
 * "Export" in a room's menu: plain links to `GET /rooms/{id}/export` (an attachment; the
 * session cookie authenticates it, so the browser downloads it itself).
 */
export function ExportMenu({ roomId, label = 'Export' }: { roomId: string; label?: string }) {
  const ref = useRef<HTMLDetailsElement>(null);
  return (
    <details
      className="menu"
      ref={ref}
      data-testid="export-menu"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && ref.current?.open) {
          ref.current.open = false;
          ref.current.querySelector('summary')?.focus();
        }
      }}
    >
      <summary className="button small" aria-label={`${label} this conversation`}>
        {label}
      </summary>
      <ul className="menu-popover">
        {FORMATS.map((f) => (
          <li key={f.format}>
            <a
              href={api.rooms.exportUrl(roomId, f.format)}
              download
              onClick={() => {
                if (ref.current) ref.current.open = false;
              }}
              data-testid={`export-${f.format}`}
            >
              {f.label}
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
