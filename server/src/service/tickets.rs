//! The helpdesk: tickets opened by customers through the public support form or by staff, the
//! queue, changes of status, assignee, priority and department, follow links, and the timings
//! (first response, resolution).

use serde_json::json;

use super::{
    Actor,
    audit::Audit,
    auth::{
        self, ClientMeta, CreatedBy, NewAccount, SignedIn, check_department, create_user,
        hash_token, new_token,
    },
    field,
    messages::{self, SendMessage},
    room_with_access,
};
use super::{Ctx, events::Event};
use crate::domain::policy::{self, Capability};
use crate::{
    domain::{
        Id,
        message::parse_body,
        policy::Action,
        room::{RoomKind, RoomRole},
        ticket::{Priority, TicketStatus},
        user::{Email, Role, parse_name},
    },
    error::{AppError, AppResult, Code},
    store::{
        NewRoom, TicketFilter, TicketPatch, TicketRow, UserRow,
        accounts::{LinkPurpose, TicketLink},
        tickets::NewTicket,
    },
};

/// Validates a ticket subject: 1..=200 characters, no control characters.
pub fn parse_subject(raw: &str) -> Result<String, &'static str> {
    crate::domain::parse_line(raw, 200, "must be at most 200 characters")
}

/// The public support form.
pub struct SupportForm {
    /// The customer's name.
    pub name: String,
    /// Their e-mail address.
    pub email: String,
    /// What it is about.
    pub subject: String,
    /// The first message.
    pub message: String,
    /// Where it should go.
    pub department: Option<String>,
}

/// A ticket opened through the form.
pub struct Opened {
    /// The ticket.
    pub ticket: TicketRow,
    /// For an address that had no account: the raw token and URL of a link to this one
    /// ticket, shown on screen. `None` when the address belongs to an account: only its
    /// mailbox gets a link.
    pub screen_link: Option<(String, String)>,
}

/// Opens a ticket for an anonymous visitor.
///
/// A visitor proves nothing about the address they type, so the ticket is marked as from an
/// unverified requester (staff see it so in the queue and the ticket) until a link mailed to
/// the address is opened. The link is always mailed. Only an address that had no account
/// gets a link on screen as well, bound to this ticket: the visitor then reads the ticket they
/// just wrote and nothing else. An address of an existing customer gets no link on screen
/// (that would hand the customer's identity to whoever typed the address), a team member's
/// address is refused, and so is a banned or deactivated customer's.
pub async fn open_from_support_form(
    ctx: &Ctx,
    form: SupportForm,
    ip: Option<String>,
) -> AppResult<Opened> {
    let draft = check_support_form(ctx, form, ip).await?;
    submit_support_form(ctx, draft, Vec::new()).await
}

/// A support form that passed its checks: its sender (found or created) and the id its
/// ticket will have, so that files sent with the form can be stored into that room first.
pub struct SupportDraft {
    /// The sender, acting.
    pub actor: Actor,
    /// The ticket's (and its room's) id to be.
    pub ticket_id: Id,
    is_new: bool,
    name: String,
    subject: String,
    body: String,
    department: Option<String>,
}

/// The checks of the support form (fields, the rate limit, the sender's account), before
/// anything of the ticket exists; then store its files into `draft.ticket_id` and
/// [`submit_support_form`].
pub async fn check_support_form(
    ctx: &Ctx,
    form: SupportForm,
    ip: Option<String>,
) -> AppResult<SupportDraft> {
    let name = field("name", parse_name(&form.name))?;
    let email = field("email", Email::parse(&form.email))?;
    let subject = field("subject", parse_subject(&form.subject))?;
    let body = field("message", parse_body(&form.message))?;
    let department = check_department(ctx, form.department.as_deref())?;
    ctx.limits
        .check(
            crate::ratelimit::Action::SupportForm,
            &crate::ratelimit::ip_key(ip.as_deref().unwrap_or("unknown")),
        )
        .await?;
    let (customer, is_new) = find_or_create_customer(ctx, &email, &name, None, ip.clone()).await?;
    if !is_new {
        refuse_barred(ctx, &customer).await?;
    }
    let actor = Actor {
        user: customer,
        session_id: None,
        ip,
        request_id: crate::error::current_request_id(),
        scope: None,
    };
    Ok(SupportDraft {
        actor,
        ticket_id: Id::new(),
        is_new,
        name,
        subject,
        body,
        department,
    })
}

