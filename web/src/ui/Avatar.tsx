import { useState } from 'react';
import { avatarHue, avatarSrc } from './avatar';
import { initials } from './format';

interface Props {
  /** The person's id (the fallback colour comes from it). */
  id: string;
  name: string;
  url?: string | null;
  /** Pixels (square). */
  size?: number;
  className?: string;
}

/** A person's picture, or their initials on a colour of their own when they have none. */
export function Avatar({ id, name, url, size = 32, className = '' }: Props) {
  const [broken, setBroken] = useState<string | null>(null);
  const style = { width: size, height: size, fontSize: Math.max(10, Math.round(size * 0.4)) };
  if (url && broken !== url) {
    return (
      <img
        className={`avatar ${className}`}
        src={avatarSrc(url, size)}
        alt=""
        width={size}
        height={size}
        loading="lazy"
        style={style}
        onError={() => setBroken(url)}
        data-testid="avatar"
        data-kind="image"
      />
    );
  }
  return (
    <span
      className={`avatar avatar-initials ${className}`}
      style={{ ...style, background: `hsl(${avatarHue(id)} 55% 30%)` }}
      aria-hidden="true"
      data-testid="avatar"
      data-kind="initials"
    >
      {initials(name)}
    </span>
  );
}
