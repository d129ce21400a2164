//! Rate limits: each [`Action`] has a quota (`RATE_LIMIT_<ACTION>=<count>/<period>`, a burst of
//! `count` refilled evenly over `period`), checked per key (user id, IP, e-mail).
//!
//! The in-process tier ([`memory`]) is a keyed GCRA limiter (governor); with Redis the same GCRA
//! runs in Redis so every instance shares the quota.

use std::{collections::HashMap, fmt, sync::Arc, time::Duration};

pub mod memory;
pub mod redis;

pub use crate::domain::quota::{Action, Quota, Quotas, overrides_from_env};
use crate::error::AppError;

/// The result of a check that passed: what is left, for `x-ratelimit-*` headers.
#[derive(Clone, Copy, Debug)]
pub struct Allowed {
    /// The quota's burst.
    pub limit: u32,
    /// Requests left right now.
    pub remaining: u32,
    /// When the bucket is full again.
    pub reset_after: Duration,
}

/// A check that failed.
#[derive(Clone, Copy, Debug)]
pub struct Limited {
    /// The quota's burst.
    pub limit: u32,
    /// When the next request will be allowed.
    pub retry_after: Duration,
}

impl From<Limited> for AppError {
    fn from(limited: Limited) -> Self {
        AppError::RateLimited {
            retry_after: limited.retry_after,
            limit: limited.limit,
        }
    }
}

/// Every quota, and the tiers that enforce them: Redis when configured (shared by all
/// instances), in-process otherwise and whenever Redis fails.
#[derive(Clone)]
pub struct RateLimits {
    quotas: Arc<HashMap<Action, Quota>>,
    memory: Arc<memory::MemoryTier>,
    redis: Option<Arc<redis::RedisTier>>,
    /// When the last Redis failure was logged (seconds since the epoch), to log once a minute.
    last_fallback_log: Arc<std::sync::atomic::AtomicI64>,
}

impl RateLimits {
    /// Limits with the given quotas (missing actions use their defaults), shared through Redis
    /// when given.
    pub fn new(overrides: &Quotas, redis: Option<crate::redis::RedisHub>) -> Self {
        let quotas: HashMap<Action, Quota> = Action::ALL
            .iter()
            .map(|a| (*a, overrides.get(*a)))
            .collect();
        Self {
            memory: Arc::new(memory::MemoryTier::new(&quotas)),
            quotas: Arc::new(quotas),
            redis: redis.map(|hub| Arc::new(redis::RedisTier::new(hub))),
            last_fallback_log: Arc::new(std::sync::atomic::AtomicI64::new(0)),
        }
    }

    /// The quota of an action.
    pub fn quota(&self, action: Action) -> Quota {
        self.quotas
            .get(&action)
            .copied()
            .unwrap_or_else(|| action.default_quota())
    }

    /// Spends one request of `action` for `key`.
    pub async fn check(&self, action: Action, key: &str) -> Result<Allowed, Limited> {
        let quota = self.quota(action);
        if quota.count == u32::MAX {
            return Ok(Allowed {
                limit: u32::MAX,
                remaining: u32::MAX,
                reset_after: Duration::ZERO,
            });
        }
        let result = match self.redis.as_ref().filter(|r| r.is_up()) {
            Some(redis) => match redis.check(action, quota, key).await {
                Ok(result) => result,
                Err(err) => {
                    self.note_fallback(&err);
                    self.memory.check(action, key)
                }
            },
            None => {
                if self.redis.is_some() {
                    self.note_fallback(&"a redis connection is down");
                }
                self.memory.check(action, key)
            }
        };
        if result.is_err() {
            metrics::counter!("switchboard_rate_limited_total", "action" => action.name())
                .increment(1);
        }
        result
    }

    /// Counts a check answered locally, and logs it at most once a minute, whether Redis failed
    /// this check or was already known to be down (then it is not even asked).
    fn note_fallback(&self, err: &dyn fmt::Display) {
        use std::sync::atomic::Ordering;
        metrics::counter!("switchboard_rate_limit_fallbacks_total").increment(1);
        let now = chrono::Utc::now().timestamp();
        let last = self.last_fallback_log.load(Ordering::Relaxed);
        if now - last >= 60
            && self
                .last_fallback_log
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(error = %err, "rate limits: redis failed, using in-process limits (logged once a minute)");
        }
    }

    /// Drops idle keys (called periodically).
    pub fn evict_idle(&self) {
        self.memory.evict_idle();
    }
}

/// The rate-limit key of a client address: the address itself for IPv4, its /64 network for
/// IPv6 (one subscriber usually holds a whole /64 and can pick any address in it). Anything
/// that is not an address is used as it is.
pub fn ip_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => ipnet::Ipv6Net::new_assert(v6, 64).trunc().to_string(),
        },
        Ok(ip) => ip.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// Sets `x-ratelimit-limit`, `-remaining` and `-reset` (seconds) on a response.
/// A response that already carries a (more specific) quota keeps it.
pub fn set_headers(headers: &mut axum::http::HeaderMap, allowed: &Allowed) {
    use axum::http::HeaderValue;
    if allowed.limit == u32::MAX || headers.contains_key("x-ratelimit-limit") {
        return;
    }
    let reset = allowed.reset_after.as_secs() + u64::from(allowed.reset_after.subsec_nanos() > 0);
    for (name, value) in [
        ("x-ratelimit-limit", allowed.limit.to_string()),
        ("x-ratelimit-remaining", allowed.remaining.to_string()),
        ("x-ratelimit-reset", reset.to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(ip_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(ip_key("2001:db8:1:2:ffff::9"), "2001:db8:1:2::/64");
        assert_ne!(ip_key("2001:db8:1:3::1"), ip_key("2001:db8:1:2::1"));
        assert_eq!(ip_key("2001:db8::7"), "2001:db8::/64");
        assert_eq!(ip_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(ip_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(ip_key("unknown"), "unknown");
    }
}
