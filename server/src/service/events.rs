//! Domain events: what happened, published by the use cases after their change is committed.
//!
//! A use case never tells clients, counters or other features about a change itself: it
//! publishes one [`Event`] to the [`Events`] port, and subscribers react. Realtime (Socket.IO
//! delivery and subscriptions) and telemetry are subscribers today; notifications, outgoing
//! webhooks and link previews plug in the same way: a new [`Subscriber`] registered in
//! `app::build_state`, and, when the feature needs a fact no event carries yet, a new variant
//! published where that fact becomes true.

use std::sync::{Arc, Mutex, RwLock, Weak};

use crate::{
    domain::{
        Id,
        room::{RoomKind, RoomRole},
    },
    store::{RoomRow, TicketRow},
    views::MessageView,
};

/// Why a user's sessions (and follow links) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionsEnded {
    /// An admin banned the user.
    Banned,
    /// An admin changed the user's global role.
    RoleChanged,
    /// An admin changed the user's department.
    DepartmentChanged,
    /// An admin deactivated the account.
    Deactivated,
    /// The user reset their password with a mailed link.
    PasswordReset,
}

impl SessionsEnded {
    /// The reason as clients read it in `session:revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Banned => "banned",
            Self::RoleChanged => "role_changed",
            Self::DepartmentChanged => "department_changed",
            Self::Deactivated => "deactivated",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// Something that happened, as the use case that did it saw it after its commit.
///
/// Variants differ in size (a message view against an id); an event is built once per change
/// and handed to subscribers by reference, so boxing the large ones would only add an
/// allocation to the send path.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Event {
    /// A message was stored with its seq (never for an idempotent resend).
    MessageCreated {
        /// The message.
        message: MessageView,
        /// The kind of its room (tickets have bookkeeping of their own).
        room_kind: RoomKind,
    },
    /// A message's text changed.
    MessageEdited(MessageView),
    /// A message was deleted (its body is gone).
    MessageDeleted(MessageView),
    /// Something of a message besides its text changed: its link preview, or an attachment's
    /// thumbnail. Readers get it as `message:updated`, like an edit.
    MessageChanged(MessageView),
    /// Someone's reaction on a message was added or removed.
    ReactionChanged {
        /// The room.
        room_id: Id,
        /// The message.
        message_id: Id,
        /// The emoji.
        emoji: String,
        /// Who reacted.
        user_id: Id,
        /// True when added.
        added: bool,
        /// Users with this emoji on the message now.
        count: i64,
    },
    /// A message was pinned to its room or unpinned.
    MessagePinned {
        /// The room.
        room_id: Id,
        /// The message.
        message_id: Id,
        /// True when pinned, false when unpinned.
        pinned: bool,
        /// Who did it.
        by: Id,
    },
    /// A member's read cursor moved.
    ReadMoved {
        /// The room.
        room_id: Id,
        /// The reader.
        user_id: Id,
        /// Their read cursor now.
        seq: i64,
    },
    /// Someone is typing (or stopped) in a room; not stored.
    Typing {
        /// The room.
        room_id: Id,
        /// Who.
        user_id: Id,
        /// Their name, to show.
        name: String,
        /// True while typing.
        typing: bool,
    },
    /// A room (or DM) was created; its creator is its first member.
    RoomCreated {
        /// The room.
        room: RoomRow,
        /// Who created it.
        creator: Id,
    },
    /// A room's title, description, tags or department changed.
    RoomUpdated {
        /// As it was.
        before: RoomRow,
        /// As it is now.
        after: RoomRow,
    },
    /// A room was deleted with everything in it.
    RoomDeleted {
        /// The room.
        room_id: Id,
    },
    /// Someone joined or was added to a room.
    MemberAdded {
        /// The room.
        room_id: Id,
        /// The new member.
        user_id: Id,
        /// Their room role.
        role: RoomRole,
    },
    /// A member's room role changed.
    MemberRoleChanged {
        /// The room.
        room_id: Id,
        /// The member.
        user_id: Id,
        /// Their room role now.
        role: RoomRole,
    },
    /// Someone left or was removed from a room.
    MemberRemoved {
        /// The room.
        room_id: Id,
        /// The former member.
        user_id: Id,
    },
    /// A ticket was opened.
    TicketOpened(TicketRow),
    /// A ticket's status, assignee, priority, department or verification changed (`before`
    /// is absent when the change came with a message).
    TicketChanged {
        /// The ticket before the change, when the use case had it.
        before: Option<TicketRow>,
        /// The ticket now.
        after: TicketRow,
    },
    /// A ticket's assistant insights were refreshed.
    TicketInsights {
        /// The ticket.
        ticket_id: Id,
        /// Its requester (who must not be told).
        requester: Id,
    },
    /// Every session and follow link of a user ended.
    SessionsEnded {
        /// The user.
        user_id: Id,
        /// Why.
        reason: SessionsEnded,
    },
    /// A user came online (their first socket anywhere) or went offline (their last one
    /// closed, after a grace period).
    PresenceChanged {
        /// The user.
        user_id: Id,
        /// True when online.
        online: bool,
    },
    /// Someone changed their name, title or status (the team's member lists show them).
    UserUpdated {
        /// Who.
        user_id: Id,
        /// Their name.
        name: String,
        /// Their job title.
        title: String,
        /// Their status, when one is shown.
        status: Option<crate::views::StatusView>,
        /// Their avatar's URL, `None` when they have none.
        avatar_url: Option<String>,
    },
    /// Someone was notified (stored; their sockets are told).
    NotificationCreated(crate::views::NotificationView),
    /// Someone's notifications were read: these, those of a room, or (neither) all.
    NotificationsRead {
        /// Whose.
        user_id: Id,
        /// These notifications.
        ids: Option<Vec<Id>>,
        /// Those of this room (up to where it was read).
        room_id: Option<Id>,
    },
    /// One session ended (sign-out, or revoked by its owner).
    SessionEnded {
        /// The session.
        session_id: Id,
        /// `signed_out` or `password_changed`.
        reason: &'static str,
    },
}

