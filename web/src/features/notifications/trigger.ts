// The composer's `@` autocomplete: where a mention is being typed, and what replaces it.

export interface MentionTrigger {
  /** Index of the `@` in the text. */
  start: number;
  /** What follows the `@` up to the caret (lower-cased). */
  query: string;
}

const HANDLE_CHAR = /[a-z0-9._-]/i;
const MAX_QUERY = 32;

/**
 * The mention being typed at `caret`: an `@` at the start or after a space or an opening
 * bracket (not inside `ada@example.com`), followed by handle characters up to the caret.
 */
export function mentionTrigger(text: string, caret: number): MentionTrigger | null {
  let i = caret;
  while (i > 0 && HANDLE_CHAR.test(text.charAt(i - 1)) && caret - i < MAX_QUERY) i--;
  if (i === 0 || text.charAt(i - 1) !== '@') return null;
  const at = i - 1;
  if (at > 0 && !/[\s([{"']/.test(text.charAt(at - 1))) return null;
  if (inInlineCode(text, at)) return null;
  return { start: at, query: text.slice(i, caret).toLowerCase() };
}

/** An odd number of backticks on the line before `at`: inside inline code, where mentions are text. */
function inInlineCode(text: string, at: number): boolean {
  const line = text.slice(text.lastIndexOf('\n', at - 1) + 1, at);
  return (line.match(/`/g)?.length ?? 0) % 2 === 1;
}

/** The text with the trigger replaced by `@handle ` and where the caret goes. */
export function insertMention(text: string, caret: number, trigger: MentionTrigger, handle: string): { text: string; caret: number } {
  const insert = `@${handle} `;
  const rest = text.slice(caret).replace(/^[a-z0-9._-]*/i, '').replace(/^ /, '');
  return { text: text.slice(0, trigger.start) + insert + rest, caret: trigger.start + insert.length };
}

/** The group mentions offered beside people, filtered by what was typed. */
export function groupMentions(query: string): { handle: string; label: string }[] {
  return [
    { handle: 'here', label: 'Notify everyone online in this room' },
    { handle: 'room', label: 'Notify every member of this room' },
  ].filter((g) => g.handle.startsWith(query));
}
