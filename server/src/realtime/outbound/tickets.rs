//! Tickets: the requester and the assignee are members and follow their tickets' messages; a
//! department's team (and every admin) follows its queue through compact `ticket:updated`
//! events, on opening, on every change and on every new message, never the messages
//! themselves. Assistant refreshes reach staff only.

use serde_json::json;

use super::super::{Realtime, channel::Channel, events as wire};
use crate::{domain::Id, domain::room::RoomRole, store::TicketRow, views::TicketView};

impl Realtime {
    /// A ticket was opened: its requester and assignee subscribe to it, and its queue hears of
    /// it. Follow-link sockets are never joined here: each follows the one ticket it was
    /// opened for.
    pub(super) async fn ticket_opened(&self, ticket: &TicketRow) {
        let mut members = vec![Channel::User(ticket.requester_id)];
        members.extend(ticket.assignee_id.map(Channel::User));
        for member in &members {
            self.inner
                .fanout
                .join(member.clone(), vec![Channel::Room(ticket.id)])
                .await;
        }
        let mut to = Channel::audiences(ticket.department.as_deref());
        to.extend(members);
        self.emit_ticket(ticket, to).await;
    }

    /// A ticket changed: its followers and its department's queue (the old one's too, when it
    /// moved) hear of it. A new assignee subscribes; a move to another department ends the
    /// watches of the old department's staff (who watch again if they still may).
    pub(super) async fn ticket_changed(&self, before: Option<&TicketRow>, after: &TicketRow) {
        let mut to = Channel::audiences(after.department.as_deref());
        if let Some(before) = before {
            if before.assignee_id != after.assignee_id
                && let Some(assignee) = after.assignee_id
            {
                self.member_added(after.id, assignee, RoomRole::Member)
                    .await;
            }
            if before.department != after.department {
                to.extend(Channel::audiences(before.department.as_deref()));
            }
        }
        to.sort_by_key(Channel::name);
        to.dedup();
        self.emit_ticket(after, to).await;
        if before.is_some_and(|b| b.department != after.department) {
            self.drop_watchers(after.id).await;
        }
    }

    /// A message was written in a ticket: its queue sees the ticket's new last seq (its
    /// followers got the message itself).
    pub(super) async fn ticket_activity(&self, ticket_id: Id) {
        match self.inner.store.get_ticket(ticket_id).await {
            Ok(Some(ticket)) => {
                let data = serde_json::to_value(TicketView::from(&ticket)).unwrap_or_default();
                self.emit(
                    Channel::audiences(ticket.department.as_deref()),
                    wire::TICKET_UPDATED,
                    &data,
                )
                .await;
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, %ticket_id, "cannot tell the queue about a ticket's message");
            }
        }
    }

    async fn emit_ticket(&self, ticket: &TicketRow, mut to: Vec<Channel>) {
        let data = serde_json::to_value(TicketView::from(ticket)).unwrap_or_default();
        to.extend(Channel::followers(ticket.id));
        self.emit(to, wire::TICKET_UPDATED, &data).await;
    }

    /// A ticket's assistant insights were refreshed: its staff followers are told (never the
    /// customer's sockets).
    pub(super) async fn ticket_insights(&self, ticket_id: Id, requester: Id) {
        let except = vec![Channel::User(requester), Channel::UserLink(requester)];
        self.inner
            .fanout
            .emit(
                Channel::followers(ticket_id),
                except,
                wire::TICKET_INSIGHTS,
                &json!({"ticketId": ticket_id}),
            )
            .await;
    }
}
