//! Helpdesk tickets: one per `ticket` room, with requester, assignee, status and timings.
//! One query set for both databases.

use chrono::{DateTime, Utc};

use super::{
    AuditEntry, NewRoom, StoreResult,
    both::impl_both,
    sql::{readable_by_viewer, set_or_keep, ticket_counts, ticket_filters, ticket_select},
};
use crate::domain::{
    Id,
    policy::Viewer,
    room::RoomRole,
    ticket::{Priority, TicketStatus},
};

/// A ticket with its people's names.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketRow {
    /// The ticket room's id.
    pub id: Id,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: TicketStatus,
    /// Priority.
    pub priority: Priority,
    /// Department.
    pub department: Option<String>,
    /// The customer.
    pub requester_id: Id,
    /// Their name.
    pub requester_name: String,
    /// Their e-mail.
    pub requester_email: String,
    /// The staff member working it.
    pub assignee_id: Option<Id>,
    /// Their name.
    pub assignee_name: Option<String>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First staff reply after the customer.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Resolved (cleared on reopen).
    pub resolved_at: Option<DateTime<Utc>>,
    /// The ticket room's newest seq.
    pub last_seq: i64,
    /// False while the requester has not proven they own the address (a support form sent
    /// with the address of an existing account).
    pub requester_verified: bool,
    /// The name typed on the support form, when it opened the ticket.
    pub submitted_name: Option<String>,
}

/// A ticket to open: its room (kind `ticket`, requester as member) and its fields.
#[derive(Clone, Debug)]
pub struct NewTicket {
    /// The room.
    pub room: NewRoom,
    /// Subject.
    pub subject: String,
    /// The customer.
    pub requester_id: Id,
    /// Initial assignee.
    pub assignee_id: Option<Id>,
    /// Priority.
    pub priority: Priority,
    /// Whether the requester is proven to own their address.
    pub requester_verified: bool,
    /// The name typed on the support form.
    pub submitted_name: Option<String>,
}

/// Changes to a ticket; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct TicketPatch {
    /// New status.
    pub status: Option<TicketStatus>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee_id: Option<Option<Id>>,
    /// New department (`Some(None)` = everyone).
    pub department: Option<Option<String>>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New resolution time (`Some(None)` clears it).
    pub resolved_at: Option<Option<DateTime<Utc>>>,
}

/// Who is assigned, for the queue filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Nobody yet.
    Unassigned,
    /// This user.
    User(Id),
}

/// Queue filters; every list is also limited to tickets the viewer may read.
#[derive(Clone, Debug, Default)]
pub struct TicketFilter {
    /// Status.
    pub status: Option<TicketStatus>,
    /// Department.
    pub department: Option<String>,
    /// Assignee.
    pub assignee: Option<AssigneeFilter>,
    /// Priority.
    pub priority: Option<Priority>,
    /// Requester (a customer's own tickets).
    pub requester: Option<Id>,
    /// Tickets older than this (created_at, id) cursor.
    pub before: Option<(DateTime<Utc>, Id)>,
    /// Page size.
    pub limit: i64,
}

/// Per-assignee counts for staff analytics.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssigneeCounts {
    /// The assignee.
    pub assignee_id: Id,
    /// Open tickets.
    pub open: i64,
    /// Pending tickets.
    pub pending: i64,
    /// Resolved since the window start.
    pub resolved: i64,
}

/// Per-department counts for staff analytics.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DepartmentCounts {
    /// Department (`None` = unrouted).
    pub department: Option<String>,
    /// Open tickets.
    pub open: i64,
    /// Pending tickets.
    pub pending: i64,
    /// Resolved since the window start.
    pub resolved: i64,
}

