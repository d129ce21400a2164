import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Link } from '../../ui/router';
import { MIN_PASSWORD, passwordProblem } from './messages';
import { ResendVerification } from './ResendVerification';
import { useSession } from './session';
import { t } from '../../i18n';
import { rich } from '../../i18n/rich';

/** After registering: no session until the address is confirmed through the mailed link. */
function CheckYourEmail({ email }: { email: string }) {
  return (
    <main className="auth-page" id="main">
      <div className="auth-card" data-testid="register-done">
        <h1>{t('common.checkYourEMail')}</h1>
        <p role="status">
          {rich('register.weSentLink', { email: <strong>{email}</strong> })}
        </p>
        <p className="muted small">{t('register.noEMailAfterFew')}</p>
        <ResendVerification email={email} />
        <p className="auth-links">
          <Link to="/signin">{t('common.backSign')}</Link>
        </p>
      </div>
    </main>
  );
}

export function Register() {
  const { config } = useSession();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const domain = config.registrationMode.startsWith('domain:') ? config.registrationMode.slice('domain:'.length) : null;

  if (config.registrationMode === 'closed') {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card">
          <h1>{t('register.registrationClosed')}</h1>
          <p>{t('register.askAdministratorAccount')}</p>
          <Link to="/signin">{t('common.backSign')}</Link>
        </div>
      </main>
    );
  }

  if (sentTo) return <CheckYourEmail email={sentTo} />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const weak = passwordProblem(password);
    if (weak) {
      setError(new ApiError({ status: 422, code: 'VALIDATION', message: t('common.pleaseCheckFieldsMarkedAbove'), details: [{ field: 'password', problem: weak }] }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await api.auth.register(email.trim(), name.trim(), password);
      setSentTo(result.email || email.trim());
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'NETWORK', message: t('register.couldNotRegister') }));
    } finally {
      setBusy(false);
    }
  };

  const problem = (field: string) => error?.fieldProblem(field);

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>{t('register.createYourAccount')}</h1>
        {domain && <p className="muted">{t('register.useYourAddress', { domain })}</p>}
        <form onSubmit={submit} noValidate>
          <label htmlFor="reg-name">{t('common.name')}</label>
          <input id="reg-name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} data-testid="register-name" autoFocus />
          {problem('name') && <p className="field-error">{problem('name')}</p>}
          <label htmlFor="reg-email">{t('common.email')}</label>
          <input id="reg-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="register-email" />
          {problem('email') && <p className="field-error">{problem('email')}</p>}
          <label htmlFor="reg-password">{t('common.password')}</label>
          <input
            id="reg-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            aria-describedby="reg-password-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="register-password"
          />
          <p className="muted small" id="reg-password-hint">
            {t('common.atLeastCharacters', { count: MIN_PASSWORD })}
          </p>
          {problem('password') && <p className="field-error">{problem('password')}</p>}
          {error && (
            <p className="form-error" role="alert">
              {error.message}
            </p>
          )}
          <button type="submit" className="button primary wide" disabled={busy} data-testid="register-submit">
            {busy ? t('common.creating') : t('register.createAccount')}
          </button>
        </form>
        <p className="auth-links">
          {t('register.alreadyHaveAccount')}{' '}<Link to="/signin">{t('common.sign')}</Link>
        </p>
      </div>
    </main>
  );
}
