import { useState } from 'react';
import { api, ApiError } from '../../api';
import { t } from '../../i18n';

/**
 * "Send it again": asks for another confirmation link for `email`. The server answers the same
 * whether or not the address waits for one, so the page does too.
 */
export function ResendVerification({ email, label = t('resendVerification.sendAgain') }: { email: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);

  const resend = async () => {
    setState('sending');
    setError(null);
    try {
      await api.auth.resendVerification(email.trim());
      setState('sent');
    } catch (err) {
      setState('idle');
      setError(err instanceof ApiError && err.status !== 0 ? err.message : t('resendVerification.couldNotSendLinkCheck'));
    }
  };

  return (
    <div className="resend">
      <button type="button" className="button" onClick={() => void resend()} disabled={state === 'sending' || !email.trim()} data-testid="resend-verification">
        {state === 'sending' ? t('common.sending') : label}
      </button>
      {state === 'sent' && (
        <p className="muted small" role="status" data-testid="resend-done">
          {t('resendVerification.weSentNewLinkTo', { email: email.trim() })}
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
