//! The messages' full-text index (FTS5), kept off the send's commit.
//!
//! A trigger used to index every message inside the transaction that stored it, and FTS5
//! writes a new segment of its index at every commit and merges segments as they pile up: the
//! group commit of every send paid for that, and a message searched for a second later gains
//! nothing from it. Messages are now indexed in the background instead, [`INDEX_EVERY`] after
//! they were stored, in steps of up to [`STEP`] messages (one segment per step, not one per
//! commit), and `search_progress.indexed_to` records the highest `search_id` indexed. Search
//! stays read-your-writes: before it matches, it indexes whatever was stored before it
//! started ([`SearchIndex::catch_up`]). The edit and delete triggers touch the index only for
//! messages it already holds (migration `0018`); a message edited or deleted before its turn
//! is indexed as it is then, or not at all. Steps run on the one writer connection, each its
//! own short transaction, so sends queued meanwhile go between them.
//!
//! `search_id` is taken in commit order (one writer, `MAX + 1` inside the insert), so every
//! message above `indexed_to` is one the index has not seen. A crash loses nothing: the next
//! start indexes from `indexed_to` on. (PostgreSQL keeps its generated `tsvector` column and
//! GIN index, whose pending list already defers the index's work.)

use std::{sync::Arc, time::Duration};

use sqlx::SqlitePool;
use tokio::sync::{Mutex, Notify};

/// How long the background pass lets new messages gather before it indexes them.
const INDEX_EVERY: Duration = Duration::from_millis(100);
/// How often the background pass looks for messages to index when nobody woke it.
const LOOK_EVERY: Duration = Duration::from_secs(5);
/// Most messages indexed by one transaction: a step holds the writer about as long as a
/// group commit does.
const STEP: i64 = 256;

/// The messages' full-text index and its progress.
pub(super) struct SearchIndex {
    writer: SqlitePool,
    reader: SqlitePool,
    /// One pass at a time (the background pass and searches that wait for the index).
    turn: Mutex<()>,
    /// Wakes the background pass.
    stored: Notify,
}

impl SearchIndex {
    /// The index of the database behind `writer` (and `reader`, to look for work without
    /// taking the writer).
    pub(super) fn new(writer: SqlitePool, reader: SqlitePool) -> Arc<Self> {
        Arc::new(Self {
            writer,
            reader,
            turn: Mutex::new(()),
            stored: Notify::new(),
        })
    }

