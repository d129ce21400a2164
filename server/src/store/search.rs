//! Full-text search over messages and rooms, limited to what the viewer may read.

use chrono::{DateTime, Utc};

use super::{MessageRow, RoomRow, StoreResult};
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

/// Search.
#[async_trait::async_trait]
pub trait SearchStore: Send + Sync {
    /// Messages matching `query` in rooms `viewer` may read, best first.
    async fn search_messages(
        &self,
        viewer: &Viewer,
        query: &SearchQuery,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<MessageHit>>;
    /// Rooms whose title or description match, among rooms `viewer` may read.
    async fn search_rooms(
        &self,
        viewer: &Viewer,
        query: &SearchQuery,
        limit: i64,
    ) -> StoreResult<Vec<RoomRow>>;
    /// Messages in rooms `viewer` may read, newest first, before a (created_at, id) cursor,
    /// excluding the viewer's own.
    async fn activity(
        &self,
        viewer: &Viewer,
        before: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> StoreResult<Vec<MessageHit>>;
}
