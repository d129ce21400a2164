import { afterEach, describe, expect, it, vi } from 'vitest';
import { onUnauthorized } from './client';
import { api, auditExportBody } from './index';
import { failure, json, stubFetch } from './testing';

afterEach(() => vi.unstubAllGlobals());

function page(items: unknown[]) {
  return json({ items, nextCursor: null });
}

describe('API routes the helpdesk screens use', () => {
  it('exports a room with a POST and keeps the server’s file name', async () => {
    const sent = stubFetch(
      () =>
        new Response('<html>room</html>', {
          status: 200,
          headers: { 'content-type': 'text/html', 'content-disposition': 'attachment; filename="general-20261204.html"' },
        }),
    );
    const file = await api.rooms.export('r 1', 'html');
    expect(file.filename).toBe('general-20261204.html');
    expect(await file.blob.text()).toBe('<html>room</html>');
    expect(sent[0]?.url).toBe('/api/v1/rooms/r%201/export');
    expect(sent[0]?.method).toBe('POST');
    expect(sent[0]?.credentials).toBe('include');
    expect(sent[0]?.headers.get('content-type')).toBe('application/json');
    expect(sent[0]?.body).toBe('{"format":"html"}');
  });

  it('downloads the audit CSV with a POST of the filters that are set', async () => {
    const sent = stubFetch(
      () => new Response('at,actor_id\r\n', { status: 200, headers: { 'content-disposition': 'attachment; filename="audit-20261204-101500.csv"' } }),
    );
    const file = await api.admin.auditCsv({ action: 'user.', actor: '', target: undefined, since: '2026-12-01T00:00:00.000Z', before: '5' });
    expect(file.filename).toBe('audit-20261204-101500.csv');
    expect(sent[0]?.url).toBe('/api/v1/admin/audit/export');
    expect(sent[0]?.method).toBe('POST');
    expect(JSON.parse(String(sent[0]?.body))).toEqual({ action: 'user.', since: '2026-12-01T00:00:00.000Z' });
    expect(auditExportBody({})).toEqual({});
  });

  it('turns a refused download into an ApiError and reports a 401 as a lost session', async () => {
    stubFetch(() => failure(401, 'UNAUTHENTICATED'));
    const seen: string[] = [];
    const off = onUnauthorized((e) => seen.push(e.code));
    await expect(api.rooms.export('r1', 'json')).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    off();
    expect(seen).toEqual(['UNAUTHENTICATED']);
  });

  it('lists assignable people: staff and admins, by name', async () => {
    const sent = stubFetch(({ url }) =>
      url.includes('role=admin') ? page([{ id: 'a', name: 'Ada', role: 'admin' }]) : page([{ id: 's', name: 'Sam', role: 'staff' }, { id: 'b', name: 'Bea', role: 'staff' }]),
    );
    const people = await api.users.assignable();
    expect(people.map((p) => p.name)).toEqual(['Ada', 'Bea', 'Sam']);
    const urls = sent.map((s) => s.url).sort();
    expect(urls).toEqual(['/api/v1/users?role=admin&limit=100', '/api/v1/users?role=staff&limit=100']);
  });

  it('leaves empty ticket filters out of the query (the server refuses `status=`)', async () => {
    const sent = stubFetch(() => page([]));
    await api.tickets.list({ status: '', department: '', assignee: 'me', priority: '', cursor: null });
    expect(sent[0]?.url).toBe('/api/v1/tickets?assignee=me');
  });
});

describe('pins, saved messages and edit history', () => {
  it('sends each call to its route and method', async () => {
    const sent = stubFetch(() => page([]));
    await api.messages.setPinned('m/1', true);
    await api.messages.setPinned('m1', false);
    await api.messages.setSaved('m1', true);
    await api.messages.setSaved('m1', false);
    await api.messages.history('m1');
    await api.rooms.pins('r1');
    await api.saved('2026-01-01T00:00:00.000000Z_m9', 10);
    const calls = sent.map(({ method, url }) => [method, url]);
    expect(calls).toEqual([
      ['PUT', '/api/v1/messages/m%2F1/pin'],
      ['DELETE', '/api/v1/messages/m1/pin'],
      ['PUT', '/api/v1/messages/m1/save'],
      ['DELETE', '/api/v1/messages/m1/save'],
      ['GET', '/api/v1/messages/m1/history'],
      ['GET', '/api/v1/rooms/r1/pins'],
      ['GET', '/api/v1/me/saved?cursor=2026-01-01T00%3A00%3A00.000000Z_m9&limit=10'],
    ]);
  });
});

