//! Handles and mentions: what a valid `@handle` is, how one is derived from a name, and which
//! mentions a message body makes (outside code, where `@` is just text).

/// Shortest handle, in characters.
pub const MIN_HANDLE: usize = 2;
/// Longest handle, in characters.
pub const MAX_HANDLE: usize = 32;
/// Distinct people one message may mention (more are treated as text).
pub const MAX_MENTIONS: usize = 50;
/// Words that mean a group, never a person.
pub const RESERVED: &[&str] = &["here", "room", "channel", "everyone", "all"];

/// Validates a handle someone chose: 2..=32 of `a-z 0-9 . _ -`, starting with a letter or digit,
/// not ending in `.` or `-`, not a group word. Upper case is folded; a leading `@` is dropped.
pub fn parse_handle(raw: &str) -> Result<String, &'static str> {
    let handle = raw.trim().trim_start_matches('@').to_ascii_lowercase();
    let len = handle.chars().count();
    if !(MIN_HANDLE..=MAX_HANDLE).contains(&len) {
        return Err("must be 2 to 32 characters");
    }
    if !handle.chars().all(is_handle_char) {
        return Err("may hold only a-z, 0-9, '.', '_' and '-'");
    }
    if !handle.starts_with(|c: char| c.is_ascii_alphanumeric()) || handle.ends_with(['.', '-']) {
        return Err("must start with a letter or digit and not end with '.' or '-'");
    }
    if RESERVED.contains(&handle.as_str()) {
        return Err("is reserved for group mentions");
    }
    Ok(handle)
}

/// A handle derived from a display name (`Grace Hopper` -> `grace.hopper`), falling back to the
/// e-mail's local part, then to `user`. Not yet unique: the caller appends a number if taken.
pub fn derive_handle(name: &str, email: &str) -> String {
    let from = |text: &str| {
        let mut out = String::new();
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() || c == '_' {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with(['.', '-']) && out.len() < MAX_HANDLE {
                out.push('.');
            }
        }
        let mut out: String = out.chars().take(MAX_HANDLE - 4).collect();
        while out.ends_with(['.', '-']) {
            out.pop();
        }
        out
    };
    let local = email.split('@').next().unwrap_or_default();
    [from(name), from(local)]
        .into_iter()
        .find(|h| parse_handle(h).is_ok())
        .unwrap_or_else(|| "user".to_owned())
}

/// `base` made unique with a number: `grace`, `grace2`, `grace3`, ...
pub fn numbered(base: &str, n: u32) -> String {
    if n <= 1 {
        base.to_owned()
    } else {
        format!("{base}{n}")
    }
}

/// What a body mentions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Handles of people, lower case, distinct, in order of first mention.
    pub handles: Vec<String>,
    /// `@here`: the room's members who are online now.
    pub here: bool,
    /// `@room` (or `@channel`, `@everyone`): all the room's members.
    pub room: bool,
}

impl Mentions {
    /// True when nothing is mentioned.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty() && !self.here && !self.room
    }
}

/// The mentions in `body`. A mention is `@` at the start or after a character that is not
/// part of a word or an address (so `ada@example.com` mentions nobody), followed by a handle;
/// a trailing `.`/`-` belongs to the sentence. Inline code and fenced code blocks are skipped.
pub fn extract(body: &str) -> Mentions {
    let mut found = Mentions::default();
    // Cheap exit: most messages mention nobody.
    if !body.contains('@') {
        return found;
    }
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let mut at_line_start = true;
    while i < chars.len() {
        let c = chars[i];
        // Fenced code block: ``` at a line start, up to the next ``` line (or the end).
        if at_line_start && starts_with(&chars, i, "```") {
            i = skip_fence(&chars, i + 3);
            at_line_start = true;
            continue;
        }
        if c == '`' {
            // Inline code: a run of n backticks up to the next run of exactly n.
            let run = run_length(&chars, i, '`');
            match find_closing_run(&chars, i + run, run) {
                Some(end) => {
                    i = end + run;
                    at_line_start = false;
                    continue;
                }
                None => {
                    i += run;
                    at_line_start = false;
                    continue;
                }
            }
        }
        if c == '@' && (i == 0 || !is_word_before(chars[i - 1])) {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && is_handle_char(chars[end].to_ascii_lowercase()) {
                end += 1;
            }
            while end > start && matches!(chars[end - 1], '.' | '-') {
                end -= 1;
            }
            let word: String = chars[start..end]
                .iter()
                .map(char::to_ascii_lowercase)
                .collect();
            match word.as_str() {
                "here" => found.here = true,
                "room" | "channel" | "everyone" | "all" => found.room = true,
                _ => {
                    if parse_handle(&word).is_ok()
                        && !found.handles.contains(&word)
                        && found.handles.len() < MAX_MENTIONS
                    {
                        found.handles.push(word);
                    }
                }
            }
            i = end.max(start);
            at_line_start = false;
            continue;
        }
        at_line_start = c == '\n' || (at_line_start && (c == ' ' || c == '\t'));
        i += 1;
    }
    found
}

