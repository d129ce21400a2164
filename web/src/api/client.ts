import { ApiError, errorFromBody, notAvailableIfNoRoute } from './errors';

/** Relative base: the client is served by the same origin as the API. */
export const API_BASE = '/api/v1';

export type Query = Record<string, string | number | boolean | null | undefined>;

export function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

type UnauthorizedListener = (err: ApiError) => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called whenever an authenticated call comes back 401 (session expired or revoked). */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * One REST call: cookie credentials, JSON in and out, the `{ok, data}` envelope unwrapped,
 * and every failure (HTTP error, network error, bad body) turned into an ApiError.
 */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Cookie-authenticated writes must carry a JSON content type (the server's CSRF guard).
  if (method !== 'GET' && method !== 'HEAD') headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}${buildQuery(opts.query)}`, {
      method,
      credentials: 'include',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: 'NETWORK', message: 'Cannot reach the server. Check your connection.' });
  }
  const requestId = res.headers.get('x-request-id');
  const body = await readJson(res);
  if (!res.ok || typeof body !== 'object' || body === null || !('ok' in body) || body.ok !== true) {
    const error = notAvailableIfNoRoute(errorFromBody(res.status, body, requestId));
    if (res.status === 401 && !['/auth/login', '/auth/me', '/auth/logout', '/auth/link'].includes(path)) {
      unauthorizedListeners.forEach((l) => l(error));
    }
    throw error;
  }
  // The envelope is checked above; the payload's shape is the contract in docs/api.md.
  return (body as { data?: unknown }).data as T;
}

/** Fetches a non-JSON resource (CSV export) as a Blob, with the same error handling. */
export async function requestBlob(path: string, query?: Query): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}${buildQuery(query)}`, { credentials: 'include' });
  } catch {
    throw new ApiError({ status: 0, code: 'NETWORK', message: 'Cannot reach the server. Check your connection.' });
  }
  if (!res.ok) throw notAvailableIfNoRoute(errorFromBody(res.status, await readJson(res), res.headers.get('x-request-id')));
  return res.blob();
}
