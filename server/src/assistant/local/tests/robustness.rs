//! Invariants, determinism, size and edge cases.

use super::*;
use crate::assistant::model::PreviousAnalysis;

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
fn a_previous_analysis_does_not_change_the_judgement_of_the_whole_thread() {
    let ctx = big_ticket(30);
    let fresh = check(&ctx);
    let mut stale = fresh.clone();
    stale.summary = "An older summary that must not leak in.".to_owned();
    stale.escalation.escalate = !fresh.escalation.escalate;
    let mut update = ctx.clone();
    update.previous = Some(PreviousAnalysis {
        covered_seq: 20,
        insights: stale,
    });
    assert_eq!(check(&update), fresh);
}