fn is_handle_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
}

fn is_word_before(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+' | '/')
}

fn starts_with(chars: &[char], at: usize, what: &str) -> bool {
    what.chars()
        .enumerate()
        .all(|(k, w)| chars.get(at + k) == Some(&w))
}

fn run_length(chars: &[char], at: usize, c: char) -> usize {
    chars[at..].iter().take_while(|x| **x == c).count()
}

/// The index of the next run of exactly `n` backticks at or after `from` (on any line).
fn find_closing_run(chars: &[char], from: usize, n: usize) -> Option<usize> {
    let mut j = from;
    while j < chars.len() {
        if chars[j] == '`' {
            let run = run_length(chars, j, '`');
            if run == n {
                return Some(j);
            }
            j += run;
        } else {
            j += 1;
        }
    }
    None
}

/// From just after an opening fence, the index after the closing fence line (or the end).
fn skip_fence(chars: &[char], from: usize) -> usize {
    let mut j = from;
    let mut line_start = false;
    while j < chars.len() {
        if line_start && starts_with(chars, j, "```") {
            let mut k = j + 3;
            while k < chars.len() && chars[k] != '\n' {
                k += 1;
            }
            return k;
        }
        line_start = chars[j] == '\n' || (line_start && chars[j] == ' ');
        j += 1;
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handles(body: &str) -> Vec<String> {
        extract(body).handles
    }

    #[test]
    fn handles_are_validated_and_folded() {
        assert_eq!(parse_handle("@Grace"), Ok("grace".to_owned()));
        assert_eq!(parse_handle("linus.t_2"), Ok("linus.t_2".to_owned()));
        assert!(parse_handle("a").is_err());
        assert!(parse_handle(&"x".repeat(33)).is_err());
        assert!(parse_handle("grace hopper").is_err());
        assert!(parse_handle(".grace").is_err());
        assert!(parse_handle("grace.").is_err());
        assert!(parse_handle("here").is_err());
        assert!(parse_handle("grâce").is_err());
    }

    #[test]
    fn handles_are_derived_from_names_then_addresses() {
        assert_eq!(derive_handle("Grace Hopper", "g@x.io"), "grace.hopper");
        assert_eq!(
            derive_handle("  Ada   Lovelace! ", "a@x.io"),
            "ada.lovelace"
        );
        assert_eq!(derive_handle("李雷", "li.lei@example.com"), "li.lei");
        assert_eq!(derive_handle("!!", "?@x.io"), "user");
        assert_eq!(derive_handle("Here", "here@x.io"), "user");
        let long = derive_handle(&"a".repeat(80), "x@x.io");
        assert!(long.len() <= MAX_HANDLE - 4 && parse_handle(&long).is_ok());
        assert_eq!(numbered("grace", 1), "grace");
        assert_eq!(numbered("grace", 3), "grace3");
    }

    #[test]
    fn mentions_are_found_where_people_write_them() {
        assert_eq!(handles("@linus can you look?"), vec!["linus"]);
        assert_eq!(handles("thanks @Linus."), vec!["linus"]);
        assert_eq!(handles("(@ada, @grace) and @ada"), vec!["ada", "grace"]);
        assert_eq!(handles("cc:@bob.smith-"), vec!["bob.smith"]);
        let group = extract("@here standup, and @room too");
        assert!(group.here && group.room && group.handles.is_empty());
        assert!(extract("@channel").room);
    }

    #[test]
    fn addresses_and_code_mention_nobody() {
        assert!(extract("write to ada@example.com").is_empty());
        assert!(extract("no mention here").is_empty());
        assert!(extract("`@linus` is a handle").is_empty());
        assert!(extract("``code with ` and @ada``").is_empty());
        assert!(extract("```\n@ada in a block\n```").is_empty());
        assert_eq!(handles("```\n@ada\n```\nbut @grace"), vec!["grace"]);
        assert_eq!(handles("unclosed ` then @ada"), vec!["ada"]);
        assert!(extract("@ @@ @.").is_empty());
    }

    #[test]
    fn hostile_bodies_stay_bounded() {
        let many: String = (0..200).map(|i| format!("@user{i} ")).collect();
        assert_eq!(handles(&many).len(), MAX_MENTIONS);
        let ticks = "`".repeat(5000);
        assert!(extract(&format!("{ticks}@ada")).handles.len() <= 1);
        let fences = "```\n".repeat(2000);
        let _ = extract(&fences);
    }
}
