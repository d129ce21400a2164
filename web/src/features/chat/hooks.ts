import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { api, errorMessage } from '../../api';
import { useConnectionState, useRealtime, useRealtimeEvent } from '../../realtime';
import { useSession } from '../auth/session';
import type { Member, Message } from '../../types';
import { useToast } from '../../ui/toast';
import { contiguousEnd, initialTimeline, timelineReducer, type TimelineState } from './timeline';
import { applyTyping, clearTyping, expireTyping, nextTypingExpiry, type TypingState } from './typing';
import { t } from '../../i18n';

const PAGE = 50;
const AROUND = 25;

export interface Timeline extends TimelineState {
  loadingMore: boolean;
  loadOlder(): Promise<void>;
  loadNewer(): Promise<void>;
  jumpToLatest(): Promise<void>;
  replace(message: Message): void;
}

const asSeq = (c: string | number | null): number | null => (c === null ? null : Number(c));

/** When and where a room's history starts loading. */
export interface TimelineStart {
  /** False until the room is known to be readable (no request before: a stranger's fetch would only 404). */
  ready: boolean;
  /** Open around this seq (the first unread, when more than a page is unread) instead of at the end. */
  openAt: number | null;
}
const START_NOW: TimelineStart = { ready: true, openAt: null };

/**
 * A room's history window: the newest page (or a window around `focusSeq`), older pages on
 * scroll-back, newer pages after a jump, and live messages from the realtime client.
 */
export function useTimeline(roomId: string, focusSeq: number | null, meId: string, start: TimelineStart = START_NOW): Timeline {
  const client = useRealtime();
  // Read through a ref: the client appears after the first render, and that must not load
  // the history a second time.
  const clientRef = useRef(client);
  clientRef.current = client;
  const toast = useToast();
  const [state, dispatch] = useReducer(timelineReducer, initialTimeline);
  const [loadingMore, setLoadingMore] = useState(false);
  const stateRef = useRef(state);
  stateRef.current = state;
  const generation = useRef(0);
  /** The room's seq when its watch began (0: not watched); the window must reach it. */
  const watchedAt = useRef(0);
  /** The last `watchedAt` the window was filled up to. */
  const filledTo = useRef(0);

  const loadLatest = useCallback(async () => {
    const gen = ++generation.current;
    dispatch({ type: 'reset', focusSeq: null });
    try {
      const page = await api.rooms.messagesBefore(roomId, null, PAGE);
      if (gen !== generation.current) return;
      dispatch({ type: 'loaded', messages: page.items, olderCursor: asSeq(page.nextCursor), hasNewer: false });
      const last = page.items[page.items.length - 1];
      if (last) clientRef.current?.advance(roomId, last.seq);
    } catch (err) {
      if (gen === generation.current) dispatch({ type: 'error', error: errorMessage(err) });
    }
  }, [roomId]);

  const loadAround = useCallback(
    async (seq: number, highlight = true) => {
      const gen = ++generation.current;
      dispatch({ type: 'reset', focusSeq: highlight ? seq : null });
      try {
        const [older, newer] = await Promise.all([
          api.rooms.messagesBefore(roomId, seq + 1, AROUND),
          api.rooms.messagesAfter(roomId, seq, AROUND),
        ]);
        if (gen !== generation.current) return;
        dispatch({
          type: 'loaded',
          messages: [...older.items, ...newer.items],
          olderCursor: asSeq(older.nextCursor),
          hasNewer: newer.nextCursor !== null,
        });
      } catch (err) {
        if (gen === generation.current) dispatch({ type: 'error', error: errorMessage(err) });
      }
    },
    [roomId],
  );

  const { ready, openAt } = start;
  useEffect(() => {
    if (!ready) return;
    if (focusSeq !== null) void loadAround(focusSeq);
    else if (openAt !== null) void loadAround(openAt, false);
    else void loadLatest();
  }, [ready, focusSeq, openAt, loadAround, loadLatest]);

  const loadOlder = useCallback(async () => {
    const { olderCursor } = stateRef.current;
    if (olderCursor === null || loadingMore) return;
    setLoadingMore(true);
    const gen = generation.current;
    try {
      const page = await api.rooms.messagesBefore(roomId, olderCursor, PAGE);
      if (gen === generation.current) dispatch({ type: 'older', messages: page.items, olderCursor: asSeq(page.nextCursor) });
    } catch (err) {
      toast.error(err, t('hooks.couldNotLoadOlderMessages'));
    } finally {
      setLoadingMore(false);
    }
  }, [roomId, loadingMore, toast]);

  const loadNewer = useCallback(async () => {
    const { messages, hasNewer } = stateRef.current;
    const last = messages[messages.length - 1];
    if (!hasNewer || !last || loadingMore) return;
    setLoadingMore(true);
    const gen = generation.current;
    try {
      const page = await api.rooms.messagesAfter(roomId, last.seq, PAGE);
      if (gen !== generation.current) return;
      const done = page.nextCursor === null;
      dispatch({ type: 'newer', messages: page.items, hasNewer: !done });
      const newest = page.items[page.items.length - 1];
      if (done && newest) client?.advance(roomId, newest.seq);
    } catch (err) {
      toast.error(err, t('hooks.couldNotLoadNewerMessages'));
    } finally {
      setLoadingMore(false);
    }
  }, [roomId, loadingMore, toast, client]);

  useRealtimeEvent('message', (m) => {
    if (m.roomId === roomId) dispatch({ type: 'live', message: m });
  });
  useRealtimeEvent('messageUpdated', (m) => {
    if (m.roomId === roomId) dispatch({ type: 'updated', message: m });
  });
  useRealtimeEvent('messageDeleted', (m) => {
    if (m.roomId === roomId) dispatch({ type: 'updated', message: m });
  });
  useRealtimeEvent('reaction', (update) => {
    if (update.roomId === roomId) dispatch({ type: 'reaction', update, meId });
  });
  useRealtimeEvent('pinned', ({ roomId: id, messageId, pinned }) => {
    if (id === roomId) dispatch({ type: 'pinned', messageId, pinned });
  });
  useRealtimeEvent('resync', ({ roomId: id }) => {
    if (id === roomId && !stateRef.current.hasNewer) void loadLatest();
  });

  // A room shown through a watch arrives live from when the watch began; history read before
  // that may stop short of it. Fill the difference once per watch.
  const fillToWatched = useCallback(async () => {
    const target = watchedAt.current;
    const { status, hasNewer, messages } = stateRef.current;
    if (status !== 'ready' || hasNewer || target <= filledTo.current) return;
    const end = contiguousEnd(messages);
    if (end >= target) return;
    filledTo.current = target;
    if (target - end > PAGE) {
      void loadLatest();
      return;
    }
    const gen = generation.current;
    try {
      const page = await api.rooms.messagesAfter(roomId, end, PAGE);
      if (gen === generation.current) dispatch({ type: 'newer', messages: page.items, hasNewer: false });
    } catch (err) {
      toast.error(err, t('hooks.couldNotLoadNewMessages'));
    }
  }, [roomId, loadLatest, toast]);
  useRealtimeEvent('watch', ({ roomId: id, lastSeq }) => {
    if (id !== roomId || lastSeq === undefined) return;
    watchedAt.current = Math.max(watchedAt.current, lastSeq);
    void fillToWatched();
  });
  useEffect(() => {
    void fillToWatched();
  }, [state.status, fillToWatched]);

  return {
    ...state,
    loadingMore,
    loadOlder,
    loadNewer,
    jumpToLatest: loadLatest,
    replace: useCallback((message: Message) => dispatch({ type: 'updated', message }), []),
  };
}