/// Where use cases publish events. They await it: a subscriber that tells clients (realtime)
/// has done its part, in commit order, when `publish` returns.
#[async_trait::async_trait]
pub trait Events: Send + Sync {
    /// Hands `event` to every subscriber, in registration order.
    async fn publish(&self, event: Event);
}

/// Reacts to events.
#[async_trait::async_trait]
pub trait Subscriber: Send + Sync {
    /// Handles one event; failures are the subscriber's to log, never the use case's.
    async fn on_event(&self, event: &Event);
}

/// The in-process event bus: subscribers registered at startup, called one after the other.
#[derive(Default)]
pub struct EventBus {
    subscribers: RwLock<Vec<Arc<dyn Subscriber>>>,
}

impl EventBus {
    /// A bus without subscribers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a subscriber (at startup).
    pub fn subscribe(&self, subscriber: Arc<dyn Subscriber>) {
        self.subscribers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(subscriber);
    }
}

#[async_trait::async_trait]
impl Events for EventBus {
    async fn publish(&self, event: Event) {
        let subscribers = self
            .subscribers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for subscriber in subscribers {
            subscriber.on_event(&event).await;
        }
    }
}

/// Publishes to a bus that may be gone: a subscriber that publishes events of its own holds
/// its bus this way, so the bus and its subscribers do not keep each other alive.
pub struct WeakEvents(pub Weak<EventBus>);

#[async_trait::async_trait]
impl Events for WeakEvents {
    async fn publish(&self, event: Event) {
        if let Some(bus) = self.0.upgrade() {
            bus.publish(event).await;
        }
    }
}

/// Keeps every event published, for tests of use cases.
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    /// Everything published so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets what was published.
    pub fn clear(&self) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[async_trait::async_trait]
impl Events for Recorder {
    async fn publish(&self, event: Event) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
    }
}
