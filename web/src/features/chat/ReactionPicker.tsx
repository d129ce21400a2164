import { lazy, Suspense, useCallback, useLayoutEffect, useRef, useState, type CSSProperties, type KeyboardEvent, type RefObject } from 'react';
import { placePopover } from '../../ui/placement';
import { usePopover } from '../../ui/popover';
import { WriteButton } from '../../ui/readOnly';
import { t } from '../../i18n';

export const QUICK_EMOJIS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅', '🙏', '🚀'];

const FullEmojiPicker = lazy(() => import('./FullEmojiPicker').then((m) => ({ default: m.FullEmojiPicker })));

/**
 * Where an open panel goes: measured against its trigger and the viewport, and placed again
 * when the page scrolls or resizes, so it is never clipped (the last message of a room opens
 * it above, a narrow screen shifts it sideways).
 */
/** Off screen (still focusable) until measured. */
const UNPLACED: CSSProperties = { top: -10000, left: -10000 };

function usePlacement(open: boolean, trigger: RefObject<HTMLElement | null>, panel: RefObject<HTMLElement | null>, content: unknown): CSSProperties {
  const [style, setStyle] = useState<CSSProperties>(UNPLACED);
  useLayoutEffect(() => {
    if (!open) {
      setStyle(UNPLACED);
      return undefined;
    }
    const place = () => {
      const t = trigger.current?.getBoundingClientRect();
      const p = panel.current;
      if (!t || !p) return;
      const at = placePopover(t, { width: p.offsetWidth, height: p.offsetHeight }, { width: window.innerWidth, height: window.innerHeight });
      setStyle({ top: at.top, left: at.left });
    };
    place();
    // The full picker grows once its data is in.
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(place);
    if (panel.current) observer?.observe(panel.current);
    window.addEventListener('resize', place);
    window.addEventListener('scroll', place, true);
    return () => {
      observer?.disconnect();
      window.removeEventListener('resize', place);
      window.removeEventListener('scroll', place, true);
    };
  }, [open, trigger, panel, content]);
  return style;
}

/**
 * A popover of frequent emojis and, behind "More", the full picker with search; arrow keys
 * move, Escape closes and gives focus back. It stays inside the viewport wherever the message is.
 */
export function ReactionPicker({ onPick, label }: { onPick: (emoji: string) => void; label: string }) {
  const [open, setOpen] = useState(false);
  const [full, setFull] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const close = useCallback(() => {
    setOpen(false);
    setFull(false);
  }, []);

  usePopover(open, panel, trigger, close);
  const style = usePlacement(open, trigger, panel, full);

  const done = (emoji: string) => {
    onPick(emoji);
    close();
    trigger.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
      trigger.current?.focus();
      return;
    }
    if (full) return;
    const buttons = [...(panel.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
      e.preventDefault();
      buttons[(i + 1) % buttons.length]?.focus();
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
      e.preventDefault();
      buttons[(i - 1 + buttons.length) % buttons.length]?.focus();
    }
  };

  return (
    <span className="picker-anchor">
      <WriteButton
        ref={trigger}
        className="icon-button small"
        aria-label={label}
        title={label}
        aria-expanded={open}
        aria-haspopup="true"
        onClick={() => (open ? close() : setOpen(true))}
        data-testid="reaction-picker-button"
      >
        <span aria-hidden="true">☺+</span>
      </WriteButton>
      {open && (
        <div
          ref={panel}
          className={`reaction-picker ${full ? 'full' : ''}`}
          style={style}
          role="group"
          aria-label={t('reactionPicker.pickReaction')}
          onKeyDown={onKey}
          data-testid="reaction-picker"
        >
          {full ? (
            <Suspense
              fallback={
                <p className="muted small" role="status">
                  {t('fullEmojiPicker.loadingEmoji')}
                </p>
              }
            >
              <FullEmojiPicker onPick={done} />
            </Suspense>
          ) : (
            <>
              {QUICK_EMOJIS.map((emoji) => (
                <button key={emoji} type="button" className="emoji-button" aria-label={t('reactionPicker.reactWithEmoji', { emoji })} onClick={() => done(emoji)}>
                  {emoji}
                </button>
              ))}
              <button type="button" className="link-button small more-emoji" onClick={() => setFull(true)} data-testid="more-emoji">
                {t('reactionPicker.moreEmoji')}
              </button>
            </>
          )}
        </div>
      )}
    </span>
  );
}