/// Opens the ticket of a checked support form, its first message carrying
/// `attachment_ids` (uploads of the sender into `draft.ticket_id`).
pub async fn submit_support_form(
    ctx: &Ctx,
    draft: SupportDraft,
    attachment_ids: Vec<Id>,
) -> AppResult<Opened> {
    let SupportDraft {
        actor,
        ticket_id,
        is_new,
        name,
        subject,
        body,
        department,
    } = draft;
    let metadata = json!({"via": "support_form", "department": department, "newAccount": is_new});
    let opening = Opening {
        id: ticket_id,
        subject: &subject,
        department,
        priority: Priority::Normal,
        assignee: None,
        verified: false,
        submitted_name: Some(name),
    };
    let ticket = open(ctx, &actor, opening, |id| {
        Audit::by(&actor, "ticket.create", "ticket", id, metadata)
    })
    .await?;
    post_first_message(ctx, &actor, ticket.id, body, attachment_ids).await?;
    mail_follow_link(ctx, actor.id(), ticket.id).await?;
    let screen_link = if is_new {
        let (token, token_hash) = new_token();
        ctx.store
            .create_ticket_link(
                Id::new(),
                &token_hash,
                &TicketLink {
                    ticket_id: ticket.id,
                    user_id: actor.id(),
                    expires_at: crate::store::now() + ctx.settings.follow_link_ttl,
                    purpose: LinkPurpose::Screen,
                },
            )
            .await?;
        let url = format!("{}/support/follow?token={token}", ctx.settings.public_url);
        Some((token, url))
    } else {
        None
    };
    let ticket = get(ctx, ticket.id).await?;
    Ok(Opened {
        ticket,
        screen_link,
    })
}

/// Queues the mail that gives the requester their ticket's follow link.
async fn mail_follow_link(ctx: &Ctx, user_id: Id, ticket_id: Id) -> AppResult<()> {
    let follow = crate::mail::Template::TicketFollow { user_id, ticket_id };
    crate::mail::outbox::queue(ctx.store.as_ref(), follow).await?;
    Ok(())
}

/// Refuses a banned or deactivated customer (the support form, follow links).
async fn refuse_barred(ctx: &Ctx, user: &UserRow) -> AppResult<()> {
    auth::refuse_deactivated(user)?;
    auth::refuse_banned(ctx, user).await
}

/// The customer with this address, created (and audited: by `creator`, or by the system from
/// `ip` for the public form) when new; true when it was created now.
async fn find_or_create_customer(
    ctx: &Ctx,
    email: &Email,
    name: &str,
    creator: Option<&Actor>,
    ip: Option<String>,
) -> AppResult<(UserRow, bool)> {
    match ctx.store.get_user_by_email(email.as_str()).await? {
        Some(user) if policy::allows(user.role, Capability::RequestTickets) => Ok((user, false)),
        Some(_) => Err(AppError::new(
            Code::StaffEmail,
            "this address belongs to a team account; sign in to open a ticket",
        )),
        None => match create_user(
            ctx,
            NewAccount {
                email: email.as_str(),
                name,
                role: Role::Customer,
                department: None,
                password: None,
                verified: false,
                created_by: Some(match creator {
                    Some(actor) => ("ticket", CreatedBy::User(actor)),
                    None => ("support_form", CreatedBy::System(ip)),
                }),
            },
        )
        .await
        {
            Ok(user) => Ok((user, true)),
            // Two forms sent at once with the same address: the other created the account,
            // so this one is a submission for an existing account (no link on screen).
            Err(err) if err.code() == Code::EmailTaken => ctx
                .store
                .get_user_by_email(email.as_str())
                .await?
                .filter(|u| policy::allows(u.role, Capability::RequestTickets))
                .map(|u| (u, false))
                .ok_or(err),
            Err(err) => Err(err),
        },
    }
}

