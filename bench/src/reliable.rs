//! A client that keeps the delivery guarantee the way the web client does (and the e2e
//! harness's `ReliableClient`): it reconnects by itself, syncs on every connect, on a gap and
//! on `sync:hint`, acknowledges cumulatively (its cursor, after every `message:new`, duplicates
//! included, and after a sync that moved it), and its sends go through an outbox that resends
//! with the same clientId until acked.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::{sync::watch, time::Instant};

use crate::{
    client::{self, Conn, ConnectError, Endpoint, Handler},
    stats::{Counter, Stats, now_us},
    tracker::{Tracker, WireMessage},
};

/// Messages per room per `sync` call.
const SYNC_LIMIT: u32 = 200;
/// How long an emit may wait for its ack.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// Connection counters of a group of clients.
#[derive(Default)]
pub struct ConnStats {
    /// Successful connects (first ones included).
    pub connects: Counter,
    /// Failed connect attempts.
    pub failures: Counter,
    /// Refused connects (a `connect_error`), a subset of the failures.
    pub refused: Counter,
}

/// One reliable client.
pub struct ReliableClient {
    /// Its cursors.
    pub tracker: Arc<Tracker>,
    token: String,
    endpoints: Vec<Endpoint>,
    stats: Arc<Stats>,
    conn_stats: Arc<ConnStats>,
    /// The live connection, if any.
    current: watch::Sender<Option<Conn>>,
    /// Do not reconnect before this instant (a simulated outage).
    offline_until: Mutex<Option<Instant>>,
    stopped: watch::Sender<bool>,
    /// When the current connection came up (µs, [`now_us`]).
    pub connected_at: Mutex<Option<u64>>,
}

impl ReliableClient {
    /// A client of `endpoints` (the next one is tried after a failure).
    pub fn new(
        tracker: Arc<Tracker>,
        token: String,
        endpoints: Vec<Endpoint>,
        stats: Arc<Stats>,
        conn_stats: Arc<ConnStats>,
    ) -> Arc<Self> {
        Arc::new(Self {
            tracker,
            token,
            endpoints,
            stats,
            conn_stats,
            current: watch::channel(None).0,
            offline_until: Mutex::new(None),
            stopped: watch::channel(false).0,
            connected_at: Mutex::new(None),
        })
    }

    /// Starts the connect and sync loops.
    pub fn start(self: &Arc<Self>) {
        tokio::spawn(Arc::clone(self).connect_loop());
        tokio::spawn(Arc::clone(self).sync_loop());
    }

    /// Resolves once connected (or after `timeout`): true when connected.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        let mut rx = self.current.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(Option::is_some))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The live connection.
    pub fn conn(&self) -> Option<Conn> {
        self.current.borrow().clone().filter(Conn::is_open)
    }

