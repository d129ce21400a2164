import { useEffect, useState } from 'react';
import type { AttachmentView, LinkPreview } from '../../types';
import { Dialog } from '../../ui/Dialog';
import { WriteButton } from '../../ui/readOnly';
import { fileIcon, humanSize, isInlineImage } from './uploads';
import { t } from '../../i18n';

/** Display size of a grid thumbnail: the image's aspect within a 240x240 box (no layout shift). */
export function thumbBox(width: number | null, height: number | null, max = 240): { width: number; height: number } {
  if (!width || !height || width <= 0 || height <= 0) return { width: max, height: max };
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

function Lightbox({ images, index, onIndex, onClose }: { images: AttachmentView[]; index: number; onIndex: (i: number) => void; onClose: () => void }) {
  const image = images[index];
  const count = images.length;
  const step = (d: number) => onIndex((index + d + count) % count);
  // Arrow keys move between the message's images wherever the focus is in the dialog.
  useEffect(() => {
    if (count < 2) return undefined;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      e.preventDefault();
      onIndex((index + (e.key === 'ArrowRight' ? 1 : -1) + count) % count);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [index, count, onIndex]);
  return (
    <Dialog open title={image?.name ?? t('attachments.image')} onClose={onClose} className="lightbox" testId="lightbox">
      {image && (
        <div className="lightbox-body" role="group" aria-roledescription="carousel" aria-label={t('attachments.imageValueLength', { value: index + 1, length: images.length })}>
          <img src={image.url} alt={image.name} width={image.width ?? undefined} height={image.height ?? undefined} data-testid="lightbox-image" />
          <div className="lightbox-bar">
            {images.length > 1 && (
              <button type="button" className="button small" onClick={() => step(-1)} aria-label={t('attachments.previousImage')} data-testid="lightbox-prev">
                ←
              </button>
            )}
            <span className="muted small" data-testid="lightbox-position">
              {index + 1} / {images.length} · {humanSize(image.size)}
            </span>
            {images.length > 1 && (
              <button type="button" className="button small" onClick={() => step(1)} aria-label={t('attachments.nextImage')} data-testid="lightbox-next">
                →
              </button>
            )}
            <a className="button small" href={image.url} download={image.name}>
              {t('attachments.download')}
            </a>
          </div>
        </div>
      )}
    </Dialog>
  );
}

/** A message's files: images as a grid of thumbnails (click for the lightbox), others as cards. */
export function Attachments({ attachments }: { attachments: AttachmentView[] }) {
  const [open, setOpen] = useState<number | null>(null);
  const images = attachments.filter((a) => isInlineImage(a.contentType));
  const files = attachments.filter((a) => !isInlineImage(a.contentType));
  return (
    <div className="attachments" data-testid="attachments">
      {images.length > 0 && (
        <ul className={`image-grid ${images.length === 1 ? 'single' : ''}`} aria-label={t('attachments.images')}>
          {images.map((a, i) => {
            const box = thumbBox(a.width, a.height);
            return (
              <li key={a.id}>
                <button type="button" className="image-thumb" onClick={() => setOpen(i)} aria-label={t('attachments.openName', { name: a.name })} data-testid="image-thumb">
                  <img src={a.thumbnailUrl ?? a.url} alt={a.name} width={box.width} height={box.height} loading="lazy" decoding="async" />
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {files.length > 0 && (
        <ul className="file-cards" aria-label={t('common.files')}>
          {files.map((a) => (
            <li key={a.id} className="file-card" data-testid="file-card">
              <span className="file-card-icon" aria-hidden="true">
                {fileIcon(a.contentType, a.name)}
              </span>
              <span className="file-card-text">
                <span className="file-card-name" title={a.name}>
                  {a.name}
                </span>
                <span className="muted small">{humanSize(a.size)}</span>
              </span>
              <a className="button small" href={a.url} download={a.name} aria-label={t('attachments.downloadName', { name: a.name })} data-testid="file-download">
                {t('attachments.download')}
              </a>
            </li>
          ))}
        </ul>
      )}
      {open !== null && images.length > 0 && <Lightbox images={images} index={Math.min(open, images.length - 1)} onIndex={setOpen} onClose={() => setOpen(null)} />}
    </div>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The card of a link in the message; its author may remove it. */
export function PreviewCard({ preview, onRemove }: { preview: LinkPreview; onRemove?: () => void }) {
  const site = preview.siteName ?? hostOf(preview.url);
  // Only web links are followed, and only the server's own attachment URLs are shown as images.
  const safe = /^https?:\/\//i.test(preview.url);
  const image = preview.imageUrl?.startsWith('/api/v1/') ? preview.imageUrl : null;
  return (
    <div className="link-preview" data-testid="link-preview">
      {image && <img className="link-preview-image" src={image} alt="" width={80} height={80} loading="lazy" />}
      <div className="link-preview-text">
        <span className="muted small">{site}</span>
        {safe ? (
          <a href={preview.url} target="_blank" rel="noopener noreferrer nofollow ugc" className="link-preview-title" data-testid="link-preview-title">
            {preview.title ?? preview.url}
          </a>
        ) : (
          <span className="link-preview-title">{preview.title ?? preview.url}</span>
        )}
        {preview.description && <span className="link-preview-description small">{preview.description}</span>}
      </div>
      {onRemove && (
        <WriteButton className="icon-button small link-preview-remove" aria-label={t('attachments.removePreview')} title={t('attachments.removePreview')} onClick={onRemove} data-testid="preview-remove">
          ×
        </WriteButton>
      )}
    </div>
  );
}
