import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Link, navigate, useLocation } from '../../ui/router';
import { signInFailure, type SignInFailure } from './messages';
import { ResendVerification } from './ResendVerification';
import { useSession } from './session';
import { t } from '../../i18n';

export function SignIn() {
  const { config, notice, signedIn } = useSession();
  const { search } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SignInFailure | null>(null);
  const canRegister = config.registrationMode !== 'closed';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user, token } = await api.auth.login(email.trim(), password);
      signedIn(user, token);
      const next = search.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (err) {
      setError(signInFailure(err));
    } finally {
      setBusy(false);
    }
  };

  const fill = (demoEmail: string, demoPassword: string) => {
    setEmail(demoEmail);
    setPassword(demoPassword);
    setError(null);
    document.getElementById('signin-submit')?.focus();
  };

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>{t('signIn.signSwitchboard')}</h1>
        {notice && (
          <p className="notice" role="alert" data-testid="signin-notice">
            {notice}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <label htmlFor="signin-email">{t('common.email')}</label>
          <input
            id="signin-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="signin-email"
            autoFocus
          />
          <label htmlFor="signin-password">{t('common.password')}</label>
          <input
            id="signin-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="signin-password"
          />
          {error && (
            <p className="form-error" role="alert" data-testid="signin-error" data-kind={error.kind}>
              {error.message}
            </p>
          )}
          <button id="signin-submit" type="submit" className="button primary wide" disabled={busy} data-testid="signin-submit">
            {busy ? t('signIn.signing') : t('common.sign')}
          </button>
        </form>
        {error?.kind === 'unverified' && <ResendVerification email={email} label={t('signIn.sendConfirmationLinkAgain')} />}
        <p className="auth-links">
          <Link to="/forgot-password" data-testid="forgot-password-link">
            {t('signIn.forgotYourPassword')}
          </Link>
        </p>
        {config.demoAccounts.length > 0 && (
          <section className="demo-accounts" aria-labelledby="demo-heading">
            <h2 id="demo-heading">{t('signIn.demoAccounts')}</h2>
            <p className="muted">{t('signIn.pickOneFillFormThen')}</p>
            <ul>
              {config.demoAccounts.map((a) => (
                <li key={a.email}>
                  <button
                    type="button"
                    className="button demo-account"
                    onClick={() => fill(a.email, a.password)}
                    data-testid={`demo-${a.role}`}
                  >
                    <span className="visually-hidden">{t('signIn.useDemoAccount')}{' '}</span>
                    <span className="demo-name">{a.name}</span>
                    <span className={`role-badge role-${a.role}`}>{a.role}</span>
                    <span className="muted demo-email">{a.email}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        <p className="auth-links">
          {canRegister && (
            <>
              {t('signIn.newHere')}{' '}<Link to="/register">{t('signIn.createAccount')}</Link>
              {' · '}
            </>
          )}
          {t('signIn.needHelp')}{' '}<Link to="/support">{t('common.contactSupport')}</Link>
        </p>
      </div>
    </main>
  );
}
