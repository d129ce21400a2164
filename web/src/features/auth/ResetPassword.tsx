import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Link, navigate, useLocation } from '../../ui/router';
import { linkFailure, passwordProblem } from './messages';
import { NewPasswordFields } from './NewPasswordFields';
import { useSession } from './session';
import { t } from '../../i18n';

/** `/reset-password?token=`: choose a new password from the mailed link; signs in (and out everywhere else). */
export function ResetPassword() {
  const { search } = useLocation();
  const { signedIn } = useSession();
  const token = search.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [linkError, setLinkError] = useState<string | null>(token ? null : t('acceptInvite.thisLinkMissingItsToken'));
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const weak = passwordProblem(password, confirm);
    setProblem(weak);
    if (weak) return;
    setBusy(true);
    try {
      const { user, token: session } = await api.auth.resetPassword(token, password);
      signedIn(user, session);
      navigate('/', { replace: true });
    } catch (err) {
      const field = err instanceof ApiError ? err.fieldProblem('password') : undefined;
      if (field) setProblem(t('resetPassword.thePasswordField', { field }));
      else setLinkError(linkFailure(err, t('resetPassword.resetLink')));
      setBusy(false);
    }
  };

  if (linkError) {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card">
          <h1>{t('common.thisLinkDidNotWork')}</h1>
          <p role="alert" data-testid="link-error">
            {linkError}
          </p>
          <p>
            <Link to="/forgot-password" className="button primary">
              {t('common.sendMeNewLink')}
            </Link>
          </p>
        </div>
      </main>
    );
  }

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>{t('resetPassword.chooseNewPassword')}</h1>
        <p className="muted">{t('resetPassword.everyOtherSessionYourAccount')}</p>
        <form onSubmit={submit} noValidate>
          <NewPasswordFields idPrefix="reset" password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} problem={problem} />
          <button type="submit" className="button primary wide" disabled={busy} data-testid="reset-submit">
            {busy ? t('common.saving') : t('resetPassword.saveSign')}
          </button>
        </form>
      </div>
    </main>
  );
}
