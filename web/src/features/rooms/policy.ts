// What each person may do in a room, mirroring the server's one access policy
// (server/src/domain/policy.rs). The client only shows or hides controls with it: the server
// decides, and its refusals are shown as they come.
import type { Role, Room, RoomKind, RoomRole } from '../../types';
import { t } from '../../i18n';

export interface PolicyViewer {
  id: string;
  role: Role;
  department: string | null;
}

export type PolicyRoom = Pick<Room, 'kind' | 'department' | 'myRole'> & { archivedAt?: string | null };

export type RoomAction =
  | 'post'
  | 'invite'
  | 'manageMembers'
  | 'updateRoom'
  | 'changeKind'
  | 'deleteRoom'
  | 'archive'
  | 'join'
  | 'leave'
  | 'changeRoles'
  | 'transferOwnership';

const RANK: Record<RoomRole, number> = { member: 0, moderator: 1, owner: 2 };

/** Observers never write. */
const canWrite = (role: Role) => role !== 'observer';
const isTeam = (role: Role) => role !== 'customer';
const isRoom = (kind: RoomKind) => kind === 'public' || kind === 'private';
const moderates = (viewer: PolicyViewer, room: PolicyRoom) =>
  viewer.role === 'admin' || (room.myRole !== null && RANK[room.myRole] >= RANK.moderator);

/** What an archived room refuses to everyone (reading, leaving, restoring and deleting stay). */
const FROZEN: ReadonlySet<RoomAction> = new Set<RoomAction>([
  'post',
  'invite',
  'manageMembers',
  'updateRoom',
  'changeKind',
  'join',
  'changeRoles',
  'transferOwnership',
]);

/** Whether `viewer` may do `action` in `room` (a room they can read). */
export function may(viewer: PolicyViewer, room: PolicyRoom, action: RoomAction): boolean {
  if (!canWrite(viewer.role)) return false;
  if (room.archivedAt && FROZEN.has(action)) return false;
  const admin = viewer.role === 'admin';
  const member = room.myRole !== null;
  if (room.kind === 'dm') return action === 'post' && member;
  if (room.kind === 'ticket') {
    const staff = viewer.role === 'admin' || viewer.role === 'staff';
    if (action === 'post') return true;
    if (action === 'invite' || action === 'manageMembers' || action === 'changeRoles') return staff;
    if (action === 'deleteRoom') return admin;
    return false;
  }
  switch (action) {
    case 'post':
      return member;
    case 'join':
      return !member && room.kind === 'public' && isTeam(viewer.role);
    case 'leave':
      return member;
    case 'invite':
      return (room.kind === 'public' && (member || admin)) || moderates(viewer, room);
    case 'manageMembers':
    case 'updateRoom':
    case 'archive':
      return moderates(viewer, room);
    case 'changeKind':
    case 'deleteRoom':
      return admin || room.myRole === 'owner';
    case 'changeRoles':
    case 'transferOwnership':
      return isRoom(room.kind) && (admin || room.myRole === 'owner');
  }
}

/** Whether `viewer` may remove a member whose room role is `target` (never themselves: that is leaving). */
export function mayRemove(viewer: PolicyViewer, room: PolicyRoom, target: RoomRole): boolean {
  if (!may(viewer, room, 'manageMembers')) return false;
  if (target === 'owner') return false;
  const rank = viewer.role === 'admin' || room.kind === 'ticket' ? Infinity : room.myRole ? RANK[room.myRole] : 0;
  return RANK[target] < rank;
}

/** Whether `person` can be invited into `room` by `viewer`; the reason when not. */
export function inviteRefusal(viewer: PolicyViewer, room: PolicyRoom, person: Pick<PolicyViewer, 'role' | 'department'>): string | null {
  if (!may(viewer, room, 'invite')) return t('policy.youCannotInvitePeopleHere');
  if (person.role === 'customer' && room.kind !== 'ticket') return t('policy.customersJoinTicketsOnly');
  const outsider =
    room.department !== null && isRoom(room.kind) && !(isTeam(person.role) && (person.role === 'admin' || person.department === room.department));
  if (outsider && !moderates(viewer, room)) return t('policy.onlyModeratorsAddPeopleFrom', { department: room.department });
  return null;
}

/** A person is offered for invitation only when the policy lets them in. */
export function mayInvitePerson(viewer: PolicyViewer, room: PolicyRoom, person: Pick<PolicyViewer, 'role' | 'department'>): boolean {
  return inviteRefusal(viewer, room, person) === null;
}

/** Whether a new room may be created by `role` (writing team members). */
export function mayCreateRooms(role: Role): boolean {
  return isTeam(role) && canWrite(role);
}
