import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { api } from '../../api';
import type { User } from '../../types';
import { Dialog } from '../../ui/Dialog';
import { navigate } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useDebounced } from '../../ui/useDebounced';
import { useUser } from '../auth/session';
import { useRooms } from './RoomsContext';
import { switchTargets, type SwitchTarget } from './quickSwitch';
import { t } from '../../i18n';

/** Ctrl+K (Cmd+K on a Mac) anywhere: a dialog to jump to a room or a person by name. */
export function QuickSwitcher() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <Dialog open={open} title={t('quickSwitcher.jumpRoomPerson')} onClose={() => setOpen(false)} className="quick-switcher" testId="quick-switcher">
      {open && <SwitcherBody onDone={() => setOpen(false)} />}
    </Dialog>
  );
}

function label(target: SwitchTarget): string {
  if (target.kind === 'person') return target.user.name;
  const mark = target.room.kind === 'dm' ? '@' : target.room.kind === 'private' ? '🔒' : '#';
  return `${mark} ${target.room.title}`;
}

function SwitcherBody({ onDone }: { onDone: () => void }) {
  const me = useUser();
  const { rooms, upsert } = useRooms();
  const toast = useToast();
  const id = useId();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const [people, setPeople] = useState<User[]>([]);
  const q = useDebounced(query.trim(), 150);

  useEffect(() => {
    if (!q) {
      setPeople([]);
      return undefined;
    }
    let cancelled = false;
    api.users
      .search(q, undefined, 8)
      .then((page) => !cancelled && setPeople(page.items))
      .catch(() => !cancelled && setPeople([]));
    return () => {
      cancelled = true;
    };
  }, [q]);

  const targets = switchTargets(rooms, people, query, me.id);
  useEffect(() => setSelected(0), [query]);

  const go = async (target: SwitchTarget | undefined) => {
    if (!target) return;
    if (target.kind === 'room') {
      onDone();
      navigate(`/rooms/${target.room.id}`);
      return;
    }
    try {
      const room = await api.dms.open(target.user.id);
      upsert(room);
      onDone();
      navigate(`/rooms/${room.id}`);
    } catch (err) {
      toast.error(err, t('common.couldNotOpenConversation'));
    }
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = targets.length;
      if (n > 0) setSelected((i) => (i + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      void go(targets[Math.min(selected, targets.length - 1)]);
    }
  };

  return (
    <div className="switcher">
      <label htmlFor={`${id}-q`} className="visually-hidden">
        {t('quickSwitcher.roomPerson')}
      </label>
      <input
        id={`${id}-q`}
        type="text"
        autoFocus
        autoComplete="off"
        placeholder={t('quickSwitcher.roomPerson')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKey}
        role="combobox"
        aria-expanded={targets.length > 0}
        aria-controls={`${id}-list`}
        aria-activedescendant={targets.length > 0 ? `${id}-opt-${Math.min(selected, targets.length - 1)}` : undefined}
        data-testid="switcher-input"
      />
      <ul id={`${id}-list`} role="listbox" aria-label={t('quickSwitcher.matches')} className="switcher-list">
        {targets.map((target, i) => (
          <li
            key={target.kind === 'room' ? `r${target.room.id}` : `u${target.user.id}`}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === selected}
            className={i === selected ? 'selected' : ''}
            onMouseDown={(e) => {
              // The input keeps the focus (its keys drive the list); a press picks the option.
              e.preventDefault();
              void go(target);
            }}
            data-testid="switcher-option"
          >
            <span>{label(target)}</span>
            {target.kind === 'room' && target.room.unread > 0 && <span className="badge">{target.room.unread}</span>}
            {target.kind === 'person' && <span className="muted small">{t('quickSwitcher.directMessage')}</span>}
          </li>
        ))}
      </ul>
      {targets.length === 0 && <p className="muted small">{t('quickSwitcher.nothingMatches', { query })}</p>}
      <p className="muted small switcher-hint">{t('quickSwitcher.toChooseEnterGoEsc')}</p>
    </div>
  );
}
