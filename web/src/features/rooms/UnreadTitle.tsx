import { useEffect } from 'react';
import type { Room } from '../../types';
import { badgeText, titleWithUnread } from '../chat/catchup';
import { useRooms } from './RoomsContext';

const BASE_TITLE = 'Switchboard';

/** Rooms whose unread messages count in the tab: not muted, not set to notify nothing. */
export function countedUnread(rooms: readonly Room[], now = Date.now()): number {
  return rooms.reduce((sum, r) => {
    const muted = r.notifyLevel === 'none' || (r.mutedUntil ? Date.parse(r.mutedUntil) > now : false);
    return muted ? sum : sum + Math.max(0, r.unread);
  }, 0);
}

/** The app's icon with the unread count in a red badge (an SVG data URL). */
export function faviconWithBadge(unread: number): string {
  const text = badgeText(unread);
  const badge = text
    ? `<circle cx='23' cy='9' r='${text.length > 2 ? 9 : 8}' fill='#d92d20' stroke='white' stroke-width='1.5'/>` +
      `<text x='23' y='13' font-family='Arial,sans-serif' font-size='${text.length > 1 ? 9 : 12}' font-weight='700' fill='white' text-anchor='middle'>${text}</text>`
    : '';
  const svg =
    `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='7' fill='#1f4fd1'/>` +
    `<path d='M9 11h14M9 16h10M9 21h6' stroke='white' stroke-width='3' stroke-linecap='round'/>${badge}</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** Keeps the tab's title and icon showing how many messages wait unread. */
export function UnreadTitle() {
  const { rooms } = useRooms();
  const unread = countedUnread(rooms);
  useEffect(() => {
    document.title = titleWithUnread(BASE_TITLE, unread);
    let icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (!icon) {
      icon = document.createElement('link');
      icon.rel = 'icon';
      document.head.appendChild(icon);
    }
    icon.href = faviconWithBadge(unread);
    icon.dataset.unread = String(unread);
  }, [unread]);
  useEffect(
    () => () => {
      document.title = BASE_TITLE;
      const icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
      if (icon) {
        icon.href = faviconWithBadge(0);
        icon.dataset.unread = '0';
      }
    },
    [],
  );
  return null;
}
