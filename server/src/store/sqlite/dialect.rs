//! SQLite's spelling of the fragments the shared queries name (see [`crate::store::both`]);
//! `postgres/dialect.rs` defines the same macros for PostgreSQL.

/// `IN` the list bound as `$list` (a JSON array from `SqliteStore::list`).
macro_rules! in_list {
    ($list:literal) => {
        concat!("IN (SELECT value FROM json_each(", $list, "))")
    };
}
pub(crate) use in_list;
