// The audit filters as the server takes them (unit-tested in audit.test.ts): `actor` is a
// user id, so an e-mail address typed by the admin is looked up first.
import type { AdminUser } from '../../types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value.trim());
}

/**
 * The user an "actor" search means: an exact e-mail match first, then the only match. Null
 * when nobody or several people match.
 */
export function pickActor(input: string, candidates: Pick<AdminUser, 'id' | 'email' | 'name'>[]): string | null {
  const wanted = input.trim().toLowerCase();
  const exact = candidates.find((u) => u.email?.toLowerCase() === wanted || u.name.toLowerCase() === wanted);
  if (exact) return exact.id;
  return candidates.length === 1 ? (candidates[0]?.id ?? null) : null;
}

/** A `date` input's day (YYYY-MM-DD, local midnight) as ISO-8601 UTC, for `since=`. */
export function dayToIso(day: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const t = new Date(`${day}T00:00:00`).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}