/// A ticket to open.
struct Opening<'a> {
    /// Its id (and its room's).
    id: Id,
    /// Subject.
    subject: &'a str,
    /// Department.
    department: Option<String>,
    /// Priority.
    priority: Priority,
    /// Initial assignee.
    assignee: Option<Id>,
    /// The requester is proven to own the address.
    verified: bool,
    /// The name typed on the support form.
    submitted_name: Option<String>,
}

/// Creates the ticket room (the requester as member) and its ticket row, with the audit rows
/// `audit` makes for the new ticket's id.
async fn open(
    ctx: &Ctx,
    requester: &Actor,
    opening: Opening<'_>,
    audit: impl FnOnce(Id) -> Audit,
) -> AppResult<TicketRow> {
    let Opening {
        id,
        subject,
        department,
        priority,
        assignee,
        verified,
        submitted_name,
    } = opening;
    let mut members = vec![(requester.id(), RoomRole::Member)];
    if let Some(assignee) = assignee.filter(|a| *a != requester.id()) {
        members.push((assignee, RoomRole::Member));
    }
    let room = NewRoom {
        id,
        slug: format!("ticket-{}", id.as_uuid().simple()),
        title: subject.to_owned(),
        description: String::new(),
        kind: RoomKind::Ticket,
        department,
        tags: Vec::new(),
        created_by: Some(requester.id()),
        dm_key: None,
        members,
    };
    let new = NewTicket {
        room,
        subject: subject.to_owned(),
        requester_id: requester.id(),
        assignee_id: assignee,
        priority,
        requester_verified: verified,
        submitted_name,
    };
    let audit = audit(id);
    let ticket = ctx.store.create_ticket(&new, audit.rows()).await?;
    audit.committed();
    ctx.events
        .publish(Event::TicketOpened(ticket.clone()))
        .await;
    Ok(ticket)
}

async fn post_first_message(
    ctx: &Ctx,
    author: &Actor,
    ticket: Id,
    body: String,
    attachment_ids: Vec<Id>,
) -> AppResult<()> {
    messages::send(
        ctx,
        author,
        SendMessage {
            room_id: ticket,
            client_id: format!("ticket-{ticket}"),
            body,
            parent_id: None,
            attachment_ids,
        },
    )
    .await?;
    Ok(())
}

/// Signs a customer in with a follow link: a session limited to that one ticket. Links are
/// for customers only, and a link that came by mail proves the address: the ticket's
/// requester (and the account's address) become verified.
pub async fn follow(ctx: &Ctx, token: &str, meta: ClientMeta) -> AppResult<(SignedIn, Id)> {
    let invalid = || AppError::new(Code::Unauthenticated, "this link is invalid or has expired");
    if token.is_empty() || token.len() > 128 {
        return Err(invalid());
    }
    let link = ctx
        .store
        .ticket_link(&hash_token(token))
        .await?
        .ok_or_else(invalid)?;
    let now = crate::store::now();
    if link.expires_at <= now {
        return Err(invalid());
    }
    let user = ctx
        .store
        .get_user(link.user_id)
        .await?
        .filter(|u| policy::link_session_valid(u.role))
        .ok_or_else(invalid)?;
    refuse_barred(ctx, &user).await?;
    let ticket = ctx
        .store
        .get_ticket(link.ticket_id)
        .await?
        .filter(|t| t.requester_id == user.id)
        .ok_or_else(invalid)?;
    if link.purpose == LinkPurpose::Email {
        ctx.store.set_email_verified(user.id, now, &[]).await?;
        if ctx
            .store
            .verify_ticket_requester(ticket.id, user.id)
            .await?
            && let Some(after) = ctx.store.get_ticket(ticket.id).await?
        {
            ctx.events
                .publish(Event::TicketChanged {
                    before: Some(ticket.clone()),
                    after,
                })
                .await;
        }
    }
    let signed_in = auth::open_session(
        ctx,
        user,
        ClientMeta {
            ticket_scope: Some(link.ticket_id),
            ..meta
        },
    )
    .await?;
    Ok((signed_in, link.ticket_id))
}

