//! Tickets on PostgreSQL.

use chrono::{DateTime, Utc};

use super::{PgStore, err, rooms::insert_room};
use crate::domain::{Id, policy::Viewer, room::RoomRole};
use crate::store::{
    StoreResult,
    sql::{readable_by_viewer, ticket_counts, ticket_filters, ticket_select},
    tickets::{
        AssigneeCounts, AssigneeFilter, DepartmentCounts, NewTicket, TicketFilter, TicketPatch,
        TicketRow, TicketStore, TicketTimes,
    },
};

#[async_trait::async_trait]
impl TicketStore for PgStore {
    async fn create_ticket(&self, ticket: &NewTicket) -> StoreResult<TicketRow> {
        let _timer = self.timer("create_ticket");
        let now = crate::store::now();
        let mut tx = self.pool.begin().await.map_err(err)?;
        insert_room(&mut tx, &ticket.room).await.map_err(err)?;
        sqlx::query(
            "INSERT INTO tickets (room_id, subject, requester_id, assignee_id, status, department, priority, \
             created_at, updated_at, requester_verified, submitted_name) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $7, $8, $9)",
        )
        .bind(ticket.room.id)
        .bind(&ticket.subject)
        .bind(ticket.requester_id)
        .bind(ticket.assignee_id)
        .bind(&ticket.room.department)
        .bind(ticket.priority)
        .bind(now)
        .bind(ticket.requester_verified)
        .bind(&ticket.submitted_name)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        self.get_ticket(ticket.room.id)
            .await?
            .ok_or_else(|| err(sqlx::Error::RowNotFound))
    }

    async fn get_ticket(&self, id: Id) -> StoreResult<Option<TicketRow>> {
        let _timer = self.timer("get_ticket");
        // `$1` is the (unused here) viewer of the shared select: no user has a room's id.
        sqlx::query_as(concat!(ticket_select!(), "WHERE t.room_id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)
    }

    async fn list_tickets(
        &self,
        viewer: &Viewer,
        filter: &TicketFilter,
    ) -> StoreResult<Vec<TicketRow>> {
        let _timer = self.timer("list_tickets");
        let (before_at, before_id) = filter.before.unzip();
        let (unassigned, assignee) = match filter.assignee {
            Some(AssigneeFilter::Unassigned) => (true, None),
            Some(AssigneeFilter::User(id)) => (false, Some(id)),
            None => (false, None),
        };
        sqlx::query_as(concat!(
            ticket_select!(),
            "WHERE ",
            readable_by_viewer!("$13"),
            ticket_filters!()
        ))
        .bind(viewer.id)
        .bind(viewer.role)
        .bind(&viewer.department)
        .bind(filter.status)
        .bind(&filter.department)
        .bind(unassigned)
        .bind(assignee)
        .bind(filter.priority)
        .bind(filter.requester)
        .bind(before_at)
        .bind(before_id)
        .bind(filter.limit)
        .bind(viewer.scope)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn update_ticket(&self, id: Id, patch: &TicketPatch) -> StoreResult<Option<TicketRow>> {
        let _timer = self.timer("update_ticket");
        let now = crate::store::now();
        let mut tx = self.pool.begin().await.map_err(err)?;
        let (set_assignee, assignee) = patch.assignee_id.map_or((false, None), |a| (true, a));
        let (set_department, department) = patch
            .department
            .clone()
            .map_or((false, None), |d| (true, d));
        let (set_resolved, resolved) = patch.resolved_at.map_or((false, None), |r| (true, r));
        let done = sqlx::query(
            "UPDATE tickets SET status = COALESCE($2, status), \
             assignee_id = CASE WHEN $3 THEN $4 ELSE assignee_id END, \
             department = CASE WHEN $5 THEN $6 ELSE department END, \
             priority = COALESCE($7, priority), \
             resolved_at = CASE WHEN $8 THEN $9 ELSE resolved_at END, updated_at = $10 \
             WHERE room_id = $1",
        )
        .bind(id)
        .bind(patch.status)
        .bind(set_assignee)
        .bind(assignee)
        .bind(set_department)
        .bind(&department)
        .bind(patch.priority)
        .bind(set_resolved)
        .bind(resolved)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        if set_department {
            sqlx::query("UPDATE rooms SET department = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(&department)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        if let Some(assignee) = assignee {
            // The assignee becomes a member: the ticket shows among their rooms, with unread counts.
            sqlx::query(
                "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(assignee)
            .bind(RoomRole::Member)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        self.get_ticket(id).await
    }

    async fn mark_first_response(&self, id: Id, at: DateTime<Utc>) -> StoreResult<bool> {
        let _timer = self.timer("mark_first_response");
        let done = sqlx::query(
            "UPDATE tickets SET first_response_at = $2, updated_at = $2 \
             WHERE room_id = $1 AND first_response_at IS NULL \
             AND EXISTS (SELECT 1 FROM messages m WHERE m.room_id = $1 AND m.author_id = tickets.requester_id)",
        )
        .bind(id)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn assignee_counts(&self, since: DateTime<Utc>) -> StoreResult<Vec<AssigneeCounts>> {
        let _timer = self.timer("assignee_counts");
        sqlx::query_as(concat!(
            ticket_counts!("assignee_id"),
            " WHERE assignee_id IS NOT NULL GROUP BY assignee_id"
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn department_counts(&self, since: DateTime<Utc>) -> StoreResult<Vec<DepartmentCounts>> {
        let _timer = self.timer("department_counts");
        sqlx::query_as(concat!(
            ticket_counts!("department"),
            " GROUP BY department ORDER BY department"
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn ticket_times(&self, since: DateTime<Utc>) -> StoreResult<Vec<TicketTimes>> {
        let _timer = self.timer("ticket_times");
        sqlx::query_as(
            "SELECT assignee_id, created_at, first_response_at, resolved_at FROM tickets \
             WHERE created_at >= $1 OR resolved_at >= $1",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }
}
