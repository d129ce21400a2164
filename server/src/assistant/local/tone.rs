//! Sentiment and urgency of the customer's side of the conversation.

use super::lexicon::{Hit, lexicons};
use super::text::Sentence;
use super::thread::Thread;
use super::{Sentiment, Urgency};

/// A message score at or below this is negative, at or above its opposite positive.
const SENTIMENT_THRESHOLD: f32 = 0.2;
/// At or below this score the customer is very upset.
const VERY_NEGATIVE: f32 = -0.5;
/// Squashes a message's summed weights into -1..1: `s / (|s| + SOFTNESS)`.
const SOFTNESS: f32 = 1.5;
/// Sentences with at least this many `!` are emphatic.
const EMPHATIC_EXCLAMATIONS: usize = 2;
/// Weight multiplier for terms in an emphatic sentence.
const EXCLAMATION_BOOST: f32 = 1.3;
/// Urgency points at which a ticket becomes critical.
const CRITICAL_POINTS: f32 = 5.0;
/// Urgency points at which a ticket becomes high.
const HIGH_POINTS: f32 = 2.0;
/// Urgency points at or below which a ticket is low.
const LOW_POINTS: f32 = -1.0;

/// The customer's tone.
#[derive(Debug)]
pub(super) struct Tone {
    /// Mood from -1 to 1.
    pub score: f32,
    /// Mood label.
    pub sentiment: Sentiment,
    /// How soon the ticket needs attention.
    pub urgency: Urgency,
    /// The urgency phrases found, strongest first (for escalation reasons).
    pub urgency_terms: Vec<&'static str>,
    /// Very negative, or shouting in one of the last three messages.
    pub angry: bool,
}

impl Tone {
    /// Whether the customer is very upset (not merely negative).
    pub fn very_negative(&self) -> bool {
        self.score <= VERY_NEGATIVE
    }
}

/// Reads the customer's tone from the subject and their messages (staff wording is ignored).
pub(super) fn assess(thread: &Thread<'_>) -> Tone {
    let voices = customer_voices(thread);
    let score = sentiment_score(&voices);
    let (points, urgency_terms) = urgency_points(thread, &voices);
    let recent_shouting = thread.customer_messages().rev().take(3).any(|p| p.shouting);
    Tone {
        score,
        sentiment: label(score),
        urgency: urgency_level(points),
        urgency_terms,
        angry: score <= VERY_NEGATIVE || recent_shouting,
    }
}

/// The customer's side: the subject first, then each of their messages' sentences.
fn customer_voices<'t>(thread: &'t Thread<'_>) -> Vec<&'t [Sentence]> {
    std::iter::once(thread.subject.as_slice())
        .chain(thread.customer_messages().map(|p| p.sentences.as_slice()))
        .collect()
}

/// Recency-weighted mean of the per-message scores of messages that carry any mood words;
/// later messages weigh up to twice as much as the first.
fn sentiment_score(voices: &[&[Sentence]]) -> f32 {
    let last = voices.len().saturating_sub(1).max(1) as f32;
    let (mut total, mut weights) = (0.0f32, 0.0f32);
    for (index, sentences) in voices.iter().enumerate() {
        let Some(raw) = mood_sum(sentences) else {
            continue;
        };
        let weight = 1.0 + index as f32 / last;
        total += weight * raw / (raw.abs() + SOFTNESS);
        weights += weight;
    }
    if weights > 0.0 {
        (total / weights).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

/// Summed mood weights of one message, or `None` if it has no mood words at all.
fn mood_sum(sentences: &[Sentence]) -> Option<f32> {
    let mut found = false;
    let mut sum = 0.0;
    for sentence in sentences {
        for hit in lexicons().sentiment.scan(&sentence.words) {
            let value = emphasised(&hit, sentence);
            // "It works" is no mood at all; only words that carry one make the message count.
            found |= value != 0.0;
            sum += value;
        }
    }
    let shouted = sentences
        .iter()
        .flat_map(|s| &s.words)
        .filter(|w| w.shouted);
    if shouted.count() >= 3 {
        found = true;
        sum -= 1.0;
    }
    found.then_some(sum)
}

/// A hit's value, boosted when its sentence has `!!`.
fn emphasised<T>(hit: &Hit<'_, T>, sentence: &Sentence) -> f32 {
    if sentence.exclamations >= EMPHATIC_EXCLAMATIONS {
        hit.value() * EXCLAMATION_BOOST
    } else {
        hit.value()
    }
}

/// Urgency points: each distinct phrase counts once at its strongest, plus one point for
/// shouting and half a point for `!!!`. Also returns the positive phrases, strongest first.
fn urgency_points(thread: &Thread<'_>, voices: &[&[Sentence]]) -> (f32, Vec<&'static str>) {
    let mut strongest: Vec<(&'static str, f32)> = Vec::new();
    for sentence in voices.iter().flat_map(|s| s.iter()) {
        for hit in lexicons().urgency.scan(&sentence.words) {
            let value = emphasised(&hit, sentence);
            match strongest.iter_mut().find(|(p, _)| *p == hit.entry.phrase) {
                Some((_, best)) if value.abs() > best.abs() => *best = value,
                Some(_) => {}
                None => strongest.push((hit.entry.phrase, value)),
            }
        }
    }
    let mut points: f32 = strongest.iter().map(|(_, v)| v).sum();
    if thread.customer_messages().any(|p| p.shouting) {
        points += 1.0;
    }
    if voices
        .iter()
        .flat_map(|s| s.iter())
        .any(|s| s.exclamations >= 3)
    {
        points += 0.5;
    }
    strongest.retain(|(_, v)| *v > 0.0);
    strongest.sort_by(|a, b| b.1.total_cmp(&a.1));
    (points, strongest.into_iter().map(|(p, _)| p).collect())
}

/// The urgency level for a number of points.
fn urgency_level(points: f32) -> Urgency {
    if points >= CRITICAL_POINTS {
        Urgency::Critical
    } else if points >= HIGH_POINTS {
        Urgency::High
    } else if points <= LOW_POINTS {
        Urgency::Low
    } else {
        Urgency::Normal
    }
}

/// The sentiment label for a score.
fn label(score: f32) -> Sentiment {
    if score <= -SENTIMENT_THRESHOLD {
        Sentiment::Negative
    } else if score >= SENTIMENT_THRESHOLD {
        Sentiment::Positive
    } else {
        Sentiment::Neutral
    }
}
