import { MIN_PASSWORD } from './messages';
import { t } from '../../i18n';

interface Props {
  idPrefix: string;
  password: string;
  confirm: string;
  onPassword: (value: string) => void;
  onConfirm: (value: string) => void;
  /** The problem to show under the fields (client check or the server's). */
  problem: string | null;
  label?: string;
}

/** A new password typed twice, with the length rule stated up front. */
export function NewPasswordFields({ idPrefix, password, confirm, onPassword, onConfirm, problem, label = t('newPasswordFields.newPassword') }: Props) {
  return (
    <>
      <label htmlFor={`${idPrefix}-password`}>{label}</label>
      <input
        id={`${idPrefix}-password`}
        type="password"
        autoComplete="new-password"
        required
        minLength={MIN_PASSWORD}
        value={password}
        onChange={(e) => onPassword(e.target.value)}
        aria-describedby={`${idPrefix}-password-hint`}
        data-testid={`${idPrefix}-password`}
      />
      <p className="muted small" id={`${idPrefix}-password-hint`}>
        {t('common.atLeastCharacters', { count: MIN_PASSWORD })}
      </p>
      <label htmlFor={`${idPrefix}-confirm`}>{t('newPasswordFields.typeAgain')}</label>
      <input
        id={`${idPrefix}-confirm`}
        type="password"
        autoComplete="new-password"
        required
        value={confirm}
        onChange={(e) => onConfirm(e.target.value)}
        data-testid={`${idPrefix}-confirm`}
      />
      {problem && (
        <p className="field-error" role="alert" data-testid={`${idPrefix}-problem`}>
          {problem}
        </p>
      )}
    </>
  );
}
