import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Link, navigate } from '../../ui/router';
import { useSession } from './session';

export function Register() {
  const { config, signedIn } = useSession();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const domain = config.registrationMode.startsWith('domain:') ? config.registrationMode.slice('domain:'.length) : null;

  if (config.registrationMode === 'closed') {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card">
          <h1>Registration is closed</h1>
          <p>Ask an administrator for an account.</p>
          <Link to="/signin">Back to sign in</Link>
        </div>
      </main>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user, token } = await api.auth.register(email.trim(), name.trim(), password);
      signedIn(user, token);
      navigate('/', { replace: true });
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'NETWORK', message: 'Could not register.' }));
    } finally {
      setBusy(false);
    }
  };

  const problem = (field: string) => error?.fieldProblem(field);

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>Create your account</h1>
        {domain && <p className="muted">Use your @{domain} address.</p>}
        <form onSubmit={submit} noValidate>
          <label htmlFor="reg-name">Name</label>
          <input id="reg-name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} data-testid="register-name" autoFocus />
          {problem('name') && <p className="field-error">{problem('name')}</p>}
          <label htmlFor="reg-email">Email</label>
          <input id="reg-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="register-email" />
          {problem('email') && <p className="field-error">{problem('email')}</p>}
          <label htmlFor="reg-password">Password</label>
          <input
            id="reg-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="register-password"
          />
          {problem('password') && <p className="field-error">{problem('password')}</p>}
          {error && (
            <p className="form-error" role="alert">
              {error.message}
            </p>
          )}
          <button type="submit" className="button primary wide" disabled={busy} data-testid="register-submit">
            {busy ? 'Creating…' : 'Create account'}
          </button>
        </form>
        <p className="auth-links">
          Already have an account? <Link to="/signin">Sign in</Link>
        </p>
      </div>
    </main>
  );
}
