// Inline formatting: code spans, emphasis, links, bare URLs, @mentions and :shortcodes:.
// One forward pass makes tokens; emphasis delimiters are then paired with one stack per kind
// (so a run of unmatched ones costs nothing extra); pairs nest at most MAX_NESTING deep.

import shortcodes from './shortcodes.json';

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'br' }
  | { t: 'code'; text: string }
  | { t: 'strong' | 'em' | 'del'; children: Inline[] }
  | { t: 'link'; href: string; children: Inline[] }
  | { t: 'mention'; handle: string };

/** How deep emphasis nests; deeper pairs stay text. */
export const MAX_NESTING = 5;

const EMOJI = new Map<string, string>(Object.entries(shortcodes));

type Kind = '**' | '*' | '__' | '_' | '~~';
const TAG: Record<Kind, 'strong' | 'em' | 'del'> = { '**': 'strong', '*': 'em', __: 'strong', _: 'em', '~~': 'del' };

interface Delim {
  t: 'delim';
  kind: Kind;
  open: boolean;
  close: boolean;
  /** Index of the token it pairs with. */
  pair?: number;
  /** Paired, but nested too deep to render. */
  flat?: boolean;
}

type Token = Inline | Delim;

/** Parses one paragraph's text; `links` is false inside a link's text. */
export function inlines(text: string, links = true): Inline[] {
  const tokens = tokenize(text, links);
  pair(tokens);
  return build(tokens);
}

/** Whether a URL may be a link: http, https or mailto, with nothing hidden in it. */
export function safeUrl(url: string): boolean {
  if (!/^(https?:\/\/[^/]|mailto:[^/])/i.test(url)) return false;
  for (let i = 0; i < url.length; i += 1) {
    const code = url.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return false;
  }
  return true;
}

function tokenize(src: string, links: boolean): Token[] {
  const out: Token[] = [];
  const ticks = backtickRuns(src);
  const find = forwardFinder(src);
  let plain = '';
  const flush = () => {
    if (plain) out.push({ t: 'text', text: plain });
    plain = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const prev = charBefore(src, i);
    if (c === '\\' && isPunct(src[i + 1])) {
      plain += src[i + 1];
      i += 2;
    } else if (c === '\n') {
      flush();
      out.push({ t: 'br' });
      i += 1;
    } else if (c === '`') {
      const n = runLength(src, i);
      const close = ticks(n, i + n);
      if (close < 0) {
        plain += src.slice(i, i + n);
      } else {
        flush();
        out.push({ t: 'code', text: codeText(src.slice(i + n, close)) });
      }
      i = close < 0 ? i + n : close + n;
    } else if (c === '*' || c === '_' || c === '~') {
      const n = runLength(src, i);
      const pieces = delimiters(c, n, prev, charAt(src, i + n));
      if (pieces) {
        flush();
        out.push(...pieces);
      } else {
        plain += src.slice(i, i + n);
      }
      i += n;
    } else if (c === '[' && links) {
      const link = bracketLink(src, i, find);
      if (!link) {
        plain += c;
        i += 1;
      } else if (safeUrl(link.href)) {
        flush();
        out.push({ t: 'link', href: link.href, children: inlines(link.text, false) });
        i = link.end;
      } else {
        // Not a scheme we link: the whole construct stays visible as text.
        plain += src.slice(i, link.end);
        i = link.end;
      }
    } else if ((c === 'h' || c === 'H') && links && !isAlnum(prev) && bareUrlEnd(src, i) > i) {
      const end = bareUrlEnd(src, i);
      flush();
      out.push({ t: 'link', href: src.slice(i, end), children: [{ t: 'text', text: src.slice(i, end) }] });
      i = end;
    } else if (c === '@' && !isAlnum(prev) && handleEnd(src, i + 1) > i + 1) {
      const end = handleEnd(src, i + 1);
      flush();
      out.push({ t: 'mention', handle: src.slice(i + 1, end) });
      i = end;
    } else if (c === ':' && shortcodeEnd(src, i) > i) {
      const end = shortcodeEnd(src, i);
      plain += EMOJI.get(src.slice(i + 1, end - 1));
      i = end;
    } else {
      plain += c;
      i += 1;
    }
  }
  flush();
  return out;
}

