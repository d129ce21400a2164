import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { usePagedQuery } from '../../queries/pages';
import type { Room } from '../../types';
import { SelectField } from '../../ui/SelectField';
import { WriteButton } from '../../ui/readOnly';
import { navigate } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useDebounced } from '../../ui/useDebounced';
import { ArchivedRooms } from './ArchivedRooms';
import { CreateRoomDialog } from './CreateRoomDialog';
import { useRooms } from './RoomsContext';

const SORTS = [
  { value: 'active', label: 'Most active' },
  { value: 'new', label: 'Newest' },
  { value: 'name', label: 'Name' },
];

export function Discover() {
  const toast = useToast();
  const { rooms: mine, upsert } = useRooms();
  const [q, setQ] = useState('');
  const [tag, setTag] = useState('');
  const [sort, setSort] = useState('active');
  const [creating, setCreating] = useState(false);
  const dq = useDebounced(q, 250);
  const dtag = useDebounced(tag, 250);
  const found = usePagedQuery(queryKeys.rooms.discover(dq, dtag, sort), (cursor) => api.rooms.discover(dq, dtag, sort, cursor), {
    errorToast: 'Something went wrong',
    keepPrevious: true,
  });
  const items = found.items ?? [];
  const loading = found.loading;

  const join = useMutation({
    mutationFn: (room: Room) => api.rooms.join(room.id),
    onSuccess: (joined, room) => {
      upsert({ ...room, ...(joined ?? {}), myRole: joined?.myRole ?? 'member' });
      navigate(`/rooms/${room.id}`);
    },
    onError: (err) => toast.error(err, 'Could not join the room'),
  });
  const joining = join.isPending ? join.variables.id : null;

  const isMember = (room: Room) => room.myRole !== null || mine.some((r) => r.id === room.id);

  return (
    <main className="page" id="main" aria-labelledby="discover-title">
      <header className="page-header">
        <h1 id="discover-title">Discover rooms</h1>
        <WriteButton className="button primary" onClick={() => setCreating(true)} data-testid="create-room">
          Create room
        </WriteButton>
      </header>
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="discover-q">Search rooms</label>
          <input id="discover-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} data-testid="discover-search" />
        </div>
        <div className="field">
          <label htmlFor="discover-tag">Tag</label>
          <input id="discover-tag" value={tag} onChange={(e) => setTag(e.target.value)} />
        </div>
        <SelectField id="discover-sort" label="Sort by" value={sort} choices={SORTS} onChange={setSort} />
      </div>
      {loading && items.length === 0 ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty">No rooms match.</p>
      ) : (
        <ul className="card-list" aria-busy={loading}>
          {items.map((room) => (
            <li key={room.id} className="card room-card" data-testid={`discover-${room.slug}`}>
              <div className="room-card-main">
                <h2>
                  {room.kind === 'private' ? '🔒 ' : '# '}
                  {room.title}
                </h2>
                {room.description && <p>{room.description}</p>}
                <p className="muted small">
                  {room.department ?? 'All departments'}
                  {room.tags.length > 0 && ' · '}
                  {room.tags.map((t) => (
                    <button key={t} type="button" className="tag" onClick={() => setTag(t)} aria-label={`Filter by tag ${t}`}>
                      {t}
                    </button>
                  ))}
                </p>
              </div>
              {isMember(room) ? (
                <button type="button" className="button" onClick={() => navigate(`/rooms/${room.id}`)}>
                  Open
                </button>
              ) : (
                <span className="room-card-actions">
                  {/* Read before joining: the room is followed live while it is shown. */}
                  <button
                    type="button"
                    className="button"
                    onClick={() => navigate(`/rooms/${room.id}`)}
                    aria-label={`Preview ${room.title}`}
                    data-testid="preview-room"
                  >
                    Preview
                  </button>
                  <WriteButton className="button primary" onClick={() => join.mutate(room)} disabled={joining === room.id} aria-label={`Join ${room.title}`}>
                    {joining === room.id ? 'Joining…' : 'Join'}
                  </WriteButton>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {found.hasMore && (
        <button type="button" className="button" onClick={found.loadMore}>
          Load more
        </button>
      )}
      <ArchivedRooms />
      <CreateRoomDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(room) => {
          setCreating(false);
          upsert(room);
          toast.show(`Created ${room.title}`, 'success');
          navigate(`/rooms/${room.id}`);
        }}
      />
    </main>
  );
}
