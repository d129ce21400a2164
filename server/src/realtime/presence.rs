//! Presence: a user is online while they have at least one socket on any instance, and goes
//! offline a short grace period after the last one closes (so reloads do not flap).
//!
//! Each instance counts its own sockets per user. With Redis, every instance publishes its
//! counts under its own key with an expiry, refreshed by a heartbeat, so a crashed instance's
//! users go offline by themselves.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use fred::interfaces::{HashesInterface, KeysInterface, SortedSetsInterface, TransactionInterface};

use crate::domain::Id;
use crate::redis::RedisHub;

/// How long after the last socket closes a user is reported offline.
pub const GRACE: Duration = Duration::from_secs(3);
/// How often an instance refreshes its presence in Redis.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// After this long without a heartbeat an instance's users count as offline.
const STALE_AFTER: Duration = Duration::from_secs(30);

/// Presence of this instance's users, and the cluster's through Redis.
#[derive(Clone)]
pub struct Presence {
    local: Arc<Mutex<HashMap<Id, usize>>>,
    redis: Option<RedisHub>,
    node_id: Arc<str>,
}

impl Presence {
    /// Presence for this instance.
    pub fn new(redis: Option<RedisHub>, node_id: &str) -> Self {
        Self {
            local: Arc::new(Mutex::new(HashMap::new())),
            redis,
            node_id: node_id.into(),
        }
    }

    /// Counts a new socket; true when the user was offline on this instance before.
    pub async fn connected(&self, user: Id) -> bool {
        let (first, count) = {
            let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
            let count = local.entry(user).or_insert(0);
            *count += 1;
            (*count == 1, *count)
        };
        self.publish(user, count).await;
        first
    }

    /// Counts a closed socket; true when it was the user's last one on this instance.
    pub async fn disconnected(&self, user: Id) -> bool {
        let (last, count) = {
            let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
            let count = local.get(&user).copied().unwrap_or(0).saturating_sub(1);
            if count == 0 {
                local.remove(&user);
            } else {
                local.insert(user, count);
            }
            (count == 0, count)
        };
        self.publish(user, count).await;
        last
    }

