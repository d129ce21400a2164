//! One query set for both databases: SQL that SQLite and PostgreSQL read alike is written
//! once, in an `impl_both!` block, and compiled for each backend.
//!
//! Inside the block, `self.reader()` and `self.writer()` are the backend's pools (SQLite keeps
//! a read-only pool and one writer; PostgreSQL has one pool for both), `self.begin()` opens a
//! write transaction (`BEGIN IMMEDIATE` on SQLite, so it never has to upgrade a read lock),
//! `Self::db_err` sorts a driver error into a [`super::StoreError`], `Self::list(items)` binds a list
//! for `in_list!`, and `Db` and `Conn` are the backend's database and connection types.
//!
//! Where the dialects spell one thing differently (lists of values, row locks, `GREATEST`, a
//! JSON array's members), the query names a fragment macro that each backend's `dialect`
//! module defines under the same name; the block imports the right one. Name the fragment
//! directly in the query's `concat!`: one nested in another macro that is itself in a
//! `concat!` cannot be resolved there. What differs beyond a fragment (the send insert,
//! full-text search, the delivery-cursor batch) stays in `sqlite/` and `postgres/` as
//! inherent items with the same names, which the shared bodies use.

/// Implements a store trait (`impl Trait { .. }`) or adds inherent helpers (`impl { .. }`)
/// for both backends from one body. Every method of a trait block is timed under its own name
/// (the slow-query log and `switchboard_db_query_duration_seconds{query}`).
macro_rules! impl_both {
    (@one $module:ident $store:ident $db:ident $conn:ident [$($head:tt)*] { $($body:tt)* }) => {
        const _: () = {
            #[allow(unused_imports)]
            use $crate::store::$module::dialect::{
                for_update, greatest, has_tag, in_list, insert_searchable, least, skip_locked,
            };
            #[allow(dead_code)]
            type Db = sqlx::$db;
            #[allow(dead_code)]
            type Conn = sqlx::$conn;
            $($head)* $crate::store::$module::$store {
                $($body)*
            }
        };
    };
    (@each [$($head:tt)*] $body:tt) => {
        $crate::store::both::impl_both!(
            @one sqlite SqliteStore Sqlite SqliteConnection [$($head)*] $body
        );
        $crate::store::both::impl_both!(
            @one postgres PgStore Postgres PgConnection [$($head)*] $body
        );
    };
    (impl { $($body:tt)* }) => {
        $crate::store::both::impl_both!(@each [impl] { $($body)* });
    };
    (impl $trait:path {
        $(
            $(#[$meta:meta])*
            async fn $name:ident(&$this:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty $body:block
        )*
    }) => {
        $crate::store::both::impl_both!(
            @each [#[async_trait::async_trait] impl $trait for] {
                $(
                    $(#[$meta])*
                    async fn $name(&$this $(, $arg: $ty)*) -> $ret {
                        let _timer = $this.timer(stringify!($name));
                        $body
                    }
                )*
            }
        );
    };
}
pub(crate) use impl_both;
