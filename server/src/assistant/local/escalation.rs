//! Escalation rules. Every rule that fires adds a sentence to the reason; the most
//! severe one sets the severity.

use chrono::Duration;

use super::categories::Department;
use super::{Escalation, Facts, Severity, Urgency};

/// A customer waiting longer than this many hours for a staff reply is escalated.
const WAIT_LIMIT_HOURS: i64 = 4;
/// A customer waiting longer than this is escalated with high severity.
const LONG_WAIT_HOURS: i64 = 24;
/// This many customer messages in a row without a staff reply are escalated (quick
/// successions count once).
const UNANSWERED_LIMIT: usize = 3;
/// This many are escalated with high severity.
const UNANSWERED_HIGH: usize = 5;
/// Most keywords quoted in a reason.
const QUOTED_TERMS: usize = 3;

/// How long a customer may wait for a staff reply before the ticket is escalated.
pub(super) fn wait_limit() -> Duration {
    Duration::hours(WAIT_LIMIT_HOURS)
}

/// One rule that fired.
#[derive(Debug)]
struct Fired {
    severity: Severity,
    reason: String,
    /// The rule needs engineers, whatever the topic.
    engineering: bool,
}

/// Decides whether to escalate, how seriously, to which of `departments`, and why.
pub(super) fn decide(facts: &Facts<'_>, departments: &[String]) -> Escalation {
    if facts.is_closed() {
        let status = facts.ctx.status.trim().to_lowercase();
        return calm(format!("No escalation needed: the ticket is {status}."));
    }
    let fired = rules(facts);
    let Some(severity) = fired.iter().map(|f| f.severity).max() else {
        return calm(
            "No escalation needed: no security or outage signals, no long wait for a reply \
             and no run of unanswered messages."
                .to_owned(),
        );
    };
    let kind = if fired.iter().any(|f| f.engineering) {
        Department::Engineering
    } else {
        facts.topics.topic.department()
    };
    let department = kind
        .find_in(departments)
        .or_else(|| facts.ctx.department.clone());
    let mut reason: Vec<String> = fired.into_iter().map(|f| f.reason).collect();
    if let Some(name) = &department {
        reason.push(format!("Suggested department: {name}."));
    }
    Escalation {
        escalate: true,
        severity,
        department,
        reason: reason.join(" "),
    }
}

/// No escalation, for the given reason.
fn calm(reason: String) -> Escalation {
    Escalation {
        escalate: false,
        severity: Severity::Low,
        department: None,
        reason,
    }
}

/// Runs every rule, in the order their reasons should read.
fn rules(facts: &Facts<'_>) -> Vec<Fired> {
    [
        security(facts),
        outage(facts),
        long_wait(facts),
        unanswered(facts),
        upset_and_urgent(facts),
        critical_urgency(facts),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Security words from the customer: always critical.
fn security(facts: &Facts<'_>) -> Option<Fired> {
    facts.topics.security_alert().then(|| Fired {
        severity: Severity::Critical,
        reason: format!(
            "Possible security incident: the customer mentions {}.",
            quote(&facts.topics.security_terms)
        ),
        engineering: true,
    })
}

/// Outage words from the customer: critical when urgency is critical, else high.
fn outage(facts: &Facts<'_>) -> Option<Fired> {
    facts.topics.outage_alert().then(|| Fired {
        severity: if facts.tone.urgency == Urgency::Critical {
            Severity::Critical
        } else {
            Severity::High
        },
        reason: format!(
            "The customer reports an outage ({}).",
            quote(&facts.topics.outage_terms)
        ),
        engineering: true,
    })
}

/// The customer has waited more than four hours (medium) or a day (high) for a reply.
fn long_wait(facts: &Facts<'_>) -> Option<Fired> {
    let waited = facts.thread.waiting(facts.ctx.now)?;
    if waited <= wait_limit() {
        return None;
    }
    let what = if facts.thread.has_staff_reply() {
        "a staff reply"
    } else {
        "a first reply"
    };
    Some(Fired {
        severity: if waited > Duration::hours(LONG_WAIT_HOURS) {
            Severity::High
        } else {
            Severity::Medium
        },
        reason: format!(
            "The customer has waited {} for {what} (the limit is {WAIT_LIMIT_HOURS} hours).",
            describe(waited)
        ),
        engineering: false,
    })
}

/// Three (medium) or five (high) customer messages in a row without a staff reply;
/// messages sent within two minutes of each other count once.
fn unanswered(facts: &Facts<'_>) -> Option<Fired> {
    let bursts = facts.thread.unanswered_bursts();
    let count = facts.thread.unanswered().len();
    (bursts >= UNANSWERED_LIMIT).then(|| Fired {
        severity: if bursts >= UNANSWERED_HIGH {
            Severity::High
        } else {
            Severity::Medium
        },
        reason: format!("The customer has sent {count} messages in a row without a staff reply."),
        engineering: false,
    })
}

/// A very upset customer with an urgent problem.
fn upset_and_urgent(facts: &Facts<'_>) -> Option<Fired> {
    let urgent = facts.tone.urgency >= Urgency::High;
    (facts.tone.very_negative() && urgent).then(|| Fired {
        severity: Severity::High,
        reason: "The customer is very upset and the problem is urgent.".to_owned(),
        engineering: false,
    })
}

/// Critical urgency (data or money being lost, emergencies) not already explained by a
/// security or outage rule.
fn critical_urgency(facts: &Facts<'_>) -> Option<Fired> {
    let explained = facts.topics.security_alert() || facts.topics.outage_alert();
    (facts.tone.urgency == Urgency::Critical && !explained).then(|| Fired {
        severity: Severity::High,
        reason: format!(
            "The message signals critical urgency ({}).",
            quote(&facts.tone.urgency_terms)
        ),
        engineering: false,
    })
}

/// Up to three terms, quoted: `"hacked", "phishing"`.
fn quote(terms: &[&str]) -> String {
    let quoted: Vec<String> = terms
        .iter()
        .take(QUOTED_TERMS)
        .map(|t| format!("\"{t}\""))
        .collect();
    if quoted.is_empty() {
        "strong wording".to_owned()
    } else {
        quoted.join(", ")
    }
}

/// A duration in words: "45 minutes", "6 hours", "3 days".
fn describe(duration: Duration) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if duration < Duration::hours(1) {
        plural(duration.num_minutes(), "minute")
    } else if duration < Duration::hours(48) {
        plural(duration.num_hours(), "hour")
    } else {
        plural(duration.num_days(), "day")
    }
}
