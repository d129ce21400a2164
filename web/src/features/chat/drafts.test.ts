import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../realtime/storage';
import { clearDrafts, draftSlot, draftsKey, loadDraft, saveDraft } from './drafts';

describe('drafts', () => {
  it('are kept per room and thread, per user', () => {
    const store = memoryStore();
    saveDraft(store, 'u1', draftSlot('r1'), 'half a thought');
    saveDraft(store, 'u1', draftSlot('r1', 'm9'), 'a reply');
    saveDraft(store, 'u2', draftSlot('r1'), 'someone else');
    expect(loadDraft(store, 'u1', 'r1')).toBe('half a thought');
    expect(loadDraft(store, 'u1', 'r1/m9')).toBe('a reply');
    expect(loadDraft(store, 'u2', 'r1')).toBe('someone else');
    expect(loadDraft(store, 'u1', 'r2')).toBe('');
  });

  it('are forgotten when blank, and all of a user on sign-out', () => {
    const store = memoryStore();
    saveDraft(store, 'u1', 'r1', 'x');
    saveDraft(store, 'u1', 'r1', '   ');
    expect(store.get(draftsKey('u1'))).toBeNull();
    saveDraft(store, 'u1', 'r1', 'x');
    saveDraft(store, 'u1', 'r2', 'y');
    saveDraft(store, 'u2', 'r1', 'z');
    clearDrafts(store, 'u1');
    expect(loadDraft(store, 'u1', 'r2')).toBe('');
    expect(loadDraft(store, 'u2', 'r1')).toBe('z');
  });

  it('survive damaged storage and keep the newest hundred', () => {
    const store = memoryStore({ [draftsKey('u1')]: '{not json' });
    expect(loadDraft(store, 'u1', 'r1')).toBe('');
    store.set(draftsKey('u1'), JSON.stringify({ r1: { text: 5 }, r2: { text: 'ok', at: 1 } }));
    expect(loadDraft(store, 'u1', 'r1')).toBe('');
    expect(loadDraft(store, 'u1', 'r2')).toBe('ok');
    for (let i = 0; i < 105; i++) saveDraft(store, 'u1', `room${i}`, `t${i}`, 1000 + i);
    expect(loadDraft(store, 'u1', 'room0')).toBe('');
    expect(loadDraft(store, 'u1', 'room104')).toBe('t104');
  });
});
