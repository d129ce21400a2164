import { useEffect, useState } from 'react';
import { t, type MessageKey } from '../i18n';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'sb:theme';

function readChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

/** Applies the saved theme before first paint (called from main.tsx). */
export function applySavedTheme(): void {
  apply(readChoice());
}

function apply(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', choice);
}

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeChoice, MessageKey> = { system: 'theme.system', light: 'theme.light', dark: 'theme.dark' };
const ICON: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' };

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(readChoice);
  useEffect(() => {
    apply(choice);
    try {
      if (choice === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // not persisted; still applied
    }
  }, [choice]);
  return (
    <button
      type="button"
      className="icon-button"
      onClick={() => setChoice(NEXT[choice])}
      aria-label={t('theme.valueSwitch', { value: t(LABEL[choice]) })}
      title={t(LABEL[choice])}
      data-testid="theme-toggle"
    >
      <span aria-hidden="true">{ICON[choice]}</span>
    </button>
  );
}
