//! Sends on SQLite, stored in group commits (see [`crate::store::group_commit`]): one
//! writer task on the single writer connection, one statement per batch.
//!
//! Every statement is a round trip to the connection's thread, so a batch is one `INSERT`
//! over the batch as a JSON array. If that statement fails (a send whose author or thread root
//! is gone), nothing of it is stored and the batch is stored again one insert per send in one
//! transaction, where a failed insert is rolled back alone (SQLite's default conflict
//! resolution), so one bad send does not fail the others.

use std::{collections::HashMap, sync::Arc};

use chrono::SecondsFormat;
use serde_json::json;
use sqlx::{SqliteConnection, SqlitePool};

use super::{SqliteStore, err};
use crate::{
    domain::Id,
    store::{
        InsertOutcome, MessageRow, NewMessage, StoreError, StoreResult,
        group_commit::GroupCommit,
        sql::{message_returning, message_select},
    },
};

/// The `search_id` messages are numbered after: the highest stored, or the highest the
/// full-text index has held if that is higher (the newest messages were deleted since), so
/// that an id is never taken again below the index's progress (see `deferred.rs`).
macro_rules! next_search_id {
    () => {
        "MAX((SELECT COALESCE(MAX(search_id), 0) FROM messages), \
             (SELECT indexed_to FROM search_progress WHERE name = 'messages'))"
    };
}

impl SqliteStore {
    /// Stores a send in a group commit with the sends queued meanwhile.
    pub(crate) async fn store_message(&self, message: NewMessage) -> StoreResult<InsertOutcome> {
        let outcome = self.sends.insert(message).await;
        if let Ok(InsertOutcome::Created(_)) = outcome {
            self.deferred.stored();
        }
        outcome
    }

    /// Does now what the sends stored before the call left for the background pass (their
    /// full-text index entries, their authors' cursors; see `deferred.rs`), so that a search
    /// finds everything sent before it and a sender's cursors are past what they sent.
    pub(crate) async fn settle_sends(&self) -> StoreResult<()> {
        self.deferred.catch_up().await.map(|_| ()).map_err(err)
    }
}

/// The batch function of [`GroupCommit`] on the one-connection write pool.
pub(super) fn group_commit(writer: SqlitePool) -> GroupCommit {
    GroupCommit::start(Arc::new(move |messages| {
        let writer = writer.clone();
        Box::pin(async move { store_batch(&writer, &messages).await })
    }))
}

/// One transaction for `messages`; the outcome of each, in order. If the transaction fails,
/// nothing of it is stored and every send gets the error (their clients resend).
async fn store_batch(
    writer: &SqlitePool,
    messages: &[NewMessage],
) -> Vec<StoreResult<InsertOutcome>> {
    match try_store_batch(writer, messages).await {
        Ok(outcomes) => outcomes,
        Err(e) => {
            let cause = e.to_string();
            tracing::warn!(error = %cause, sends = messages.len(), "a batch of sends failed");
            messages
                .iter()
                .map(|_| Err(StoreError::Unavailable(cause.clone())))
                .collect()
        }
    }
}

