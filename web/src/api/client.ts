// The transport of the REST client: an openapi-fetch client typed by `schema.d.ts` (generated
// from the server's OpenAPI document: `npm run api:generate`), with the envelope unwrapped and
// every failure turned into an ApiError.
import createClient, { type Middleware } from 'openapi-fetch';
import { ApiError, errorFromBody, notAvailableIfNoRoute } from './errors';
import type { paths } from './schema';
import { t } from '../i18n';

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

/**
 * Cookie-authenticated writes carry a JSON content type even without a body (what the
 * server's CSRF guard expects of the web client); multipart bodies keep the browser's type.
 */
const jsonWrites: Middleware = {
  onRequest({ request }) {
    if (request.method === 'GET' || request.method === 'HEAD' || request.headers.has('content-type')) return undefined;
    request.headers.set('content-type', 'application/json');
    return request;
  },
};

/** The generated client. Paths, parameters, bodies and answers are checked against the document. */
export const http = createClient<paths>({
  // Absolute, so a Request can be built outside a page too (tests); same origin in the browser.
  baseUrl: typeof location === 'undefined' ? '' : location.origin,
  credentials: 'include',
  headers: { accept: 'application/json' },
  // Empty values are left out (the server refuses `status=`), like every list filter expects.
  querySerializer: (query) => buildQuery(query as Query).slice(1),
  // Looked up per call, so the fetch in use (a test's stub included) is the one called.
  fetch: (request: Request) => globalThis.fetch(request),
});
http.use(jsonWrites);

/**
 * False for calls that do not stand on the session (sign-in, the public account-link pages,
 * `/auth/me` at boot): a 401 there is an answer for the caller, not "your session ended".
 */
export interface CallOptions {
  session?: boolean;
}

type UnauthorizedListener = (err: ApiError) => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called whenever an authenticated call comes back 401 (session expired or revoked). */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Tells the listeners that a session call came back 401 (used by calls made without `call`). */
export function onUnauthorizedNotify(error: ApiError): void {
  unauthorizedListeners.forEach((l) => l(error));
}

const NETWORK = () => new ApiError({ status: 0, code: 'NETWORK', message: 'Cannot reach the server. Check your connection.' });

/**
 * One REST call made with `http`: the `{ok, data}` envelope unwrapped, and every failure
 * (HTTP error, network error, bad body) turned into an ApiError.
 */
export async function call<T>(
  pending: Promise<{ data?: { ok: boolean; data: T }; error?: unknown; response: Response }>,
  opts: CallOptions = {},
): Promise<T> {
  let result;
  try {
    result = await pending;
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    // openapi-fetch parses a success body as JSON: one that is not is no answer of this API.
    if (err instanceof SyntaxError) throw new ApiError({ status: 200, code: 'BAD_RESPONSE', message: t('errors.unexpectedResponse') });
    throw NETWORK();
  }
  const { response } = result;
  // 204 No Content (DELETE /me/avatar): success without an envelope.
  if (response.status === 204) return null as T;
  const body: unknown = response.ok ? result.data : result.error;
  if (!response.ok || typeof body !== 'object' || body === null || !('ok' in body) || body.ok !== true) {
    throw failed(response, body, opts.session !== false);
  }
  return (body as unknown as { data: T }).data;
}

/** The ApiError for a failed response; a 401 of a session call tells the listeners. */
export function failed(res: Response, body: unknown, usesSession: boolean): ApiError {
  const error = notAvailableIfNoRoute(errorFromBody(res.status, body, res.headers.get('x-request-id')));
  if (res.status === 401 && usesSession) onUnauthorizedNotify(error);
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
 * A download made with `http` and `parseAs: 'blob'` (the server refuses GETs of exports, so
 * another site cannot start one in a signed-in browser): the attachment as a Blob with its name.
 */
export async function download(pending: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<Download> {
  let result;
  try {
    result = await pending;
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw NETWORK();
  }
  const { response, data, error } = result;
  if (!response.ok || !(data instanceof Blob)) throw failed(response, error, true);
  return { blob: data, filename: filenameFromDisposition(response.headers.get('content-disposition')) };
}
