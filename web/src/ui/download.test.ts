import { afterEach, describe, expect, it, vi } from 'vitest';
import { saveDownload } from './download';

afterEach(() => vi.useRealTimers());

describe('saving a fetched file', () => {
  it('clicks a temporary <a download> on an object URL and frees the URL later', () => {
    vi.useFakeTimers();
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:local/1');
    const revoked = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const clicked: { href: string; download: string; attached: boolean }[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ href: this.href, download: this.download, attached: document.body.contains(this) });
    });
    const blob = new Blob(['a,b\r\n'], { type: 'text/csv' });

    saveDownload({ blob, filename: 'audit-20261204.csv' }, 'fallback.csv');
    saveDownload({ blob, filename: null }, 'fallback.csv');

    expect(created).toHaveBeenCalledWith(blob);
    expect(click).toHaveBeenCalledTimes(2);
    expect(clicked).toEqual([
      { href: 'blob:local/1', download: 'audit-20261204.csv', attached: true },
      { href: 'blob:local/1', download: 'fallback.csv', attached: true },
    ]);
    expect(document.querySelectorAll('a[download]')).toHaveLength(0);
    expect(revoked).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect(revoked).toHaveBeenCalledWith('blob:local/1');
  });
});
