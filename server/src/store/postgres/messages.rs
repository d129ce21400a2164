//! Sends on PostgreSQL, stored in group commits (see [`crate::store::group_commit`]): sends
//! queued together are inserted by one statement in one transaction, serialised per room by the
//! room rows' locks.

use std::{collections::HashMap, sync::Arc};

use sqlx::{PgConnection, PgPool, Postgres, pool::PoolConnection};
use tokio::sync::Mutex;

use super::{PgStore, err};
use crate::{
    domain::Id,
    store::{
        InsertOutcome, MessageRow, NewMessage, StoreError, StoreResult,
        group_commit::GroupCommit,
        sql::{message_returning, message_select},
    },
};

// One writer, as on SQLite: a batch is one statement, so one writer's batches simply grow with
// the load, and fewer, bigger statements cost the database less than several writers' smaller
// ones committing side by side (durable sends on two cores, with each room's sends kept to one
// of several writers: 5,791-5,893/s with one, 5,030-5,063 with two, 4,687 with three; 8,067
// against 7,245 with 128 senders in 32 rooms).

impl PgStore {
    /// Stores a send in a group commit with the sends queued meanwhile.
    pub(crate) async fn store_message(&self, message: NewMessage) -> StoreResult<InsertOutcome> {
        self.sends.insert(message).await
    }

    /// Nothing of a send is left for later here: its statement writes the `tsvector` column
    /// (indexed with the row) and moves its author's cursors.
    pub(crate) async fn settle_sends(&self) -> StoreResult<()> {
        Ok(())
    }
}

/// The batch function of [`GroupCommit`] on the pool. The writer keeps one connection of the
/// pool between batches: taking it from the pool for every batch costs a round trip of its own
/// (the pool pings an idle connection before handing it out), one more per batch on the path
/// every send waits on (durable sends on PostgreSQL: 9,615-9,980/s kept, 6,279-6,545/s taken
/// per batch). A connection that fails is closed. A kept one may have died since its last
/// batch (the database restarted): its failure gets one more try on a fresh connection, so the
/// first sends after the database is back are stored, not refused. A pool of one connection
/// (`DATABASE_MAX_CONNECTIONS=1`) gets it back after every batch.
pub(super) fn group_commit(pool: PgPool) -> GroupCommit {
    let held: Arc<Mutex<Option<PoolConnection<Postgres>>>> = Arc::default();
    let keep = pool.options().get_max_connections() > 1;
    GroupCommit::start(Arc::new(move |messages| {
        let (pool, held) = (pool.clone(), Arc::clone(&held));
        Box::pin(async move {
            let mut held = held.lock().await;
            let mut outcomes = Vec::with_capacity(messages.len());
            let mut tries = if held.is_some() { 2 } else { 1 };
            loop {
                let rest = &messages[outcomes.len()..];
                let failure = match writer_connection(&pool, &mut held).await {
                    Ok(conn) => {
                        let (stored, failure) = store_batch(conn, rest).await;
                        outcomes.extend(stored);
                        failure
                    }
                    Err(e) => Some(e),
                };
                let Some(e) = failure else {
                    if !keep {
                        held.take();
                    }
                    return outcomes;
                };
                // Broken, or left in an unknown state: never back to the pool.
                if let Some(mut conn) = held.take() {
                    conn.close_on_drop();
                }
                tries -= 1;
                if tries == 0 {
                    let cause = e.to_string();
                    let rest = messages.len() - outcomes.len();
                    tracing::warn!(error = %cause, sends = rest, "sends could not be stored");
                    outcomes.extend((0..rest).map(|_| Err(StoreError::Unavailable(cause.clone()))));
                    return outcomes;
                }
            }
        })
    }))
}

/// The writer's connection: the one it keeps, or else a fresh one from the pool.
async fn writer_connection<'a>(
    pool: &PgPool,
    held: &'a mut Option<PoolConnection<Postgres>>,
) -> Result<&'a mut PoolConnection<Postgres>, sqlx::Error> {
    let conn = match held.take() {
        Some(kept) => kept,
        None => pool.acquire().await?,
    };
    Ok(held.insert(conn))
}

/// The outcome of each send, in order, up to a failure of the connection (the sends from there
/// on have none). A batch is one statement, its own transaction. If the database refuses it (a
/// send raced one with the same client id elsewhere, or one send cannot be stored), nothing of
/// it is stored and the sends are stored one by one, each with its own outcome (a lost race
/// consumes no seq).
async fn store_batch(
    conn: &mut PgConnection,
    messages: &[NewMessage],
) -> (Vec<StoreResult<InsertOutcome>>, Option<sqlx::Error>) {
    if messages.len() > 1 {
        match insert_batch(conn, messages).await {
            Ok(outcomes) => return (outcomes, None),
            Err(e) if refused(&e) => {
                tracing::debug!(error = %e, sends = messages.len(), "a batch of sends is stored one by one");
            }
            Err(e) => return (Vec::new(), Some(e)),
        }
    }
    let mut outcomes = Vec::with_capacity(messages.len());
    for message in messages {
        match insert_one(conn, message).await {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) => return (outcomes, Some(e)),
        }
    }
    (outcomes, None)
}

/// Whether the database refused the statement, rather than the connection failing (which a
/// server shutting down or restarting reports as an error of its own, class `08` or `57P`).
fn refused(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => !db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

/// A statement's result with the database's refusals as the send's own outcome; a failure of
/// the connection stays an error.
fn refusal<T>(result: Result<T, sqlx::Error>) -> Result<StoreResult<T>, sqlx::Error> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) if refused(&e) => Ok(Err(err(e))),
        Err(e) => Err(e),
    }
}

