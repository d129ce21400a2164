//! Full-text search over messages and rooms, limited to what the viewer may read. The
//! matching itself is each backend's (`sqlite/search.rs`, `postgres/search.rs`); the rest is
//! one query set for both databases.

use chrono::{DateTime, Utc};

use super::{
    MessageRow, RoomRow, StoreResult,
    both::impl_both,
    sql::{
        author_filter, like_pattern, message_columns, message_hit_joins, readable_by_viewer,
        search_filters,
    },
};
use crate::domain::{Id, policy::Viewer, room::RoomKind};

/// A parsed search: words and phrases plus filters.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// Words (stemmed by the database).
    pub words: Vec<String>,
    /// Exact phrases.
    pub phrases: Vec<String>,
    /// `from:` an author (part of a name or e-mail address).
    pub from: Option<String>,
    /// `in:` a room slug.
    pub room_slug: Option<String>,
    /// `before:` a date (exclusive).
    pub before: Option<DateTime<Utc>>,
    /// `after:` a date (inclusive).
    pub after: Option<DateTime<Utc>>,
    /// `has:thread`: only thread roots with replies, and replies.
    pub has_thread: bool,
}

impl SearchQuery {
    /// True when there is something to match.
    pub fn has_terms(&self) -> bool {
        !self.words.is_empty() || !self.phrases.is_empty()
    }
}

/// A matching message.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageHit {
    /// The message.
    #[sqlx(flatten)]
    pub message: MessageRow,
    /// Its room's slug.
    pub room_slug: String,
    /// Its room's title.
    pub room_title: String,
    /// Its room's kind.
    pub room_kind: RoomKind,
    /// The matching passage, with matches between U+E000 and U+E001.
    pub snippet: String,
    /// Relevance (higher is better).
    pub rank: f64,
}

/// Markers around matches in snippets (private-use characters, never in user text after
/// the service strips them).
pub const MATCH_START: char = '\u{E000}';
/// End of a match.
pub const MATCH_END: char = '\u{E001}';

/// A search with filters but no words: matching messages, newest first. It takes the
/// parameters of the backends' `MATCH_MESSAGES`: `$1..$3` the viewer, `$4` the terms (none
/// here, but bound so that the rest keep their numbers), `$5..$9` the filters, `$10` limit,
/// `$11` offset, `$12` the viewer's ticket scope.
const BROWSE_MESSAGES: &str = concat!(
    "SELECT ",
    message_columns!(),
    ", r.slug AS room_slug, r.title AS room_title, r.kind AS room_kind, \
     substr(m.body, 1, 200) AS snippet, CAST(0 AS DOUBLE PRECISION) AS rank, \
     $4 IS NULL AS unused FROM messages m",
    message_hit_joins!(),
    "WHERE ",
    readable_by_viewer!("$12"),
    search_filters!(),
    author_filter!(),
    "ORDER BY m.created_at DESC, m.id DESC LIMIT $10 OFFSET $11"
);

impl_both! {
    /// Search.
    pub trait SearchStore {
        /// Messages matching `query` in rooms `viewer` may read, best first.
        async fn search_messages(
            &self,
            viewer: &Viewer,
            query: &SearchQuery,
            offset: i64,
            limit: i64,
        ) -> StoreResult<Vec<MessageHit>> {
            let (sql, terms) = if query.has_terms() {
                self.settle_sends().await?;
                (Self::MATCH_MESSAGES, Some(Self::search_terms(query)))
            } else {
                (BROWSE_MESSAGES, None)
            };
            let select = Self::query_as_viewer(sql, viewer)
                .bind(terms)
                .bind(query.from.as_deref().map(like_pattern))
                .bind(&query.room_slug)
                .bind(query.before)
                .bind(query.after)
                .bind(query.has_thread)
                .bind(limit)
                .bind(offset)
                .bind(viewer.scope);
            Self::fetch_all_rows(self.reader(), select).await
        }

        /// Rooms whose title or description match, among rooms `viewer` may read.
        async fn search_rooms(
            &self,
            viewer: &Viewer,
            query: &SearchQuery,
            limit: i64,
        ) -> StoreResult<Vec<RoomRow>> {
            let select = Self::query_as_viewer(Self::MATCH_ROOMS, viewer)
                .bind(Self::search_terms(query))
                .bind(limit)
                .bind(viewer.scope);
            Self::fetch_all_rows(self.reader(), select).await
        }

        /// Messages in rooms `viewer` may read, newest first, before a (created_at, id) cursor,
        /// excluding the viewer's own.
        async fn activity(
            &self,
            viewer: &Viewer,
            before: Option<(DateTime<Utc>, Id)>,
            limit: i64,
        ) -> StoreResult<Vec<MessageHit>> {
            let sql = concat!(
                "SELECT ",
                message_columns!(),
                ", r.slug AS room_slug, r.title AS room_title, r.kind AS room_kind, \
                 '' AS snippet, CAST(0 AS DOUBLE PRECISION) AS rank FROM messages m",
                message_hit_joins!(),
                "WHERE ",
                readable_by_viewer!("$7"),
                " AND m.author_id <> $1 AND m.deleted_at IS NULL \
                  AND ($4 IS NULL OR m.created_at < $4 OR (m.created_at = $4 AND m.id < $5)) \
                 ORDER BY m.created_at DESC, m.id DESC LIMIT $6"
            );
            let query = Self::query_page_as_viewer(sql, viewer, before, limit);
            Self::fetch_all_rows(self.reader(), query).await
        }
    }
}
