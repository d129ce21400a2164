import { describe, expect, it } from 'vitest';
import { reactorsText } from './reactors';

const u = (id: string, name: string) => ({ id, name });

describe('who reacted', () => {
  it('names people, me as "You" first, and counts the rest', () => {
    expect(reactorsText([u('a', 'Ada')], 'me', '👍')).toBe('Ada reacted with 👍');
    expect(reactorsText([u('a', 'Ada'), u('me', 'Me Myself')], 'me', '👍')).toBe('You and Ada reacted with 👍');
    expect(reactorsText([u('a', 'Ada'), u('b', 'Bob'), u('c', 'Cy')], 'me', '🎉')).toBe('Ada, Bob and Cy reacted with 🎉');
    const many = ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((n) => u(n, n));
    expect(reactorsText(many, 'me', '👀', 5)).toBe('A, B, C, D, E and 2 others reacted with 👀');
    expect(reactorsText(many.slice(0, 6), 'me', '👀', 5)).toBe('A, B, C, D, E and 1 other reacted with 👀');
    expect(reactorsText([], 'me', '👀')).toBe('Nobody reacted with 👀 any more');
  });
});
