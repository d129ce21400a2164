//! The send on PostgreSQL: one statement, serialised per room by the room row's lock.

use super::{PgStore, err};
use crate::store::{
    InsertOutcome, MessageRow, NewMessage, StoreError, StoreResult,
    sql::{message_returning, message_select},
};

impl PgStore {
    /// Stores a send with the room's next seq (see [`crate::store::MessageStore::insert_message`]).
    pub(crate) async fn store_message(&self, message: NewMessage) -> StoreResult<InsertOutcome> {
        // One statement, one round trip: `FOR UPDATE` locks the room row, so senders to one
        // room take turns and each reads the last seq its predecessor committed; the
        // `messages_after_insert` trigger advances the room, the author's cursors and the
        // thread's reply count in the same transaction. A lost client-id race inserts nothing,
        // so the trigger does not run and no seq is consumed.
        let inserted: Option<MessageRow> = sqlx::query_as(concat!(
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
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        match inserted {
            Some(row) => Ok(InsertOutcome::Created(row)),
            None => match self.message_by_client_id(&message).await? {
                Some(existing) => Ok(InsertOutcome::Existing(existing)),
                None => Err(StoreError::ForeignKey("messages_room_id_fkey".into())),
            },
        }
    }

    /// The message an author already sent with this client id, if any.
    async fn message_by_client_id(&self, message: &NewMessage) -> StoreResult<Option<MessageRow>> {
        sqlx::query_as(concat!(
            message_select!(),
            "WHERE m.author_id = $1 AND m.client_id = $2"
        ))
        .bind(message.author_id)
        .bind(&message.client_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }
}
