//! Opening tickets and changing them.

use crate::{
    domain::{
        Id,
        room::RoomKind,
        ticket::{Priority, TicketStatus},
        user::Role,
    },
    error::Code,
    service::{
        Actor, Event,
        messages::{self, SendMessage},
        testing::{TestCtx, let_events, refusal},
        tickets::{self, StaffTicket, SupportForm, TicketChange},
    },
    store::TicketRow,
};

fn staff_ticket(customer: &Actor, assignee: Option<Id>, message: Option<&str>) -> StaffTicket {
    StaffTicket {
        subject: "Invoice is wrong".to_owned(),
        requester_email: customer.user.email.clone(),
        requester_name: None,
        message: message.map(str::to_owned),
        department: None,
        priority: Some(Priority::High),
        assignee_id: assignee,
    }
}

/// A ticket opened by new staff for a new customer; what opening it published is forgotten.
pub(super) async fn open_ticket(t: &TestCtx) -> anyhow::Result<(Actor, Actor, TicketRow)> {
    let staff = t.user(Role::Staff).await?;
    let customer = t.user(Role::Customer).await?;
    let ticket =
        tickets::create_by_staff(&t.ctx, &staff, staff_ticket(&customer, None, None)).await?;
    t.take_events();
    Ok((staff, customer, ticket))
}

pub(super) async fn set_status(
    t: &TestCtx,
    staff: &Actor,
    ticket: Id,
    status: TicketStatus,
) -> anyhow::Result<()> {
    let change = TicketChange {
        status: Some(status),
        ..TicketChange::default()
    };
    tickets::update(&t.ctx, staff, ticket, change).await?;
    t.take_events();
    Ok(())
}

pub(super) async fn stored(t: &TestCtx, ticket: Id) -> anyhow::Result<TicketRow> {
    t.ctx
        .store
        .get_ticket(ticket)
        .await?
        .ok_or_else(|| anyhow::anyhow!("ticket {ticket} is gone"))
}

pub(super) fn message(room_id: Id, body: &str) -> SendMessage {
    SendMessage {
        room_id,
        client_id: Id::new().to_string(),
        body: body.to_owned(),
        parent_id: None,
        attachment_ids: Vec::new(),
    }
}

#[tokio::test]
async fn the_support_form_opens_a_ticket_and_publishes_it_with_its_first_message()
-> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let form = SupportForm {
        name: "Ada Customer".to_owned(),
        email: "ada@example.com".to_owned(),
        subject: "Cannot sign in".to_owned(),
        message: "The page says my link expired.".to_owned(),
        department: Some("support".to_owned()),
    };

    let opened = tickets::open_from_support_form(&t.ctx, form, Some("203.0.113.7".into())).await?;

    assert!(opened.screen_link.is_some(), "a new address gets a link");
    let ticket = stored(&t, opened.ticket.id).await?;
    assert_eq!(ticket.status, TicketStatus::Open);
    assert_eq!(ticket.subject, "Cannot sign in");
    assert_eq!(ticket.department.as_deref(), Some("support"));
    assert_eq!(ticket.requester_email, "ada@example.com");
    assert!(!ticket.requester_verified);
    assert_eq!(ticket.submitted_name.as_deref(), Some("Ada Customer"));
    let_events!(
        t.take_events(),
        [
            Event::TicketOpened(published),
            Event::MessageCreated { message, room_kind }
        ]
    );
    assert_eq!(published.id, ticket.id);
    assert_eq!(published.requester_id, ticket.requester_id);
    assert_eq!(*room_kind, RoomKind::Ticket);
    assert_eq!(
        (message.room_id, message.seq, message.author.id),
        (ticket.id, 1, ticket.requester_id)
    );
    Ok(())
}

