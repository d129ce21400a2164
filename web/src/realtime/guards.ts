// Runtime checks for socket payloads: the socket hands us `unknown`, the app wants types.
import type { Ack, AckErr, Message } from '../types';
import { ApiError } from '../api/errors';
import { t } from '../i18n';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function isMessage(v: unknown): v is Message {
  return isRecord(v) && typeof v.id === 'string' && typeof v.roomId === 'string' && typeof v.seq === 'number';
}

/** A payload carrying the given string fields (enough for events we only route by id). */
export function hasStrings<K extends string>(v: unknown, ...keys: K[]): v is Record<K, string> {
  return isRecord(v) && keys.every((k) => typeof v[k] === 'string');
}

export function isAck(v: unknown): v is Ack<unknown> {
  return isRecord(v) && typeof v.ok === 'boolean';
}

export function ackError(v: unknown): ApiError {
  if (isAck(v) && !v.ok) {
    const e = v as AckErr;
    return new ApiError({
      status: 0,
      code: typeof e.code === 'string' ? e.code : 'INTERNAL',
      message: typeof e.message === 'string' ? e.message : t('errors.requestRefused'),
      retryAfterMs: typeof e.retryAfterMs === 'number' ? e.retryAfterMs : null,
    });
  }
  return new ApiError({ status: 0, code: 'BAD_RESPONSE', message: t('errors.unexpectedAnswer') });
}
