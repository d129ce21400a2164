//! A phrase matcher over stemmed words, with negation, intensifier and shouting context.
//!
//! Lexicon phrases are written in plain English (see [`super::terms`]) and stemmed with the
//! same tokenizer as the messages, so `charged twice` also matches "charges twice".

use std::collections::HashMap;
use std::sync::OnceLock;

use super::categories::Topic;
use super::terms;
use super::text::{Word, words};

/// How far back (in words) a negator reaches.
const NEGATION_WINDOW: usize = 3;
/// How far back an intensifier reaches.
const INTENSIFIER_WINDOW: usize = 2;
/// Weight multiplier for an intensified or shouted term.
const EMPHASIS: f32 = 1.5;

/// One compiled lexicon entry.
#[derive(Debug)]
pub(super) struct Entry<T> {
    /// The phrase as written in the table; quoted in escalation reasons.
    pub phrase: &'static str,
    /// Its words, matched one by one.
    words: Vec<Pattern>,
    /// What the entry stands for (a topic, or nothing).
    pub tag: T,
    /// Weight when the phrase is used plainly.
    plain: f32,
    /// Weight when a negator precedes it ("not bad", "not working").
    negated: f32,
}

/// How one word of a phrase matches.
#[derive(Debug, PartialEq)]
struct Pattern {
    /// The stem the sentence word must have.
    stem: String,
    /// The exact lower-case form it must have, for phrase words written `=word`; used
    /// where stemming would blur meaning ("fixed" is good news, "please fix" is not).
    exact: Option<String>,
}

impl Pattern {
    /// Whether a sentence word matches.
    fn matches(&self, word: &Word) -> bool {
        word.stem == self.stem && self.exact.as_ref().is_none_or(|exact| *exact == word.lower)
    }
}

/// Splits a phrase into word patterns; `=word` asks for that exact form.
fn patterns(phrase: &str) -> Vec<Pattern> {
    phrase
        .split_whitespace()
        .flat_map(|part| {
            let exact = part.starts_with('=');
            words(part.trim_start_matches('='))
                .into_iter()
                .map(move |w| Pattern {
                    exact: exact.then(|| w.lower.clone()),
                    stem: w.stem,
                })
        })
        .collect()
}

/// One occurrence of an entry in a sentence.
#[derive(Debug)]
pub(super) struct Hit<'a, T> {
    /// The entry that matched.
    pub entry: &'a Entry<T>,
    /// A negator appeared within three words before it.
    pub negated: bool,
    /// An intensifier appeared within two words before it.
    intensified: bool,
    /// One of its words was written in capitals.
    shouted: bool,
}

impl<T> Hit<'_, T> {
    /// The signed weight of this occurrence, context applied.
    pub fn value(&self) -> f32 {
        let base = if self.negated {
            self.entry.negated
        } else {
            self.entry.plain
        };
        let mut value = base;
        if self.intensified {
            value *= EMPHASIS;
        }
        if self.shouted {
            value *= EMPHASIS;
        }
        value
    }
}

/// A compiled lexicon: entries plus an index from first stem to entries.
#[derive(Debug)]
pub(super) struct Lexicon<T> {
    entries: Vec<Entry<T>>,
    by_first_stem: HashMap<String, Vec<usize>>,
}

impl<T> Lexicon<T> {
    /// Compiles `(phrase, tag, plain weight, negated weight)` rows. Later rows whose words
    /// repeat an earlier row are dropped, so the first spelling wins.
    fn compile(rows: impl IntoIterator<Item = (&'static str, T, f32, f32)>) -> Self {
        let mut lexicon = Lexicon {
            entries: Vec::new(),
            by_first_stem: HashMap::new(),
        };
        for (phrase, tag, plain, negated) in rows {
            let words = patterns(phrase);
            let Some(first) = words.first().map(|p| p.stem.clone()) else {
                continue;
            };
            if lexicon.entries.iter().any(|e| e.words == words) {
                continue;
            }
            let index = lexicon.entries.len();
            lexicon.by_first_stem.entry(first).or_default().push(index);
            lexicon.entries.push(Entry {
                phrase,
                words,
                tag,
                plain,
                negated,
            });
        }
        lexicon
    }

    /// Finds the entries in a sentence, left to right, longest phrase first; matched words
    /// are not matched again.
    pub fn scan<'a>(&'a self, sentence: &[Word]) -> Vec<Hit<'a, T>> {
        let mut hits = Vec::new();
        let mut start = 0;
        while start < sentence.len() {
            match self.longest_at(sentence, start) {
                Some(entry) => {
                    hits.push(hit_at(entry, sentence, start));
                    start += entry.words.len();
                }
                None => start += 1,
            }
        }
        hits
    }

    /// The longest entry whose words match the sentence from `start`.
    fn longest_at(&self, sentence: &[Word], start: usize) -> Option<&Entry<T>> {
        let candidates = self.by_first_stem.get(&sentence[start].stem)?;
        candidates
            .iter()
            .filter_map(|&index| self.entries.get(index))
            .filter(|entry| {
                sentence
                    .get(start..start + entry.words.len())
                    .is_some_and(|span| span.iter().zip(&entry.words).all(|(w, p)| p.matches(w)))
            })
            .max_by_key(|entry| entry.words.len())
    }
}

