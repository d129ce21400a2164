import { createContext, useContext, type ButtonHTMLAttributes, type ReactNode, type Ref } from 'react';

/** True for observers: every write control is disabled and says why. */
const ReadOnlyContext = createContext(false);

export const READ_ONLY_HINT = 'Read-only account: you can look, not change';

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
    <span className="readonly-wrap" data-hint={READ_ONLY_HINT}>
      <button
        type={type ?? 'button'}
        {...rest}
        aria-disabled="true"
        aria-description={READ_ONLY_HINT}
        data-readonly="true"
        onClick={(e) => e.preventDefault()}
      >
        {children}
      </button>
    </span>
  );
}
