//! One query set for both databases: SQL that SQLite and PostgreSQL read alike is written
//! once, in an `impl_both!` block, and compiled for each backend.
//!
//! Inside the block, `self.reader()` and `self.writer()` are the backend's pools (SQLite keeps
//! a read-only pool and one writer; PostgreSQL has one pool for both), `Self::db_err` sorts a
//! driver error into a [`super::StoreError`], and `self.timer(name)` times the query for the
//! slow-query log and the latency histogram. What truly differs between the dialects (the send
//! insert, search, job claiming, lists of ids) stays in `sqlite/` and `postgres/`.

/// Implements a store trait for both backends from one body.
macro_rules! impl_both {
    (impl $trait:path { $($body:tt)* }) => {
        #[async_trait::async_trait]
        impl $trait for $crate::store::sqlite::SqliteStore {
            $($body)*
        }
        #[async_trait::async_trait]
        impl $trait for $crate::store::postgres::PgStore {
            $($body)*
        }
    };
}
pub(crate) use impl_both;
