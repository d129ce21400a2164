import { useEffect, useState } from 'react';
import { api } from '../../api';
import type { Mentionable } from '../../types';
import { groupMentions, type MentionTrigger } from '../notifications/trigger';
import { t } from '../../i18n';

export interface MentionOption {
  handle: string;
  label: string;
}

const DEBOUNCE_MS = 150;

/** Who to offer for the `@` being typed: people from the server (debounced), then `@here`/`@room`. */
export function useMentionOptions(roomId: string, trigger: MentionTrigger | null): MentionOption[] {
  const query = trigger?.query ?? null;
  const [people, setPeople] = useState<{ query: string; items: Mentionable[] } | null>(null);

  useEffect(() => {
    if (query === null) return undefined;
    let cancelled = false;
    const timer = setTimeout(() => {
      api.rooms
        .mentionable(roomId, query)
        .then((items) => !cancelled && setPeople({ query, items }))
        // A failed lookup only means no suggestions; typing goes on.
        .catch(() => !cancelled && setPeople({ query, items: [] }));
    }, DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [roomId, query]);

  // Nothing until the server answered for this query: an Enter typed fast must not take
  // `@here` only because people were not listed yet.
  if (query === null || people?.query !== query) return [];
  return [...people.items.map((p) => ({ handle: p.handle, label: p.name })), ...groupMentions(query)];
}

interface Props {
  id: string;
  options: MentionOption[];
  selected: number;
  onPick(option: MentionOption): void;
}

/** The list under the composer; the textarea keeps focus and drives it with the keyboard. */
export function MentionSuggest({ id, options, selected, onPick }: Props) {
  return (
    <ul id={id} className="mention-suggest" role="listbox" aria-label={t('mentionSuggest.mentionSomeone')} data-testid="mention-suggest">
      {options.map((o, i) => (
        <li
          key={o.handle}
          id={`${id}-${i}`}
          role="option"
          aria-selected={i === selected}
          data-handle={o.handle}
          // mousedown, not click: the textarea must not lose focus (and the caret) first.
          onMouseDown={(e) => {
            e.preventDefault();
            onPick(o);
          }}
        >
          <strong>@{o.handle}</strong> <span className="muted small">{o.label}</span>
        </li>
      ))}
    </ul>
  );
}
