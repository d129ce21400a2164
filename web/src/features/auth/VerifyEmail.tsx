import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../api';
import { Link, navigate, useLocation } from '../../ui/router';
import { linkFailure } from './messages';
import { ResendVerification } from './ResendVerification';
import { useSession } from './session';
import { t } from '../../i18n';

/** `/verify-email?token=`: confirms the address from the mailed link and signs in. */
export function VerifyEmail() {
  const { search } = useLocation();
  const { signedIn } = useSession();
  const token = search.get('token') ?? '';
  const [error, setError] = useState<{ message: string; expired: boolean } | null>(
    token ? null : { message: t('acceptInvite.thisLinkMissingItsToken'), expired: true },
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
        setError({ message: linkFailure(err, t('verifyEmail.confirmationLink')), expired });
      });
  }, [token, signedIn]);

  if (!error) {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card" aria-busy="true">
          <p role="status">{t('verifyEmail.confirmingYourAddress')}</p>
        </div>
      </main>
    );
  }

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>{t('verifyEmail.weCouldNotConfirmYour')}</h1>
        <p role="alert" data-testid="link-error">
          {error.message}
        </p>
        {error.expired && (
          <>
            <p>{t('verifyEmail.enterYourAddressGetNew')}</p>
            <label htmlFor="verify-email">{t('common.email')}</label>
            <input
              id="verify-email"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              data-testid="verify-resend-email"
            />
            <ResendVerification email={email} label={t('common.sendMeNewLink')} />
          </>
        )}
        <p className="auth-links">
          <Link to="/signin">{t('common.goSign')}</Link>
        </p>
      </div>
    </main>
  );
}
