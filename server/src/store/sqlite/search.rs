//! Search and the activity feed on SQLite (FTS5, bm25).

use chrono::{DateTime, Utc};

use super::{SqliteStore, err};
use crate::domain::{Id, policy::Viewer};
use crate::store::{
    MessageHit, RoomRow, SearchQuery, SearchStore, StoreResult,
    sql::{
        like_pattern, message_columns, message_hit_joins, readable_by_viewer, room_columns,
        search_filters,
    },
};

/// An FTS5 query: every word and phrase quoted (no operator syntax from users), all required.
/// The PostgreSQL backend builds the same query from the same terms.
fn fts_query(query: &SearchQuery) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    query
        .words
        .iter()
        .chain(&query.phrases)
        .map(|term| quote(term))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `from:` filter (`$5`): the author's name, and for team viewers (`$2`) the e-mail
/// address too; customers may not see staff addresses, so they cannot match on them.
macro_rules! author_filter {
    () => {
        " AND ($5 IS NULL OR u.name LIKE $5 ESCAPE '\\' \
              OR ($2 <> 'customer' AND u.email LIKE $5 ESCAPE '\\')) "
    };
}

#[async_trait::async_trait]
impl SearchStore for SqliteStore {
    async fn search_messages(
        &self,
        viewer: &Viewer,
        query: &SearchQuery,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<MessageHit>> {
        let _timer = self.timer("search_messages");
        if !query.has_terms() {
            return self.browse_messages(viewer, query, offset, limit).await;
        }
        sqlx::query_as(concat!(
            "SELECT ",
            message_columns!(),
            ", r.slug AS room_slug, r.title AS room_title, r.kind AS room_kind, \
             snippet(messages_fts, 0, char(57344), char(57345), '…', 16) AS snippet, \
             -bm25(messages_fts) AS rank \
             FROM messages_fts JOIN messages m ON m.search_id = messages_fts.rowid",
            message_hit_joins!(),
            "WHERE messages_fts MATCH $4 AND ",
            readable_by_viewer!("$12"),
            search_filters!(),
            author_filter!(),
            "ORDER BY rank DESC, m.created_at DESC LIMIT $10 OFFSET $11"
        ))
        .bind(viewer.id)
        .bind(viewer.role)
        .bind(&viewer.department)
        .bind(fts_query(query))
        .bind(query.from.as_deref().map(like_pattern))
        .bind(&query.room_slug)
        .bind(query.before)
        .bind(query.after)
        .bind(query.has_thread)
        .bind(limit)
        .bind(offset)
        .bind(viewer.scope)
        .fetch_all(&self.reader)
        .await
        .map_err(err)
    }

    async fn search_rooms(
        &self,
        viewer: &Viewer,
        query: &SearchQuery,
        limit: i64,
    ) -> StoreResult<Vec<RoomRow>> {
        let _timer = self.timer("search_rooms");
        sqlx::query_as(concat!(
            "SELECT ",
            room_columns!(),
            " FROM rooms_fts JOIN rooms r ON r.search_id = rooms_fts.rowid \
             LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = $1 \
             LEFT JOIN tickets t ON t.room_id = r.id \
             WHERE rooms_fts MATCH $4 AND r.kind <> 'dm' AND ",
            readable_by_viewer!("$6"),
            " ORDER BY bm25(rooms_fts, 2.0, 1.0) LIMIT $5"
        ))
        .bind(viewer.id)
        .bind(viewer.role)
        .bind(&viewer.department)
        .bind(fts_query(query))
        .bind(limit)
        .bind(viewer.scope)
        .fetch_all(&self.reader)
        .await
        .map_err(err)
    }

    async fn activity(
        &self,
        viewer: &Viewer,
        before: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StoreResult<Vec<MessageHit>> {
        let _timer = self.timer("activity");
        let (before_at, before_id) = before.unzip();
        sqlx::query_as(concat!(
            "SELECT ",
            message_columns!(),
            ", r.slug AS room_slug, r.title AS room_title, r.kind AS room_kind, '' AS snippet, 0.0 AS rank \
             FROM messages m",
            message_hit_joins!(),
            "WHERE ",
            readable_by_viewer!("$7"),
            " AND m.author_id <> $1 AND m.deleted_at IS NULL \
              AND ($4 IS NULL OR m.created_at < $4 OR (m.created_at = $4 AND m.id < $5)) \
             ORDER BY m.created_at DESC, m.id DESC LIMIT $6"
        ))
        .bind(viewer.id)
        .bind(viewer.role)
        .bind(&viewer.department)
        .bind(before_at)
        .bind(before_id)
        .bind(limit)
        .bind(viewer.scope)
        .fetch_all(&self.reader)
        .await
        .map_err(err)
    }
}

impl SqliteStore {
    /// A search with filters but no words: matching messages, newest first.
    async fn browse_messages(
        &self,
        viewer: &Viewer,
        query: &SearchQuery,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<MessageHit>> {
        sqlx::query_as(concat!(
            "SELECT ",
            message_columns!(),
            ", r.slug AS room_slug, r.title AS room_title, r.kind AS room_kind, \
             substr(m.body, 1, 200) AS snippet, 0.0 AS rank, $4 AS unused FROM messages m",
            message_hit_joins!(),
            "WHERE ",
            readable_by_viewer!("$12"),
            search_filters!(),
            author_filter!(),
            "ORDER BY m.created_at DESC, m.id DESC LIMIT $10 OFFSET $11"
        ))
        .bind(viewer.id)
        .bind(viewer.role)
        .bind(&viewer.department)
        .bind(0_i64)
        .bind(query.from.as_deref().map(like_pattern))
        .bind(&query.room_slug)
        .bind(query.before)
        .bind(query.after)
        .bind(query.has_thread)
        .bind(limit)
        .bind(offset)
        .bind(viewer.scope)
        .fetch_all(&self.reader)
        .await
        .map_err(err)
    }
}
