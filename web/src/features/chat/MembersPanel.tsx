import { useState } from 'react';
import type { Member } from '../../types';
import { Avatar } from '../../ui/Avatar';
import { ProfileCard } from './ProfileCard';
import { StatusMark } from './StatusMark';

export function MembersPanel({ members, onClose }: { members: Member[]; onClose: () => void }) {
  const sorted = [...members].sort((a, b) => Number(b.online) - Number(a.online) || a.user.name.localeCompare(b.user.name));
  const online = members.filter((m) => m.online).length;
  const [shown, setShown] = useState<string | null>(null);
  return (
    <aside className="side-panel members-panel" aria-labelledby="members-title" data-testid="members-panel">
      <header className="side-panel-header">
        <h2 id="members-title">
          Members <span className="muted small">{online} online</span>
        </h2>
        <button type="button" className="icon-button" aria-label="Close members" onClick={onClose}>
          ×
        </button>
      </header>
      <ul className="member-list">
        {sorted.map((m) => (
          <li key={m.user.id} data-testid="member" data-online={m.online}>
            <span className={`presence ${m.online ? 'online' : 'offline'}`} aria-hidden="true" />
            <Avatar id={m.user.id} name={m.user.name} url={m.user.avatarUrl} size={24} />
            <button type="button" className="member-name link-button" onClick={() => setShown(m.user.id)} data-testid="member-name">
              {m.user.name}
            </button>
            {m.status && <StatusMark status={m.status} />}
            <span className="visually-hidden">{m.online ? 'online' : 'offline'}</span>
            {m.role !== 'member' && <span className="muted small">{m.role}</span>}
          </li>
        ))}
      </ul>
      {shown && <ProfileCard userId={shown} onClose={() => setShown(null)} />}
    </aside>
  );
}

export function TypingLine({ names }: { names: string[] }) {
  const text =
    names.length === 0
      ? ''
      : names.length === 1
        ? `${names[0]} is typing…`
        : names.length === 2
          ? `${names[0]} and ${names[1]} are typing…`
          : 'Several people are typing…';
  return (
    <div className="typing-line" aria-live="polite" data-testid="typing-line">
      {text}
    </div>
  );
}
