//! Delivery cursors on SQLite.

use super::{SqliteStore, err};
use crate::domain::Id;
use crate::store::StoreResult;

impl SqliteStore {
    /// Moves delivery cursors forward in one statement for the whole batch (one turn of the
    /// single writer, not one per cursor): the cursors travel as one JSON array of
    /// [room, user, seq].
    pub(crate) async fn write_delivery_cursors(
        &self,
        cursors: &[(Id, Id, i64)],
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE room_members SET last_delivered_seq = v.seq \
             FROM (SELECT json_extract(value, '$[0]') AS room_id, \
                          json_extract(value, '$[1]') AS user_id, \
                          json_extract(value, '$[2]') AS seq FROM json_each($1)) AS v \
             WHERE room_members.room_id = v.room_id AND room_members.user_id = v.user_id \
             AND room_members.last_delivered_seq < v.seq",
        )
        .bind(Self::list(cursors)?)
        .execute(self.writer())
        .await
        .map_err(err)?;
        Ok(())
    }
}
