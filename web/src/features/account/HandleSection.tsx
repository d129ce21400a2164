import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { useSession, useUser } from '../auth/session';
import { t } from '../../i18n';
import { rich } from '../../i18n/rich';

function handleError(err: unknown): string {
  if (!(err instanceof ApiError)) return t('handleSection.couldNotChangeYourHandle');
  if (err.code === 'HANDLE_TAKEN') return t('handleSection.someoneElseHasThatHandle');
  const problem = err.fieldProblem('handle');
  if (err.code === 'VALIDATION' && problem) return t('handleSection.thatHandleProblem', { problem });
  return err.message;
}

/** My `@handle`: what others type to mention me, with a way to change it. */
export function HandleSection() {
  const me = useUser();
  const { updateUser } = useSession();
  const [value, setValue] = useState(me.handle ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      const user = await api.account.setHandle(value.trim().replace(/^@/, '').toLowerCase());
      updateUser({ ...me, handle: user.handle });
      setValue(user.handle ?? '');
      setSaved(true);
    } catch (err) {
      setError(handleError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="account-section" aria-labelledby="handle-title">
      <h2 id="handle-title">{t('handleSection.handle')}</h2>
      <p className="muted small">
        {rich('handleSection.othersMentionYouWith', { handle: <strong data-testid="account-handle">@{me.handle}</strong> })}
      </p>
      <form className="stack narrow-form" onSubmit={submit} noValidate>
        <label htmlFor="account-handle-input">{t('handleSection.newHandle')}</label>
        <input
          id="account-handle-input"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          autoComplete="username"
          spellCheck={false}
          aria-invalid={error !== null}
          aria-describedby={error ? 'account-handle-error' : undefined}
          data-testid="account-handle-input"
        />
        {error && (
          <p id="account-handle-error" className="field-error" role="alert" data-testid="account-handle-error">
            {error}
          </p>
        )}
        <div className="button-row">
          <button type="submit" className="button primary" disabled={busy || !value.trim() || value.trim() === me.handle} data-testid="account-handle-save">
            {busy ? t('common.saving') : t('handleSection.changeHandle')}
          </button>
        </div>
        {saved && (
          <p className="success-text" role="status">
            {t('handleSection.yourHandleNow', { handle: me.handle })}
          </p>
        )}
      </form>
    </section>
  );
}
