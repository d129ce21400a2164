import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../types';
import { deviceLabel, revokedText, sortSessions } from './sessions';

describe('session device labels', () => {
  it('names common browsers and systems', () => {
    expect(deviceLabel('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36')).toBe('Chrome on Linux');
    expect(deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe('Firefox on Windows');
    expect(deviceLabel('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15')).toBe('Safari on macOS');
    expect(deviceLabel('Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1')).toBe('Safari on iOS');
    expect(deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0')).toBe('Edge on Windows');
    expect(deviceLabel('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36')).toBe('Chrome on Android');
    expect(deviceLabel('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36')).toBe('Headless Chrome on Linux');
    expect(deviceLabel('curl/8.5.0')).toBe('curl');
    expect(deviceLabel('node')).toBe('Script or API client');
  });

  it('shortens what it does not know and says so when there is nothing', () => {
    expect(deviceLabel(null)).toBe('Unknown device');
    expect(deviceLabel('  ')).toBe('Unknown device');
    expect(deviceLabel('MyTool/1.0')).toBe('MyTool/1.0');
    const long = deviceLabel(`SomeVeryLongClientName/${'9'.repeat(80)}`);
    expect(long).toHaveLength(48);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('session counts and order', () => {
  it('says how many other sessions ended', () => {
    expect(revokedText(0)).toBe('No other session was signed in.');
    expect(revokedText(1)).toBe('1 other session was signed out.');
    expect(revokedText(3)).toBe('3 other sessions were signed out.');
  });

  it('lists this device first, then the most recently used', () => {
    const s = (id: string, lastUsedAt: string, current = false): SessionInfo => ({
      id,
      createdAt: lastUsedAt,
      lastUsedAt,
      expiresAt: lastUsedAt,
      ip: null,
      userAgent: null,
      ticketId: null,
      current,
    });
    const sorted = sortSessions([s('old', '2026-01-01T00:00:00Z'), s('me', '2026-01-02T00:00:00Z', true), s('new', '2026-01-03T00:00:00Z')]);
    expect(sorted.map((x) => x.id)).toEqual(['me', 'new', 'old']);
  });
});
