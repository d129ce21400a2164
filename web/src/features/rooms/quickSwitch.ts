import type { Room, User } from '../../types';

/** One thing the quick switcher can jump to. */
export type SwitchTarget = { kind: 'room'; room: Room } | { kind: 'person'; user: User };

/** How well `text` matches `query`: 0 for a start, 1 for a word start, 2 elsewhere, -1 for none. */
export function matchRank(text: string, query: string): number {
  const t = text.toLocaleLowerCase();
  const q = query.trim().toLocaleLowerCase();
  if (!q) return 0;
  if (t.startsWith(q)) return 0;
  if (t.split(/[\s\-_.#@]+/).some((w) => w.startsWith(q))) return 1;
  return t.includes(q) ? 2 : -1;
}

/**
 * The switcher's list for `query`: my rooms (unread first while there is no query, best match
 * first otherwise), then people not already in the list as a DM, at most `max` in all.
 */
export function switchTargets(rooms: readonly Room[], people: readonly User[], query: string, meId: string, max = 12): SwitchTarget[] {
  const q = query.trim();
  const scored = rooms
    .filter((r) => r.kind !== 'ticket')
    .map((room) => ({ room, rank: Math.min(...[room.title, room.slug].map((t) => matchRank(t, q)).map((r) => (r < 0 ? 99 : r))) }))
    .filter((x) => x.rank < 99)
    .sort((a, b) => (q ? a.rank - b.rank : 0) || b.room.unread - a.room.unread || a.room.title.localeCompare(b.room.title));
  const out: SwitchTarget[] = scored.map(({ room }) => ({ kind: 'room', room }));
  const dmTitles = new Set(rooms.filter((r) => r.kind === 'dm').map((r) => r.title.toLocaleLowerCase()));
  if (q) {
    for (const user of people) {
      if (user.id === meId || dmTitles.has(user.name.toLocaleLowerCase())) continue;
      if (matchRank(user.name, q) < 0 && matchRank(user.handle ?? '', q) < 0) continue;
      out.push({ kind: 'person', user });
    }
  }
  return out.slice(0, max);
}
