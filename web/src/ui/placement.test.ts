import { describe, expect, it } from 'vitest';
import { placePopover } from './placement';

const viewport = { width: 1000, height: 800 };
const size = { width: 300, height: 200 };

describe('popover placement', () => {
  it('opens below the anchor, right-aligned, when it fits', () => {
    const p = placePopover({ top: 100, left: 600, width: 30, height: 30 }, size, viewport);
    expect(p).toEqual({ top: 134, left: 330, side: 'below' });
  });

  it('flips above an anchor near the bottom (the last message)', () => {
    const p = placePopover({ top: 700, left: 600, width: 30, height: 30 }, size, viewport);
    expect(p.side).toBe('above');
    expect(p.top).toBe(496);
    expect(p.top + size.height).toBeLessThanOrEqual(viewport.height - 8);
  });

  it('shifts sideways and clamps to stay inside the viewport', () => {
    const left = placePopover({ top: 100, left: 10, width: 30, height: 30 }, size, viewport);
    expect(left.left).toBe(8);
    const tall = placePopover({ top: 400, left: 600, width: 30, height: 30 }, { width: 300, height: 900 }, viewport);
    expect(tall.top).toBeGreaterThanOrEqual(8);
  });
});
