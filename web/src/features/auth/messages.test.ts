import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api';
import { linkFailure, passwordProblem, signInFailure } from './messages';

const apiError = (status: number, code: string, message = code) => new ApiError({ status, code, message });

describe('sign-in failures', () => {
  it('tells apart the accounts that cannot sign in', () => {
    expect(signInFailure(apiError(403, 'EMAIL_UNVERIFIED')).kind).toBe('unverified');
    expect(signInFailure(apiError(403, 'DEACTIVATED'))).toEqual({ kind: 'deactivated', message: expect.stringMatching(/deactivated/) });
    expect(signInFailure(apiError(403, 'BANNED'))).toEqual({ kind: 'banned', message: expect.stringMatching(/banned/) });
  });

  it('says "wrong password" for bad credentials, the server words otherwise, and names a lost connection', () => {
    expect(signInFailure(apiError(401, 'INVALID_CREDENTIALS', 'invalid e-mail or password')).message).toBe('Wrong e-mail address or password.');
    expect(signInFailure(apiError(429, 'RATE_LIMITED', 'too many attempts'))).toEqual({ kind: 'other', message: 'too many attempts' });
    expect(signInFailure(apiError(0, 'NETWORK')).message).toMatch(/connection/);
    expect(signInFailure(new Error('boom')).message).toMatch(/connection/);
  });
});

describe('e-mailed link failures', () => {
  it('says a used or expired token in words, and why an account cannot use it', () => {
    expect(linkFailure(apiError(400, 'TOKEN_INVALID'), 'reset link')).toBe('This reset link has expired or was already used.');
    expect(linkFailure(apiError(403, 'DEACTIVATED'), 'link')).toMatch(/deactivated/);
    expect(linkFailure(apiError(0, 'NETWORK'), 'link')).toMatch(/connection/);
  });
});

describe('new passwords', () => {
  it('follows the server rule (10 to 200 characters) and wants both copies equal', () => {
    expect(passwordProblem('short')).toBe('Use at least 10 characters.');
    expect(passwordProblem('x'.repeat(201))).toBe('Use at most 200 characters.');
    expect(passwordProblem('long enough pw')).toBeNull();
    expect(passwordProblem('long enough pw', 'long enough pv')).toBe('The two passwords do not match.');
    expect(passwordProblem('long enough pw', 'long enough pw')).toBeNull();
    // Characters, not UTF-16 units: ten emoji are ten characters.
    expect(passwordProblem('🔑'.repeat(10))).toBeNull();
  });
});
