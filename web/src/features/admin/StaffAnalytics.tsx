import { useQuery } from '@tanstack/react-query';
import { api, errorMessage } from '../../api';
import { queryKeys } from '../../queries/keys';
import type { StaffAnalytics } from '../../types';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatDuration } from '../../ui/format';
import { BarList } from './charts';
import { t } from '../../i18n';

type TicketCounts = Pick<StaffAnalytics['departments'][number], 'open' | 'pending' | 'resolved30d'>;

export function StaffAnalyticsView() {
  const { data, error } = useQuery({
    queryKey: queryKeys.admin.staffAnalytics,
    queryFn: api.admin.staffAnalytics,
    meta: { errorToast: t('staffAnalytics.couldNotLoadStaffAnalytics') },
  });

  if (error) return <p role="alert" className="form-error">{errorMessage(error)}</p>;
  if (!data) return <p className="muted">{t('common.loading')}</p>;
  const days = data.windowDays ?? 30;
  /** The ticket counts of an agent or a department. */
  const counts: Column<TicketCounts>[] = [
    { header: t('common.open'), cell: (c) => c.open },
    { header: t('staffAnalytics.pending'), cell: (c) => c.pending },
    { header: t('staffAnalytics.resolvedDaysD', { days }), cell: (c) => c.resolved30d },
  ];

  return (
    <section aria-labelledby="analytics-title">
      <h2 id="analytics-title">{t('staffAnalytics.staffAnalytics')}</h2>
      <p className="muted small">
        {t('staffAnalytics.intro', { days })}
      </p>
      <DataTable
        caption={t('staffAnalytics.perAgent')}
        columns={[
          {
            header: t('staffAnalytics.agent'),
            rowHeader: true,
            cell: (s) => (
              <>
                {s.user.name}
                {s.user.department && <span className="muted small"> · {s.user.department}</span>}
              </>
            ),
          },
          ...counts,
          { header: t('staffAnalytics.medianFirstResponse'), cell: (s) => formatDuration(s.medianFirstResponseSecs) },
          { header: t('staffAnalytics.medianResolution'), cell: (s) => formatDuration(s.medianResolutionSecs) },
        ]}
        rows={data.staff}
        rowKey={(s) => s.user.id}
        empty={t('staffAnalytics.noStaffYet')}
      />
      <h3>{t('staffAnalytics.departments')}</h3>
      <div className="chart-grid-layout">
        <DataTable
          caption={t('staffAnalytics.perDepartment')}
          columns={[{ header: t('common.department'), rowHeader: true, cell: (d) => d.department ?? 'none' }, ...counts]}
          rows={data.departments}
          rowKey={(d) => d.department ?? ''}
          empty={t('staffAnalytics.noDepartmentsYet')}
        />
        <BarList title={t('staffAnalytics.openTicketsByDepartment')} items={data.departments.map((d) => ({ label: d.department ?? 'none', value: d.open }))} />
      </div>
    </section>
  );
}
