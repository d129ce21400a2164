import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import type { Invitation } from '../../types';
import { Link, navigate, useLocation } from '../../ui/router';
import { linkFailure, passwordProblem } from './messages';
import { NewPasswordFields } from './NewPasswordFields';
import { useSession } from './session';
import { t } from '../../i18n';
import { rich } from '../../i18n/rich';

/** `/invite?token=`: an admin's invitation; the invitee picks a password (and name) and is signed in. */
export function AcceptInvite() {
  const { search } = useLocation();
  const { signedIn } = useSession();
  const token = search.get('token') ?? '';
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [linkError, setLinkError] = useState<string | null>(token ? null : t('acceptInvite.thisLinkMissingItsToken'));
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [nameProblem, setNameProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!token) return undefined;
    let cancelled = false;
    api.auth
      .invitation(token)
      .then((inv) => {
        if (cancelled) return;
        setInvitation(inv);
        setName(inv.name);
      })
      .catch((err: unknown) => !cancelled && setLinkError(linkFailure(err, 'invitation')));
    return () => {
      cancelled = true;
    };
  }, [token]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!invitation) return;
    const weak = passwordProblem(password, confirm);
    setProblem(weak);
    setNameProblem(name.trim() ? null : t('acceptInvite.tellUsYourName'));
    if (weak || !name.trim()) return;
    setBusy(true);
    try {
      const changed = name.trim() !== invitation.name ? name.trim() : undefined;
      const { user, token: session } = await api.auth.acceptInvite(token, password, changed);
      signedIn(user, session);
      navigate('/', { replace: true });
    } catch (err) {
      const field = err instanceof ApiError ? err : null;
      if (field?.fieldProblem('password')) setProblem(`The password ${field.fieldProblem('password')}.`);
      else if (field?.fieldProblem('name')) setNameProblem(`The name ${field.fieldProblem('name')}.`);
      else setLinkError(linkFailure(err, 'invitation'));
      setBusy(false);
    }
  };

  if (linkError) {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card">
          <h1>{t('acceptInvite.thisInvitationDidNotWork')}</h1>
          <p role="alert" data-testid="link-error">
            {linkError}
          </p>
          <p>{t('acceptInvite.askAdministratorWhoInvitedYou')}</p>
          <p className="auth-links">
            <Link to="/signin">{t('common.goSign')}</Link>
          </p>
        </div>
      </main>
    );
  }

  if (!invitation) {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card" aria-busy="true">
          <p role="status">{t('acceptInvite.openingYourInvitation')}</p>
        </div>
      </main>
    );
  }

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>{t('acceptInvite.welcomeSwitchboard')}</h1>
        <p data-testid="invite-greeting">
          {rich('acceptInvite.youWereInvitedAs', { email: <strong>{invitation.email}</strong> })}
        </p>
        <form onSubmit={submit} noValidate>
          <label htmlFor="invite-name">{t('acceptInvite.yourName')}</label>
          <input id="invite-name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} data-testid="invite-name" />
          {nameProblem && <p className="field-error">{nameProblem}</p>}
          <NewPasswordFields
            idPrefix="invite"
            label={t('common.password')}
            password={password}
            confirm={confirm}
            onPassword={setPassword}
            onConfirm={setConfirm}
            problem={problem}
          />
          <button type="submit" className="button primary wide" disabled={busy} data-testid="invite-submit">
            {busy ? t('common.joining') : t('acceptInvite.joinSign')}
          </button>
        </form>
      </div>
    </main>
  );
}
