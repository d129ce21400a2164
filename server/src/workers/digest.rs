//! E-mail notifications: every `EMAIL_DIGEST_INTERVAL_SECS` the sweep finds people whose
//! mentions and DMs stayed unread past their delay (`emailDelayMinutes`), outside their quiet
//! hours, and queues one digest per person through the mail outbox. Each notification is
//! marked e-mailed in the transaction that queues its mail, so it is e-mailed once even when
//! two instances sweep at the same time or one crashes half-way; the mail itself is a durable
//! job, retried with backoff. Who may not get mail (deactivated, banned, e-mail off) is left
//! out by the sweep and checked again when the mail is sent.

use chrono::{DateTime, Duration, Utc};

use super::Jobs;
use crate::{
    domain::{Id, notify},
    mail::{
        Mail,
        outbox::{KIND as MAIL, Template},
        templates::{self, DigestItem, Recipient},
    },
    service::unsubscribe,
    store::UserRow,
};

/// People handled per sweep (the next sweep takes the rest).
const BATCH: i64 = 500;
/// The shortest delay a person may choose, in minutes (the sweep looks no further back).
const MIN_DELAY_MINUTES: i64 = 1;

/// Queues the digests due at `now`; how many were queued. Tests pass a `now` in the future
/// instead of waiting for the delay.
pub async fn sweep(jobs: &Jobs, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let store = &jobs.ctx.store;
    let before = now - Duration::minutes(MIN_DELAY_MINUTES);
    let mut queued = 0;
    for candidate in store.digest_candidates(before, now, BATCH).await? {
        let cutoff = now - Duration::minutes(candidate.email_delay_minutes.max(MIN_DELAY_MINUTES));
        if candidate.oldest > cutoff
            || notify::in_quiet_hours(
                candidate.quiet_hours_start.as_deref(),
                candidate.quiet_hours_end.as_deref(),
                &candidate.timezone,
                now,
            )
        {
            continue;
        }
        let user_id = candidate.user_id;
        let payload = |ids: Vec<Id>| {
            serde_json::to_value(Template::NotificationDigest {
                user_id,
                notification_ids: ids,
            })
            .unwrap_or_default()
        };
        let ids = store
            .claim_for_email(user_id, cutoff, MAIL, &payload)
            .await?;
        if !ids.is_empty() {
            queued += 1;
            metrics::counter!("switchboard_mail_queued_total", "template" => "notification_digest")
                .increment(1);
        }
    }
    Ok(queued)
}

/// Runs the sweep every `period` until aborted.
pub fn spawn(jobs: Jobs, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep(&jobs, crate::store::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(digests = n, "notification e-mails queued"),
                Err(err) => tracing::warn!(error = %err, "the notification e-mail sweep failed"),
            }
        }
    })
}

/// Renders a digest at send time from the notifications it names that are still unread;
/// `None` (dropped) when all were read meanwhile.
pub async fn render(
    jobs: &Jobs,
    user: &UserRow,
    notification_ids: &[Id],
) -> anyhow::Result<Option<Mail>> {
    let ctx = &jobs.ctx;
    if ctx.store.preferences(user.id).await?.email_notifications == "off" {
        return Ok(None);
    }
    let rows = ctx
        .store
        .notifications_by_ids(user.id, notification_ids)
        .await?;
    let base = &ctx.settings.public_url;
    let items: Vec<DigestItem> = rows
        .iter()
        .filter(|row| row.read_at.is_none())
        .map(|row| {
            let dm = row.room_kind == crate::domain::room::RoomKind::Dm;
            DigestItem {
                dm,
                room: if dm {
                    "direct message".to_owned()
                } else {
                    row.room_title.clone()
                },
                author: row
                    .actor_name
                    .clone()
                    .unwrap_or_else(|| "Someone".to_owned()),
                excerpt: row.body.clone(),
                link: match row.seq {
                    Some(seq) => format!("{base}/rooms/{}?seq={seq}", row.room_id),
                    None => format!("{base}/rooms/{}", row.room_id),
                },
            }
        })
        .collect();
    if items.is_empty() {
        return Ok(None);
    }
    let token = unsubscribe::token_for(ctx, user.id).await?;
    let to = Recipient {
        email: &user.email,
        name: &user.name,
    };
    Ok(Some(templates::notification_digest(
        &to,
        &items,
        &format!("{base}/account"),
        &format!("{base}/api/v1/unsubscribe?token={token}"),
    )))
}