    /// Starts the background pass; it ends when the returned task is aborted. It wakes when
    /// messages were stored ([`SearchIndex::stored`]), lets [`INDEX_EVERY`] of them gather,
    /// and indexes them; every [`LOOK_EVERY`] it looks anyway (a message stored by another
    /// process, a pass that failed).
    pub(super) fn start(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let index = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let _woken = tokio::time::timeout(LOOK_EVERY, index.stored.notified()).await;
                tokio::time::sleep(INDEX_EVERY).await;
                if let Err(e) = index.catch_up().await {
                    tracing::warn!(error = %e, "indexing messages for search failed; retrying");
                }
            }
        })
    }

    /// Messages were stored: the background pass indexes them shortly.
    pub(super) fn stored(&self) {
        self.stored.notify_one();
    }

    /// Indexes every message committed before the call; the number indexed.
    pub(super) async fn catch_up(&self) -> Result<u64, sqlx::Error> {
        let (indexed_to, newest): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT indexed_to FROM search_progress WHERE name = 'messages'), \
                    (SELECT COALESCE(MAX(search_id), 0) FROM messages)",
        )
        .fetch_one(&self.reader)
        .await?;
        if newest <= indexed_to {
            return Ok(0);
        }
        let _turn = self.turn.lock().await;
        let mut total = 0;
        loop {
            let (indexed, reached) = self.step().await?;
            total += indexed;
            if reached >= newest || indexed == 0 {
                return Ok(total);
            }
        }
    }

    /// Indexes the next [`STEP`] messages in one transaction; how many, and the `search_id`
    /// indexed up to.
    async fn step(&self) -> Result<(u64, i64), sqlx::Error> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let (from, to): (i64, Option<i64>) = sqlx::query_as(
            "SELECT p.indexed_to, \
                    (SELECT MAX(search_id) FROM (SELECT search_id FROM messages \
                       WHERE search_id > p.indexed_to ORDER BY search_id LIMIT $1)) \
             FROM search_progress p WHERE p.name = 'messages'",
        )
        .bind(STEP)
        .fetch_one(&mut *tx)
        .await?;
        let Some(to) = to else {
            return Ok((0, from));
        };
        let indexed = sqlx::query(
            "INSERT INTO messages_fts (rowid, body) \
             SELECT search_id, body FROM messages WHERE search_id > $1 AND search_id <= $2",
        )
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE search_progress SET indexed_to = $1 WHERE name = 'messages'")
            .bind(to)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((indexed, to))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{
        domain::{Id, room::RoomKind, user::Role},
        service::testing::TestCtx,
        store::{InsertOutcome, NewMessage, sqlite::SqliteStore},
    };

    async fn send(store: &SqliteStore, room: Id, author: Id, body: &str) -> anyhow::Result<Id> {
        let message = NewMessage {
            id: Id::new(),
            room_id: room,
            author_id: author,
            client_id: Id::new().to_string(),
            body: body.to_owned(),
            parent_id: None,
            created_at: crate::store::now(),
        };
        match store.store_message(message).await? {
            InsertOutcome::Created(row) => Ok(row.id),
            InsertOutcome::Existing(row) => anyhow::bail!("stored before: {row:?}"),
        }
    }

    async fn edit(store: &SqliteStore, id: Id, body: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE messages SET body = $2 WHERE id = $1")
            .bind(id)
            .bind(body)
            .execute(store.writer())
            .await?;
        Ok(())
    }

    async fn delete(store: &SqliteStore, id: Id) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM messages WHERE id = $1")
            .bind(id)
            .execute(store.writer())
            .await?;
        Ok(())
    }

    /// FTS5's own check that the index holds exactly what the table holds (every message
    /// indexed, each as it is now).
    async fn consistent(store: &SqliteStore) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
            .execute(store.writer())
            .await?;
        Ok(())
    }

    /// The messages the index matches for `word`, in the order they were stored.
    async fn matching(store: &SqliteStore, word: &str) -> anyhow::Result<Vec<Id>> {
        let ids = sqlx::query_scalar(
            "SELECT m.id FROM messages_fts JOIN messages m ON m.search_id = messages_fts.rowid \
             WHERE messages_fts MATCH $1 ORDER BY m.search_id",
        )
        .bind(word)
        .fetch_all(store.reader())
        .await?;
        Ok(ids)
    }

    /// Messages sent, edited and deleted before and after their turn: once caught up, the
    /// index holds exactly the messages as they are, and a search never sees an old wording.
    #[tokio::test]
    async fn the_index_follows_sends_edits_and_deletes_in_any_order() -> anyhow::Result<()> {
        let t = TestCtx::new().await?;
        let author = t.user(Role::Staff).await?;
        let room = t.room(&author, RoomKind::Public).await?;
        let author = author.id();
        // A copy of the database that no other store indexes: this test drives the passes.
        let dir = tempfile::tempdir()?;
        let copy = dir.path().join("copy.db");
        let seed = SqliteStore::connect(&t.database_url(), 2, Duration::from_secs(1))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(copy.display().to_string())
            .execute(seed.writer())
            .await?;
        drop(seed);
        let url = format!("sqlite://{}", copy.display());
        let store = SqliteStore::connect(&url, 2, Duration::from_secs(1))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        store.indexer.abort();
        let s = &store;

        let kept = send(s, room, author, "apricot orchard").await?;
        let edited_early = send(s, room, author, "banana draft").await?;
        let deleted_early = send(s, room, author, "cherry mistake").await?;
        edit(s, edited_early, "banana final").await?;
        delete(s, deleted_early).await?;
        assert!(
            matching(s, "apricot").await?.is_empty(),
            "indexed before its turn"
        );
        assert!(
            consistent(s).await.is_err(),
            "the check sees unindexed messages"
        );
        assert_eq!(s.search_index.catch_up().await?, 2);
        consistent(s).await?;
        assert_eq!(matching(s, "apricot").await?, [kept]);
        assert_eq!(matching(s, "final").await?, [edited_early]);
        assert!(matching(s, "draft").await?.is_empty());
        assert!(matching(s, "cherry").await?.is_empty());

        // Indexed first, then edited and deleted: the triggers keep the index in step. The
        // deleted message was the newest: its id is not taken again below the progress.
        edit(s, kept, "apricot harvest").await?;
        delete(s, edited_early).await?;
        consistent(s).await?;
        assert!(matching(s, "orchard").await?.is_empty());
        assert_eq!(matching(s, "harvest").await?, [kept]);
        assert!(matching(s, "banana").await?.is_empty());

        // More than a step's worth, sent before one catch-up: all of it, once.
        let mut many = Vec::new();
        for i in 0..(super::STEP + 40) {
            many.push(send(s, room, author, &format!("durian number{i}")).await?);
        }
        assert_eq!(s.search_index.catch_up().await?, many.len() as u64);
        assert_eq!(s.search_index.catch_up().await?, 0);
        consistent(s).await?;
        assert_eq!(matching(s, "durian").await?, many);
        Ok(())
    }
}