    /// Cuts the connection and stays offline for `offline`.
    pub fn cut(&self, offline: Duration) {
        *self.offline_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + offline);
        if let Some(conn) = self.current.borrow().as_ref() {
            conn.cut();
        }
    }

    /// Stops reconnecting and closes the connection.
    pub fn stop(&self) {
        self.stopped.send_replace(true);
        if let Some(conn) = self.current.borrow().as_ref() {
            conn.cut();
        }
    }

    fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }

    async fn connect_loop(self: Arc<Self>) {
        let mut attempt: u32 = 0;
        let mut index = 0;
        while !self.is_stopped() {
            let pause = self
                .offline_until
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(until) = pause {
                tokio::time::sleep_until(until).await;
            }
            let endpoint = &self.endpoints[index % self.endpoints.len()];
            let handler: Arc<dyn Handler> = self.tracker.clone();
            match client::connect(endpoint, &self.token, handler, ACK_TIMEOUT).await {
                Ok(conn) => {
                    attempt = 0;
                    self.conn_stats.connects.inc();
                    self.tracker.on_connect();
                    *self.connected_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(now_us());
                    self.current.send_replace(Some(conn.clone()));
                    self.tracker.sync_wanted.notify_one();
                    let mut stopped = self.stopped.subscribe();
                    tokio::select! {
                        () = conn.closed() => {}
                        _ = stopped.wait_for(|s| *s) => conn.cut(),
                    }
                    self.current.send_replace(None);
                }
                Err(err) => {
                    self.conn_stats.failures.inc();
                    if matches!(err, ConnectError::Refused(_)) {
                        self.conn_stats.refused.inc();
                    }
                    index += 1;
                    attempt += 1;
                    tokio::time::sleep(backoff(attempt)).await;
                }
            }
        }
    }

    async fn sync_loop(self: Arc<Self>) {
        let mut stopped = self.stopped.subscribe();
        loop {
            tokio::select! {
                () = self.tracker.sync_wanted.notified() => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
            while let Some(conn) = self.conn() {
                match self.sync_once(&conn).await {
                    SyncOutcome::Complete | SyncOutcome::Disconnected => break,
                    SyncOutcome::More => {}
                    SyncOutcome::Refused => tokio::time::sleep(Duration::from_millis(500)).await,
                }
            }
        }
    }

    async fn sync_once(&self, conn: &Conn) -> SyncOutcome {
        self.stats.syncs.inc();
        let cursors: Vec<Value> = self
            .tracker
            .cursors()
            .into_iter()
            .map(|(room, seq)| json!({"roomId": room, "seq": seq}))
            .collect();
        let payload = json!({"cursors": cursors, "limit": SYNC_LIMIT}).to_string();
        let connected_at = *self.connected_at.lock().unwrap_or_else(|e| e.into_inner());
        let right_after_connect =
            connected_at.is_some_and(|at| now_us().saturating_sub(at) < 20_000);
        let answer = match conn.emit_ack("sync", payload, ACK_TIMEOUT).await {
            Ok(answer) => answer,
            Err(client::EmitError::Disconnected) => return SyncOutcome::Disconnected,
            Err(client::EmitError::Timeout) => {
                self.stats.sync_timeouts.inc();
                if right_after_connect {
                    self.stats.early_sync_timeouts.inc();
                }
                return SyncOutcome::Refused;
            }
        };
        let Ok(answer) = serde_json::from_str::<SyncAnswer<'_>>(&answer) else {
            return SyncOutcome::Refused;
        };
        let Some(data) = answer.data.filter(|_| answer.ok) else {
            return SyncOutcome::Refused;
        };
        let mut complete = true;
        for room in &data.rooms {
            let before = self.tracker.cursor(&room.room_id);
            let mut cursor = before;
            for message in &room.messages {
                cursor = self.tracker.receive(message, false).unwrap_or(cursor);
            }
            // What the sync brought is held now: acknowledge it (the server may owe the socket
            // those messages and would otherwise send them again).
            if cursor > before {
                conn.ack(&room.room_id, cursor);
            }
            complete &= room.complete;
        }
        if complete {
            SyncOutcome::Complete
        } else {
            SyncOutcome::More
        }
    }
}

enum SyncOutcome {
    Complete,
    More,
    Disconnected,
    Refused,
}

#[derive(Deserialize)]
struct SyncAnswer<'a> {
    ok: bool,
    #[serde(borrow)]
    data: Option<SyncData<'a>>,
}

#[derive(Deserialize)]
struct SyncData<'a> {
    #[serde(borrow)]
    rooms: Vec<SyncRoom<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SyncRoom<'a> {
    #[serde(borrow)]
    room_id: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    messages: Vec<WireMessage<'a>>,
    complete: bool,
}

/// Reconnect delay: 200 ms doubling to 5 s, with ±50 % jitter (socket.io-client's defaults
/// are 1 s .. 5 s, ±50 %).
fn backoff(attempt: u32) -> Duration {
    let base = (200u64 << attempt.min(5)).min(5000) as f64;
    let jitter = rand::rng().random_range(0.5..1.5);
    Duration::from_millis((base * jitter) as u64)
}

/// What a sender learnt from an acked send.
#[derive(Clone, Debug)]
pub struct Acked {
    /// The room.
    pub room: String,
    /// The seq the server gave the message.
    pub seq: i64,
}

/// Sends one message through `client` until it is acked (same clientId on every try, like the
/// web client's outbox); gives up only when `deadline` passes.
pub async fn send_reliably(
    client: &ReliableClient,
    room: &str,
    body: String,
    deadline: Instant,
) -> Option<Acked> {
    let client_id = crate::protocol::client_id().to_string();
    let payload = json!({"roomId": room, "clientId": client_id, "body": body}).to_string();
    let started = now_us();
    while Instant::now() < deadline {
        let Some(conn) = client.conn() else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        match conn
            .emit_ack("message:send", payload.clone(), ACK_TIMEOUT)
            .await
        {
            Ok(answer) => {
                if let Some(seq) = acked_seq(&answer) {
                    client.stats.sent_ok.inc();
                    client
                        .stats
                        .send_ack
                        .record(now_us().saturating_sub(started));
                    return Some(Acked {
                        room: room.to_owned(),
                        seq,
                    });
                }
                // Refused (overload, rate limit): wait a little, try again.
                let pause = 200 + rand::rng().random_range(0..300);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    client.stats.sent_failed.inc();
    None
}

/// The seq of a `{ok: true, data: message}` ack.
pub fn acked_seq(answer: &str) -> Option<i64> {
    #[derive(Deserialize)]
    struct Answer {
        ok: bool,
        data: Option<Seq>,
    }
    #[derive(Deserialize)]
    struct Seq {
        seq: i64,
    }
    let answer: Answer = serde_json::from_str(answer).ok()?;
    answer.data.filter(|_| answer.ok).map(|d| d.seq)
}
