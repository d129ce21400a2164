// Message bodies are stored as written; this reads them as the safe CommonMark subset that
// clients render (docs/api.md, "Message formatting"). The server's room export renders the same
// subset with the same rules (server/src/views/markup.rs); cases.json holds the examples both
// are tested against.
//
// Work is linear in the body: block quotes and lists nest at most MAX_DEPTH deep (deeper
// markers stay text), every scan moves forward, and nothing recurses without a depth bound.

import { inlines, type Inline } from './inline';

/** How deep quotes and lists nest (together); deeper markers render as text. */
export const MAX_DEPTH = 5;

export type Block =
  | { t: 'p'; children: Inline[] }
  | { t: 'pre'; lang: string | null; text: string }
  | { t: 'quote'; children: Block[] }
  | { t: 'list'; ordered: boolean; start: number; items: Block[][] };

/** Parses a message body into blocks. */
export function parse(body: string): Block[] {
  return blocks(body.replace(/\r\n?/g, '\n').split('\n'), 0);
}

function blocks(lines: string[], depth: number): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i += 1;
    } else if (fenceOpen(line)) {
      i = codeBlock(lines, i, out);
    } else if (depth < MAX_DEPTH && quoted(line) !== null) {
      i = quote(lines, i, depth, out);
    } else if (depth < MAX_DEPTH && startsList(line)) {
      i = list(lines, i, depth, out);
    } else {
      i = paragraph(lines, i, depth, out);
    }
  }
  return out;
}

function isBlank(line: string): boolean {
  for (const c of line) if (c !== ' ' && c !== '\t') return false;
  return true;
}

function indentOf(line: string): number {
  let n = 0;
  while (line[n] === ' ') n += 1;
  return n;
}

/** The number of backticks opening a fence on this line, or 0. */
function fenceOpen(line: string): number {
  const at = indentOf(line);
  if (at > 3) return 0;
  const n = run(line, at, '`');
  return n >= 3 && !line.includes('`', at + n) ? n : 0;
}

function run(text: string, at: number, c: string): number {
  let n = 0;
  while (text[at + n] === c) n += 1;
  return n;
}

/** A fenced code block up to its closing fence or the end of the body. */
function codeBlock(lines: string[], start: number, out: Block[]): number {
  const open = lines[start]!;
  const at = indentOf(open);
  const width = run(open, at, '`');
  const lang = language(open.slice(at + width));
  const body: string[] = [];
  let i = start + 1;
  for (; i < lines.length; i += 1) {
    const line = lines[i]!;
    const inset = indentOf(line);
    const n = run(line, inset, '`');
    if (inset <= 3 && n >= width && isBlank(line.slice(inset + n))) {
      i += 1;
      break;
    }
    body.push(line);
  }
  out.push({ t: 'pre', lang, text: body.join('\n') });
  return i;
}

const LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;

/** The fence's language: the first word of its info string, if it looks like a name. */
function language(info: string): string | null {
  const word = info.trim().split(/[ \t]/)[0] ?? '';
  return LANGUAGE.test(word) ? word.toLowerCase() : null;
}

/** The text after a quote marker (`>` and one optional space), or null. */
function quoted(line: string): string | null {
  const at = indentOf(line);
  if (at > 3 || line[at] !== '>') return null;
  return line.slice(line[at + 1] === ' ' ? at + 2 : at + 1);
}

function quote(lines: string[], start: number, depth: number, out: Block[]): number {
  const inner: string[] = [];
  let i = start;
  for (; i < lines.length; i += 1) {
    const text = quoted(lines[i]!);
    if (text === null) break;
    inner.push(text);
  }
  out.push({ t: 'quote', children: blocks(inner, depth + 1) });
  return i;
}

interface Marker {
  indent: number;
  ordered: boolean;
  start: number;
  /** Where the item's text starts. */
  content: number;
}

/** A list item marker (`-`, `*`, `+`, `1.` or `1)` and a space) at the start of the line. */
function marker(line: string): Marker | null {
  const indent = indentOf(line);
  let at = indent;
  let ordered = false;
  let start = 1;
  const c = line[at];
  if (c === '-' || c === '*' || c === '+') {
    at += 1;
  } else {
    while (at - indent < 9 && isDigit(line[at])) at += 1;
    if (at === indent || (line[at] !== '.' && line[at] !== ')')) return null;
    ordered = true;
    start = Number(line.slice(indent, at));
    at += 1;
  }
  if (line[at] !== ' ') return null;
  return { indent, ordered, start, content: at + 1 };
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function startsList(line: string): boolean {
  const m = marker(line);
  return m !== null && m.indent <= 3;
}

/**
 * A list: items of the first item's kind at about its indentation. Lines indented past the
 * marker belong to the item above (nested lists, more text); a blank line ends the list unless
 * the list goes on after it.
 */
function list(lines: string[], start: number, depth: number, out: Block[]): number {
  const first = marker(lines[start]!)!;
  const sibling = (line: string) => {
    const m = marker(line);
    return m !== null && m.ordered === first.ordered && m.indent < first.indent + 2 ? m : null;
  };
  const nested = (line: string) => !isBlank(line) && indentOf(line) >= first.indent + 2;
  const items: Block[][] = [];
  let i = start;
  let item = sibling(lines[i]!);
  while (item) {
    const line = lines[i]!;
    const body = [line.slice(item.content).replace(/^ +/, '')];
    i += 1;
    while (i < lines.length) {
      const next = lines[i]!;
      if (nested(next)) {
        body.push(next.slice(Math.min(indentOf(next), item.content)));
        i += 1;
        continue;
      }
      const after = afterBlanks(lines, i);
      if (after > i && after < lines.length && nested(lines[after]!)) {
        body.push('');
        i = after;
        continue;
      }
      break;
    }
    items.push(blocks(body, depth + 1));
    const after = afterBlanks(lines, i);
    item = after < lines.length ? sibling(lines[after]!) : null;
    if (item) i = after;
  }
  out.push({ t: 'list', ordered: first.ordered, start: first.start, items });
  return i;
}

function afterBlanks(lines: string[], from: number): number {
  let i = from;
  while (i < lines.length && isBlank(lines[i]!)) i += 1;
  return i;
}

/** Lines up to a blank line or the start of another block; each line break is kept. */
function paragraph(lines: string[], start: number, depth: number, out: Block[]): number {
  const text: string[] = [];
  let i = start;
  for (; i < lines.length; i += 1) {
    const line = lines[i]!;
    const interrupts = fenceOpen(line) > 0 || (depth < MAX_DEPTH && (quoted(line) !== null || startsList(line)));
    if (isBlank(line) || (i > start && interrupts)) break;
    text.push(line.replace(/^ +/, ''));
  }
  out.push({ t: 'p', children: inlines(text.join('\n')) });
  return i;
}
