import { describe, expect, it } from 'vitest';
import type { AppNotification } from '../../types';
import { desktopTitle, shouldShowDesktop, type DesktopContext } from './desktop';

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