/** Room members with presence and read/delivery cursors kept current. */
export function useMembers(roomId: string, enabled = true): Member[] {
  const [members, setMembers] = useState<Member[]>([]);
  const toast = useToast();
  const load = useCallback(() => {
    if (!enabled) return;
    api.rooms
      .allMembers(roomId)
      .then(setMembers)
      .catch((err: unknown) => toast.error(err, t('hooks.couldNotLoadMembers')));
  }, [roomId, toast, enabled]);

  useEffect(() => {
    setMembers([]);
    load();
  }, [load]);

  useRealtimeEvent('presence', ({ userId, online }) =>
    setMembers((ms) => (ms.some((m) => m.user.id === userId) ? ms.map((m) => (m.user.id === userId ? { ...m, online } : m)) : ms)),
  );
  useRealtimeEvent('receipt', ({ roomId: id, userId, seq, kind }) => {
    if (id !== roomId) return;
    setMembers((ms) =>
      ms.map((m) => {
        if (m.user.id !== userId) return m;
        const lastDeliveredSeq = Math.max(m.lastDeliveredSeq, seq);
        return kind === 'read' ? { ...m, lastDeliveredSeq, lastReadSeq: Math.max(m.lastReadSeq, seq) } : { ...m, lastDeliveredSeq };
      }),
    );
  });
  useRealtimeEvent('memberAdded', ({ roomId: id }) => {
    if (id === roomId) load();
  });
  useRealtimeEvent('userUpdated', ({ userId, name, status, avatarUrl }) =>
    setMembers((ms) =>
      ms.some((m) => m.user.id === userId)
        ? ms.map((m) => (m.user.id === userId ? { ...m, user: { ...m.user, name, ...(avatarUrl !== undefined ? { avatarUrl } : {}) }, status } : m))
        : ms,
    ),
  );
  useRealtimeEvent('memberRemoved', ({ roomId: id, userId }) => {
    if (id === roomId) setMembers((ms) => ms.filter((m) => m.user.id !== userId));
  });
  useRealtimeEvent('memberUpdated', ({ roomId: id, userId, role }) => {
    if (id === roomId) setMembers((ms) => ms.map((m) => (m.user.id === userId ? { ...m, role } : m)));
  });
  // I am online while my own socket is connected, whatever the list said when it loaded (a
  // reload can load it between the old socket's end and the new one's start).
  const me = useSession().user;
  const connected = useConnectionState() === 'connected';
  return useMemo(
    () => (connected && me ? members.map((m) => (m.user.id === me.id && !m.online ? { ...m, online: true } : m)) : members),
    [members, connected, me],
  );
}

/** Names of the people typing in a room (not me); each indicator expires after the server's
 * `expiresInMs` unless refreshed, so a lost "stopped typing" does not leave it up. */
export function useTyping(roomId: string, meId: string): string[] {
  const [typing, setTyping] = useState<TypingState>({});
  useEffect(() => setTyping({}), [roomId]);
  useRealtimeEvent('typing', (e) => {
    if (e.roomId !== roomId || e.userId === meId) return;
    setTyping((t) => applyTyping(t, e, Date.now()));
  });
  // A message from someone ends their typing.
  useRealtimeEvent('message', (m) => {
    if (m.roomId === roomId) setTyping((t) => clearTyping(t, m.author.id));
  });
  useEffect(() => {
    const wait = nextTypingExpiry(typing, Date.now());
    if (wait === null) return undefined;
    const timer = setTimeout(() => setTyping((t) => expireTyping(t, Date.now())), wait + 20);
    return () => clearTimeout(timer);
  }, [typing]);
  return Object.values(typing).map((v) => v.name);
}
