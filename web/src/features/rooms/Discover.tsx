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
import { t, type MessageKey } from '../../i18n';

const SORTS = [
  { value: 'active', label: 'discover.mostActive' },
  { value: 'new', label: 'discover.newest' },
  { value: 'name', label: 'common.name' },
] as const satisfies readonly { value: string; label: MessageKey }[];

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
    errorToast: t('discover.somethingWentWrong'),
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
    onError: (err) => toast.error(err, t('discover.couldNotJoinRoom')),
  });
  const joining = join.isPending ? join.variables.id : null;

  const isMember = (room: Room) => room.myRole !== null || mine.some((r) => r.id === room.id);

  return (
    <main className="page" id="main" aria-labelledby="discover-title">
      <header className="page-header">
        <h1 id="discover-title">{t('common.discoverRooms')}</h1>
        <WriteButton className="button primary" onClick={() => setCreating(true)} data-testid="create-room">
          {t('common.createRoom2')}
        </WriteButton>
      </header>
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="discover-q">{t('discover.searchRooms')}</label>
          <input id="discover-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} data-testid="discover-search" />
        </div>
        <div className="field">
          <label htmlFor="discover-tag">{t('discover.tag')}</label>
          <input id="discover-tag" value={tag} onChange={(e) => setTag(e.target.value)} />
        </div>
        <SelectField id="discover-sort" label={t('discover.sortBy')} value={sort} choices={SORTS.map((s) => ({ value: s.value, label: t(s.label) }))} onChange={setSort} />
      </div>
      {loading && items.length === 0 ? (
        <p className="muted">{t('common.loading')}</p>
      ) : items.length === 0 ? (
        <p className="empty">{t('discover.noRoomsMatch')}</p>
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
                  {room.department ?? t('discover.allDepartments')}
                  {room.tags.length > 0 && ' · '}
                  {room.tags.map((name) => (
                    <button key={name} type="button" className="tag" onClick={() => setTag(name)} aria-label={t('discover.filterByTag', { tag: name })}>
                      {name}
                    </button>
                  ))}
                </p>
              </div>
              {isMember(room) ? (
                <button type="button" className="button" onClick={() => navigate(`/rooms/${room.id}`)}>
                  {t('common.open')}
                </button>
              ) : (
                <span className="room-card-actions">
                  {/* Read before joining: the room is followed live while it is shown. */}
                  <button
                    type="button"
                    className="button"
                    onClick={() => navigate(`/rooms/${room.id}`)}
                    aria-label={t('discover.previewTitle', { title: room.title })}
                    data-testid="preview-room"
                  >
                    {t('discover.preview')}
                  </button>
                  <WriteButton className="button primary" onClick={() => join.mutate(room)} disabled={joining === room.id} aria-label={t('discover.joinTitle', { title: room.title })}>
                    {joining === room.id ? t('common.joining') : t('discover.join')}
                  </WriteButton>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {found.hasMore && (
        <button type="button" className="button" onClick={found.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
      <ArchivedRooms />
      <CreateRoomDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(room) => {
          setCreating(false);
          upsert(room);
          toast.show(t('common.createdTitle', { title: room.title }), 'success');
          navigate(`/rooms/${room.id}`);
        }}
      />
    </main>
  );
}
