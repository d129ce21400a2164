import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import type { User } from '../../types';
import { Avatar } from '../../ui/Avatar';
import { useDebounced } from '../../ui/useDebounced';
import { t } from '../../i18n';

interface Props {
  /** The visible label of the search box. */
  label: string;
  /** People not to offer (members already, people picked already, me). */
  exclude: ReadonlySet<string>;
  /** Why a person cannot be offered (the client-side policy), or null when they can. */
  refusal?: (user: User) => string | null;
  onPick: (user: User) => void;
  disabled?: boolean;
  testId?: string;
}

const LIMIT = 20;

/**
 * A search box over the team directory (`GET /users?q=`) with a list of matches to pick from
 * with the mouse or the arrow keys and Enter. Only people the policy lets in are offered; the
 * server still decides when one is picked.
 */
export function PeoplePicker({ label, exclude, refusal, onPick, disabled, testId = 'people-picker' }: Props) {
  const id = useId();
  const [q, setQ] = useState('');
  const dq = useDebounced(q.trim(), 150);
  const [active, setActive] = useState(0);
  // A failed lookup only means nothing to offer (no toast); the box stays usable.
  const found = useQuery({ queryKey: queryKeys.users.search(dq, LIMIT), queryFn: () => api.users.search(dq, undefined, LIMIT), enabled: dq !== '' });

  const options = dq ? (found.data?.items ?? []).filter((u) => !exclude.has(u.id) && !refusal?.(u)) : [];
  const open = q.trim() !== '' && options.length > 0;
  useEffect(() => setActive(0), [dq]);

  const pick = (user: User) => {
    onPick(user);
    setQ('');
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (!open) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : options.length - 1;
      setActive((i) => (i + step) % options.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const user = options[Math.min(active, options.length - 1)];
      if (user) pick(user);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setQ('');
    }
  };

  const searched = dq !== '' && (found.data !== undefined || found.isError);
  return (
    <div className="people-picker" data-testid={testId}>
      <label htmlFor={`${id}-q`}>{label}</label>
      <input
        id={`${id}-q`}
        type="search"
        value={q}
        disabled={disabled}
        placeholder={t('common.nameEmail')}
        autoComplete="off"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={`${id}-list`}
        aria-activedescendant={open ? `${id}-opt-${active}` : undefined}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={onKey}
        data-testid={`${testId}-input`}
      />
      <ul id={`${id}-list`} role="listbox" aria-label={label} className="people-options" hidden={!open}>
        {options.map((u, i) => (
          <li
            key={u.id}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === active}
            data-testid={`${testId}-option`}
            data-user-id={u.id}
            // mousedown: the input keeps focus, so the list does not close under the pointer.
            onMouseDown={(e) => {
              e.preventDefault();
              pick(u);
            }}
          >
            <Avatar id={u.id} name={u.name} url={u.avatarUrl} size={20} />
            <span>{u.name}</span>
            {u.handle && <span className="muted small">@{u.handle}</span>}
            {u.department && <span className="muted small">{u.department}</span>}
          </li>
        ))}
      </ul>
      {searched && options.length === 0 && (
        <p className="muted small" role="status">
          {t('peoplePicker.nobodyAddMatches', { query: dq })}
        </p>
      )}
    </div>
  );
}
