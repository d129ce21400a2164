//! Group commit for sends.
//!
//! Committed one by one, every send pays for a commit of its own: on SQLite a fresh copy in the
//! WAL of every page it touched and a wait on the one writer connection; on PostgreSQL a WAL
//! flush and, while it lasts, the room row's lock that the room's next sender waits for. Sends
//! that queue up while earlier ones are being stored are therefore stored together, one
//! transaction for the lot, and each sender is answered only after that commit. A lone send
//! waits for nobody (a batch is what is queued when a writer gets to it), so a quiet server
//! answers as fast as before.
//!
//! There is one writer on either database (measured best on PostgreSQL too: one writer's
//! one-statement batches grow with the load, see `postgres/messages.rs`). The batch
//! function (`sqlite/sends.rs`, `postgres/messages.rs`) gives each send its own outcome: one
//! bad send must not fail the others.

use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use super::{InsertOutcome, NewMessage, StoreError, StoreResult};

/// Most sends in one transaction.
pub const MAX_BATCH: usize = 64;
/// Sends waiting for the writer before senders wait to queue.
const QUEUE: usize = 4096;

/// Stores a batch of sends in one transaction; one outcome per send, in order.
pub type StoreBatch = Arc<
    dyn Fn(Vec<NewMessage>) -> BoxFuture<'static, Vec<StoreResult<InsertOutcome>>> + Send + Sync,
>;

/// A send waiting for its transaction.
struct Pending {
    message: NewMessage,
    done: oneshot::Sender<StoreResult<InsertOutcome>>,
}

/// The queue of sends and the writer task that stores them.
pub struct GroupCommit {
    queue: mpsc::Sender<Pending>,
    writer: tokio::task::JoinHandle<()>,
}

impl GroupCommit {
    /// Starts the writer task; sends are stored in the order they are queued.
    pub fn start(store_batch: StoreBatch) -> Self {
        let (queue, pending) = mpsc::channel(QUEUE);
        let writer = tokio::spawn(write_forever(pending, store_batch));
        Self { queue, writer }
    }

    /// Stores `message` with whatever is queued with it, and waits for the commit.
    pub async fn insert(&self, message: NewMessage) -> StoreResult<InsertOutcome> {
        let stopped = || StoreError::Unavailable("the message writer has stopped".into());
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Pending { message, done })
            .await
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }

    /// Stops the writer; sends still queued are answered with an error.
    pub fn stop(&self) {
        self.writer.abort();
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn write_forever(mut pending: mpsc::Receiver<Pending>, store_batch: StoreBatch) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        if pending.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        metrics::histogram!("switchboard_store_send_batch_size").record(batch.len() as f64);
        let (messages, senders): (Vec<NewMessage>, Vec<_>) =
            batch.drain(..).map(|p| (p.message, p.done)).unzip();
        let outcomes = store_batch(messages).await;
        for (done, outcome) in senders.into_iter().zip(outcomes) {
            // A sender that gave up waiting no longer needs its answer.
            let _unwanted = done.send(outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::Mutex, time::Duration};

    use chrono::Utc;
    use futures::future::join_all;

    use super::*;
    use crate::domain::Id;

    fn message(room_id: Id, client_id: String) -> NewMessage {
        NewMessage {
            id: Id::new(),
            room_id,
            author_id: Id::new(),
            client_id,
            body: "hello".into(),
            parent_id: None,
            created_at: Utc::now(),
        }
    }

    /// A batch function that takes 5 ms per batch, records the client ids of every batch, and
    /// answers each send with an error naming its own client id (so the test can tell whose
    /// answer reached whom); `bad` fails alone.
    fn recording(batches: Arc<Mutex<Vec<Vec<String>>>>) -> StoreBatch {
        Arc::new(move |messages: Vec<NewMessage>| {
            let batches = batches.clone();
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                batches
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(messages.iter().map(|m| m.client_id.clone()).collect());
                messages
                    .into_iter()
                    .map(|m| match m.client_id.as_str() {
                        "bad" => Err(StoreError::ForeignKey("messages_room_id_fkey".into())),
                        _ => Err(StoreError::Unavailable(m.client_id)),
                    })
                    .collect()
            })
        })
    }

    #[tokio::test]
    async fn queued_sends_share_a_batch_and_each_gets_its_own_outcome() -> anyhow::Result<()> {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let commit = Arc::new(GroupCommit::start(recording(batches.clone())));
        let room = Id::new();
        let mut sends: Vec<_> = (0..200).map(|i| message(room, format!("c{i}"))).collect();
        sends.push(message(room, "bad".into()));
        // The test runtime runs tasks first come, first served: they queue in this order.
        let senders = sends.iter().map(|m| {
            let (commit, m) = (commit.clone(), m.clone());
            tokio::spawn(async move { commit.insert(m).await })
        });
        let outcomes = join_all(senders.collect::<Vec<_>>()).await;
        for (sent, outcome) in sends.iter().zip(outcomes) {
            let outcome = outcome?;
            match (sent.client_id.as_str(), outcome) {
                ("bad", Err(StoreError::ForeignKey(_))) => {}
                (id, Err(StoreError::Unavailable(answer))) => assert_eq!(answer, id),
                (id, other) => panic!("{id} got {other:?}"),
            }
        }
        let batches = batches.lock().unwrap_or_else(|e| e.into_inner());
        assert!(batches.iter().all(|b| b.len() <= MAX_BATCH));
        assert!(
            batches.len() < 201 / 2,
            "queued sends were stored together: {} batches",
            batches.len()
        );
        // The sends were stored in the order they were queued.
        let order: Vec<&String> = batches.iter().flatten().collect();
        let queued: Vec<&String> = sends.iter().map(|m| &m.client_id).collect();
        assert_eq!(order, queued);
        Ok(())
    }

    #[tokio::test]
    async fn a_lone_send_is_stored_at_once_and_a_stopped_writer_answers() {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let commit = GroupCommit::start(recording(batches.clone()));
        let outcome = commit.insert(message(Id::new(), "alone".into())).await;
        assert!(matches!(outcome, Err(StoreError::Unavailable(id)) if id == "alone"));
        assert_eq!(
            *batches.lock().unwrap_or_else(|e| e.into_inner()),
            [vec!["alone".to_owned()]]
        );
        commit.stop();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let outcome = commit.insert(message(Id::new(), "late".into())).await;
        assert!(
            matches!(&outcome, Err(StoreError::Unavailable(why)) if why.contains("stopped")),
            "{outcome:?}"
        );
    }
}
