//! Inline formatting: code spans, emphasis, links, bare URLs, @mentions and :shortcodes:.
//! One forward pass makes tokens; emphasis delimiters are then paired with one stack per kind
//! (so a run of unmatched ones costs nothing extra); pairs nest at most [`MAX_NESTING`] deep.

use std::collections::HashMap;

use super::shortcodes::emoji;

/// How deep emphasis nests; deeper pairs stay text.
pub const MAX_NESTING: usize = 5;

/// An emphasis element.
#[derive(Clone, Copy)]
pub enum Tag {
    /// `**` or `__`.
    Strong,
    /// `*` or `_`.
    Em,
    /// `~~`.
    Del,
}

/// A piece of a paragraph.
pub enum Inline {
    /// Plain text.
    Text(String),
    /// A line break.
    Break,
    /// A code span.
    Code(String),
    /// Emphasis around more inlines.
    Span(Tag, Vec<Inline>),
    /// A link with an allowed URL.
    Link {
        /// The URL, as written.
        href: String,
        /// The link text.
        children: Vec<Inline>,
    },
    /// `@handle` (the handle without the `@`).
    Mention(String),
}

/// The delimiter kinds, as written.
const KINDS: [&str; 5] = ["**", "*", "__", "_", "~~"];

struct Delim {
    /// Index into [`KINDS`].
    kind: usize,
    open: bool,
    close: bool,
}

enum Token {
    Inline(Inline),
    Delim(Delim),
}

/// Parses one paragraph's text; `links` is false inside a link's text.
pub fn inlines(src: &str, links: bool) -> Vec<Inline> {
    let tokens = tokenize(src, links);
    let pairs = pair(&tokens);
    build(tokens, &pairs)
}

/// Whether a URL may be a link: http, https or mailto, with nothing hidden in it.
pub fn safe_url(url: &str) -> bool {
    let lower = |n: usize| url.get(..n).map(str::to_ascii_lowercase);
    let rest = ["http://", "https://", "mailto:"]
        .iter()
        .find(|scheme| lower(scheme.len()).as_deref() == Some(**scheme))
        .map(|scheme| &url[scheme.len()..]);
    let Some(rest) = rest else { return false };
    !rest.is_empty() && !rest.starts_with('/') && url.bytes().all(|b| b > 0x20 && b != 0x7f)
}

struct Tokenizer<'a> {
    src: &'a str,
    out: Vec<Token>,
    plain: String,
}

impl Tokenizer<'_> {
    fn flush(&mut self) {
        if !self.plain.is_empty() {
            let text = std::mem::take(&mut self.plain);
            self.out.push(Token::Inline(Inline::Text(text)));
        }
    }

    fn push(&mut self, inline: Inline) {
        self.flush();
        self.out.push(Token::Inline(inline));
    }

    fn text(&mut self, from: usize, to: usize) {
        self.plain.push_str(&self.src[from..to]);
    }
}

fn tokenize(src: &str, links: bool) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut ticks = BacktickRuns::new(bytes);
    let mut finders = [Finder::new(b"]"), Finder::new(b"["), Finder::new(b") \t\n")];
    let mut t = Tokenizer {
        src,
        out: Vec::new(),
        plain: String::new(),
    };
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let prev = src[..i].chars().next_back();
        i = match c {
            b'\\' if bytes.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                t.text(i + 1, i + 2);
                i + 2
            }
            b'\n' => {
                t.push(Inline::Break);
                i + 1
            }
            b'`' => code_span(&mut t, &mut ticks, i),
            b'*' | b'_' | b'~' => emphasis(&mut t, i, prev),
            b'[' if links => bracket_link(&mut t, &mut finders, i),
            b'h' | b'H' if links && !is_alnum(prev) && bare_url_end(src, i) > i => {
                let end = bare_url_end(src, i);
                let url = src[i..end].to_owned();
                t.push(Inline::Link {
                    href: url.clone(),
                    children: vec![Inline::Text(url)],
                });
                end
            }
            b'@' if !is_alnum(prev) && handle_end(bytes, i + 1) > i + 1 => {
                let end = handle_end(bytes, i + 1);
                t.push(Inline::Mention(src[i + 1..end].to_owned()));
                end
            }
            b':' if shortcode_end(src, i) > i => {
                let end = shortcode_end(src, i);
                t.plain
                    .push_str(emoji(&src[i + 1..end - 1]).unwrap_or_default());
                end
            }
            _ => {
                let len = src[i..].chars().next().map_or(1, char::len_utf8);
                t.text(i, i + len);
                i + len
            }
        };
    }
    t.flush();
    t.out
}

fn run_length(bytes: &[u8], at: usize) -> usize {
    bytes[at..].iter().take_while(|&&b| b == bytes[at]).count()
}

fn is_space(c: Option<char>) -> bool {
    c.is_none_or(char::is_whitespace)
}

