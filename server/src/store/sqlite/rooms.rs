//! Rooms and memberships on SQLite.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{SqliteStore, err};
use crate::domain::{Id, policy::Viewer, room::RoomRole};
use crate::store::{
    DiscoverFilter, MemberRow, NewRoom, RoomPatch, RoomRow, RoomStore, RoomWithMe, StoreResult,
    rooms::DiscoverSort,
    sql::{
        like_pattern, member_select, readable_by_viewer, room_columns, room_returning,
        room_with_me_select,
    },
};

/// Shared filter of the discover queries: `$1..$3` viewer, `$4` pattern, `$5` tag, `$8` scope.
macro_rules! discover_query {
    ($order:literal) => {
        concat!(
            room_with_me_select!(),
            "WHERE r.kind = 'public' AND ",
            readable_by_viewer!("$8"),
            " AND ($4 IS NULL OR r.title LIKE $4 ESCAPE '\\' OR r.slug LIKE $4 ESCAPE '\\' \
                  OR r.description LIKE $4 ESCAPE '\\') \
              AND ($5 IS NULL OR EXISTS (SELECT 1 FROM json_each(r.tags) WHERE value = $5)) \
             ORDER BY ",
            $order,
            " LIMIT $6 OFFSET $7"
        )
    };
}

#[async_trait::async_trait]
impl RoomStore for SqliteStore {
    async fn create_room(&self, room: &NewRoom) -> StoreResult<RoomRow> {
        let _timer = self.timer("create_room");
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(err)?;
        let row = insert_room(&mut tx, room).await.map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(row)
    }

