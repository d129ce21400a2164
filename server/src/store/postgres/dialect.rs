//! PostgreSQL's spelling of the fragments the shared queries name (see
//! [`crate::store::both`]); `sqlite/dialect.rs` defines the same macros for SQLite.

/// `IN` the list bound as `$list` (an array from `PgStore::list`).
macro_rules! in_list {
    ($list:literal) => {
        concat!("= ANY(", $list, ")")
    };
}
pub(crate) use in_list;

/// The JSON array of strings `$col` holds the string `$value`.
macro_rules! has_tag {
    ($col:literal, $value:literal) => {
        concat!($col, " ? ", $value)
    };
}
pub(crate) use has_tag;

/// The larger of two values.
macro_rules! greatest {
    () => {
        "GREATEST"
    };
}
pub(crate) use greatest;

/// The smaller of two values.
macro_rules! least {
    () => {
        "LEAST"
    };
}
pub(crate) use least;

/// Locks the rows read in a write transaction until it ends.
macro_rules! for_update {
    () => {
        " FOR UPDATE"
    };
}
pub(crate) use for_update;

/// Locks the rows a claim reads, skipping those another instance's claim holds.
macro_rules! skip_locked {
    () => {
        " FOR UPDATE SKIP LOCKED"
    };
}
pub(crate) use skip_locked;

/// An `INSERT INTO $table ($cols) VALUES ($values)` of a row the full-text index follows
/// (a generated `tsvector` column on PostgreSQL: nothing to add).
macro_rules! insert_searchable {
    ($table:literal, $cols:literal, $values:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " (",
            $cols,
            ") VALUES (",
            $values,
            ") "
        )
    };
}
pub(crate) use insert_searchable;
