import { AuditLog } from './AuditLog';
import { StaffAnalyticsView } from './StaffAnalytics';
import { TelemetryView } from './Telemetry';
import { UsersAdmin } from './UsersAdmin';
import { ErrorBoundary } from '../../ui/ErrorBoundary';
import { Link } from '../../ui/router';
import { t, type MessageKey } from '../../i18n';

const TABS = [
  { id: 'users', label: 'usersAdmin.users' },
  { id: 'audit', label: 'auditLog.auditLog' },
  { id: 'telemetry', label: 'telemetry.telemetry' },
  { id: 'analytics', label: 'staffAnalytics.staffAnalytics' },
] as const satisfies readonly { id: string; label: MessageKey }[];

export type AdminTab = (typeof TABS)[number]['id'];

/** Loaded on demand (React.lazy): none of this is in the main bundle. */
export default function AdminPage({ tab }: { tab: string }) {
  const current: AdminTab = TABS.some((section) => section.id === tab) ? (tab as AdminTab) : 'users';
  return (
    <main className="page wide" id="main" aria-labelledby="admin-title">
      <h1 id="admin-title">{t('common.admin')}</h1>
      <nav className="tabs" aria-label={t('adminPage.adminSections')}>
        {TABS.map((section) => (
          <Link key={section.id} to={`/admin/${section.id}`} className={`tab ${section.id === current ? 'current' : ''}`} aria-current={section.id === current ? 'page' : undefined} data-testid={`admin-tab-${section.id}`}>
            {t(section.label)}
          </Link>
        ))}
      </nav>
      <ErrorBoundary name={`admin ${current}`} key={current}>
        {current === 'users' && <UsersAdmin />}
        {current === 'audit' && <AuditLog />}
        {current === 'telemetry' && <TelemetryView />}
        {current === 'analytics' && <StaffAnalyticsView />}
      </ErrorBoundary>
    </main>
  );
}
