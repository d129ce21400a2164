import { useRef, useState } from 'react';
import { api } from '../../api';
import type { NotifyLevel, Room } from '../../types';
import { formatDateTime } from '../../ui/format';
import { useToast } from '../../ui/toast';
import { useRooms } from '../rooms/RoomsContext';
import { isMuted } from '../rooms/Sidebar';
import { t, type MessageKey } from '../../i18n';

const LEVELS: { level: NotifyLevel; label: MessageKey }[] = [
  { level: 'all', label: 'roomNotifyMenu.allMessages' },
  { level: 'mentions', label: 'roomNotifyMenu.mentionsOnly' },
  { level: 'none', label: 'roomNotifyMenu.nothing' },
];

const HOUR_MS = 3_600_000;
/** "Until I unmute": a date far enough away that it never ends by itself. */
const FOREVER = '9999-12-31T00:00:00Z';

const MUTES: { label: MessageKey; until: () => string }[] = [
  { label: 'roomNotifyMenu.muteOneHour', until: () => new Date(Date.now() + HOUR_MS).toISOString() },
  { label: 'roomNotifyMenu.muteEightHours', until: () => new Date(Date.now() + 8 * HOUR_MS).toISOString() },
  { label: 'roomNotifyMenu.muteUntilUnmute', until: () => FOREVER },
];

/** The room menu's notification settings: a level and a mute (`PUT /rooms/{id}/notifications`). */
export function RoomNotifyMenu({ room }: { room: Room }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const toast = useToast();
  const { upsert } = useRooms();
  const [busy, setBusy] = useState(false);
  const level = room.notifyLevel ?? 'all';
  const muted = isMuted(room);

  const save = async (nextLevel: NotifyLevel, muteUntil: string | null) => {
    if (ref.current) ref.current.open = false;
    setBusy(true);
    try {
      await api.rooms.setNotifications(room.id, nextLevel, muteUntil);
      upsert({ ...room, notifyLevel: nextLevel, mutedUntil: muteUntil });
    } catch (err) {
      toast.error(err, t('roomNotifyMenu.couldNotChangeNotifications'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details
      className="menu"
      ref={ref}
      data-testid="notify-menu"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && ref.current?.open) {
          ref.current.open = false;
          ref.current.querySelector('summary')?.focus();
        }
      }}
    >
      <summary className="button small" aria-busy={busy}>
        <span aria-hidden="true">{muted ? '🔕' : '🔔'}</span> <span className="visually-hidden">{t('roomNotifyMenu.notificationsRoom')}{' '}</span>
        {muted ? t('roomNotifyMenu.muted') : t(LEVELS.find((l) => l.level === level)?.label ?? 'roomNotifyMenu.allMessages')}
      </summary>
      <ul className="menu-popover">
        {LEVELS.map((l) => (
          <li key={l.level}>
            <button
              type="button"
              className="menu-item"
              role="menuitemradio"
              aria-checked={l.level === level}
              disabled={busy}
              onClick={() => void save(l.level, room.mutedUntil ?? null)}
              data-testid={`notify-${l.level}`}
            >
              {l.level === level ? '✓ ' : ''}
              {t(l.label)}
            </button>
          </li>
        ))}
        {muted ? (
          <li>
            <button type="button" className="menu-item" disabled={busy} onClick={() => void save(level, null)} data-testid="unmute">
              {t('roomNotifyMenu.unmute')}{room.mutedUntil && room.mutedUntil !== FOREVER ? t('roomNotifyMenu.mutedUntilMuteduntil', { mutedUntil: formatDateTime(room.mutedUntil) }) : ''}
            </button>
          </li>
        ) : (
          MUTES.map((m) => (
            <li key={m.label}>
              <button type="button" className="menu-item" disabled={busy} onClick={() => void save(level, m.until())}>
                {t(m.label)}
              </button>
            </li>
          ))
        )}
      </ul>
    </details>
  );
}
