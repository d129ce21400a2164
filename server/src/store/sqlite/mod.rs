//! The SQLite backend: WAL mode, a busy timeout, one writer connection (SQLite has a single
//! writer anyway; one pooled connection turns lock contention into a fair queue) and a pool of
//! readers.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use self::deferred::Deferred;
use super::{
    ACQUIRE_TIMEOUT, ConnectError, QueryTimer, Store, StoreError, StoreResult,
    group_commit::GroupCommit,
};

mod deferred;
pub(crate) mod dialect;
mod rooms;
mod search;
mod sends;

/// How often the WAL is checkpointed into the database file (off the writer's path).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// SQLite-backed [`Store`].
pub struct SqliteStore {
    /// Read-only connections for queries.
    reader: SqlitePool,
    /// The single connection that writes.
    writer: SqlitePool,
    /// Queries slower than this are logged.
    slow_query: Duration,
    /// Checkpoints the WAL in the background; stopped when the store is dropped.
    checkpointer: tokio::task::JoinHandle<()>,
    /// Stores sends in group commits on the writer.
    sends: GroupCommit,
    /// What the sends' commits leave for later: the full-text index, the authors' cursors.
    deferred: Arc<Deferred>,
    /// Does that in the background; stopped when the store is dropped.
    deferred_pass: tokio::task::JoinHandle<()>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.checkpointer.abort();
        self.deferred_pass.abort();
    }
}

impl SqliteStore {
    /// Opens (creating when missing) the database file and runs the migrations.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        slow_query: Duration,
    ) -> Result<Self, ConnectError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| ConnectError::Fatal(anyhow::Error::new(e).context("bad DATABASE_URL")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .pragma("temp_store", "memory");
        if let Some(dir) = Path::new(options.get_filename()).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                ConnectError::Fatal(
                    anyhow::Error::new(e).context("cannot create the database directory"),
                )
            })?;
        }
        // The writer never checkpoints: SQLite would do it inside a commit every 1,000 pages,
        // and that commit (and every send queued behind it) would wait for the copy and its
        // fsync. A connection of its own checkpoints every second instead, beside the writer.
        //
        // No connection is pinged before use (sqlx's default): a connection to a local file
        // does not go stale, and the ping cost a round trip to its worker thread per query.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
            .await
            .map_err(ConnectError::from_sqlx)?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| ConnectError::Fatal(anyhow::Error::new(e).context("migration failed")))?;
        let wal = wal_file(&options);
        let checkpoints = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(ConnectError::from_sqlx)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(max_connections.max(2))
            .test_before_acquire(false)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.read_only(true))
            .await
            .map_err(ConnectError::from_sqlx)?;
        let deferred = Deferred::new(writer.clone(), reader.clone());
        Ok(Self {
            slow_query,
            checkpointer: tokio::spawn(checkpoint_forever(checkpoints, wal)),
            sends: sends::group_commit(writer.clone()),
            deferred_pass: deferred.start(),
            deferred,
            reader,
            writer,
        })
    }

    /// The writer pool, for maintenance commands (backup) and the shared queries.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// The read-only pool, for the shared queries.
    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// Opens a write transaction on the writer. `BEGIN IMMEDIATE` takes the write lock at once:
    /// a deferred transaction that read first could not upgrade while another writer waits.
    pub(crate) async fn begin(&self) -> StoreResult<sqlx::Transaction<'_, sqlx::Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(err)
    }

    /// A list to bind for `in_list!`: SQLite has no arrays, so it travels as one JSON array.
    pub(crate) fn list<T: serde::Serialize>(items: &[T]) -> StoreResult<String> {
        serde_json::to_string(items).map_err(|e| err(sqlx::Error::Encode(e.into())))
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

/// WAL frames (pages, 4 KiB each) past which the checkpointer also restarts the log.
const WAL_RESTART_FRAMES: i64 = 16_384;
/// WAL frames past which the checkpointer empties the log file instead (a burst grew it); a
/// log file larger than these frames is emptied too, whatever it holds now.
const WAL_TRUNCATE_FRAMES: i64 = 32_768;
/// The log file's size at [`WAL_TRUNCATE_FRAMES`]: frames of a 4 KiB page and a 24-byte
/// header each.
const WAL_TRUNCATE_BYTES: u64 = WAL_TRUNCATE_FRAMES as u64 * (4096 + 24);

/// The log file of the database `options` open (a database in memory has none: its size
/// reads as nothing).
fn wal_file(options: &SqliteConnectOptions) -> PathBuf {
    let mut wal = options.get_filename().as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// Copies the WAL into the database file every [`CHECKPOINT_EVERY`]. `PASSIVE` never waits
/// for the writer or for readers; whatever a long reader still needs is copied next time.
///
/// A passive checkpoint never shortens the log: SQLite starts writing the log from its
/// beginning again only when a writer finds it fully copied and no reader using it, and under
/// steady traffic some reader always is. The log then grew without end (2.7 GB in five minutes
/// at 300 sends/s), and with it the WAL index every connection maps (the resident set grew
/// with every message). Past [`WAL_RESTART_FRAMES`] the checkpointer therefore restarts the
/// log: `RESTART` holds off the writer, waits (within the busy timeout) for the readers still
/// in the log to finish, copies the rest, and the next commit writes the log from its
/// beginning, over blocks the file already has. Emptying the file instead (`TRUNCATE`) made
/// the next appends allocate its blocks again, and the writer's appends stalled 7-13 ms behind
/// that every second or two (p99 send -> deliver 22.9 ms against 11.6 ms at 28,000
/// deliveries/s, docs/benchmarks.md). A restart holds the writer off for its two syncs, so it
/// is done only every 64 MiB of log: past 4,096 frames busy servers (2,000 sends/s and more)
/// restarted every second, and those stalls were their p99 (36-39 ms against 12-15 ms at
/// 96,000 deliveries/s, side by side). The file is emptied only past
/// [`WAL_TRUNCATE_FRAMES`], which steady traffic does not reach between two checkpoints, or
/// when the file itself has grown past that size (a restart keeps the file's size, and the log
/// may grow further while a checkpoint runs): the log file stays under 128 MiB.
async fn checkpoint_forever(pool: SqlitePool, wal: PathBuf) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let frames = match checkpoint(&pool, "PRAGMA wal_checkpoint(PASSIVE)").await {
            Ok(frames) => frames,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; retrying in a second");
                continue;
            }
        };
        let file_bytes = std::fs::metadata(&wal).map_or(0, |m| m.len());
        let pragma = if frames > WAL_TRUNCATE_FRAMES || file_bytes > WAL_TRUNCATE_BYTES {
            "PRAGMA wal_checkpoint(TRUNCATE)"
        } else if frames > WAL_RESTART_FRAMES {
            "PRAGMA wal_checkpoint(RESTART)"
        } else {
            continue;
        };
        if let Err(e) = checkpoint(&pool, pragma).await {
            tracing::warn!(error = %e, frames, "WAL restart failed; retrying in a second");
        }
    }
}

