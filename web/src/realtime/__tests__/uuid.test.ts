import { afterEach, describe, expect, it, vi } from 'vitest';
import { newClientId } from '../uuid';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => vi.unstubAllGlobals());

describe('newClientId', () => {
  it('makes distinct v7 UUIDs without crypto.randomUUID (plain-HTTP deployments)', () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: (b: Uint8Array) => real.getRandomValues(b) });
    const ids = new Set(Array.from({ length: 50 }, () => newClientId(1_765_000_000_000)));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(V7);
  });

  it('starts with the milliseconds, so later ids sort after earlier ones', () => {
    // 2026-12-06T00:00:00.000Z = 0x01a248a67c00 ms.
    expect(newClientId(Date.UTC(2026, 11, 6))).toMatch(/^01a248a6-7c00-7/);
    const ids = [1, 2, 1_000, 86_400_000].map((dt) => newClientId(Date.UTC(2026, 11, 6) + dt));
    expect([...ids].sort()).toEqual(ids);
  });
});
