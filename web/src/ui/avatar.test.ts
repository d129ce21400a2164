import { describe, expect, it } from 'vitest';
import { avatarHue, avatarSrc } from './avatar';

describe('avatars', () => {
  it('gives a person the same hue every time, and different people different ones', () => {
    expect(avatarHue('user-1')).toBe(avatarHue('user-1'));
    const hues = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map(avatarHue));
    expect(hues.size).toBeGreaterThan(3);
    for (const h of hues) expect(h).toBeGreaterThanOrEqual(0);
    for (const h of hues) expect(h).toBeLessThan(360);
  });

  it('asks the server for the size that fits', () => {
    expect(avatarSrc('/api/v1/users/u/avatar', 32)).toBe('/api/v1/users/u/avatar?size=64');
    expect(avatarSrc('/api/v1/users/u/avatar?v=3', 96)).toBe('/api/v1/users/u/avatar?v=3&size=256');
    expect(avatarSrc('/api/v1/users/u/avatar?size=64&v=3', 200)).toBe('/api/v1/users/u/avatar?size=256&v=3');
  });
});