/// One ticket's timings, for medians.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketTimes {
    /// Assignee.
    pub assignee_id: Option<Id>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// First response.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl_both! {
    /// Tickets.
    pub trait TicketStore {
        /// Opens a ticket: its room, memberships and ticket row in one transaction.
        async fn create_ticket(
            &self,
            ticket: &NewTicket,
            audit: &[AuditEntry],
        ) -> StoreResult<TicketRow> {
            let now = crate::store::now();
            let mut tx = self.begin().await?;
            Self::insert_room(&mut tx, &ticket.room).await?;
            let query = sqlx::query(
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
            .bind(&ticket.submitted_name);
            Self::execute(&mut *tx, query).await?;
            Self::commit_with_audit(tx, audit).await?;
            self.get_ticket(ticket.room.id)
                .await?
                .ok_or_else(|| Self::db_err(sqlx::Error::RowNotFound))
        }

        /// A ticket.
        async fn get_ticket(&self, id: Id) -> StoreResult<Option<TicketRow>> {
            // `$1` is the (unused here) viewer of the shared select: no user has a room's id.
            let query = sqlx::query_as(concat!(ticket_select!(), "WHERE t.room_id = $1"));
            Self::fetch_optional_row(self.reader(), query.bind(id)).await
        }

        /// The queue, newest first, limited to tickets `viewer` may read.
        async fn list_tickets(
            &self,
            viewer: &Viewer,
            filter: &TicketFilter,
        ) -> StoreResult<Vec<TicketRow>> {
            let (before_at, before_id) = filter.before.unzip();
            let (unassigned, assignee) = match filter.assignee {
                Some(AssigneeFilter::Unassigned) => (true, None),
                Some(AssigneeFilter::User(id)) => (false, Some(id)),
                None => (false, None),
            };
            let sql =
                concat!(ticket_select!(), "WHERE ", readable_by_viewer!("$13"), ticket_filters!());
            let query = Self::query_as_viewer(sql, viewer)
                .bind(filter.status)
                .bind(&filter.department)
                .bind(unassigned)
                .bind(assignee)
                .bind(filter.priority)
                .bind(filter.requester)
                .bind(before_at)
                .bind(before_id)
                .bind(filter.limit)
                .bind(viewer.scope);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// Applies a patch (the room's department follows the ticket's).
        async fn update_ticket(
            &self,
            id: Id,
            patch: &TicketPatch,
            audit: &[AuditEntry],
        ) -> StoreResult<Option<TicketRow>> {
            let now = crate::store::now();
            let mut tx = self.begin().await?;
            let (set_assignee, assignee) = set_or_keep(&patch.assignee_id);
            let (set_department, department) = set_or_keep(&patch.department);
            let (set_resolved, resolved) = set_or_keep(&patch.resolved_at);
            // The last change never goes back in time (two changes racing for the row may
            // have read the clock the other way round): clients keep the newest by it.
            let query = sqlx::query(concat!(
                "UPDATE tickets SET status = COALESCE($2, status), \
                 assignee_id = CASE WHEN $3 THEN $4 ELSE assignee_id END, \
                 department = CASE WHEN $5 THEN $6 ELSE department END, \
                 priority = COALESCE($7, priority), \
                 resolved_at = CASE WHEN $8 THEN $9 ELSE resolved_at END, updated_at = ",
                greatest!(),
                "(updated_at, $10) WHERE room_id = $1",
            ))
            .bind(id)
            .bind(patch.status)
            .bind(set_assignee)
            .bind(assignee)
            .bind(set_department)
            .bind(&department)
            .bind(patch.priority)
            .bind(set_resolved)
            .bind(resolved)
            .bind(now);
            if Self::execute(&mut *tx, query).await? == 0 {
                return Ok(None);
            }
            if set_department {
                let query =
                    sqlx::query("UPDATE rooms SET department = $2, updated_at = $3 WHERE id = $1");
                Self::execute(&mut *tx, query.bind(id).bind(&department).bind(now)).await?;
            }
            if let Some(assignee) = assignee {
                // The assignee becomes a member: the ticket shows among their rooms, with unread
                // counts.
                let query = sqlx::query(
                    "INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                );
                let query = query.bind(id).bind(assignee).bind(RoomRole::Member).bind(now);
                Self::execute(&mut *tx, query).await?;
            }
            Self::commit_with_audit(tx, audit).await?;
            self.get_ticket(id).await
        }

        /// Records the first staff response, once; true when it was recorded now.
        async fn mark_first_response(&self, id: Id, at: DateTime<Utc>) -> StoreResult<bool> {
            let query = sqlx::query(concat!(
                "UPDATE tickets SET first_response_at = $2, updated_at = ",
                greatest!(),
                "(updated_at, $2) \
                 WHERE room_id = $1 AND first_response_at IS NULL \
                 AND EXISTS (SELECT 1 FROM messages m WHERE m.room_id = $1 AND m.author_id = tickets.requester_id)",
            ));
            Ok(Self::execute(self.writer(), query.bind(id).bind(at)).await? > 0)
        }

        /// Open, pending and recently resolved tickets per assignee.
        async fn assignee_counts(&self, since: DateTime<Utc>) -> StoreResult<Vec<AssigneeCounts>> {
            let query = sqlx::query_as(concat!(
                ticket_counts!("assignee_id"),
                " WHERE assignee_id IS NOT NULL GROUP BY assignee_id"
            ));
            Self::fetch_all_rows(self.reader(), query.bind(since)).await
        }

        /// The same per department.
        async fn department_counts(
            &self,
            since: DateTime<Utc>,
        ) -> StoreResult<Vec<DepartmentCounts>> {
            let query = sqlx::query_as(concat!(
                ticket_counts!("department"),
                " GROUP BY department ORDER BY department"
            ));
            Self::fetch_all_rows(self.reader(), query.bind(since)).await
        }

        /// Timings of tickets opened since `since`.
        async fn ticket_times(&self, since: DateTime<Utc>) -> StoreResult<Vec<TicketTimes>> {
            let query = sqlx::query_as(
                "SELECT assignee_id, created_at, first_response_at, resolved_at FROM tickets \
                 WHERE created_at >= $1 OR resolved_at >= $1",
            );
            Self::fetch_all_rows(self.reader(), query.bind(since)).await
        }
    }
}
