//! What a send's commit leaves for later on SQLite: the message's entry in the full-text
//! index (FTS5) and its author's read and delivery cursors.
//!
//! Triggers used to do both inside the transaction that stored the message. FTS5 writes a new
//! segment of its index at every commit and merges segments as they pile up, and the author's
//! cursors are one more row rewritten per send: the group commit of every send paid for that,
//! and every send queued behind it waited, while neither is needed for the send's
//! acknowledgement. A background pass does both instead, [`GATHER_FOR`] after messages were
//! stored, in steps of up to [`STEP`] messages (one index segment and one cursor statement per
//! step, not per commit); `search_progress.indexed_to` records the highest `search_id` done.
//!
//! Readers stay read-your-writes: a search, and the answers that show a user's cursors (their
//! rooms, a room, its members), first catch up with whatever was stored before they started
//! ([`Deferred::catch_up`], through `SqliteStore::settle_sends`). The edit and delete triggers
//! touch the index only for messages it already holds (migration `0018`); a message edited or
//! deleted before its turn is indexed as it is then, or not at all. The cursors only move
//! forward (`MAX`), so a step that follows a newer read mark changes nothing. Steps run on the
//! one writer connection, each its own short transaction, so sends queued meanwhile go between
//! them.
//!
//! `search_id` is taken in commit order (one writer, `MAX + 1` inside the insert), so every
//! message above `indexed_to` is one the pass has not seen. A crash loses nothing: the next
//! start catches up from `indexed_to` on. (PostgreSQL keeps its generated `tsvector` column
//! and GIN index, whose pending list already defers the index's work, and moves the authors'
//! cursors in the send's statement.)

use std::{sync::Arc, time::Duration};

use sqlx::SqlitePool;
use tokio::sync::{Mutex, Notify};

/// How long the background pass lets new messages gather before it takes them on.
const GATHER_FOR: Duration = Duration::from_millis(100);
/// How often the background pass looks for messages when nobody woke it.
const LOOK_EVERY: Duration = Duration::from_secs(5);
/// Most messages one transaction takes on: a step holds the writer about as long as a group
/// commit does.
const STEP: i64 = 256;

/// The pass that indexes stored messages and moves their authors' cursors, and its progress.
pub(super) struct Deferred {
    writer: SqlitePool,
    reader: SqlitePool,
    /// One pass at a time (the background pass and the readers that wait for it).
    turn: Mutex<()>,
    /// Wakes the background pass.
    stored: Notify,
}

