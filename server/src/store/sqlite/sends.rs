//! Sends on SQLite, stored in group commits (see [`crate::store::group_commit`]): one
//! writer task on the single writer connection, one `BEGIN IMMEDIATE` ... `COMMIT` per batch.
//!
//! Each insert is still its own statement with its own outcome: a failed statement is rolled
//! back alone (SQLite's default conflict resolution), so one bad send does not fail the others.

use std::sync::Arc;

use sqlx::{SqliteConnection, SqlitePool};

use super::{SqliteStore, err};
use crate::store::{
    InsertOutcome, MessageRow, NewMessage, StoreError, StoreResult,
    group_commit::GroupCommit,
    sql::{message_returning, message_select},
};

impl SqliteStore {
    /// Stores a send in a group commit with the sends queued meanwhile.
    pub(crate) async fn store_message(&self, message: NewMessage) -> StoreResult<InsertOutcome> {
        self.sends.insert(message).await
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
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let mut outcomes = Vec::with_capacity(messages.len());
    for message in messages {
        outcomes.push(insert_one(&mut tx, message).await);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Inserts one message: the seq is the room's last + 1, read inside the statement, and the
/// `messages_after_insert` trigger advances the room, the author's cursors and the thread's
/// reply count. A lost client-id race inserts nothing, so the trigger does not run and no seq
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
         (SELECT COALESCE(MAX(search_id), 0) + 1 FROM messages) \
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
    if let Some(row) = inserted {
        return Ok(InsertOutcome::Created(row));
    }
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
