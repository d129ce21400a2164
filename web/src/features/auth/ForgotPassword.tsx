import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Link } from '../../ui/router';
import { t } from '../../i18n';
import { rich } from '../../i18n/rich';

/** "Forgot your password?": mails a reset link. The answer never says whether the address has an account. */
export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.auth.forgotPassword(email.trim());
      setSentTo(email.trim());
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'NETWORK', message: t('forgotPassword.couldNotReachServerCheck') }));
    } finally {
      setBusy(false);
    }
  };

  if (sentTo) {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card" data-testid="forgot-done">
          <h1>{t('common.checkYourEMail')}</h1>
          <p role="status">
            {rich('forgotPassword.ifAccountExists', { email: <strong>{sentTo}</strong> })}
          </p>
          <p className="auth-links">
            <Link to="/signin">{t('common.backSign')}</Link>
          </p>
        </div>
      </main>
    );
  }

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>{t('forgotPassword.resetYourPassword')}</h1>
        <p className="muted">{t('forgotPassword.enterAddressYouSignWith')}</p>
        <form onSubmit={submit} noValidate>
          <label htmlFor="forgot-email">{t('common.email')}</label>
          <input
            id="forgot-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="forgot-email"
            autoFocus
          />
          {error?.fieldProblem('email') && <p className="field-error">{error.fieldProblem('email')}</p>}
          {error && !error.fieldProblem('email') && (
            <p className="form-error" role="alert">
              {error.message}
            </p>
          )}
          <button type="submit" className="button primary wide" disabled={busy || !email.trim()} data-testid="forgot-submit">
            {busy ? t('common.sending') : t('forgotPassword.sendMeLink')}
          </button>
        </form>
        <p className="auth-links">
          <Link to="/signin">{t('common.backSign')}</Link>
        </p>
      </div>
    </main>
  );
}
