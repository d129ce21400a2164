//! The PostgreSQL backend: one pool; per-room seqs are serialised by the room row's lock, and
//! sends are stored in group commits.

use std::{str::FromStr, time::Duration};

use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use super::{
    ACQUIRE_TIMEOUT, ConnectError, QueryTimer, Store, StoreError, StoreResult,
    group_commit::GroupCommit,
};

pub(crate) mod dialect;
mod messages;
mod rooms;
mod search;

/// PostgreSQL-backed [`Store`].
pub struct PgStore {
    /// The connection pool.
    pool: PgPool,
    /// Queries slower than this are logged.
    slow_query: Duration,
    /// The writers of sends.
    sends: GroupCommit,
}

impl PgStore {
    /// Connects and runs the migrations (sqlx takes an advisory lock, so instances starting
    /// together migrate once).
    pub async fn connect(
        url: &str,
        max_connections: u32,
        slow_query: Duration,
    ) -> Result<Self, ConnectError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| ConnectError::Fatal(anyhow::Error::new(e).context("bad DATABASE_URL")))?
            .application_name("switchboard");
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(ConnectError::from_sqlx)?;
        sqlx::migrate!("../migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| ConnectError::Fatal(anyhow::Error::new(e).context("migration failed")))?;
        let sends = messages::group_commit(pool.clone());
        Ok(Self {
            pool,
            slow_query,
            sends,
        })
    }

    /// The pool, for maintenance commands.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The pool reads go to (the one pool), for the shared queries.
    pub(crate) fn reader(&self) -> &PgPool {
        &self.pool
    }

    /// The pool writes go to (the one pool), for the shared queries.
    pub(crate) fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// Opens a transaction on the pool.
    pub(crate) async fn begin(&self) -> StoreResult<sqlx::Transaction<'_, sqlx::Postgres>> {
        self.pool.begin().await.map_err(err)
    }

    /// A list to bind for `in_list!`: an array as it is.
    pub(crate) fn list<T>(items: &[T]) -> StoreResult<&[T]> {
        Ok(items)
    }

    /// Sorts a driver error (for the shared queries).
    pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
        err(e)
    }

    /// Times a query (see [`QueryTimer`]).
    pub(crate) fn timer(&self, name: &'static str) -> QueryTimer {
        QueryTimer::start(name, self.slow_query)
    }
}

/// Sorts PostgreSQL errors; constraint names come straight from the server.
pub(super) fn err(e: sqlx::Error) -> StoreError {
    StoreError::classify(e, |db| db.constraint().map(str::to_owned))
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn pool_stats(&self) -> super::PoolStats {
        super::PoolStats::of(&self.pool)
    }

    async fn ping(&self) -> StoreResult<()> {
        let _timer = self.timer("ping");
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn close(&self) {
        self.sends.stop();
        self.pool.close().await;
    }

    async fn backup_to(&self, _path: &std::path::Path) -> Option<StoreResult<()>> {
        None
    }
}
