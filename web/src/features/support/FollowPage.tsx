import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../api';
import { Link, navigate, useLocation } from '../../ui/router';
import { useSession } from '../auth/session';
import { t } from '../../i18n';

/** Exchanges a follow token for a customer session, then opens the ticket. */
export function FollowPage() {
  const { search } = useLocation();
  const { signedIn } = useSession();
  const token = search.get('token') ?? '';
  const [error, setError] = useState<string | null>(token ? null : t('acceptInvite.thisLinkMissingItsToken'));
  const started = useRef(false);

  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    api.auth
      .link(token)
      .then(({ user, token: session, ticketId }) => {
        // The session may use this ticket only (as `/auth/me` says in `ticketScope`).
        signedIn({ ...user, ticketScope: ticketId }, session);
        navigate(`/tickets/${ticketId}`, { replace: true });
      })
      .catch((err: unknown) => {
        // The page says what went wrong; no toast on top of it.
        setError(err instanceof ApiError && err.status !== 0 ? err.message : t('followPage.couldNotOpenYourTicket'));
      });
  }, [token, signedIn]);

  return (
    <main className="auth-page" id="main">
      <div className="auth-card" aria-busy={!error}>
        {error ? (
          <>
            <h1>{t('common.thisLinkDidNotWork')}</h1>
            <p role="alert">{error}</p>
            <p>
              <Link to="/support">{t('common.openNewRequest')}</Link>
            </p>
          </>
        ) : (
          <p role="status">{t('followPage.openingYourTicket')}</p>
        )}
      </div>
    </main>
  );
}
