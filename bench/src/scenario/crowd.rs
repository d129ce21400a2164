//! A crowd of reliable clients in rooms, with one sender per room, and the final check of a
//! reliability run: did every client end with every acked message of its rooms, once, in order?

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::{task::JoinHandle, time::Instant};

pub use super::outcome::Outcome;
use crate::{
    client::Endpoint,
    fixture::Fixture,
    progress,
    reliable::{Acked, ConnStats, ReliableClient, send_reliably},
    stats::{Stats, stamped_body},
    tracker::{SeqRegistry, Tracker},
};

/// Clients, their rooms and their counters.
pub struct Crowd {
    /// Every client.
    pub clients: Vec<Arc<ReliableClient>>,
    /// The room of each client.
    client_rooms: Vec<String>,
    /// Each room and the index of its sender in `clients`.
    rooms: Vec<(String, usize)>,
    /// Delivery counters.
    pub stats: Arc<Stats>,
    /// Connection counters.
    pub conn_stats: Arc<ConnStats>,
    registry: Arc<SeqRegistry>,
}

impl Crowd {
    /// `sockets_per_user` clients per member of `fixture` (a user's tabs and devices); client
    /// `i` tries `endpoints(i)` in turn.
    pub fn new(
        fixture: &Fixture,
        sockets_per_user: usize,
        endpoints: impl Fn(usize) -> Vec<Endpoint>,
    ) -> Self {
        let stats = Arc::new(Stats::default());
        let conn_stats = Arc::new(ConnStats::default());
        let registry = Arc::new(SeqRegistry::default());
        let mut clients = Vec::new();
        let mut client_rooms = Vec::new();
        let mut rooms = Vec::new();
        for room in &fixture.rooms {
            rooms.push((room.id.clone(), clients.len()));
            let sockets = room
                .members
                .iter()
                .flat_map(|m| std::iter::repeat_n(m, sockets_per_user.max(1)));
            for member in sockets {
                let tracker = Arc::new(Tracker::reliable(
                    Arc::clone(&stats),
                    [room.id.clone()],
                    Arc::clone(&registry),
                ));
                clients.push(ReliableClient::new(
                    tracker,
                    member.token.clone(),
                    endpoints(clients.len()),
                    Arc::clone(&stats),
                    Arc::clone(&conn_stats),
                ));
                client_rooms.push(room.id.clone());
            }
        }
        Self {
            clients,
            client_rooms,
            rooms,
            stats,
            conn_stats,
            registry,
        }
    }

    /// Starts every client, a batch at a time, and waits until all are connected.
    pub async fn start(&self) -> anyhow::Result<()> {
        for batch in self.clients.chunks(200) {
            for client in batch {
                client.start();
            }
            for client in batch {
                if !client.wait_connected(Duration::from_secs(30)).await {
                    anyhow::bail!("a client did not connect within 30 s");
                }
            }
        }
        progress!("{} clients connected", self.clients.len());
        Ok(())
    }

    /// Sends `rate` messages/s into every room for `duration` (each through its room's sender,
    /// outbox-style); resolves to every acked send.
    pub fn traffic(
        &self,
        rate: f64,
        duration: Duration,
        body_bytes: usize,
    ) -> JoinHandle<Vec<Acked>> {
        let padding = super::padding(body_bytes);
        let senders: Vec<_> = self
            .rooms
            .iter()
            .map(|(room, sender)| (room.clone(), Arc::clone(&self.clients[*sender])))
            .collect();
        tokio::spawn(async move {
            let started = Instant::now();
            let end = started + duration;
            let tasks: Vec<_> = senders
                .into_iter()
                .map(|(room, client)| {
                    let padding = padding.clone();
                    tokio::spawn(async move {
                        let mut acked = Vec::new();
                        for i in 0u64.. {
                            let due = started + Duration::from_secs_f64(i as f64 / rate.max(0.001));
                            if due >= end {
                                break;
                            }
                            tokio::time::sleep_until(due).await;
                            let give_up = end + Duration::from_secs(120);
                            if let Some(a) =
                                send_reliably(&client, &room, stamped_body(&padding), give_up).await
                            {
                                acked.push(a);
                            }
                        }
                        acked
                    })
                })
                .collect();
            let mut all = Vec::new();
            for task in tasks {
                if let Ok(acked) = task.await {
                    all.extend(acked);
                }
            }
            all
        })
    }

