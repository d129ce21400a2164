import type { Download } from '../api';

/**
 * Hands a fetched file to the browser as a download: an object URL on a temporary
 * `<a download>` that is clicked once. The URL is freed a little later (Chromium reads it after
 * the click returns).
 */
export function saveDownload({ blob, filename }: Download, fallbackName: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename ?? fallbackName;
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
