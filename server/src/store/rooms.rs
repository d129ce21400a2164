//! Rooms, DMs and memberships. One query set for both databases.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{
    AuditEntry, StoreResult, UserRow,
    both::impl_both,
    sql::{
        like_nocase, like_pattern, member_select, readable_by_viewer, room_access_select,
        room_returning, room_select, room_with_me_select, set_or_keep,
    },
};
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
    /// When the room was archived (read-only, hidden from lists); `None` while active.
    pub archived_at: Option<DateTime<Utc>>,
    /// Who archived it.
    pub archived_by: Option<Id>,
}

/// A room and one viewer's standing in it (membership, read cursor, ticket parties): what the
/// access policy decides on. Cheap to load: the hot paths (sends, history, sync) read it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoomAccess {
    /// The room.
    #[sqlx(flatten)]
    pub room: RoomRow,
    /// The viewer's room role, if a member.
    pub my_role: Option<RoomRole>,
    /// The viewer's read cursor (0 when not a member).
    pub last_read_seq: i64,
    /// How the viewer wants to hear of the room (`all` when not a member).
    pub notify_level: crate::domain::notify::NotifyLevel,
    /// Muted until then.
    pub muted_until: Option<DateTime<Utc>>,
    /// Ticket requester, for ticket rooms.
    pub requester_id: Option<Id>,
    /// Ticket assignee, for ticket rooms.
    pub assignee_id: Option<Id>,
    /// Ticket status, for ticket rooms.
    pub ticket_status: Option<crate::domain::ticket::TicketStatus>,
    /// The other members of a DM, as the viewer sees them (filled in by the service; empty
    /// for other rooms).
    #[sqlx(skip)]
    pub peers: Vec<DmMemberRow>,
}

/// A member of a DM, with what the sidebar shows of them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DmMemberRow {
    /// The DM.
    pub room_id: Id,
    /// The member.
    pub user_id: Id,
    /// Their name now.
    pub name: String,
    /// Their avatar's version (`None`: no avatar).
    pub avatar_version: Option<i64>,
}

impl RoomAccess {
    /// The facts the access policy needs.
    pub fn facts(&self) -> RoomFacts {
        RoomFacts {
            id: self.room.id,
            kind: self.room.kind,
            department: self.room.department.clone(),
            my_role: self.my_role,
            archived: self.room.archived_at.is_some(),
            ticket: self.requester_id.map(|requester| TicketParties {
                requester,
                assignee: self.assignee_id,
                closed: self.ticket_status == Some(crate::domain::ticket::TicketStatus::Closed),
            }),
        }
    }
}

/// A room as one viewer sees it in lists and room answers: its [`RoomAccess`] and the
/// viewer's unread counts (which cost a count over the room's unread messages to load).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoomWithMe {
    /// The room and the viewer's standing in it.
    #[sqlx(flatten)]
    pub access: RoomAccess,
    /// Messages by others after the read cursor, not deleted.
    pub unread: i64,
    /// Unread notifications that mention the viewer here (or DM them).
    pub mention_count: i64,
}

/// A room view is its access plus counts: `room.room`, `room.my_role`... read through.
impl std::ops::Deref for RoomWithMe {
    type Target = RoomAccess;

    fn deref(&self) -> &RoomAccess {
        &self.access
    }
}

impl std::ops::DerefMut for RoomWithMe {
    fn deref_mut(&mut self) -> &mut RoomAccess {
        &mut self.access
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
    /// New kind (public or private).
    pub kind: Option<RoomKind>,
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
    /// Active rooms, archived ones, or both.
    pub archived: ArchivedFilter,
}

/// Which rooms a list shows by whether they are archived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ArchivedFilter {
    /// Active rooms only (the default of every list).
    #[default]
    Hide,
    /// Active and archived rooms.
    Include,
    /// Archived rooms only.
    Only,
}

impl ArchivedFilter {
    /// Whether a room archived (or not) passes.
    pub fn shows(self, archived: bool) -> bool {
        match self {
            Self::Hide => !archived,
            Self::Include => true,
            Self::Only => archived,
        }
    }
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
    /// Status emoji (from the profile; shown only until it expires).
    pub status_emoji: Option<String>,
    /// Status text.
    pub status_text: Option<String>,
    /// When the status stops being shown.
    pub status_expires_at: Option<DateTime<Utc>>,
}

