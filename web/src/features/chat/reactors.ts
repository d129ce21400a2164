import { t } from '../../i18n';
/** "You, Ada Lovelace and Bob reacted with 👍"; past `max` names, "and 3 others". */
export function reactorsText(users: readonly { id: string; name: string }[], meId: string, emoji: string, max = 5): string {
  if (users.length === 0) return t('reactors.nobodyReactedWithEmojiAny', { emoji });
  const mine = users.filter((u) => u.id === meId);
  const names = [...mine.map(() => 'You'), ...users.filter((u) => u.id !== meId).map((u) => u.name)];
  const shown = names.slice(0, max);
  const rest = names.length - shown.length;
  let list: string;
  if (rest > 0) list = `${shown.join(', ')} and ${rest} ${rest === 1 ? 'other' : 'others'}`;
  else if (shown.length === 1) list = shown[0] ?? '';
  else list = `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
  return t('reactors.listReactedWithEmoji', { list, emoji });
}
