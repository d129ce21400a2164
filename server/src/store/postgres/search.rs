//! Full-text search on PostgreSQL (weighted tsvector, GIN, `ts_rank_cd`): the matching
//! queries; binding and running them is shared (`store/search.rs`).

use super::PgStore;
use crate::store::{
    SearchQuery,
    sql::{
        author_filter, message_columns, message_hit_joins, readable_by_viewer, room_columns,
        search_filters,
    },
};

/// The tsquery of the terms in `$4`, built term by term like the SQLite FTS5 query (every
/// term quoted, all required, no operator syntax from users): each term a `phraseto_tsquery`,
/// ANDed; a term of stop words only drops out. The parts are tsquery text that PostgreSQL
/// wrote itself, so joining them cannot make a syntax error.
macro_rules! terms_tsquery {
    () => {
        "(SELECT string_agg('(' || term::text || ')', ' & ')::tsquery \
          FROM (SELECT phraseto_tsquery('english', t) AS term FROM unnest($4::text[]) AS t) terms \
          WHERE numnode(term) > 0)"
    };
}

impl PgStore {
    /// Messages matching the terms, best first (parameters as in `store/search.rs`).
    pub(crate) const MATCH_MESSAGES: &'static str = concat!(
        "SELECT ",
        message_columns!(),
        ", r.slug AS room_slug, r.title AS room_title, r.kind AS room_kind, \
         ts_headline('english', m.body, q.query, \
           'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || \
           ', MaxWords=24, MinWords=8, MaxFragments=1, FragmentDelimiter=…') AS snippet, \
         ts_rank_cd(m.search, q.query)::float8 AS rank \
         FROM (SELECT ",
        terms_tsquery!(),
        " AS query) q CROSS JOIN messages m",
        message_hit_joins!(),
        "WHERE m.search @@ q.query AND ",
        readable_by_viewer!("$12"),
        search_filters!(),
        author_filter!(),
        "ORDER BY rank DESC, m.created_at DESC LIMIT $10 OFFSET $11"
    );

    /// Rooms whose title or description match the terms, best first.
    pub(crate) const MATCH_ROOMS: &'static str = concat!(
        "SELECT ",
        room_columns!(),
        " FROM (SELECT ",
        terms_tsquery!(),
        " AS query) q CROSS JOIN rooms r \
         LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = $1 \
         LEFT JOIN tickets t ON t.room_id = r.id \
         WHERE r.search @@ q.query AND r.kind <> 'dm' AND ",
        readable_by_viewer!("$6"),
        " ORDER BY ts_rank_cd(r.search, q.query) DESC, r.id LIMIT $5"
    );

    /// The terms to bind as `$4`: every word and phrase as parsed.
    pub(crate) fn search_terms(query: &SearchQuery) -> Vec<String> {
        query.words.iter().chain(&query.phrases).cloned().collect()
    }
}
