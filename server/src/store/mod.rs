//! Persistence: one [`Store`] trait, implemented for SQLite and PostgreSQL with the same module
//! and file names.
//!
//! The traits are split by resource (users, sessions, rooms, messages, ...) and gathered in
//! [`Store`]. Row types and SQL are shared by both backends: each resource's file declares its
//! trait and implements it once for both (`both.rs`), and `sqlite/` and `postgres/` keep only
//! what differs (connecting, the send, full-text search, the fragments their dialects spell
//! differently).
//! Queries are short, one function each, and never decide access: callers ask
//! [`crate::domain::policy`] first.

use std::{sync::Arc, time::Duration};

pub mod accounts;
pub mod audit;
pub(crate) mod both;
pub mod digest;
pub mod group_commit;
pub mod insights;
pub mod media;
pub mod messages;
pub mod notifications;
pub mod ops;
pub mod pins;
pub mod postgres;
pub mod profiles;
pub mod push;
pub mod reactions;
pub mod rooms;
pub mod search;
pub(crate) mod sql;
pub mod sqlite;
pub mod tickets;
pub mod uploads;
pub mod users;

pub use accounts::{AccountStore, AccountToken, NewAccountToken, SessionRow, TokenPurpose};
pub use audit::{AuditEntry, AuditFilter, AuditRow, AuditStore};
pub use digest::{DigestCandidate, DigestStore};
pub use media::MediaStore;
pub use messages::{
    EditRow, InsertOutcome, MessageRow, MessageStore, NewMessage, Page, ReactionCount,
};
pub use notifications::{
    NewNotification, NotificationRow, NotificationStore, PreferencesRow, Recipient,
};
pub use ops::{JobRow, NewJob, OpsStore, RollupRow};
pub use pins::{PinRow, PinStore, SavedRow};
pub use profiles::{ProfileRow, ProfileStore};
pub use push::{PushStore, PushSubscriptionRow};
pub use reactions::{ReactionStore, ReactorRow};
pub use rooms::{
    ArchivedFilter, DiscoverFilter, DmMemberRow, MemberRow, NewRoom, RoomAccess, RoomPatch,
    RoomRow, RoomStore, RoomWithMe,
};
pub use search::{MessageHit, SearchQuery, SearchStore};
pub use tickets::{TicketFilter, TicketPatch, TicketRow, TicketStore};
pub use uploads::{NewUpload, SweepRow, UploadRow, UploadStore};
pub use users::{
    BanRow, EndSessions, NewSession, NewUser, SessionAuth, SessionStore, UserFilter, UserPatch,
    UserRow, UserStore,
};

/// A shared handle to the configured backend.
pub type DynStore = Arc<dyn Store>;

/// Everything the server persists.
#[async_trait::async_trait]
pub trait Store:
    UserStore
    + SessionStore
    + RoomStore
    + MessageStore
    + AuditStore
    + TicketStore
    + SearchStore
    + OpsStore
    + insights::InsightsStore
    + AccountStore
    + ReactionStore
    + NotificationStore
    + DigestStore
    + PinStore
    + ProfileStore
    + PushStore
    + UploadStore
    + MediaStore
{
    /// Backend name for logs and health: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Connections the pools hold now, open and idle (for the metrics and the soak runs).
    fn pool_stats(&self) -> PoolStats;

    /// Closes the pools, waiting for connections in use to be returned.
    async fn close(&self);

    /// Writes a consistent copy of the database to `path` while it is in use (SQLite's
    /// `VACUUM INTO`). PostgreSQL answers `None`: use `pg_dump` there.
    async fn backup_to(&self, path: &std::path::Path) -> Option<StoreResult<()>>;
}

/// Connections held by a store's pools at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections, busy or idle.
    pub open: u32,
    /// Open connections waiting in the pool.
    pub idle: u32,
}

impl PoolStats {
    /// The stats of one sqlx pool.
    pub fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Self {
        Self {
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
        }
    }
}

impl std::ops::Add for PoolStats {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            open: self.open + other.open,
            idle: self.idle + other.idle,
        }
    }
}

