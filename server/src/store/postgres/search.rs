//! Search and the activity feed on PostgreSQL (weighted tsvector, GIN, `ts_rank_cd`).

use chrono::{DateTime, Utc};

use super::{PgStore, err};
use crate::domain::{Id, policy::Viewer};
use crate::store::{
    MessageHit, RoomRow, SearchQuery, SearchStore, StoreResult,
    sql::{
        like_pattern, message_columns, message_hit_joins, readable_by_viewer, room_columns,
        search_filters,
    },
};

/// The terms of the tsquery: every word and phrase as parsed.
fn terms(query: &SearchQuery) -> Vec<String> {
    query.words.iter().chain(&query.phrases).cloned().collect()
}

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

/// The `from:` filter (`$5`): the author's name, and for team viewers (`$2`) the e-mail
/// address too; customers may not see staff addresses, so they cannot match on them.
macro_rules! author_filter {
    () => {
        " AND ($5 IS NULL OR u.name ILIKE $5 OR ($2 <> 'customer' AND u.email ILIKE $5)) "
    };
}

#[async_trait::async_trait]
impl SearchStore for PgStore {
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
        ))
        .bind(viewer.id)
        .bind(viewer.role)
        .bind(&viewer.department)
        .bind(terms(query))
        .bind(query.from.as_deref().map(like_pattern))
        .bind(&query.room_slug)
        .bind(query.before)
        .bind(query.after)
        .bind(query.has_thread)
        .bind(limit)
        .bind(offset)
        .bind(viewer.scope)
        .fetch_all(&self.pool)
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
            " FROM (SELECT ",
            terms_tsquery!(),
            " AS query) q CROSS JOIN rooms r \
             LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = $1 \
             LEFT JOIN tickets t ON t.room_id = r.id \
             WHERE r.search @@ q.query AND r.kind <> 'dm' AND ",
            readable_by_viewer!("$6"),
            " ORDER BY ts_rank_cd(r.search, q.query) DESC, r.id LIMIT $5"
        ))
        .bind(viewer.id)
        .bind(viewer.role)
        .bind(&viewer.department)
        .bind(terms(query))
        .bind(limit)
        .bind(viewer.scope)
        .fetch_all(&self.pool)
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
            ", r.slug AS room_slug, r.title AS room_title, r.kind AS room_kind, '' AS snippet, 0.0::float8 AS rank \
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
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }
}

impl PgStore {
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
             substr(m.body, 1, 200) AS snippet, 0.0::float8 AS rank, $4::bigint AS unused FROM messages m",
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
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }
}
