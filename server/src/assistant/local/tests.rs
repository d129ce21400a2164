//! The whole analysis on fixed sample conversations.

use chrono::{DateTime, Duration, Utc};

use super::*;

use AuthorKind::{Customer, Staff};

/// When every sample ticket was opened.
fn opened() -> DateTime<Utc> {
    // 2024-05-06T09:00:00Z
    DateTime::from_timestamp(1_714_986_000, 0).unwrap_or_default()
}

/// A ticket whose messages are `(author, name, body, minutes after opening)`, analysed
/// `now_minutes` after opening.
fn ticket(
    subject: &str,
    messages: &[(AuthorKind, &str, &str, i64)],
    now_minutes: i64,
) -> TicketContext {
    TicketContext {
        subject: subject.to_owned(),
        department: None,
        status: "open".to_owned(),
        created_at: opened(),
        now: opened() + Duration::minutes(now_minutes),
        previous_summary: None,
        messages: messages
            .iter()
            .enumerate()
            .map(|(seq, (author, name, body, minutes))| ConversationMessage {
                seq: seq as i64 + 1,
                author: *author,
                author_name: (*name).to_owned(),
                body: (*body).to_owned(),
                created_at: opened() + Duration::minutes(*minutes),
            })
            .collect(),
    }
}

fn departments() -> Vec<String> {
    ["Billing", "Engineering", "Support", "Product"]
        .map(str::to_owned)
        .to_vec()
}

/// Analyses and checks the invariants every result must meet.
fn check(ctx: &TicketContext) -> Insights {
    let insights = analyze(ctx, &departments());
    assert_eq!(insights.validate(), Ok(()), "{insights:#?}");
    assert!(insights.summary.chars().count() <= 600);
    assert!(TOPICS.contains(&insights.topic.as_str()));
    insights
}

fn login_ticket() -> TicketContext {
    ticket(
        "Can't log in after password reset",
        &[(
            Customer,
            "Maria Lopez",
            "Hi there. I can't log in to my account since I reset my password yesterday. \
             The reset email arrived but the new password is rejected every time. \
             I have a client deadline tomorrow, please help!",
            0,
        )],
        30,
    )
}

#[test]
fn a_login_problem_is_an_urgent_account_ticket() {
    let insights = check(&login_ticket());
    assert_eq!(
        insights.problem,
        "I can't log in to my account since I reset my password yesterday."
    );
    assert!(insights.summary.contains(&insights.problem));
    assert_eq!(insights.topic, "account");
    assert_eq!(insights.urgency, Urgency::High);
    assert_eq!(insights.sentiment, Sentiment::Negative);
    assert!(!insights.escalation.escalate, "{:?}", insights.escalation);
    assert!(insights.suggestions[0].starts_with("Hi Maria, "));
}

#[test]
fn the_summary_keeps_the_customers_key_sentence_in_a_longer_thread() {
    let ctx = ticket(
        "CSV export fails",
        &[
            (Customer, "Tom Baker", "Hello team,", 0),
            (
                Customer,
                "Tom Baker",
                "Exporting a report to CSV fails with error 500 since Monday's update. \
                 We use the export every morning for our finance dashboard.",
                1,
            ),
            (
                Staff,
                "Sam",
                "Thanks Tom, which report are you exporting?",
                20,
            ),
            (
                Customer,
                "Tom Baker",
                "The monthly revenue report. Other reports export fine.",
                35,
            ),
            (
                Staff,
                "Sam",
                "Our engineers found the bug in the CSV export and a fix ships tonight.",
                90,
            ),
        ],
        100,
    );
    let insights = check(&ctx);
    let key = "Exporting a report to CSV fails with error 500 since Monday's update.";
    assert_eq!(insights.problem, key);
    assert!(insights.summary.contains(key), "{}", insights.summary);
    assert!(
        insights.summary.contains("fix ships tonight"),
        "{}",
        insights.summary
    );
    assert_eq!(insights.topic, "technical");
    assert!(!insights.escalation.escalate);
}

#[test]
fn negation_turns_working_negative_and_bad_not_negative() {
    let broken = ticket(
        "Export",
        &[(
            Customer,
            "Ann",
            "The export is not working and I'm really frustrated.",
            0,
        )],
        5,
    );
    assert_eq!(check(&broken).sentiment, Sentiment::Negative);

    let fine = ticket(
        "Export",
        &[(
            Customer,
            "Ann",
            "Not bad at all, thanks, the new version fixed it.",
            0,
        )],
        5,
    );
    let insights = check(&fine);
    assert_ne!(insights.sentiment, Sentiment::Negative);
    assert!(insights.sentiment_score > 0.0);

    let calm = ticket(
        "Question",
        &[(
            Customer,
            "Ann",
            "This is not urgent, whenever you get a chance.",
            0,
        )],
        5,
    );
    assert_eq!(check(&calm).urgency, Urgency::Low);
}

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

