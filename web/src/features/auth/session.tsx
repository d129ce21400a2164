import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, onUnauthorized } from '../../api';
import { browserStore, createSocket, RealtimeClient, RealtimeProvider } from '../../realtime';
import { DEFAULT_DEPARTMENTS, type Me, type PublicConfig } from '../../types';
import { setMonitoringUser } from '../../ui/monitoring';
import { ReadOnlyProvider } from '../../ui/readOnly';
import { navigate } from '../../ui/router';
import { clearDrafts } from '../chat/drafts';
import { languageOf, setLanguage, t } from '../../i18n';

export interface Session {
  config: PublicConfig;
  user: Me | null;
  /** Department names for pickers (server list when it sends one). */
  departments: string[];
  readOnly: boolean;
  /** A message for the sign-in page (why the user was signed out). */
  notice: string | null;
  signedIn(user: Me, token: string | null): void;
  signOut(notice?: string): Promise<void>;
  updateUser(user: Me): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user, for screens that only render when someone is signed in. */
export function useUser(): Me {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}

/**
 * True for a session opened by a ticket's follow link: it may use that ticket only (the server
 * answers 403 everywhere else), so no account screens and no other tickets.
 */
export function isLinkSession(user: Me | null): boolean {
  return Boolean(user?.ticketScope);
}

interface Props {
  config: PublicConfig;
  initialUser: Me | null;
  children: ReactNode;
}

/**
 * Holds who is signed in and owns the realtime client's lifetime: one client per signed-in
 * user, created on sign-in and signed out (outbox and cursors cleared) on sign-out.
 */
export function SessionProvider({ config, initialUser, children }: Props) {
  const queryClient = useQueryClient();
  const [user, setUser] = useState<Me | null>(initialUser);
  const [notice, setNotice] = useState<string | null>(null);
  const [client, setClient] = useState<RealtimeClient | null>(null);
  const token = useRef<string | null>(null);
  const clientRef = useRef<RealtimeClient | null>(null);
  /** Whose drafts to forget on sign-out (like the outbox). */
  const signedInId = useRef<string | null>(initialUser?.id ?? null);
  useEffect(() => {
    if (user) signedInId.current = user.id;
  }, [user]);

  const signOut = useCallback(async (message?: string) => {
    if (signedInId.current) clearDrafts(browserStore(), signedInId.current);
    signedInId.current = null;
    clientRef.current?.signOut();
    clientRef.current = null;
    setClient(null);
    token.current = null;
    setNotice(message ?? null);
    setUser(null);
    // Nothing read for one account may show to the next one.
    queryClient.clear();
    setMonitoringUser(null);
    try {
      await api.auth.logout();
    } catch {
      // Already signed out on the server (revoked, expired): nothing to do.
    }
    navigate('/signin', { replace: true });
  }, [queryClient]);

  const userId = user?.id ?? null;
  // The language chosen on another device follows the account; an account without one leaves
  // this device's choice (or its browser's language) as it is.
  useEffect(() => {
    if (!userId) return undefined;
    let current = true;
    api.account
      .preferences()
      .then((prefs) => {
        const chosen = languageOf(prefs.language);
        if (current && chosen) setLanguage(chosen);
      })
      .catch(() => undefined); // a follow-link session has no preferences; a 401 signs out
    return () => {
      current = false;
    };
  }, [userId]);

  useEffect(() => {
    if (!userId) return undefined;
    const rt = new RealtimeClient({ socket: createSocket(() => token.current), store: browserStore(), userId });
    clientRef.current = rt;
    setClient(rt);
    const offEnded = rt.events.on('sessionEnded', (e) => void signOut(e.message));
    // A new role or department: reload who I am (the room list reloads itself).
    const offAccess = rt.events.on('accessChanged', () => {
      api.auth
        .me()
        .then((u) => {
          if (clientRef.current !== rt) return;
          setMonitoringUser(u);
          setUser(u);
        })
        .catch(() => undefined); // a 401 signs out through onUnauthorized
    });
    const onOnline = () => rt.reconnectNow();
    window.addEventListener('online', onOnline);
    rt.start();
    return () => {
      window.removeEventListener('online', onOnline);
      offEnded();
      offAccess();
      // A sign-out already cleared it; a user switch or unmount just closes the socket.
      if (clientRef.current === rt) {
        rt.stop();
        clientRef.current = null;
      }
    };
  }, [userId, signOut]);

  useEffect(
    () =>
      onUnauthorized(() => {
        if (clientRef.current) void signOut(t('session.yourSessionHasExpiredPlease'));
      }),
    [signOut],
  );

  const value = useMemo<Session>(
    () => ({
      config,
      user,
      departments: config.departments?.length ? config.departments : [...DEFAULT_DEPARTMENTS],
      readOnly: user?.role === 'observer',
      notice,
      signedIn: (u, t) => {
        token.current = t;
        setNotice(null);
        setMonitoringUser(u);
        setUser(u);
      },
      signOut,
      updateUser: setUser,
    }),
    [config, user, notice, signOut],
  );

  return (
    <SessionContext.Provider value={value}>
      <ReadOnlyProvider value={value.readOnly}>
        <RealtimeProvider client={client}>{children}</RealtimeProvider>
      </ReadOnlyProvider>
    </SessionContext.Provider>
  );
}
