//! Health of the server's dependencies, for the readiness probes: the database and Redis are
//! each checked with a short timeout; the answer says what works, never hosts or secrets.

use std::time::{Duration, Instant};

use serde::Serialize;
use utoipa::ToSchema;

use crate::store::Store;

/// How long one dependency check may take.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// One dependency's state.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// `ok`, `degraded` (working around it) or `down`.
    pub status: CheckStatus,
    /// How long the check took.
    pub latency_ms: u64,
}

/// States of a dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Working.
    Ok,
    /// Not working, but the server works around it.
    Degraded,
    /// Not working; the server cannot serve.
    Down,
}

/// Readiness with each check.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ok`, `degraded`, `down` or `shutting_down`.
    pub status: &'static str,
    /// The database.
    pub database: Check,
    /// Redis, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis: Option<Check>,
}

impl Ready {
    /// True when the server can serve (the database answers and no shutdown has begun).
    pub fn is_ready(&self) -> bool {
        self.status == "ok" || self.status == "degraded"
    }
}

/// Readiness from the database's check, Redis's (when configured) and the shutdown flag.
pub async fn readiness(store: &dyn Store, redis: Option<Check>, shutting_down: bool) -> Ready {
    let database = check_database(store).await;
    let status = if shutting_down {
        "shutting_down"
    } else if database.status == CheckStatus::Down {
        "down"
    } else if redis.as_ref().is_some_and(|r| r.status != CheckStatus::Ok) {
        "degraded"
    } else {
        "ok"
    };
    Ready {
        status,
        database,
        redis,
    }
}

async fn check_database(store: &dyn Store) -> Check {
    let started = Instant::now();
    let result = tokio::time::timeout(CHECK_TIMEOUT, store.ping()).await;
    let status = match result {
        Ok(Ok(())) => CheckStatus::Ok,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: database check failed");
            CheckStatus::Down
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            CheckStatus::Down
        }
    };
    Check {
        status,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}