fn invoice_ticket(now_minutes: i64) -> TicketContext {
    ticket(
        "Copy of March invoice",
        &[(
            Customer,
            "Olga Petrova",
            "Could you send me a copy of the March invoice for our accounting records?",
            0,
        )],
        now_minutes,
    )
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
fn suggestions_are_three_to_five_distinct_replies_everywhere() {
    let samples = [login_ticket(), invoice_ticket(10), invoice_ticket(600)];
    for ctx in samples {
        let insights = check(&ctx);
        let n = insights.suggestions.len();
        assert!((3..=5).contains(&n), "{n}");
        let mut unique = insights.suggestions.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), n);
        assert!(insights.suggestions.iter().all(|s| !s.trim().is_empty()));
    }
}

#[test]
fn the_same_input_gives_the_same_output() -> Result<(), serde_json::Error> {
    let ctx = big_ticket(40);
    let first = analyze(&ctx, &departments());
    for _ in 0..3 {
        let again = analyze(&ctx, &departments());
        assert_eq!(again, first);
        assert_eq!(
            serde_json::to_string(&again)?,
            serde_json::to_string(&first)?
        );
    }
    Ok(())
}

/// A long back-and-forth about a slow, failing sync.
fn big_ticket(messages: usize) -> TicketContext {
    let customer = [
        "The calendar sync is very slow again and sometimes fails with a timeout error.",
        "It took 20 minutes to sync this morning. Is there any update?",
        "We have a team of 40 people relying on this, please fix it soon.",
        "Still seeing timeouts on the sync page, screenshot attached.",
    ];
    let staff = [
        "Thanks for the details, our engineers are investigating the sync timeouts.",
        "We deployed a change that should make the sync faster, could you try again?",
        "Could you tell us which calendar provider you use?",
    ];
    let bodies: Vec<(AuthorKind, &str, &str, i64)> = (0..messages)
        .map(|i| {
            let minutes = i as i64 * 7;
            if i % 2 == 0 {
                (
                    Customer,
                    "Dana Scully",
                    customer[i / 2 % customer.len()],
                    minutes,
                )
            } else {
                (Staff, "Sam", staff[i / 2 % staff.len()], minutes)
            }
        })
        .collect();
    let last = bodies.last().map_or(0, |m| m.3);
    ticket("Calendar sync slow", &bodies, last + 30)
}

#[test]
fn a_two_hundred_message_conversation_is_handled() {
    let ctx = big_ticket(200);
    let insights = check(&ctx);
    assert_eq!(insights.topic, "technical");
    assert!(insights.summary.contains("sync"), "{}", insights.summary);
    assert!(insights.problem.contains("sync"), "{}", insights.problem);
}

#[test]
fn an_empty_ticket_still_has_a_summary_and_replies() {
    let ctx = ticket("Question about plans", &[], 0);
    let insights = check(&ctx);
    assert_eq!(insights.summary, "Question about plans.");
    assert_eq!(insights.problem, "Question about plans");
    assert!(!insights.escalation.escalate);
    assert!(insights.suggestions[0].starts_with("Hi there, "));

    let blank = ticket("", &[(Customer, "a@b.c", "   ", 0)], 0);
    let insights = check(&blank);
    assert!(insights.suggestions[0].contains("your request"));
}

#[test]
fn a_previous_summary_is_carried_forward_briefly() {
    let mut ctx = big_ticket(30);
    ctx.previous_summary = Some("The customer reported slow calendar sync. ".repeat(20));
    let insights = check(&ctx);
    assert!(
        insights
            .summary
            .starts_with("Previously: The customer reported")
    );
    assert!(insights.summary.contains(" Latest: "));
    assert!(insights.summary.chars().count() <= 600);
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
fn shouting_makes_a_message_angrier_and_more_urgent() {
    let calm = ticket(
        "Sync",
        &[(
            Customer,
            "Kim",
            "the sync is broken and we need it today",
            0,
        )],
        5,
    );
    let loud = ticket(
        "Sync",
        &[(
            Customer,
            "Kim",
            "THE SYNC IS BROKEN AND WE NEED IT TODAY",
            0,
        )],
        5,
    );
    let (calm, loud) = (check(&calm), check(&loud));
    assert!(loud.sentiment_score < calm.sentiment_score);
    assert!(loud.urgency > calm.urgency);
}
