import { describe, expect, it } from 'vitest';
import { Sequencer } from '../sequencer';
import { msg } from './fakeSocket';

const seqs = (ms: { seq: number }[]) => ms.map((m) => m.seq);

describe('Sequencer', () => {
  it('delivers the next seq and drops duplicates', () => {
    const s = new Sequencer({ r: 3 });
    expect(seqs(s.ingest(msg('r', 4)).deliver)).toEqual([4]);
    expect(s.ingest(msg('r', 4))).toEqual({ deliver: [], gap: false, duplicate: true });
    expect(s.ingest(msg('r', 2)).deliver).toEqual([]);
    expect(s.get('r')).toBe(4);
  });

  it('holds messages after a gap and flushes them in order once it is filled', () => {
    const s = new Sequencer({ r: 1 });
    expect(s.ingest(msg('r', 4))).toEqual({ deliver: [], gap: true, duplicate: false });
    expect(s.ingest(msg('r', 4)).duplicate).toBe(true);
    expect(s.ingest(msg('r', 3)).gap).toBe(true);
    expect(seqs(s.ingest(msg('r', 2)).deliver)).toEqual([2, 3, 4]);
    expect(s.hasPending('r')).toBe(false);
  });

  it('adopts an unknown room at the first seq it sees', () => {
    const s = new Sequencer();
    expect(seqs(s.ingest(msg('new', 7)).deliver)).toEqual([7]);
    expect(s.get('new')).toBe(7);
  });

  it('advance skips what REST already loaded and keeps what is newer', () => {
    const s = new Sequencer({ r: 1 });
    s.ingest(msg('r', 5));
    s.ingest(msg('r', 7));
    expect(seqs(s.advance('r', 5))).toEqual([]);
    expect(s.get('r')).toBe(5);
    expect(seqs(s.advance('r', 6))).toEqual([7]);
    expect(s.advance('r', 2)).toEqual([]);
  });

  it('releaseGap delivers what is held so a room never stalls', () => {
    const s = new Sequencer({ r: 1 });
    s.ingest(msg('r', 5));
    s.ingest(msg('r', 6));
    expect(seqs(s.releaseGap('r'))).toEqual([5, 6]);
    expect(s.get('r')).toBe(6);
  });

  it('track never moves an existing cursor', () => {
    const s = new Sequencer({ r: 9 });
    s.track('r', 2);
    s.track('q', 4);
    expect(s.all()).toEqual([
      { roomId: 'r', seq: 9 },
      { roomId: 'q', seq: 4 },
    ]);
  });
});
