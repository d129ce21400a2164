// Room slugs as the server takes them (server/src/domain/room.rs `parse_slug`): 2 to 64 of
// a-z, 0-9, "-" and "_", starting with a letter or a digit.

import { t } from '../../i18n';

export const SLUG_MIN = 2;
export const SLUG_MAX = 64;

/**
 * The `pattern` attribute of the slug input. Browsers compile it with the `v` flag, where a
 * bare "-" at the end of a class is a syntax error (the old pattern logged one on every open
 * and checked nothing): the dash is escaped.
 */
export const SLUG_PATTERN = `[a-z0-9][a-z0-9_\\-]{${SLUG_MIN - 1},${SLUG_MAX - 1}}`;

/** What a slug may be, as a sentence. */
export const slugHint = () => t('slug.hint', { min: SLUG_MIN, max: SLUG_MAX });

const SLUG_RE = new RegExp(`^(?:${SLUG_PATTERN})$`, 'v');

/** Whether the server will take `slug` as it is. */
export function isValidSlug(slug: string): boolean {
  return SLUG_RE.test(slug);
}

/** Letters that do not decompose into a base letter and marks. */
const SPECIAL: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
};

/** A slug from a title: "Équipe Café" → "equipe-cafe" (accents dropped, not split off). */
export function slugify(title: string): string {
  return title
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæœøđðþłı]/g, (c) => SPECIAL[c] ?? c)
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, SLUG_MAX)
    .replace(/[-_]+$/, '');
}
