import { useState } from 'react';
import { api, errorMessage } from '../../api';
import type { Member, Room, RoomRole, User } from '../../types';
import { Avatar } from '../../ui/Avatar';
import { ConfirmDialog } from '../../ui/Dialog';
import { SelectField } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';
import { useUser } from '../auth/session';
import { PeoplePicker } from '../rooms/PeoplePicker';
import { inviteRefusal, may, mayRemove } from '../rooms/policy';
import { ProfileCard } from './ProfileCard';
import { StatusMark } from './StatusMark';
import { t } from '../../i18n';
import { roomRoleLabel } from '../../i18n/labels';

interface Props {
  members: Member[];
  /** The room (null while it loads: the list only). */
  room?: Room | null;
  onClose: () => void;
  /** Asks to leave the room (the room confirms). */
  onLeave?: () => void;
}

/** The roles a moderator or owner may give (ownership is handed over apart). */
const ROOM_ROLES = ['member', 'moderator'] as const;

const ROLE_ORDER: Record<RoomRole, number> = { owner: 0, moderator: 1, member: 2 };

/** "2 online of 3". */
export function onlineOf(members: readonly Pick<Member, 'online'>[]): string {
  return t('membersPanel.lengthOnlineLength2', { length: members.filter((m) => m.online).length, length2: members.length });
}

/**
 * The room's members with their roles and presence, and what the viewer may do about them
 * (the client-side policy shows the controls; the server decides): invite, change a room
 * role, remove, hand ownership over, leave. Changes arrive live through the member events.
 */
export function MembersPanel({ members, room = null, onClose, onLeave }: Props) {
  const me = useUser();
  const toast = useToast();
  const sorted = [...members].sort(
    (a, b) => Number(b.online) - Number(a.online) || ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.user.name.localeCompare(b.user.name),
  );
  const [shown, setShown] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [handOver, setHandOver] = useState<Member | null>(null);
  const manageable = room !== null && (room.kind === 'public' || room.kind === 'private');
  const can = (action: Parameters<typeof may>[2]) => room !== null && may(me, room, action);

  const run = async (key: string, what: () => Promise<unknown>, done: string) => {
    setBusy(key);
    setProblem(null);
    try {
      await what();
      toast.show(done, 'success');
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const invite = (user: User) => {
    if (!room) return;
    void run(`invite-${user.id}`, () => api.rooms.addMember(room.id, user.id), t('membersPanel.addedName', { name: user.name }));
  };

  return (
    <aside className="side-panel members-panel" aria-labelledby="members-title" data-testid="members-panel">
      <header className="side-panel-header">
        <h2 id="members-title">
          {t('common.members')}{' '}<span className="muted small" data-testid="members-online">{onlineOf(members)}</span>
        </h2>
        <button type="button" className="icon-button" aria-label={t('membersPanel.closeMembers')} onClick={onClose}>
          ×
        </button>
      </header>
      {room && can('invite') && (
        <PeoplePicker
          label={t('membersPanel.invitePeople')}
          exclude={new Set(members.map((m) => m.user.id))}
          refusal={(u) => inviteRefusal(me, room, u)}
          onPick={invite}
          disabled={busy !== null}
          testId="invite-picker"
        />
      )}
      {problem && (
        <p className="form-error small" role="alert" data-testid="members-error">
          {problem}
        </p>
      )}
      <ul className="member-list">
        {sorted.map((m) => {
          const self = m.user.id === me.id;
          const roleEditable = manageable && room && !self && m.role !== 'owner' && may(me, room, 'changeRoles');
          const removable = manageable && room && !self && mayRemove(me, room, m.role);
          const canOwn = m.user.role !== 'observer' && m.user.role !== 'customer';
          const transferable = manageable && room && !self && m.role !== 'owner' && canOwn && may(me, room, 'transferOwnership');
          return (
            <li key={m.user.id} data-testid="member" data-online={m.online} data-role={m.role} data-user-id={m.user.id}>
              <div className="member-line">
                <span className={`presence ${m.online ? 'online' : 'offline'}`} aria-hidden="true" />
                <Avatar id={m.user.id} name={m.user.name} url={m.user.avatarUrl} size={24} />
                <button type="button" className="member-name link-button" onClick={() => setShown(m.user.id)} data-testid="member-name">
                  {m.user.name}
                </button>
                {m.status && <StatusMark status={m.status} />}
                <span className="visually-hidden">{m.online ? t('membersPanel.online') : t('membersPanel.offline')}</span>
                {!roleEditable && (
                  <span className={`muted small member-role role-${m.role}`} data-testid="member-role">
                    {roomRoleLabel(m.role)}
                  </span>
                )}
              </div>
              {(roleEditable || removable || transferable) && room && (
                <div className="member-actions">
                  {roleEditable && (
                    <SelectField
                      className=""
                      labelHidden
                      label={t('membersPanel.roomRoleName', { name: m.user.name })}
                      value={m.role === 'moderator' ? 'moderator' : 'member'}
                      choices={ROOM_ROLES.map((value) => ({ value, label: roomRoleLabel(value) }))}
                      disabled={busy !== null}
                      onChange={(role) => void run(`role-${m.user.id}`, () => api.rooms.setMemberRole(room.id, m.user.id, role), t('membersPanel.nameNowRole', { name: m.user.name, role }))}
                      testId="member-role-select"
                    />
                  )}
                  {transferable && (
                    <button type="button" className="link-button small" disabled={busy !== null} onClick={() => setHandOver(m)} data-testid="member-transfer">
                      {t('membersPanel.makeOwner')}
                    </button>
                  )}
                  {removable && (
                    <button
                      type="button"
                      className="link-button small danger-text"
                      aria-label={t('common.removeName', { name: m.user.name })}
                      disabled={busy !== null}
                      onClick={() => void run(`remove-${m.user.id}`, () => api.rooms.removeMember(room.id, m.user.id), t('membersPanel.removedName', { name: m.user.name }))}
                      data-testid="member-remove"
                    >
                      {t('common.remove')}
                    </button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {manageable && room && onLeave && may(me, room, 'leave') && (
        <footer className="members-footer">
          <button type="button" className="button small" onClick={onLeave} data-testid="members-leave">
            {t('membersPanel.leaveRoom')}
          </button>
        </footer>
      )}
      {shown && <ProfileCard userId={shown} onClose={() => setShown(null)} />}
      <ConfirmDialog
        open={handOver !== null}
        title={t('membersPanel.handOwnershipOver')}
        message={
          <p>
            {t(room?.myRole === 'owner' ? 'membersPanel.becomesOwnerYouStay' : 'membersPanel.becomesOwner', { name: handOver?.user.name ?? '', room: room?.title ?? '' })}
          </p>
        }
        confirmLabel={t('membersPanel.makeOwner')}
        busy={busy !== null}
        onConfirm={() => {
          const target = handOver;
          setHandOver(null);
          if (target && room) void run(`own-${target.user.id}`, () => api.rooms.transferOwnership(room.id, target.user.id), t('membersPanel.nameOwnsRoomNow', { name: target.user.name }));
        }}
        onCancel={() => setHandOver(null)}
      />
    </aside>
  );
}

export function TypingLine({ names }: { names: string[] }) {
  const text =
    names.length === 0
      ? ''
      : names.length === 1
        ? t('membersPanel.valueTyping', { value: names[0] })
        : names.length === 2
          ? t('membersPanel.valueValue2Typing', { value: names[0], value2: names[1] })
          : t('membersPanel.severalPeopleTyping');
  return (
    <div className="typing-line" aria-live="polite" data-testid="typing-line">
      {text}
    </div>
  );
}
