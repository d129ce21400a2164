//! Block structure: paragraphs, fenced code, quotes and lists, each a run of lines.

use super::inline::{Inline, inlines};

/// How deep quotes and lists nest (together); deeper markers render as text.
pub const MAX_DEPTH: usize = 5;

/// One block of a message.
pub enum Block {
    /// Text; line breaks inside are kept.
    Paragraph(Vec<Inline>),
    /// A fenced code block and its language, if the fence named one.
    Code {
        /// Lower-cased language name.
        language: Option<String>,
        /// The lines between the fences.
        text: String,
    },
    /// `> ` lines.
    Quote(Vec<Block>),
    /// A list; each item is blocks of its own.
    List {
        /// `1.` rather than `-`.
        ordered: bool,
        /// The first item's number.
        start: u32,
        /// The items.
        items: Vec<Vec<Block>>,
    },
}

/// Parses a message body into blocks.
pub fn parse(body: &str) -> Vec<Block> {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    blocks(&body.split('\n').collect::<Vec<_>>(), 0)
}

fn blocks(lines: &[&str], depth: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i = if is_blank(line) {
            i + 1
        } else if fence_open(line) > 0 {
            code_block(lines, i, &mut out)
        } else if depth < MAX_DEPTH && quoted(line).is_some() {
            quote(lines, i, depth, &mut out)
        } else if depth < MAX_DEPTH && starts_list(line) {
            list(lines, i, depth, &mut out)
        } else {
            paragraph(lines, i, depth, &mut out)
        };
    }
    out
}

fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b == b' ' || b == b'\t')
}

fn indent_of(line: &str) -> usize {
    run(line, 0, b' ')
}

fn run(text: &str, at: usize, byte: u8) -> usize {
    text.as_bytes()
        .get(at..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| b == byte).count())
}

/// The number of backticks opening a fence on this line, or 0.
fn fence_open(line: &str) -> usize {
    let at = indent_of(line);
    if at > 3 {
        return 0;
    }
    let n = run(line, at, b'`');
    if n >= 3 && !line[at + n..].contains('`') {
        n
    } else {
        0
    }
}

/// A fenced code block up to its closing fence or the end of the body.
fn code_block(lines: &[&str], start: usize, out: &mut Vec<Block>) -> usize {
    let open = lines[start];
    let at = indent_of(open);
    let width = run(open, at, b'`');
    let language = language(&open[at + width..]);
    let mut body = Vec::new();
    let mut i = start + 1;
    while i < lines.len() {
        let line = lines[i];
        let inset = indent_of(line);
        let n = run(line, inset, b'`');
        i += 1;
        if inset <= 3 && n >= width && is_blank(&line[inset + n..]) {
            break;
        }
        body.push(line);
    }
    out.push(Block::Code {
        language,
        text: body.join("\n"),
    });
    i
}

/// The fence's language: the first word of its info string, if it looks like a name.
fn language(info: &str) -> Option<String> {
    let word = info.trim().split([' ', '\t']).next().unwrap_or("");
    let valid = (1..=32).contains(&word.len())
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+#.-".contains(&b));
    valid.then(|| word.to_ascii_lowercase())
}

/// The text after a quote marker (`>` and one optional space), if the line has one.
fn quoted(line: &str) -> Option<&str> {
    let at = indent_of(line);
    if at > 3 || line.as_bytes().get(at) != Some(&b'>') {
        return None;
    }
    let rest = &line[at + 1..];
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

fn quote(lines: &[&str], start: usize, depth: usize, out: &mut Vec<Block>) -> usize {
    let inner: Vec<&str> = lines[start..].iter().map_while(|l| quoted(l)).collect();
    out.push(Block::Quote(blocks(&inner, depth + 1)));
    start + inner.len()
}

/// A list item marker at the start of a line.
#[derive(Clone, Copy)]
struct Marker {
    indent: usize,
    ordered: bool,
    start: u32,
    /// Where the item's text starts.
    content: usize,
}

/// A list item marker (`-`, `*`, `+`, `1.` or `1)` and a space) at the start of the line.
fn marker(line: &str) -> Option<Marker> {
    let bytes = line.as_bytes();
    let indent = indent_of(line);
    let mut at = indent;
    let mut ordered = false;
    let mut start = 1;
    match bytes.get(at) {
        Some(b'-' | b'*' | b'+') => at += 1,
        _ => {
            while at - indent < 9 && bytes.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            if at == indent || !matches!(bytes.get(at), Some(b'.' | b')')) {
                return None;
            }
            ordered = true;
            start = line[indent..at].parse().unwrap_or(1);
            at += 1;
        }
    }
    (bytes.get(at) == Some(&b' ')).then_some(Marker {
        indent,
        ordered,
        start,
        content: at + 1,
    })
}

fn starts_list(line: &str) -> bool {
    marker(line).is_some_and(|m| m.indent <= 3)
}

/// A list: items of the first item's kind at about its indentation. Lines indented past the
/// marker belong to the item above (nested lists, more text); a blank line ends the list
/// unless the list goes on after it.
fn list(lines: &[&str], start: usize, depth: usize, out: &mut Vec<Block>) -> usize {
    let Some(first) = marker(lines[start]) else {
        return paragraph(lines, start, depth, out);
    };
    let sibling = |line: &str| {
        marker(line).filter(|m| m.ordered == first.ordered && m.indent < first.indent + 2)
    };
    let nested = |line: &str| !is_blank(line) && indent_of(line) >= first.indent + 2;
    let mut items = Vec::new();
    let mut i = start;
    let mut item = Some(first);
    while let Some(current) = item {
        let mut body = vec![lines[i][current.content..].trim_start_matches(' ')];
        i += 1;
        while i < lines.len() {
            let next = lines[i];
            if nested(next) {
                body.push(&next[indent_of(next).min(current.content)..]);
                i += 1;
                continue;
            }
            let after = after_blanks(lines, i);
            if after > i && after < lines.len() && nested(lines[after]) {
                body.push("");
                i = after;
                continue;
            }
            break;
        }
        items.push(blocks(&body, depth + 1));
        let after = after_blanks(lines, i);
        item = lines.get(after).and_then(|l| sibling(l));
        if item.is_some() {
            i = after;
        }
    }
    out.push(Block::List {
        ordered: first.ordered,
        start: first.start,
        items,
    });
    i
}

fn after_blanks(lines: &[&str], from: usize) -> usize {
    from + lines[from..].iter().take_while(|l| is_blank(l)).count()
}

/// Lines up to a blank line or the start of another block; each line break is kept.
fn paragraph(lines: &[&str], start: usize, depth: usize, out: &mut Vec<Block>) -> usize {
    let mut text = Vec::new();
    let mut i = start;
    while i < lines.len() {
        let line = lines[i];
        let interrupts = fence_open(line) > 0
            || (depth < MAX_DEPTH && (quoted(line).is_some() || starts_list(line)));
        if is_blank(line) || (i > start && interrupts) {
            break;
        }
        text.push(line.trim_start_matches(' '));
        i += 1;
    }
    out.push(Block::Paragraph(inlines(&text.join("\n"), true)));
    i
}
