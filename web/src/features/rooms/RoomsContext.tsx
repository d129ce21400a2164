import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api } from '../../api';
import { useRealtime, useRealtimeEvent } from '../../realtime';
import type { Room } from '../../types';
import { useToast } from '../../ui/toast';
import { useUser } from '../auth/session';
import { t } from '../../i18n';

interface RoomsState {
  rooms: Room[];
  loading: boolean;
  refresh(): Promise<Room[]>;
  /** Adds or replaces one room (after create, join, opening a DM). */
  upsert(room: Room): void;
  remove(roomId: string): void;
  /** The room on screen: its new messages do not count as unread. */
  setActive(roomId: string | null): void;
  markedRead(roomId: string, seq: number): void;
}

const RoomsContext = createContext<RoomsState | null>(null);

export function useRooms(): RoomsState {
  const ctx = useContext(RoomsContext);
  if (!ctx) throw new Error('useRooms outside RoomsProvider');
  return ctx;
}

/** The optional variant for screens also used by customers (who have no room list). */
export function useRoomsOptional(): RoomsState | null {
  return useContext(RoomsContext);
}

/** The signed-in member's rooms with unread counts, kept current by realtime events. */
export function RoomsProvider({ children }: { children: ReactNode }) {
  const me = useUser();
  const client = useRealtime();
  const toast = useToast();
  const [rooms, setRooms] = useState<Room[]>([]);
  const [loading, setLoading] = useState(true);
  const active = useRef<string | null>(null);
  /** Unknown rooms already looked up once (see the message handler). */
  const probed = useRef(new Set<string>());

  const refresh = useCallback(async () => {
    try {
      // Archived rooms too: the sidebar leaves them out, and one restored live comes back.
      const page = await api.rooms.mineArchived('true');
      setRooms(page.items);
      client?.trackRooms(
        page.items.map((r) => ({ id: r.id, lastSeq: r.lastSeq })),
        true,
      );
      return page.items;
    } catch (err) {
      toast.error(err, t('roomsContext.couldNotLoadYourRooms'));
      return [];
    } finally {
      setLoading(false);
    }
  }, [client, toast]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const upsert = useCallback(
    (room: Room) => {
      // An answer without peers (not every route loads them) keeps the ones known.
      setRooms((rs) =>
        rs.some((r) => r.id === room.id) ? rs.map((r) => (r.id === room.id ? { ...r, ...room, peers: room.peers ?? r.peers } : r)) : [...rs, room],
      );
      client?.trackRooms([{ id: room.id, lastSeq: room.lastSeq }]);
    },
    [client],
  );
  const remove = useCallback((roomId: string) => setRooms((rs) => rs.filter((r) => r.id !== roomId)), []);

  useRealtimeEvent('message', (m) => {
    if (!rooms.some((r) => r.id === m.roomId)) {
      // Not one of my rooms: one shown through a watch, or a new DM or room I was added to,
      // which shows up after one reload per room.
      if (!loading && !probed.current.has(m.roomId) && client?.watchStatus(m.roomId) == null) {
        probed.current.add(m.roomId);
        void refresh();
      }
      return;
    }
    const counts = m.author.id !== me.id && active.current !== m.roomId;
    setRooms((rs) =>
      rs.map((r) =>
        r.id === m.roomId
          ? { ...r, unread: counts ? r.unread + 1 : r.unread, lastSeq: Math.max(r.lastSeq, m.seq), lastMessageAt: m.createdAt }
          : r,
      ),
    );
  });
  useRealtimeEvent('roomUpdated', (patch) =>
    setRooms((rs) =>
      rs.map((r) =>
        r.id === patch.id
          ? { ...r, ...patch, peers: r.peers, myRole: r.myRole, unread: r.unread, lastReadSeq: r.lastReadSeq, mentionCount: r.mentionCount, notifyLevel: r.notifyLevel, mutedUntil: r.mutedUntil }
          : r,
      ),
    ),
  );
  useRealtimeEvent('roomDeleted', ({ roomId }) => remove(roomId));
  // Mention badges: mentions and DM notifications count; reading the room clears them.
  useRealtimeEvent('notificationNew', (n) => {
    if (n.kind !== 'mention' && n.kind !== 'dm') return;
    setRooms((rs) => rs.map((r) => (r.id === n.roomId ? { ...r, mentionCount: (r.mentionCount ?? 0) + 1 } : r)));
  });
  useRealtimeEvent('notificationRead', (event) => {
    if ('roomId' in event) setRooms((rs) => rs.map((r) => (r.id === event.roomId ? { ...r, mentionCount: 0 } : r)));
    else if ('all' in event) setRooms((rs) => rs.map((r) => ({ ...r, mentionCount: 0 })));
    // Some ids (from the bell): which rooms they were in is the server's to say.
    else void refresh();
  });
  // New role or department: which rooms I may read changed with it.
  useRealtimeEvent('accessChanged', () => void refresh());
  // DMs are named after their other members and show their avatars: a new avatar shows at
  // once, a rename with the titles the server gives.
  useRealtimeEvent('userUpdated', ({ userId, avatarUrl }) => {
    if (userId === me.id || !rooms.some((r) => r.kind === 'dm')) return;
    if (avatarUrl !== undefined) {
      setRooms((rs) =>
        rs.map((r) => (r.peers?.some((p) => p.id === userId) ? { ...r, peers: r.peers.map((p) => (p.id === userId ? { ...p, avatarUrl } : p)) } : r)),
      );
    }
    void refresh();
  });
  useRealtimeEvent('memberAdded', ({ userId }) => {
    if (userId === me.id) void refresh();
  });
  useRealtimeEvent('memberRemoved', ({ roomId, userId }) => {
    if (userId === me.id) remove(roomId);
  });
  useRealtimeEvent('memberUpdated', ({ roomId, userId, role }) => {
    if (userId === me.id) setRooms((rs) => rs.map((r) => (r.id === roomId ? { ...r, myRole: role } : r)));
  });
  useRealtimeEvent('receipt', ({ roomId, userId, seq, kind }) => {
    // My own read receipt from another tab or device.
    if (userId !== me.id || kind !== 'read') return;
    setRooms((rs) =>
      rs.map((r) => (r.id === roomId && seq > r.lastReadSeq ? { ...r, lastReadSeq: seq, unread: Math.max(0, r.lastSeq - seq) } : r)),
    );
  });

  const setActive = useCallback((id: string | null) => {
    active.current = id;
  }, []);
  const markedRead = useCallback(
    (roomId: string, seq: number) =>
      setRooms((rs) => {
        const room = rs.find((r) => r.id === roomId);
        if (!room || (room.unread === 0 && seq <= room.lastReadSeq)) return rs;
        return rs.map((r) => (r.id === roomId ? { ...r, unread: 0, mentionCount: 0, lastReadSeq: Math.max(seq, r.lastReadSeq) } : r));
      }),
    [],
  );

  const value = useMemo<RoomsState>(
    () => ({
      rooms,
      loading,
      refresh,
      upsert,
      remove,
      setActive,
      markedRead,
    }),
    [rooms, loading, refresh, upsert, remove, setActive, markedRead],
  );

  return <RoomsContext.Provider value={value}>{children}</RoomsContext.Provider>;
}
