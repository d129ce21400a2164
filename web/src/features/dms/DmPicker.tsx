import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import type { User } from '../../types';
import { Avatar } from '../../ui/Avatar';
import { WriteButton } from '../../ui/readOnly';
import { navigate } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useDebounced } from '../../ui/useDebounced';
import { useUser } from '../auth/session';
import { useRooms } from '../rooms/RoomsContext';
import { t } from '../../i18n';

/** Start (or reopen) a direct conversation with someone from the directory. */
export function DmPicker() {
  const me = useUser();
  const toast = useToast();
  const { upsert } = useRooms();
  const [q, setQ] = useState('');
  const dq = useDebounced(q, 200);
  const found = useQuery({
    queryKey: queryKeys.users.search(dq),
    queryFn: () => api.users.search(dq),
    placeholderData: (previous) => previous,
    meta: { errorToast: t('dmPicker.couldNotSearchPeople') },
  });
  const users = (found.data?.items ?? []).filter((u) => u.id !== me.id);
  const loading = found.isFetching;
  const [opening, setOpening] = useState<string | null>(null);
  // People picked for a group DM (2 to 8 others), kept across searches.
  const [picked, setPicked] = useState<User[]>([]);
  const togglePick = (user: User) =>
    setPicked((list) => (list.some((u) => u.id === user.id) ? list.filter((u) => u.id !== user.id) : [...list, user]));

  const openGroup = async () => {
    setOpening('group');
    try {
      const room = await api.dms.openGroup(picked.map((u) => u.id));
      upsert(room);
      navigate(`/rooms/${room.id}`);
    } catch (err) {
      toast.error(err, t('common.couldNotOpenConversation'));
    } finally {
      setOpening(null);
    }
  };

  const open = async (user: User) => {
    setOpening(user.id);
    try {
      const room = await api.dms.open(user.id);
      upsert(room);
      navigate(`/rooms/${room.id}`);
    } catch (err) {
      toast.error(err, t('common.couldNotOpenConversation'));
    } finally {
      setOpening(null);
    }
  };

  return (
    <main className="page narrow" id="main" aria-labelledby="dm-title">
      <h1 id="dm-title">{t('common.newDirectMessage')}</h1>
      <div className="field">
        <label htmlFor="dm-search">{t('dmPicker.findPerson')}</label>
        <input
          id="dm-search"
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder={t('common.nameEmail')}
          autoFocus
          data-testid="dm-search"
          aria-controls="dm-results"
        />
      </div>
      {picked.length > 0 && (
        <div className="field" data-testid="dm-picked">
          <span className="muted small">{t('dmPicker.with')}{' '}{picked.map((u) => u.name).join(', ')}</span>{' '}
          <WriteButton
            onClick={() => void openGroup()}
            disabled={opening !== null || picked.length < 2 || picked.length > 8}
            data-testid="dm-start-group"
          >
            {t('dmPicker.startGroupDm')}
          </WriteButton>
        </div>
      )}
      <ul id="dm-results" className="user-list" aria-busy={loading} aria-live="polite">
        {users.map((u) => (
          <li key={u.id}>
            <WriteButton
              className="user-row"
              onClick={() => void open(u)}
              disabled={opening !== null}
              data-testid={`dm-user-${u.email ?? u.id}`}
            >
              <Avatar id={u.id} name={u.name} url={u.avatarUrl} size={28} />
              <span className="visually-hidden">{t('dmPicker.message')}{' '}</span>
              <span className="user-name">{u.name}</span>
              <span className={`role-badge role-${u.role}`}>{u.role}</span>
              {u.department && <span className="muted small">{u.department}</span>}
              {u.email && <span className="muted small">{u.email}</span>}
            </WriteButton>
            <label className="small">
              <input
                type="checkbox"
                checked={picked.some((p) => p.id === u.id)}
                onChange={() => togglePick(u)}
                data-testid={`dm-pick-${u.email ?? u.id}`}
              />{' '}
              {t('dmPicker.addGroup')}
            </label>
          </li>
        ))}
        {!loading && users.length === 0 && <li className="empty">{t('dmPicker.nobodyFound')}</li>}
      </ul>
    </main>
  );
}
