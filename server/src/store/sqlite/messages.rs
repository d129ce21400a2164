//! Messages and reactions on SQLite.

use chrono::{DateTime, Utc};

use super::{SqliteStore, err};
use crate::domain::Id;
use crate::store::{
    InsertOutcome, MessageRow, MessageStore, NewMessage, Page, ReactionCount, StoreResult,
    sql::message_select,
};

#[async_trait::async_trait]
impl MessageStore for SqliteStore {
    async fn insert_message(&self, message: NewMessage) -> StoreResult<InsertOutcome> {
        let _timer = self.timer("insert_message");
        // Group commit with the sends queued meanwhile: see `sends.rs`.
        self.sends.insert(message).await
    }

    async fn get_message(&self, id: Id) -> StoreResult<Option<MessageRow>> {
        let _timer = self.timer("get_message");
        sqlx::query_as(concat!(message_select!(), "WHERE m.id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
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
        query.bind(limit).fetch_all(&self.reader).await.map_err(err)
    }

    async fn thread_replies(&self, root_id: Id, limit: i64) -> StoreResult<Vec<MessageRow>> {
        let _timer = self.timer("thread_replies");
        sqlx::query_as(concat!(
            message_select!(),
            "WHERE m.parent_id = $1 ORDER BY m.seq LIMIT $2"
        ))
        .bind(root_id)
        .bind(limit)
        .fetch_all(&self.reader)
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
        .execute(&self.writer)
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
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(err)?;
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
        let ids =
            serde_json::to_string(message_ids).map_err(|e| err(sqlx::Error::Encode(e.into())))?;
        sqlx::query_as(
            "SELECT message_id, emoji, COUNT(*) AS count, MAX(user_id = $2) AS me \
             FROM reactions WHERE message_id IN (SELECT value FROM json_each($1)) \
             GROUP BY message_id, emoji ORDER BY message_id, MIN(created_at), emoji",
        )
        .bind(ids)
        .bind(viewer)
        .fetch_all(&self.reader)
        .await
        .map_err(err)
    }
}
