import { useEffect, useState } from 'react';
import { api } from '../../api';
import type { Room } from '../../types';
import { Link } from '../../ui/router';
import { useToast } from '../../ui/toast';

/** Archived rooms I am in and archived public rooms I may read, by title (no duplicates). */
export function mergeArchived(mine: readonly Room[], discovered: readonly Room[]): Room[] {
  const byId = new Map<string, Room>();
  for (const room of [...mine, ...discovered]) if (room.archivedAt && !byId.has(room.id)) byId.set(room.id, room);
  return [...byId.values()].sort((a, b) => a.title.localeCompare(b.title));
}

/** Discover's "Archived rooms": loaded when opened; each opens read-only. */
export function ArchivedRooms() {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [rooms, setRooms] = useState<Room[] | null>(null);

  useEffect(() => {
    if (!open) return undefined;
    let cancelled = false;
    Promise.all([api.rooms.mineArchived('only'), api.rooms.discoverArchived('only')])
      .then(([mine, discovered]) => !cancelled && setRooms(mergeArchived(mine.items, discovered.items)))
      .catch((err: unknown) => !cancelled && toast.error(err, 'Could not load archived rooms'));
    return () => {
      cancelled = true;
    };
  }, [open, toast]);

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
