import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import { api } from '../../api';
import { useRealtimeEvent } from '../../realtime';
import type { AppNotification, Preferences } from '../../types';
import { navigate } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useUser } from '../auth/session';
import { useRooms } from '../rooms/RoomsContext';
import { bellReducer, initialBell, messageUrl, type BellState } from './bell';
import { desktopPermission, shouldShowDesktop, showDesktop } from './desktop';
import { t } from '../../i18n';

interface NotificationsState extends BellState {
  /** The newest page (again), when the list opens. */
  loadFirst(): Promise<void>;
  loadMore(): Promise<void>;
  /** Marks the notification read and opens its message in its room. */
  open(n: AppNotification): void;
  readAll(): Promise<void>;
  /** The room's name as the sidebar shows it (a DM: the other person). */
  roomName(n: AppNotification): string;
  /** The account's browser-notification preference (null until loaded). */
  desktopPreference: boolean | null;
  /** Takes the account's saved preferences (browser notifications, quiet hours). */
  setPreferences(prefs: Preferences): void;
  /** Asks the browser (on a click, never on load) and turns the preference on once granted. */
  enableDesktop(): Promise<NotificationPermission>;
}

const NotificationsContext = createContext<NotificationsState | null>(null);

export function useNotifications(): NotificationsState {
  const ctx = useContext(NotificationsContext);
  if (!ctx) throw new Error('useNotifications outside NotificationsProvider');
  return ctx;
}

/** For screens also shown to customers, who have no bell. */
export function useNotificationsOptional(): NotificationsState | null {
  return useContext(NotificationsContext);
}

/** The bell: unread count from `/auth/me`, kept live by `notification:new` / `notification:read`. */
export function NotificationsProvider({ children }: { children: ReactNode }) {
  const me = useUser();
  const toast = useToast();
  const { rooms } = useRooms();
  const [state, dispatch] = useReducer(bellReducer, me.notificationCount ?? 0, initialBell);
  const [desktopPreference, setDesktopPreference] = useState<boolean | null>(null);
  const [quiet, setQuiet] = useState<Pick<Preferences, 'quietHours' | 'timezone'> | null>(null);
  const setPreferences = useCallback((p: Preferences) => {
    setDesktopPreference(p.browserNotifications);
    setQuiet({ quietHours: p.quietHours, timezone: p.timezone });
  }, []);
  const roomsRef = useRef(rooms);
  roomsRef.current = rooms;

  useEffect(() => {
    let cancelled = false;
    api.account
      .preferences()
      .then((p) => !cancelled && setPreferences(p))
      .catch(() => !cancelled && setDesktopPreference(false));
    return () => {
      cancelled = true;
    };
  }, [setPreferences]);

  const refreshCount = useCallback(() => {
    api.auth
      .me()
      .then((u) => dispatch({ type: 'count', count: u.notificationCount ?? 0 }))
      .catch((err: unknown) => toast.error(err, t('notificationsContext.couldNotUpdateNotifications')));
  }, [toast]);

  const roomName = useCallback((n: AppNotification) => roomsRef.current.find((r) => r.id === n.roomId)?.title ?? n.roomTitle, []);

  const markRead = useCallback(
    (ids: string[]) => {
      dispatch({ type: 'read', event: { ids } });
      api.notifications.read(ids).catch((err: unknown) => toast.error(err, t('notificationsContext.couldNotMarkAsRead')));
    },
    [toast],
  );

  const open = useCallback(
    (n: AppNotification) => {
      if (!n.read) markRead([n.id]);
      navigate(messageUrl(n));
    },
    [markRead],
  );

  useRealtimeEvent('notificationNew', (n) => {
    dispatch({ type: 'new', notification: n });
    const room = roomsRef.current.find((r) => r.id === n.roomId);
    const ctx = { permission: desktopPermission(), preference: desktopPreference === true, hidden: document.hidden, room, quiet, now: Date.now() };
    if (shouldShowDesktop(ctx)) showDesktop(n, roomName(n), () => open(n));
  });
  useRealtimeEvent('notificationRead', (event) => {
    dispatch({ type: 'read', event });
    if ('roomId' in event) refreshCount();
  });

  const loadPage = useCallback(
    async (cursor: string | number | null) => {
      try {
        const page = await api.notifications.list(cursor);
        dispatch({ type: 'page', items: page.items, nextCursor: page.nextCursor, append: cursor !== null });
      } catch (err) {
        toast.error(err, t('notificationsContext.couldNotLoadNotifications'));
      }
    },
    [toast],
  );
  const loadFirst = useCallback(() => loadPage(null), [loadPage]);
  const loadMore = useCallback(() => loadPage(state.nextCursor), [loadPage, state.nextCursor]);

  const readAll = useCallback(async () => {
    try {
      await api.notifications.readAll();
      dispatch({ type: 'read', event: { all: true } });
    } catch (err) {
      toast.error(err, t('notificationsContext.couldNotMarkAllRead'));
    }
  }, [toast]);

  const enableDesktop = useCallback(async () => {
    const permission = await Notification.requestPermission();
    if (permission === 'granted' && desktopPreference !== true) {
      try {
        setPreferences(await api.account.setPreferences({ browserNotifications: true }));
      } catch (err) {
        toast.error(err, t('notificationsContext.couldNotSavePreference'));
      }
    }
    return permission;
  }, [desktopPreference, setPreferences, toast]);

  const value = useMemo<NotificationsState>(
    () => ({ ...state, loadFirst, loadMore, open, readAll, roomName, desktopPreference, setPreferences, enableDesktop }),
    [state, loadFirst, loadMore, open, readAll, roomName, desktopPreference, setPreferences, enableDesktop],
  );
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}
