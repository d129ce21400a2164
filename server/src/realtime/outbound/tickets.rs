//! Tickets: the requester and the assignee are members and follow their tickets' messages; a
//! department's team (and every admin) follows its queue through compact `ticket:updated`
//! events, on opening, on every change and on every new message, never the messages
//! themselves. Assistant refreshes reach staff only.
//!
//! A ticket's `ticket:updated` events leave this instance in the order of its changes: each is
//! read from the store and emitted under the ticket's turn ([`TicketTurns`]). Without it, the
//! queue's snapshot after a customer's reply (read off the send path) could be read before
//! the reply reopened the ticket and sent after the reopening, and every queue would show the
//! ticket resolved again.

use serde_json::json;

use super::super::{Realtime, channel::Channel, events as wire};
use crate::{domain::Id, domain::room::RoomRole, store::TicketRow, views::TicketView};

/// How many locks the tickets share (a ticket takes its turn on one of them).
const TURNS: usize = 64;

/// Turns to read and emit a ticket's state: one at a time per ticket, so the last event out
/// holds the last state stored.
pub(in crate::realtime) struct TicketTurns([tokio::sync::Mutex<()>; TURNS]);

impl Default for TicketTurns {
    fn default() -> Self {
        Self(std::array::from_fn(|_| tokio::sync::Mutex::new(())))
    }
}

impl TicketTurns {
    async fn take(&self, ticket_id: Id) -> tokio::sync::MutexGuard<'_, ()> {
        // A v7 id's low bits are random.
        let turn = (ticket_id.as_uuid().as_u128() % TURNS as u128) as usize;
        self.0[turn].lock().await
    }
}

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
        let _turn = self.inner.ticket_turns.take(ticket_id).await;
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

    /// Tells `to` and the ticket's followers of its state, read again in the ticket's turn: a
    /// change that commits while an older event waits for its turn is not undone on screens
    /// by that older event (`ticket` is the fallback when the read fails).
    async fn emit_ticket(&self, ticket: &TicketRow, mut to: Vec<Channel>) {
        let _turn = self.inner.ticket_turns.take(ticket.id).await;
        let current = match self.inner.store.get_ticket(ticket.id).await {
            Ok(Some(current)) => current,
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(error = %err, ticket_id = %ticket.id, "ticket not read again: its change goes out as committed");
                ticket.clone()
            }
        };
        let data = serde_json::to_value(TicketView::from(&current)).unwrap_or_default();
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
