//! Full-text search on SQLite (FTS5, bm25): the matching queries; binding and running them is
//! shared (`store/search.rs`).

use super::SqliteStore;
use crate::store::{
    SearchQuery,
    sql::{
        author_filter, message_columns, message_hit_joins, readable_by_viewer, room_columns,
        search_filters,
    },
};

impl SqliteStore {
    /// Messages matching the terms, best first (parameters as in `store/search.rs`).
    pub(crate) const MATCH_MESSAGES: &'static str = concat!(
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
    );

    /// Rooms whose title or description match the terms, best first.
    pub(crate) const MATCH_ROOMS: &'static str = concat!(
        "SELECT ",
        room_columns!(),
        " FROM rooms_fts JOIN rooms r ON r.search_id = rooms_fts.rowid \
         LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = $1 \
         LEFT JOIN tickets t ON t.room_id = r.id \
         WHERE rooms_fts MATCH $4 AND r.kind <> 'dm' AND ",
        readable_by_viewer!("$6"),
        " ORDER BY bm25(rooms_fts, 2.0, 1.0) LIMIT $5"
    );

    /// The FTS5 query to bind as `$4`: every word and phrase quoted (no operator syntax from
    /// users), all required; PostgreSQL builds the same query from the same terms.
    pub(crate) fn search_terms(query: &SearchQuery) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        query
            .words
            .iter()
            .chain(&query.phrases)
            .map(|term| quote(term))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
