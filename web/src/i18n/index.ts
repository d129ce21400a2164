import { useSyncExternalStore } from 'react';
import type { Plural } from './catalogue';
import { en, type MessageKey } from './en';
import { fr } from './fr';

/** The languages of the interface, each named in itself (for the language picker). */
export const LANGUAGES = { en: 'English', fr: 'Français' } as const;
export type Language = keyof typeof LANGUAGES;

const CATALOGUES: Record<Language, Record<MessageKey, string | Plural>> = { en, fr };
/** The user's choice on this device; none means the browser's language. */
const STORAGE_KEY = 'sb:language';

export type { MessageKey };
/** Values for `{placeholders}`; null and undefined read as a template literal would show them. */
export type Params = Record<string, string | number | null | undefined>;

function isLanguage(v: string | null | undefined): v is Language {
  return v !== null && v !== undefined && Object.hasOwn(LANGUAGES, v);
}

/** The first of the browser's languages that the interface speaks, else English. */
export function browserLanguage(languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): Language {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

function savedChoice(): Language | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isLanguage(v) ? v : null;
  } catch {
    return null;
  }
}

let current: Language = savedChoice() ?? browserLanguage();
const listeners = new Set<() => void>();

/** The language the interface speaks now. */
export function language(): Language {
  return current;
}

/** Whether the language comes from the user's choice (else from the browser). */
export function languageChosen(): boolean {
  return savedChoice() !== null;
}

/** Sets `<html lang>`: screen readers and hyphenation follow it. */
export function applyLanguage(): void {
  document.documentElement.lang = current;
}

/** The interface language a stored tag (`fr`, `pt-BR`) asks for, if the interface speaks it. */
export function languageOf(tag: string | null | undefined): Language | null {
  const base = tag?.toLowerCase().split('-')[0];
  return isLanguage(base) ? base : null;
}

/** Switches the interface; null goes back to the browser's language. Remembered on this device. */
export function setLanguage(choice: Language | null): void {
  try {
    if (choice) localStorage.setItem(STORAGE_KEY, choice);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  current = choice ?? browserLanguage();
  applyLanguage();
  for (const notify of listeners) notify();
}

/** The current language, re-rendering the caller when it changes. */
export function useLanguage(): Language {
  return useSyncExternalStore(
    (notify) => {
      listeners.add(notify);
      return () => listeners.delete(notify);
    },
    () => current,
  );
}

/** Replaces `{name}` with its parameter (a number as it is: format it first with formatNumber
 * where the message wants digit grouping). */
function fill(text: string, params: Params | undefined): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    return Object.hasOwn(params, name) ? String(params[name]) : whole;
  });
}

/** The message `key` in the current language, with its `{placeholders}` filled; a plural
 * message picks its form by `params.count` (Intl.PluralRules). */
export function t(key: MessageKey, params?: Params): string {
  return translate(current, key, params);
}

/** `t` for a given language (tests, and the language picker naming things in their own language). */
export function translate(lang: Language, key: MessageKey, params?: Params): string {
  const message = CATALOGUES[lang][key];
  if (typeof message === 'string') return fill(message, params);
  const count = Number(params?.count ?? 0);
  const category = new Intl.PluralRules(lang).select(count) as keyof Plural;
  return fill(message[category] ?? message.other, params);
}

/** The locale for dates and numbers: the browser's own when it speaks the interface's language
 * (an en-GB browser keeps its day-month dates), else the interface's language. */
export function locale(lang: Language = current): string {
  const browser = typeof navigator === 'undefined' ? '' : navigator.language;
  return browser.toLowerCase().split('-')[0] === lang ? browser : lang;
}

export function formatNumber(n: number, lang: Language = current): string {
  return new Intl.NumberFormat(locale(lang)).format(n);
}

/** A date and time in the language's way (the browser's time zone). */
export function formatDate(date: Date, options?: Intl.DateTimeFormatOptions, lang: Language = current): string {
  return new Intl.DateTimeFormat(locale(lang), options).format(date);
}
