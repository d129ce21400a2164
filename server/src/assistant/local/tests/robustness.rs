//! Invariants, determinism, size and edge cases.

use super::*;

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
