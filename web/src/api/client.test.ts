import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildQuery, call, http, onUnauthorized } from './client';
import { ApiError } from './errors';
import { failure, json, stubFetch } from './testing';

afterEach(() => vi.unstubAllGlobals());

describe('REST client', () => {
  it('unwraps {ok, data} and sends cookies and JSON on writes', async () => {
    const sent = stubFetch(() => json({ id: 'r1' }));
    await expect(call(http.POST('/api/v1/rooms', { body: { slug: 'x', title: 'X', kind: 'public' } }))).resolves.toEqual({ id: 'r1' });
    expect(sent[0]?.url).toBe('/api/v1/rooms');
    expect(sent[0]?.credentials).toBe('include');
    expect(sent[0]?.headers.get('content-type')).toBe('application/json');
    expect(sent[0]?.body).toBe('{"slug":"x","title":"X","kind":"public"}');
  });

  it('sends a JSON content type on writes without a body, and none on reads', async () => {
    const sent = stubFetch(() => json(null));
    await call(http.POST('/api/v1/rooms/{id}/join', { params: { path: { id: 'r1' } } }));
    await call(http.GET('/api/v1/rooms'));
    expect(sent.map((s) => [s.method, s.headers.get('content-type')])).toEqual([
      ['POST', 'application/json'],
      ['GET', null],
    ]);
  });

  it('turns the error envelope into an ApiError with details and retryAfterMs', async () => {
    stubFetch(() => failure(422, 'VALIDATION', { message: 'Check the form', requestId: 'req-1', details: [{ field: 'slug', problem: 'taken' }], retryAfterMs: 1500 }));
    const err = await call(http.POST('/api/v1/rooms', { body: { slug: '', title: '', kind: 'public' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect([e.status, e.code, e.message, e.requestId, e.retryAfterMs]).toEqual([422, 'VALIDATION', 'Check the form', 'req-1', 1500]);
    expect(e.fieldProblem('slug')).toBe('taken');
  });

  it('tells the 401 listeners about a session call, not about a public one', async () => {
    stubFetch(() => failure(401, 'UNAUTHENTICATED'));
    const seen: string[] = [];
    const off = onUnauthorized((e) => seen.push(e.code));
    await expect(call(http.GET('/api/v1/auth/me'), { session: false })).rejects.toMatchObject({ status: 401 });
    expect(seen).toEqual([]);
    await expect(call(http.GET('/api/v1/rooms'))).rejects.toMatchObject({ status: 401 });
    off();
    expect(seen).toEqual(['UNAUTHENTICATED']);
  });

  it('reports a non-JSON failure with the x-request-id header', async () => {
    stubFetch(() => new Response('<html>bad gateway</html>', { status: 502, headers: { 'x-request-id': 'abc' } }));
    const e = (await call(http.GET('/api/v1/rooms')).catch((x: unknown) => x)) as ApiError;
    expect([e.code, e.requestId]).toEqual(['INTERNAL', 'abc']);
  });

  it('reports network failures as NETWORK, and lets aborts through', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const e = (await call(http.GET('/api/v1/rooms')).catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('NETWORK');
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new DOMException('stop', 'AbortError'))));
    const aborted = await call(http.GET('/api/v1/rooms')).catch((x: unknown) => x);
    expect(aborted).toBeInstanceOf(DOMException);
  });

  it('takes 204 No Content as success without a body', async () => {
    stubFetch(() => new Response(null, { status: 204 }));
    await expect(call(http.DELETE('/api/v1/me/avatar'))).resolves.toBeNull();
  });

  it('drops empty query values', async () => {
    expect(buildQuery({ q: '', tag: null, sort: 'name', before: 0, x: undefined })).toBe('?sort=name&before=0');
    const sent = stubFetch(() => json({ items: [], nextCursor: null }));
    await call(http.GET('/api/v1/rooms/discover', { params: { query: { q: '', tag: '', sort: 'name', cursor: null } } }));
    expect(sent[0]?.url).toBe('/api/v1/rooms/discover?sort=name');
  });

  it('reports a route the server does not have yet as NOT_AVAILABLE, other 404s unchanged', async () => {
    stubFetch(() => failure(404, 'NOT_FOUND', { message: 'no route for /api/v1/search', requestId: 'q1' }));
    const missing = await call(http.GET('/api/v1/search', { params: { query: { q: 'x' } } })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).code).toBe('NOT_AVAILABLE');
    expect((missing as ApiError).message).toBe('This feature is not available on this server yet.');
    expect((missing as ApiError).requestId).toBe('q1');
    stubFetch(() => failure(404, 'NOT_FOUND', { message: 'room not found', requestId: 'q2' }));
    const notFound = await call(http.GET('/api/v1/rooms/{id}', { params: { path: { id: 'x' } } })).catch((e: unknown) => e);
    expect((notFound as ApiError).code).toBe('NOT_FOUND');
  });
});

describe('attachment names', () => {
  it('reads filename*, quoted and bare names, and drops path separators', async () => {
    const { filenameFromDisposition } = await import('./client');
    expect(filenameFromDisposition('attachment; filename="general-20261204.json"')).toBe('general-20261204.json');
    expect(filenameFromDisposition('attachment; filename=audit.csv')).toBe('audit.csv');
    expect(filenameFromDisposition(`attachment; filename="x.html"; filename*=UTF-8''caf%C3%A9.html`)).toBe('café.html');
    expect(filenameFromDisposition('attachment; filename="a \\"b\\".txt"')).toBe('a "b".txt');
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('.._.._etc_passwd');
    expect(filenameFromDisposition('attachment')).toBeNull();
    expect(filenameFromDisposition(null)).toBeNull();
  });
});
