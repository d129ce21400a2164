//! Helpdesk tickets: status and priority.

use super::id::text_enum;

text_enum! {
    /// Where a ticket is in its life.
    pub enum TicketStatus {
        /// Waiting for staff.
        Open => "open",
        /// Waiting for the customer or a third party.
        Pending => "pending",
        /// Solved; the customer may still reopen it by replying.
        Resolved => "resolved",
        /// Done for good.
        Closed => "closed",
    }
}

text_enum! {
    /// How urgent a ticket is.
    pub enum Priority {
        /// Whenever there is time.
        Low => "low",
        /// The default.
        Normal => "normal",
        /// Soon.
        High => "high",
        /// Now.
        Urgent => "urgent",
    }
}

impl TicketStatus {
    /// Open and pending tickets still need work.
    pub fn is_active(self) -> bool {
        matches!(self, TicketStatus::Open | TicketStatus::Pending)
    }
}