    /// Cuts every client again and again: every `every` ± `jitter`, offline for `offline`,
    /// until `until`.
    pub fn cut_repeatedly(
        &self,
        every: Duration,
        jitter: Duration,
        offline: Duration,
        until: Instant,
    ) -> JoinHandle<u64> {
        let clients = self.clients.clone();
        tokio::spawn(async move {
            let tasks: Vec<_> = clients
                .into_iter()
                .map(|client| {
                    tokio::spawn(async move {
                        let mut cuts = 0u64;
                        loop {
                            let spread = jitter.as_secs_f64();
                            let wait = every.as_secs_f64()
                                + rand::Rng::random_range(&mut rand::rng(), -spread..=spread);
                            let at = Instant::now() + Duration::from_secs_f64(wait.max(0.5));
                            if at >= until {
                                return cuts;
                            }
                            tokio::time::sleep_until(at).await;
                            client.cut(offline);
                            cuts += 1;
                        }
                    })
                })
                .collect();
            let mut cuts = 0;
            for task in tasks {
                cuts += task.await.unwrap_or(0);
            }
            cuts
        })
    }

    /// Waits (at most `timeout`) until every client has caught up with `acked`, then counts.
    pub async fn check(&self, acked: &[Acked], timeout: Duration) -> Outcome {
        let mut last: HashMap<&str, i64> = HashMap::new();
        let mut distinct: HashMap<&str, std::collections::HashSet<i64>> = HashMap::new();
        for a in acked {
            let entry = last.entry(a.room.as_str()).or_insert(0);
            *entry = (*entry).max(a.seq);
            distinct.entry(a.room.as_str()).or_default().insert(a.seq);
        }
        let seq_holes: i64 = last
            .iter()
            .map(|(room, max)| max - distinct.get(room).map_or(0, |s| s.len() as i64))
            .sum();
        self.report_stragglers(&last);
        let started = Instant::now();
        let mut nudged = Instant::now();
        loop {
            let behind = self.behind(&last);
            if behind == 0 || started.elapsed() >= timeout {
                break;
            }
            if nudged.elapsed() >= Duration::from_secs(2) {
                // Stragglers sync again (a real client would on its next reconnect or hint).
                for client in &self.clients {
                    client.tracker.sync_wanted.notify_one();
                }
                nudged = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let expected: i64 = self
            .client_rooms
            .iter()
            .map(|r| last.get(r.as_str()).copied().unwrap_or(0))
            .sum();
        let missing = self.behind(&last);
        let expected = u64::try_from(expected).unwrap_or(0);
        Outcome {
            clients: self.clients.len(),
            acked_sends: acked.len() as u64,
            send_failures: self.stats.sent_failed.get(),
            expected,
            delivered: expected.saturating_sub(missing),
            missing,
            wire_duplicates: self.stats.wire_duplicates.get(),
            order_violations: self.stats.order_violations.get(),
            live_resends: self.stats.live_resends.get(),
            seq_conflicts: self.registry.conflicts.get(),
            seq_holes: u64::try_from(seq_holes).unwrap_or(0),
            live: self.stats.delivered.get(),
            caught_up: self.stats.caught_up.get(),
            syncs: self.stats.syncs.get(),
            sync_timeouts: self.stats.sync_timeouts.get(),
            early_sync_timeouts: self.stats.early_sync_timeouts.get(),
            connects: self.conn_stats.connects.get(),
            connect_failures: self.conn_stats.failures.get(),
            live_latency: self.stats.latency.summary(),
            catchup_latency: self.stats.catchup.summary(),
            send_ack_latency: self.stats.send_ack.summary(),
            settle_secs: started.elapsed().as_secs_f64(),
        }
    }

    /// Says who is behind when traffic ends, and whether they hear live messages at all.
    fn report_stragglers(&self, last: &HashMap<&str, i64>) {
        let now = crate::stats::now_us();
        let (mut behind, mut offline, mut deaf) = (0, 0, 0);
        for (client, room) in self.clients.iter().zip(&self.client_rooms) {
            let want = last.get(room.as_str()).copied().unwrap_or(0);
            if client.tracker.cursor(room) >= want {
                continue;
            }
            behind += 1;
            let connected_for = client
                .connected_at
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .map_or(0, |at| now.saturating_sub(at));
            if client.conn().is_none() {
                offline += 1;
            } else if connected_for > 3_000_000 && client.tracker.live_since_connect() == 0 {
                deaf += 1;
            }
        }
        if behind > 0 {
            progress!(
                "end of traffic: {behind} clients behind ({offline} offline, {deaf} connected > 3 s without one live message)"
            );
        }
    }

    /// Messages still missing over all clients.
    fn behind(&self, last: &HashMap<&str, i64>) -> u64 {
        self.clients
            .iter()
            .zip(&self.client_rooms)
            .map(|(client, room)| {
                let want = last.get(room.as_str()).copied().unwrap_or(0);
                u64::try_from((want - client.tracker.cursor(room)).max(0)).unwrap_or(0)
            })
            .sum()
    }

    /// Stops every client.
    pub fn stop(&self) {
        for client in &self.clients {
            client.stop();
        }
    }
}