/// Runs a checkpoint; the frames in the log before it.
async fn checkpoint(pool: &SqlitePool, pragma: &'static str) -> Result<i64, sqlx::Error> {
    // (busy, frames in the log, frames copied): -1s when the database is not in WAL mode.
    let (_busy, frames, _copied): (i64, i64, i64) = sqlx::query_as(pragma).fetch_one(pool).await?;
    Ok(frames)
}

/// Sorts SQLite errors; SQLite reports violated columns rather than constraint names, so the
/// common ones are mapped back to the names the schema declares.
pub(super) fn err(e: sqlx::Error) -> StoreError {
    StoreError::classify(e, |db| {
        let message = db.message();
        if let Some(name) = message.strip_prefix("CHECK constraint failed: ") {
            return Some(name.trim().to_owned());
        }
        if message.starts_with("FOREIGN KEY constraint failed") {
            return Some("foreign_key".to_owned());
        }
        let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
        Some(
            match columns.trim() {
                "users.email" => "users_email_key",
                "users.handle" => "users_handle_key",
                "rooms.slug" => "rooms_slug_key",
                "rooms.dm_key" => "rooms_dm_key_key",
                "room_members.room_id, room_members.user_id" => "room_members_pkey",
                "messages.author_id, messages.client_id" => "messages_author_client_key",
                "messages.room_id, messages.seq" => "messages_room_seq_key",
                "reactions.message_id, reactions.user_id, reactions.emoji" => "reactions_pkey",
                "sessions.token_hash" => "sessions_token_hash_key",
                "bans.user_id" => "bans_pkey",
                "jobs.dedupe_key" => "jobs_dedupe_key_key",
                other => other,
            }
            .to_owned(),
        )
    })
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn pool_stats(&self) -> super::PoolStats {
        // The checkpointer's one connection is not counted: it lives in its own task.
        super::PoolStats::of(&self.reader) + super::PoolStats::of(&self.writer)
    }

    async fn ping(&self) -> StoreResult<()> {
        let _timer = self.timer("ping");
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn close(&self) {
        self.checkpointer.abort();
        self.deferred_pass.abort();
        self.sends.stop();
        self.reader.close().await;
        self.writer.close().await;
    }

    async fn backup_to(&self, path: &Path) -> Option<StoreResult<()>> {
        let _timer = self.timer("backup");
        let result = sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().into_owned())
            .execute(&self.writer)
            .await
            .map(|_| ())
            .map_err(err);
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            Arc,
            atomic::{AtomicBool, Ordering},
        },
        time::{Duration, Instant},
    };

    use super::SqliteStore;

    /// Under writes and readers that never pause, the log is restarted (or emptied) again and
    /// again instead of growing without end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_constant_readers() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("sb-wal-{}", crate::domain::Id::new()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("wal.db");
        let url = format!("sqlite://{}", file.display());
        let store = SqliteStore::connect(&url, 4, Duration::from_secs(1))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        sqlx::query("CREATE TABLE filler (b BLOB NOT NULL)")
            .execute(store.writer())
            .await?;
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let (pool, stop) = (store.reader().clone(), Arc::clone(&stop));
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let _ = sqlx::query("SELECT COUNT(*) FROM filler")
                            .fetch_one(&pool)
                            .await;
                    }
                })
            })
            .collect();
        // About 1.7 times the truncation threshold: rows of four pages, one per commit.
        let blob = vec![7u8; 15_000];
        for _ in 0..14_000 {
            sqlx::query("INSERT INTO filler (b) VALUES ($1)")
                .bind(&blob)
                .execute(store.writer())
                .await?;
        }
        let wal = dir.join("wal.db-wal");
        let size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
        // The truncation threshold's frames and the log's header: a file past it is emptied at
        // the next checkpoint. 220 MB were written.
        let limit = super::WAL_TRUNCATE_BYTES + 32;
        let deadline = Instant::now() + Duration::from_secs(30);
        while size() > limit && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        stop.store(true, Ordering::Relaxed);
        for reader in readers {
            reader.await?;
        }
        let end = size();
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(end <= limit, "the WAL is {end} bytes, more than {limit}");
        Ok(())
    }
}
