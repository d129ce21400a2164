import { useCallback, useRef, useState, type KeyboardEvent } from 'react';
import { usePopover } from '../../ui/popover';
import { WriteButton } from '../../ui/readOnly';

export const QUICK_EMOJIS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅', '🙏', '🚀'];

/** A small popover of emojis; arrow keys move, Escape closes and gives focus back. */
export function ReactionPicker({ onPick, label }: { onPick: (emoji: string) => void; label: string }) {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  usePopover(open, panel, trigger, useCallback(() => setOpen(false), []));

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(panel.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.stopPropagation();
      setOpen(false);
      trigger.current?.focus();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
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
        onClick={() => setOpen((o) => !o)}
        data-testid="reaction-picker-button"
      >
        <span aria-hidden="true">☺+</span>
      </WriteButton>
      {open && (
        <div ref={panel} className="reaction-picker" role="group" aria-label="Pick a reaction" onKeyDown={onKey} data-testid="reaction-picker">
          {QUICK_EMOJIS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              className="emoji-button"
              aria-label={`React with ${emoji}`}
              onClick={() => {
                onPick(emoji);
                setOpen(false);
                trigger.current?.focus();
              }}
            >
              {emoji}
            </button>
          ))}
        </div>
      )}
    </span>
  );
}