function runLength(src: string, at: number): number {
  let n = 1;
  while (src[at + n] === src[at]) n += 1;
  return n;
}

/** The character (code point) that ends just before `i`, or '' at the start. */
function charBefore(src: string, i: number): string {
  const low = src.charCodeAt(i - 1);
  const pair = low >= 0xdc00 && low <= 0xdfff && i >= 2 && src.charCodeAt(i - 2) >= 0xd800 && src.charCodeAt(i - 2) <= 0xdbff;
  return src.slice(pair ? i - 2 : Math.max(i - 1, 0), i);
}

/** The character (code point) that starts at `i`, or '' at the end. */
function charAt(src: string, i: number): string {
  const code = src.codePointAt(i);
  return code === undefined ? '' : String.fromCodePoint(code);
}

const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

function isPunct(c: string | undefined): boolean {
  return c !== undefined && c !== '' && PUNCT.includes(c);
}

function isSpace(c: string): boolean {
  return c === '' || /\s/u.test(c);
}

function isAlnum(c: string): boolean {
  return c !== '' && /[\p{L}\p{N}]/u.test(c);
}

/**
 * Every backtick run, by length: `next(n, from)` finds the next run of exactly n at or after
 * `from`. Callers ask with growing `from`, so each list is walked once.
 */
function backtickRuns(src: string): (n: number, from: number) => number {
  const byLength = new Map<number, { at: number[]; next: number }>();
  for (let i = 0; i < src.length; ) {
    if (src[i] !== '`') {
      i += 1;
      continue;
    }
    const n = runLength(src, i);
    const runs = byLength.get(n) ?? { at: [], next: 0 };
    runs.at.push(i);
    byLength.set(n, runs);
    i += n;
  }
  return (n, from) => {
    const runs = byLength.get(n);
    if (!runs) return -1;
    while (runs.next < runs.at.length && runs.at[runs.next]! < from) runs.next += 1;
    return runs.at[runs.next] ?? -1;
  };
}

/** A code span's text: line breaks become spaces, one space of padding on each side goes. */
function codeText(raw: string): string {
  const text = raw.replace(/\n/g, ' ');
  return text.startsWith(' ') && text.endsWith(' ') && /[^ ]/.test(text) ? text.slice(1, -1) : text;
}

/**
 * The delimiters a run of `*`, `_` or `~` stands for, or null when it is text. A run may open
 * when a non-space follows it and close when a non-space precedes it; `_` never does either
 * inside a word (snake_case stays as written).
 */
function delimiters(c: string, n: number, prev: string, next: string): Delim[] | null {
  let open = !isSpace(next);
  let close = !isSpace(prev);
  if (c === '_') {
    open &&= !isAlnum(prev);
    close &&= !isAlnum(next);
  }
  if (!open && !close) return null;
  const single = c as Kind;
  const double = (c + c) as Kind;
  let kinds: Kind[];
  if (c === '~') kinds = n === 2 ? [double] : [];
  else if (n === 1) kinds = [single];
  else if (n === 2) kinds = [double];
  else if (n === 3) kinds = close && !open ? [single, double] : [double, single];
  else kinds = [];
  return kinds.length > 0 ? kinds.map((kind) => ({ t: 'delim', kind, open, close })) : null;
}

/**
 * `find(chars, from)`: the index of the first of `chars` at or after `from`, or -1. Callers ask
 * with growing `from`, so answers are remembered and each stretch of text is read once.
 */
function forwardFinder(src: string): (chars: string, from: number) => number {
  const memo = new Map<string, number>();
  return (chars, from) => {
    const known = memo.get(chars);
    if (known !== undefined && (known >= from || known === -1)) return known;
    let i = from;
    while (i < src.length && !chars.includes(src[i]!)) i += 1;
    const found = i < src.length ? i : -1;
    memo.set(chars, found);
    return found;
  };
}

