import { describe, expect, it } from 'vitest';
import type { AdminUser } from '../../types';
import { proposeChange, undoneMessage } from './changes';

const grace: AdminUser = {
  id: 'u1',
  name: 'Grace',
  role: 'staff',
  department: 'engineering',
  createdAt: '2026-01-01T00:00:00Z',
  handle: null,
  avatarUrl: null,
  ban: null,
  deactivatedAt: null,
  emailVerified: true,
  hasPassword: true,
};

describe('role and department changes in the users table', () => {
  it('asks before making someone admin, says what it means, and undoes to the old role', () => {
    const change = proposeChange(grace, { role: 'admin' });
    expect(change).not.toBeNull();
    expect(change?.title).toBe('Change Grace’s role to admin?');
    expect(change?.consequence).toMatch(/^Grace’s role is staff now\. Admins manage every user/);
    expect(change?.danger).toBe(true);
    expect(change?.undo).toEqual({ role: 'staff' });
    expect(change?.done).toBe('Grace’s role is now admin.');
    expect(change && undoneMessage(change)).toBe('Undone: Grace’s role is staff again.');
  });

  it('moves between departments and back, or out of one', () => {
    const move = proposeChange(grace, { department: 'billing' });
    expect([move?.title, move?.confirmLabel, move?.danger]).toEqual(['Move Grace to billing?', 'Move to billing', false]);
    expect(move?.undo).toEqual({ department: 'engineering' });
    expect(move && undoneMessage(move)).toBe('Undone: Grace is in engineering again.');
    const out = proposeChange(grace, { department: null });
    expect(out?.title).toBe('Take Grace out of engineering?');
    const back = proposeChange({ ...grace, department: null }, { department: 'support' });
    expect(back && undoneMessage(back)).toBe('Undone: Grace has no department again.');
  });

  it('is nothing when the selection is what the row already has', () => {
    expect(proposeChange(grace, { role: 'staff' })).toBeNull();
    expect(proposeChange(grace, { department: 'engineering' })).toBeNull();
    expect(proposeChange({ ...grace, department: null }, { department: null })).toBeNull();
  });
});
