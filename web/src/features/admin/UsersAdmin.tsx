import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { t } from '../../i18n';
import { roleChoices } from '../../i18n/labels';
import { queryKeys } from '../../queries/keys';
import { setPagedItems, usePagedQuery } from '../../queries/pages';
import type { AdminUser } from '../../types';
import { DataTable, type Column } from '../../ui/DataTable';
import { ConfirmDialog } from '../../ui/Dialog';
import { formatDateTime } from '../../ui/format';
import { SelectField } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';
import { useDebounced } from '../../ui/useDebounced';
import { useSession, useUser } from '../auth/session';
import { accountBadges, isInvited, mergeAdminUser } from './accounts';
import { banState } from './bans';
import { proposeChange, undoneMessage, type AccountChange, type AccountPatch } from './changes';
import { BanDialog, CreateUserDialog, InviteDialog } from './UserDialogs';

export function UsersAdmin() {
  const me = useUser();
  const { departments } = useSession();
  const toast = useToast();
  const [q, setQ] = useState('');
  const dq = useDebounced(q, 250);
  const queryClient = useQueryClient();
  const list = usePagedQuery(queryKeys.admin.users(dq), (cursor) => api.admin.users(dq, cursor), {
    errorToast: t('usersAdmin.couldNotLoadUsers'),
    keepPrevious: true,
  });
  const users = list.items ?? [];
  const loading = list.loading;
  /** Changes every loaded list of users (each search has its own). */
  const setUsers = (update: (us: AdminUser[]) => AdminUser[]) => setPagedItems(queryClient, queryKeys.admin.usersAll, update);
  const [creating, setCreating] = useState(false);
  const [inviting, setInviting] = useState(false);
  const [banning, setBanning] = useState<AdminUser | null>(null);
  /** The account waiting for "Deactivate"/"Reactivate" to be confirmed. */
  const [toggling, setToggling] = useState<AdminUser | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  /** A role or department change waiting for "Change"/"Cancel". */
  const [proposed, setProposed] = useState<AccountChange | null>(null);

  const replace = (u: AdminUser) => setUsers((us) => us.map((x) => (x.id === u.id ? u : x)));

  const propose = (u: AdminUser, patch: AccountPatch) => setProposed(proposeChange(u, patch));

  /** Applies a confirmed change (the toast offers to undo it), or undoes one. */
  const apply = async (change: AccountChange, undoing = false) => {
    setProposed(null);
    setBusyId(change.user.id);
    try {
      const patch = undoing ? change.undo : change.patch;
      const answer = await api.admin.updateUser(change.user.id, patch);
      // Merged into the row as it is by then (a ban may have happened before an undo).
      setUsers((us) => us.map((x) => (x.id === answer.id ? mergeAdminUser(x, answer) : x)));
      if (undoing) toast.show(undoneMessage(change), 'success');
      else toast.show(change.done, 'success', { label: t('usersAdmin.undo'), run: () => void apply(change, true) });
    } catch (err) {
      toast.error(err, undoing ? t('usersAdmin.couldNotUndoChange') : t('usersAdmin.couldNotUpdateUser'));
    } finally {
      setBusyId(null);
    }
  };

  const unban = async (u: AdminUser) => {
    try {
      await api.admin.unban(u.id);
      replace({ ...u, ban: null });
      toast.show(t('usersAdmin.nameNoLongerBanned', { name: u.name }), 'success');
    } catch (err) {
      toast.error(err, t('usersAdmin.couldNotLiftBan'));
    }
  };

  const setActive = async (u: AdminUser) => {
    setToggling(null);
    setBusyId(u.id);
    const deactivating = !u.deactivatedAt;
    try {
      const answer = deactivating ? await api.admin.deactivate(u.id) : await api.admin.reactivate(u.id);
      // The answer's `ban` is null whatever the ban is: keep the row's.
      replace(mergeAdminUser(u, answer, { keepBan: true }));
      toast.show(deactivating ? t('usersAdmin.nameDeactivatedTheirSessionsWere', { name: u.name }) : t('usersAdmin.nameCanSignAgain', { name: u.name }), 'success');
    } catch (err) {
      toast.error(err, deactivating ? t('usersAdmin.couldNotDeactivateAccount') : t('usersAdmin.couldNotReactivateAccount'));
    } finally {
      setBusyId(null);
    }
  };

  const sendReset = async (u: AdminUser) => {
    setBusyId(u.id);
    try {
      await api.admin.sendPasswordReset(u.id);
      toast.show(isInvited(u) ? t('usersAdmin.theInvitationWasSentAgain', { email: u.email ?? u.name }) : t('usersAdmin.aPasswordResetLinkWas', { email: u.email ?? u.name }), 'success');
    } catch (err) {
      toast.error(err, t('usersAdmin.couldNotSendEMail'));
    } finally {
      setBusyId(null);
    }
  };

  const columns: Column<AdminUser>[] = [
    {
      header: t('common.name'),
      cell: (u) => (
        <>
          {u.name}
          {accountBadges(u).map((b) => (
            <span key={b.kind} className={`status-badge status-${b.kind} account-badge`} title={b.title} data-testid={`badge-${b.kind}`}>
              {b.label}
            </span>
          ))}
        </>
      ),
    },
    { header: t('common.email'), cell: (u) => u.email },
    {
      header: t('usersAdmin.role'),
      cell: (u) => (
        <SelectField
          className=""
          labelHidden
          id={`role-${u.id}`}
          label={t('usersAdmin.roleName', { name: u.name })}
          value={u.role}
          choices={roleChoices()}
          disabled={u.id === me.id || busyId === u.id}
          onChange={(role) => propose(u, { role })}
          testId="user-role"
        />
      ),
    },
    {
      header: t('common.department'),
      cell: (u) => (
        <SelectField
          className=""
          labelHidden
          id={`dept-${u.id}`}
          label={t('usersAdmin.departmentName', { name: u.name })}
          value={u.department ?? ''}
          choices={departments}
          none={t('common.none')}
          disabled={busyId === u.id}
          onChange={(department) => propose(u, { department: department || null })}
          testId="user-department"
        />
      ),
    },
    { header: t('usersAdmin.created'), cell: (u) => formatDateTime(u.createdAt) },
    { header: t('usersAdmin.access'), cell: (u) => accessActions(u), testId: 'ban-cell' },
  ];

  /** Ban, deactivate and e-mail buttons of one account. */
  function accessActions(u: AdminUser) {
    const self = u.id === me.id;
    const ban = banState(u);
    return (
      <span className="account-actions" data-ban={ban.kind}>
        {ban.kind === 'banned' && (
          <span className="status-badge status-banned" title={t('usersAdmin.reasonReason', { reason: ban.ban.reason })} data-testid="ban-badge">
            {t('usersAdmin.banned')}{ban.ban.expiresAt ? t('usersAdmin.untilExpiresat', { expiresAt: formatDateTime(ban.ban.expiresAt) }) : ''}
          </span>
        )}
        {ban.kind === 'banned' ? (
          <button type="button" className="button small" onClick={() => void unban(u)} data-testid="unban-button" aria-label={t('usersAdmin.unbanName', { name: u.name })}>
            {t('usersAdmin.unban')}
          </button>
        ) : (
          <button type="button" className="button small danger" disabled={self} onClick={() => setBanning(u)} data-testid="ban-button" aria-label={t('usersAdmin.banName', { name: u.name })}>
            {t('usersAdmin.ban2')}
          </button>
        )}
        <button
          type="button"
          className="button small"
          disabled={self || busyId === u.id}
          onClick={() => setToggling(u)}
          data-testid={u.deactivatedAt ? 'reactivate-button' : 'deactivate-button'}
          aria-label={t(u.deactivatedAt ? 'usersAdmin.reactivateNamed' : 'usersAdmin.deactivateNamed', { name: u.name })}
        >
          {u.deactivatedAt ? t('usersAdmin.reactivate') : t('usersAdmin.deactivate')}
        </button>
        <button
          type="button"
          className="button small"
          disabled={busyId === u.id || Boolean(u.deactivatedAt)}
          title={u.deactivatedAt ? t('usersAdmin.reactivateAccountFirst') : undefined}
          onClick={() => void sendReset(u)}
          data-testid="send-reset-button"
          aria-label={t(isInvited(u) ? 'usersAdmin.resendInvitationTo' : 'usersAdmin.sendPasswordResetTo', { name: u.name })}
        >
          {isInvited(u) ? t('usersAdmin.resendInvitation') : t('usersAdmin.sendPasswordReset')}
        </button>
      </span>
    );
  }

  return (
    <section aria-labelledby="users-title">
      <header className="page-header">
        <h2 id="users-title">{t('usersAdmin.users')}</h2>
        <span className="button-row">
          <button type="button" className="button" onClick={() => setCreating(true)} data-testid="create-user">
            {t('usersAdmin.createUser')}
          </button>
          <button type="button" className="button primary" onClick={() => setInviting(true)} data-testid="invite-user">
            {t('usersAdmin.inviteSomeone')}
          </button>
        </span>
      </header>
      <div className="field">
        <label htmlFor="users-q">{t('common.search')}</label>
        <input id="users-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('common.nameEmail')} />
      </div>
      <DataTable
        caption={t('usersAdmin.users')}
        columns={columns}
        rows={users}
        rowKey={(u) => u.id}
        rowProps={(u) => ({ 'data-testid': `user-row-${u.email ?? u.id}`, 'data-deactivated': Boolean(u.deactivatedAt) })}
        empty={t('usersAdmin.noUsersMatch')}
        loading={loading}
        paging={{ hasMore: list.hasMore, onMore: list.loadMore, label: t('common.loadMore') }}
      />
      <CreateUserDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(u) => {
          setCreating(false);
          setUsers((us) => [u, ...us]);
          toast.show(t('usersAdmin.createdEmail', { email: u.email ?? u.name }), 'success');
        }}
      />
      <InviteDialog
        open={inviting}
        onClose={() => setInviting(false)}
        onInvited={(u) => {
          setInviting(false);
          setUsers((us) => [u, ...us.filter((x) => x.id !== u.id)]);
          toast.show(t('usersAdmin.invitationSentEmail', { email: u.email ?? u.name }), 'success');
        }}
      />
      <ConfirmDialog
        open={toggling !== null}
        title={toggling?.deactivatedAt ? t('usersAdmin.reactivateName', { name: toggling.name }) : t('usersAdmin.deactivateName', { name: toggling?.name ?? '' })}
        message={
          toggling?.deactivatedAt ? (
            <p>{t('usersAdmin.theyCanSignAgain')}</p>
          ) : (
            <p>{t('usersAdmin.theyAreSignedOutEverywhere')}</p>
          )
        }
        confirmLabel={toggling?.deactivatedAt ? t('usersAdmin.reactivate2') : t('usersAdmin.deactivate2')}
        danger={!toggling?.deactivatedAt}
        onConfirm={() => toggling && void setActive(toggling)}
        onCancel={() => setToggling(null)}
      />
      <ConfirmDialog
        open={proposed !== null}
        title={proposed?.title ?? ''}
        message={<p data-testid="change-consequence">{proposed?.consequence}</p>}
        confirmLabel={proposed?.confirmLabel ?? t('usersAdmin.change')}
        danger={proposed?.danger ?? false}
        onConfirm={() => proposed && void apply(proposed)}
        onCancel={() => setProposed(null)}
      />
      <BanDialog
        user={banning}
        onClose={() => setBanning(null)}
        onBanned={(u) => {
          replace(u);
          setBanning(null);
        }}
      />
    </section>
  );
}
