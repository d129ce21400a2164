import { t } from '../../i18n';
/** What can take the focus inside a message (its controls, links and fields). */
const FOCUSABLE = 'a[href], button, input, textarea, select, summary, [tabindex]';

export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el !== root);
}

/** Moves the focus to the next (`step` 1) or previous (-1) element of `items`, wrapping; false when the focus is not among them. */
export function moveAmong(items: readonly HTMLElement[], step: 1 | -1): boolean {
  const i = items.indexOf(document.activeElement as HTMLElement);
  if (i < 0 || items.length === 0) return false;
  items[(i + step + items.length) % items.length]?.focus();
  return true;
}

/**
 * Why my message cannot be edited any more, or null while it still can be (or when edits
 * have no time limit).
 */
export function editWindowHint(createdAt: string, windowSecs: number, now = Date.now()): string | null {
  if (windowSecs <= 0) return null;
  if (now - Date.parse(createdAt) < windowSecs * 1000) return null;
  return t('messageKeys.messagesCanBeEditedWindowsecs', { windowSecs: windowLabel(windowSecs) });
}

/** "15 minutes", "1 hour", "90 seconds". */
export function windowLabel(secs: number): string {
  if (secs % 3600 === 0) return plural(secs / 3600, 'hour');
  if (secs % 60 === 0) return plural(secs / 60, 'minute');
  return plural(secs, 'second');
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