/// Staff open a ticket on a customer's behalf.
pub struct StaffTicket {
    /// Subject.
    pub subject: String,
    /// The customer's e-mail (their account is created when missing).
    pub requester_email: String,
    /// The customer's name, for a new account.
    pub requester_name: Option<String>,
    /// A first message from the staff member.
    pub message: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Priority.
    pub priority: Option<Priority>,
    /// Assignee.
    pub assignee_id: Option<Id>,
}

/// Opens a ticket for a customer (staff and admins).
pub async fn create_by_staff(ctx: &Ctx, actor: &Actor, input: StaffTicket) -> AppResult<TicketRow> {
    super::require(actor, Capability::WorkTickets)?;
    let subject = field("subject", parse_subject(&input.subject))?;
    let email = field("requesterEmail", Email::parse(&input.requester_email))?;
    let name = match input.requester_name.as_deref() {
        Some(name) => field("requesterName", parse_name(name))?,
        None => email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("Customer")
            .to_owned(),
    };
    let body = input
        .message
        .as_deref()
        .map(parse_body)
        .transpose()
        .map_err(|p| AppError::invalid("message", p))?;
    let department = check_department(ctx, input.department.as_deref())?;
    if let Some(assignee) = input.assignee_id {
        check_assignee(ctx, assignee).await?;
    }
    let (customer, _) = find_or_create_customer(ctx, &email, &name, Some(actor), None).await?;
    let requester = Actor {
        user: customer,
        session_id: None,
        ip: actor.ip.clone(),
        request_id: actor.request_id.clone(),
        scope: None,
    };
    let opening = Opening {
        id: Id::new(),
        subject: &subject,
        department,
        priority: input.priority.unwrap_or(Priority::Normal),
        assignee: input.assignee_id,
        // Staff vouch for the address they type, as they would answer it by mail.
        verified: true,
        submitted_name: None,
    };
    let metadata = json!({"via": "staff", "requesterId": requester.id()});
    let ticket = open(ctx, &requester, opening, |id| {
        Audit::by(actor, "ticket.create", "ticket", id, metadata)
    })
    .await?;
    if let Some(body) = body {
        post_first_message(ctx, actor, ticket.id, body, Vec::new()).await?;
    }
    mail_follow_link(ctx, requester.id(), ticket.id).await?;
    get(ctx, ticket.id).await
}

async fn check_assignee(ctx: &Ctx, assignee: Id) -> AppResult<UserRow> {
    let user = ctx
        .store
        .get_user(assignee)
        .await?
        .ok_or_else(|| AppError::invalid("assigneeId", "no such user"))?;
    if policy::allows(user.role, Capability::WorkTickets) {
        Ok(user)
    } else {
        Err(AppError::invalid(
            "assigneeId",
            "must be a staff member or an admin",
        ))
    }
}

async fn get(ctx: &Ctx, id: Id) -> AppResult<TicketRow> {
    ctx.store
        .get_ticket(id)
        .await?
        .ok_or_else(|| AppError::not_found("ticket"))
}

/// A ticket the actor may read.
pub async fn read(ctx: &Ctx, actor: &Actor, id: Id) -> AppResult<TicketRow> {
    let room = room_with_access(ctx, actor, id, Action::Read)
        .await
        .map_err(not_found_as_ticket)?;
    if room.room.kind != RoomKind::Ticket {
        return Err(AppError::not_found("ticket"));
    }
    get(ctx, id).await
}

fn not_found_as_ticket(err: AppError) -> AppError {
    if err.code() == Code::NotFound {
        AppError::not_found("ticket")
    } else {
        err
    }
}