describe('account routes', () => {
  it('sends the public account-link calls to their routes', async () => {
    const sent = stubFetch(() => json(null, 202));
    await api.auth.register('a@x.io', 'Ada', 'long password');
    await api.auth.verify('t1');
    await api.auth.resendVerification('a@x.io');
    await api.auth.forgotPassword('a@x.io');
    await api.auth.resetPassword('t2', 'new password!');
    await api.auth.invitation('t3');
    await api.auth.acceptInvite('t4', 'new password!');
    await api.auth.acceptInvite('t5', 'new password!', 'Ada L.');
    const calls = sent.map(({ url, method, body }) => [url, method, JSON.parse(String(body))]);
    expect(calls).toEqual([
      ['/api/v1/auth/register', 'POST', { email: 'a@x.io', name: 'Ada', password: 'long password' }],
      ['/api/v1/auth/verify', 'POST', { token: 't1' }],
      ['/api/v1/auth/verify/resend', 'POST', { email: 'a@x.io' }],
      ['/api/v1/auth/password/forgot', 'POST', { email: 'a@x.io' }],
      ['/api/v1/auth/password/reset', 'POST', { token: 't2', password: 'new password!' }],
      ['/api/v1/auth/invite/details', 'POST', { token: 't3' }],
      ['/api/v1/auth/invite/accept', 'POST', { token: 't4', password: 'new password!' }],
      ['/api/v1/auth/invite/accept', 'POST', { token: 't5', password: 'new password!', name: 'Ada L.' }],
    ]);
  });

  it('does not take a 401 of a public page for an ended session', async () => {
    stubFetch(() => failure(401, 'UNAUTHENTICATED'));
    const seen: string[] = [];
    const off = onUnauthorized((e) => seen.push(e.code));
    for (const call of [() => api.auth.verify('t'), () => api.auth.resetPassword('t', 'p'), () => api.auth.invitation('t'), () => api.auth.login('a', 'b')]) {
      await expect(call()).rejects.toMatchObject({ status: 401 });
    }
    expect(seen).toEqual([]);
    // A signed-in call still reports it.
    await expect(api.account.sessions()).rejects.toMatchObject({ status: 401 });
    off();
    expect(seen).toEqual(['UNAUTHENTICATED']);
  });

  it('changes the password and lists and ends sessions', async () => {
    const sent = stubFetch(() => json({ revokedSessions: 2 }));
    expect(await api.account.changePassword('old password', 'new password')).toEqual({ revokedSessions: 2 });
    await api.account.revokeSession('s/1');
    await api.account.revokeOthers();
    await api.admin.invite({ email: 'b@x.io', name: 'Bo', role: 'staff', department: 'support' });
    await api.admin.deactivate('u1');
    await api.admin.reactivate('u1');
    await api.admin.sendPasswordReset('u1');
    const calls = sent.map(({ method, url, body }) => [method, url, body]);
    expect(calls).toEqual([
      ['POST', '/api/v1/me/password', '{"currentPassword":"old password","newPassword":"new password"}'],
      ['DELETE', '/api/v1/me/sessions/s%2F1', null],
      ['POST', '/api/v1/me/sessions/revoke-others', null],
      ['POST', '/api/v1/admin/invites', '{"email":"b@x.io","name":"Bo","role":"staff","department":"support"}'],
      ['POST', '/api/v1/admin/users/u1/deactivate', null],
      ['POST', '/api/v1/admin/users/u1/reactivate', null],
      ['POST', '/api/v1/admin/users/u1/password-reset', null],
    ]);
  });
});
