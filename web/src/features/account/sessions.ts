// How the account page describes sessions (unit-tested in sessions.test.ts).
import type { SessionInfo } from '../../types';
import { t } from '../../i18n';

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bHeadlessChrome\//, 'Headless Chrome'],
  [/\bChrom(?:e|ium)\/|\bCriOS\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/\bcurl\//, 'curl'],
];

/** Programs that are not browsers: named as a kind, in the interface's language. */
const SCRIPTS = /^node\b|\bundici\b|\bnode-fetch\b|\baxios\//i;

const SYSTEMS: [RegExp, string][] = [
  [/\bWindows NT\b/, 'Windows'],
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b|\biPad\b|\biPod\b/, 'iOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

const MAX_RAW = 48;

/** "Firefox on Windows" from a User-Agent header; the raw text, shortened, when it is not a known browser. */
export function deviceLabel(userAgent: string | null | undefined): string {
  const ua = userAgent?.trim() ?? '';
  if (!ua) return t('sessions.unknownDevice');
  const browser = SCRIPTS.test(ua) ? t('sessions.scriptOrApiClient') : BROWSERS.find(([re]) => re.test(ua))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser && system) return t('sessions.browserSystem', { browser, system });
  if (browser) return browser;
  if (system) return t('sessions.aBrowserSystem', { system });
  return ua.length > MAX_RAW ? `${ua.slice(0, MAX_RAW - 1)}…` : ua;
}

/** The result of a password change or "sign out everywhere else", in words. */
export function revokedText(count: number): string {
  if (count === 0) return t('sessions.noOtherSessionWasSigned');
  return count === 1 ? t('sessions.1OtherSessionWasSigned') : t('sessions.countOtherSessionsWereSigned', { count });
}

/** This device first, then the most recently used. */
export function sortSessions(sessions: SessionInfo[]): SessionInfo[] {
  return [...sessions].sort((a, b) => Number(b.current) - Number(a.current) || Date.parse(b.lastUsedAt) - Date.parse(a.lastUsedAt));
}