/// The queue (customers: their own tickets; a follow-link session: its ticket).
pub async fn list(ctx: &Ctx, actor: &Actor, mut filter: TicketFilter) -> AppResult<Vec<TicketRow>> {
    if policy::allows(actor.user.role, Capability::RequestTickets) {
        filter.requester = Some(actor.id());
    }
    // The viewer carries a follow link's scope into the query, so pages stay full.
    Ok(ctx.store.list_tickets(&actor.viewer(), &filter).await?)
}

/// Changes to a ticket from the API; absent fields stay.
#[derive(Default)]
pub struct TicketChange {
    /// New status.
    pub status: Option<TicketStatus>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee_id: Option<Option<Id>>,
    /// New department (`Some(None)` = everyone).
    pub department: Option<Option<String>>,
    /// New priority.
    pub priority: Option<Priority>,
}

/// Changes status, assignee, department or priority (staff of the ticket and admins); every
/// change is audited. Returns the ticket before and after.
pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: Id,
    change: TicketChange,
) -> AppResult<(TicketRow, TicketRow)> {
    let room = room_with_access(ctx, actor, id, Action::ManageTicket)
        .await
        .map_err(not_found_as_ticket)?;
    if room.room.kind != RoomKind::Ticket {
        return Err(AppError::not_found("ticket"));
    }
    let before = get(ctx, id).await?;
    if let Some(Some(assignee)) = change.assignee_id {
        check_assignee(ctx, assignee).await?;
    }
    let department = match change.department {
        Some(d) => Some(check_department(ctx, d.as_deref())?),
        None => None,
    };
    let now = crate::store::now();
    let resolved_at = change.status.and_then(|status| match status {
        TicketStatus::Resolved if before.resolved_at.is_none() => Some(Some(now)),
        TicketStatus::Closed if before.resolved_at.is_none() => Some(Some(now)),
        TicketStatus::Open | TicketStatus::Pending if before.resolved_at.is_some() => Some(None),
        _ => None,
    });
    let patch = TicketPatch {
        status: change.status,
        assignee_id: change.assignee_id,
        department,
        priority: change.priority,
        resolved_at,
    };
    let audit = ticket_changes(actor, &before, &patch);
    let after = ctx
        .store
        .update_ticket(id, &patch, audit.rows())
        .await?
        .ok_or_else(|| AppError::not_found("ticket"))?;
    audit.committed();
    // Assignment made the previous assignee a member; a new assignee ends that. They keep
    // reading the ticket only if the policy lets them anyway (staff of its department,
    // admins).
    if let Some(previous) = before.assignee_id
        && after.assignee_id != Some(previous)
        && previous != after.requester_id
        && ctx.store.remove_member(id, previous, &[]).await?
    {
        ctx.events
            .publish(Event::MemberRemoved {
                room_id: id,
                user_id: previous,
            })
            .await;
    }
    ctx.events
        .publish(Event::TicketChanged {
            before: Some(before.clone()),
            after: after.clone(),
        })
        .await;
    Ok((before, after))
}

/// The audit rows of `patch` applied to `before`, one per kind of change.
fn ticket_changes(actor: &Actor, before: &TicketRow, patch: &TicketPatch) -> Audit {
    let status = patch.status.unwrap_or(before.status);
    let assignee = patch.assignee_id.unwrap_or(before.assignee_id);
    let priority = patch.priority.unwrap_or(before.priority);
    let department = patch.department.as_ref().unwrap_or(&before.department);
    let reopened = !before.status.is_active() && status.is_active();
    let changes = [
        (
            if reopened {
                "ticket.reopen"
            } else {
                "ticket.status"
            },
            before.status != status,
            json!({"from": before.status, "to": status}),
        ),
        (
            "ticket.assign",
            before.assignee_id != assignee,
            json!({"from": before.assignee_id, "to": assignee}),
        ),
        (
            "ticket.priority",
            before.priority != priority,
            json!({"from": before.priority, "to": priority}),
        ),
        (
            "ticket.department",
            &before.department != department,
            json!({"from": before.department, "to": department}),
        ),
    ];
    changes
        .into_iter()
        .filter(|(_, changed, _)| *changed)
        .fold(Audit::none(), |audit, (action, _, metadata)| {
            audit.and(actor, action, "ticket", before.id, metadata)
        })
}

