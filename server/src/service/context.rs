//! What every use case may use, and nothing more: persistence, quotas, password hashing, the
//! settings that shape behaviour, the event port, and who is online.

use std::{collections::HashSet, sync::Arc};

use super::{events::Events, passwords::Passwords};
use crate::{
    config::{Config, RegistrationMode},
    domain::Id,
    ratelimit::RateLimits,
    store::DynStore,
};

/// The context of the use cases; cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    /// Persistence.
    pub store: DynStore,
    /// Quotas per action and key.
    pub limits: RateLimits,
    /// Password hashing (off the async runtime).
    pub passwords: Passwords,
    /// The settings use cases read.
    pub settings: Arc<Settings>,
    /// Where use cases publish what happened.
    pub events: Arc<dyn Events>,
    /// Who is connected right now (for member lists and `@here`).
    pub presence: Arc<dyn OnlineUsers>,
    /// Where uploaded files live.
    pub storage: crate::storage::DynStorage,
    /// The room access of recent senders (cleared by [`super::access_cache::ForgetOnChange`]
    /// on the event bus).
    pub access: Arc<super::access_cache::AccessCache>,
}

/// Asks who of some users is online anywhere in the cluster.
#[async_trait::async_trait]
pub trait OnlineUsers: Send + Sync {
    /// The subset of `users` with a live socket on any instance.
    async fn online_among(&self, users: Vec<Id>) -> HashSet<Id>;
}

/// Nobody is online (tests of use cases, and tools without sockets).
pub struct NobodyOnline;

#[async_trait::async_trait]
impl OnlineUsers for NobodyOnline {
    async fn online_among(&self, _users: Vec<Id>) -> HashSet<Id> {
        HashSet::new()
    }
}

/// The settings that shape what use cases do.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where users reach the server (links in mails and answers).
    pub public_url: String,
    /// Departments users, rooms and tickets may belong to.
    pub departments: Vec<String>,
    /// How long an author may edit a message.
    pub edit_window: chrono::Duration,
    /// Session lifetime (sliding).
    pub session_ttl: chrono::Duration,
    /// Who may register.
    pub registration_mode: RegistrationMode,
    /// How long a ticket's follow link works.
    pub follow_link_ttl: chrono::Duration,
    /// The server's Web Push identity; `None` = push is off.
    pub web_push: Option<std::sync::Arc<crate::push::Vapid>>,
    /// Push endpoints may be plain `http://` (the test suite's local receiver); never in
    /// production.
    pub push_allow_http: bool,
    /// Whether URLs in messages get link previews (`LINK_PREVIEWS`).
    pub link_previews: bool,
    /// Largest uploaded file, in bytes.
    pub upload_max_bytes: u64,
    /// Bytes one person may keep stored; 0 = no limit.
    pub upload_quota_bytes: u64,
}

impl Settings {
    /// The settings of `config`.
    pub fn from_config(config: &Config) -> Self {
        Self {
            public_url: config.http.public_url.clone(),
            departments: config.accounts.departments.clone(),
            edit_window: chrono::Duration::seconds(
                i64::try_from(config.accounts.edit_window_secs).unwrap_or(i64::MAX),
            ),
            session_ttl: chrono::Duration::days(i64::from(config.accounts.session_ttl_days)),
            registration_mode: config.accounts.registration_mode.clone(),
            follow_link_ttl: chrono::Duration::days(i64::from(
                config.accounts.follow_link_ttl_days,
            )),
            // Validated at load: a broken key pair never gets this far.
            web_push: config
                .web_push
                .vapid()
                .ok()
                .flatten()
                .map(std::sync::Arc::new),
            push_allow_http: config.ops.test_hooks,
            link_previews: config.previews.link_previews,
            upload_max_bytes: config.storage.upload_max_bytes,
            upload_quota_bytes: config.storage.upload_quota_bytes,
        }
    }
}