/// Errors from the stores, already sorted into what callers handle differently.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A named unique (or exclusion) constraint was violated.
    #[error("constraint violated: {0}")]
    Constraint(String),
    /// A named CHECK (or NOT NULL) constraint was violated: a value out of the allowed range.
    #[error("check constraint violated: {0}")]
    Check(String),
    /// A foreign key was violated: the row refers to one that does not exist (any more).
    #[error("foreign key violated: {0}")]
    ForeignKey(String),
    /// The database cannot store or compare a value (PostgreSQL's class 22 "data exception",
    /// such as a NUL character in text); the SQLSTATE is kept for the log.
    #[error("data exception (SQLSTATE {0})")]
    InvalidData(String),
    /// The database could not be reached in time; the caller may retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a corrupted state.
    #[error(transparent)]
    Other(#[from] sqlx::Error),
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Sorts a driver error (and counts it in `switchboard_db_errors_total` by kind);
    /// `constraint_name` extracts the violated constraint's name.
    pub(crate) fn classify(
        err: sqlx::Error,
        constraint_name: impl Fn(&dyn sqlx::error::DatabaseError) -> Option<String>,
    ) -> Self {
        let sorted = Self::sort(err, constraint_name);
        metrics::counter!("switchboard_db_errors_total", "kind" => sorted.kind()).increment(1);
        sorted
    }

    /// A low-cardinality label for metrics.
    fn kind(&self) -> &'static str {
        match self {
            Self::Constraint(_) => "constraint",
            Self::Check(_) => "check",
            Self::ForeignKey(_) => "foreign_key",
            Self::InvalidData(_) => "invalid_data",
            Self::Unavailable(_) => "unavailable",
            Self::Other(_) => "other",
        }
    }

    fn sort(
        err: sqlx::Error,
        constraint_name: impl Fn(&dyn sqlx::error::DatabaseError) -> Option<String>,
    ) -> Self {
        use sqlx::error::ErrorKind;
        match &err {
            sqlx::Error::Database(db) => {
                let name = || constraint_name(db.as_ref()).unwrap_or_default();
                match db.kind() {
                    ErrorKind::UniqueViolation | ErrorKind::ExclusionViolation => {
                        Self::Constraint(name())
                    }
                    ErrorKind::CheckViolation | ErrorKind::NotNullViolation => Self::Check(name()),
                    ErrorKind::ForeignKeyViolation => Self::ForeignKey(name()),
                    _ => match db.code() {
                        Some(code) if code.starts_with("22") => {
                            Self::InvalidData(code.into_owned())
                        }
                        _ => match constraint_name(db.as_ref()) {
                            Some(name) => Self::Constraint(name),
                            None => Self::Other(err),
                        },
                    },
                }
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(err.to_string()),
            _ => Self::Other(err),
        }
    }
}

/// How long a request waits for a pooled connection before failing with `DB_UNAVAILABLE`.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Connects to `database_url` (retrying with backoff up to `startup_timeout`), runs the
/// migrations and returns the store.
pub async fn connect(
    database_url: &str,
    max_connections: u32,
    startup_timeout: Duration,
    slow_query: Duration,
) -> anyhow::Result<DynStore> {
    let deadline = tokio::time::Instant::now() + startup_timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        let attempt = if database_url.starts_with("sqlite:") {
            sqlite::SqliteStore::connect(database_url, max_connections, slow_query)
                .await
                .map(|s| Arc::new(s) as DynStore)
        } else {
            postgres::PgStore::connect(database_url, max_connections, slow_query)
                .await
                .map(|s| Arc::new(s) as DynStore)
        };
        match attempt {
            Ok(store) => return Ok(store),
            Err(ConnectError::Fatal(err)) => return Err(err),
            Err(ConnectError::Retryable(err)) if tokio::time::Instant::now() + delay < deadline => {
                tracing::warn!(error = %err, retry_in_ms = delay.as_millis() as u64, "database not reachable yet");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(ConnectError::Retryable(err)) => {
                return Err(anyhow::anyhow!(
                    "database unreachable after {}s: {err}",
                    startup_timeout.as_secs()
                ));
            }
        }
    }
}

/// Why connecting failed, and whether trying again can help.
#[derive(Debug)]
pub enum ConnectError {
    /// Network-level failure: the database may come up later.
    Retryable(String),
    /// Bad URL, failed migration, wrong credentials: retrying will not help.
    Fatal(anyhow::Error),
}

impl ConnectError {
    /// Sorts a connect-time error.
    pub(crate) fn from_sqlx(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => {
                Self::Retryable(err.to_string())
            }
            // PostgreSQL answers 57P03 ("the database system is starting up") while booting.
            sqlx::Error::Database(ref db) if db.code().as_deref() == Some("57P03") => {
                Self::Retryable(err.to_string())
            }
            other => Self::Fatal(anyhow::Error::new(other).context("cannot open the database")),
        }
    }
}

/// Logs a query that took longer than the slow-query threshold.
pub(crate) struct QueryTimer {
    name: &'static str,
    started: std::time::Instant,
    threshold: Duration,
}

impl QueryTimer {
    /// Starts timing the query `name`.
    pub(crate) fn start(name: &'static str, threshold: Duration) -> Self {
        Self {
            name,
            started: std::time::Instant::now(),
            threshold,
        }
    }
}

impl Drop for QueryTimer {
    fn drop(&mut self) {
        let elapsed = self.started.elapsed();
        metrics::histogram!("switchboard_db_query_duration_seconds", "query" => self.name)
            .record(elapsed.as_secs_f64());
        if elapsed >= self.threshold {
            tracing::warn!(
                query = self.name,
                elapsed_ms = elapsed.as_millis() as u64,
                "slow query"
            );
        }
    }
}

/// The current time, truncated to microseconds: PostgreSQL keeps microseconds, so both
/// backends store (and page by) exactly the same instants.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