/// Shared filter of the discover queries: `$1..$3` viewer, `$4` pattern, `$5` tag, `$8` scope,
/// `$9`/`$10` whether active/archived rooms show; the order is given as pieces of SQL.
macro_rules! discover_query {
    ($($order:tt)+) => {
        concat!(
            room_with_me_select!(),
            "WHERE r.kind = 'public' AND ",
            readable_by_viewer!("$8"),
            " AND ($4 IS NULL OR ",
            like_nocase!("r.title", "$4"),
            " OR ",
            like_nocase!("r.slug", "$4"),
            " OR ",
            like_nocase!("r.description", "$4"),
            ") AND ($5 IS NULL OR ",
            has_tag!("r.tags", "$5"),
            ") AND (CASE WHEN r.archived_at IS NULL THEN $9 ELSE $10 END) ORDER BY ",
            $($order)+,
            " LIMIT $6 OFFSET $7"
        )
    };
}

impl_both! {
    /// Rooms and memberships.
    pub trait RoomStore {
        /// Creates a room and its first members, with the audit rows, in one transaction.
        async fn create_room(&self, room: &NewRoom, audit: &[AuditEntry]) -> StoreResult<RoomRow> {
            let mut tx = self.begin().await?;
            let row = Self::insert_room(&mut tx, room).await?;
            Self::commit_with_audit(tx, audit).await?;
            Ok(row)
        }

        /// A room by id.
        async fn get_room(&self, id: Id) -> StoreResult<Option<RoomRow>> {
            let query = sqlx::query_as(concat!(room_select!(), "WHERE r.id = $1"));
            Self::fetch_optional_row(self.reader(), query.bind(id)).await
        }

        /// The members of these DMs.
        async fn dm_members(&self, room_ids: &[Id]) -> StoreResult<Vec<DmMemberRow>> {
            if room_ids.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(
                "SELECT rm.room_id, u.id AS user_id, u.name, u.avatar_version FROM room_members rm \
                 JOIN users u ON u.id = rm.user_id WHERE rm.room_id ",
                in_list!("$1")
            ))
            .bind(Self::list(room_ids)?);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// A room by slug.
        async fn get_room_by_slug(&self, slug: &str) -> StoreResult<Option<RoomRow>> {
            let query = sqlx::query_as(concat!(room_select!(), "WHERE r.slug = $1"));
            Self::fetch_optional_row(self.reader(), query.bind(slug)).await
        }

        /// A room with the viewer's membership and ticket parties. The viewer's cursors may
        /// not be past their latest sends yet (see [`RoomStore::room_shown`]).
        async fn room_for(&self, room_id: Id, user_id: Id) -> StoreResult<Option<RoomWithMe>> {
            let query = sqlx::query_as(concat!(room_with_me_select!(), "WHERE r.id = $2"));
            Self::fetch_optional_row(self.reader(), query.bind(user_id).bind(room_id)).await
        }

        /// [`RoomStore::room_for`] for an answer that shows the room to the viewer: their
        /// read cursor is past everything they sent before the call.
        async fn room_shown(&self, room_id: Id, user_id: Id) -> StoreResult<Option<RoomWithMe>> {
            self.settle_sends().await?;
            let query = sqlx::query_as(concat!(room_with_me_select!(), "WHERE r.id = $2"));
            Self::fetch_optional_row(self.reader(), query.bind(user_id).bind(room_id)).await
        }

        /// A room and the user's standing in it, without the unread counts.
        async fn room_access(&self, room_id: Id, user_id: Id) -> StoreResult<Option<RoomAccess>> {
            let query = sqlx::query_as(concat!(room_access_select!(), "WHERE r.id = $2"));
            Self::fetch_optional_row(self.reader(), query.bind(user_id).bind(room_id)).await
        }

        /// The rooms a user is a member of, most recently active first.
        async fn member_rooms(&self, user_id: Id) -> StoreResult<Vec<RoomWithMe>> {
            let query = sqlx::query_as(concat!(
                room_with_me_select!(),
                "WHERE rm.user_id IS NOT NULL \
                 ORDER BY COALESCE(r.last_message_at, r.created_at) DESC, r.id"
            ));
            self.settle_sends().await?;
            Self::fetch_all_rows(self.reader(), query.bind(user_id)).await
        }

        /// Public rooms the viewer may read (the policy's read rule in SQL).
        async fn discover_rooms(
            &self,
            viewer: &Viewer,
            filter: &DiscoverFilter,
        ) -> StoreResult<Vec<RoomWithMe>> {
            let sql = match filter.sort {
                DiscoverSort::Active => discover_query!("r.last_message_at DESC NULLS LAST, r.id"),
                DiscoverSort::Name => discover_query!("lower(r.title), r.id"),
                DiscoverSort::New => discover_query!("r.created_at DESC, r.id DESC"),
            };
            let query = Self::query_as_viewer(sql, viewer)
                .bind(filter.q.as_deref().map(like_pattern))
                .bind(&filter.tag)
                .bind(filter.limit)
                .bind(filter.offset)
                .bind(viewer.scope)
                .bind(filter.archived.shows(false))
                .bind(filter.archived.shows(true));
            self.settle_sends().await?;
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// Ids of the rooms a user is a member of (socket subscriptions).
        async fn member_room_ids(&self, user_id: Id) -> StoreResult<Vec<Id>> {
            let query = sqlx::query_scalar("SELECT room_id FROM room_members WHERE user_id = $1");
            Self::fetch_all_values(self.reader(), query.bind(user_id)).await
        }

        /// The DM with this key, if it exists.
        async fn find_dm(&self, dm_key: &str) -> StoreResult<Option<RoomRow>> {
            let query = sqlx::query_as(concat!(room_select!(), "WHERE r.dm_key = $1"));
            Self::fetch_optional_row(self.reader(), query.bind(dm_key)).await
        }

        /// Applies a patch, with its audit rows.
        async fn update_room(
            &self,
            id: Id,
            patch: &RoomPatch,
            audit: &[AuditEntry],
        ) -> StoreResult<Option<RoomRow>> {
            let (set_department, department) = set_or_keep(&patch.department);
            let mut tx = self.begin().await?;
            let query = sqlx::query_as(concat!(
                "UPDATE rooms SET title = COALESCE($2, title), \
                 description = COALESCE($3, description), tags = COALESCE($4, tags), \
                 department = CASE WHEN $5 THEN $6 ELSE department END, updated_at = $7, \
                 kind = COALESCE($8, kind) \
                 WHERE id = $1 RETURNING ",
                room_returning!()
            ))
            .bind(id)
            .bind(&patch.title)
            .bind(&patch.description)
            .bind(patch.tags.as_ref().map(Json))
            .bind(set_department)
            .bind(department)
            .bind(crate::store::now())
            .bind(patch.kind);
            let row = Self::fetch_optional_row(&mut *tx, query).await?;
            Self::commit_audited(tx, row.is_some(), audit).await?;
            Ok(row)
        }

        /// Archives a room (`Some(time)`, by `by`) or restores it (`None`), with the audit rows;
        /// `None` when missing.
        async fn set_archived(
            &self,
            id: Id,
            archived_at: Option<DateTime<Utc>>,
            by: Option<Id>,
            audit: &[AuditEntry],
        ) -> StoreResult<Option<RoomRow>> {
            let mut tx = self.begin().await?;
            let query = sqlx::query_as(concat!(
                "UPDATE rooms SET archived_at = $2, archived_by = $3, updated_at = $4 \
                 WHERE id = $1 RETURNING ",
                room_returning!()
            ))
            .bind(id)
            .bind(archived_at)
            .bind(by)
            .bind(crate::store::now());
            let row = Self::fetch_optional_row(&mut *tx, query).await?;
            Self::commit_audited(tx, row.is_some(), audit).await?;
            Ok(row)
        }

        /// Deletes a room with its messages and memberships, with the audit rows; false when
        /// missing.
        async fn delete_room(&self, id: Id, audit: &[AuditEntry]) -> StoreResult<bool> {
            let query = sqlx::query("DELETE FROM rooms WHERE id = $1");
            self.execute_audited(query.bind(id), audit).await
        }

        /// Adds a member, with the audit rows (`room_members_pkey` conflict when already one).
        async fn add_member(
            &self,
            room_id: Id,
            user_id: Id,
            role: RoomRole,
            audit: &[AuditEntry],
        ) -> StoreResult<()> {
            let mut tx = self.begin().await?;
            Self::insert_member(&mut tx, room_id, user_id, role, crate::store::now()).await?;
            Self::commit_with_audit(tx, audit).await
        }

        /// One member, with cursors past everything they sent before the call.
        async fn get_member(&self, room_id: Id, user_id: Id) -> StoreResult<Option<MemberRow>> {
            let query = sqlx::query_as(concat!(
                member_select!(),
                "WHERE rm.room_id = $1 AND rm.user_id = $2"
            ));
            self.settle_sends().await?;
            Self::fetch_optional_row(self.reader(), query.bind(room_id).bind(user_id)).await
        }

        /// Members by join time, after an optional (joined_at, user id) cursor; their cursors are
        /// past everything they sent before the call.
        async fn list_members(
            &self,
            room_id: Id,
            after: Option<(DateTime<Utc>, Id)>,
            limit: i64,
        ) -> StoreResult<Vec<MemberRow>> {
            let (after_at, after_id) = after.unzip();
            let query = sqlx::query_as(concat!(
                member_select!(),
                "WHERE rm.room_id = $1 \
                   AND ($2 IS NULL OR rm.joined_at > $2 OR (rm.joined_at = $2 AND rm.user_id > $3)) \
                 ORDER BY rm.joined_at, rm.user_id LIMIT $4"
            ))
            .bind(room_id)
            .bind(after_at)
            .bind(after_id)
            .bind(limit);
            self.settle_sends().await?;
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// Changes a member's role, with the audit rows; false when not a member.
        async fn set_member_role(
            &self,
            room_id: Id,
            user_id: Id,
            role: RoomRole,
            audit: &[AuditEntry],
        ) -> StoreResult<bool> {
            let mut tx = self.begin().await?;
            let changed = Self::set_role_in(&mut tx, room_id, user_id, role).await?;
            Self::commit_audited(tx, changed, audit).await
        }

        /// Removes a member, with the audit rows; false when not a member.
        async fn remove_member(
            &self,
            room_id: Id,
            user_id: Id,
            audit: &[AuditEntry],
        ) -> StoreResult<bool> {
            let query = sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2");
            self.execute_audited(query.bind(room_id).bind(user_id), audit).await
        }

        /// How many members, and how many owners.
        async fn count_members(&self, room_id: Id) -> StoreResult<(i64, i64)> {
            let query = sqlx::query_as(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN role = 'owner' THEN 1 ELSE 0 END), 0) \
                 FROM room_members WHERE room_id = $1",
            );
            Self::fetch_one_row(self.reader(), query.bind(room_id)).await
        }

        /// Makes `to` the owner and `from` a moderator, with the audit rows, atomically.
        async fn transfer_ownership(
            &self,
            room_id: Id,
            from: Id,
            to: Id,
            audit: &[AuditEntry],
        ) -> StoreResult<()> {
            let mut tx = self.begin().await?;
            Self::set_role_in(&mut tx, room_id, to, RoomRole::Owner).await?;
            Self::set_role_in(&mut tx, room_id, from, RoomRole::Moderator).await?;
            Self::commit_with_audit(tx, audit).await
        }

        /// Moves the read cursor forward (never back, never past the room's last seq); returns
        /// the cursor now stored, or `None` when not a member.
        async fn mark_read(&self, room_id: Id, user_id: Id, seq: i64) -> StoreResult<Option<i64>> {
            let query = sqlx::query_scalar(concat!(
                "UPDATE room_members SET last_read_seq = ",
                greatest!(),
                "(last_read_seq, ",
                least!(),
                "($3, (SELECT last_seq FROM rooms WHERE id = $1))), last_delivered_seq = ",
                greatest!(),
                "(last_delivered_seq, ",
                least!(),
                "($3, (SELECT last_seq FROM rooms WHERE id = $1))) \
                 WHERE room_id = $1 AND user_id = $2 RETURNING last_read_seq"
            ));
            let query = query.bind(room_id).bind(user_id).bind(seq);
            Self::fetch_optional_value(self.writer(), query).await
        }

        /// Moves delivery cursors forward in one batch.
        async fn mark_delivered(&self, cursors: &[(Id, Id, i64)]) -> StoreResult<()> {
            self.write_delivery_cursors(cursors).await
        }
    }
}

