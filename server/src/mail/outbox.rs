//! The mail outbox: messages are queued as durable jobs (kind `mail.send`) naming a template
//! and the people it is about; `workers::mail` renders and sends them. A template that needs a
//! link creates its single-use token then (an earlier unused token of the same purpose is
//! dropped), so a retry never reuses a token and no raw token is ever stored.

use serde::{Deserialize, Serialize};

use crate::{
    domain::Id,
    store::{AuditEntry, NewJob, Store, StoreResult},
};

/// The jobs kind of outgoing mail.
pub const KIND: &str = "mail.send";

/// How long an address verification link works.
pub const VERIFY_TTL_HOURS: i64 = 24;
/// How long a password reset link works.
pub const RESET_TTL_MINUTES: i64 = 30;
/// How long an invitation works.
pub const INVITE_TTL_DAYS: i64 = 7;

/// A message to send, by template.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Template {
    /// Confirm a self-registered address.
    VerifyEmail {
        /// The new account.
        user_id: Id,
    },
    /// A password reset link.
    PasswordReset {
        /// The account.
        user_id: Id,
        /// Asked for by an admin rather than the user.
        by_admin: bool,
    },
    /// An invitation to set a password and join.
    Invite {
        /// The invited account.
        user_id: Id,
        /// The admin's name.
        inviter: String,
    },
    /// A link to follow a ticket, sent to its requester's address.
    TicketFollow {
        /// The requester.
        user_id: Id,
        /// The ticket.
        ticket_id: Id,
    },
    /// Mentions and DMs left unread, in one message (queued by `workers::digest`, which has
    /// marked them e-mailed already).
    NotificationDigest {
        /// The person.
        user_id: Id,
        /// The notifications, oldest first.
        notification_ids: Vec<Id>,
    },
}

impl Template {
    /// The template's name, in metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "verify_email",
            Self::PasswordReset { .. } => "password_reset",
            Self::Invite { .. } => "invite",
            Self::TicketFollow { .. } => "ticket_follow",
            Self::NotificationDigest { .. } => "notification_digest",
        }
    }

    /// Who the message goes to.
    pub fn user_id(&self) -> Id {
        match self {
            Self::VerifyEmail { user_id }
            | Self::PasswordReset { user_id, .. }
            | Self::Invite { user_id, .. }
            | Self::TicketFollow { user_id, .. }
            | Self::NotificationDigest { user_id, .. } => *user_id,
        }
    }

    /// One pending message per template and person (and ticket): asking again while one
    /// waits does not send two.
    fn dedupe_key(&self) -> String {
        match self {
            Self::TicketFollow { user_id, ticket_id } => {
                format!("mail:ticket_follow:{user_id}:{ticket_id}")
            }
            other => format!("mail:{}:{}", other.name(), other.user_id()),
        }
    }
}

/// Queues a message; the jobs worker sends it.
pub async fn queue(store: &dyn Store, template: Template) -> StoreResult<()> {
    queue_audited(store, template, &[]).await
}

/// Queues a message with the audit rows that record asking for it, in one transaction.
pub async fn queue_audited(
    store: &dyn Store,
    template: Template,
    audit: &[AuditEntry],
) -> StoreResult<()> {
    let payload = serde_json::to_value(&template).unwrap_or_default();
    let job = NewJob {
        kind: KIND,
        dedupe_key: Some(template.dedupe_key()),
        subject: Some(template.user_id().to_string()),
        payload,
        run_at: crate::store::now(),
    };
    store.enqueue_job(&job, audit).await?;
    metrics::counter!("switchboard_mail_queued_total", "template" => template.name()).increment(1);
    Ok(())
}
