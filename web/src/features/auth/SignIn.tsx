import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Link, navigate, useLocation } from '../../ui/router';
import { signInFailure, type SignInFailure } from './messages';
import { ResendVerification } from './ResendVerification';
import { useSession } from './session';

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
        <h1>Sign in to Switchboard</h1>
        {notice && (
          <p className="notice" role="alert" data-testid="signin-notice">
            {notice}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <label htmlFor="signin-email">Email</label>
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
          <label htmlFor="signin-password">Password</label>
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
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        {error?.kind === 'unverified' && <ResendVerification email={email} label="Send the confirmation link again" />}
        <p className="auth-links">
          <Link to="/forgot-password" data-testid="forgot-password-link">
            Forgot your password?
          </Link>
        </p>
        {config.demoAccounts.length > 0 && (
          <section className="demo-accounts" aria-labelledby="demo-heading">
            <h2 id="demo-heading">Demo accounts</h2>
            <p className="muted">Pick one to fill the form, then sign in.</p>
            <ul>
              {config.demoAccounts.map((a) => (
                <li key={a.email}>
                  <button
                    type="button"
                    className="button demo-account"
                    onClick={() => fill(a.email, a.password)}
                    data-testid={`demo-${a.role}`}
                  >
                    <span className="visually-hidden">Use demo account </span>
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
              New here? <Link to="/register">Create an account</Link>
              {' · '}
            </>
          )}
          Need help? <Link to="/support">Contact support</Link>
        </p>
      </div>
    </main>
  );
}
