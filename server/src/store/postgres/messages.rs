//! Messages and reactions on PostgreSQL.

use chrono::{DateTime, Utc};

use super::{PgStore, err};
use crate::domain::Id;
use crate::store::{
    InsertOutcome, MessageRow, MessageStore, NewMessage, Page, ReactionCount, StoreError,
    StoreResult,
    sql::{message_returning, message_select},
};

#[async_trait::async_trait]
impl MessageStore for PgStore {
    async fn insert_message(&self, message: NewMessage) -> StoreResult<InsertOutcome> {
        let _timer = self.timer("insert_message");
        // One statement, one round trip: `FOR UPDATE` locks the room row, so senders to one
        // room take turns and each reads the last seq its predecessor committed; the
        // `messages_after_insert` trigger advances the room, the author's cursors and the
        // thread's reply count in the same transaction. A lost client-id race inserts nothing,
        // so the trigger does not run and no seq is consumed.
        let inserted: Option<MessageRow> = sqlx::query_as(concat!(
            "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, parent_id, \
             created_at) \
             SELECT $1, r.id, r.last_seq + 1, $3, $4, $5, $6, $7 \
             FROM rooms r WHERE r.id = $2 FOR UPDATE \
             ON CONFLICT (author_id, client_id) DO NOTHING",
            message_returning!()
        ))
        .bind(message.id)
        .bind(message.room_id)
        .bind(message.author_id)
        .bind(&message.client_id)
        .bind(&message.body)
        .bind(message.parent_id)
        .bind(message.created_at)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        match inserted {
            Some(row) => Ok(InsertOutcome::Created(row)),
            None => match self.message_by_client_id(&message).await? {
                Some(existing) => Ok(InsertOutcome::Existing(existing)),
                None => Err(StoreError::ForeignKey("messages_room_id_fkey".into())),
            },
        }
    }

    async fn get_message(&self, id: Id) -> StoreResult<Option<MessageRow>> {
        let _timer = self.timer("get_message");
        sqlx::query_as(concat!(message_select!(), "WHERE m.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)
    }

    async fn list_messages(
        &self,
        room_id: Id,
        page: Page,
        limit: i64,
    ) -> StoreResult<Vec<MessageRow>> {
        let _timer = self.timer("list_messages");
        let query = match page {
            Page::Before(before) => sqlx::query_as(concat!(
                "SELECT * FROM (",
                message_select!(),
                "WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3) AS page ORDER BY seq"
            ))
            .bind(room_id)
            .bind(before.unwrap_or(i64::MAX)),
            Page::After(after) => sqlx::query_as(concat!(
                message_select!(),
                "WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"
            ))
            .bind(room_id)
            .bind(after),
        };
        query.bind(limit).fetch_all(&self.pool).await.map_err(err)
    }

    async fn thread_replies(&self, root_id: Id, limit: i64) -> StoreResult<Vec<MessageRow>> {
        let _timer = self.timer("thread_replies");
        sqlx::query_as(concat!(
            message_select!(),
            "WHERE m.parent_id = $1 ORDER BY m.seq LIMIT $2"
        ))
        .bind(root_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn edit_message(
        &self,
        id: Id,
        body: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<MessageRow>> {
        let _timer = self.timer("edit_message");
        let done = sqlx::query(
            "UPDATE messages SET body = $2, edited_at = $3 WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(body)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.get_message(id).await
    }

    async fn delete_message(
        &self,
        id: Id,
        by: Id,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<MessageRow>> {
        let _timer = self.timer("delete_message");
        let mut tx = self.pool.begin().await.map_err(err)?;
        sqlx::query(
            "UPDATE messages SET body = '', deleted_at = $3, deleted_by = $2 \
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(by)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        sqlx::query("DELETE FROM reactions WHERE message_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        self.get_message(id).await
    }

    async fn reactions_for(
        &self,
        message_ids: &[Id],
        viewer: Id,
    ) -> StoreResult<Vec<ReactionCount>> {
        if message_ids.is_empty() {
            return Ok(Vec::new());
        }
        let _timer = self.timer("reactions_for");
        sqlx::query_as(
            "SELECT message_id, emoji, COUNT(*) AS count, bool_or(user_id = $2) AS me \
             FROM reactions WHERE message_id = ANY($1) \
             GROUP BY message_id, emoji ORDER BY message_id, MIN(created_at), emoji",
        )
        .bind(message_ids)
        .bind(viewer)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }
}

impl PgStore {
    /// The message an author already sent with this client id, if any.
    async fn message_by_client_id(&self, message: &NewMessage) -> StoreResult<Option<MessageRow>> {
        sqlx::query_as(concat!(
            message_select!(),
            "WHERE m.author_id = $1 AND m.client_id = $2"
        ))
        .bind(message.author_id)
        .bind(&message.client_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }
}
