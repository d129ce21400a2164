//! The whole analysis on fixed sample conversations.

mod escalation;
mod reading;
mod robustness;

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
        previous: None,
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
