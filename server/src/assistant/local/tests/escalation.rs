//! Escalation rules, departments and the replies that go with them.

use super::*;

#[test]
fn a_security_report_escalates_critically_to_engineering() {
    let ctx = ticket(
        "Suspicious login - account hacked?",
        &[(
            Customer,
            "Priya",
            "Someone logged into my account from an unknown device last night and changed my \
             email. I think I was hacked through a phishing email that looked like your invoice.",
            0,
        )],
        10,
    );
    let insights = check(&ctx);
    assert_eq!(insights.topic, "security");
    assert!(insights.escalation.escalate);
    assert_eq!(insights.escalation.severity, Severity::Critical);
    assert_eq!(
        insights.escalation.department.as_deref(),
        Some("Engineering")
    );
    assert!(insights.escalation.reason.contains("security incident"));
    assert!(insights.escalation.reason.contains("\"hacked\""));
}

#[test]
fn an_outage_is_critical() {
    let ctx = ticket(
        "Production site is down",
        &[(
            Customer,
            "Lee",
            "Our production dashboard is down for all users since 9:00. Everyone gets a 503 \
             error and we're losing money every minute!!",
            0,
        )],
        15,
    );
    let insights = check(&ctx);
    assert_eq!(insights.topic, "outage");
    assert_eq!(insights.urgency, Urgency::Critical);
    assert!(insights.escalation.escalate);
    assert_eq!(insights.escalation.severity, Severity::Critical);
    assert_eq!(
        insights.escalation.department.as_deref(),
        Some("Engineering")
    );
    assert!(insights.escalation.reason.contains("outage"));
}

#[test]
fn a_long_wait_escalates_and_apologises() {
    let fresh = check(&invoice_ticket(60));
    assert!(!fresh.escalation.escalate);
    assert_eq!(fresh.topic, "billing");

    let waited = check(&invoice_ticket(6 * 60));
    assert!(waited.escalation.escalate);
    assert_eq!(waited.escalation.severity, Severity::Medium);
    assert_eq!(waited.escalation.department.as_deref(), Some("Billing"));
    assert!(
        waited.escalation.reason.contains("waited 6 hours"),
        "{}",
        waited.escalation.reason
    );
    assert!(waited.suggestions[0].contains("sorry for the long wait"));

    let day = check(&invoice_ticket(30 * 60));
    assert_eq!(day.escalation.severity, Severity::High);
}

#[test]
fn three_unanswered_messages_escalate() {
    let ctx = ticket(
        "Upload problem",
        &[
            (Customer, "Ken", "The file upload gives an error.", 0),
            (Staff, "Sam", "Which file type are you uploading?", 10),
            (Customer, "Ken", "A PDF of about 2 MB.", 20),
            (
                Customer,
                "Ken",
                "I also tried a smaller one, same error.",
                40,
            ),
            (Customer, "Ken", "Hello? Any update on this?", 55),
        ],
        60,
    );
    let insights = check(&ctx);
    assert!(insights.escalation.escalate);
    assert_eq!(insights.escalation.severity, Severity::Medium);
    assert!(
        insights.escalation.reason.contains("3 messages in a row"),
        "{}",
        insights.escalation.reason
    );
    assert_eq!(insights.topic, "technical");
}

#[test]
fn a_calm_feature_request_is_not_escalated() {
    let ctx = ticket(
        "Dark mode",
        &[(
            Customer,
            "Jo",
            "It would be nice to have a dark mode option in the web app. No rush at all, just \
             an idea for the roadmap. Thanks for the great product!",
            0,
        )],
        20,
    );
    let insights = check(&ctx);
    assert_eq!(insights.topic, "feature_request");
    assert_eq!(insights.urgency, Urgency::Low);
    assert_eq!(insights.sentiment, Sentiment::Positive);
    assert!(!insights.escalation.escalate);
    assert_eq!(insights.escalation.severity, Severity::Low);
    assert_eq!(insights.escalation.department, None);
    assert!(!insights.escalation.reason.is_empty());
}

#[test]
fn an_angry_customer_gets_an_apology_first() {
    let ctx = ticket(
        "Charged twice",
        &[(
            Customer,
            "Bob",
            "THIS IS UNACCEPTABLE!!! I have been charged twice for my subscription and nobody \
             answers. Terrible service.",
            0,
        )],
        30,
    );
    let insights = check(&ctx);
    assert_eq!(insights.topic, "billing");
    assert_eq!(insights.sentiment, Sentiment::Negative);
    assert!(insights.sentiment_score <= -0.5);
    assert!(insights.urgency >= Urgency::High);
    assert!(insights.escalation.escalate);
    assert_eq!(insights.escalation.severity, Severity::High);
    assert!(insights.suggestions[0].starts_with("Hi Bob, I'm really sorry"));
    assert!(insights.suggestions.iter().all(|s| s.contains("sorry")));
}

#[test]
fn a_resolved_ticket_is_wrapped_up() {
    let mut ctx = ticket(
        "Refund",
        &[
            (Customer, "Eve", "I'd like a refund for last month.", 0),
            (Staff, "Sam", "Done, the refund is on its way.", 30),
            (Customer, "Eve", "Thanks, that fixed it!", 40),
        ],
        45,
    );
    ctx.status = "resolved".to_owned();
    let insights = check(&ctx);
    assert!(!insights.escalation.escalate);
    assert!(insights.escalation.reason.contains("resolved"));
    assert_eq!(insights.sentiment, Sentiment::Positive);
    assert!(
        insights
            .suggestions
            .iter()
            .any(|s| s.contains("anything else"))
    );
}

#[test]
fn departments_match_by_synonym_and_case_or_fall_back() {
    let ctx = invoice_ticket(6 * 60);
    let finance = ["finance".to_owned(), "Tech".to_owned()];
    let insights = analyze(&ctx, &finance);
    assert_eq!(insights.escalation.department.as_deref(), Some("finance"));

    let mut ctx = invoice_ticket(6 * 60);
    ctx.department = Some("Front desk".to_owned());
    let insights = analyze(&ctx, &[]);
    assert_eq!(
        insights.escalation.department.as_deref(),
        Some("Front desk")
    );
}

#[test]
fn a_quick_burst_of_chat_lines_counts_as_one_message() {
    let ctx = ticket(
        "Upload problem",
        &[
            (Customer, "Ken", "hi", 0),
            (Customer, "Ken", "the file upload gives an error", 0),
            (Customer, "Ken", "any idea why?", 1),
        ],
        5,
    );
    let insights = check(&ctx);
    assert!(!insights.escalation.escalate, "{:?}", insights.escalation);
}
