// The composer's upload queue as pure state: each file is queued, uploads (with progress), and
// ends done (with its attachment), failed (with a reason, retryable) or cancelled.
import type { AttachmentView } from '../../types';

export type UploadState = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  /** Local key (not the server's id). */
  key: string;
  name: string;
  size: number;
  contentType: string;
  state: UploadState;
  /** Bytes sent so far and the request's total (a little more than `size`: the multipart frame). */
  loaded: number;
  total: number;
  attachment: AttachmentView | null;
  error: string | null;
}

/** At most this many files go with one message (the server's limit). */
export const MAX_ATTACHMENTS = 10;
/** Uploads running at once; the rest wait queued. */
export const MAX_CONCURRENT = 3;

export interface FileLike {
  name: string;
  size: number;
  type: string;
}

/**
 * Adds files to the queue, up to MAX_ATTACHMENTS live ones (cancelled and failed items do not
 * count); returns the new queue and how many files did not fit.
 */
export function addFiles(items: UploadItem[], files: FileLike[], newKey: () => string): { items: UploadItem[]; added: UploadItem[]; refused: number } {
  const room = Math.max(0, MAX_ATTACHMENTS - items.filter((i) => i.state !== 'cancelled' && i.state !== 'failed').length);
  const added = files.slice(0, room).map<UploadItem>((f) => ({
    key: newKey(),
    name: f.name || 'file',
    size: f.size,
    contentType: f.type || 'application/octet-stream',
    state: 'queued',
    loaded: 0,
    total: f.size,
    attachment: null,
    error: null,
  }));
  return { items: [...items, ...added], added, refused: files.length - added.length };
}

function change(items: UploadItem[], key: string, f: (i: UploadItem) => UploadItem): UploadItem[] {
  return items.map((i) => (i.key === key ? f(i) : i));
}

/** The queued items to start now so that at most `max` upload at once, oldest first. */
export function toStart(items: UploadItem[], max = MAX_CONCURRENT): UploadItem[] {
  const running = items.filter((i) => i.state === 'uploading').length;
  return items.filter((i) => i.state === 'queued').slice(0, Math.max(0, max - running));
}

export function started(items: UploadItem[], key: string): UploadItem[] {
  return change(items, key, (i) => (i.state === 'queued' ? { ...i, state: 'uploading', loaded: 0, error: null } : i));
}

export function progressed(items: UploadItem[], key: string, loaded: number, total: number): UploadItem[] {
  return change(items, key, (i) => (i.state === 'uploading' ? { ...i, loaded: Math.min(loaded, total), total: total > 0 ? total : i.total } : i));
}

export function finished(items: UploadItem[], key: string, attachment: AttachmentView): UploadItem[] {
  return change(items, key, (i) => (i.state === 'uploading' ? { ...i, state: 'done', loaded: i.total, attachment } : i));
}

export function failed(items: UploadItem[], key: string, error: string): UploadItem[] {
  return change(items, key, (i) => (i.state === 'uploading' || i.state === 'queued' ? { ...i, state: 'failed', error } : i));
}

export function cancelled(items: UploadItem[], key: string): UploadItem[] {
  return change(items, key, (i) => (i.state === 'uploading' || i.state === 'queued' ? { ...i, state: 'cancelled', error: null } : i));
}

/** A failed or cancelled file goes back in the queue. */
export function retried(items: UploadItem[], key: string): UploadItem[] {
  return change(items, key, (i) => (i.state === 'failed' || i.state === 'cancelled' ? { ...i, state: 'queued', loaded: 0, error: null } : i));
}

export function removed(items: UploadItem[], key: string): UploadItem[] {
  return items.filter((i) => i.key !== key);
}

/** True while a file is queued or on its way (sending waits). */
export function busy(items: UploadItem[]): boolean {
  return items.some((i) => i.state === 'queued' || i.state === 'uploading');
}

/** The server ids of the finished files, in the order they were added. */
export function attachmentIds(items: UploadItem[]): string[] {
  return items.flatMap((i) => (i.state === 'done' && i.attachment ? [i.attachment.id] : []));
}

/** Whether Send may go: no upload running, and text or at least one finished file. */
export function canSend(body: string, items: UploadItem[]): boolean {
  return !busy(items) && (body.trim() !== '' || attachmentIds(items).length > 0);
}

/** Percent done, 0..100. */
export function percent(item: UploadItem): number {
  if (item.state === 'done') return 100;
  if (item.total <= 0) return 0;
  return Math.floor((item.loaded / item.total) * 100);
}

/** A byte count for people: 0 B, 999 B, 1.5 KB, 12 MB, 1.2 GB (powers of 1024). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)} ${units[unit]}`;
}

/** Image types the server shows inline (the others download). */
export const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function isInlineImage(contentType: string): boolean {
  return INLINE_IMAGE_TYPES.has(contentType.toLowerCase().split(';')[0]?.trim() ?? '');
}

/** An emoji standing for a file's kind on its card. */
export function fileIcon(contentType: string, name: string): string {
  const type = contentType.toLowerCase();
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (type.startsWith('image/')) return '🖼';
  if (type.startsWith('video/')) return '🎞';
  if (type.startsWith('audio/')) return '🎵';
  if (type === 'application/pdf' || ext === 'pdf') return '📕';
  if (type.includes('zip') || type.includes('compressed') || ['zip', 'gz', 'tgz', 'tar', '7z', 'rar'].includes(ext)) return '🗜';
  if (type.startsWith('text/') || ['log', 'txt', 'md', 'csv', 'json'].includes(ext)) return '📄';
  return '📎';
}

/** A name for a pasted image that has none (or the browser's generic "image.png"). */
export function pastedName(type: string, now: Date): string {
  const ext = type.split('/')[1]?.split('+')[0] || 'png';
  const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return `pasted-${stamp}.${ext === 'jpeg' ? 'jpg' : ext}`;
}
