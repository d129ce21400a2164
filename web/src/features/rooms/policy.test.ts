import { describe, expect, it } from 'vitest';
import type { Role, RoomKind, RoomRole } from '../../types';
import { inviteRefusal, may, mayCreateRooms, mayInvitePerson, mayRemove, type PolicyRoom, type PolicyViewer } from './policy';

const viewer = (role: Role, department: string | null = null): PolicyViewer => ({ id: 'me', role, department });
const room = (kind: RoomKind, myRole: RoomRole | null, extra: Partial<PolicyRoom> = {}): PolicyRoom => ({
  kind,
  department: null,
  myRole,
  ...extra,
});

describe('room policy', () => {
  it('lets members post, moderators manage and owners delete', () => {
    const staff = viewer('staff');
    expect(may(staff, room('public', 'member'), 'post')).toBe(true);
    expect(may(staff, room('public', 'member'), 'manageMembers')).toBe(false);
    expect(may(staff, room('public', 'moderator'), 'manageMembers')).toBe(true);
    expect(may(staff, room('public', 'moderator'), 'archive')).toBe(true);
    expect(may(staff, room('public', 'moderator'), 'deleteRoom')).toBe(false);
    expect(may(staff, room('public', 'owner'), 'deleteRoom')).toBe(true);
    expect(may(staff, room('public', 'owner'), 'changeRoles')).toBe(true);
    expect(may(staff, room('public', 'moderator'), 'changeRoles')).toBe(false);
    expect(may(staff, room('public', 'member'), 'archive')).toBe(false);
  });

  it('lets members invite to public rooms but only moderators to private ones', () => {
    const staff = viewer('staff');
    expect(may(staff, room('public', 'member'), 'invite')).toBe(true);
    expect(may(staff, room('private', 'member'), 'invite')).toBe(false);
    expect(may(staff, room('private', 'moderator'), 'invite')).toBe(true);
  });

  it('gives admins moderation everywhere but DMs', () => {
    const admin = viewer('admin');
    expect(may(admin, room('public', null), 'archive')).toBe(true);
    expect(may(admin, room('public', null), 'deleteRoom')).toBe(true);
    expect(may(admin, room('dm', 'member'), 'archive')).toBe(false);
  });

  it('never lets observers write', () => {
    const observer = viewer('observer');
    for (const action of ['post', 'invite', 'archive', 'join', 'leave'] as const) {
      expect(may(observer, room('public', 'owner'), action)).toBe(false);
    }
  });

  it('freezes archived rooms for everyone but keeps restore, leave and delete', () => {
    const archived = room('public', 'owner', { archivedAt: '2026-01-01T00:00:00Z' });
    const owner = viewer('staff');
    expect(may(owner, archived, 'post')).toBe(false);
    expect(may(owner, archived, 'invite')).toBe(false);
    expect(may(owner, archived, 'updateRoom')).toBe(false);
    expect(may(owner, archived, 'archive')).toBe(true);
    expect(may(owner, archived, 'leave')).toBe(true);
    expect(may(owner, archived, 'deleteRoom')).toBe(true);
    expect(may(viewer('admin'), archived, 'post')).toBe(false);
  });

  it('removes only members of lower room role', () => {
    const staff = viewer('staff');
    expect(mayRemove(staff, room('public', 'moderator'), 'member')).toBe(true);
    expect(mayRemove(staff, room('public', 'moderator'), 'moderator')).toBe(false);
    expect(mayRemove(staff, room('public', 'owner'), 'moderator')).toBe(true);
    expect(mayRemove(staff, room('public', 'owner'), 'owner')).toBe(false);
    expect(mayRemove(viewer('admin'), room('public', null), 'moderator')).toBe(true);
    expect(mayRemove(staff, room('public', 'member'), 'member')).toBe(false);
  });

  it('offers for invitation only people the policy lets in', () => {
    const engineering = room('public', 'member', { department: 'engineering' });
    const me = viewer('staff', 'engineering');
    expect(mayInvitePerson(me, engineering, { role: 'staff', department: 'engineering' })).toBe(true);
    expect(mayInvitePerson(me, engineering, { role: 'customer', department: null })).toBe(false);
    expect(inviteRefusal(me, engineering, { role: 'staff', department: 'billing' })).toMatch(/moderators/);
    const asModerator = { ...engineering, myRole: 'moderator' as const };
    expect(mayInvitePerson(me, asModerator, { role: 'staff', department: 'billing' })).toBe(true);
    expect(mayInvitePerson(me, engineering, { role: 'admin', department: null })).toBe(true);
  });

  it('lets the writing team create rooms', () => {
    expect(mayCreateRooms('staff')).toBe(true);
    expect(mayCreateRooms('admin')).toBe(true);
    expect(mayCreateRooms('observer')).toBe(false);
    expect(mayCreateRooms('customer')).toBe(false);
  });
});
