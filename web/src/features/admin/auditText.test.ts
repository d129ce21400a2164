import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../types';
import { actorLabel, detailLines, humanize, rawText, targetLabel } from './auditText';

const entry: AuditEntry = {
  id: 'a1',
  at: '2026-06-01T12:00:00Z',
  actorId: '0190f0f0-0000-7000-8000-000000000001',
  actorEmail: 'ada@example.com',
  actorName: 'Ada Lovelace',
  action: 'user.role_change',
  targetType: 'user',
  targetId: '0190f0f0-0000-7000-8000-000000000002',
  targetName: 'Grace Hopper',
  metadata: { role: { from: 'staff', to: 'admin' } },
  ip: '127.0.0.1',
  requestId: 'req-1',
};

describe('the audit log as people read it', () => {
  it('names the actor and the target, falling back to the e-mail and a short id', () => {
    expect([actorLabel(entry), targetLabel(entry)]).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect(actorLabel({ ...entry, actorName: null })).toBe('ada@example.com');
    expect(actorLabel({ actorName: null, actorEmail: null, actorId: null })).toBe('system');
    expect(targetLabel({ ...entry, targetName: null })).toBe('0190f0f0…');
    expect(targetLabel({ targetType: 'audit', targetId: 'csv', targetName: null })).toBe('csv');
  });

  it('says what changed in words', () => {
    expect(detailLines(entry.metadata)).toEqual([{ label: 'Role', value: 'staff → admin' }]);
    expect(detailLines({ department: { from: null, to: 'billing' } })).toEqual([{ label: 'Department', value: 'none → billing' }]);
    expect(detailLines({ from: 'pending', to: 'open', by: 'customer_reply' })).toEqual([
      { label: 'Change', value: 'pending → open' },
      { label: 'By', value: 'customer reply' },
    ]);
    expect(detailLines({ reason: 'spam', revokedSessions: 1 })).toEqual([
      { label: 'Reason', value: 'spam' },
      { label: 'Revoked sessions', value: '1' },
    ]);
    expect(detailLines({ filters: { action: 'user.', since: null } })).toEqual([
      { label: 'Filters, action', value: 'user.' },
      { label: 'Filters, since', value: 'none' },
    ]);
    expect(detailLines({})).toEqual([]);
    expect(detailLines(null)).toEqual([]);
    expect(humanize('revoked_sessions')).toBe('Revoked sessions');
  });

  it('keeps the raw form, ids and all, for those who need it', () => {
    const raw = JSON.parse(rawText(entry)) as Record<string, unknown>;
    expect(raw).toMatchObject({ actorId: entry.actorId, targetId: entry.targetId, ip: '127.0.0.1', requestId: 'req-1', metadata: entry.metadata });
  });
});
