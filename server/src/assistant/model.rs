//! What every ticket assistant provider reads ([`TicketContext`]) and writes ([`Insights`]).
//!
//! The JSON form is camelCase with lowercase enum values, so the same types serve the REST
//! API, the persisted insights and the schema handed to a language model.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Fewest suggested replies an [`Insights`] may carry.
pub const MIN_SUGGESTIONS: usize = 3;
/// Most suggested replies an [`Insights`] may carry.
pub const MAX_SUGGESTIONS: usize = 5;
/// Longest suggested reply, in characters.
pub const MAX_SUGGESTION_CHARS: usize = 500;

/// Everything a provider may look at to analyse one ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketContext {
    /// The ticket's subject line.
    pub subject: String,
    /// Name of the department the ticket currently sits in, if any.
    #[serde(default)]
    pub department: Option<String>,
    /// Ticket status: `open`, `pending`, `resolved` or `closed`.
    pub status: String,
    /// When the ticket was opened.
    pub created_at: DateTime<Utc>,
    /// The moment of analysis; waiting times are measured against it (not the wall clock),
    /// which keeps providers deterministic and testable.
    pub now: DateTime<Utc>,
    /// The previous analysis, when this one is an update (never on a full refresh). Providers
    /// that pay per input token send it with only the messages after its `covered_seq`; the
    /// local provider judges the whole conversation and ignores it.
    #[serde(default)]
    pub previous: Option<PreviousAnalysis>,
    /// The whole conversation (its newest messages when it is very long), oldest first.
    pub messages: Vec<ConversationMessage>,
}

impl TicketContext {
    /// The messages the previous analysis has not read (all of them without one).
    pub fn unread_messages(&self) -> impl Iterator<Item = &ConversationMessage> {
        let covered = self.previous.as_ref().map_or(0, |p| p.covered_seq);
        self.messages.iter().filter(move |m| m.seq > covered)
    }

    /// Whether the ticket is resolved or closed.
    pub fn is_closed(&self) -> bool {
        let status = self.status.trim();
        status.eq_ignore_ascii_case("resolved") || status.eq_ignore_ascii_case("closed")
    }
}

/// What an earlier analysis of the same ticket concluded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviousAnalysis {
    /// The newest message it read.
    pub covered_seq: i64,
    /// Its insights.
    pub insights: Insights,
}

/// One message of a ticket conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationMessage {
    /// Position in the ticket's conversation; higher is newer.
    pub seq: i64,
    /// Whether the customer or a staff member wrote it.
    pub author: AuthorKind,
    /// Display name of the author.
    pub author_name: String,
    /// Plain-text body.
    pub body: String,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
}

/// Which side of the conversation wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthorKind {
    /// The person who opened the ticket.
    Customer,
    /// A member of the helpdesk team.
    Staff,
}

/// What a provider concluded about a ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Insights {
    /// A short summary of the whole conversation.
    pub summary: String,
    /// The customer's problem, in one sentence.
    pub problem: String,
    /// How soon the ticket needs attention.
    pub urgency: Urgency,
    /// The customer's mood.
    pub sentiment: Sentiment,
    /// The customer's mood as a number from -1 (very negative) to 1 (very positive).
    pub sentiment_score: f32,
    /// A short topic label, such as `billing` or `account`.
    pub topic: String,
    /// 3 to 5 distinct replies a staff member could send next.
    pub suggestions: Vec<String>,
    /// Whether the ticket should be escalated, and why.
    pub escalation: Escalation,
}

/// How soon a ticket needs attention, lowest first.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Whenever there is time.
    Low,
    /// The usual queue.
    Normal,
    /// Soon: the customer is blocked or under time pressure.
    High,
    /// Now: an outage, a security incident, data or money being lost.
    Critical,
}

/// The customer's mood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    /// Frustrated, angry or worried.
    Negative,
    /// Matter-of-fact.
    Neutral,
    /// Happy or grateful.
    Positive,
}

/// How serious an escalation is, lowest first.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Should be picked up today.
    Medium,
    /// Should be picked up within the hour.
    High,
    /// Drop everything.
    Critical,
}

/// Whether a ticket should be escalated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Escalation {
    /// True when the ticket should be escalated.
    pub escalate: bool,
    /// How serious the escalation is (`low` when not escalating).
    pub severity: Severity,
    /// The department to escalate to, when one applies and exists.
    #[serde(default)]
    pub department: Option<String>,
    /// Plain-English explanation of the decision.
    pub reason: String,
}

impl Insights {
    /// Checks the invariants every provider must meet: a non-empty summary, problem and
    /// topic, a finite sentiment score in -1..=1, 3 to 5 distinct non-empty suggestions of
    /// at most 500 characters, and a reason for any escalation.
    ///
    /// Providers that call a language model use this to reject malformed output.
    ///
    /// # Errors
    ///
    /// A message naming the first invariant that does not hold.
    pub fn validate(&self) -> Result<(), String> {
        require_text("summary", &self.summary)?;
        require_text("problem", &self.problem)?;
        require_text("topic", &self.topic)?;
        if !self.sentiment_score.is_finite() || !(-1.0..=1.0).contains(&self.sentiment_score) {
            return Err(format!(
                "sentimentScore must be between -1 and 1, got {}",
                self.sentiment_score
            ));
        }
        validate_suggestions(&self.suggestions)?;
        if self.escalation.escalate {
            require_text("escalation.reason", &self.escalation.reason)?;
        }
        Ok(())
    }
}