    async fn get_room(&self, id: Id) -> StoreResult<Option<RoomRow>> {
        let _timer = self.timer("get_room");
        sqlx::query_as(concat!(
            "SELECT ",
            room_columns!(),
            " FROM rooms r WHERE r.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(err)
    }

    async fn get_room_by_slug(&self, slug: &str) -> StoreResult<Option<RoomRow>> {
        let _timer = self.timer("get_room_by_slug");
        sqlx::query_as(concat!(
            "SELECT ",
            room_columns!(),
            " FROM rooms r WHERE r.slug = $1"
        ))
        .bind(slug)
        .fetch_optional(&self.reader)
        .await
        .map_err(err)
    }

    async fn room_for(&self, room_id: Id, user_id: Id) -> StoreResult<Option<RoomWithMe>> {
        let _timer = self.timer("room_for");
        sqlx::query_as(concat!(room_with_me_select!(), "WHERE r.id = $2"))
            .bind(user_id)
            .bind(room_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(err)
    }

    async fn member_rooms(&self, user_id: Id) -> StoreResult<Vec<RoomWithMe>> {
        let _timer = self.timer("member_rooms");
        sqlx::query_as(concat!(
            room_with_me_select!(),
            "WHERE rm.user_id IS NOT NULL \
             ORDER BY COALESCE(r.last_message_at, r.created_at) DESC, r.id"
        ))
        .bind(user_id)
        .fetch_all(&self.reader)
        .await
        .map_err(err)
    }

    async fn discover_rooms(
        &self,
        viewer: &Viewer,
        filter: &DiscoverFilter,
    ) -> StoreResult<Vec<RoomWithMe>> {
        let _timer = self.timer("discover_rooms");
        let sql = match filter.sort {
            DiscoverSort::Active => discover_query!("r.last_message_at DESC NULLS LAST, r.id"),
            DiscoverSort::Name => discover_query!("r.title COLLATE NOCASE, r.id"),
            DiscoverSort::New => discover_query!("r.created_at DESC, r.id DESC"),
        };
        sqlx::query_as(sql)
            .bind(viewer.id)
            .bind(viewer.role)
            .bind(&viewer.department)
            .bind(filter.q.as_deref().map(like_pattern))
            .bind(&filter.tag)
            .bind(filter.limit)
            .bind(filter.offset)
            .bind(viewer.scope)
            .fetch_all(&self.reader)
            .await
            .map_err(err)
    }

    async fn member_room_ids(&self, user_id: Id) -> StoreResult<Vec<Id>> {
        let _timer = self.timer("member_room_ids");
        sqlx::query_scalar("SELECT room_id FROM room_members WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&self.reader)
            .await
            .map_err(err)
    }

    async fn find_dm(&self, dm_key: &str) -> StoreResult<Option<RoomRow>> {
        let _timer = self.timer("find_dm");
        sqlx::query_as(concat!(
            "SELECT ",
            room_columns!(),
            " FROM rooms r WHERE r.dm_key = $1"
        ))
        .bind(dm_key)
        .fetch_optional(&self.reader)
        .await
        .map_err(err)
    }

    async fn update_room(&self, id: Id, patch: &RoomPatch) -> StoreResult<Option<RoomRow>> {
        let _timer = self.timer("update_room");
        let (set_department, department) = match &patch.department {
            Some(d) => (true, d.clone()),
            None => (false, None),
        };
        sqlx::query_as(concat!(
            "UPDATE rooms SET title = COALESCE($2, title), description = COALESCE($3, description), \
             tags = COALESCE($4, tags), department = CASE WHEN $5 THEN $6 ELSE department END, \
             updated_at = $7 WHERE id = $1 \
             RETURNING ",
            room_returning!()
        ))
        .bind(id)
        .bind(&patch.title)
        .bind(&patch.description)
        .bind(patch.tags.as_ref().map(Json))
        .bind(set_department)
        .bind(department)
        .bind(crate::store::now())
        .fetch_optional(&self.writer)
        .await
        .map_err(err)
    }

    async fn delete_room(&self, id: Id) -> StoreResult<bool> {
        let _timer = self.timer("delete_room");
        let done = sqlx::query("DELETE FROM rooms WHERE id = $1")
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_member(&self, room_id: Id, user_id: Id, role: RoomRole) -> StoreResult<()> {
        let _timer = self.timer("add_member");
        sqlx::query(
            "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(room_id)
        .bind(user_id)
        .bind(role)
        .bind(crate::store::now())
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn get_member(&self, room_id: Id, user_id: Id) -> StoreResult<Option<MemberRow>> {
        let _timer = self.timer("get_member");
        sqlx::query_as(concat!(
            member_select!(),
            "WHERE rm.room_id = $1 AND rm.user_id = $2"
        ))
        .bind(room_id)
        .bind(user_id)
        .fetch_optional(&self.reader)
        .await
        .map_err(err)
    }

    async fn list_members(
        &self,
        room_id: Id,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StoreResult<Vec<MemberRow>> {
        let _timer = self.timer("list_members");
        let (after_at, after_id) = after.unzip();
        sqlx::query_as(concat!(
            member_select!(),
            "WHERE rm.room_id = $1 \
               AND ($2 IS NULL OR rm.joined_at > $2 OR (rm.joined_at = $2 AND rm.user_id > $3)) \
             ORDER BY rm.joined_at, rm.user_id LIMIT $4"
        ))
        .bind(room_id)
        .bind(after_at)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await
        .map_err(err)
    }

    async fn set_member_role(&self, room_id: Id, user_id: Id, role: RoomRole) -> StoreResult<bool> {
        let _timer = self.timer("set_member_role");
        let done =
            sqlx::query("UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2")
                .bind(room_id)
                .bind(user_id)
                .bind(role)
                .execute(&self.writer)
                .await
                .map_err(err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_member(&self, room_id: Id, user_id: Id) -> StoreResult<bool> {
        let _timer = self.timer("remove_member");
        let done = sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
            .bind(room_id)
            .bind(user_id)
            .execute(&self.writer)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn count_members(&self, room_id: Id) -> StoreResult<(i64, i64)> {
        let _timer = self.timer("count_members");
        sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN role = 'owner' THEN 1 ELSE 0 END), 0) \
             FROM room_members WHERE room_id = $1",
        )
        .bind(room_id)
        .fetch_one(&self.reader)
        .await
        .map_err(err)
    }

    async fn transfer_ownership(&self, room_id: Id, from: Id, to: Id) -> StoreResult<()> {
        let _timer = self.timer("transfer_ownership");
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(err)?;
        for (user_id, role) in [(to, RoomRole::Owner), (from, RoomRole::Moderator)] {
            sqlx::query("UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2")
                .bind(room_id)
                .bind(user_id)
                .bind(role)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    async fn mark_read(&self, room_id: Id, user_id: Id, seq: i64) -> StoreResult<Option<i64>> {
        let _timer = self.timer("mark_read");
        sqlx::query_scalar(
            "UPDATE room_members SET \
               last_read_seq = MAX(last_read_seq, MIN($3, (SELECT last_seq FROM rooms WHERE id = $1))), \
               last_delivered_seq = MAX(last_delivered_seq, MIN($3, (SELECT last_seq FROM rooms WHERE id = $1))) \
             WHERE room_id = $1 AND user_id = $2 RETURNING last_read_seq",
        )
        .bind(room_id)
        .bind(user_id)
        .bind(seq)
        .fetch_optional(&self.writer)
        .await
        .map_err(err)
    }

    async fn mark_delivered(&self, cursors: &[(Id, Id, i64)]) -> StoreResult<()> {
        let _timer = self.timer("mark_delivered");
        // One statement for the whole batch (one turn of the single writer, not one per
        // cursor): the cursors travel as one JSON array of [room, user, seq].
        let batch =
            serde_json::to_string(cursors).map_err(|e| err(sqlx::Error::Encode(e.into())))?;
        sqlx::query(
            "UPDATE room_members SET last_delivered_seq = v.seq \
             FROM (SELECT json_extract(value, '$[0]') AS room_id, \
                          json_extract(value, '$[1]') AS user_id, \
                          json_extract(value, '$[2]') AS seq FROM json_each($1)) AS v \
             WHERE room_members.room_id = v.room_id AND room_members.user_id = v.user_id \
             AND room_members.last_delivered_seq < v.seq",
        )
        .bind(batch)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(())
    }
}

/// Inserts a room and its first members inside the caller's transaction.
pub(super) async fn insert_room(
    conn: &mut sqlx::SqliteConnection,
    room: &NewRoom,
) -> Result<RoomRow, sqlx::Error> {
    let now = crate::store::now();
    let row: RoomRow = sqlx::query_as(concat!(
        "INSERT INTO rooms (id, slug, title, description, kind, department, tags, dm_key, \
         created_by, created_at, updated_at, search_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, \
           (SELECT COALESCE(MAX(search_id), 0) + 1 FROM rooms)) \
         RETURNING ",
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
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (user_id, role) in &room.members {
        sqlx::query(
            "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(room.id)
        .bind(user_id)
        .bind(role)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(row)
}
