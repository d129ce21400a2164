import { describe, expect, it } from 'vitest';
import { dayToIso, isUuid, pickActor } from './audit';

describe('audit filters', () => {
  it('recognises ids', () => {
    expect(isUuid('01a21cbd-ed97-73ee-a2f4-3d50f75a03fb')).toBe(true);
    expect(isUuid(' 01A21CBD-ED97-73EE-A2F4-3D50F75A03FB ')).toBe(true);
    expect(isUuid('ada@example.com')).toBe(false);
  });

  it('picks the actor: exact e-mail or name first, else the only match', () => {
    const ada = { id: '1', email: 'ada@example.com', name: 'Ada Lovelace' };
    const adam = { id: '2', email: 'adam@example.com', name: 'Adam Smith' };
    expect(pickActor('ADA@example.com', [adam, ada])).toBe('1');
    expect(pickActor('ada lovelace', [adam, ada])).toBe('1');
    expect(pickActor('ada', [adam, ada])).toBeNull();
    expect(pickActor('smith', [adam])).toBe('2');
    expect(pickActor('nobody', [])).toBeNull();
  });

  it('sends a day as the local midnight in UTC', () => {
    expect(dayToIso('')).toBeUndefined();
    expect(dayToIso('2026-13-45x')).toBeUndefined();
    expect(dayToIso('2026-03-04')).toBe(new Date('2026-03-04T00:00:00').toISOString());
  });
});
