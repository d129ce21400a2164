//! The Redis tier: one GCRA script shared by every instance, so a quota holds cluster-wide.
//! Redis's own clock decides (instances' clocks may differ); keys expire when their bucket is
//! full again, so idle keys cost nothing.

use std::time::Duration;

use fred::types::scripts::Script;

use super::{Action, Allowed, Limited, Quota};
use crate::redis::RedisHub;

/// GCRA: the theoretical arrival time (TAT) moves one emission interval per request; a request
/// is allowed while TAT stays within `burst` intervals of now. Returns
/// `{allowed, remaining or retry-after ms, reset ms}`.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local ahead = new_tat - now
local limit = interval * burst
if ahead > limit then
  return {0, ahead - limit, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, math.ceil(ahead)))
return {1, math.floor((limit - ahead) / interval), ahead}
";

/// The script and the connection.
pub struct RedisTier {
    hub: RedisHub,
    script: Script,
}

impl RedisTier {
    /// A tier over this Redis.
    pub fn new(hub: RedisHub) -> Self {
        Self {
            hub,
            script: Script::from_lua(GCRA),
        }
    }

    /// True while Redis is believed reachable.
    pub fn is_up(&self) -> bool {
        self.hub.health.is_up()
    }

    /// Spends one request in Redis; `Err` is a Redis failure (the caller falls back).
    pub async fn check(
        &self,
        action: Action,
        quota: Quota,
        key: &str,
    ) -> Result<Result<Allowed, Limited>, fred::error::Error> {
        let interval_ms = (quota.emission_interval().as_millis()).max(1);
        let redis_key = self.hub.key(&format!("rl:{}:{key}", action.name()));
        let (allowed, value, reset): (i64, i64, i64) = self
            .script
            .evalsha_with_reload(
                &self.hub.client,
                redis_key,
                vec![interval_ms.to_string(), quota.count.to_string()],
            )
            .await?;
        let ms = |v: i64| Duration::from_millis(u64::try_from(v.max(0)).unwrap_or(0));
        Ok(if allowed == 1 {
            Ok(Allowed {
                limit: quota.count,
                remaining: u32::try_from(value.max(0)).unwrap_or(0),
                reset_after: ms(reset),
            })
        } else {
            Err(Limited {
                limit: quota.count,
                retry_after: ms(value),
            })
        })
    }
}
