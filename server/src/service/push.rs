//! Web Push: the server's public key, a device's subscription, and the subscriber that turns
//! each stored notification into one durable `push.send` job per subscription of its owner
//! (`workers::push` encrypts and sends; nothing slow runs here).

use serde::{Deserialize, Serialize};

use super::{Actor, Ctx, events::Event};
use crate::{
    domain::{Id, notify},
    error::{AppError, AppResult, Code},
    push::crypto,
    store::{NewJob, PushSubscriptionRow},
    views::NotificationView,
};

/// The jobs kind of a push to one subscription.
pub const KIND: &str = "push.send";

/// Longest accepted endpoint URL.
const MAX_ENDPOINT: usize = 2048;

/// The server's VAPID public key, for the browser's `applicationServerKey`.
pub fn public_key(ctx: &Ctx) -> AppResult<String> {
    ctx.settings
        .web_push
        .as_ref()
        .map(|vapid| vapid.public_key.clone())
        .ok_or_else(disabled)
}

fn disabled() -> AppError {
    AppError::new(
        Code::PushDisabled,
        "push notifications are not configured on this server",
    )
}

/// A browser's subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct NewSubscription {
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// The browser's keys.
    pub keys: SubscriptionKeys,
}

/// The browser's keys of a subscription (base64url).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct SubscriptionKeys {
    /// P-256 public key, 65 bytes.
    pub p256dh: String,
    /// Authentication secret, 16 bytes.
    pub auth: String,
}

/// Registers (or refreshes) the push subscription of the actor's current device. A follow-link
/// session (a customer following one ticket) gets no push.
pub async fn subscribe(ctx: &Ctx, actor: &Actor, sub: NewSubscription) -> AppResult<()> {
    if ctx.settings.web_push.is_none() {
        return Err(disabled());
    }
    let session_id = match (actor.session_id, actor.scope) {
        (Some(session), None) => session,
        _ => return Err(AppError::forbidden("this session cannot receive push")),
    };
    check_endpoint(&sub.endpoint, ctx.settings.push_allow_http)?;
    crypto::parse_public(&sub.keys.p256dh).map_err(|_| {
        AppError::invalid(
            "keys.p256dh",
            "must be a P-256 public key (65 bytes, base64url)",
        )
    })?;
    crypto::parse_auth(&sub.keys.auth)
        .map_err(|_| AppError::invalid("keys.auth", "must be 16 bytes, base64url"))?;
    ctx.store
        .put_push_subscription(&PushSubscriptionRow {
            id: Id::new(),
            user_id: actor.id(),
            session_id,
            endpoint: sub.endpoint,
            p256dh: sub.keys.p256dh,
            auth: sub.keys.auth,
            created_at: crate::store::now(),
        })
        .await?;
    Ok(())
}

/// Push services are public HTTPS servers; plain HTTP only for the test suite's receiver.
fn check_endpoint(endpoint: &str, allow_http: bool) -> AppResult<()> {
    let problem = if endpoint.len() > MAX_ENDPOINT {
        Some("is too long")
    } else if crate::push::origin(endpoint).is_none()
        || endpoint.contains(char::is_whitespace)
        || endpoint.contains('@')
        || (endpoint.starts_with("http://") && !allow_http)
    {
        Some("must be an https URL")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(AppError::invalid("endpoint", problem)),
        None => Ok(()),
    }
}

/// Forgets the actor's subscription of `endpoint` (idempotent).
pub async fn unsubscribe(ctx: &Ctx, actor: &Actor, endpoint: &str) -> AppResult<()> {
    ctx.store
        .delete_push_subscription(actor.id(), endpoint)
        .await?;
    Ok(())
}

/// What a `push.send` job carries: the subscription, and the notification as the service
/// worker receives it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushJob {
    /// The subscription to send to.
    pub subscription_id: Id,
    /// The clear payload.
    pub payload: PushPayload,
}

/// The decrypted content of a push: enough for the service worker to show it and open it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PushPayload {
    /// The notification's id.
    pub id: Id,
    /// Why (`mention`, `dm`, `reply`, `ticket_assigned`).
    pub kind: String,
    /// Where.
    pub room_id: Id,
    /// The message, if any.
    pub message_id: Option<Id>,
    /// Its seq, to open it in context.
    pub seq: Option<i64>,
    /// The thread root, for a reply in a thread (absent from pushes queued before it existed).
    #[serde(default)]
    pub thread_id: Option<Id>,
    /// The notification's title.
    pub title: String,
    /// Its text.
    pub body: String,
}

impl PushPayload {
    /// The payload of a stored notification.
    pub fn of(n: &NotificationView) -> Self {
        let who = n.actor.as_ref().map_or("Someone", |a| a.name.as_str());
        let place = if n.room_title.is_empty() {
            String::new()
        } else {
            format!(" in {}", n.room_title)
        };
        let title = match n.kind.as_str() {
            "mention" => format!("{who} mentioned you{place}"),
            "dm" => format!("{who} sent you a message"),
            "reply" => format!("{who} replied in a thread{place}"),
            _ => format!("A ticket was assigned to you{place}"),
        };
        Self {
            id: n.id,
            kind: n.kind.as_str().to_owned(),
            room_id: n.room_id,
            message_id: n.message_id,
            seq: n.seq,
            thread_id: n.thread_id,
            title,
            body: n.excerpt.clone().unwrap_or_default(),
        }
    }
}

/// The subscriber: a stored notification becomes one job per subscription of its owner.
pub struct Pusher {
    ctx: Ctx,
}

impl Pusher {
    /// The subscriber over `ctx`.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    async fn enqueue(&self, n: &NotificationView) -> AppResult<()> {
        if self.ctx.settings.web_push.is_none() {
            return Ok(());
        }
        // Web Push is a browser notification: off with the person's browser-notification
        // preference, and not shown in their quiet hours (the bell keeps the notification).
        let prefs = self.ctx.store.preferences(n.owner).await?;
        if !prefs.browser_notifications
            || notify::in_quiet_hours(
                prefs.quiet_hours_start.as_deref(),
                prefs.quiet_hours_end.as_deref(),
                &prefs.timezone,
                crate::store::now(),
            )
        {
            return Ok(());
        }
        let payload = PushPayload::of(n);
        for sub in self.ctx.store.push_subscriptions_of(n.owner).await? {
            let job = PushJob {
                subscription_id: sub.id,
                payload: payload.clone(),
            };
            let job = NewJob {
                kind: KIND,
                dedupe_key: None,
                subject: Some(n.id.to_string()),
                payload: serde_json::to_value(&job).unwrap_or_default(),
                run_at: crate::store::now(),
            };
            self.ctx.store.enqueue_job(&job, &[]).await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl super::events::Subscriber for Pusher {
    async fn on_event(&self, event: &Event) {
        if let Event::NotificationCreated(n) = event
            && let Err(err) = self.enqueue(n).await
        {
            tracing::error!(error = %err, "push jobs could not be enqueued");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_endpoint;

    #[test]
    fn endpoints_must_be_https_unless_allowed() {
        assert!(check_endpoint("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
        assert!(check_endpoint("http://127.0.0.1:9/push", false).is_err());
        assert!(check_endpoint("http://127.0.0.1:9/push", true).is_ok());
        assert!(check_endpoint("https://user@evil.example/x", false).is_err());
        assert!(check_endpoint("javascript:alert(1)", true).is_err());
        assert!(check_endpoint(&format!("https://a.example/{}", "x".repeat(2100)), false).is_err());
    }
}
