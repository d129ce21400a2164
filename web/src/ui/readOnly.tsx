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
 * A button that performs a write. For read-only accounts it is disabled with a tooltip; the
 * wrapper carries the title because disabled buttons get no pointer events in some browsers.
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
    <span className="readonly-wrap" title={READ_ONLY_HINT}>
      <button type={type ?? 'button'} disabled aria-disabled="true" aria-description={READ_ONLY_HINT} data-readonly="true" {...rest}>
        {children}
      </button>
    </span>
  );
}
