//! PostgreSQL's spelling of the fragments the shared queries name (see
//! [`crate::store::both`]); `sqlite/dialect.rs` defines the same macros for SQLite.

/// `IN` the list bound as `$list` (an array from `PgStore::list`).
macro_rules! in_list {
    ($list:literal) => {
        concat!("= ANY(", $list, ")")
    };
}
pub(crate) use in_list;
