import { useId, type ReactNode } from 'react';

/** A choice with its own label; a plain string is its own label (a department, a status). */
export interface Choice<V extends string = string> {
  value: V;
  label: string;
}

interface Props<V extends string> {
  label: string;
  value: V;
  choices: readonly (NoInfer<V> | Choice<NoInfer<V>>)[];
  /** Called with one of the choices' values (or '' for `none`: then V must include ''). */
  onChange(value: NoInfer<V>): void;
  /** A first choice with the empty value: "Any", "None". */
  none?: string;
  hint?: ReactNode;
  error?: string | null;
  /** Heard, not seen (a select in a table row, whose column header says what it is). */
  labelHidden?: boolean;
  /** The wrapper's class: `field` (default) in filter rows, `stack` in a dialog's form. */
  className?: string;
  id?: string;
  disabled?: boolean;
  title?: string;
  testId?: string;
}

/** A labelled select with an optional hint and error, both tied to it for screen readers. */
export function SelectField<V extends string>({ label, value, choices, onChange, none, hint, error, labelHidden, className = 'field', id, disabled, title, testId }: Props<V>) {
  const generated = useId();
  const selectId = id ?? generated;
  const hintId = `${selectId}-hint`;
  const errorId = `${selectId}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className} title={title}>
      <label htmlFor={selectId} className={labelHidden ? 'visually-hidden' : undefined}>
        {label}
      </label>
      <select
        id={selectId}
        value={value}
        disabled={disabled}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value as V)}
        data-testid={testId}
      >
        {none !== undefined && <option value="">{none}</option>}
        {choices.map((c) => {
          const choice = typeof c === 'string' ? { value: c, label: c } : c;
          return (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          );
        })}
      </select>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
