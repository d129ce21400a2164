import type { ReactNode } from 'react';
import type { Room } from '../../types';
import { Avatar } from '../../ui/Avatar';
import { ThemeToggle } from '../../ui/theme';
import { Link, useLocation } from '../../ui/router';
import { useSession, useUser } from '../auth/session';
import { Bell } from '../notifications/Bell';
import { NewRoomButton } from './NewRoomButton';
import { useRooms } from './RoomsContext';
import { t } from '../../i18n';
import { roleLabel } from '../../i18n/labels';

/** Muted now: a mute in force (the room stays unread-counted, only dimmed). */
export function isMuted(room: Pick<Room, 'mutedUntil'>, now = Date.now()): boolean {
  return room.mutedUntil != null && Date.parse(room.mutedUntil) > now;
}

function RoomLink({ room, current }: { room: Room; current: boolean }) {
  const prefix = room.kind === 'dm' ? '@' : room.kind === 'private' ? '🔒' : '#';
  const mentions = room.mentionCount ?? 0;
  const muted = isMuted(room);
  // A DM shows the person it is with (the first, by name, of a group DM).
  const peer = room.kind === 'dm' ? room.peers?.[0] : undefined;
  // Spoken after the title (the name is the link's text, so it starts with what is seen).
  const extra = `${room.unread > 0 ? `, ${room.unread} unread` : ''}${mentions > 0 ? `, ${mentions} mentions` : ''}${muted ? ', muted' : ''}`;
  return (
    <li>
      <Link
        to={room.kind === 'ticket' ? `/tickets/${room.id}` : `/rooms/${room.id}`}
        className={`room-link ${current ? 'current' : ''} ${room.unread > 0 ? 'has-unread' : ''} ${muted ? 'muted-room' : ''}`}
        aria-current={current ? 'page' : undefined}
        data-testid={`room-${room.slug}`}
      >
        {peer ? (
          <Avatar id={peer.id} name={peer.name} url={peer.avatarUrl} size={20} className="room-avatar" />
        ) : (
          <span className="room-prefix" aria-hidden="true">
            {prefix}
          </span>
        )}
        <span className="room-title">{room.title}</span>
        {extra && <span className="visually-hidden">{extra}</span>}
        {mentions > 0 && (
          <span className="badge mention-badge" aria-hidden="true" data-testid="mention-count">
            @{mentions > 99 ? '99+' : mentions}
          </span>
        )}
        {room.unread > 0 && (
          <span className="badge" aria-hidden="true" data-testid="unread-count">
            {room.unread > 99 ? '99+' : room.unread}
          </span>
        )}
      </Link>
    </li>
  );
}

function Section({ title, rooms, currentId, action }: { title: string; rooms: Room[]; currentId: string | null; action?: ReactNode }) {
  const id = `nav-${title.toLowerCase().replace(/\s+/g, '-')}`;
  return (
    <section className="nav-section" aria-labelledby={id}>
      <div className="nav-section-header">
        <h2 id={id}>{title}</h2>
        {action}
      </div>
      {rooms.length === 0 ? (
        <p className="muted small">{t('sidebar.noneYet')}</p>
      ) : (
        <ul>
          {rooms.map((r) => (
            <RoomLink key={r.id} room={r} current={r.id === currentId} />
          ))}
        </ul>
      )}
    </section>
  );
}

const byTitle = (a: Room, b: Room) => a.title.localeCompare(b.title);

export function Sidebar({ onNavigate }: { onNavigate?: () => void }) {
  const me = useUser();
  const { signOut } = useSession();
  const { rooms, loading } = useRooms();
  const { pathname } = useLocation();
  const currentId = /^\/(rooms|tickets)\/([^/]+)/.exec(pathname)?.[2] ?? null;
  // Archived rooms stay out of the list (Discover lists them).
  const channels = rooms.filter((r) => (r.kind === 'public' || r.kind === 'private') && !r.archivedAt).sort(byTitle);
  const dms = rooms.filter((r) => r.kind === 'dm').sort(byTitle);
  const isAdmin = me.role === 'admin';

  return (
    <nav className="sidebar" aria-label={t('sidebar.roomsSections')} onClick={(e) => (e.target as HTMLElement).closest('a') && onNavigate?.()}>
      <div className="sidebar-top">
        <Link to="/" className="brand">
          {t('common.switchboard')}
        </Link>
        <Bell />
      </div>
      <ul className="nav-main">
        <li>
          <Link to="/search" aria-current={pathname === '/search' ? 'page' : undefined}>
            {t('common.search')}
          </Link>
        </li>
        <li>
          <Link to="/saved" aria-current={pathname === '/saved' ? 'page' : undefined} data-testid="nav-saved">
            {t('sidebar.saved')}
          </Link>
        </li>
        <li>
          <Link to="/tickets" aria-current={pathname === '/tickets' ? 'page' : undefined} data-testid="nav-tickets">
            {t('common.tickets')}
          </Link>
        </li>
        <li>
          <Link to="/discover" aria-current={pathname === '/discover' ? 'page' : undefined} data-testid="nav-discover">
            {t('common.discoverRooms')}
          </Link>
        </li>
        {isAdmin && (
          <li>
            <Link to="/admin/users" aria-current={pathname.startsWith('/admin') ? 'page' : undefined} data-testid="nav-admin">
              {t('common.admin')}
            </Link>
          </li>
        )}
      </ul>
      {loading ? (
        <p className="muted small sidebar-loading">{t('sidebar.loadingRooms')}</p>
      ) : (
        <>
          <Section title={t('common.rooms')} rooms={channels} currentId={currentId} action={<NewRoomButton />} />
          <Section
            title={t('sidebar.directMessages')}
            rooms={dms}
            currentId={currentId}
            action={
              <Link to="/dms/new" className="icon-button small" aria-label={t('common.newDirectMessage')} title={t('common.newDirectMessage')} data-testid="new-dm">
                +
              </Link>
            }
          />
        </>
      )}
      <div className="sidebar-footer">
        <div className="me">
          <span className="me-name">{me.name}</span>
          <span className={`role-badge role-${me.role}`}>{roleLabel(me.role)}</span>
        </div>
        <div className="me-actions">
          <Link to="/account" className="button small" aria-current={pathname === '/account' ? 'page' : undefined} data-testid="nav-account">
            {t('common.account')}
          </Link>
          <ThemeToggle />
          <button type="button" className="button small" onClick={() => void signOut()} data-testid="sign-out">
            {t('common.signOut')}
          </button>
        </div>
      </div>
    </nav>
  );
}