/// Inserts a batch with one statement, one round trip and its own transaction: the rooms' rows
/// are locked (in id order, so batches cannot deadlock), client ids already stored (or repeated
/// in the batch) are left out, and each room's new sends take the seqs after its last, in queue
/// order. The `messages_after_insert` trigger advances the rooms, the authors' cursors and the
/// threads' reply counts. Without `ON CONFLICT`, a conflict the statement could not see (a send
/// with the same client id committed meanwhile) fails the whole statement instead of leaving a
/// hole in a room's seqs.
///
/// Stored client ids are looked up one index probe per send (a scalar subquery with `LIMIT 1`)
/// rather than with `NOT EXISTS`: the prepared statement's generic plan, made while the table
/// was small, turned the anti-join into a hash of the whole `messages` table, and each batch
/// then read every message (19 ms a batch after a minute of sends in the benchmark).
async fn insert_batch(
    conn: &mut PgConnection,
    messages: &[NewMessage],
) -> Result<Vec<StoreResult<InsertOutcome>>, sqlx::Error> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "WITH input AS ( \
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], \
                                $6::uuid[], $7::timestamptz[]) \
             WITH ORDINALITY AS i(id, room_id, author_id, client_id, body, parent_id, \
                                  created_at, ord)), \
         locked AS ( \
           SELECT r.id, r.last_seq FROM rooms r \
           WHERE r.id IN (SELECT room_id FROM input) ORDER BY r.id FOR UPDATE), \
         fresh AS ( \
           SELECT DISTINCT ON (i.author_id, i.client_id) i.* FROM input i \
           WHERE (SELECT m.id FROM messages m \
                  WHERE m.author_id = i.author_id AND m.client_id = i.client_id LIMIT 1) IS NULL \
           ORDER BY i.author_id, i.client_id, i.ord), \
         numbered AS ( \
           SELECT f.*, l.last_seq + row_number() OVER (PARTITION BY f.room_id ORDER BY f.ord) \
                  AS seq \
           FROM fresh f JOIN locked l ON l.id = f.room_id) \
         INSERT INTO messages (id, room_id, seq, author_id, client_id, body, parent_id, \
                               created_at) \
         SELECT id, room_id, seq, author_id, client_id, body, parent_id, created_at \
         FROM numbered ORDER BY room_id, seq",
        message_returning!()
    ))
    .bind(messages.iter().map(|m| m.id).collect::<Vec<Id>>())
    .bind(messages.iter().map(|m| m.room_id).collect::<Vec<Id>>())
    .bind(messages.iter().map(|m| m.author_id).collect::<Vec<Id>>())
    .bind(
        messages
            .iter()
            .map(|m| m.client_id.as_str())
            .collect::<Vec<&str>>(),
    )
    .bind(
        messages
            .iter()
            .map(|m| m.body.as_str())
            .collect::<Vec<&str>>(),
    )
    .bind(
        messages
            .iter()
            .map(|m| m.parent_id)
            .collect::<Vec<Option<Id>>>(),
    )
    .bind(messages.iter().map(|m| m.created_at).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let mut created: HashMap<Id, MessageRow> = rows.into_iter().map(|row| (row.id, row)).collect();
    // The sends not inserted: already stored (now or before), or for a room that is gone.
    let others: Vec<&NewMessage> = messages
        .iter()
        .filter(|m| !created.contains_key(&m.id))
        .collect();
    let existing = if others.is_empty() {
        Vec::new()
    } else {
        existing_rows(conn, &others).await?
    };
    Ok(messages
        .iter()
        .map(|m| match created.remove(&m.id) {
            Some(row) => Ok(InsertOutcome::Created(row)),
            None => existing
                .iter()
                .find(|row| row.author_id == m.author_id && row.client_id == m.client_id)
                .cloned()
                .map(InsertOutcome::Existing)
                .ok_or_else(|| StoreError::ForeignKey("messages_room_id_fkey".into())),
        })
        .collect())
}

/// The stored messages of these sends' (author, client id) pairs.
async fn existing_rows(
    conn: &mut PgConnection,
    sends: &[&NewMessage],
) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        message_select!(),
        "WHERE (m.author_id, m.client_id) IN \
           (SELECT * FROM unnest($1::uuid[], $2::text[]))"
    ))
    .bind(sends.iter().map(|m| m.author_id).collect::<Vec<Id>>())
    .bind(
        sends
            .iter()
            .map(|m| m.client_id.as_str())
            .collect::<Vec<&str>>(),
    )
    .fetch_all(conn)
    .await
}

/// Stores one send with one statement, its own transaction: `FOR UPDATE` locks the room row,
/// so senders to one room take turns and each reads the last seq its predecessor committed. A
/// lost client-id race inserts nothing, so the trigger does not run and no seq is consumed.
async fn insert_one(
    conn: &mut PgConnection,
    message: &NewMessage,
) -> Result<StoreResult<InsertOutcome>, sqlx::Error> {
    let inserted = refusal(
        sqlx::query_as::<_, MessageRow>(concat!(
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
        .fetch_optional(&mut *conn)
        .await,
    )?;
    match inserted {
        Ok(Some(row)) => return Ok(Ok(InsertOutcome::Created(row))),
        Ok(None) => {}
        Err(refused) => return Ok(Err(refused)),
    }
    let existing = refusal(
        sqlx::query_as::<_, MessageRow>(concat!(
            message_select!(),
            "WHERE m.author_id = $1 AND m.client_id = $2"
        ))
        .bind(message.author_id)
        .bind(&message.client_id)
        .fetch_optional(conn)
        .await,
    )?;
    Ok(existing.and_then(|row| {
        row.map(InsertOutcome::Existing)
            .ok_or_else(|| StoreError::ForeignKey("messages_room_id_fkey".into()))
    }))
}
