// The ticket queue's filters (kept in the URL) and how live `ticket:updated` events change a
// loaded page. Pure functions, unit-tested in queue.test.ts.
import type { TicketFilters } from '../../api';
import { TICKET_PRIORITIES, TICKET_STATUSES, type Ticket, type TicketPriority, type TicketStatus } from '../../types';

/** Assignee filter values the server understands besides a user id. */
export const ASSIGNEE_ME = 'me';
export const UNASSIGNED = 'none';

/** The queue opens on open tickets; `status=` (empty) in the URL means any status. */
export function filtersFrom(search: URLSearchParams): TicketFilters {
  const status = search.get('status') ?? 'open';
  const priority = search.get('priority') ?? '';
  return {
    status: (TICKET_STATUSES as readonly string[]).includes(status) ? (status as TicketStatus) : '',
    department: search.get('department') ?? '',
    assignee: search.get('assignee') ?? '',
    priority: (TICKET_PRIORITIES as readonly string[]).includes(priority) ? (priority as TicketPriority) : '',
  };
}

/** Whether a ticket belongs in a queue with these filters (as the server would filter). */
export function matchesFilters(t: Ticket, f: TicketFilters, meId: string): boolean {
  if (f.status && t.status !== f.status) return false;
  if (f.priority && t.priority !== f.priority) return false;
  if (f.department && t.department !== f.department) return false;
  if (f.assignee) {
    const who = t.assignee?.id ?? null;
    if (f.assignee === UNASSIGNED) return who === null;
    if (f.assignee === ASSIGNEE_ME) return who === meId;
    return who === f.assignee;
  }
  return true;
}

/** Newest first, as the server pages the queue (creation time, then id). */
function newerFirst(a: Ticket, b: Ticket): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * A ticket after news of it (a `ticket:updated` or the answer to a change): the news, unless
 * it is older than what is held. An answer and an event can cross on the way, and the newest
 * change must stay on screen.
 */
export function latestTicket(held: Ticket | undefined, news: Ticket): Ticket {
  if (!held) return news;
  if (Date.parse(news.updatedAt) < Date.parse(held.updatedAt)) return held;
  return { ...held, ...news, lastSeq: Math.max(held.lastSeq, news.lastSeq) };
}

/**
 * A loaded queue page after a `ticket:updated`: a listed ticket is updated in place (it stays
 * until the next refresh even if it no longer matches, so a row does not vanish under the
 * pointer); an unlisted one that matches is inserted in order when it falls inside the loaded
 * range (always when everything is loaded).
 */
export function applyTicketUpdate(items: Ticket[], t: Ticket, f: TicketFilters, meId: string, allLoaded: boolean): Ticket[] {
  if (items.some((x) => x.id === t.id)) return items.map((x) => (x.id === t.id ? latestTicket(x, t) : x));
  if (!matchesFilters(t, f, meId)) return items;
  const last = items[items.length - 1];
  if (!allLoaded && last && newerFirst(t, last) > 0) return items;
  return [...items, t].sort(newerFirst);
}

/** Whether a listed ticket no longer matches the filters (shown dimmed until a refresh). */
export function isStale(t: Ticket, f: TicketFilters, meId: string): boolean {
  return !matchesFilters(t, f, meId);
}
