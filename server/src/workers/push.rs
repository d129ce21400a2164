//! Sends queued pushes (`push.send` jobs): encrypts the payload for the subscription
//! (RFC 8291) and posts it to the push service with a VAPID `Authorization` (RFC 8292).
//! 404 and 410 mean the browser unsubscribed: the subscription is deleted and the job is done.
//! 429 and 5xx are retried with the jobs' backoff. Deactivated and banned users get nothing.

use std::time::Duration;

use super::Jobs;
use crate::{
    push::crypto,
    service::push::PushJob,
    store::{JobRow, PushSubscriptionRow},
};

/// How long a push service keeps a push for an offline browser: a mention older than a day
/// is read in the app, not from a notification.
const TTL_SECS: u64 = 86_400;

/// Sends one push (the jobs worker's handler for [`crate::service::push::KIND`]).
pub async fn deliver(jobs: &Jobs, job: &JobRow) -> Result<(), String> {
    let job: PushJob = serde_json::from_value(job.payload.0.clone())
        .map_err(|e| format!("unreadable push job: {e}"))?;
    let Some(vapid) = jobs.ctx.settings.web_push.clone() else {
        return Ok(()); // push was turned off since
    };
    let store = &jobs.ctx.store;
    let Some(sub) = store
        .get_push_subscription(job.subscription_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(()); // unsubscribed since
    };
    if !may_receive(jobs, &sub).await? {
        return Ok(());
    }
    let body = encrypt(&sub, &job)?;
    let authorization = vapid
        .authorization(&sub.endpoint)
        .ok_or("the endpoint is not an http(s) URL")?;
    let response = jobs
        .http
        .post(&sub.endpoint)
        .header("TTL", TTL_SECS.to_string())
        .header("Urgency", "high")
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("Authorization", authorization)
        .timeout(Duration::from_secs(15))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("push service unreachable: {}", e.without_url()))?;
    outcome(jobs, &sub, response.status()).await
}

fn encrypt(sub: &PushSubscriptionRow, job: &PushJob) -> Result<Vec<u8>, String> {
    let ua_public = crypto::parse_public(&sub.p256dh).map_err(|e| e.to_string())?;
    let auth = crypto::parse_auth(&sub.auth).map_err(|e| e.to_string())?;
    let payload = serde_json::to_vec(&job.payload).map_err(|e| e.to_string())?;
    crypto::encrypt(&ua_public, &auth, &payload).map_err(|e| e.to_string())
}

async fn outcome(
    jobs: &Jobs,
    sub: &PushSubscriptionRow,
    status: reqwest::StatusCode,
) -> Result<(), String> {
    let label = if status.is_success() {
        "sent"
    } else if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
        jobs.ctx
            .store
            .drop_push_subscription(sub.id)
            .await
            .map_err(|e| e.to_string())?;
        "gone"
    } else {
        "failed"
    };
    metrics::counter!("switchboard_push_total", "outcome" => label).increment(1);
    match label {
        "failed" if status.as_u16() == 429 || status.is_server_error() => {
            Err(format!("push service answered {status}; will retry"))
        }
        "failed" => {
            // A 4xx other than these means the request itself is wrong: retrying cannot help.
            tracing::warn!(status = %status, subscription = %sub.id, "push refused");
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Deactivated and banned accounts get nothing.
async fn may_receive(jobs: &Jobs, sub: &PushSubscriptionRow) -> Result<bool, String> {
    let store = &jobs.ctx.store;
    let Some(user) = store
        .get_user(sub.user_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(false);
    };
    if user.deactivated_at.is_some() {
        return Ok(false);
    }
    let banned = store
        .get_ban(user.id)
        .await
        .map_err(|e| e.to_string())?
        .is_some_and(|ban| ban.is_active(crate::store::now()));
    Ok(!banned)
}