fn is_alnum(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

fn code_span(t: &mut Tokenizer, ticks: &mut BacktickRuns, at: usize) -> usize {
    let n = run_length(t.src.as_bytes(), at);
    match ticks.next(n, at + n) {
        Some(close) => {
            let text = code_text(&t.src[at + n..close]);
            t.push(Inline::Code(text));
            close + n
        }
        None => {
            t.text(at, at + n);
            at + n
        }
    }
}

/// A code span's text: line breaks become spaces, one space of padding on each side goes.
fn code_text(raw: &str) -> String {
    let text = raw.replace('\n', " ");
    let padded = text.len() >= 2 && text.starts_with(' ') && text.ends_with(' ');
    if padded && text.bytes().any(|b| b != b' ') {
        text[1..text.len() - 1].to_owned()
    } else {
        text
    }
}

/// Every backtick run, by length: `next(n, from)` finds the next run of exactly n at or after
/// `from`. Callers ask with growing `from`, so each list is walked once.
struct BacktickRuns {
    by_length: HashMap<usize, (Vec<usize>, usize)>,
}

impl BacktickRuns {
    fn new(bytes: &[u8]) -> Self {
        let mut by_length: HashMap<usize, (Vec<usize>, usize)> = HashMap::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'`' {
                let n = run_length(bytes, i);
                by_length.entry(n).or_default().0.push(i);
                i += n;
            } else {
                i += 1;
            }
        }
        Self { by_length }
    }

    fn next(&mut self, n: usize, from: usize) -> Option<usize> {
        let (at, next) = self.by_length.get_mut(&n)?;
        while at.get(*next).is_some_and(|&p| p < from) {
            *next += 1;
        }
        at.get(*next).copied()
    }
}

/// A run of `*`, `_` or `~`: delimiters, or text. A run may open when a non-space follows it
/// and close when a non-space precedes it; `_` never does either inside a word (snake_case
/// stays as written).
fn emphasis(t: &mut Tokenizer, at: usize, prev: Option<char>) -> usize {
    let bytes = t.src.as_bytes();
    let c = bytes[at];
    let n = run_length(bytes, at);
    let next = t.src[at + n..].chars().next();
    let mut open = !is_space(next);
    let mut close = !is_space(prev);
    if c == b'_' {
        open &= !is_alnum(prev);
        close &= !is_alnum(next);
    }
    let (single, double) = match c {
        b'*' => (1, 0),
        b'_' => (3, 2),
        _ => (usize::MAX, 4),
    };
    let kinds: &[usize] = match (c, n) {
        (b'~', 2) | (b'*' | b'_', 2) => &[double],
        (b'~', _) => &[],
        (_, 1) => &[single],
        (_, 3) if close && !open => &[single, double],
        (_, 3) => &[double, single],
        _ => &[],
    };
    if kinds.is_empty() || (!open && !close) {
        t.text(at, at + n);
    } else {
        t.flush();
        for &kind in kinds {
            t.out.push(Token::Delim(Delim { kind, open, close }));
        }
    }
    at + n
}

/// `find(from)`: the index of the first of its bytes at or after `from`. Callers ask with
/// growing `from`, so answers are remembered and each stretch of text is read once.
struct Finder {
    needles: &'static [u8],
    /// The last answer (`Some(None)`: none from there to the end).
    known: Option<Option<usize>>,
}

impl Finder {
    fn new(needles: &'static [u8]) -> Self {
        Self {
            needles,
            known: None,
        }
    }

    fn find(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        if let Some(known) = self.known
            && known.is_none_or(|k| k >= from)
        {
            return known;
        }
        let found = bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|b| self.needles.contains(b)))
            .map(|p| from + p);
        self.known = Some(found);
        found
    }
}

/// `[text](url)` at `at`: no brackets inside the text, no spaces in the URL. A URL with
/// another scheme leaves the whole construct as text.
fn bracket_link(t: &mut Tokenizer, finders: &mut [Finder; 3], at: usize) -> usize {
    let bytes = t.src.as_bytes();
    let [close_finder, open_finder, end_finder] = finders;
    let Some(close) = close_finder.find(bytes, at + 1) else {
        t.text(at, at + 1);
        return at + 1;
    };
    let nested = open_finder.find(bytes, at + 1).is_some_and(|o| o < close);
    let end = if close == at + 1 || nested || bytes.get(close + 1) != Some(&b'(') {
        None
    } else {
        end_finder
            .find(bytes, close + 2)
            .filter(|&e| bytes[e] == b')' && e > close + 2)
    };
    let Some(end) = end else {
        t.text(at, at + 1);
        return at + 1;
    };
    let href = &t.src[close + 2..end];
    if safe_url(href) {
        let children = inlines(&t.src[at + 1..close], false);
        t.push(Inline::Link {
            href: href.to_owned(),
            children,
        });
    } else {
        t.text(at, end + 1);
    }
    end + 1
}

/// Punctuation that ends a sentence rather than a URL.
const TRAILING: &[u8] = b".,:;!?'\"*_~";

