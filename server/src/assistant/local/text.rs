//! Text plumbing: sentence splitting, word tokens and stop words.
//!
//! Everything here is byte-for-byte deterministic and allocation-light; no regex crate.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::stem::stem;

/// Longest part of a message body that is analysed, in characters. Bodies are capped at
/// 5,000 characters by the server; this keeps pasted logs from dominating the work.
const MAX_ANALYSED_CHARS: usize = 5_000;

/// Words that, within three words before a term, flip its meaning. Contractions ending
/// in `n't` count too (see [`is_negator`]).
const NEGATORS: &[&str] = &[
    "not", "no", "never", "cannot", "without", "nothing", "none", "nobody", "neither", "nor",
    "hardly", "barely",
];

/// Words that strengthen the term right after them.
const INTENSIFIERS: &[&str] = &[
    "very",
    "extremely",
    "really",
    "so",
    "super",
    "totally",
    "completely",
    "absolutely",
    "incredibly",
    "seriously",
    "utterly",
    "highly",
    "too",
];

/// Upper-case words that are acronyms, not shouting.
const ACRONYMS: &[&str] = &[
    "OK", "API", "URL", "SSO", "FAQ", "PDF", "CSV", "VPN", "USA", "UK", "EU", "ID", "IT", "TV",
    "HR", "CEO", "CTO", "DNS", "SSL", "TLS", "HTTP", "HTTPS", "SMS", "PIN", "MFA", "AWS", "GDPR",
    "ASAP", "IP", "UI", "UX", "PM", "AM", "EST", "PST", "UTC", "GMT", "FYI", "VAT",
];

/// Common English words that carry no topic (used to score sentences, not to match terms),
/// separated by white space.
const STOP_WORDS: &str = "
    a about after again all also am an and any anything are as at be because been before
    being best both but by can cheers could dear did do does doing for from get got had
    has have having he hello her here hers hey hi him his how i i'd i'll i'm i've if im
    in into is it it's its ive just kind know let me more most my myself now of off ok
    okay on once one only or other our ours out over own per please regards same she
    should since some something still such team than thank thanks that that's the their
    them then there these they thing things this those through to today under until up
    us via was we we're were what when where which while who whom why will with would
    yeah yes yesterday you you're your yours yourself
";

/// The proper spelling of an apostrophe-less contraction people type (`cant` -> `can't`),
/// so lexicon phrases match it.
fn expand_contraction(lower: &str) -> Option<&'static str> {
    Some(match lower {
        "cant" | "cannot" => "can't",
        "dont" => "don't",
        "doesnt" => "doesn't",
        "didnt" => "didn't",
        "isnt" => "isn't",
        "wasnt" => "wasn't",
        "arent" => "aren't",
        "werent" => "weren't",
        "couldnt" => "couldn't",
        "wouldnt" => "wouldn't",
        "shouldnt" => "shouldn't",
        "havent" => "haven't",
        "hasnt" => "hasn't",
        "wont" => "won't",
        _ => return None,
    })
}

/// One word of a sentence.
#[derive(Clone, Debug)]
pub(super) struct Word {
    /// Lower-case form, contractions normalised (`cant` -> `can't`).
    pub lower: String,
    /// Stemmed lower-case form, used for all matching.
    pub stem: String,
    /// Written in capitals on purpose (not an acronym).
    pub shouted: bool,
    /// Follows a clause break (`,` `;` `:` or a bracket), which negation does not cross.
    pub clause_start: bool,
    /// Negates the terms that follow it.
    negator: bool,
    /// A stop word.
    stop: bool,
}

impl Word {
    /// Whether this word negates the terms that follow it.
    pub fn is_negator(&self) -> bool {
        self.negator
    }

    /// Whether this word strengthens the term right after it.
    pub fn is_intensifier(&self) -> bool {
        INTENSIFIERS.contains(&self.lower.as_str())
    }

    /// Whether this word carries meaning for sentence scoring.
    pub fn is_content(&self) -> bool {
        self.stem.len() > 1 && !self.stop && !self.negator
    }
}

/// One sentence of a message.
#[derive(Clone, Debug)]
pub(super) struct Sentence {
    /// The sentence as written, trimmed.
    pub text: String,
    /// Its words, in order.
    pub words: Vec<Word>,
    /// How many `!` it contains.
    pub exclamations: usize,
}

/// Whether `lower` is a negator (`not`, `never`, `don't`, ...).
fn is_negator(lower: &str) -> bool {
    NEGATORS.contains(&lower) || lower.ends_with("n't")
}

/// Whether `lower` is a stop word.
fn is_stop_word(lower: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.split_whitespace().collect())
        .contains(lower)
}

/// Splits a message body into sentences with their words. Quoted lines (`> ...`) are
/// skipped, as are fragments without a single letter.
pub(super) fn sentences(body: &str) -> Vec<Sentence> {
    let body = prefix_chars(body, MAX_ANALYSED_CHARS);
    body.lines()
        .filter(|line| !line.trim_start().starts_with('>'))
        .flat_map(split_line)
        .filter(|text| text.chars().any(char::is_alphabetic))
        .map(|text| Sentence {
            words: words(text),
            exclamations: text.matches('!').count(),
            text: text.to_owned(),
        })
        .collect()
}

