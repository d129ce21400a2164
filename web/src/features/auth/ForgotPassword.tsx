import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Link } from '../../ui/router';

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
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'NETWORK', message: 'Could not reach the server. Check your connection.' }));
    } finally {
      setBusy(false);
    }
  };

  if (sentTo) {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card" data-testid="forgot-done">
          <h1>Check your e-mail</h1>
          <p role="status">
            If an account exists for <strong>{sentTo}</strong>, we sent it a link to choose a new password. The link works once,
            for 30 minutes.
          </p>
          <p className="auth-links">
            <Link to="/signin">Back to sign in</Link>
          </p>
        </div>
      </main>
    );
  }

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>Reset your password</h1>
        <p className="muted">Enter the address you sign in with. We will e-mail you a link to choose a new password.</p>
        <form onSubmit={submit} noValidate>
          <label htmlFor="forgot-email">Email</label>
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
            {busy ? 'Sending…' : 'Send me a link'}
          </button>
        </form>
        <p className="auth-links">
          <Link to="/signin">Back to sign in</Link>
        </p>
      </div>
    </main>
  );
}