fn require_text(field: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{field} must not be empty"))
    } else {
        Ok(())
    }
}

fn validate_suggestions(suggestions: &[String]) -> Result<(), String> {
    if !(MIN_SUGGESTIONS..=MAX_SUGGESTIONS).contains(&suggestions.len()) {
        return Err(format!(
            "suggestions must hold {MIN_SUGGESTIONS} to {MAX_SUGGESTIONS} replies, got {}",
            suggestions.len()
        ));
    }
    let mut seen: Vec<String> = Vec::with_capacity(suggestions.len());
    for (index, suggestion) in suggestions.iter().enumerate() {
        require_text(&format!("suggestions[{index}]"), suggestion)?;
        if suggestion.chars().count() > MAX_SUGGESTION_CHARS {
            return Err(format!(
                "suggestions[{index}] must be at most {MAX_SUGGESTION_CHARS} characters"
            ));
        }
        let key = suggestion.trim().to_lowercase();
        if seen.contains(&key) {
            return Err(format!(
                "suggestions[{index}] repeats an earlier suggestion"
            ));
        }
        seen.push(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Insights {
        Insights {
            summary: "The customer cannot log in.".to_owned(),
            problem: "I cannot log in.".to_owned(),
            urgency: Urgency::High,
            sentiment: Sentiment::Negative,
            sentiment_score: -0.4,
            topic: "account".to_owned(),
            suggestions: vec!["One.".to_owned(), "Two.".to_owned(), "Three.".to_owned()],
            escalation: Escalation {
                escalate: false,
                severity: Severity::Low,
                department: None,
                reason: "Nothing fired.".to_owned(),
            },
        }
    }

    #[test]
    fn a_well_formed_insights_is_valid() {
        assert_eq!(sample().validate(), Ok(()));
    }

    #[test]
    fn empty_text_fields_are_rejected() {
        let mut insights = sample();
        insights.summary = "  ".to_owned();
        assert!(
            insights
                .validate()
                .err()
                .unwrap_or_default()
                .contains("summary")
        );
        let mut insights = sample();
        insights.problem.clear();
        assert!(
            insights
                .validate()
                .err()
                .unwrap_or_default()
                .contains("problem")
        );
        let mut insights = sample();
        insights.escalation.escalate = true;
        insights.escalation.reason.clear();
        assert!(
            insights
                .validate()
                .err()
                .unwrap_or_default()
                .contains("reason")
        );
    }

    #[test]
    fn the_score_must_be_finite_and_in_range() {
        for bad in [1.5, -1.01, f32::NAN, f32::INFINITY] {
            let mut insights = sample();
            insights.sentiment_score = bad;
            assert!(insights.validate().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn suggestions_are_counted_bounded_and_distinct() {
        let mut insights = sample();
        insights.suggestions.truncate(2);
        assert!(insights.validate().is_err());
        let mut insights = sample();
        insights.suggestions = (0..6).map(|i| format!("Reply {i}")).collect();
        assert!(insights.validate().is_err());
        let mut insights = sample();
        insights.suggestions[2] = " one. ".to_owned();
        assert!(
            insights
                .validate()
                .err()
                .unwrap_or_default()
                .contains("repeats")
        );
        let mut insights = sample();
        insights.suggestions[1] = "x".repeat(501);
        assert!(
            insights
                .validate()
                .err()
                .unwrap_or_default()
                .contains("500")
        );
        let mut insights = sample();
        insights.suggestions[0] = String::new();
        assert!(insights.validate().is_err());
    }

    #[test]
    fn json_is_camel_case_with_lowercase_enums() -> Result<(), serde_json::Error> {
        let json = serde_json::to_value(sample())?;
        assert_eq!(json["sentimentScore"], serde_json::json!(-0.4f32));
        assert_eq!(json["urgency"], "high");
        assert_eq!(json["sentiment"], "negative");
        assert_eq!(json["escalation"]["severity"], "low");
        let back: Insights = serde_json::from_value(json)?;
        assert_eq!(back, sample());
        Ok(())
    }

    #[test]
    fn a_context_reads_from_camel_case_json() -> Result<(), serde_json::Error> {
        let ctx: TicketContext = serde_json::from_value(serde_json::json!({
            "subject": "Help",
            "status": "open",
            "createdAt": "2024-05-01T10:00:00Z",
            "now": "2024-05-01T11:00:00Z",
            "messages": [{
                "seq": 1,
                "author": "customer",
                "authorName": "Ada",
                "body": "Hello",
                "createdAt": "2024-05-01T10:00:00Z"
            }]
        }))?;
        assert_eq!(ctx.department, None);
        assert_eq!(ctx.previous, None);
        assert_eq!(ctx.messages[0].author, AuthorKind::Customer);
        Ok(())
    }
}
