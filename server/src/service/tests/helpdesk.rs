//! The helpdesk's bookkeeping after messages in tickets (a subscriber of `MessageCreated`):
//! first responses, and customer replies that reopen a ticket.

use std::sync::Arc;

use super::tickets::{message, open_ticket, set_status, stored};
use crate::{
    domain::{Id, room::RoomKind, ticket::TicketStatus, user::Role},
    service::{
        Actor, Ctx, Event,
        events::{Recorder, Subscriber},
        messages,
        testing::{TestCtx, let_events},
        tickets::Helpdesk,
    },
};

/// `author` writes in `room`; the `MessageCreated` that the send published.
async fn reply(t: &TestCtx, author: &Actor, room: Id, body: &str) -> anyhow::Result<Event> {
    messages::send(&t.ctx, author, message(room, body)).await?;
    match <[Event; 1]>::try_from(t.take_events()) {
        Ok([event @ Event::MessageCreated { .. }]) => Ok(event),
        other => anyhow::bail!("expected one MessageCreated, got {other:?}"),
    }
}

/// The helpdesk over `t`'s store, publishing to a recorder of its own.
fn helpdesk(t: &TestCtx) -> (Helpdesk, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let ctx = Ctx {
        events: recorder.clone(),
        ..t.ctx.clone()
    };
    (Helpdesk::new(ctx), recorder)
}

#[tokio::test]
async fn a_customer_reply_reopens_a_pending_ticket() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (staff, customer, ticket) = open_ticket(&t).await?;
    set_status(&t, &staff, ticket.id, TicketStatus::Pending).await?;
    let created = reply(&t, &customer, ticket.id, "Here is the invoice number.").await?;
    let (helpdesk, published) = helpdesk(&t);

    helpdesk.on_event(&created).await;

    assert_eq!(stored(&t, ticket.id).await?.status, TicketStatus::Open);
    let_events!(
        published.events(),
        [Event::TicketChanged {
            before: Some(before),
            after
        }]
    );
    assert_eq!(
        (before.status, after.status),
        (TicketStatus::Pending, TicketStatus::Open)
    );
    Ok(())
}

#[tokio::test]
async fn a_customer_reply_reopens_a_resolved_ticket_and_clears_its_resolution() -> anyhow::Result<()>
{
    let t = TestCtx::new().await?;
    let (staff, customer, ticket) = open_ticket(&t).await?;
    set_status(&t, &staff, ticket.id, TicketStatus::Resolved).await?;
    assert!(stored(&t, ticket.id).await?.resolved_at.is_some());
    let created = reply(&t, &customer, ticket.id, "It broke again.").await?;
    let (helpdesk, published) = helpdesk(&t);

    helpdesk.on_event(&created).await;

    let now = stored(&t, ticket.id).await?;
    assert_eq!((now.status, now.resolved_at), (TicketStatus::Open, None));
    let_events!(
        published.events(),
        [Event::TicketChanged {
            before: Some(before),
            after
        }]
    );
    assert_eq!(
        (before.status, after.status, after.resolved_at),
        (TicketStatus::Resolved, TicketStatus::Open, None)
    );
    Ok(())
}

#[tokio::test]
async fn the_first_staff_reply_after_the_customer_wrote_is_the_first_response() -> anyhow::Result<()>
{
    let t = TestCtx::new().await?;
    let (staff, customer, ticket) = open_ticket(&t).await?;
    let (helpdesk, published) = helpdesk(&t);
    let question = reply(&t, &customer, ticket.id, "Where is my refund?").await?;
    helpdesk.on_event(&question).await;
    let created = reply(&t, &staff, ticket.id, "Thanks, checking.").await?;

    helpdesk.on_event(&created).await;

    let now = stored(&t, ticket.id).await?;
    assert!(now.first_response_at.is_some());
    assert_eq!(now.status, TicketStatus::Open);
    let_events!(
        published.events(),
        [Event::TicketChanged {
            before: Some(before),
            after
        }]
    );
    assert!(before.first_response_at.is_none());
    assert_eq!(after.first_response_at, now.first_response_at);
    Ok(())
}

#[tokio::test]
async fn a_staff_message_before_the_customer_wrote_is_no_response() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (staff, _customer, ticket) = open_ticket(&t).await?;
    let created = reply(&t, &staff, ticket.id, "Internal note: call them.").await?;
    let (helpdesk, published) = helpdesk(&t);

    helpdesk.on_event(&created).await;

    assert!(stored(&t, ticket.id).await?.first_response_at.is_none());
    assert!(published.events().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_later_staff_reply_changes_nothing() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (staff, customer, ticket) = open_ticket(&t).await?;
    let (helpdesk, published) = helpdesk(&t);
    for (author, body) in [(&customer, "Where is my refund?"), (&staff, "Checking.")] {
        let created = reply(&t, author, ticket.id, body).await?;
        helpdesk.on_event(&created).await;
    }
    let responded = stored(&t, ticket.id).await?.first_response_at;
    assert!(responded.is_some());
    published.clear();
    let second = reply(&t, &staff, ticket.id, "Still checking.").await?;

    helpdesk.on_event(&second).await;

    assert_eq!(stored(&t, ticket.id).await?.first_response_at, responded);
    assert!(published.events().is_empty());
    Ok(())
}

#[tokio::test]
async fn the_helpdesk_ignores_messages_outside_tickets() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let owner = t.user(Role::Staff).await?;
    let room = t.room(&owner, RoomKind::Public).await?;
    let created = reply(&t, &owner, room, "Lunch?").await?;
    let (helpdesk, published) = helpdesk(&t);

    helpdesk.on_event(&created).await;

    assert!(published.events().is_empty());
    Ok(())
}