/// Splits one line at `.`, `!` and `?` followed by white space or the end of the line.
fn split_line(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut chars = line.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let mut end = index + c.len_utf8();
        while let Some(&(next_index, next)) = chars.peek() {
            if !matches!(next, '.' | '!' | '?' | '"' | '\'' | ')' | '\u{201d}') {
                break;
            }
            end = next_index + next.len_utf8();
            chars.next();
        }
        let at_break = chars.peek().is_none_or(|&(_, next)| next.is_whitespace());
        if at_break && !(c == '.' && ends_with_abbreviation(&line[start..index])) {
            parts.push(line[start..end].trim());
            start = end;
        }
    }
    parts.push(line[start..].trim());
    parts.retain(|part| !part.is_empty());
    parts
}

/// Whether the text before a full stop ends with an abbreviation such as `e.g`.
fn ends_with_abbreviation(before: &str) -> bool {
    let last = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .to_lowercase();
    matches!(
        last.as_str(),
        "e.g" | "i.e" | "mr" | "mrs" | "ms" | "dr" | "etc" | "vs" | "approx" | "inc" | "ltd"
    )
}

/// Splits text into words: runs of letters and digits, with inner apostrophes kept.
pub(super) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut clause_start = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let apostrophe = matches!(c, '\'' | '\u{2019}');
        if c.is_alphanumeric() {
            current.push(c);
            continue;
        }
        if apostrophe && !current.is_empty() && chars.peek().is_some_and(|n| n.is_alphabetic()) {
            current.push('\'');
            continue;
        }
        if !current.is_empty() {
            out.push(make_word(&current, clause_start));
            current.clear();
            clause_start = false;
        }
        clause_start |= matches!(c, ',' | ';' | ':' | '(' | ')' | '\u{2013}' | '\u{2014}');
    }
    if !current.is_empty() {
        out.push(make_word(&current, clause_start));
    }
    out
}

/// Builds a [`Word`] from its raw form.
fn make_word(raw: &str, clause_start: bool) -> Word {
    let lower = raw.to_lowercase();
    let lower = expand_contraction(&lower).map_or(lower, str::to_owned);
    Word {
        stem: stem(&lower),
        shouted: is_shouted(raw),
        clause_start,
        negator: is_negator(&lower),
        stop: is_stop_word(&lower),
        lower,
    }
}

/// Whether a raw word is written in capitals for emphasis.
fn is_shouted(raw: &str) -> bool {
    raw.chars().count() >= 2
        && raw.chars().all(|c| c.is_alphabetic() && c.is_uppercase())
        && !ACRONYMS.contains(&raw)
}

/// The first `max` characters of `text`.
fn prefix_chars(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(index, _)| &text[..index])
}

/// Shortens `text` to at most `max` characters, cutting at a word boundary and adding `…`.
pub(super) fn truncate(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let head = prefix_chars(text, max.saturating_sub(1));
    let cut = head
        .rfind(char::is_whitespace)
        .filter(|&index| index > head.len() / 2)
        .map_or(head, |index| &head[..index]);
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.stem).collect()
    }

    #[test]
    fn contractions_are_normalised_and_negate() {
        let ws = words("I cant log in and it doesn’t work");
        assert_eq!(ws[1].lower, "can't");
        assert!(ws[1].is_negator());
        assert_eq!(ws[6].lower, "doesn't");
        assert!(ws[6].is_negator());
        assert_eq!(stems("customer's"), vec!["customer"]);
    }

    #[test]
    fn sentences_split_at_terminators_only() {
        let found: Vec<String> = sentences(
            "Hi! Version 2.5 fails, e.g. on login.\n> quoted reply\nSee example.com?? Thanks",
        )
        .into_iter()
        .map(|s| s.text)
        .collect();
        assert_eq!(
            found,
            vec![
                "Hi!",
                "Version 2.5 fails, e.g. on login.",
                "See example.com??",
                "Thanks"
            ]
        );
    }

    #[test]
    fn stop_words_are_recognised() {
        assert!(is_stop_word("the") && is_stop_word("you're") && !is_stop_word("invoice"));
    }

    #[test]
    fn shouting_ignores_acronyms() {
        let ws = words("THIS IS BROKEN, the API and SSO");
        let shouted: Vec<bool> = ws.iter().map(|w| w.shouted).collect();
        assert_eq!(shouted, vec![true, true, true, false, false, false, false]);
    }

    #[test]
    fn truncation_adds_an_ellipsis_at_a_word_boundary() {
        assert_eq!(truncate("short", 10), "short");
        let cut = truncate("one two three four five six", 15);
        assert!(cut.chars().count() <= 15);
        assert_eq!(cut, "one two three…");
    }
}
