// Role and department changes in the users table: what the confirmation says, what the toast
// says once it is done, and the change that undoes it (unit-tested in changes.test.ts).
import type { AdminUser, Role } from '../../types';
import { t, type MessageKey } from '../../i18n';

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

const ROLE_MEANS: Record<Role, MessageKey> = {
  admin: 'changes.adminsManage',
  staff: 'changes.staffChat',
  observer: 'changes.observersRead',
  customer: 'changes.customersSee',
};

/** The confirmation for changing `user`'s role or department, or null when nothing changes. */
export function proposeChange(user: AdminUser, patch: AccountPatch): AccountChange | null {
  if ('role' in patch) {
    if (patch.role === user.role) return null;
    return {
      user,
      patch,
      undo: { role: user.role },
      title: t('changes.changeNameSRoleRole', { name: user.name, role: patch.role }),
      consequence: t('changes.roleConsequence', { name: user.name, role: user.role, means: t(ROLE_MEANS[patch.role]) }),
      confirmLabel: t('changes.makeRole', { role: patch.role }),
      danger: patch.role === 'admin',
      done: t('changes.nameSRoleNowRole', { name: user.name, role: patch.role }),
    };
  }
  const to = patch.department;
  if (to === (user.department ?? null)) return null;
  const from = user.department ?? null;
  return {
    user,
    patch,
    undo: { department: from },
    title: to ? t('changes.moveName', { name: user.name, to }) : from ? t('changes.takeOutOf', { name: user.name, from }) : t('changes.takeOut', { name: user.name }),
    consequence: `${from ? t('changes.nameIsInNow', { name: user.name, from }) : t('changes.nameHasNoDepartmentNow', { name: user.name })} ${to ? t('changes.signedOutSeeDepartment', { to }) : t('changes.signedOutSeeNoDepartment')}`,
    confirmLabel: to ? t('changes.move', { to }) : t('changes.removeDepartment'),
    danger: false,
    done: to ? t('changes.nameNow', { name: user.name, to }) : t('changes.nameHasNoDepartmentNow', { name: user.name }),
  };
}

/** What the toast says once `change` has been undone. */
export function undoneMessage(change: AccountChange): string {
  if ('role' in change.undo) return t('changes.undoneNameSRoleRole', { name: change.user.name, role: change.undo.role });
  return change.undo.department
    ? t('changes.undoneNameDepartmentAgain', { name: change.user.name, department: change.undo.department })
    : t('changes.undoneNameHasNoDepartment', { name: change.user.name });
}
