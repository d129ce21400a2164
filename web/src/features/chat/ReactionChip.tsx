import { useCallback, useId, useLayoutEffect, useRef, useState, type CSSProperties } from 'react';
import { api } from '../../api';
import type { Reaction, ReactionUsers } from '../../types';
import { WriteButton } from '../../ui/readOnly';
import { reactorsText } from './reactors';
import { t } from '../../i18n';

/** Who reacted, per message, for as long as its reactions stay as they were when asked. */
const cache = new Map<string, { signature: string; items: ReactionUsers[] }>();

const signatureOf = (reactions: readonly Reaction[]) => reactions.map((r) => `${r.emoji}:${r.count}`).join('|');

/**
 * One reaction chip: pressing it toggles my reaction; hovering or focusing it asks the server
 * who reacted (once per change of the counts) and says so in a tooltip.
 */
export function ReactionChip({
  messageId,
  reaction,
  reactions,
  meId,
  onToggle,
}: {
  messageId: string;
  reaction: Reaction;
  /** All of the message's reactions (a change in any of them asks again). */
  reactions: readonly Reaction[];
  meId: string;
  onToggle: () => void;
}) {
  const [shown, setShown] = useState(false);
  const [text, setText] = useState<string | null>(null);
  const [style, setStyle] = useState<CSSProperties>({ visibility: 'hidden' });
  const chip = useRef<HTMLButtonElement>(null);
  const tip = useRef<HTMLSpanElement>(null);
  const tipId = useId();
  const signature = signatureOf(reactions);

  const load = useCallback(async () => {
    const cached = cache.get(messageId);
    let items = cached?.signature === signature ? cached.items : null;
    if (!items) {
      try {
        items = await api.messages.reactors(messageId);
        cache.set(messageId, { signature, items });
      } catch {
        setText(null);
        return;
      }
    }
    const entry = items.find((i) => i.emoji === reaction.emoji);
    setText(reactorsText(entry?.users ?? [], meId, reaction.emoji));
  }, [messageId, signature, reaction.emoji, meId]);

  const show = () => {
    setShown(true);
    void load();
  };

  useLayoutEffect(() => {
    if (!shown || !text) return;
    const c = chip.current?.getBoundingClientRect();
    const t = tip.current;
    if (!c || !t) return;
    // Above the chip by preference, below where there is no room; never off the sides.
    const h = t.offsetHeight;
    const top = c.top - h - 6 >= 8 ? c.top - h - 6 : Math.min(c.bottom + 6, window.innerHeight - 8 - h);
    const left = Math.max(8, Math.min(c.left, window.innerWidth - 8 - t.offsetWidth));
    setStyle({ top: Math.round(top), left: Math.round(left) });
  }, [shown, text]);

  return (
    <>
      <WriteButton
        ref={chip}
        className={`reaction ${reaction.me ? 'me' : ''}`}
        aria-pressed={reaction.me}
        aria-label={t(reaction.me ? 'reactionChip.countWithYou' : 'reactionChip.count', { emoji: reaction.emoji, count: reaction.count })}
        aria-describedby={shown && text ? tipId : undefined}
        onClick={onToggle}
        onMouseEnter={show}
        onMouseLeave={() => setShown(false)}
        onFocus={show}
        onBlur={() => setShown(false)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && shown) {
            e.stopPropagation();
            setShown(false);
          }
        }}
        data-testid="reaction"
      >
        {reaction.emoji} <span>{reaction.count}</span>
      </WriteButton>
      {shown && text && (
        <span ref={tip} id={tipId} role="tooltip" className="reactors-tip" style={style} data-testid="reactors-tooltip">
          {text}
        </span>
      )}
    </>
  );
}
