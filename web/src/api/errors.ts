import { t } from '../i18n';

/** A failed REST call or socket ack, normalised from the server's error envelope. */
export interface ErrorDetail {
  field: string;
  problem: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: ErrorDetail[];
  readonly retryAfterMs: number | null;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    requestId?: string | null;
    details?: ErrorDetail[];
    retryAfterMs?: number | null;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.details = init.details ?? [];
    this.retryAfterMs = init.retryAfterMs ?? null;
  }

  /** The problem reported for one form field, if any. */
  fieldProblem(field: string): string | undefined {
    return this.details.find((d) => d.field === field)?.problem;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** Code for a route this server does not have yet (ticket, search, telemetry... are coming). */
export const NOT_AVAILABLE = 'NOT_AVAILABLE';

/** True for a call to a feature the server does not offer yet. */
export function isNotAvailable(err: unknown): boolean {
  return err instanceof ApiError && err.code === NOT_AVAILABLE;
}

/**
 * The server answers routes it does not have with 404 `NOT_FOUND` "no route for /api/v1/...":
 * say that the feature is not there yet rather than that something was not found.
 */
export function notAvailableIfNoRoute(err: ApiError): ApiError {
  if (err.status !== 404 || err.code !== 'NOT_FOUND' || !err.message.startsWith('no route for ')) return err;
  return new ApiError({
    status: 404,
    code: NOT_AVAILABLE,
    message: t('errors.notAvailable'),
    requestId: err.requestId,
  });
}

/** A message fit for a toast, whatever was thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return t('errors.somethingWentWrong');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function parseDetails(value: unknown): ErrorDetail[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((d) => ({
    field: typeof d.field === 'string' ? d.field : '',
    problem: typeof d.problem === 'string' ? d.problem : '',
  }));
}

/** Builds an ApiError from a parsed error body (REST envelope or socket ack). */
export function errorFromBody(status: number, body: unknown, headerRequestId: string | null): ApiError {
  if (isRecord(body) && body.ok === false && typeof body.code === 'string') {
    return new ApiError({
      status,
      code: body.code,
      message: typeof body.message === 'string' ? body.message : body.code,
      requestId: typeof body.requestId === 'string' ? body.requestId : headerRequestId,
      details: parseDetails(body.details),
      retryAfterMs: typeof body.retryAfterMs === 'number' ? body.retryAfterMs : null,
    });
  }
  return new ApiError({
    status,
    code: status >= 500 ? 'INTERNAL' : 'BAD_RESPONSE',
    message: status >= 500 ? t('errors.serverProblem') : t('errors.unexpectedStatus', { status }),
    requestId: headerRequestId,
  });
}
