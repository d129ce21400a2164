// The search box's query language (the server's): words, "phrases", from:, in:, before:,
// after:, has:thread. The filter controls edit the same string, so a query stays linkable.
import type { SearchHit } from '../../types';
import { t } from '../../i18n';

export interface SearchFilters {
  /** Words and "phrases", as typed. */
  text: string;
  /** A name or e-mail (one word). */
  from: string;
  /** A room slug. */
  in: string;
  /** YYYY-MM-DD. */
  after: string;
  before: string;
  hasThread: boolean;
}

export const EMPTY_FILTERS: SearchFilters = { text: '', from: '', in: '', after: '', before: '', hasThread: false };

/** Splits on whitespace, keeping "quoted phrases" (with their quotes) together. */
function tokens(q: string): string[] {
  const out: string[] = [];
  const re = /"[^"]*"?|\S+/g;
  for (const m of q.matchAll(re)) out.push(m[0]);
  return out;
}

export function parseSearch(q: string): SearchFilters {
  const f: SearchFilters = { ...EMPTY_FILTERS };
  const text: string[] = [];
  for (const token of tokens(q)) {
    const colon = token.startsWith('"') ? -1 : token.indexOf(':');
    const key = colon > 0 ? token.slice(0, colon).toLowerCase() : '';
    const value = colon > 0 ? token.slice(colon + 1) : '';
    if (key === 'from' && value) f.from = value.replace(/^@/, '');
    else if (key === 'in' && value) f.in = value.replace(/^#/, '');
    else if (key === 'after' && value) f.after = value;
    else if (key === 'before' && value) f.before = value;
    else if (key === 'has' && value.toLowerCase() === 'thread') f.hasThread = true;
    else text.push(token);
  }
  f.text = text.join(' ');
  return f;
}

/** One word for a filter value (the server reads filters up to the next space). */
const word = (v: string) => v.trim().split(/\s+/)[0] ?? '';

export function composeSearch(f: SearchFilters): string {
  const parts = [f.text.trim()];
  if (word(f.from)) parts.push(`from:${word(f.from)}`);
  if (word(f.in)) parts.push(`in:${word(f.in)}`);
  if (word(f.after)) parts.push(`after:${word(f.after)}`);
  if (word(f.before)) parts.push(`before:${word(f.before)}`);
  if (f.hasThread) parts.push('has:thread');
  return parts.filter(Boolean).join(' ');
}

/** Whether the server has something to look for: words, phrases, or a from:/in: filter (dates and has:thread alone are refused). */
export function hasTerms(f: SearchFilters): boolean {
  return f.text.replace(/"/g, '').trim() !== '' || f.from !== '' || f.in !== '';
}

/** Where a hit opens: its room (or ticket) at the message; a reply opens its thread too. */
export function hitUrl(hit: Pick<SearchHit, 'message' | 'room'>): string {
  const base = hit.room.kind === 'ticket' ? `/tickets/${hit.room.id}` : `/rooms/${hit.room.id}`;
  const params = new URLSearchParams({ seq: String(hit.message.seq) });
  if (hit.message.parentId) params.set('thread', hit.message.parentId);
  return `${base}?${params.toString()}`;
}

/** "1 result", "12 results", "20+ results" (more pages). */
export function resultCount(n: number, more: boolean): string {
  return more ? t('query.resultsMore', { count: n }) : t('query.resultCount', { count: n });
}

/** The room label of a hit: #general, @Ada & Sam, Ticket: subject. */
export function roomLabel(room: Pick<SearchHit['room'], 'kind' | 'title'>): string {
  if (room.kind === 'dm') return `@${room.title}`;
  if (room.kind === 'ticket') return t('query.ticketTitle', { title: room.title });
  return `#${room.title}`;
}
