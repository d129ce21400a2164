//! One query set for both databases: SQL that SQLite and PostgreSQL read alike is written
//! once, in an `impl_both!` block, and compiled for each backend. A resource's store trait is
//! declared by the same block: each method's documentation, signature and body stand together.
//!
//! Inside the block, `self.reader()` and `self.writer()` are the backend's pools (SQLite keeps
//! a read-only pool and one writer; PostgreSQL has one pool for both), `self.begin()` opens a
//! write transaction (`BEGIN IMMEDIATE` on SQLite, so it never has to upgrade a read lock),
//! `Self::db_err` sorts a driver error into a [`super::StoreError`], `Self::list(items)` binds a list
//! for `in_list!`, and `Db` and `Conn` are the backend's database and connection types. A bound
//! query runs on a pool or a transaction through the helpers below (`Self::fetch_one_row`,
//! `Self::fetch_all_values`, `Self::execute`, ...), which sort its error.
//!
//! Where the dialects spell one thing differently (lists of values, row locks, `GREATEST`, a
//! JSON array's members), the query names a fragment macro that each backend's `dialect`
//! module defines under the same name; the block imports the right one. Name the fragment
//! directly in the query's `concat!`: one nested in another macro that is itself in a
//! `concat!` cannot be resolved there. What differs beyond a fragment (the send insert,
//! full-text search, the delivery-cursor batch) stays in `sqlite/` and `postgres/` as
//! inherent items with the same names, which the shared bodies use.

/// Declares a store trait and implements it for both backends from one body
/// (`pub trait Trait { .. }`: each method's documentation, signature and body in one place),
/// implements a trait declared elsewhere (`impl Trait { .. }`), or adds inherent helpers
/// (`impl { .. }`). Every method of a trait is timed under its own name (the slow-query log and
/// `switchboard_db_query_duration_seconds{query}`).
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
    (
        $(#[$trait_meta:meta])*
        pub trait $trait:ident {
            $(
                $(#[$meta:meta])*
                async fn $name:ident(&$this:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty $body:block
            )*
        }
    ) => {
        $(#[$trait_meta])*
        #[async_trait::async_trait]
        pub trait $trait: Send + Sync {
            $(
                $(#[$meta])*
                async fn $name(&$this $(, $arg: $ty)*) -> $ret;
            )*
        }
        $crate::store::both::impl_both!(impl $trait {
            $(
                async fn $name(&$this $(, $arg: $ty)*) -> $ret $body
            )*
        });
    };
}
pub(crate) use impl_both;

impl_both! {
    impl {
        /// The one row `query` returns, run on `conn` (a pool or a transaction).
        pub(crate) async fn fetch_one_row<'c, O>(
            conn: impl sqlx::Executor<'c, Database = Db>,
            query: sqlx::query::QueryAs<'_, Db, O, <Db as sqlx::Database>::Arguments>,
        ) -> super::StoreResult<O>
        where
            O: Send + Unpin + for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
        {
            query.fetch_one(conn).await.map_err(Self::db_err)
        }

        /// The row `query` returns, if any, run on `conn`.
        pub(crate) async fn fetch_optional_row<'c, O>(
            conn: impl sqlx::Executor<'c, Database = Db>,
            query: sqlx::query::QueryAs<'_, Db, O, <Db as sqlx::Database>::Arguments>,
        ) -> super::StoreResult<Option<O>>
        where
            O: Send + Unpin + for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
        {
            query.fetch_optional(conn).await.map_err(Self::db_err)
        }

        /// Every row `query` returns, run on `conn`.
        pub(crate) async fn fetch_all_rows<'c, O>(
            conn: impl sqlx::Executor<'c, Database = Db>,
            query: sqlx::query::QueryAs<'_, Db, O, <Db as sqlx::Database>::Arguments>,
        ) -> super::StoreResult<Vec<O>>
        where
            O: Send + Unpin + for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
        {
            query.fetch_all(conn).await.map_err(Self::db_err)
        }

        /// The one value `query` returns, run on `conn`.
        pub(crate) async fn fetch_one_value<'c, O>(
            conn: impl sqlx::Executor<'c, Database = Db>,
            query: sqlx::query::QueryScalar<'_, Db, O, <Db as sqlx::Database>::Arguments>,
        ) -> super::StoreResult<O>
        where
            O: Send + Unpin,
            (O,): for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
        {
            query.fetch_one(conn).await.map_err(Self::db_err)
        }

        /// The value `query` returns, if any, run on `conn`.
        pub(crate) async fn fetch_optional_value<'c, O>(
            conn: impl sqlx::Executor<'c, Database = Db>,
            query: sqlx::query::QueryScalar<'_, Db, O, <Db as sqlx::Database>::Arguments>,
        ) -> super::StoreResult<Option<O>>
        where
            O: Send + Unpin,
            (O,): for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
        {
            query.fetch_optional(conn).await.map_err(Self::db_err)
        }

        /// Every value `query` returns, run on `conn`.
        pub(crate) async fn fetch_all_values<'c, O>(
            conn: impl sqlx::Executor<'c, Database = Db>,
            query: sqlx::query::QueryScalar<'_, Db, O, <Db as sqlx::Database>::Arguments>,
        ) -> super::StoreResult<Vec<O>>
        where
            O: Send + Unpin,
            (O,): for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
        {
            query.fetch_all(conn).await.map_err(Self::db_err)
        }

        /// A query limited to what `viewer` may read (`readable_by_viewer!`), with the viewer
        /// bound as `$1..$3`; the caller binds the rest, the viewer's scope where the SQL says.
        pub(crate) fn query_as_viewer<'q, O>(
            sql: &'static str,
            viewer: &'q crate::domain::policy::Viewer,
        ) -> sqlx::query::QueryAs<'q, Db, O, <Db as sqlx::Database>::Arguments>
        where
            O: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
        {
            sqlx::query_as(sql).bind(viewer.id).bind(viewer.role).bind(&viewer.department)
        }

        /// A page of a list limited to what `viewer` may read, newest first: the viewer bound
        /// as `$1..$3` (as [`Self::query_as_viewer`]), the `(time, id)` cursor as `$4, $5`, the
        /// page size as `$6` and the viewer's scope as `$7`.
        pub(crate) fn query_page_as_viewer<'q, O>(
            sql: &'static str,
            viewer: &'q crate::domain::policy::Viewer,
            before: Option<(chrono::DateTime<chrono::Utc>, crate::domain::Id)>,
            limit: i64,
        ) -> sqlx::query::QueryAs<'q, Db, O, <Db as sqlx::Database>::Arguments>
        where
            O: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
        {
            let (before_at, before_id) = before.unzip();
            Self::query_as_viewer(sql, viewer)
                .bind(before_at)
                .bind(before_id)
                .bind(limit)
                .bind(viewer.scope)
        }

        /// Runs the statement `query` on `conn`; how many rows it changed.
        pub(crate) async fn execute<'c>(
            conn: impl sqlx::Executor<'c, Database = Db>,
            query: sqlx::query::Query<'_, Db, <Db as sqlx::Database>::Arguments>,
        ) -> super::StoreResult<u64> {
            let done = query.execute(conn).await.map_err(Self::db_err)?;
            Ok(done.rows_affected())
        }
    }
}
