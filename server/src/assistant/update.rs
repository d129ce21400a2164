//! Updates: an analysis that read only the messages after the previous one (a model given the
//! previous summary and the new messages) cannot tell that "any news?" follows "we were
//! hacked". What such an update may not decide on its own is carried forward from the previous
//! analysis: the urgency never drops, an escalation stays (at least as severe), and a specific
//! topic is not replaced by `general`. Resolving or closing the ticket, or a full refresh
//! (which reads the whole conversation), lets them drop.

use super::model::{Insights, PreviousAnalysis, TicketContext};

/// The topic that says nothing specific.
const GENERAL: &str = "general";

/// Applies the previous analysis of `ctx` to `insights`, an update that read only the new
/// messages. Does nothing without a previous analysis or once the ticket is resolved or closed.
pub fn carry_forward(insights: &mut Insights, ctx: &TicketContext) {
    let Some(PreviousAnalysis {
        insights: previous, ..
    }) = &ctx.previous
    else {
        return;
    };
    if ctx.is_closed() {
        return;
    }
    insights.urgency = insights.urgency.max(previous.urgency);
    if insights.topic == GENERAL && previous.topic != GENERAL {
        insights.topic.clone_from(&previous.topic);
    }
    let (now, before) = (&mut insights.escalation, &previous.escalation);
    if !before.escalate {
        return;
    }
    if now.escalate {
        now.severity = now.severity.max(before.severity);
        if now.department.is_none() {
            now.department.clone_from(&before.department);
        }
    } else {
        *now = before.clone();
        now.reason = format!(
            "Still escalated from the earlier messages: {}",
            before.reason
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistant::model::{Escalation, Sentiment, Severity, Urgency};

    fn insights(urgency: Urgency, topic: &str, escalation: Option<Severity>) -> Insights {
        Insights {
            summary: "s".into(),
            problem: "p".into(),
            urgency,
            sentiment: Sentiment::Neutral,
            sentiment_score: 0.0,
            topic: topic.into(),
            suggestions: vec!["a".into(), "b".into(), "c".into()],
            escalation: Escalation {
                escalate: escalation.is_some(),
                severity: escalation.unwrap_or(Severity::Low),
                department: escalation.map(|_| "engineering".to_owned()),
                reason: escalation.map_or_else(String::new, |_| "Possible breach.".to_owned()),
            },
        }
    }

    fn ctx(status: &str, previous: Insights) -> TicketContext {
        TicketContext {
            subject: "Hacked".into(),
            department: None,
            status: status.into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            now: chrono::DateTime::UNIX_EPOCH,
            previous: Some(PreviousAnalysis {
                covered_seq: 1,
                insights: previous,
            }),
            messages: Vec::new(),
        }
    }

    #[test]
    fn an_update_keeps_the_escalation_urgency_and_topic() {
        let previous = insights(Urgency::Critical, "security", Some(Severity::Critical));
        let mut update = insights(Urgency::Low, GENERAL, None);
        carry_forward(&mut update, &ctx("open", previous));
        assert_eq!(update.urgency, Urgency::Critical);
        assert_eq!(update.topic, "security");
        assert!(update.escalation.escalate);
        assert_eq!(update.escalation.severity, Severity::Critical);
        assert_eq!(update.escalation.department.as_deref(), Some("engineering"));
        assert!(update.escalation.reason.contains("Possible breach."));
        assert_eq!(update.validate(), Ok(()));
    }

    #[test]
    fn an_update_may_raise_but_not_lower() {
        let previous = insights(Urgency::High, "billing", Some(Severity::Medium));
        let mut update = insights(Urgency::Critical, "outage", Some(Severity::Low));
        carry_forward(&mut update, &ctx("pending", previous));
        assert_eq!(update.urgency, Urgency::Critical);
        assert_eq!(update.topic, "outage");
        assert_eq!(update.escalation.severity, Severity::Medium);
    }

    #[test]
    fn a_resolved_ticket_or_a_first_analysis_is_left_alone() {
        let previous = insights(Urgency::Critical, "security", Some(Severity::Critical));
        let calm = insights(Urgency::Low, GENERAL, None);
        let mut update = calm.clone();
        carry_forward(&mut update, &ctx("resolved", previous));
        assert_eq!(update, calm);
        let mut first = ctx("open", calm.clone());
        first.previous = None;
        let mut update = calm.clone();
        carry_forward(&mut update, &first);
        assert_eq!(update, calm);
    }
}
