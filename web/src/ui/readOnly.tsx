import { createContext, useContext, type ButtonHTMLAttributes, type ReactNode, type Ref } from 'react';
import { t } from '../i18n';

/** True for observers: every write control is disabled and says why. */
const ReadOnlyContext = createContext(false);

/** Why a read-only account's controls do nothing. */
export const readOnlyHint = () => t('readOnly.hint');

export function ReadOnlyProvider({ value, children }: { value: boolean; children: ReactNode }) {
  return <ReadOnlyContext.Provider value={value}>{children}</ReadOnlyContext.Provider>;
}

export function useReadOnly(): boolean {
  return useContext(ReadOnlyContext);
}

type WriteButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { ref?: Ref<HTMLButtonElement> };

/**
 * A button that performs a write. For read-only accounts it stays focusable but does nothing
 * (`aria-disabled`), and says why on hover and on focus (a disabled button could do neither:
 * it gets no focus and, in some browsers, no pointer events).
 */
export function WriteButton({ disabled, title, children, type, ...rest }: WriteButtonProps) {
  const readOnly = useReadOnly();
  if (!readOnly) {
    return (
      <button type={type ?? 'button'} disabled={disabled} title={title} {...rest}>
        {children}
      </button>
    );
  }
  return (
    <span className="readonly-wrap" data-hint={readOnlyHint()}>
      <button
        type={type ?? 'button'}
        {...rest}
        aria-disabled="true"
        aria-description={readOnlyHint()}
        data-readonly="true"
        onClick={(e) => e.preventDefault()}
      >
        {children}
      </button>
    </span>
  );
}