impl Deferred {
    /// The pass over the database behind `writer` (and `reader`, to look for work without
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
    /// messages were stored ([`Deferred::stored`]), lets [`GATHER_FOR`] of them gather,
    /// and does their part; every [`LOOK_EVERY`] it looks anyway (a message stored by another
    /// process, a pass that failed).
    pub(super) fn start(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let pass = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let _woken = tokio::time::timeout(LOOK_EVERY, pass.stored.notified()).await;
                tokio::time::sleep(GATHER_FOR).await;
                if let Err(e) = pass.catch_up().await {
                    tracing::warn!(error = %e, "indexing messages and moving their authors' cursors failed; retrying");
                }
            }
        })
    }

    /// Messages were stored: the background pass takes them on shortly.
    pub(super) fn stored(&self) {
        self.stored.notify_one();
    }

    /// Indexes every message committed before the call and moves its author's cursors past it;
    /// the number of messages.
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

    /// Indexes the next [`STEP`] messages and moves their authors' cursors past them, in one
    /// transaction; how many, and the `search_id` done up to.
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
        // An author has read (and holds) what they sent: each author's cursors in each room
        // move to their newest message of the step, never back.
        sqlx::query(
            "UPDATE room_members \
             SET last_read_seq = MAX(last_read_seq, s.seq), \
                 last_delivered_seq = MAX(last_delivered_seq, s.seq) \
             FROM (SELECT room_id, author_id, MAX(seq) AS seq FROM messages \
                   WHERE search_id > $1 AND search_id <= $2 GROUP BY room_id, author_id) AS s \
             WHERE room_members.room_id = s.room_id AND room_members.user_id = s.author_id \
             AND (room_members.last_read_seq < s.seq OR room_members.last_delivered_seq < s.seq)",
        )
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await?;
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
        domain::{
            Id,
            room::{RoomKind, RoomRole},
            user::Role,
        },
        service::testing::TestCtx,
        store::{InsertOutcome, NewMessage, RoomStore, sqlite::SqliteStore},
    };

    /// A copy of `t`'s database that no background pass works on: the test drives the passes.
    async fn detached_copy(t: &TestCtx) -> anyhow::Result<(tempfile::TempDir, SqliteStore)> {
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
        store.deferred_pass.abort();
        Ok((dir, store))
    }

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
        let (_dir, store) = detached_copy(&t).await?;
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
        assert_eq!(s.deferred.catch_up().await?, 2);
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
        assert_eq!(s.deferred.catch_up().await?, many.len() as u64);
        assert_eq!(s.deferred.catch_up().await?, 0);
        consistent(s).await?;
        assert_eq!(matching(s, "durian").await?, many);
        Ok(())
    }

    /// A member's read and delivery cursors, as stored.
    async fn cursors(store: &SqliteStore, room: Id, user: Id) -> anyhow::Result<(i64, i64)> {
        let cursors = sqlx::query_as(
            "SELECT last_read_seq, last_delivered_seq FROM room_members \
             WHERE room_id = $1 AND user_id = $2",
        )
        .bind(room)
        .bind(user)
        .fetch_one(store.reader())
        .await?;
        Ok(cursors)
    }

    /// An author's cursors move past what they sent in the pass, not in the send's commit;
    /// they never move back past a later read mark, and the answers that show them wait for
    /// the pass.
    #[tokio::test]
    async fn the_authors_cursors_follow_their_sends_forward_only() -> anyhow::Result<()> {
        let t = TestCtx::new().await?;
        let author = t.user(Role::Staff).await?;
        let reader = t.user(Role::Staff).await?;
        let room = t.room(&author, RoomKind::Public).await?;
        let (author, reader) = (author.id(), reader.id());
        let (_dir, store) = detached_copy(&t).await?;
        let s = &store;
        s.add_member(room, reader, RoomRole::Member, &[]).await?;

        send(s, room, author, "one").await?;
        send(s, room, author, "two").await?;
        send(s, room, reader, "three").await?;
        assert_eq!(
            cursors(s, room, author).await?,
            (0, 0),
            "moved in the commit"
        );
        assert_eq!(
            cursors(s, room, reader).await?,
            (0, 0),
            "moved in the commit"
        );
        assert_eq!(s.deferred.catch_up().await?, 3);
        assert_eq!(cursors(s, room, author).await?, (2, 2));
        assert_eq!(cursors(s, room, reader).await?, (3, 3));

        // The author sends, then reads past it before the pass: the pass keeps the later mark.
        send(s, room, author, "four").await?;
        send(s, room, reader, "five").await?;
        assert_eq!(s.mark_read(room, author, 5).await?, Some(5));
        assert_eq!(s.deferred.catch_up().await?, 2);
        assert_eq!(cursors(s, room, author).await?, (5, 5));
        assert_eq!(cursors(s, room, reader).await?, (5, 5));

        // Rooms and members shown to a user are read after the pass caught up.
        send(s, room, author, "six").await?;
        let mine = s.member_rooms(author).await?;
        assert_eq!(
            mine.iter().map(|r| r.last_read_seq).collect::<Vec<_>>(),
            [6]
        );
        send(s, room, reader, "seven").await?;
        let shown = s.room_shown(room, reader).await?;
        assert_eq!(shown.map(|r| (r.last_read_seq, r.unread)), Some((7, 0)));
        send(s, room, author, "eight").await?;
        let member = s.get_member(room, author).await?;
        assert_eq!(
            member.map(|m| (m.last_read_seq, m.last_delivered_seq)),
            Some((8, 8))
        );
        assert_eq!(s.deferred.catch_up().await?, 0);
        Ok(())
    }
}
