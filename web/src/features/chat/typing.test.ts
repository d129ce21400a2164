import { describe, expect, it } from 'vitest';
import type { TypingEvent } from '../../types';
import { applyTyping, clearTyping, DEFAULT_TYPING_EXPIRY_MS, expireTyping, nextTypingExpiry, type TypingState } from './typing';

const ev = (userId: string, typing: boolean, expiresInMs?: number): TypingEvent => ({
  roomId: 'r',
  userId,
  name: userId.toUpperCase(),
  typing,
  ...(expiresInMs === undefined ? {} : { expiresInMs }),
});

describe('typing indicators', () => {
  it('expire after the server expiresInMs unless refreshed', () => {
    let s: TypingState = {};
    s = applyTyping(s, ev('a', true, 5000), 1000);
    expect(nextTypingExpiry(s, 1000)).toBe(5000);
    expect(expireTyping(s, 5999)).toBe(s);
    // A refresh 3 s later moves the expiry.
    s = applyTyping(s, ev('a', true, 5000), 4000);
    expect(Object.keys(expireTyping(s, 6500))).toEqual(['a']);
    expect(expireTyping(s, 9000)).toEqual({});
  });

  it('uses a default expiry when the event has none, and stops on typing:false or a message', () => {
    let s = applyTyping({}, ev('a', true), 0);
    s = applyTyping(s, ev('b', true, 2000), 0);
    expect(s.a?.until).toBe(DEFAULT_TYPING_EXPIRY_MS);
    expect(nextTypingExpiry(s, 500)).toBe(1500);
    s = applyTyping(s, ev('b', false), 100);
    expect(Object.keys(s)).toEqual(['a']);
    s = clearTyping(s, 'a');
    expect(s).toEqual({});
    expect(nextTypingExpiry(s, 0)).toBeNull();
    expect(clearTyping(s, 'nobody')).toBe(s);
  });
});
