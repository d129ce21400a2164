import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api';
import { newerLabel, refreshError, sentimentLabel } from './assistant';

describe('assistant panel wording', () => {
  it('shows the sentiment score when there is one', () => {
    expect(sentimentLabel('negative', -0.623)).toBe('negative (-0.62)');
    expect(sentimentLabel('positive', 0.5)).toBe('positive (+0.50)');
    expect(sentimentLabel('neutral', 0)).toBe('neutral (0.00)');
    expect(sentimentLabel('neutral')).toBe('neutral');
    expect(sentimentLabel('neutral', null)).toBe('neutral');
  });

  it('counts newer messages', () => {
    expect(newerLabel(1)).toBe('1 newer message is not in this summary yet.');
    expect(newerLabel(3)).toBe('3 newer messages are not in this summary yet.');
  });

  it('says when to retry a rate-limited refresh, and why observers cannot', () => {
    expect(refreshError(new ApiError({ status: 429, code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 4200 }))).toBe(
      'Too many refreshes; try again in 5 s.',
    );
    expect(refreshError(new ApiError({ status: 429, code: 'RATE_LIMITED', message: 'slow down' }))).toMatch(/in a moment/);
    expect(refreshError(new ApiError({ status: 403, code: 'READ_ONLY', message: 'read only' }))).toMatch(/Read-only/);
    expect(refreshError(new ApiError({ status: 404, code: 'NOT_FOUND', message: 'ticket not found' }))).toBe('ticket not found');
  });
});
