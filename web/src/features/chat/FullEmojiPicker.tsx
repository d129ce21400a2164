import { useEffect, useEffectEvent, useRef, useState } from 'react';
// The emoji data ships with the client (no CDN at run time): Vite copies the JSON into the
// build and gives its URL; the picker fetches it only when first opened and caches it in
// IndexedDB.
import emojiDataUrl from 'emoji-picker-element-data/en/emojibase/data.json?url';
import { t } from '../../i18n';

/**
 * The picker styles its shadow root with a `<style>` element and `style` attributes, which the
 * app's Content-Security-Policy (`style-src 'self'`) refuses. The same rules go in through the
 * CSSOM, which the policy allows: the `<style>` text as a constructed stylesheet, and each
 * refused `style` attribute as `style.cssText`.
 */
function adoptStyles(root: ShadowRoot): () => void {
  const text = [...root.querySelectorAll('style')].map((s) => s.textContent ?? '').join('\n');
  if (text && typeof CSSStyleSheet !== 'undefined' && 'adoptedStyleSheets' in root) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }
  const apply = (el: Element) => {
    const attr = el.getAttribute('style');
    // A refused attribute leaves the declarations empty; applied ones are left alone.
    if (attr && el instanceof HTMLElement && el.style.length === 0) el.style.cssText = attr;
  };
  const sweep = () => root.querySelectorAll('[style]').forEach(apply);
  sweep();
  const observer = new MutationObserver(sweep);
  observer.observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['style'] });
  return () => observer.disconnect();
}

/**
 * The full emoji picker with search (`emoji-picker-element`), loaded on first use: neither
 * its code nor its data are in the main bundle.
 */
export function FullEmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  const pick = useEffectEvent((emoji: string) => onPick(emoji));

  useEffect(() => {
    let cancelled = false;
    let picker: HTMLElement | null = null;
    let unadopt = () => undefined as void;
    const onClick = (e: Event) => {
      const unicode = (e as CustomEvent<{ unicode?: string }>).detail.unicode;
      if (unicode) pick(unicode);
    };
    import('emoji-picker-element/picker.js')
      .then(({ default: Picker }) => {
        if (cancelled || !host.current) return;
        const el = new Picker({ dataSource: emojiDataUrl, locale: 'en' });
        el.classList.add('full-emoji-picker');
        el.setAttribute('data-testid', 'full-emoji-picker');
        el.addEventListener('emoji-click', onClick);
        host.current.appendChild(el);
        if (el.shadowRoot) unadopt = adoptStyles(el.shadowRoot);
        picker = el;
        setState('ready');
        // Search first: the picker puts its search box in its shadow root.
        requestAnimationFrame(() => el.shadowRoot?.querySelector<HTMLInputElement>('input[type="search"]')?.focus());
      })
      .catch(() => !cancelled && setState('failed'));
    return () => {
      cancelled = true;
      unadopt();
      picker?.removeEventListener('emoji-click', onClick);
      picker?.remove();
    };
  }, []);

  return (
    <div ref={host} className="full-emoji-host">
      {state === 'loading' && (
        <p className="muted small" role="status">
          {t('fullEmojiPicker.loadingEmoji')}
        </p>
      )}
      {state === 'failed' && (
        <p className="form-error small" role="alert">
          {t('fullEmojiPicker.theEmojiListCouldNot')}
        </p>
      )}
    </div>
  );
}
