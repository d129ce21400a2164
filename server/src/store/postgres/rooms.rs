//! Delivery cursors on PostgreSQL.

use super::{PgStore, err};
use crate::domain::Id;
use crate::store::StoreResult;

impl PgStore {
    /// Moves delivery cursors forward in one statement for the whole batch; the caller sorts
    /// it, and a nested loop over the arrays locks rows in that order.
    pub(crate) async fn write_delivery_cursors(
        &self,
        cursors: &[(Id, Id, i64)],
    ) -> StoreResult<()> {
        let rooms: Vec<Id> = cursors.iter().map(|c| c.0).collect();
        let users: Vec<Id> = cursors.iter().map(|c| c.1).collect();
        let seqs: Vec<i64> = cursors.iter().map(|c| c.2).collect();
        sqlx::query(
            "UPDATE room_members m SET last_delivered_seq = v.seq \
             FROM unnest($1::uuid[], $2::uuid[], $3::int8[]) AS v (room_id, user_id, seq) \
             WHERE m.room_id = v.room_id AND m.user_id = v.user_id \
             AND m.last_delivered_seq < v.seq",
        )
        .bind(rooms)
        .bind(users)
        .bind(seqs)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }
}
