import { describe, expect, it } from 'vitest';
import { supportForm } from '../../api';
import { thumbBox } from './Attachments';
import { pastedFiles } from './Composer';

describe('attachments', () => {
  it('sizes thumbnails to the image aspect within the box, so nothing shifts when they load', () => {
    expect(thumbBox(1200, 600)).toEqual({ width: 240, height: 120 });
    expect(thumbBox(300, 900)).toEqual({ width: 80, height: 240 });
    expect(thumbBox(100, 50)).toEqual({ width: 100, height: 50 });
    // Unknown dimensions (no thumbnail yet): a square box.
    expect(thumbBox(null, null)).toEqual({ width: 240, height: 240 });
    expect(thumbBox(0, 10)).toEqual({ width: 240, height: 240 });
  });

  it('names pasted images that come without a useful name', () => {
    const data = {
      files: [new File(['x'], 'image.png', { type: 'image/png' }), new File(['y'], 'shot.jpg', { type: 'image/jpeg' })],
    } as unknown as DataTransfer;
    const names = pastedFiles(data, new Date('2026-12-05T01:00:00Z')).map((f) => f.name);
    expect(names).toEqual(['pasted-2026-12-05-01-00-00.png', 'shot.jpg']);
    expect(pastedFiles(null)).toEqual([]);
  });

  it('sends the support form as text parts plus file parts', () => {
    const form = supportForm(
      { name: 'Ann', email: 'ann@example.com', subject: 'Broken', message: 'See the log', department: 'billing' },
      [new File(['log'], 'app.log', { type: 'text/plain' }), new File(['pdf'], 'invoice.pdf', { type: 'application/pdf' })],
    );
    expect(form.get('name')).toBe('Ann');
    expect(form.get('department')).toBe('billing');
    expect(form.getAll('file').map((f) => (f as File).name)).toEqual(['app.log', 'invoice.pdf']);
  });
});
