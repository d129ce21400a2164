//! Rooms, DMs and memberships.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{StoreResult, UserRow};
use crate::domain::{
    Id,
    policy::{RoomFacts, TicketParties, Viewer},
    room::{RoomKind, RoomRole},
};

/// A stored room.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoomRow {
    /// Id.
    pub id: Id,
    /// Unique slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Kind.
    pub kind: RoomKind,
    /// Department (`None` = everyone).
    pub department: Option<String>,
    /// Tags.
    pub tags: Json<Vec<String>>,
    /// Creator.
    pub created_by: Option<Id>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Seq of the newest message (0 = none).
    pub last_seq: i64,
    /// Time of the newest message.
    pub last_message_at: Option<DateTime<Utc>>,
}

/// A room as one viewer sees it: membership, read cursor, unread count, ticket parties.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoomWithMe {
    /// The room.
    #[sqlx(flatten)]
    pub room: RoomRow,
    /// The viewer's room role, if a member.
    pub my_role: Option<RoomRole>,
    /// The viewer's read cursor (0 when not a member).
    pub last_read_seq: i64,
    /// Messages by others after the read cursor, not deleted.
    pub unread: i64,
    /// Ticket requester, for ticket rooms.
    pub requester_id: Option<Id>,
    /// Ticket assignee, for ticket rooms.
    pub assignee_id: Option<Id>,
    /// Ticket status, for ticket rooms.
    pub ticket_status: Option<crate::domain::ticket::TicketStatus>,
}

impl RoomWithMe {
    /// The facts the access policy needs.
    pub fn facts(&self) -> RoomFacts {
        RoomFacts {
            id: self.room.id,
            kind: self.room.kind,
            department: self.room.department.clone(),
            my_role: self.my_role,
            ticket: self.requester_id.map(|requester| TicketParties {
                requester,
                assignee: self.assignee_id,
                closed: self.ticket_status == Some(crate::domain::ticket::TicketStatus::Closed),
            }),
        }
    }
}

/// A room to create, with its first members.
#[derive(Clone, Debug)]
pub struct NewRoom {
    /// Id (chosen by the caller so tickets can reference it).
    pub id: Id,
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Kind.
    pub kind: RoomKind,
    /// Department.
    pub department: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Creator.
    pub created_by: Option<Id>,
    /// For DMs: the sorted pair of user ids, unique.
    pub dm_key: Option<String>,
    /// Initial members and their roles.
    pub members: Vec<(Id, RoomRole)>,
}

/// Changes to a room; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct RoomPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// New department (`Some(None)` = everyone).
    pub department: Option<Option<String>>,
}

/// Search and order for room discovery.
#[derive(Clone, Debug)]
pub struct DiscoverFilter {
    /// Words in title, slug or description.
    pub q: Option<String>,
    /// Only rooms with this tag.
    pub tag: Option<String>,
    /// `active` (latest message first), `name` or `new`.
    pub sort: DiscoverSort,
    /// Rows to skip (discovery lists are short and sorted by mutable keys).
    pub offset: i64,
    /// Page size.
    pub limit: i64,
}

/// Orders of the discover list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscoverSort {
    /// Most recent message first.
    Active,
    /// By title.
    Name,
    /// Newest room first.
    New,
}

/// A member of a room, with the user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    /// The user.
    #[sqlx(flatten)]
    pub user: UserRow,
    /// Room role.
    pub room_role: RoomRole,
    /// Join time.
    pub joined_at: DateTime<Utc>,
    /// Read cursor.
    pub last_read_seq: i64,
    /// Delivery cursor.
    pub last_delivered_seq: i64,
}

/// Rooms and memberships.
#[async_trait::async_trait]
pub trait RoomStore: Send + Sync {
    /// Creates a room and its first members in one transaction.
    async fn create_room(&self, room: &NewRoom) -> StoreResult<RoomRow>;
    /// A room by id.
    async fn get_room(&self, id: Id) -> StoreResult<Option<RoomRow>>;
    /// A room by slug.
    async fn get_room_by_slug(&self, slug: &str) -> StoreResult<Option<RoomRow>>;
    /// A room with the viewer's membership and ticket parties.
    async fn room_for(&self, room_id: Id, user_id: Id) -> StoreResult<Option<RoomWithMe>>;
    /// The rooms a user is a member of, most recently active first.
    async fn member_rooms(&self, user_id: Id) -> StoreResult<Vec<RoomWithMe>>;
    /// Public rooms the viewer may read (the policy's read rule in SQL).
    async fn discover_rooms(
        &self,
        viewer: &Viewer,
        filter: &DiscoverFilter,
    ) -> StoreResult<Vec<RoomWithMe>>;
    /// Ids of the rooms a user is a member of (socket subscriptions).
    async fn member_room_ids(&self, user_id: Id) -> StoreResult<Vec<Id>>;
    /// The DM with this key, if it exists.
    async fn find_dm(&self, dm_key: &str) -> StoreResult<Option<RoomRow>>;
    /// Applies a patch.
    async fn update_room(&self, id: Id, patch: &RoomPatch) -> StoreResult<Option<RoomRow>>;
    /// Deletes a room with its messages and memberships; false when missing.
    async fn delete_room(&self, id: Id) -> StoreResult<bool>;
    /// Adds a member (`room_members_pkey` conflict when already one).
    async fn add_member(&self, room_id: Id, user_id: Id, role: RoomRole) -> StoreResult<()>;
    /// One member.
    async fn get_member(&self, room_id: Id, user_id: Id) -> StoreResult<Option<MemberRow>>;
    /// Members by join time, after an optional (joined_at, user id) cursor.
    async fn list_members(
        &self,
        room_id: Id,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StoreResult<Vec<MemberRow>>;
    /// Changes a member's role; false when not a member.
    async fn set_member_role(&self, room_id: Id, user_id: Id, role: RoomRole) -> StoreResult<bool>;
    /// Removes a member; false when not a member.
    async fn remove_member(&self, room_id: Id, user_id: Id) -> StoreResult<bool>;
    /// How many members, and how many owners.
    async fn count_members(&self, room_id: Id) -> StoreResult<(i64, i64)>;
    /// Makes `to` the owner and `from` a moderator, atomically.
    async fn transfer_ownership(&self, room_id: Id, from: Id, to: Id) -> StoreResult<()>;
    /// Moves the read cursor forward (never back, never past the room's last seq); returns
    /// the cursor now stored, or `None` when not a member.
    async fn mark_read(&self, room_id: Id, user_id: Id, seq: i64) -> StoreResult<Option<i64>>;
    /// Moves delivery cursors forward in one batch.
    async fn mark_delivered(&self, cursors: &[(Id, Id, i64)]) -> StoreResult<()>;
}
