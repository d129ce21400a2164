import { AuditLog } from './AuditLog';
import { StaffAnalyticsView } from './StaffAnalytics';
import { TelemetryView } from './Telemetry';
import { UsersAdmin } from './UsersAdmin';
import { ErrorBoundary } from '../../ui/ErrorBoundary';
import { Link } from '../../ui/router';

const TABS = [
  { id: 'users', label: 'Users' },
  { id: 'audit', label: 'Audit log' },
  { id: 'telemetry', label: 'Telemetry' },
  { id: 'analytics', label: 'Staff analytics' },
] as const;

export type AdminTab = (typeof TABS)[number]['id'];

/** Loaded on demand (React.lazy): none of this is in the main bundle. */
export default function AdminPage({ tab }: { tab: string }) {
  const current: AdminTab = TABS.some((t) => t.id === tab) ? (tab as AdminTab) : 'users';
  return (
    <main className="page wide" id="main" aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <nav className="tabs" aria-label="Admin sections">
        {TABS.map((t) => (
          <Link key={t.id} to={`/admin/${t.id}`} className={`tab ${t.id === current ? 'current' : ''}`} aria-current={t.id === current ? 'page' : undefined} data-testid={`admin-tab-${t.id}`}>
            {t.label}
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
