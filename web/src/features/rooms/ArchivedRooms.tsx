import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import type { Room } from '../../types';
import { Link } from '../../ui/router';
import { t } from '../../i18n';

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
    meta: { errorToast: t('archivedRooms.couldNotLoadArchivedRooms') },
  });

  return (
    <details className="archived-rooms" onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="archived-rooms">
      <summary>{t('archivedRooms.archivedRooms')}</summary>
      {rooms === null ? (
        <p className="muted small">{open ? t('common.loading') : ''}</p>
      ) : rooms.length === 0 ? (
        <p className="muted small">{t('archivedRooms.noArchivedRooms')}</p>
      ) : (
        <ul className="archived-list">
          {rooms.map((r) => (
            <li key={r.id} data-testid={`archived-${r.slug}`}>
              <Link to={`/rooms/${r.id}`}>
                {r.kind === 'private' ? '🔒 ' : '# '}
                {r.title}
              </Link>{' '}
              <span className="muted small">{t('archivedRooms.archived')}{' '}{r.archivedAt ? new Date(r.archivedAt).toLocaleDateString() : ''}</span>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
