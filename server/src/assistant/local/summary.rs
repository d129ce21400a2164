//! Extractive summary: TF-IDF sentence scoring over the whole ticket.
//!
//! Each sentence is a document. A content word (stop words and author names left out,
//! stemmed) weighs `(1 + ln tf) * idf`, where `tf` is the number of sentences using it (two
//! more when the subject does) and `idf` is low for words in every sentence. A sentence scores the sum of its distinct words' weights over the square
//! root of their number, so long sentences do not win by length alone. The summary is the
//! customer's key sentence (the `problem`) plus the best other sentences, newest weighted
//! more, in their original order.

use std::collections::HashMap;

use super::TicketContext;
use super::text::{Sentence, truncate};
use super::thread::Thread;

/// Longest summary, in characters.
const MAX_SUMMARY_CHARS: usize = 600;
/// Longest quoted sentence, in characters.
const MAX_SENTENCE_CHARS: usize = 240;
/// Most sentences in a summary.
const MAX_SENTENCES: usize = 3;
/// Term overlap (Jaccard) above which a sentence repeats one already chosen.
const REDUNDANT_OVERLAP: f32 = 0.5;
/// Stems that mark a sentence as stating a problem or a request.
const PROBLEM_CUES: &[&str] = &[
    "error", "unabl", "fail", "broken", "problem", "issu", "crash", "wrong", "help", "charg",
    "need", "want", "bug", "stuck", "lost", "hack", "down", "refund", "how", "why", "work",
    "access", "login", "log", "feature", "add", "slow",
];

/// The summary and the problem statement.
#[derive(Debug)]
pub(super) struct Digest {
    /// At most 600 characters, never empty.
    pub summary: String,
    /// The customer's key sentence, never empty.
    pub problem: String,
}

/// One sentence of the conversation, ready to score.
#[derive(Debug)]
struct Candidate<'t> {
    text: &'t str,
    customer: bool,
    /// Index of its message in the thread.
    message: usize,
    /// Distinct content-word ids, sorted.
    terms: Vec<u32>,
    /// Contains a problem cue.
    cue: bool,
}

/// Summarises a ticket.
pub(super) fn summarize(ctx: &TicketContext, thread: &Thread<'_>) -> Digest {
    let (candidates, subject) = candidates(thread);
    let base = base_scores(&candidates, &subject);
    let problem = problem_index(&candidates, &base);
    let fallback = fallback_text(ctx, &candidates);
    let problem_text = problem.and_then(|i| candidates.get(i)).map_or_else(
        || fallback.clone(),
        |c| truncate(c.text, MAX_SENTENCE_CHARS),
    );
    let recency = recency_scores(&candidates, &base, thread.messages.len());
    let chosen = choose(&candidates, &recency, problem, MAX_SUMMARY_CHARS);
    let summary = if chosen.is_empty() {
        end_sentence(fallback)
    } else {
        join(&candidates, &chosen)
    };
    Digest {
        summary: truncate(&summary, MAX_SUMMARY_CHARS),
        problem: problem_text,
    }
}

/// What to say when no sentence stands out: the subject, else the customer's first
/// sentence, else that there is nothing yet.
fn fallback_text(ctx: &TicketContext, candidates: &[Candidate<'_>]) -> String {
    let subject = ctx.subject.trim();
    if !subject.is_empty() {
        return truncate(subject, MAX_SENTENCE_CHARS);
    }
    candidates.iter().find(|c| c.customer).map_or_else(
        || "No messages yet".to_owned(),
        |c| truncate(c.text, MAX_SENTENCE_CHARS),
    )
}

/// Every sentence of every message with its content-word ids, and the ids of the
/// subject's content words (sorted).
fn candidates<'t>(thread: &'t Thread<'_>) -> (Vec<Candidate<'t>>, Vec<u32>) {
    let names = author_names(thread);
    let mut vocabulary = Vocabulary::default();
    let mut out = Vec::new();
    for (message, parsed) in thread.messages.iter().enumerate() {
        for sentence in &parsed.sentences {
            out.push(Candidate {
                text: &sentence.text,
                customer: parsed.is_customer(),
                message,
                terms: vocabulary.terms(sentence, &names),
                cue: has_cue(sentence),
            });
        }
    }
    let mut subject: Vec<u32> = thread
        .subject
        .iter()
        .flat_map(|s| s.words.iter())
        .filter_map(|w| vocabulary.ids.get(&w.stem).copied())
        .collect();
    subject.sort_unstable();
    subject.dedup();
    (out, subject)
}

