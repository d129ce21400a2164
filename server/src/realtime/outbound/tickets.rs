//! Tickets: the department's team hears of new tickets and changes (compact `ticket:updated`),
//! requesters and assignees follow theirs, and assistant refreshes reach staff only.

use serde_json::json;

use super::super::{Realtime, channel::Channel, events as wire};
use crate::{domain::Id, domain::room::RoomRole, store::TicketRow, views::TicketView};

impl Realtime {
    /// A ticket was opened: its team audience, requester and assignee subscribe to it, and the
    /// team hears of it.
    pub(super) async fn ticket_opened(&self, ticket: &TicketRow) {
        let channel = Channel::Room(ticket.id);
        let mut selectors = Channel::audiences(ticket.department.as_deref());
        selectors.push(Channel::User(ticket.requester_id));
        selectors.extend(ticket.assignee_id.map(Channel::User));
        for selector in &selectors {
            self.inner
                .fanout
                .join(selector.clone(), vec![channel.clone()])
                .await;
        }
        self.emit_ticket(ticket, &selectors).await;
    }

    /// A ticket changed: its readers and its department's team hear of it; a new department or
    /// assignee moves subscriptions.
    pub(super) async fn ticket_changed(&self, before: Option<&TicketRow>, after: &TicketRow) {
        let mut selectors = Channel::audiences(after.department.as_deref());
        selectors.push(Channel::Room(after.id));
        if let Some(before) = before {
            if before.assignee_id != after.assignee_id
                && let Some(assignee) = after.assignee_id
            {
                self.member_added(after.id, assignee, RoomRole::Member)
                    .await;
            }
            if before.department != after.department {
                match self.inner.store.get_room(after.id).await {
                    Ok(Some(room)) => self.resubscribe_room(&room, Some(after)).await,
                    Ok(None) => {}
                    Err(err) => {
                        tracing::error!(error = %err, ticket_id = %after.id, "cannot re-subscribe a moved ticket");
                    }
                }
            }
            selectors.extend(Channel::audiences(before.department.as_deref()));
        }
        selectors.sort_by_key(Channel::name);
        selectors.dedup();
        self.emit_ticket(after, &selectors).await;
    }

    async fn emit_ticket(&self, ticket: &TicketRow, selectors: &[Channel]) {
        let data = serde_json::to_value(TicketView::from(ticket)).unwrap_or_default();
        let mut rooms = selectors.to_vec();
        rooms.push(Channel::Room(ticket.id));
        self.emit(rooms, wire::TICKET_UPDATED, &data).await;
    }

    /// A ticket's assistant insights were refreshed: its staff readers are told (never the
    /// customer's sockets).
    pub(super) async fn ticket_insights(&self, ticket_id: Id, requester: Id) {
        let except = vec![Channel::User(requester), Channel::UserLink(requester)];
        self.inner
            .fanout
            .emit(
                vec![Channel::Room(ticket_id)],
                except,
                wire::TICKET_INSIGHTS,
                &json!({"ticketId": ticket_id}),
            )
            .await;
    }
}
