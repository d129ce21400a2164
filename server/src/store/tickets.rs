//! Helpdesk tickets: one per `ticket` room, with requester, assignee, status and timings.

use chrono::{DateTime, Utc};

use super::{NewRoom, StoreResult};
use crate::domain::{
    Id,
    policy::Viewer,
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

/// Tickets.
#[async_trait::async_trait]
pub trait TicketStore: Send + Sync {
    /// Opens a ticket: its room, memberships and ticket row in one transaction.
    async fn create_ticket(&self, ticket: &NewTicket) -> StoreResult<TicketRow>;
    /// A ticket.
    async fn get_ticket(&self, id: Id) -> StoreResult<Option<TicketRow>>;
    /// The queue, newest first, limited to tickets `viewer` may read.
    async fn list_tickets(
        &self,
        viewer: &Viewer,
        filter: &TicketFilter,
    ) -> StoreResult<Vec<TicketRow>>;
    /// Applies a patch (the room's department follows the ticket's).
    async fn update_ticket(&self, id: Id, patch: &TicketPatch) -> StoreResult<Option<TicketRow>>;
    /// Records the first staff response, once; true when it was recorded now.
    async fn mark_first_response(&self, id: Id, at: DateTime<Utc>) -> StoreResult<bool>;
    /// Open, pending and recently resolved tickets per assignee.
    async fn assignee_counts(&self, since: DateTime<Utc>) -> StoreResult<Vec<AssigneeCounts>>;
    /// The same per department.
    async fn department_counts(&self, since: DateTime<Utc>) -> StoreResult<Vec<DepartmentCounts>>;
    /// Timings of tickets opened since `since`.
    async fn ticket_times(&self, since: DateTime<Utc>) -> StoreResult<Vec<TicketTimes>>;
}