impl_both! {
    impl {
        /// Inserts a room and its first members inside the caller's transaction.
        pub(super) async fn insert_room(conn: &mut Conn, room: &NewRoom) -> StoreResult<RoomRow> {
            let now = crate::store::now();
            let query = sqlx::query_as(concat!(
                insert_searchable!(
                    "rooms",
                    "id, slug, title, description, kind, department, tags, dm_key, created_by, \
                     created_at, updated_at",
                    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10"
                ),
                "RETURNING ",
                room_returning!()
            ))
            .bind(room.id)
            .bind(&room.slug)
            .bind(&room.title)
            .bind(&room.description)
            .bind(room.kind)
            .bind(&room.department)
            .bind(Json(&room.tags))
            .bind(&room.dm_key)
            .bind(room.created_by)
            .bind(now);
            let row = Self::fetch_one_row(&mut *conn, query).await?;
            for &(user_id, role) in &room.members {
                Self::insert_member(conn, room.id, user_id, role, now).await?;
            }
            Ok(row)
        }

        /// Makes `user_id` a member of the room inside the caller's transaction.
        async fn insert_member(
            conn: &mut Conn,
            room_id: Id,
            user_id: Id,
            role: RoomRole,
            joined_at: DateTime<Utc>,
        ) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO room_members (room_id, user_id, role, joined_at) \
                 VALUES ($1, $2, $3, $4)",
            );
            let query = query.bind(room_id).bind(user_id).bind(role).bind(joined_at);
            Self::execute(conn, query).await?;
            Ok(())
        }

        /// Changes a member's role inside the caller's transaction; false when not a member.
        async fn set_role_in(
            conn: &mut Conn,
            room_id: Id,
            user_id: Id,
            role: RoomRole,
        ) -> StoreResult<bool> {
            let query = sqlx::query(
                "UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2",
            );
            Ok(Self::execute(conn, query.bind(room_id).bind(user_id).bind(role)).await? > 0)
        }
    }
}
