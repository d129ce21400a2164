// Role and department changes in the users table: what the confirmation says, what the toast
// says once it is done, and the change that undoes it (unit-tested in changes.test.ts).
import type { AdminUser, Role } from '../../types';

export type AccountPatch = { role: Role } | { department: string | null };

export interface AccountChange {
  user: AdminUser;
  patch: AccountPatch;
  /** The patch that puts the row back as it was. */
  undo: AccountPatch;
  title: string;
  /** What the change does, said before it is made. */
  consequence: string;
  confirmLabel: string;
  /** Made more visible in the dialog (granting admin). */
  danger: boolean;
  /** The toast once it is done. */
  done: string;
}

const ROLE_MEANS: Record<Role, string> = {
  admin: 'Admins manage every user, room and ticket and read the audit log.',
  staff: 'Staff chat, work tickets and see the rooms of their department.',
  observer: 'Observers read what staff read and can never write.',
  customer: 'Customers see only their own tickets.',
};

const SIGNED_OUT = 'They are signed out everywhere and get the new role when they sign in again.';

/** The confirmation for changing `user`'s role or department, or null when nothing changes. */
export function proposeChange(user: AdminUser, patch: AccountPatch): AccountChange | null {
  if ('role' in patch) {
    if (patch.role === user.role) return null;
    return {
      user,
      patch,
      undo: { role: user.role },
      title: `Change ${user.name}’s role to ${patch.role}?`,
      consequence: `${user.name}’s role is ${user.role} now. ${ROLE_MEANS[patch.role]} ${SIGNED_OUT}`,
      confirmLabel: `Make ${patch.role}`,
      danger: patch.role === 'admin',
      done: `${user.name}’s role is now ${patch.role}.`,
    };
  }
  const to = patch.department;
  if (to === (user.department ?? null)) return null;
  const from = user.department ?? null;
  return {
    user,
    patch,
    undo: { department: from },
    title: to ? `Move ${user.name} to ${to}?` : `Take ${user.name} out of ${from ?? 'their department'}?`,
    consequence: `${from ? `${user.name} is in ${from} now.` : `${user.name} has no department now.`} They are signed out everywhere and see the rooms and tickets of ${to ?? 'no department'} when they sign in again.`,
    confirmLabel: to ? `Move to ${to}` : 'Remove department',
    danger: false,
    done: to ? `${user.name} is now in ${to}.` : `${user.name} has no department now.`,
  };
}

/** What the toast says once `change` has been undone. */
export function undoneMessage(change: AccountChange): string {
  if ('role' in change.undo) return `Undone: ${change.user.name}’s role is ${change.undo.role} again.`;
  return change.undo.department
    ? `Undone: ${change.user.name} is in ${change.undo.department} again.`
    : `Undone: ${change.user.name} has no department again.`;
}
