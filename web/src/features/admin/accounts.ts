// What the users table shows about an account's state (unit-tested in accounts.test.ts).
import type { AdminUser, Role, User } from '../../types';
import { t } from '../../i18n';

export type AccountBadge = { kind: 'deactivated' | 'invited' | 'unverified'; label: string; title: string };

const TEAM_ROLES: readonly Role[] = ['admin', 'staff', 'observer'];

/** A team member who has not accepted their invitation (no password chosen yet). */
export function isInvited(user: Pick<AdminUser, 'role' | 'hasPassword'>): boolean {
  return TEAM_ROLES.includes(user.role) && !user.hasPassword;
}

/** The state badges of a row: deactivated, then invited or else unverified. */
export function accountBadges(user: Pick<AdminUser, 'role' | 'hasPassword' | 'emailVerified' | 'deactivatedAt'>): AccountBadge[] {
  const badges: AccountBadge[] = [];
  if (user.deactivatedAt) badges.push({ kind: 'deactivated', label: t('accounts.deactivated'), title: t('accounts.cannotSignMessagesKept') });
  if (isInvited(user)) badges.push({ kind: 'invited', label: t('accounts.invited'), title: t('accounts.hasNotChosenPasswordYet') });
  else if (!user.emailVerified) badges.push({ kind: 'unverified', label: t('ticketQueue.unverified'), title: t('accounts.hasNotConfirmedEMail') });
  return badges;
}

/**
 * A row after an admin action: `PATCH /admin/users/{id}` answers the plain user, so the admin
 * fields are kept from the row; `ban` is kept too when `keepBan` (deactivate/reactivate answer
 * `ban: null` whatever the ban).
 */
export function mergeAdminUser(row: AdminUser, answer: User | AdminUser, { keepBan = false } = {}): AdminUser {
  const merged: AdminUser = { ...row, ...answer };
  if (keepBan) merged.ban = row.ban;
  return merged;
}

/** A row for a user just created with `POST /admin/users` (verified; a password only if one was given). */
export function createdRow(user: User, withPassword: boolean): AdminUser {
  return { ...user, ban: null, deactivatedAt: null, emailVerified: true, hasPassword: withPassword };
}