/// Lower-case parts of every author's name: greetings and sign-offs are not content.
fn author_names(thread: &Thread<'_>) -> Vec<String> {
    let mut names: Vec<String> = thread
        .messages
        .iter()
        .flat_map(|p| p.message.author_name.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether a sentence states a problem or asks for something.
fn has_cue(sentence: &Sentence) -> bool {
    sentence.text.contains('?')
        || sentence
            .words
            .iter()
            .any(|w| w.is_negator() || PROBLEM_CUES.contains(&w.stem.as_str()))
}

/// Maps stems to dense ids.
#[derive(Debug, Default)]
struct Vocabulary {
    ids: HashMap<String, u32>,
}

impl Vocabulary {
    /// The sorted, distinct ids of a sentence's content words, author names left out.
    fn terms(&mut self, sentence: &Sentence, names: &[String]) -> Vec<u32> {
        let mut terms: Vec<u32> = sentence
            .words
            .iter()
            .filter(|w| w.is_content() && names.binary_search(&w.lower).is_err())
            .map(|w| self.id(&w.stem))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    /// The id of a stem, assigned on first sight.
    fn id(&mut self, stem: &str) -> u32 {
        if let Some(&id) = self.ids.get(stem) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(stem.to_owned(), id);
        id
    }
}

/// TF-IDF score of each candidate, before recency or author weighting.
fn base_scores(candidates: &[Candidate<'_>], subject: &[u32]) -> Vec<f32> {
    let mut df: Vec<u32> = Vec::new();
    for &id in candidates.iter().flat_map(|c| c.terms.iter()) {
        let id = id as usize;
        if df.len() <= id {
            df.resize(id + 1, 0);
        }
        df[id] += 1;
    }
    let n = candidates.len() as f32;
    let weight = |id: u32| {
        let df = df.get(id as usize).copied().unwrap_or(1) as f32;
        let tf = df
            + if subject.binary_search(&id).is_ok() {
                2.0
            } else {
                0.0
            };
        (1.0 + tf.ln()) * (((n + 1.0) / (df + 1.0)).ln() + 1.0)
    };
    candidates
        .iter()
        .map(|c| {
            let sum: f32 = c.terms.iter().map(|&id| weight(id)).sum();
            let short = if c.terms.len() < 2 { 0.3 } else { 1.0 };
            if c.terms.is_empty() {
                0.0
            } else {
                short * sum / (c.terms.len() as f32).sqrt()
            }
        })
        .collect()
}

/// The customer's key sentence: problem cues and questions count more, and so does their
/// first message, where the problem is usually stated.
fn problem_index(candidates: &[Candidate<'_>], base: &[f32]) -> Option<usize> {
    let first_customer_message = candidates.iter().find(|c| c.customer)?.message;
    let score = |(c, base): (&Candidate<'_>, &f32)| {
        let cue = if c.cue { 1.6 } else { 1.0 };
        let first = if c.message == first_customer_message {
            1.3
        } else {
            1.0
        };
        base * cue * first
    };
    let scores: Vec<f32> = candidates.iter().zip(base).map(score).collect();
    best_first(scores.iter().copied()).into_iter().find(|&i| {
        candidates.get(i).is_some_and(|c| c.customer) && scores.get(i).is_some_and(|s| *s > 0.0)
    })
}

/// Summary scores: newer messages weigh up to 1.3, the oldest 0.7; customers 1.1, staff 0.9.
fn recency_scores(candidates: &[Candidate<'_>], base: &[f32], messages: usize) -> Vec<f32> {
    let last = messages.saturating_sub(1).max(1) as f32;
    candidates
        .iter()
        .zip(base)
        .map(|(c, base)| {
            let recency = 0.7 + 0.6 * (c.message as f32 / last);
            let author = if c.customer { 1.1 } else { 0.9 };
            base * recency * author
        })
        .collect()
}

/// Indices sorted by score, highest first; ties keep the earlier sentence first.
fn best_first(scores: impl Iterator<Item = f32>) -> Vec<usize> {
    let mut ranked: Vec<(usize, f32)> = scores.enumerate().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().map(|(i, _)| i).collect()
}

/// Picks up to three sentences within `budget` characters: the problem first, then the
/// best-scoring ones that do not repeat a chosen one. Returned in conversation order.
fn choose(
    candidates: &[Candidate<'_>],
    scores: &[f32],
    problem: Option<usize>,
    budget: usize,
) -> Vec<usize> {
    let mut chosen: Vec<usize> = problem.into_iter().collect();
    let mut used: usize = chosen
        .iter()
        .filter_map(|&i| candidates.get(i))
        .map(|c| quoted_len(c.text) + 1)
        .sum();
    for index in best_first(scores.iter().copied()) {
        if chosen.len() >= MAX_SENTENCES {
            break;
        }
        let (Some(candidate), Some(&score)) = (candidates.get(index), scores.get(index)) else {
            continue;
        };
        let cost = quoted_len(candidate.text) + 1;
        let repeats = chosen
            .iter()
            .filter_map(|&i| candidates.get(i))
            .any(|c| overlap(&c.terms, &candidate.terms) >= REDUNDANT_OVERLAP);
        if score <= 0.0 || chosen.contains(&index) || repeats || used + cost > budget {
            continue;
        }
        chosen.push(index);
        used += cost;
    }
    chosen.sort_unstable();
    chosen
}

/// Length of a sentence once truncated and punctuated.
fn quoted_len(text: &str) -> usize {
    end_sentence(truncate(text, MAX_SENTENCE_CHARS))
        .chars()
        .count()
}

/// Jaccard overlap of two sorted id lists.
fn overlap(a: &[u32], b: &[u32]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|id| b.binary_search(id).is_ok()).count();
    shared as f32 / (a.len() + b.len() - shared) as f32
}

/// The chosen sentences, truncated, punctuated and joined.
fn join(candidates: &[Candidate<'_>], chosen: &[usize]) -> String {
    chosen
        .iter()
        .filter_map(|&i| candidates.get(i))
        .map(|c| end_sentence(truncate(c.text, MAX_SENTENCE_CHARS)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds a full stop unless the text already ends a sentence.
fn end_sentence(mut text: String) -> String {
    if !text.ends_with(['.', '!', '?', '…']) {
        text.push('.');
    }
    text
}
