import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from './index';
import { json, stubFetch } from './testing';

afterEach(() => vi.unstubAllGlobals());

/** Records each call and answers `{ok: true, data: null}`. */
function recorder() {
  const calls: { method: string; url: string; body: unknown }[] = [];
  stubFetch((s) => {
    calls.push({ method: s.method, url: s.url, body: s.body ? (JSON.parse(s.body) as unknown) : undefined });
    return json(null);
  });
  return calls;
}

describe('room management routes', () => {
  it('calls the server’s routes with the bodies its handlers take', async () => {
    const calls = recorder();
    await api.rooms.addMember('r', 'u');
    await api.rooms.addMember('r', 'u', 'moderator');
    await api.rooms.setMemberRole('r', 'u', 'member');
    await api.rooms.removeMember('r', 'u');
    await api.rooms.transferOwnership('r', 'u');
    await api.rooms.update('r', { title: 'T', department: null, kind: 'private' });
    await api.rooms.remove('r');
    await api.rooms.archive('r');
    await api.rooms.unarchive('r');
    await api.rooms.leave('r');
    await api.rooms.mineArchived('only');
    await api.rooms.discoverArchived('true');
    expect(calls).toEqual([
      { method: 'POST', url: '/api/v1/rooms/r/members', body: { userId: 'u' } },
      { method: 'POST', url: '/api/v1/rooms/r/members', body: { userId: 'u', role: 'moderator' } },
      { method: 'PATCH', url: '/api/v1/rooms/r/members/u', body: { role: 'member' } },
      { method: 'DELETE', url: '/api/v1/rooms/r/members/u', body: undefined },
      { method: 'POST', url: '/api/v1/rooms/r/ownership', body: { userId: 'u' } },
      { method: 'PATCH', url: '/api/v1/rooms/r', body: { title: 'T', department: null, kind: 'private' } },
      { method: 'DELETE', url: '/api/v1/rooms/r', body: undefined },
      { method: 'POST', url: '/api/v1/rooms/r/archive', body: undefined },
      { method: 'POST', url: '/api/v1/rooms/r/unarchive', body: undefined },
      { method: 'POST', url: '/api/v1/rooms/r/leave', body: undefined },
      { method: 'GET', url: '/api/v1/rooms?archived=only', body: undefined },
      { method: 'GET', url: '/api/v1/rooms/discover?archived=true&sort=name', body: undefined },
    ]);
  });
});
