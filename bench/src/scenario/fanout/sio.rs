//! A fan-out run on a Socket.IO server (Switchboard, one or two instances, or the Node
//! baseline): users and rooms of the layout, one tracking socket per place, watchers watching,
//! and the first socket of each room sending with `message:send`.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use anyhow::bail;
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::json;

use super::{Layout, Measured};
use crate::{
    client::{Conn, Handler},
    fixture::{DeliveryCounters, Fixture, Target},
    progress,
    scenario::stepper::{self, Driver, StepPlan},
    stats::{Stats, now_us},
    tracker::Tracker,
};

/// `room:watch` calls in flight at once while setting up.
const WATCH_CONCURRENCY: usize = 32;

/// Senders of a Socket.IO run: one socket per room.
pub struct SioDriver {
    senders: Vec<(Conn, String, Arc<AtomicUsize>)>,
    stats: Arc<Stats>,
    in_flight: usize,
}

impl SioDriver {
    /// Senders from `(conn, room id)` pairs.
    pub fn new(senders: Vec<(Conn, String)>, stats: Arc<Stats>, in_flight: usize) -> Self {
        Self {
            senders: senders
                .into_iter()
                .map(|(c, r)| (c, r, Arc::new(AtomicUsize::new(0))))
                .collect(),
            stats,
            in_flight,
        }
    }
}

impl Driver for SioDriver {
    fn send(&self, room: usize, body: String) -> bool {
        let Some((conn, room_id, pending)) = self.senders.get(room) else {
            return false;
        };
        if pending.load(Ordering::Relaxed) >= self.in_flight {
            return false;
        }
        pending.fetch_add(1, Ordering::Relaxed);
        let payload =
            json!({"roomId": room_id, "clientId": crate::protocol::client_id(), "body": body})
                .to_string();
        let (conn, pending, stats) = (conn.clone(), Arc::clone(pending), Arc::clone(&self.stats));
        tokio::spawn(async move {
            let started = now_us();
            match conn
                .emit_ack("message:send", payload, Duration::from_secs(30))
                .await
            {
                Ok(answer) if crate::reliable::acked_seq(&answer).is_some() => {
                    stats.sent_ok.inc();
                    stats.send_ack.record(now_us().saturating_sub(started));
                }
                _ => stats.sent_failed.inc(),
            }
            pending.fetch_sub(1, Ordering::Relaxed);
        });
        true
    }

    fn rooms(&self) -> usize {
        self.senders.len()
    }
}

/// Sets up the layout on `targets` (socket `i` on instance `i % n`), runs the steps (or the
/// fixed-rate step) and closes the sockets.
pub async fn run_once(
    targets: &[&Target],
    pids: &[u32],
    layout: &Layout,
    plan: &StepPlan,
    in_flight: usize,
) -> anyhow::Result<Measured> {
    progress!("setting up {}", layout.describe());
    let fixture = targets[0]
        .fixture_of(layout.rooms, layout.users_per_room(), layout.access())
        .await?;
    let stats = Arc::new(Stats::default());
    let conns = connect(targets, &fixture, layout, &stats).await?;
    watch(&conns, &fixture, layout).await?;
    let senders = fixture
        .rooms
        .iter()
        .enumerate()
        .map(|(i, room)| (conns[i * layout.members].clone(), room.id.clone()))
        .collect();
    let driver = Arc::new(SioDriver::new(senders, Arc::clone(&stats), in_flight));
    let stepped = if layout.stepped() {
        stepper::run(driver, &stats, plan, pids).await
    } else {
        stepper::run_fixed(driver, &stats, plan, pids).await
    };
    for conn in &conns {
        conn.cut();
    }
    let delivery = delivery_counters(targets).await;
    if let Some(d) = delivery {
        progress!(
            "server: {} acknowledgements, {} re-sends, {} deliveries given up, {} messages dispatched in {} packets",
            d.acks,
            d.retries,
            d.failures,
            d.packet_messages,
            d.packets
        );
    }
    Ok(Measured {
        stepped,
        stats,
        delivery,
    })
}

/// The delivery counters summed over the instances (`None` unless every one answered).
async fn delivery_counters(targets: &[&Target]) -> Option<DeliveryCounters> {
    let mut sum = DeliveryCounters::default();
    for target in targets {
        let counters = target.delivery_counters().await?;
        sum.retries += counters.retries;
        sum.failures += counters.failures;
        sum.acks += counters.acks;
        sum.packets += counters.packets;
        sum.packet_messages += counters.packet_messages;
    }
    Some(sum)
}

/// One tracking socket per place of the layout, room by room, spread over the instances.
async fn connect(
    targets: &[&Target],
    fixture: &Fixture,
    layout: &Layout,
    stats: &Arc<Stats>,
) -> anyhow::Result<Vec<Conn>> {
    let tokens: Vec<String> = fixture
        .rooms
        .iter()
        .flat_map(|room| (0..layout.members).map(|m| room.members[layout.user_of(m)].token.clone()))
        .collect();
    progress!("connecting {} sockets", tokens.len());
    // Socket i goes to instance i % n; connect each instance's share, then put them in order.
    let n = targets.len().max(1);
    let mut shares = Vec::new();
    for (k, target) in targets.iter().enumerate() {
        let clients: Vec<(String, Arc<dyn Handler>)> = tokens
            .iter()
            .skip(k)
            .step_by(n)
            .map(|t| {
                let tracker = Tracker::streaming(Arc::clone(stats));
                (t.clone(), Arc::new(tracker) as Arc<dyn Handler>)
            })
            .collect();
        let conns = crate::scenario::connect_all(target, k * tokens.len(), clients).await?;
        shares.push(conns.into_iter());
    }
    Ok((0..tokens.len())
        .filter_map(|i| shares[i % n].next())
        .collect())
}

/// The watchers of each room start watching the next room (`room:watch`).
async fn watch(conns: &[Conn], fixture: &Fixture, layout: &Layout) -> anyhow::Result<()> {
    let calls: Vec<(Conn, String)> = (0..layout.rooms)
        .flat_map(|room| (0..layout.members).map(move |member| (room, member)))
        .filter_map(|(room, member)| {
            let watched = layout.watched_by(room, member)?;
            let conn = conns[room * layout.members + member].clone();
            Some((conn, fixture.rooms[watched].id.clone()))
        })
        .collect();
    if calls.is_empty() {
        return Ok(());
    }
    progress!("{} sockets watch a room", calls.len());
    stream::iter(calls)
        .map(|(conn, room)| async move {
            let payload = json!({ "roomId": room }).to_string();
            let answer = conn
                .emit_ack("room:watch", payload, Duration::from_secs(20))
                .await?;
            let ok = serde_json::from_str::<serde_json::Value>(&answer)
                .is_ok_and(|a| a["ok"] == json!(true));
            if !ok {
                bail!("room:watch refused: {answer}");
            }
            Ok(())
        })
        .buffer_unordered(WATCH_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}
