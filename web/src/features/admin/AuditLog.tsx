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
import { t } from '../../i18n';

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
    if (!id) throw new Error(t(page.items.length === 0 ? 'auditLog.noUserMatches' : 'auditLog.severalUsersMatch', { actor }));
    actor = id;
  }
  return { action: d.action.trim(), actor, target: d.target.trim(), since: dayToIso(d.since) };
}

/** The log's columns (a function: headers are read in the language of the moment). */
const auditColumns = (): Column<AuditEntry>[] => [
  { header: t('auditLog.when'), className: 'nowrap', cell: (e) => formatDateTime(e.at) },
  {
    header: t('auditLog.actor'),
    testId: 'audit-actor',
    cell: (e) => (
      <>
        {actorLabel(e)}
        {e.actorName && e.actorEmail && <div className="muted small">{e.actorEmail}</div>}
      </>
    ),
  },
  { header: t('auditLog.action'), cell: (e) => <code>{e.action}</code> },
  {
    header: t('auditLog.target'),
    testId: 'audit-target',
    cell: (e) => (
      <>
        {e.targetType && <span className="muted small">{e.targetType} </span>}
        {targetLabel(e)}
      </>
    ),
  },
  {
    header: t('auditLog.details'),
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
          <summary>{t('auditLog.rawEntry')}</summary>
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
    errorToast: t('auditLog.couldNotLoadAuditLog'),
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
      setFilterError(err instanceof Error ? err.message : t('auditLog.checkFilters'));
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
      toast.error(err, t('auditLog.couldNotDownloadCsv'));
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
        <h2 id="audit-title">{t('auditLog.auditLog')}</h2>
        <button type="button" className="button" onClick={() => void download()} disabled={downloading} data-testid="audit-csv">
          {downloading ? t('auditLog.preparing') : filtered ? t('auditLog.downloadCsvFiltered') : t('auditLog.downloadCsv')}
        </button>
      </header>
      <form className="filters" onSubmit={(e) => void apply(e)} aria-label={t('auditLog.filterAuditLog')}>
        {input('action', t('auditLog.action'), t('auditLog.actionPlaceholder'))}
        {input('actor', t('auditLog.actor'), t('auditLog.actorPlaceholder'))}
        {input('target', t('auditLog.targetId'), t('auditLog.targetPlaceholder'))}
        {input('since', t('auditLog.since'), '', 'date')}
        <div className="field actions">
          <span className="button-row">
            <button type="submit" className="button primary" data-testid="audit-apply">
              {t('auditLog.apply')}
            </button>
            {filtered && (
              <button type="button" className="button" onClick={clear} data-testid="audit-clear">
                {t('auditLog.clear')}
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
        caption={t('auditLog.auditLogEntries')}
        wrapTestId="audit-table-wrap"
        className="audit-table"
        columns={auditColumns()}
        rows={items}
        rowKey={(e) => e.id}
        rowProps={(e) => ({ 'data-testid': 'audit-row', 'data-action': e.action })}
        empty={t('auditLog.noEntries')}
        loading={loading}
        paging={{ hasMore: log.hasMore, onMore: log.loadMore, label: t('auditLog.olderEntries') }}
      />
    </section>
  );
}
