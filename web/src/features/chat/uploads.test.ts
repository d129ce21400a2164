import { describe, expect, it } from 'vitest';
import type { AttachmentView } from '../../types';
import {
  addFiles,
  attachmentIds,
  busy,
  cancelled,
  canSend,
  failed,
  fileIcon,
  finished,
  humanSize,
  isInlineImage,
  MAX_ATTACHMENTS,
  pastedName,
  percent,
  progressed,
  removed,
  retried,
  started,
  toStart,
  type UploadItem,
} from './uploads';

const keys = () => {
  let n = 0;
  return () => `k${++n}`;
};
const file = (name: string, size = 100, type = 'text/plain') => ({ name, size, type });
const view = (id: string): AttachmentView => ({
  id,
  name: id,
  size: 100,
  contentType: 'text/plain',
  width: null,
  height: null,
  url: `/api/v1/attachments/${id}`,
  thumbnailUrl: null,
});

describe('the upload queue', () => {
  it('goes queued, uploading with progress, done, and yields the attachment ids in order', () => {
    const { items: added } = addFiles([], [file('a.log'), file('b.png', 2000, 'image/png')], keys());
    let items: UploadItem[] = added;
    expect(items.map((i) => [i.key, i.state])).toEqual([
      ['k1', 'queued'],
      ['k2', 'queued'],
    ]);
    expect(busy(items)).toBe(true);
    expect(canSend('hello', items)).toBe(false);

    items = started(items, 'k1');
    items = started(items, 'k2');
    items = progressed(items, 'k2', 500, 2200);
    expect(percent(items[1] as UploadItem)).toBe(22);
    // Progress past the total is capped; progress of an item not uploading is ignored.
    items = progressed(items, 'k2', 9999, 2200);
    expect(items[1]?.loaded).toBe(2200);
    items = finished(items, 'k2', view('up-b'));
    items = progressed(items, 'k2', 1, 2200);
    expect(items[1]?.loaded).toBe(2200);
    expect(busy(items)).toBe(true);
    items = finished(items, 'k1', view('up-a'));
    expect(busy(items)).toBe(false);
    expect(attachmentIds(items)).toEqual(['up-a', 'up-b']);
    // A message may be only files.
    expect(canSend('  ', items)).toBe(true);
    expect(percent(items[0] as UploadItem)).toBe(100);
  });

  it('cancels, fails and retries; finished states do not go back', () => {
    let items = addFiles([], [file('a'), file('b'), file('c')], keys()).items;
    items = started(items, 'k1');
    items = cancelled(items, 'k1');
    items = failed(items, 'k2', 'Too large');
    expect(items.map((i) => i.state)).toEqual(['cancelled', 'failed', 'queued']);
    expect(items[1]?.error).toBe('Too large');
    items = retried(items, 'k2');
    expect(items[1]).toMatchObject({ state: 'queued', error: null, loaded: 0 });
    items = started(items, 'k3');
    items = finished(items, 'k3', view('up-c'));
    // A done item is neither cancelled nor failed nor retried.
    expect(cancelled(items, 'k3')[2]?.state).toBe('done');
    expect(failed(items, 'k3', 'x')[2]?.state).toBe('done');
    expect(retried(items, 'k3')[2]?.state).toBe('done');
    items = removed(items, 'k1');
    expect(items.map((i) => i.key)).toEqual(['k2', 'k3']);
    // Cancelled and failed files are not sent; an empty body with only those cannot go.
    const onlyFailed = failed(addFiles([], [file('x')], keys()).items, 'k1', 'no');
    expect(canSend('', onlyFailed)).toBe(false);
    expect(attachmentIds(onlyFailed)).toEqual([]);
  });

  it('starts at most the concurrency limit, oldest first', () => {
    let items = addFiles([], [file('a'), file('b'), file('c'), file('d')], keys()).items;
    expect(toStart(items, 2).map((i) => i.key)).toEqual(['k1', 'k2']);
    items = started(items, 'k1');
    expect(toStart(items, 2).map((i) => i.key)).toEqual(['k2']);
    items = started(items, 'k2');
    expect(toStart(items, 2)).toEqual([]);
    items = finished(items, 'k1', view('a'));
    expect(toStart(items, 2).map((i) => i.key)).toEqual(['k3']);
  });

  it('takes at most ten live files per message', () => {
    const ten = Array.from({ length: MAX_ATTACHMENTS - 1 }, (_, i) => file(`f${i}`));
    const first = addFiles([], ten, keys());
    const second = addFiles(first.items, [file('x'), file('y')], keys());
    expect(second.added).toHaveLength(1);
    expect(second.refused).toBe(1);
    // A cancelled file frees its place.
    const freed = addFiles(cancelled(second.items, second.items[0]?.key ?? ''), [file('z')], () => 'new');
    expect(freed.refused).toBe(0);
  });

  it('names unnamed files and types', () => {
    const [item] = addFiles([], [{ name: '', size: 3, type: '' }], keys()).items;
    expect(item).toMatchObject({ name: 'file', contentType: 'application/octet-stream' });
  });
});

describe('file helpers', () => {
  it('prints sizes for people', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1023)).toBe('1023 B');
    expect(humanSize(1024)).toBe('1 KB');
    expect(humanSize(1536)).toBe('1.5 KB');
    expect(humanSize(25 * 1024 * 1024)).toBe('25 MB');
    expect(humanSize(1.25 * 1024 ** 3)).toBe('1.3 GB');
    expect(humanSize(-1)).toBe('');
  });

  it('knows inline images and file icons', () => {
    expect(isInlineImage('image/png')).toBe(true);
    expect(isInlineImage('IMAGE/JPEG; charset=binary')).toBe(true);
    expect(isInlineImage('image/svg+xml')).toBe(false);
    expect(fileIcon('application/pdf', 'a.pdf')).toBe('📕');
    expect(fileIcon('application/octet-stream', 'server.log')).toBe('📄');
    expect(fileIcon('application/x-bin', 'blob')).toBe('📎');
  });

  it('names pasted images by time', () => {
    expect(pastedName('image/png', new Date('2026-12-05T01:02:03Z'))).toBe('pasted-2026-12-05-01-02-03.png');
    expect(pastedName('image/jpeg', new Date('2026-12-05T01:02:03Z'))).toBe('pasted-2026-12-05-01-02-03.jpg');
  });
});
