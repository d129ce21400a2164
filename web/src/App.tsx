import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { useLiveRoomLists } from './queries/live';
import { useRealtimeEvent } from './realtime';
import { isLinkSession, useSession, useUser } from './features/auth/session';
import { SignIn } from './features/auth/SignIn';
import { ChatRoom } from './features/chat/ChatRoom';
import { RoomsProvider, useRooms } from './features/rooms/RoomsContext';
import { SavedProvider } from './features/saved/SavedContext';
import { NotificationsProvider } from './features/notifications/NotificationsContext';
import { Sidebar } from './features/rooms/Sidebar';
import { QuickSwitcher } from './features/rooms/QuickSwitcher';
import { UnreadTitle } from './features/rooms/UnreadTitle';
import { ErrorBoundary } from './ui/ErrorBoundary';
import { OfflineBanner } from './ui/OfflineBanner';
import { Link, matchPath, navigate, useLocation } from './ui/router';
import { ThemeToggle } from './ui/theme';
import { useToast } from './ui/toast';
import { t } from './i18n';

// Screens other than sign-in and chat are separate chunks, loaded on first use; admin
// screens in particular never reach most users.
const AdminPage = lazy(() => import('./features/admin/AdminPage'));
const Register = lazy(() => import('./features/auth/Register').then((m) => ({ default: m.Register })));
const ForgotPassword = lazy(() => import('./features/auth/ForgotPassword').then((m) => ({ default: m.ForgotPassword })));
const ResetPassword = lazy(() => import('./features/auth/ResetPassword').then((m) => ({ default: m.ResetPassword })));
const VerifyEmail = lazy(() => import('./features/auth/VerifyEmail').then((m) => ({ default: m.VerifyEmail })));
const AcceptInvite = lazy(() => import('./features/auth/AcceptInvite').then((m) => ({ default: m.AcceptInvite })));
const AccountPage = lazy(() => import('./features/account/AccountPage').then((m) => ({ default: m.AccountPage })));
const TicketView = lazy(() => import('./features/tickets/TicketView').then((m) => ({ default: m.TicketView })));
const TicketQueue = lazy(() => import('./features/tickets/TicketQueue').then((m) => ({ default: m.TicketQueue })));
const CustomerHome = lazy(() => import('./features/tickets/CustomerHome').then((m) => ({ default: m.CustomerHome })));
const SupportForm = lazy(() => import('./features/support/SupportForm').then((m) => ({ default: m.SupportForm })));
const FollowPage = lazy(() => import('./features/support/FollowPage').then((m) => ({ default: m.FollowPage })));
const SearchPage = lazy(() => import('./features/search/SearchPage').then((m) => ({ default: m.SearchPage })));
const Discover = lazy(() => import('./features/rooms/Discover').then((m) => ({ default: m.Discover })));
const ActivityFeed = lazy(() => import('./features/search/ActivityFeed').then((m) => ({ default: m.ActivityFeed })));
const DmPicker = lazy(() => import('./features/dms/DmPicker').then((m) => ({ default: m.DmPicker })));
const SavedPage = lazy(() => import('./features/saved/SavedPage').then((m) => ({ default: m.SavedPage })));

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Loading() {
  return (
    <div className="splash" role="status">
      <span className="spinner" aria-hidden="true" />{' '}{t('common.loading')}
    </div>
  );
}

function Screen({ name, children }: { name: string; children: ReactNode }) {
  return (
    <ErrorBoundary name={name} key={name}>
      <Suspense fallback={<Loading />}>{children}</Suspense>
    </ErrorBoundary>
  );
}

function seqParam(search: URLSearchParams): number | null {
  const v = Number(search.get('seq'));
  return Number.isFinite(v) && v > 0 ? v : null;
}

/** A thread to open with the room (a search hit or activity item that is a reply). */
function threadParam(search: URLSearchParams): string | null {
  return search.get('thread') || null;
}

/** Cached room lists follow live room changes. */
function LiveRoomLists() {
  useLiveRoomLists();
  return null;
}

