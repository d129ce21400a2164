import { createContext, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ConnectionState, RealtimeClient, RealtimeEvents } from './RealtimeClient';
import type { OutboxItem } from './outbox';
import type { WatchStatus } from './watches';

const RealtimeContext = createContext<RealtimeClient | null>(null);

export function RealtimeProvider({ client, children }: { client: RealtimeClient | null; children: ReactNode }) {
  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>;
}

/** The realtime client of the signed-in user, or null when signed out. */
export function useRealtime(): RealtimeClient | null {
  return useContext(RealtimeContext);
}

/** Subscribes to one realtime event for the component's lifetime; the latest handler is used. */
export function useRealtimeEvent<K extends keyof RealtimeEvents>(
  event: K,
  handler: (payload: RealtimeEvents[K]) => void,
): void {
  const client = useRealtime();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    if (!client) return undefined;
    return client.events.on(event, (payload) => ref.current(payload));
  }, [client, event]);
}

export function useConnectionState(): ConnectionState {
  const client = useRealtime();
  return useSyncExternalStore(
    (notify) => (client ? client.events.on('connection', notify) : () => undefined),
    () => client?.connection ?? 'idle',
  );
}

const EMPTY: readonly OutboxItem[] = [];

/** Unsent messages of one room (or all rooms), kept current. */
export function useOutbox(roomId?: string): readonly OutboxItem[] {
  const client = useRealtime();
  const all = useSyncExternalStore(
    (notify) => (client ? client.events.on('outbox', notify) : () => undefined),
    () => client?.pending() ?? EMPTY,
  );
  return useMemo(() => (roomId ? all.filter((i) => i.roomId === roomId) : all), [all, roomId]);
}

/**
 * True after the socket has been away for a moment (avoids flashing on quick reconnects), or
 * when the first connection has not come up for a while (a connect that hangs).
 */
export function useOffline(graceMs = 800, firstConnectGraceMs = 5000): boolean {
  const state = useConnectionState();
  const [offline, setOffline] = useState(false);
  useEffect(() => {
    if (state !== 'disconnected' && state !== 'connecting') {
      setOffline(false);
      return undefined;
    }
    const t = setTimeout(() => setOffline(true), state === 'connecting' ? firstConnectGraceMs : graceMs);
    return () => clearTimeout(t);
  }, [state, graceMs, firstConnectGraceMs]);
  return offline;
}

/** Where the live view of a room stands: not watched (`off`), or the watch's status. */
export type WatchState = WatchStatus | 'off';

/**
 * Follows a room the user is not a member of while the component shows it (`enabled`): the
 * client watches it, asks again after reconnects and access changes, and unwatches on unmount.
 * `gone` means the server refused: the user may no longer read the room.
 */
export function useWatch(roomId: string, enabled: boolean): WatchState {
  const client = useRealtime();
  const [state, setState] = useState<WatchState>('off');
  useEffect(() => {
    if (!client || !enabled) {
      setState('off');
      return undefined;
    }
    const off = client.events.on('watch', (change) => {
      if (change.roomId === roomId) setState(change.status);
    });
    // The outcome arrives as a `watch` event too (a refusal as `gone`).
    client.watch(roomId).catch(() => undefined);
    setState(client.watchStatus(roomId) ?? 'pending');
    return () => {
      off();
      client.unwatch(roomId);
    };
  }, [client, roomId, enabled]);
  return state;
}
