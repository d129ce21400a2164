import { describe, expect, it } from 'vitest';
import { editWindowHint, windowLabel } from './messageKeys';

describe('the edit window', () => {
  const sent = '2026-03-05T12:00:00Z';
  const at = (minutes: number) => Date.parse(sent) + minutes * 60_000;

  it('says why an older message cannot be edited, and nothing while it can', () => {
    expect(editWindowHint(sent, 900, at(14))).toBeNull();
    expect(editWindowHint(sent, 900, at(16))).toBe('Messages can be edited for 15 minutes after sending; this one is older.');
    expect(editWindowHint(sent, 0, at(600))).toBeNull();
  });

  it('names the window in the largest whole unit', () => {
    expect(windowLabel(3600)).toBe('1 hour');
    expect(windowLabel(7200)).toBe('2 hours');
    expect(windowLabel(60)).toBe('1 minute');
    expect(windowLabel(90)).toBe('90 seconds');
  });
});