/// The end of a bare http(s) URL at `at` (trailing punctuation left out), or `at`.
fn bare_url_end(src: &str, at: usize) -> usize {
    let bytes = src.as_bytes();
    let starts = |scheme: &[u8]| {
        bytes
            .get(at..at + scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    };
    let scheme = if starts(b"https://") {
        8
    } else if starts(b"http://") {
        7
    } else {
        return at;
    };
    let start = at + scheme;
    let mut end = start
        + src[start..]
            .chars()
            .take_while(|&c| c > ' ' && c != '\x7f' && c != '<' && !c.is_whitespace())
            .map(char::len_utf8)
            .sum::<usize>();
    let opened = bytes[start..end].iter().filter(|&&b| b == b'(').count();
    let mut closed = bytes[start..end].iter().filter(|&&b| b == b')').count();
    while end > start {
        let last = bytes[end - 1];
        if TRAILING.contains(&last) {
            end -= 1;
        } else if last == b')' && closed > opened {
            closed -= 1;
            end -= 1;
        } else {
            break;
        }
    }
    if end > start && safe_url(&src[at..end]) {
        end
    } else {
        at
    }
}

fn is_handle_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The end of an @handle whose first character is at `from` (no trailing `.` or `-`), or `from`.
fn handle_end(bytes: &[u8], from: usize) -> usize {
    if !bytes
        .get(from)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return from;
    }
    let mut end = from
        + bytes[from..]
            .iter()
            .take_while(|&&b| is_handle_byte(b))
            .count();
    while matches!(bytes[end - 1], b'.' | b'-') {
        end -= 1;
    }
    end
}

/// The end of a known `:shortcode:` at `at` (past its closing colon), or `at`.
fn shortcode_end(src: &str, at: usize) -> usize {
    let bytes = src.as_bytes();
    let name = bytes[at + 1..]
        .iter()
        .take(32)
        .take_while(|&&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(&b))
        .count();
    let end = at + 1 + name;
    if bytes.get(end) == Some(&b':') && emoji(&src[at + 1..end]).is_some() {
        end + 1
    } else {
        at
    }
}

/// Pairs each closing delimiter with the nearest open one of its kind; openers of other kinds
/// in between can then never close (they would cross), so they leave their stacks.
fn pair(tokens: &[Token]) -> Vec<Option<usize>> {
    let mut pairs = vec![None; tokens.len()];
    let mut stacks: [Vec<usize>; KINDS.len()] = Default::default();
    for (j, token) in tokens.iter().enumerate() {
        let Token::Delim(delim) = token else { continue };
        let opener = if delim.close {
            stacks[delim.kind].pop()
        } else {
            None
        };
        if let Some(opener) = opener {
            pairs[opener] = Some(j);
            pairs[j] = Some(opener);
            for stack in &mut stacks {
                while stack.last().is_some_and(|&o| o > opener) {
                    stack.pop();
                }
            }
        } else if delim.open {
            stacks[delim.kind].push(j);
        }
    }
    pairs
}

/// Turns the paired tokens into a tree; unpaired and too deeply nested delimiters are text.
fn build(tokens: Vec<Token>, pairs: &[Option<usize>]) -> Vec<Inline> {
    let mut flat = vec![false; tokens.len()];
    // The paragraph itself, then one frame per open emphasis.
    let mut frames: Vec<(Option<Tag>, Vec<Inline>)> = vec![(None, Vec::new())];
    for (j, token) in tokens.into_iter().enumerate() {
        let depth = frames.len() - 1;
        let Some((_, children)) = frames.last_mut() else {
            break;
        };
        let delim = match token {
            Token::Inline(Inline::Text(text)) => {
                push_text(children, &text);
                continue;
            }
            Token::Inline(inline) => {
                children.push(inline);
                continue;
            }
            Token::Delim(delim) => delim,
        };
        match pairs[j] {
            Some(partner) if partner > j && depth >= MAX_NESTING => {
                flat[partner] = true;
                push_text(children, KINDS[delim.kind]);
            }
            Some(partner) if partner > j => frames.push((Some(tag(delim.kind)), Vec::new())),
            Some(_) if !flat[j] && depth > 0 => {
                if let Some((Some(tag), inner)) = frames.pop()
                    && let Some((_, parent)) = frames.last_mut()
                {
                    parent.push(Inline::Span(tag, inner));
                }
            }
            _ => push_text(children, KINDS[delim.kind]),
        }
    }
    frames
        .into_iter()
        .next()
        .map(|(_, root)| root)
        .unwrap_or_default()
}

fn tag(kind: usize) -> Tag {
    match KINDS[kind] {
        "**" | "__" => Tag::Strong,
        "*" | "_" => Tag::Em,
        _ => Tag::Del,
    }
}

fn push_text(into: &mut Vec<Inline>, text: &str) {
    if let Some(Inline::Text(last)) = into.last_mut() {
        last.push_str(text);
    } else {
        into.push(Inline::Text(text.to_owned()));
    }
}
