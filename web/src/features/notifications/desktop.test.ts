import { describe, expect, it } from 'vitest';
import type { AppNotification } from '../../types';
import { desktopTitle, inQuietHours, shouldShowDesktop, type DesktopContext } from './desktop';

const now = Date.parse('2026-06-01T12:00:00Z');
const base: DesktopContext = { permission: 'granted', preference: true, hidden: true, room: { mutedUntil: null }, now };

describe('shouldShowDesktop', () => {
  it('shows when permitted, opted in, the page hidden and the room not muted', () => {
    expect(shouldShowDesktop(base)).toBe(true);
    expect(shouldShowDesktop({ ...base, room: undefined })).toBe(true);
  });

  it('stays quiet on a visible page (the bell shows it)', () => {
    expect(shouldShowDesktop({ ...base, hidden: false })).toBe(false);
  });

  it('needs the browser’s permission', () => {
    for (const permission of ['default', 'denied', 'unsupported'] as const) expect(shouldShowDesktop({ ...base, permission })).toBe(false);
  });

  it('needs the preference', () => {
    expect(shouldShowDesktop({ ...base, preference: false })).toBe(false);
  });

  it('stays quiet in quiet hours, read in the person’s time zone', () => {
    // 12:00 UTC is 21:00 in Tokyo.
    expect(shouldShowDesktop({ ...base, quiet: { quietHours: { start: '20:00', end: '07:00' }, timezone: 'Asia/Tokyo' } })).toBe(false);
    expect(shouldShowDesktop({ ...base, quiet: { quietHours: { start: '20:00', end: '07:00' }, timezone: 'UTC' } })).toBe(true);
    expect(shouldShowDesktop({ ...base, quiet: { quietHours: null, timezone: 'Asia/Tokyo' } })).toBe(true);
  });

  it('stays quiet while the room is muted, and shows again after the mute ended', () => {
    expect(shouldShowDesktop({ ...base, room: { mutedUntil: '2026-06-01T13:00:00Z' } })).toBe(false);
    expect(shouldShowDesktop({ ...base, room: { mutedUntil: '2026-06-01T11:00:00Z' } })).toBe(true);
  });
});

describe('desktopTitle', () => {
  const n = { kind: 'mention', roomKind: 'public', actor: { id: 'u', name: 'Ada' } } as AppNotification;
  it('says who and where', () => {
    expect(desktopTitle(n, 'general')).toBe('Ada mentioned you in #general');
    expect(desktopTitle({ ...n, kind: 'dm', roomKind: 'dm' }, 'Ada')).toBe('Ada sent you a message');
  });
});

describe('inQuietHours', () => {
  const at = (iso: string) => Date.parse(iso);
  const night = { quietHours: { start: '22:00', end: '07:00' }, timezone: 'UTC' };
  it('understands hours that wrap midnight', () => {
    expect(inQuietHours(night, at('2026-01-10T23:30:00Z'))).toBe(true);
    expect(inQuietHours(night, at('2026-01-10T06:59:00Z'))).toBe(true);
    expect(inQuietHours(night, at('2026-01-10T07:00:00Z'))).toBe(false);
    expect(inQuietHours(night, at('2026-01-10T12:00:00Z'))).toBe(false);
  });
  it('reads daytime hours in the zone, with daylight saving', () => {
    const day = { quietHours: { start: '09:00', end: '17:00' }, timezone: 'America/New_York' };
    expect(inQuietHours(day, at('2026-01-10T15:00:00Z'))).toBe(true);
    expect(inQuietHours(day, at('2026-07-10T20:30:00Z'))).toBe(true);
    expect(inQuietHours(day, at('2026-01-10T23:00:00Z'))).toBe(false);
  });
  it('treats an unknown zone as UTC and no hours as never', () => {
    expect(inQuietHours({ ...night, timezone: 'Mars/Olympus' }, at('2026-01-10T23:30:00Z'))).toBe(true);
    expect(inQuietHours(null, at('2026-01-10T23:30:00Z'))).toBe(false);
  });
});
