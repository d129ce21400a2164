//! The local ticket assistant: no network, no model files, no setup.
//!
//! [`analyze`] reads a ticket with small built-in word lists and a TF-IDF sentence ranker
//! and returns [`Insights`] in well under a millisecond for typical tickets. It is
//! deterministic: the same context and departments always give the same insights.
//!
//! It always judges the whole conversation it is given (the previous analysis in the context is
//! ignored): being cheap, it has no reason to look at only the newest messages, and a
//! "we were hacked" followed by "any news?" must stay a security incident.
//!
//! How each field is found:
//! - `summary` / `problem`: sentences are scored by TF-IDF over the whole ticket (stop
//!   words and author names left out, words stemmed); the problem is the customer's best
//!   sentence (problem cues, questions and their first message count more); the summary is
//!   the problem plus up to two other top sentences (newer ones weigh more), in order, at
//!   most 600 characters.
//! - `sentiment`, `urgency`: word lists with negation ("not working" is negative, "not
//!   bad" is not), intensifiers ("very", "extremely"), `!!` and ALL-CAPS; only the
//!   customer's words (subject included) count.
//! - `topic`: keyword points per topic (one of [`TOPICS`]); the subject counts double.
//! - `suggestions`: 3 to 5 templates for the topic and state (first reply, follow-up,
//!   resolved), addressed by first name, apologising first to an angry or long-waiting
//!   customer.
//! - `escalation`: security or outage reports, a wait over four hours, three unanswered
//!   messages in a row, a very upset customer with an urgent problem, or critical urgency.

mod categories;
mod escalation;
mod lexicon;
mod replies;
mod stem;
mod summary;
mod terms;
mod text;
mod thread;
mod tone;
mod topic;

#[cfg(test)]
mod tests;

use super::model::{
    AuthorKind, ConversationMessage, Escalation, Insights, MAX_SUGGESTION_CHARS, MAX_SUGGESTIONS,
    MIN_SUGGESTIONS, Sentiment, Severity, TicketContext, Urgency,
};
use categories::Topic;
use thread::Thread;
use tone::Tone;
use topic::TopicReport;

/// Every topic label [`analyze`] may return, most serious first.
pub const TOPICS: [&str; 7] = [
    Topic::Security.label(),
    Topic::Outage.label(),
    Topic::Billing.label(),
    Topic::Account.label(),
    Topic::Technical.label(),
    Topic::FeatureRequest.label(),
    Topic::General.label(),
];

/// Analyses a ticket without leaving the process.
///
/// `departments` are the names of the configured departments; the escalation department is
/// picked among them by topic (billing -> billing, technical, outage and security ->
/// engineering, account and general -> support, feature requests -> product; common
/// synonyms such as "finance" or "helpdesk" and any letter case are accepted), falling back
/// to the ticket's current department.
///
/// The result always passes [`Insights::validate`].
pub fn analyze(ctx: &TicketContext, departments: &[String]) -> Insights {
    let thread = Thread::new(ctx);
    let tone = tone::assess(&thread);
    let topics = topic::classify(&thread);
    let digest = summary::summarize(ctx, &thread);
    let facts = Facts {
        ctx,
        thread: &thread,
        tone: &tone,
        topics: &topics,
    };
    let escalation = escalation::decide(&facts, departments);
    let suggestions = replies::suggest(&facts, &escalation);
    Insights {
        summary: digest.summary,
        problem: digest.problem,
        urgency: tone.urgency,
        sentiment: tone.sentiment,
        sentiment_score: tone.score,
        topic: topics.topic.label().to_owned(),
        suggestions,
        escalation,
    }
}

/// What the analysis has found so far; the escalation rules and the reply picker read it.
#[derive(Debug)]
struct Facts<'a> {
    /// The ticket.
    ctx: &'a TicketContext,
    /// Its parsed conversation.
    thread: &'a Thread<'a>,
    /// The customer's tone.
    tone: &'a Tone,
    /// Its topic.
    topics: &'a TopicReport,
}

impl Facts<'_> {
    /// Whether the ticket is resolved or closed.
    fn is_closed(&self) -> bool {
        self.ctx.is_closed()
    }

    /// Whether the customer has waited longer than the limit for a staff reply.
    fn waited_past_limit(&self) -> bool {
        self.thread
            .waiting(self.ctx.now)
            .is_some_and(|waited| waited > escalation::wait_limit())
    }
}
