import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import type { AuditFilters } from '../../api';
import { queryKeys } from '../../queries/keys';
import { usePagedQuery } from '../../queries/pages';
import type { AuditEntry } from '../../types';
import { DataTable, type Column } from '../../ui/DataTable';
import { saveDownload } from '../../ui/download';
import { formatDateTime } from '../../ui/format';
import { useToast } from '../../ui/toast';
import { dayToIso, isUuid, pickActor } from './audit';
import { actorLabel, detailLines, rawText, targetLabel } from './auditText';

/** What the admin typed; `actor` may be an e-mail, a name or an id, `since` a day. */
interface Draft {
  action: string;
  actor: string;
  target: string;
  since: string;
}

const EMPTY: Draft = { action: '', actor: '', target: '', since: '' };

/** Turns the draft into server filters, looking the actor up when it is not an id. */
async function toFilters(d: Draft): Promise<AuditFilters> {
  let actor = d.actor.trim();
  if (actor && !isUuid(actor)) {
    const page = await api.admin.users(actor);
    const id = pickActor(actor, page.items);
    if (!id) throw new Error(page.items.length === 0 ? `No user matches “${actor}”.` : `Several users match “${actor}”; type the full e-mail address.`);
    actor = id;
  }
  return { action: d.action.trim(), actor, target: d.target.trim(), since: dayToIso(d.since) };
}

const AUDIT_COLUMNS: Column<AuditEntry>[] = [
  { header: 'When', className: 'nowrap', cell: (e) => formatDateTime(e.at) },
  {
    header: 'Actor',
    testId: 'audit-actor',
    cell: (e) => (
      <>
        {actorLabel(e)}
        {e.actorName && e.actorEmail && <div className="muted small">{e.actorEmail}</div>}
      </>
    ),
  },
  { header: 'Action', cell: (e) => <code>{e.action}</code> },
  {
    header: 'Target',
    testId: 'audit-target',
    cell: (e) => (
      <>
        {e.targetType && <span className="muted small">{e.targetType} </span>}
        {targetLabel(e)}
      </>
    ),
  },
  {
    header: 'Details',
    className: 'metadata',
    testId: 'audit-details',
    cell: (e) => (
      <>
        {detailLines(e.metadata).map((line) => (
          <div key={line.label}>
            <span className="muted">{line.label}:</span> {line.value}
          </div>
        ))}
        <details className="audit-raw">
          <summary>Raw entry</summary>
          <pre data-testid="audit-raw">{rawText(e)}</pre>
        </details>
      </>
    ),
  },
];

export function AuditLog() {
  const toast = useToast();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [filters, setFilters] = useState<AuditFilters>({});
  const log = usePagedQuery(queryKeys.admin.audit(filters), (before) => api.admin.audit({ ...filters, before }), {
    errorToast: 'Could not load the audit log',
    keepPrevious: true,
  });
  const items = log.items ?? [];
  const loading = log.loading;
  const [downloading, setDownloading] = useState(false);
  const [filterError, setFilterError] = useState<string | null>(null);

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    setFilterError(null);
    try {
      setFilters(await toFilters(draft));
    } catch (err) {
      setFilterError(err instanceof Error ? err.message : 'Check the filters');
    }
  };

  const clear = () => {
    setDraft(EMPTY);
    setFilterError(null);
    setFilters({});
  };

  const download = async () => {
    setDownloading(true);
    try {
      // The server names the file (audit-YYYYMMDD-HHMMSS.csv); this is only a fallback.
      saveDownload(await api.admin.auditCsv(filters), `audit-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.csv`);
    } catch (err) {
      toast.error(err, 'Could not download the CSV');
    } finally {
      setDownloading(false);
    }
  };

  const input = (key: keyof Draft, label: string, placeholder: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`audit-${key}`}>{label}</label>
      <input
        id={`audit-${key}`}
        type={type}
        value={draft[key]}
        placeholder={placeholder}
        onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
        data-testid={`audit-${key}`}
      />
    </div>
  );

  const filtered = Boolean(filters.action || filters.actor || filters.target || filters.since);

  return (
    <section aria-labelledby="audit-title">
      <header className="page-header">
        <h2 id="audit-title">Audit log</h2>
        <button type="button" className="button" onClick={() => void download()} disabled={downloading} data-testid="audit-csv">
          {downloading ? 'Preparing…' : filtered ? 'Download CSV (filtered)' : 'Download CSV'}
        </button>
      </header>
      <form className="filters" onSubmit={(e) => void apply(e)} aria-label="Filter the audit log">
        {input('action', 'Action', 'user.ban or user.')}
        {input('actor', 'Actor', 'e-mail, name or id')}
        {input('target', 'Target id', 'id')}
        {input('since', 'Since', '', 'date')}
        <div className="field actions">
          <span className="button-row">
            <button type="submit" className="button primary" data-testid="audit-apply">
              Apply
            </button>
            {filtered && (
              <button type="button" className="button" onClick={clear} data-testid="audit-clear">
                Clear
              </button>
            )}
          </span>
        </div>
      </form>
      {filterError && (
        <p className="form-error" role="alert" data-testid="audit-filter-error">
          {filterError}
        </p>
      )}
      <DataTable
        caption="Audit log entries"
        wrapTestId="audit-table-wrap"
        className="audit-table"
        columns={AUDIT_COLUMNS}
        rows={items}
        rowKey={(e) => e.id}
        rowProps={(e) => ({ 'data-testid': 'audit-row', 'data-action': e.action })}
        empty="No entries."
        loading={loading}
        paging={{ hasMore: log.hasMore, onMore: log.loadMore, label: 'Older entries' }}
      />
    </section>
  );
}
