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
  /**
   * False for calls that do not stand on the session (sign-in, the public account-link pages,
   * `/auth/me` at boot): a 401 there is an answer for the caller, not "your session ended".
   */
  session?: boolean;
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
  // 204 No Content (DELETE /me/avatar): success without an envelope.
  if (res.status === 204) return null as T;
  const body = await readJson(res);
  if (!res.ok || typeof body !== 'object' || body === null || !('ok' in body) || body.ok !== true) {
    throw failed(res, body, opts.session !== false);
  }
  // The envelope is checked above; the payload's shape is the contract in docs/api.md.
  return (body as { data?: unknown }).data as T;
}

/** Tells the listeners that a session call came back 401 (used by calls made without `request`). */
export function onUnauthorizedNotify(error: ApiError): void {
  unauthorizedListeners.forEach((l) => l(error));
}

/**
 * A `multipart/form-data` POST with fetch (no progress needed): the browser sets the content
 * type with its boundary. `session: false` for the public forms.
 */
export async function requestForm<T>(path: string, form: FormData, session = true): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, { method: 'POST', credentials: 'include', headers: { accept: 'application/json' }, body: form });
  } catch {
    throw new ApiError({ status: 0, code: 'NETWORK', message: 'Cannot reach the server. Check your connection.' });
  }
  const body = await readJson(res);
  if (!res.ok || typeof body !== 'object' || body === null || !('ok' in body) || body.ok !== true) throw failed(res, body, session);
  return (body as { data?: unknown }).data as T;
}

/** The ApiError for a failed response; a 401 of a session call tells the listeners. */
function failed(res: Response, body: unknown, usesSession: boolean): ApiError {
  const error = notAvailableIfNoRoute(errorFromBody(res.status, body, res.headers.get('x-request-id')));
  if (res.status === 401 && usesSession) unauthorizedListeners.forEach((l) => l(error));
  return error;
}

/** A file the server sent as an attachment. */
export interface Download {
  blob: Blob;
  /** From `Content-Disposition`, when the server named it. */
  filename: string | null;
}

/**
 * The file name of a `Content-Disposition` header: `filename*=UTF-8''…` (RFC 5987) first, then
 * `filename="…"` or a bare token. Path separators are dropped; null when there is none.
 */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  let name: string | null = null;
  const extended = /filename\*\s*=\s*utf-8''([^;]+)/i.exec(header);
  if (extended?.[1]) {
    try {
      name = decodeURIComponent(extended[1].trim());
    } catch {
      name = null;
    }
  }
  if (name === null) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(header);
    name = plain ? (plain[1]?.replace(/\\(.)/g, '$1') ?? plain[2] ?? null) : null;
  }
  const safe = name?.replace(/[/\\]/g, '_').trim();
  return safe ? safe : null;
}

/**
 * A download that must be a POST (the server refuses GETs, so another site cannot start one in
 * a signed-in browser): JSON body, session cookie, the attachment as a Blob with its name.
 */
export async function requestDownload(path: string, body: unknown): Promise<Download> {
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, {
      method: 'POST',
      credentials: 'include',
      headers: { accept: '*/*', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError({ status: 0, code: 'NETWORK', message: 'Cannot reach the server. Check your connection.' });
  }
  if (!res.ok) throw failed(res, await readJson(res), true);
  return { blob: await res.blob(), filename: filenameFromDisposition(res.headers.get('content-disposition')) };
}
