//! Server -> client: realtime is a subscriber of the domain events. Each event becomes the
//! Socket.IO events its readers get and, where access changed, joins and leaves of the
//! sockets concerned. One file per family of events.

mod messages;
mod rooms;
mod sessions;
mod tickets;

pub(super) use tickets::TicketTurns;

use serde_json::Value;

use super::{Realtime, channel::Channel};
use crate::{
    domain::room::RoomKind,
    service::events::{Event, Subscriber},
};

#[async_trait::async_trait]
impl Subscriber for Realtime {
    async fn on_event(&self, event: &Event) {
        match event {
            Event::MessageCreated { message, room_kind } => {
                self.message_new(message);
                if *room_kind == RoomKind::Ticket {
                    // Off the send path: the sender's ack does not wait for the queue.
                    let (realtime, ticket_id) = (self.clone(), message.room_id);
                    tokio::spawn(async move { realtime.ticket_activity(ticket_id).await });
                }
            }
            Event::MessageEdited(message) | Event::MessageChanged(message) => {
                self.message_updated(message).await;
            }
            Event::MessageDeleted(message) => self.message_deleted(message).await,
            Event::ReactionChanged {
                room_id,
                message_id,
                emoji,
                user_id,
                added,
                count,
            } => {
                self.reaction_updated(*room_id, *message_id, emoji, *user_id, *added, *count)
                    .await;
            }
            Event::MessagePinned {
                room_id,
                message_id,
                pinned,
                by,
            } => {
                self.message_pinned(*room_id, *message_id, *pinned, *by)
                    .await;
            }
            Event::ReadMoved {
                room_id,
                user_id,
                seq,
            } => self.receipt(*room_id, *user_id, *seq).await,
            Event::Typing {
                room_id,
                user_id,
                name,
                typing,
            } => self.typing(*room_id, *user_id, name, *typing).await,
            Event::RoomCreated { room, creator } => self.room_created(room, *creator).await,
            Event::RoomUpdated { before, after } => self.room_updated(before, after).await,
            Event::RoomDeleted { room_id } => self.room_deleted(*room_id).await,
            Event::MemberAdded {
                room_id,
                user_id,
                role,
            } => self.member_added(*room_id, *user_id, *role).await,
            Event::MemberRoleChanged {
                room_id,
                user_id,
                role,
            } => self.member_role_changed(*room_id, *user_id, *role).await,
            Event::MemberRemoved { room_id, user_id } => {
                self.member_removed(*room_id, *user_id).await;
            }
            Event::TicketOpened(ticket) => self.ticket_opened(ticket).await,
            Event::TicketChanged { before, after } => {
                self.ticket_changed(before.as_ref(), after).await;
            }
            Event::TicketInsights {
                ticket_id,
                requester,
            } => self.ticket_insights(*ticket_id, *requester).await,
            Event::SessionsEnded { user_id, reason } => {
                self.revoke_user(*user_id, reason.as_str()).await;
            }
            Event::SessionEnded { session_id, reason } => {
                self.revoke_session(*session_id, reason).await;
            }
            Event::NotificationCreated(notification) => {
                self.notified(notification).await;
            }
            Event::NotificationsRead {
                user_id,
                ids,
                room_id,
            } => {
                self.notifications_read(*user_id, ids.as_deref(), *room_id)
                    .await;
            }
            Event::PresenceChanged { user_id, online } => {
                self.presence_changed(*user_id, *online).await;
            }
            Event::UserUpdated {
                user_id,
                name,
                title,
                status,
                avatar_url,
            } => {
                self.user_updated(
                    *user_id,
                    name,
                    title,
                    status.as_ref(),
                    avatar_url.as_deref(),
                )
                .await
            }
        }
    }
}

impl Realtime {
    /// Emits to `rooms` on every instance.
    async fn emit(&self, rooms: Vec<Channel>, event: &'static str, data: &Value) {
        self.inner.fanout.emit(rooms, Vec::new(), event, data).await;
    }
}
