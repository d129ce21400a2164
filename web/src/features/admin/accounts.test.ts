import { describe, expect, it } from 'vitest';
import type { AdminUser } from '../../types';
import { accountBadges, createdRow, isInvited, mergeAdminUser } from './accounts';

const row = (over: Partial<AdminUser> = {}): AdminUser => ({
  id: 'u1',
  email: 'a@x.io',
  name: 'Ada',
  role: 'staff',
  department: null,
  createdAt: '2026-01-01T00:00:00Z',
  handle: null,
  avatarUrl: null,
  ban: null,
  deactivatedAt: null,
  emailVerified: true,
  hasPassword: true,
  ...over,
});

describe('account badges of an admin row', () => {
  it('shows nothing for an active, verified account with a password', () => {
    expect(accountBadges(row())).toEqual([]);
  });

  it('calls a team member without a password invited (not also unverified)', () => {
    const invited = row({ hasPassword: false, emailVerified: false });
    expect(isInvited(invited)).toBe(true);
    expect(accountBadges(invited).map((b) => b.label)).toEqual(['Invited']);
  });

  it('calls a customer without a password unverified, never invited', () => {
    const customer = row({ role: 'customer', hasPassword: false, emailVerified: false });
    expect(isInvited(customer)).toBe(false);
    expect(accountBadges(customer).map((b) => b.label)).toEqual(['Unverified']);
    expect(accountBadges(row({ role: 'customer', hasPassword: false, emailVerified: true }))).toEqual([]);
  });

  it('puts Deactivated first', () => {
    expect(accountBadges(row({ deactivatedAt: '2026-02-01T00:00:00Z', emailVerified: false })).map((b) => b.label)).toEqual(['Deactivated', 'Unverified']);
  });
});

describe('admin rows after an action', () => {
  it('keeps the admin fields the plain user answer lacks', () => {
    const ban = { userId: 'u1', reason: 'spam', bannedBy: 'admin', bannedAt: '2026-01-02T00:00:00Z', expiresAt: null };
    const merged = mergeAdminUser(row({ ban, hasPassword: false }), { id: 'u1', name: 'Ada', handle: null, role: 'observer', department: 'billing', createdAt: '2026-01-01T00:00:00Z', avatarUrl: null });
    expect([merged.role, merged.department, merged.ban, merged.hasPassword]).toEqual(['observer', 'billing', ban, false]);
  });

  it('keeps the ban when asked (deactivate answers ban: null)', () => {
    const ban = { userId: 'u1', reason: 'spam', bannedBy: 'admin', bannedAt: '2026-01-02T00:00:00Z', expiresAt: null };
    const merged = mergeAdminUser(row({ ban }), row({ ban: null, deactivatedAt: '2026-02-01T00:00:00Z' }), { keepBan: true });
    expect(merged.ban).toEqual(ban);
    expect(merged.deactivatedAt).toBe('2026-02-01T00:00:00Z');
  });

  it('makes a full row of a created user, never one that offers Ban and Unban at once', () => {
    const created = createdRow({ id: 'u2', name: 'Bo', handle: null, role: 'staff', department: null, createdAt: '2026-01-01T00:00:00Z', avatarUrl: null }, false);
    expect(created).toMatchObject({ ban: null, deactivatedAt: null, emailVerified: true, hasPassword: false });
  });
});
