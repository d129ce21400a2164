import { createContext, useContext } from 'react';
import type { UserStatus } from '../../types';
import { t } from '../../i18n';

/** A status beside a name: its emoji (or a speech bubble), the text on hover and for screen readers. */
export function StatusMark({ status, testId = 'member-status' }: { status: UserStatus; testId?: string }) {
  const text = status.text ?? '';
  return (
    <span className="status-mark" title={text || undefined} data-testid={testId}>
      <span aria-hidden="true">{status.emoji ?? '💬'}</span>
      <span className="visually-hidden">{t('statusMark.status')}{' '}{text || status.emoji}</span>
    </span>
  );
}

/** The statuses of a room's members by user id (from the member list, kept live). */
export const StatusesContext = createContext<ReadonlyMap<string, UserStatus>>(new Map());

/** The status of a person shown in this room, if they have one. */
export function useStatusOf(userId: string): UserStatus | undefined {
  return useContext(StatusesContext).get(userId);
}
