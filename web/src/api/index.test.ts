import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from './index';

afterEach(() => vi.unstubAllGlobals());

function page(items: unknown[]) {
  return new Response(JSON.stringify({ ok: true, data: { items, nextCursor: null } }), { status: 200, headers: { 'content-type': 'application/json' } });
}

describe('API routes the helpdesk screens use', () => {
  it('links room exports as downloads on the same origin', () => {
    expect(api.rooms.exportUrl('r 1', 'html')).toBe('/api/v1/rooms/r%201/export?format=html');
    expect(api.rooms.exportUrl('r1', 'json')).toBe('/api/v1/rooms/r1/export?format=json');
  });

  it('lists assignable people: staff and admins, by name', async () => {
    const fetchMock = vi.fn(async (url: string) =>
      url.includes('role=admin') ? page([{ id: 'a', name: 'Ada', role: 'admin' }]) : page([{ id: 's', name: 'Sam', role: 'staff' }, { id: 'b', name: 'Bea', role: 'staff' }]),
    );
    vi.stubGlobal('fetch', fetchMock);
    const people = await api.users.assignable();
    expect(people.map((p) => p.name)).toEqual(['Ada', 'Bea', 'Sam']);
    const urls = fetchMock.mock.calls.map((c) => c[0]).sort();
    expect(urls).toEqual(['/api/v1/users?role=admin&limit=100', '/api/v1/users?role=staff&limit=100']);
  });

  it('leaves empty ticket filters out of the query (the server refuses `status=`)', async () => {
    const fetchMock = vi.fn(async (_url: string) => page([]));
    vi.stubGlobal('fetch', fetchMock);
    await api.tickets.list({ status: '', department: '', assignee: 'me', priority: '', cursor: null });
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/v1/tickets?assignee=me');
  });
});