/// The helpdesk's reaction to messages in tickets: the first staff reply after the customer
/// is the first response; a customer's reply reopens a pending or resolved ticket and asks the
/// assistant to look again. A subscriber of the domain events, so the send path knows nothing
/// of tickets.
pub struct Helpdesk {
    ctx: Ctx,
}

impl Helpdesk {
    /// The bookkeeping over `ctx` (whose events should be [`super::events::WeakEvents`] of the
    /// bus this subscribes to).
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }
}

#[async_trait::async_trait]
impl super::events::Subscriber for Helpdesk {
    async fn on_event(&self, event: &Event) {
        let Event::MessageCreated {
            message,
            room_kind: RoomKind::Ticket,
        } = event
        else {
            return;
        };
        // The message is stored and on its way: failing to update the ticket's timings must not
        // fail the send (the client would resend and get the same message back).
        if let Err(err) = after_message(&self.ctx, message.author.id, message.room_id).await {
            tracing::error!(error = %err, room_id = %message.room_id, "ticket bookkeeping failed after a message");
        }
    }
}

async fn after_message(ctx: &Ctx, author: Id, ticket_id: Id) -> AppResult<()> {
    let Some(ticket) = ctx.store.get_ticket(ticket_id).await? else {
        return Ok(());
    };
    let Some(user) = ctx.store.get_user(author).await? else {
        return Ok(());
    };
    let actor = Actor {
        user,
        session_id: None,
        ip: None,
        request_id: crate::error::current_request_id(),
        scope: None,
    };
    let changed = if author == ticket.requester_id {
        if let Err(err) = super::assistant::queue_refresh(ctx, ticket_id, false).await {
            tracing::warn!(error = %err, "could not queue an assistant refresh");
        }
        reopen_on_reply(ctx, &actor, &ticket).await?
    } else if policy::allows(actor.user.role, Capability::WorkTickets)
        && ticket.first_response_at.is_none()
        && ctx
            .store
            .mark_first_response(ticket_id, crate::store::now())
            .await?
    {
        ctx.store.get_ticket(ticket_id).await?
    } else {
        None
    };
    if let Some(after) = changed {
        ctx.events
            .publish(Event::TicketChanged {
                before: Some(ticket),
                after,
            })
            .await;
    }
    Ok(())
}

/// A requester's reply puts a pending or resolved ticket back in the open queue (audited);
/// the changed ticket, when it changed.
async fn reopen_on_reply(
    ctx: &Ctx,
    actor: &Actor,
    ticket: &TicketRow,
) -> AppResult<Option<TicketRow>> {
    if !matches!(
        ticket.status,
        TicketStatus::Pending | TicketStatus::Resolved
    ) {
        return Ok(None);
    }
    let patch = TicketPatch {
        status: Some(TicketStatus::Open),
        resolved_at: ticket.resolved_at.map(|_| None),
        ..TicketPatch::default()
    };
    let audit = Audit::by(
        actor,
        "ticket.reopen",
        "ticket",
        ticket.id,
        json!({"from": ticket.status, "to": "open", "by": "customer_reply"}),
    );
    let after = ctx
        .store
        .update_ticket(ticket.id, &patch, audit.rows())
        .await?
        .ok_or_else(|| AppError::not_found("ticket"))?;
    audit.committed();
    Ok(Some(after))
}

#[cfg(test)]
mod tests {
    #[test]
    fn subjects() {
        assert!(super::parse_subject("  Cannot log in ").is_ok());
        assert!(super::parse_subject(" ").is_err());
        assert!(super::parse_subject(&"x".repeat(201)).is_err());
    }
}