async fn try_store_batch(
    writer: &SqlitePool,
    messages: &[NewMessage],
) -> Result<Vec<StoreResult<InsertOutcome>>, sqlx::Error> {
    let mut conn = writer.acquire().await?;
    if let [message] = messages {
        // Alone: the statement is its own transaction.
        return Ok(vec![insert_one(&mut conn, message).await]);
    }
    match insert_together(&mut conn, messages).await {
        Ok(outcomes) => return Ok(outcomes),
        Err(e) => {
            tracing::debug!(error = %e, sends = messages.len(), "a batch of sends is stored one by one");
        }
    }
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let mut outcomes = Vec::with_capacity(messages.len());
    for message in messages {
        outcomes.push(insert_one(&mut tx, message).await);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Inserts a batch with one statement (its own transaction): client ids already stored or
/// repeated in the batch are left out, each room's new sends take the seqs after its last in
/// queue order, and the `messages_after_insert` trigger advances the rooms and the threads'
/// reply counts row by row in that order (the authors' cursors follow in the background pass of
/// `deferred.rs`). The CTEs are materialised, so the
/// seqs are computed before the trigger moves any room. Without `ON CONFLICT`, a conflict
/// fails the whole statement rather than leave a hole in a room's seqs (it cannot happen: this
/// connection is the only writer). Sends not inserted are answered with the message stored for
/// their client id, if any.
async fn insert_together(
    conn: &mut SqliteConnection,
    messages: &[NewMessage],
) -> StoreResult<Vec<StoreResult<InsertOutcome>>> {
    let input: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "room": m.room_id,
                "author": m.author_id,
                "client": m.client_id,
                "body": m.body,
                "parent": m.parent_id,
                // As sqlx binds a time, so stored times compare alike.
                "at": m.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, false),
            })
        })
        .collect();
    let input = serde_json::Value::Array(input).to_string();
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "WITH input AS MATERIALIZED ( \
           SELECT j.key AS ord, j.value ->> 'id' AS id, j.value ->> 'room' AS room_id, \
                  j.value ->> 'author' AS author_id, j.value ->> 'client' AS client_id, \
                  j.value ->> 'body' AS body, j.value ->> 'parent' AS parent_id, \
                  j.value ->> 'at' AS created_at \
           FROM json_each($1) j), \
         fresh AS MATERIALIZED ( \
           SELECT i.*, row_number() OVER (PARTITION BY i.author_id, i.client_id ORDER BY i.ord) \
                  AS nth \
           FROM input i \
           WHERE NOT EXISTS (SELECT 1 FROM messages m \
                             WHERE m.author_id = i.author_id AND m.client_id = i.client_id)), \
         numbered AS MATERIALIZED ( \
           SELECT f.*, r.last_seq + row_number() OVER (PARTITION BY f.room_id ORDER BY f.ord) \
                  AS seq, \
                  ",
        next_search_id!(),
        " + row_number() OVER (ORDER BY f.ord) AS search_id \
           FROM fresh f JOIN rooms r ON r.id = f.room_id WHERE f.nth = 1) \
         INSERT INTO messages (id, room_id, seq, author_id, client_id, body, parent_id, \
                               created_at, search_id) \
         SELECT id, room_id, seq, author_id, client_id, body, parent_id, created_at, search_id \
         FROM numbered WHERE true ORDER BY ord",
        message_returning!()
    ))
    .bind(input)
    .fetch_all(&mut *conn)
    .await
    .map_err(err)?;
    let mut created: HashMap<(Id, String), MessageRow> = rows
        .into_iter()
        .map(|row| ((row.author_id, row.client_id.clone()), row))
        .collect();
    let mut outcomes = Vec::with_capacity(messages.len());
    for message in messages {
        let outcome = match created.remove(&(message.author_id, message.client_id.clone())) {
            Some(row) => Ok(InsertOutcome::Created(row)),
            None => stored_for(conn, message).await,
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// The message already stored for a send's client id; a send without one had no room to go to.
async fn stored_for(
    conn: &mut SqliteConnection,
    message: &NewMessage,
) -> StoreResult<InsertOutcome> {
    let existing: Option<MessageRow> = sqlx::query_as(concat!(
        message_select!(),
        "WHERE m.author_id = $1 AND m.client_id = $2"
    ))
    .bind(message.author_id)
    .bind(&message.client_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(err)?;
    existing
        .map(InsertOutcome::Existing)
        .ok_or_else(|| StoreError::ForeignKey("messages_room_id_fkey".into()))
}

/// Inserts one message: the seq is the room's last + 1, read inside the statement, and the
/// `messages_after_insert` trigger advances the room and the thread's reply count (the
/// author's cursors follow in the background pass). A lost client-id race inserts nothing, so the trigger does not run and no seq
/// is consumed; the message already stored for that client id is read on the same connection
/// (it may be earlier in this very transaction).
async fn insert_one(
    conn: &mut SqliteConnection,
    message: &NewMessage,
) -> StoreResult<InsertOutcome> {
    let inserted: Option<MessageRow> = sqlx::query_as(concat!(
        "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, parent_id, \
         created_at, search_id) \
         SELECT $1, r.id, r.last_seq + 1, $3, $4, $5, $6, $7, \
         ",
        next_search_id!(),
        " + 1 \
         FROM rooms r WHERE r.id = $2 \
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
    .await
    .map_err(err)?;
    match inserted {
        Some(row) => Ok(InsertOutcome::Created(row)),
        None => stored_for(conn, message).await,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{
        domain::{room::RoomKind, user::Role},
        service::testing::TestCtx,
        store::RoomStore,
    };

    /// The one-statement batch itself (not its one-by-one fallback): new sends take the next
    /// seqs in order, a client id repeated in the batch or already stored gets the stored
    /// message, a send to no room fails alone.
    #[tokio::test]
    async fn a_batch_is_stored_by_one_statement() -> anyhow::Result<()> {
        let t = TestCtx::new().await?;
        let author = t.user(Role::Staff).await?;
        let room = t.room(&author, RoomKind::Public).await?;
        let store = SqliteStore::connect(&t.database_url(), 2, Duration::from_secs(1))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let send = |room_id: Id, client_id: &str| NewMessage {
            id: Id::new(),
            room_id,
            author_id: author.id(),
            client_id: client_id.to_owned(),
            body: format!("text of {client_id}"),
            parent_id: None,
            created_at: crate::store::now(),
        };
        let mut conn = store.writer().acquire().await?;
        let stored = insert_one(&mut conn, &send(room, "earlier")).await?;
        let batch = [
            send(room, "a"),
            send(room, "b"),
            send(room, "a"),
            send(Id::new(), "nowhere"),
            send(room, "earlier"),
            send(room, "c"),
        ];
        let outcomes = insert_together(&mut conn, &batch).await?;
        let created = |i: usize| match &outcomes[i] {
            Ok(InsertOutcome::Created(row)) => Some((row.seq, row.id, row.client_id.clone())),
            _ => None,
        };
        assert_eq!(created(0), Some((2, batch[0].id, "a".into())));
        assert_eq!(created(1), Some((3, batch[1].id, "b".into())));
        assert_eq!(created(5), Some((4, batch[5].id, "c".into())));
        assert!(matches!(&outcomes[2], Ok(InsertOutcome::Existing(row)) if row.id == batch[0].id));
        assert!(matches!(&outcomes[3], Err(StoreError::ForeignKey(_))));
        let earlier = match stored {
            InsertOutcome::Created(row) => row.id,
            InsertOutcome::Existing(row) => anyhow::bail!("stored before: {row:?}"),
        };
        assert!(matches!(&outcomes[4], Ok(InsertOutcome::Existing(row)) if row.id == earlier));
        drop(conn);
        store.settle_sends().await?;
        let access = store
            .room_access(room, author.id())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no room"))?;
        assert_eq!(access.room.last_seq, 4);
        assert_eq!(
            access.last_read_seq, 4,
            "the author has read their own sends"
        );
        Ok(())
    }
}
