// For the API client's unit tests: a stubbed global fetch that records what the client sent.
import { vi } from 'vitest';

export interface Sent {
  method: string;
  /** Path and query, as the server sees them. */
  url: string;
  /** The body text, or null without one. */
  body: string | null;
  headers: Headers;
  credentials: RequestCredentials;
}

/** Replaces `fetch`: records each request and answers with `respond` (unstub in `afterEach`). */
export function stubFetch(respond: (sent: Sent) => Response | Promise<Response>): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request | string, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(new URL(input, location.origin), init);
      const url = new URL(request.url);
      const text = await request.text();
      const seen = { method: request.method, url: url.pathname + url.search, body: text || null, headers: request.headers, credentials: request.credentials };
      sent.push(seen);
      return respond(seen);
    }),
  );
  return sent;
}

/** `{ok: true, data}` with a status. */
export function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify({ ok: true, data }), { status, headers: { 'content-type': 'application/json' } });
}

/** The error envelope. */
export function failure(status: number, code: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ ok: false, code, message: code, requestId: 'r', ...extra }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
