import { describe, expect, it } from 'vitest';
import { charCount, lengthState, MAX_MESSAGE_CHARS, textFileName } from './limits';

describe('the message length limit', () => {
  it('counts characters as the server does', () => {
    expect(charCount('é😀a')).toBe(3);
    expect(MAX_MESSAGE_CHARS).toBe(5000);
  });

  it('shows a counter near the limit and refuses past it', () => {
    expect(lengthState('a'.repeat(100))).toMatchObject({ near: false, over: false, left: 4900 });
    expect(lengthState('a'.repeat(4600))).toMatchObject({ near: true, over: false, left: 400 });
    expect(lengthState('a'.repeat(5000))).toMatchObject({ near: true, over: false, left: 0 });
    expect(lengthState('😀'.repeat(5001))).toMatchObject({ near: true, over: true, left: -1 });
  });

  it('names a long text sent as a file after the time', () => {
    expect(textFileName(new Date(2026, 2, 5, 14, 7))).toBe('message-2026-03-05-1407.txt');
  });
});
