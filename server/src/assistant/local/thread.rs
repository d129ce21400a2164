//! The conversation, parsed once: messages in order with their sentences, plus the facts
//! about who is waiting for whom.

use chrono::{DateTime, Duration, Utc};

use super::text::{Sentence, sentences};
use super::{AuthorKind, ConversationMessage, TicketContext};

/// Fewest capitalised words that make a message "shouting".
const MIN_SHOUTED_WORDS: usize = 3;
/// Chat messages sent within this many seconds of the previous one form one burst: a
/// customer who splits one thought over three quick lines has not followed up three times.
const BURST_GAP_SECONDS: i64 = 120;

/// One message with its sentences.
#[derive(Debug)]
pub(super) struct Parsed<'a> {
    /// The original message.
    pub message: &'a ConversationMessage,
    /// Its sentences, in order.
    pub sentences: Vec<Sentence>,
    /// Mostly written in capitals.
    pub shouting: bool,
}

impl Parsed<'_> {
    /// Whether the customer wrote it.
    pub fn is_customer(&self) -> bool {
        self.message.author == AuthorKind::Customer
    }
}

/// A ticket's conversation, parsed.
#[derive(Debug)]
pub(super) struct Thread<'a> {
    /// Messages with a non-blank body, oldest first (by `seq`).
    pub messages: Vec<Parsed<'a>>,
    /// The subject line, parsed like a message body.
    pub subject: Vec<Sentence>,
}

impl<'a> Thread<'a> {
    /// Parses the ticket's subject and messages.
    pub fn new(ctx: &'a TicketContext) -> Self {
        let mut ordered: Vec<&ConversationMessage> = ctx
            .messages
            .iter()
            .filter(|m| !m.body.trim().is_empty())
            .collect();
        ordered.sort_by_key(|m| m.seq);
        Thread {
            messages: ordered.into_iter().map(parse).collect(),
            subject: sentences(&ctx.subject),
        }
    }

    /// The customer's messages, oldest first.
    pub fn customer_messages(&self) -> impl DoubleEndedIterator<Item = &Parsed<'a>> {
        self.messages.iter().filter(|p| p.is_customer())
    }

    /// Whether any staff member has written in the ticket.
    pub fn has_staff_reply(&self) -> bool {
        self.messages.iter().any(|p| !p.is_customer())
    }

    /// The customer's messages after the last staff message (all of them if staff never
    /// wrote): the ones still waiting for an answer.
    pub fn unanswered(&self) -> &[Parsed<'a>] {
        let answered = self
            .messages
            .iter()
            .rposition(|p| !p.is_customer())
            .map_or(0, |last_staff| last_staff + 1);
        self.messages.get(answered..).unwrap_or_default()
    }

    /// How many separate times the customer has written since the last staff message:
    /// unanswered messages, with quick successions counted once.
    pub fn unanswered_bursts(&self) -> usize {
        let gap = Duration::seconds(BURST_GAP_SECONDS);
        let unanswered = self.unanswered();
        let follow_ups = unanswered
            .windows(2)
            .filter(|pair| pair[1].message.created_at - pair[0].message.created_at > gap)
            .count();
        usize::from(!unanswered.is_empty()) + follow_ups
    }

    /// How long the customer has waited for a staff reply, if they are waiting.
    pub fn waiting(&self, now: DateTime<Utc>) -> Option<Duration> {
        let first = self.unanswered().first()?;
        Some((now - first.message.created_at).max(Duration::zero()))
    }

    /// The customer's first name as they signed their first message, if it looks like one.
    pub fn customer_first_name(&self) -> Option<&'a str> {
        let name = self.customer_messages().next()?.message.author_name.trim();
        let first = name.split_whitespace().next()?;
        let looks_like_name = !first.contains('@') && first.chars().any(char::is_alphabetic);
        looks_like_name.then_some(first)
    }
}

/// Parses one message.
fn parse(message: &ConversationMessage) -> Parsed<'_> {
    let sentences = sentences(&message.body);
    let (shouted, wordy) = sentences
        .iter()
        .flat_map(|s| &s.words)
        .filter(|w| w.lower.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .fold((0, 0), |(shouted, wordy), w| {
            (shouted + usize::from(w.shouted), wordy + 1)
        });
    Parsed {
        message,
        sentences,
        shouting: shouted >= MIN_SHOUTED_WORDS && shouted * 2 >= wordy,
    }
}