/// Builds the hit for `entry` matched at `start`, reading the words before it for context.
fn hit_at<'a, T>(entry: &'a Entry<T>, sentence: &[Word], start: usize) -> Hit<'a, T> {
    let before = |window: usize| same_clause_before(sentence, start, window);
    let span = &sentence[start..(start + entry.words.len()).min(sentence.len())];
    Hit {
        entry,
        negated: before(NEGATION_WINDOW).iter().any(Word::is_negator),
        intensified: before(INTENSIFIER_WINDOW).iter().any(Word::is_intensifier),
        shouted: span.iter().any(|w| w.shouted),
    }
}

/// Up to `window` words right before `start`, not reaching back past a clause break (a
/// comma, semicolon, colon, bracket or "but"): in "not angry, just confused" the "not"
/// does not reach "confused".
fn same_clause_before(sentence: &[Word], start: usize, window: usize) -> &[Word] {
    let mut from = start;
    while from > 0 && start - from < window {
        let breaks_here = sentence.get(from).is_some_and(|w| w.clause_start);
        let previous_is_but = sentence.get(from - 1).is_some_and(|w| w.lower == "but");
        if breaks_here || previous_is_but {
            break;
        }
        from -= 1;
    }
    sentence.get(from..start).unwrap_or_default()
}

/// The three built-in lexicons.
#[derive(Debug)]
pub(super) struct Lexicons {
    /// Mood words; positive weights are happy.
    pub sentiment: Lexicon<()>,
    /// Time-pressure and impact words; negative weights mean "no rush".
    pub urgency: Lexicon<()>,
    /// Topic keywords; negation does not change what a message is about ("I can't log in"
    /// is still about logging in), so both weights are the same.
    pub topic: Lexicon<Topic>,
}

/// The lexicons, compiled once per process.
pub(super) fn lexicons() -> &'static Lexicons {
    static LEXICONS: OnceLock<Lexicons> = OnceLock::new();
    LEXICONS.get_or_init(|| Lexicons {
        sentiment: Lexicon::compile(
            terms::SENTIMENT
                .iter()
                .map(|&(phrase, plain, negated)| (phrase, (), plain, negated)),
        ),
        urgency: Lexicon::compile(
            terms::URGENCY
                .iter()
                .map(|&(phrase, plain, negated)| (phrase, (), plain, negated)),
        ),
        topic: Lexicon::compile(
            terms::TOPIC
                .iter()
                .map(|&(phrase, topic, weight)| (phrase, topic, weight, weight)),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(lexicon: &Lexicon<()>, text: &str) -> Vec<(&'static str, f32)> {
        lexicon
            .scan(&words(text))
            .iter()
            .map(|hit| (hit.entry.phrase, hit.value()))
            .collect()
    }

    #[test]
    fn negation_flips_within_three_words() {
        let sentiment = &lexicons().sentiment;
        assert!(values(sentiment, "the app is not working")[0].1 < 0.0);
        assert!(values(sentiment, "it doesn't seem to work")[0].1 < 0.0);
        assert!(values(sentiment, "that's not bad at all")[0].1 > 0.0);
        assert!(values(sentiment, "this is bad")[0].1 < 0.0);
        assert!(values(sentiment, "I'm not happy")[0].1 < 0.0);
        assert_eq!(values(sentiment, "the app works")[0].1, 0.0);
        assert!(values(sentiment, "not angry, just confused")[1].1 < 0.0);
        assert!(values(sentiment, "not great but good enough")[1].1 > 0.0);
    }

    #[test]
    fn intensifiers_and_capitals_strengthen() {
        let sentiment = &lexicons().sentiment;
        let plain = values(sentiment, "I am frustrated")[0].1;
        let very = values(sentiment, "I am very frustrated")[0].1;
        let shouted = values(sentiment, "I am FRUSTRATED")[0].1;
        assert!(very < plain && shouted < plain);
    }

    #[test]
    fn the_longest_phrase_wins() {
        let urgency = &lexicons().urgency;
        let hits = values(urgency, "I cannot log in and there is no rush");
        let phrases: Vec<&str> = hits.iter().map(|(p, _)| *p).collect();
        assert_eq!(phrases, vec!["can't log in", "no rush"]);
    }
}
