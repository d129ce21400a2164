//! SQLite's spelling of the fragments the shared queries name (see [`crate::store::both`]);
//! `postgres/dialect.rs` defines the same macros for PostgreSQL.

/// `IN` the list bound as `$list` (a JSON array from `SqliteStore::list`).
macro_rules! in_list {
    ($list:literal) => {
        concat!("IN (SELECT value FROM json_each(", $list, "))")
    };
}
pub(crate) use in_list;

/// The JSON array of strings `$col` holds the string `$value`.
macro_rules! has_tag {
    ($col:literal, $value:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM json_each(",
            $col,
            ") WHERE value = ",
            $value,
            ")"
        )
    };
}
pub(crate) use has_tag;

/// The larger of two values (SQLite's scalar `MAX`).
macro_rules! greatest {
    () => {
        "MAX"
    };
}
pub(crate) use greatest;

/// The smaller of two values (SQLite's scalar `MIN`).
macro_rules! least {
    () => {
        "MIN"
    };
}
pub(crate) use least;

/// Locks the rows read in a write transaction: nothing to add on SQLite, whose
/// `BEGIN IMMEDIATE` already holds the one write lock.
macro_rules! for_update {
    () => {
        ""
    };
}
pub(crate) use for_update;

/// Locks the rows a claim reads, skipping those another claim holds: nothing to add on SQLite,
/// where claims take turns on the one writer and cannot race.
macro_rules! skip_locked {
    () => {
        ""
    };
}
pub(crate) use skip_locked;

/// An `INSERT INTO $table ($cols) VALUES ($values)` of a row the full-text index follows: on
/// SQLite it also takes the next `search_id`, the stable rowid of the FTS5 index.
macro_rules! insert_searchable {
    ($table:literal, $cols:literal, $values:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " (",
            $cols,
            ", search_id) VALUES (",
            $values,
            ", (SELECT COALESCE(MAX(search_id), 0) + 1 FROM ",
            $table,
            ")) "
        )
    };
}
pub(crate) use insert_searchable;
