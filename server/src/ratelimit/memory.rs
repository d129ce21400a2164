//! The in-process tier: one keyed governor (GCRA) limiter per action.

use std::{collections::HashMap, num::NonZeroU32, time::Duration};

use governor::{
    Quota as GovernorQuota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
};

/// A keyed limiter that reports the remaining burst.
type KeyedLimiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

use super::{Action, Allowed, Limited, Quota};

/// Keyed limiters for every action.
pub struct MemoryTier {
    limiters: HashMap<Action, (Quota, KeyedLimiter)>,
    clock: DefaultClock,
}

impl MemoryTier {
    /// Limiters for these quotas.
    pub fn new(quotas: &HashMap<Action, Quota>) -> Self {
        let limiters = quotas
            .iter()
            .map(|(action, quota)| {
                (
                    *action,
                    (
                        *quota,
                        RateLimiter::keyed(governor_quota(*quota))
                            .with_middleware::<StateInformationMiddleware>(),
                    ),
                )
            })
            .collect();
        Self {
            limiters,
            clock: DefaultClock::default(),
        }
    }

    /// Spends one request.
    pub fn check(&self, action: Action, key: &str) -> Result<Allowed, Limited> {
        let Some((quota, limiter)) = self.limiters.get(&action) else {
            return Ok(Allowed {
                limit: u32::MAX,
                remaining: u32::MAX,
                reset_after: Duration::ZERO,
            });
        };
        match limiter.check_key(&key.to_owned()) {
            Ok(snapshot) => Ok(Allowed {
                limit: quota.count,
                remaining: snapshot.remaining_burst_capacity(),
                reset_after: quota.emission_interval()
                    * (quota.count - snapshot.remaining_burst_capacity().min(quota.count)),
            }),
            Err(not_until) => Err(Limited {
                limit: quota.count,
                retry_after: not_until.wait_time_from(self.clock.now()),
            }),
        }
    }

    /// Forgets keys whose buckets are full again.
    pub fn evict_idle(&self) {
        for (_, limiter) in self.limiters.values() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn governor_quota(quota: Quota) -> GovernorQuota {
    let burst = NonZeroU32::new(quota.count).unwrap_or(NonZeroU32::MIN);
    GovernorQuota::with_period(quota.emission_interval().max(Duration::from_nanos(1)))
        .unwrap_or_else(|| GovernorQuota::per_second(burst))
        .allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_a_wait() {
        let quotas = HashMap::from([(
            Action::MessageSend,
            Quota {
                count: 3,
                period: Duration::from_secs(30),
            },
        )]);
        let tier = MemoryTier::new(&quotas);
        for left in [2, 1, 0] {
            assert_eq!(
                tier.check(Action::MessageSend, "u1")
                    .map(|a| a.remaining)
                    .ok(),
                Some(left)
            );
        }
        let limited = tier.check(Action::MessageSend, "u1").err();
        assert!(limited.is_some_and(|l| l.retry_after > Duration::from_secs(5)));
        assert!(
            tier.check(Action::MessageSend, "u2").is_ok(),
            "keys are independent"
        );
    }
}