/** `[text](url)` starting at `at`: no brackets inside the text, no spaces in the URL. */
function bracketLink(src: string, at: number, find: (chars: string, from: number) => number) {
  const close = find(']', at + 1);
  if (close < 0 || close === at + 1 || src[close + 1] !== '(') return null;
  const open = find('[', at + 1);
  if (open >= 0 && open < close) return null;
  const end = find(') \t\n', close + 2);
  if (end < 0 || src[end] !== ')' || end === close + 2) return null;
  return { text: src.slice(at + 1, close), href: src.slice(close + 2, end), end: end + 1 };
}

/** The end of a bare http(s) URL at `at` (trailing punctuation left out), or `at`. */
function bareUrlEnd(src: string, at: number): number {
  const scheme = /^https?:\/\//i.exec(src.slice(at, at + 8));
  if (!scheme) return at;
  const start = at + scheme[0].length;
  let end = start;
  while (end < src.length && urlChar(src[end]!)) end += 1;
  let opened = 0;
  let closed = 0;
  for (let i = start; i < end; i += 1) {
    if (src[i] === '(') opened += 1;
    else if (src[i] === ')') closed += 1;
  }
  while (end > start) {
    const last = src[end - 1]!;
    if (TRAILING.includes(last)) end -= 1;
    else if (last === ')' && closed > opened) {
      closed -= 1;
      end -= 1;
    } else break;
  }
  return end > start && safeUrl(src.slice(at, end)) ? end : at;
}

/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = '.,:;!?\'"*_~';

function urlChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code > 0x20 && code !== 0x7f && c !== '<' && !/\s/u.test(c);
}

function isHandleChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_.-]/.test(c);
}

/** The end of an @handle whose first character is at `from` (no trailing `.` or `-`), or `from`. */
function handleEnd(src: string, from: number): number {
  if (!/[A-Za-z0-9_]/.test(src[from] ?? '')) return from;
  let end = from;
  while (isHandleChar(src[end])) end += 1;
  while (src[end - 1] === '.' || src[end - 1] === '-') end -= 1;
  return end;
}

/** The end of a known `:shortcode:` at `at` (past its closing colon), or `at`. */
function shortcodeEnd(src: string, at: number): number {
  let end = at + 1;
  while (end - at <= 32 && /[a-z0-9_+-]/.test(src[end] ?? '')) end += 1;
  return src[end] === ':' && EMOJI.has(src.slice(at + 1, end)) ? end + 1 : at;
}

/**
 * Pairs each closing delimiter with the nearest open one of its kind; openers of other kinds
 * in between can then never close (they would cross), so they leave their stacks.
 */
function pair(tokens: Token[]): void {
  const stacks = new Map<Kind, number[]>();
  tokens.forEach((token, j) => {
    if (token.t !== 'delim') return;
    const stack = stacks.get(token.kind) ?? [];
    stacks.set(token.kind, stack);
    const opener = token.close ? stack.pop() : undefined;
    if (opener !== undefined) {
      (tokens[opener] as Delim).pair = j;
      token.pair = opener;
      for (const other of stacks.values()) while (other.length > 0 && other[other.length - 1]! > opener) other.pop();
    } else if (token.open) {
      stack.push(j);
    }
  });
}

/** Turns the paired tokens into a tree; unpaired and too deeply nested delimiters are text. */
function build(tokens: Token[]): Inline[] {
  const root: Inline[] = [];
  const frames: Inline[][] = [root];
  tokens.forEach((token, j) => {
    const children = frames[frames.length - 1]!;
    if (token.t !== 'delim') {
      if (token.t === 'text') pushText(children, token.text);
      else children.push(token);
    } else if (token.pair === undefined || token.flat) {
      pushText(children, token.kind);
    } else if (token.pair > j && frames.length > MAX_NESTING) {
      token.flat = true;
      (tokens[token.pair] as Delim).flat = true;
      pushText(children, token.kind);
    } else if (token.pair > j) {
      const node = { t: TAG[token.kind], children: [] as Inline[] };
      children.push(node);
      frames.push(node.children);
    } else {
      frames.pop();
    }
  });
  return root;
}

function pushText(into: Inline[], text: string): void {
  const last = into[into.length - 1];
  if (last?.t === 'text') last.text += text;
  else into.push({ t: 'text', text });
}