#[tokio::test]
async fn staff_open_a_ticket_for_a_customer_and_it_is_published() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let staff = t.user(Role::Staff).await?;
    let customer = t.user(Role::Customer).await?;

    let ticket = tickets::create_by_staff(
        &t.ctx,
        &staff,
        staff_ticket(&customer, Some(staff.id()), Some("We are looking into it.")),
    )
    .await?;

    let ticket = stored(&t, ticket.id).await?;
    assert_eq!(
        (ticket.requester_id, ticket.assignee_id, ticket.priority),
        (customer.id(), Some(staff.id()), Priority::High)
    );
    assert!(ticket.requester_verified, "staff vouch for the address");
    let_events!(
        t.take_events(),
        [
            Event::TicketOpened(published),
            Event::MessageCreated { message, room_kind }
        ]
    );
    assert_eq!(
        (published.id, published.assignee_id),
        (ticket.id, Some(staff.id()))
    );
    assert_eq!(
        (message.room_id, message.author.id, *room_kind),
        (ticket.id, staff.id(), RoomKind::Ticket)
    );
    Ok(())
}

#[tokio::test]
async fn a_customer_cannot_open_a_ticket_for_someone_else() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let customer = t.user(Role::Customer).await?;
    let mut input = staff_ticket(&customer, None, None);
    input.requester_email = "someone.else@example.com".to_owned();

    let result = tickets::create_by_staff(&t.ctx, &customer, input).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    let created = t
        .ctx
        .store
        .get_user_by_email("someone.else@example.com")
        .await?;
    assert!(created.is_none(), "no account was made for the address");
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_change_of_status_and_assignee_publishes_the_ticket_before_and_after()
-> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (staff, _customer, ticket) = open_ticket(&t).await?;
    let change = TicketChange {
        status: Some(TicketStatus::Pending),
        assignee_id: Some(Some(staff.id())),
        ..TicketChange::default()
    };

    tickets::update(&t.ctx, &staff, ticket.id, change).await?;

    let now = stored(&t, ticket.id).await?;
    assert_eq!(
        (now.status, now.assignee_id),
        (TicketStatus::Pending, Some(staff.id()))
    );
    let_events!(
        t.take_events(),
        [Event::TicketChanged {
            before: Some(before),
            after
        }]
    );
    assert_eq!(
        (before.id, before.status, before.assignee_id),
        (ticket.id, TicketStatus::Open, None)
    );
    assert_eq!(
        (after.id, after.status, after.assignee_id),
        (ticket.id, TicketStatus::Pending, Some(staff.id()))
    );
    Ok(())
}

#[tokio::test]
async fn reassigning_a_ticket_removes_the_previous_assignee_from_it() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let first = t.user(Role::Staff).await?;
    let second = t.user(Role::Staff).await?;
    let customer = t.user(Role::Customer).await?;
    let ticket = tickets::create_by_staff(
        &t.ctx,
        &first,
        staff_ticket(&customer, Some(first.id()), None),
    )
    .await?;
    t.take_events();
    let change = TicketChange {
        assignee_id: Some(Some(second.id())),
        ..TicketChange::default()
    };

    tickets::update(&t.ctx, &first, ticket.id, change).await?;

    assert_eq!(t.room_role(ticket.id, first.id()).await?, None);
    assert!(t.room_role(ticket.id, second.id()).await?.is_some());
    let_events!(
        t.take_events(),
        [
            Event::MemberRemoved { room_id, user_id },
            Event::TicketChanged {
                before: Some(before),
                after
            },
        ]
    );
    assert_eq!((*room_id, *user_id), (ticket.id, first.id()));
    assert_eq!(
        (before.assignee_id, after.assignee_id),
        (Some(first.id()), Some(second.id()))
    );
    Ok(())
}

#[tokio::test]
async fn a_customer_cannot_change_their_ticket() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (_staff, customer, ticket) = open_ticket(&t).await?;
    let change = TicketChange {
        status: Some(TicketStatus::Closed),
        ..TicketChange::default()
    };

    let result = tickets::update(&t.ctx, &customer, ticket.id, change).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    assert_eq!(stored(&t, ticket.id).await?.status, TicketStatus::Open);
    assert!(t.take_events().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_customer_cannot_post_in_a_closed_ticket() -> anyhow::Result<()> {
    let t = TestCtx::new().await?;
    let (staff, customer, ticket) = open_ticket(&t).await?;
    set_status(&t, &staff, ticket.id, TicketStatus::Closed).await?;

    let result = messages::send(&t.ctx, &customer, message(ticket.id, "Still there?")).await;

    assert_eq!(refusal(result), Some(Code::Forbidden));
    let history = t.history(ticket.id).await?;
    assert!(history.is_empty());
    assert!(t.take_events().is_empty());
    Ok(())
}
