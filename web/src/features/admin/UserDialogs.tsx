// The users screen's dialogs: create an account, invite someone, ban someone.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { t } from '../../i18n';
import { roleChoices } from '../../i18n/labels';
import type { AdminUser, Role } from '../../types';
import { Dialog } from '../../ui/Dialog';
import { SelectField } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';
import { useSession } from '../auth/session';
import { createdRow } from './accounts';
import { localInputToIso } from './bans';

export function CreateUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (u: AdminUser) => void }) {
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
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: t('usersAdmin.couldNotCreateUser') }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title={t('usersAdmin.createUser')} onClose={onClose} testId="create-user-dialog">
      <form className="stack" onSubmit={submit}>
        <label htmlFor="cu-email">{t('common.email')}</label>
        <input id="cu-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="create-user-email" />
        {error?.fieldProblem('email') && <p className="field-error">{error.fieldProblem('email')}</p>}
        <label htmlFor="cu-name">{t('common.name')}</label>
        <input id="cu-name" required value={name} onChange={(e) => setName(e.target.value)} data-testid="create-user-name" />
        <SelectField className="stack" id="cu-role" label={t('usersAdmin.role')} value={role} choices={roleChoices()} onChange={setRole} />
        <SelectField className="stack" id="cu-department" label={t('common.department')} value={department} choices={departments} none={t('common.none')} onChange={setDepartment} />
        <label htmlFor="cu-password">{t('usersAdmin.initialPasswordOptional')}</label>
        <input id="cu-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        {error && (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy} data-testid="create-user-submit">
            {t('usersAdmin.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function InviteDialog({ open, onClose, onInvited }: { open: boolean; onClose: () => void; onInvited: (u: AdminUser) => void }) {
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
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: t('usersAdmin.couldNotSendInvitation') }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title={t('usersAdmin.inviteSomeone')} onClose={onClose} testId="invite-dialog">
      <form className="stack" onSubmit={submit} noValidate>
        <p className="muted">{t('usersAdmin.theyGetEMailWith')}</p>
        <label htmlFor="inv-email">{t('common.email')}</label>
        <input id="inv-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="invite-email" />
        {error?.fieldProblem('email') && <p className="field-error">{error.fieldProblem('email')}</p>}
        <label htmlFor="inv-name">{t('common.name')}</label>
        <input id="inv-name" required value={name} onChange={(e) => setName(e.target.value)} data-testid="invite-name" />
        {error?.fieldProblem('name') && <p className="field-error">{error.fieldProblem('name')}</p>}
        <SelectField className="stack" id="inv-role" label={t('usersAdmin.role')} value={role} choices={roleChoices()} onChange={setRole} testId="invite-role" />
        <SelectField
          className="stack"
          id="inv-department"
          label={t('common.department')}
          value={department}
          choices={departments}
          none={t('common.none')}
          onChange={setDepartment}
          testId="invite-department"
        />
        {error && (
          <p className="form-error" role="alert" data-testid="invite-error">
            {error.code === 'VALIDATION' ? t('common.pleaseCheckFieldsMarkedAbove') : error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy || !email.trim() || !name.trim()} data-testid="invite-submit">
            {busy ? t('common.sending') : t('usersAdmin.sendInvitation')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function BanDialog({ user, onClose, onBanned }: { user: AdminUser | null; onClose: () => void; onBanned: (u: AdminUser) => void }) {
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
      toast.show(t('usersAdmin.nameBannedTheirSessionsWere', { name: user.name }), 'success');
      setReason('');
      setExpires('');
    } catch (err) {
      toast.error(err, t('usersAdmin.couldNotBanUser'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={user !== null} title={user ? t('usersAdmin.banName', { name: user.name }) : t('usersAdmin.ban')} onClose={onClose} testId="ban-dialog">
      <form className="stack" onSubmit={submit}>
        <p>{t('usersAdmin.banningSignsThemOutEverywhere')}</p>
        <label htmlFor="ban-reason">{t('usersAdmin.reason')}</label>
        <textarea id="ban-reason" required rows={2} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="ban-reason" />
        <label htmlFor="ban-expires">{t('usersAdmin.endsOptionalEmptyPermanent')}</label>
        <input id="ban-expires" type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} data-testid="ban-expires" />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button danger" disabled={busy || !reason.trim()} data-testid="ban-confirm">
            {t('usersAdmin.banUser')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
