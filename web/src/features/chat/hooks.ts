import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { api, errorMessage } from '../../api';
import { useRealtime, useRealtimeEvent } from '../../realtime';
import type { Member, Message } from '../../types';
import { useToast } from '../../ui/toast';
import { initialTimeline, timelineReducer, type TimelineState } from './timeline';

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

/**
 * A room's history window: the newest page (or a window around `focusSeq`), older pages on
 * scroll-back, newer pages after a jump, and live messages from the realtime client.
 */
export function useTimeline(roomId: string, focusSeq: number | null, meId: string): Timeline {
  const client = useRealtime();
  const toast = useToast();
  const [state, dispatch] = useReducer(timelineReducer, initialTimeline);
  const [loadingMore, setLoadingMore] = useState(false);
  const stateRef = useRef(state);
  stateRef.current = state;
  const generation = useRef(0);

  const loadLatest = useCallback(async () => {
    const gen = ++generation.current;
    dispatch({ type: 'reset', focusSeq: null });
    try {
      const page = await api.rooms.messagesBefore(roomId, null, PAGE);
      if (gen !== generation.current) return;
      dispatch({ type: 'loaded', messages: page.items, olderCursor: asSeq(page.nextCursor), hasNewer: false });
      const last = page.items[page.items.length - 1];
      if (last) client?.advance(roomId, last.seq);
    } catch (err) {
      if (gen === generation.current) dispatch({ type: 'error', error: errorMessage(err) });
    }
  }, [roomId, client]);

  const loadAround = useCallback(
    async (seq: number) => {
      const gen = ++generation.current;
      dispatch({ type: 'reset', focusSeq: seq });
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

  useEffect(() => {
    if (focusSeq !== null) void loadAround(focusSeq);
    else void loadLatest();
  }, [focusSeq, loadAround, loadLatest]);

  const loadOlder = useCallback(async () => {
    const { olderCursor } = stateRef.current;
    if (olderCursor === null || loadingMore) return;
    setLoadingMore(true);
    const gen = generation.current;
    try {
      const page = await api.rooms.messagesBefore(roomId, olderCursor, PAGE);
      if (gen === generation.current) dispatch({ type: 'older', messages: page.items, olderCursor: asSeq(page.nextCursor) });
    } catch (err) {
      toast.error(err, 'Could not load older messages');
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
      toast.error(err, 'Could not load newer messages');
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
  useRealtimeEvent('resync', ({ roomId: id }) => {
    if (id === roomId && !stateRef.current.hasNewer) void loadLatest();
  });

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
export function useMembers(roomId: string): Member[] {
  const [members, setMembers] = useState<Member[]>([]);
  const toast = useToast();
  const load = useCallback(() => {
    api.rooms
      .members(roomId)
      .then((page) => setMembers(page.items))
      .catch((err: unknown) => toast.error(err, 'Could not load members'));
  }, [roomId, toast]);

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
  useRealtimeEvent('memberRemoved', ({ roomId: id, userId }) => {
    if (id === roomId) setMembers((ms) => ms.filter((m) => m.user.id !== userId));
  });
  return members;
}

const TYPING_TTL_MS = 6000;

/** Names of the people typing in a room (not me), expiring if the stop event is lost. */
export function useTyping(roomId: string, meId: string): string[] {
  const [typing, setTyping] = useState<Record<string, { name: string; until: number }>>({});
  useEffect(() => setTyping({}), [roomId]);
  useRealtimeEvent('typing', (e) => {
    if (e.roomId !== roomId || e.userId === meId) return;
    setTyping((t) => {
      const next = { ...t };
      if (e.typing) next[e.userId] = { name: e.name || 'Someone', until: Date.now() + TYPING_TTL_MS };
      else delete next[e.userId];
      return next;
    });
  });
  // A message from someone ends their typing.
  useRealtimeEvent('message', (m) => {
    if (m.roomId === roomId)
      setTyping((t) => {
        if (!t[m.author.id]) return t;
        const next = { ...t };
        delete next[m.author.id];
        return next;
      });
  });
  const hasAny = Object.keys(typing).length > 0;
  useEffect(() => {
    if (!hasAny) return undefined;
    const timer = setInterval(() => {
      const now = Date.now();
      setTyping((t) => {
        const live = Object.entries(t).filter(([, v]) => v.until > now);
        return live.length === Object.keys(t).length ? t : Object.fromEntries(live);
      });
    }, 1000);
    return () => clearInterval(timer);
  }, [hasAny]);
  return Object.values(typing).map((v) => v.name);
}
