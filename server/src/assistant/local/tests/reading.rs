//! Summary, problem, sentiment, urgency and topic.

use super::*;

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