/** Toasts for messages the server refused for good. */
function DeliveryNotices() {
  const toast = useToast();
  useRealtimeEvent('sendFailed', ({ error }) => toast.error(error, t('app.aMessageCouldNotBe')));
  return null;
}

function NotFound() {
  return (
    <main className="page" id="main">
      <h1>{t('app.notFound')}</h1>
      <p>
        {t('app.thereNothingHere')}{' '}<Link to="/">{t('app.goHome')}</Link>
      </p>
    </main>
  );
}

function Home() {
  const me = useUser();
  const { rooms } = useRooms();
  const unread = rooms.filter((r) => r.unread > 0);
  return (
    <main className="page" id="main" aria-labelledby="home-title">
      <h1 id="home-title">{t('app.welcome', { name: me.name })}</h1>
      {unread.length > 0 ? (
        <>
          <h2>{t('app.unread')}</h2>
          <ul className="card-list">
            {unread.map((r) => (
              <li key={r.id} className="card">
                <Link to={r.kind === 'ticket' ? `/tickets/${r.id}` : `/rooms/${r.id}`} className="card-link">
                  <strong>{r.title}</strong> <span className="badge">{r.unread}</span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted">{t('app.youAllCaughtUp')}</p>
      )}
      <p className="home-links">
        <Link to="/discover" className="button">
          {t('common.discoverRooms')}
        </Link>
        <Link to="/tickets" className="button">
          {t('common.ticketQueue')}
        </Link>
        <Link to="/search" className="button">
          {t('common.search')}
        </Link>
      </p>
      <Suspense fallback={null}>
        <ActivityFeed />
      </Suspense>
    </main>
  );
}

function StaffRoutes() {
  const me = useUser();
  const { pathname, search } = useLocation();
  let m: Record<string, string> | null;
  if (pathname === '/') return <Screen name="home"><Home /></Screen>;
  if ((m = matchPath('/rooms/:id', pathname))) {
    const id = m.id ?? '';
    return (
      <Screen name={`room ${id}`}>
        <ChatRoom key={id} roomId={id} focusSeq={seqParam(search)} initialThreadId={threadParam(search)} />
      </Screen>
    );
  }
  if (pathname === '/discover') return <Screen name="discover"><Discover /></Screen>;
  if (pathname === '/dms/new') return <Screen name="direct messages"><DmPicker /></Screen>;
  if (pathname === '/search') return <Screen name="search"><SearchPage /></Screen>;
  if (pathname === '/saved') return <Screen name="saved messages"><SavedPage /></Screen>;
  if (pathname === '/account') return <Screen name="account"><AccountPage /></Screen>;
  if (pathname === '/tickets') return <Screen name="tickets"><TicketQueue /></Screen>;
  if ((m = matchPath('/tickets/:id', pathname))) {
    const id = m.id ?? '';
    return (
      <Screen name={`ticket ${id}`}>
        <TicketView key={id} ticketId={id} focusSeq={seqParam(search)} threadId={threadParam(search)} />
      </Screen>
    );
  }
  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    if (me.role !== 'admin') return <NotFound />;
    const tab = pathname.split('/')[2] ?? 'users';
    return (
      <Screen name="admin">
        <AdminPage tab={tab} />
      </Screen>
    );
  }
  return <NotFound />;
}

function StaffShell() {
  const [menuOpen, setMenuOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setMenuOpen(false), [pathname]);
  return (
    <RoomsProvider>
      <NotificationsProvider>
        <SavedProvider>
          <div className={`app-shell ${menuOpen ? 'menu-open' : ''}`}>
            <a href="#main" className="skip-link">
              {t('app.skipContent')}
            </a>
            <header className="mobile-bar">
              <button
                type="button"
                className="icon-button"
                aria-label={menuOpen ? t('app.closeMenu') : t('app.openMenu')}
                aria-expanded={menuOpen}
                aria-controls="sidebar"
                onClick={() => setMenuOpen((o) => !o)}
                data-testid="menu-button"
              >
                ☰
              </button>
              <Link to="/" className="brand">
                {t('common.switchboard')}
              </Link>
            </header>
            <div id="sidebar" className="sidebar-wrap">
              <Sidebar onNavigate={() => setMenuOpen(false)} />
            </div>
            {menuOpen && <div className="scrim" aria-hidden="true" onClick={() => setMenuOpen(false)} />}
            <div className="main-area">
              <OfflineBanner />
              <StaffRoutes />
            </div>
            <DeliveryNotices />
            <LiveRoomLists />
            <UnreadTitle />
            <QuickSwitcher />
          </div>
        </SavedProvider>
      </NotificationsProvider>
    </RoomsProvider>
  );
}

/** What a ticket link's session finds on any other ticket: no request to the server (it answers 403). */
function OtherTicket() {
  return (
    <main className="page" id="main" data-testid="ticket-unavailable">
      <h1>{t('common.ticketNotFound')}</h1>
      <p role="alert">{t('app.theLinkYouOpenedShows')}</p>
      <Link to="/">{t('app.backMyTicket')}</Link>
    </main>
  );
}

function CustomerShell() {
  const me = useUser();
  const { signOut } = useSession();
  const { pathname, search } = useLocation();
  const m = matchPath('/tickets/:id', pathname);
  const home = pathname === '/' || pathname === '/tickets';
  // A follow link's session may read its ticket only: no account page, no other tickets.
  const linkOnly = isLinkSession(me);
  return (
    <div className="customer-shell">
      <a href="#main" className="skip-link">
        {t('app.skipContent')}
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          {t('app.switchboardSupport')}
        </Link>
        <span className="topbar-spacer" />
        <span className="muted small">{me.name}</span>
        {!linkOnly && (
          <Link to="/account" className="button small" data-testid="nav-account">
            {t('common.account')}
          </Link>
        )}
        <ThemeToggle />
        <button type="button" className="button small" onClick={() => void signOut()} data-testid="sign-out">
          {t('common.signOut')}
        </button>
      </header>
      <OfflineBanner />
      {m && linkOnly && m.id !== me.ticketScope ? (
        <OtherTicket />
      ) : m ? (
        <Screen name="ticket">
          <TicketView key={m.id} ticketId={m.id ?? ''} focusSeq={seqParam(search)} threadId={threadParam(search)} />
        </Screen>
      ) : home ? (
        <Screen name="my tickets">
          <CustomerHome />
        </Screen>
      ) : pathname === '/account' && !linkOnly ? (
        <Screen name="account">
          <AccountPage />
        </Screen>
      ) : (
        <NotFound />
      )}
      <DeliveryNotices />
    </div>
  );
}

export function App() {
  const { user } = useSession();
  const { pathname, href } = useLocation();

  // Pages reached from a link or an e-mail, with or without a session.
  if (pathname === '/support') return <Screen name="support"><SupportForm /></Screen>;
  if (pathname === '/support/follow') return <Screen name="follow"><FollowPage /></Screen>;
  if (pathname === '/forgot-password') return <Screen name="forgot password"><ForgotPassword /></Screen>;
  if (pathname === '/reset-password') return <Screen name="reset password"><ResetPassword /></Screen>;
  if (pathname === '/verify-email') return <Screen name="verify e-mail"><VerifyEmail /></Screen>;
  if (pathname === '/invite') return <Screen name="invitation"><AcceptInvite /></Screen>;
  if (!user) {
    if (pathname === '/register') return <Screen name="register"><Register /></Screen>;
    if (pathname !== '/signin') return <Redirect to={pathname === '/' ? '/signin' : `/signin?next=${encodeURIComponent(href)}`} />;
    return <Screen name="sign in"><SignIn /></Screen>;
  }
  if (pathname === '/signin' || pathname === '/register') return <Redirect to="/" />;
  return user.role === 'customer' ? <CustomerShell /> : <StaffShell />;
}
