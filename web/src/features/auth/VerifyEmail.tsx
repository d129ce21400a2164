import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../api';
import { Link, navigate, useLocation } from '../../ui/router';
import { linkFailure } from './messages';
import { ResendVerification } from './ResendVerification';
import { useSession } from './session';

/** `/verify-email?token=`: confirms the address from the mailed link and signs in. */
export function VerifyEmail() {
  const { search } = useLocation();
  const { signedIn } = useSession();
  const token = search.get('token') ?? '';
  const [error, setError] = useState<{ message: string; expired: boolean } | null>(
    token ? null : { message: 'This link is missing its token.', expired: true },
  );
  const [email, setEmail] = useState('');
  const started = useRef(false);

  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    api.auth
      .verify(token)
      .then(({ user, token: session }) => {
        signedIn(user, session);
        navigate('/', { replace: true });
      })
      .catch((err: unknown) => {
        const expired = err instanceof ApiError && err.code === 'TOKEN_INVALID';
        setError({ message: linkFailure(err, 'confirmation link'), expired });
      });
  }, [token, signedIn]);

  if (!error) {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card" aria-busy="true">
          <p role="status">Confirming your address…</p>
        </div>
      </main>
    );
  }

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>We could not confirm your address</h1>
        <p role="alert" data-testid="link-error">
          {error.message}
        </p>
        {error.expired && (
          <>
            <p>Enter your address to get a new link (an address that is already confirmed can simply sign in).</p>
            <label htmlFor="verify-email">Email</label>
            <input
              id="verify-email"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              data-testid="verify-resend-email"
            />
            <ResendVerification email={email} label="Send me a new link" />
          </>
        )}
        <p className="auth-links">
          <Link to="/signin">Go to sign in</Link>
        </p>
      </div>
    </main>
  );
}