    /// Sockets of `user` on this instance.
    pub fn local_count(&self, user: Id) -> usize {
        self.local
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user)
            .copied()
            .unwrap_or(0)
    }

    /// Which of `users` have a socket anywhere.
    pub async fn online_among(&self, users: impl IntoIterator<Item = Id>) -> HashSet<Id> {
        let users: Vec<Id> = users.into_iter().collect();
        let mut online: HashSet<Id> = {
            let local = self.local.lock().unwrap_or_else(|e| e.into_inner());
            users
                .iter()
                .copied()
                .filter(|u| local.contains_key(u))
                .collect()
        };
        if let Some(redis) = self.redis.as_ref().filter(|r| r.health.is_up()) {
            match remote_online(redis, &self.node_id, &users).await {
                Ok(remote) => online.extend(remote),
                Err(err) => {
                    tracing::debug!(error = %err, "presence: redis unavailable, local view only")
                }
            }
        }
        online
    }

    /// Whether `user` has a socket anywhere.
    pub async fn is_online(&self, user: Id) -> bool {
        !self.online_among([user]).await.is_empty()
    }

    /// Writes one user's count to Redis in the background (a Redis outage must not slow
    /// connects down; the heartbeat rewrites the whole map anyway).
    async fn publish(&self, user: Id, count: usize) {
        let Some(redis) = self.redis.clone() else {
            return;
        };
        let key = redis.key(&format!("presence:{}", self.node_id));
        tokio::spawn(async move {
            let result = if count == 0 {
                redis.client.hdel::<(), _, _>(&key, user.to_string()).await
            } else {
                redis
                    .client
                    .hset::<(), _, _>(&key, (user.to_string(), count as i64))
                    .await
            };
            if let Err(err) = result {
                tracing::debug!(error = %err, "presence: could not publish to redis");
            }
        });
    }

    /// Refreshes this instance's presence in Redis (call every [`HEARTBEAT`]), and takes over
    /// the presence of instances that stopped refreshing theirs (crashed or cut off): returns
    /// their users, whom the caller announces offline unless they are online elsewhere. Of
    /// several live instances exactly one takes over each dead one.
    pub async fn heartbeat(&self) -> Result<Vec<Id>, fred::error::Error> {
        let Some(redis) = &self.redis else {
            return Ok(Vec::new());
        };
        self.refresh(redis).await?;
        self.take_over_dead(redis).await
    }

    async fn take_over_dead(&self, redis: &RedisHub) -> Result<Vec<Id>, fred::error::Error> {
        let nodes = redis.key("presence:nodes");
        let since = chrono::Utc::now().timestamp() - STALE_AFTER.as_secs() as i64;
        let dead: Vec<String> = redis
            .client
            .zrangebyscore(&nodes, "-inf", (since - 1) as f64, false, None)
            .await?;
        let mut orphans = Vec::new();
        for node in dead.iter().filter(|n| n.as_str() != &*self.node_id) {
            let taken: i64 = redis.client.zrem(&nodes, node.as_str()).await?;
            if taken != 1 {
                continue;
            }
            let key = redis.key(&format!("presence:{node}"));
            let users: Vec<String> = redis.client.hkeys(&key).await?;
            redis.client.del::<(), _>(&key).await?;
            orphans.extend(users.iter().filter_map(|u| u.parse::<Id>().ok()));
        }
        Ok(orphans)
    }

    async fn refresh(&self, redis: &RedisHub) -> Result<(), fred::error::Error> {
        let key = redis.key(&format!("presence:{}", self.node_id));
        let counts: Vec<(String, i64)> = {
            let local = self.local.lock().unwrap_or_else(|e| e.into_inner());
            local
                .iter()
                .map(|(user, count)| (user.to_string(), *count as i64))
                .collect()
        };
        // Replaced in one transaction: between a separate DEL and HSET other instances would
        // see every user of this one offline for a moment.
        let replace = redis.client.multi();
        replace.del::<(), _>(&key).await?;
        if !counts.is_empty() {
            replace.hset::<(), _, _>(&key, counts).await?;
            // Kept past staleness, so that a survivor can still read whom to announce offline.
            replace
                .expire::<(), _>(&key, 2 * STALE_AFTER.as_secs() as i64, None)
                .await?;
        }
        replace.exec::<()>(true).await?;
        let now = chrono::Utc::now().timestamp();
        redis
            .client
            .zadd::<(), _, _>(
                redis.key("presence:nodes"),
                None,
                None,
                false,
                false,
                (now as f64, self.node_id.to_string()),
            )
            .await?;
        Ok(())
    }

    /// Removes this instance's presence (at shutdown).
    pub async fn withdraw(&self) {
        let Some(redis) = &self.redis else { return };
        let key = redis.key(&format!("presence:{}", self.node_id));
        let removed = redis.client.del::<(), _>(&key).await;
        let unlisted = redis
            .client
            .zrem::<(), _, _>(redis.key("presence:nodes"), self.node_id.to_string())
            .await;
        if let Err(err) = removed.and(unlisted) {
            tracing::debug!(error = %err, "presence: withdraw failed");
        }
    }
}

/// Users among `users` with sockets on other live instances.
async fn remote_online(
    redis: &RedisHub,
    node_id: &str,
    users: &[Id],
) -> Result<Vec<Id>, fred::error::Error> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let since = chrono::Utc::now().timestamp() - STALE_AFTER.as_secs() as i64;
    let nodes: Vec<String> = redis
        .client
        .zrangebyscore(
            redis.key("presence:nodes"),
            since as f64,
            "+inf",
            false,
            None,
        )
        .await?;
    let fields: Vec<String> = users.iter().map(Id::to_string).collect();
    let mut online = Vec::new();
    for node in nodes.iter().filter(|n| n.as_str() != node_id) {
        let counts: Vec<Option<i64>> = redis
            .client
            .hmget(redis.key(&format!("presence:{node}")), fields.clone())
            .await?;
        online.extend(
            users
                .iter()
                .zip(counts)
                .filter(|(_, c)| c.is_some_and(|c| c > 0))
                .map(|(u, _)| *u),
        );
    }
    Ok(online)
}
