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

/** Who an account is for: what creating one and inviting someone both ask. */
interface Person {
  email: string;
  name: string;
  role: Role;
  department: string;
}

const NOBODY: Person = { email: '', name: '', role: 'staff', department: '' };

/**
 * The state of a dialog that makes an account for a person: the fields, whether it is
 * sending, and the server's refusal. `send` gets the trimmed fields; once it succeeds the
 * address and name are cleared (role and department stay, for the next one).
 */
function usePersonForm(failed: string, send: (person: Person) => Promise<void>) {
  const [person, setPerson] = useState<Person>(NOBODY);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await send({ ...person, email: person.email.trim(), name: person.name.trim() });
      setPerson((p) => ({ ...p, email: '', name: '' }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: failed }));
    } finally {
      setBusy(false);
    }
  };

  return { person, setPerson, error, busy, submit, filled: person.email.trim() !== '' && person.name.trim() !== '' };
}

/** The address, name, role and department fields, with the server's word on each. */
function PersonFields({ id, person, onChange, error }: { id: string; person: Person; onChange: (p: Person) => void; error: ApiError | null }) {
  const { departments } = useSession();
  const problem = (field: string) => {
    const text = error?.fieldProblem(field);
    return text ? <p className="field-error">{text}</p> : null;
  };
  return (
    <>
      <label htmlFor={`${id}-email`}>{t('common.email')}</label>
      <input id={`${id}-email`} type="email" required value={person.email} onChange={(e) => onChange({ ...person, email: e.target.value })} data-testid={`${id}-email`} />
      {problem('email')}
      <label htmlFor={`${id}-name`}>{t('common.name')}</label>
      <input id={`${id}-name`} required value={person.name} onChange={(e) => onChange({ ...person, name: e.target.value })} data-testid={`${id}-name`} />
      {problem('name')}
      <SelectField className="stack" id={`${id}-role`} label={t('usersAdmin.role')} value={person.role} choices={roleChoices()} onChange={(role) => onChange({ ...person, role })} testId={`${id}-role`} />
      <SelectField
        className="stack"
        id={`${id}-department`}
        label={t('common.department')}
        value={person.department}
        choices={departments}
        none={t('common.none')}
        onChange={(department) => onChange({ ...person, department })}
        testId={`${id}-department`}
      />
    </>
  );
}

/** The refusal under the form: a pointer to the fields when they carry it, else its message. */
function FormError({ error, testId }: { error: ApiError | null; testId: string }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert" data-testid={testId}>
      {error.code === 'VALIDATION' ? t('common.pleaseCheckFieldsMarkedAbove') : error.message}
    </p>
  );
}

/** The person's fields as the API takes them (no department: none). */
function account(person: Person) {
  return { email: person.email, name: person.name, role: person.role, ...(person.department ? { department: person.department } : {}) };
}

export function CreateUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (u: AdminUser) => void }) {
  const [password, setPassword] = useState('');
  const form = usePersonForm(t('usersAdmin.couldNotCreateUser'), async (person) => {
    const user = await api.admin.createUser({ ...account(person), ...(password ? { password } : {}) });
    onCreated(createdRow(user, password.length > 0));
    setPassword('');
  });

  return (
    <Dialog open={open} title={t('usersAdmin.createUser')} onClose={onClose} testId="create-user-dialog">
      <form className="stack" onSubmit={form.submit} noValidate>
        <PersonFields id="create-user" person={form.person} onChange={form.setPerson} error={form.error} />
        <label htmlFor="create-user-password">{t('usersAdmin.initialPasswordOptional')}</label>
        <input id="create-user-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="create-user-password" />
        {form.error?.fieldProblem('password') && <p className="field-error">{form.error.fieldProblem('password')}</p>}
        <FormError error={form.error} testId="create-user-error" />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={form.busy || !form.filled} data-testid="create-user-submit">
            {t('usersAdmin.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function InviteDialog({ open, onClose, onInvited }: { open: boolean; onClose: () => void; onInvited: (u: AdminUser) => void }) {
  const form = usePersonForm(t('usersAdmin.couldNotSendInvitation'), async (person) => {
    onInvited(await api.admin.invite(account(person)));
  });

  return (
    <Dialog open={open} title={t('usersAdmin.inviteSomeone')} onClose={onClose} testId="invite-dialog">
      <form className="stack" onSubmit={form.submit} noValidate>
        <p className="muted">{t('usersAdmin.theyGetEMailWith')}</p>
        <PersonFields id="invite" person={form.person} onChange={form.setPerson} error={form.error} />
        <FormError error={form.error} testId="invite-error" />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={form.busy || !form.filled} data-testid="invite-submit">
            {form.busy ? t('common.sending') : t('usersAdmin.sendInvitation')}
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
