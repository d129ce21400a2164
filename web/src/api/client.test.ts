import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildQuery, request } from './client';
import { ApiError } from './errors';

function respond(status: number, body: unknown, headers: Record<string, string> = {}) {
  const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
    new Response(body === undefined ? '' : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } }),
  );
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

afterEach(() => vi.unstubAllGlobals());

describe('REST client', () => {
  it('unwraps {ok, data} and sends cookies and JSON on writes', async () => {
    const fetchMock = respond(200, { ok: true, data: { id: 'r1' } });
    await expect(request('POST', '/rooms', { body: { slug: 'x' } })).resolves.toEqual({ id: 'r1' });
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe('/api/v1/rooms');
    expect(init?.credentials).toBe('include');
    expect((init?.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect(init?.body).toBe('{"slug":"x"}');
  });

  it('turns the error envelope into an ApiError with details and retryAfterMs', async () => {
    respond(422, {
      ok: false,
      code: 'VALIDATION',
      message: 'Check the form',
      requestId: 'req-1',
      details: [{ field: 'slug', problem: 'taken' }],
      retryAfterMs: 1500,
    });
    const err = await request('POST', '/rooms', { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect([e.status, e.code, e.message, e.requestId, e.retryAfterMs]).toEqual([422, 'VALIDATION', 'Check the form', 'req-1', 1500]);
    expect(e.fieldProblem('slug')).toBe('taken');
  });

  it('reports a non-JSON failure with the x-request-id header', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'x-request-id': 'abc' } })));
    const e = (await request('GET', '/rooms').catch((x: unknown) => x)) as ApiError;
    expect([e.code, e.requestId]).toEqual(['INTERNAL', 'abc']);
  });

  it('reports network failures as NETWORK', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const e = (await request('GET', '/rooms').catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('NETWORK');
  });

  it('takes 204 No Content as success without a body', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    await expect(request('DELETE', '/me/avatar')).resolves.toBeNull();
  });

  it('drops empty query values', () => {
    expect(buildQuery({ q: '', tag: null, sort: 'name', before: 0, x: undefined })).toBe('?sort=name&before=0');
  });

  it('reports a route the server does not have yet as NOT_AVAILABLE, other 404s unchanged', async () => {
    respond(404, { ok: false, code: 'NOT_FOUND', message: 'no route for /api/v1/search', requestId: 'q1' });
    const missing = await request('GET', '/search').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).code).toBe('NOT_AVAILABLE');
    expect((missing as ApiError).message).toBe('This feature is not available on this server yet.');
    expect((missing as ApiError).requestId).toBe('q1');
    respond(404, { ok: false, code: 'NOT_FOUND', message: 'room not found', requestId: 'q2' });
    const notFound = await request('GET', '/rooms/x').catch((e: unknown) => e);
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
