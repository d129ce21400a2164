import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { queryKeys } from '../../queries/keys';
import { setPagedItems, usePagedQuery } from '../../queries/pages';
import { ROLES, type AdminUser, type Role } from '../../types';
import { DataTable, type Column } from '../../ui/DataTable';
import { ConfirmDialog, Dialog } from '../../ui/Dialog';
import { formatDateTime } from '../../ui/format';
import { SelectField } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';
import { useDebounced } from '../../ui/useDebounced';
import { useSession, useUser } from '../auth/session';
import { accountBadges, createdRow, isInvited, mergeAdminUser } from './accounts';
import { banState, localInputToIso } from './bans';
import { proposeChange, undoneMessage, type AccountChange, type AccountPatch } from './changes';

function CreateUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (u: AdminUser) => void }) {
  const { departments } = useSession();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('staff');
  const [department, setDepartment] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await api.admin.createUser({
        email: email.trim(),
        name: name.trim(),
        role,
        ...(department ? { department } : {}),
        ...(password ? { password } : {}),
      });
      onCreated(createdRow(user, password.length > 0));
      setEmail('');
      setName('');
      setPassword('');
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: 'Could not create the user' }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title="Create user" onClose={onClose} testId="create-user-dialog">
      <form className="stack" onSubmit={submit}>
        <label htmlFor="cu-email">Email</label>
        <input id="cu-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="create-user-email" />
        {error?.fieldProblem('email') && <p className="field-error">{error.fieldProblem('email')}</p>}
        <label htmlFor="cu-name">Name</label>
        <input id="cu-name" required value={name} onChange={(e) => setName(e.target.value)} data-testid="create-user-name" />
        <SelectField className="stack" id="cu-role" label="Role" value={role} choices={ROLES} onChange={setRole} />
        <SelectField className="stack" id="cu-department" label="Department" value={department} choices={departments} none="None" onChange={setDepartment} />
        <label htmlFor="cu-password">Initial password (optional)</label>
        <input id="cu-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        {error && (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy} data-testid="create-user-submit">
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function InviteDialog({ open, onClose, onInvited }: { open: boolean; onClose: () => void; onInvited: (u: AdminUser) => void }) {
  const { departments } = useSession();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('staff');
  const [department, setDepartment] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await api.admin.invite({ email: email.trim(), name: name.trim(), role, ...(department ? { department } : {}) });
      onInvited(user);
      setEmail('');
      setName('');
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: 'Could not send the invitation' }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title="Invite someone" onClose={onClose} testId="invite-dialog">
      <form className="stack" onSubmit={submit} noValidate>
        <p className="muted">They get an e-mail with a link to choose their password (it works for 7 days).</p>
        <label htmlFor="inv-email">Email</label>
        <input id="inv-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="invite-email" />
        {error?.fieldProblem('email') && <p className="field-error">{error.fieldProblem('email')}</p>}
        <label htmlFor="inv-name">Name</label>
        <input id="inv-name" required value={name} onChange={(e) => setName(e.target.value)} data-testid="invite-name" />
        {error?.fieldProblem('name') && <p className="field-error">{error.fieldProblem('name')}</p>}
        <SelectField className="stack" id="inv-role" label="Role" value={role} choices={ROLES} onChange={setRole} testId="invite-role" />
        <SelectField
          className="stack"
          id="inv-department"
          label="Department"
          value={department}
          choices={departments}
          none="None"
          onChange={setDepartment}
          testId="invite-department"
        />
        {error && (
          <p className="form-error" role="alert" data-testid="invite-error">
            {error.code === 'VALIDATION' ? 'Please check the fields marked above.' : error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy || !email.trim() || !name.trim()} data-testid="invite-submit">
            {busy ? 'Sending…' : 'Send invitation'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function BanDialog({ user, onClose, onBanned }: { user: AdminUser | null; onClose: () => void; onBanned: (u: AdminUser) => void }) {
  const toast = useToast();
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!user) return;
    setBusy(true);
    try {
      const expiresAt = localInputToIso(expires);
      const ban = await api.admin.ban(user.id, reason.trim(), expiresAt);
      onBanned({ ...user, ban });
      toast.show(`${user.name} is banned; their sessions were ended.`, 'success');
      setReason('');
      setExpires('');
    } catch (err) {
      toast.error(err, 'Could not ban the user');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={user !== null} title={user ? `Ban ${user.name}` : 'Ban'} onClose={onClose} testId="ban-dialog">
      <form className="stack" onSubmit={submit}>
        <p>Banning signs them out everywhere and blocks sign-in until the ban ends.</p>
        <label htmlFor="ban-reason">Reason</label>
        <textarea id="ban-reason" required rows={2} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="ban-reason" />
        <label htmlFor="ban-expires">Ends (optional; empty = permanent)</label>
        <input id="ban-expires" type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} data-testid="ban-expires" />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button danger" disabled={busy || !reason.trim()} data-testid="ban-confirm">
            Ban user
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function UsersAdmin() {
  const me = useUser();
  const { departments } = useSession();
  const toast = useToast();
  const [q, setQ] = useState('');
  const dq = useDebounced(q, 250);
  const queryClient = useQueryClient();
  const list = usePagedQuery(queryKeys.admin.users(dq), (cursor) => api.admin.users(dq, cursor), {
    errorToast: 'Could not load users',
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
      else toast.show(change.done, 'success', { label: 'Undo', run: () => void apply(change, true) });
    } catch (err) {
      toast.error(err, undoing ? 'Could not undo the change' : 'Could not update the user');
    } finally {
      setBusyId(null);
    }
  };

  const unban = async (u: AdminUser) => {
    try {
      await api.admin.unban(u.id);
      replace({ ...u, ban: null });
      toast.show(`${u.name} is no longer banned`, 'success');
    } catch (err) {
      toast.error(err, 'Could not lift the ban');
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
      toast.show(deactivating ? `${u.name} is deactivated; their sessions were ended.` : `${u.name} can sign in again.`, 'success');
    } catch (err) {
      toast.error(err, deactivating ? 'Could not deactivate the account' : 'Could not reactivate the account');
    } finally {
      setBusyId(null);
    }
  };

  const sendReset = async (u: AdminUser) => {
    setBusyId(u.id);
    try {
      await api.admin.sendPasswordReset(u.id);
      toast.show(isInvited(u) ? `The invitation was sent again to ${u.email ?? u.name}.` : `A password reset link was sent to ${u.email ?? u.name}.`, 'success');
    } catch (err) {
      toast.error(err, 'Could not send the e-mail');
    } finally {
      setBusyId(null);
    }
  };

  const columns: Column<AdminUser>[] = [
    {
      header: 'Name',
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
    { header: 'Email', cell: (u) => u.email },
    {
      header: 'Role',
      cell: (u) => (
        <SelectField
          className=""
          labelHidden
          id={`role-${u.id}`}
          label={`Role of ${u.name}`}
          value={u.role}
          choices={ROLES}
          disabled={u.id === me.id || busyId === u.id}
          onChange={(role) => propose(u, { role })}
          testId="user-role"
        />
      ),
    },
    {
      header: 'Department',
      cell: (u) => (
        <SelectField
          className=""
          labelHidden
          id={`dept-${u.id}`}
          label={`Department of ${u.name}`}
          value={u.department ?? ''}
          choices={departments}
          none="None"
          disabled={busyId === u.id}
          onChange={(department) => propose(u, { department: department || null })}
          testId="user-department"
        />
      ),
    },
    { header: 'Created', cell: (u) => formatDateTime(u.createdAt) },
    { header: 'Access', cell: (u) => accessActions(u), testId: 'ban-cell' },
  ];

  /** Ban, deactivate and e-mail buttons of one account. */
  function accessActions(u: AdminUser) {
    const self = u.id === me.id;
    const ban = banState(u);
    return (
      <span className="account-actions" data-ban={ban.kind}>
        {ban.kind === 'banned' && (
          <span className="status-badge status-banned" title={`Reason: ${ban.ban.reason}`} data-testid="ban-badge">
            banned{ban.ban.expiresAt ? ` until ${formatDateTime(ban.ban.expiresAt)}` : ''}
          </span>
        )}
        {ban.kind === 'banned' ? (
          <button type="button" className="button small" onClick={() => void unban(u)} data-testid="unban-button" aria-label={`Unban ${u.name}`}>
            Unban
          </button>
        ) : (
          <button type="button" className="button small danger" disabled={self} onClick={() => setBanning(u)} data-testid="ban-button" aria-label={`Ban ${u.name}`}>
            Ban…
          </button>
        )}
        <button
          type="button"
          className="button small"
          disabled={self || busyId === u.id}
          onClick={() => setToggling(u)}
          data-testid={u.deactivatedAt ? 'reactivate-button' : 'deactivate-button'}
          aria-label={`${u.deactivatedAt ? 'Reactivate' : 'Deactivate'} ${u.name}`}
        >
          {u.deactivatedAt ? 'Reactivate…' : 'Deactivate…'}
        </button>
        <button
          type="button"
          className="button small"
          disabled={busyId === u.id || Boolean(u.deactivatedAt)}
          title={u.deactivatedAt ? 'Reactivate the account first' : undefined}
          onClick={() => void sendReset(u)}
          data-testid="send-reset-button"
          aria-label={`${isInvited(u) ? 'Resend invitation to' : 'Send password reset to'} ${u.name}`}
        >
          {isInvited(u) ? 'Resend invitation' : 'Send password reset'}
        </button>
      </span>
    );
  }

  return (
    <section aria-labelledby="users-title">
      <header className="page-header">
        <h2 id="users-title">Users</h2>
        <span className="button-row">
          <button type="button" className="button" onClick={() => setCreating(true)} data-testid="create-user">
            Create user
          </button>
          <button type="button" className="button primary" onClick={() => setInviting(true)} data-testid="invite-user">
            Invite someone
          </button>
        </span>
      </header>
      <div className="field">
        <label htmlFor="users-q">Search</label>
        <input id="users-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Name or email" />
      </div>
      <DataTable
        caption="Users"
        columns={columns}
        rows={users}
        rowKey={(u) => u.id}
        rowProps={(u) => ({ 'data-testid': `user-row-${u.email ?? u.id}`, 'data-deactivated': Boolean(u.deactivatedAt) })}
        empty="No users match."
        loading={loading}
        paging={{ hasMore: list.hasMore, onMore: list.loadMore, label: 'Load more' }}
      />
      <CreateUserDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(u) => {
          setCreating(false);
          setUsers((us) => [u, ...us]);
          toast.show(`Created ${u.email ?? u.name}`, 'success');
        }}
      />
      <InviteDialog
        open={inviting}
        onClose={() => setInviting(false)}
        onInvited={(u) => {
          setInviting(false);
          setUsers((us) => [u, ...us.filter((x) => x.id !== u.id)]);
          toast.show(`Invitation sent to ${u.email ?? u.name}`, 'success');
        }}
      />
      <ConfirmDialog
        open={toggling !== null}
        title={toggling?.deactivatedAt ? `Reactivate ${toggling.name}?` : `Deactivate ${toggling?.name ?? ''}?`}
        message={
          toggling?.deactivatedAt ? (
            <p>They can sign in again with their password.</p>
          ) : (
            <p>They are signed out everywhere and cannot sign in until reactivated. Their messages stay, and their address stays reserved.</p>
          )
        }
        confirmLabel={toggling?.deactivatedAt ? 'Reactivate' : 'Deactivate'}
        danger={!toggling?.deactivatedAt}
        onConfirm={() => toggling && void setActive(toggling)}
        onCancel={() => setToggling(null)}
      />
      <ConfirmDialog
        open={proposed !== null}
        title={proposed?.title ?? ''}
        message={<p data-testid="change-consequence">{proposed?.consequence}</p>}
        confirmLabel={proposed?.confirmLabel ?? 'Change'}
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
