import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import type { Room } from '../../types';
import { Link } from '../../ui/router';

/** Archived rooms I am in and archived public rooms I may read, by title (no duplicates). */
export function mergeArchived(mine: readonly Room[], discovered: readonly Room[]): Room[] {
  const byId = new Map<string, Room>();
  for (const room of [...mine, ...discovered]) if (room.archivedAt && !byId.has(room.id)) byId.set(room.id, room);
  return [...byId.values()].sort((a, b) => a.title.localeCompare(b.title));
}

/** Discover's "Archived rooms": loaded when opened; each opens read-only. */
export function ArchivedRooms() {
  const [open, setOpen] = useState(false);
  const { data: rooms = null } = useQuery({
    queryKey: queryKeys.rooms.archived,
    queryFn: async () => {
      const [mine, discovered] = await Promise.all([api.rooms.mineArchived('only'), api.rooms.discoverArchived('only')]);
      return mergeArchived(mine.items, discovered.items);
    },
    enabled: open,
    meta: { errorToast: 'Could not load archived rooms' },
  });

  return (
    <details className="archived-rooms" onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="archived-rooms">
      <summary>Archived rooms</summary>
      {rooms === null ? (
        <p className="muted small">{open ? 'Loading…' : ''}</p>
      ) : rooms.length === 0 ? (
        <p className="muted small">No archived rooms.</p>
      ) : (
        <ul className="archived-list">
          {rooms.map((r) => (
            <li key={r.id} data-testid={`archived-${r.slug}`}>
              <Link to={`/rooms/${r.id}`}>
                {r.kind === 'private' ? '🔒 ' : '# '}
                {r.title}
              </Link>{' '}
              <span className="muted small">archived {r.archivedAt ? new Date(r.archivedAt).toLocaleDateString() : ''}</span>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
