//! Durable sends: concurrent senders, each sending its next message as soon as the previous one
//! is acked (the ack means "committed with its seq"). Every room's members are the senders of
//! that room, so each message is also fanned out to a few sockets that acknowledge it
//! (cumulatively, like every client here).

use std::{sync::Arc, time::Duration};

use clap::Args;
use serde::Serialize;
use serde_json::json;
use tokio::time::Instant;

use crate::{
    client::Handler,
    fixture::DeliveryCounters,
    launch::TargetArgs,
    procfs::CpuMeter,
    progress,
    reliable::acked_seq,
    report::{Table, median, thousands, write_json},
    stats::{Stats, Summary, now_us, stamped_body},
    target::{Backend, Kind},
    tracker::Tracker,
};

/// Options of `durable`.
#[derive(Clone, Debug, Args)]
pub struct DurableArgs {
    /// Concurrent senders (one socket each, one message in flight each).
    #[arg(long, default_value_t = 32)]
    pub senders: usize,
    /// Rooms the senders are spread over.
    #[arg(long, default_value_t = 8)]
    pub rooms: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 10.0)]
    pub secs: f64,
    /// Databases to run on.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "sqlite,postgres"
    )]
    pub dbs: Vec<Backend>,
    /// Runs per database and server (the table shows medians).
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Filler bytes per body.
    #[arg(long, default_value_t = 100)]
    pub body_bytes: usize,
}

#[derive(Debug, Serialize)]
struct Run {
    server: Kind,
    db: Backend,
    repeat: usize,
    acked_per_sec: f64,
    failed: u64,
    ack_latency: Summary,
    server_cpu: f64,
    /// Switchboard's re-sends and give-ups over the run (all receivers acknowledge).
    server_delivery: Option<DeliveryCounters>,
    /// Switchboard's transactions of sends over the run, and the sends in them (its
    /// `switchboard_store_send_batch_size`): how full its group commits were.
    server_commits: Option<Commits>,
}

/// The group commits of a Switchboard run.
#[derive(Clone, Copy, Debug, Serialize)]
struct Commits {
    /// Transactions that stored sends.
    transactions: u64,
    /// The sends in them.
    sends: u64,
}

impl Commits {
    fn sends_per_transaction(self) -> f64 {
        self.sends as f64 / self.transactions.max(1) as f64
    }
}

/// Runs `durable`.
pub async fn run(target: &TargetArgs, args: &DurableArgs) -> anyhow::Result<()> {
    let mut runs = Vec::new();
    for repeat in 0..args.repeats {
        for &db in &args.dbs {
            for kind in target.kinds() {
                // The Node baseline persists only to PostgreSQL (its `--pg` variant).
                if kind == Kind::Node && db != Backend::Postgres {
                    continue;
                }
                progress!(
                    "durable: {} on {db:?}, run {}/{}",
                    kind.label(),
                    repeat + 1,
                    args.repeats
                );
                runs.push(run_once(target, args, kind, db, repeat).await?);
            }
        }
    }
    let mut table = Table::new(
        format!(
            "durable sends: {} senders in {} rooms, medians of {} run(s)",
            args.senders, args.rooms, args.repeats
        ),
        &[
            "server",
            "db",
            "acked sends/s",
            "ack p50",
            "ack p99",
            "server CPU",
            "sends per transaction",
        ],
    );
    for &db in &args.dbs {
        for kind in [Kind::Switchboard, Kind::Node] {
            let of: Vec<&Run> = runs
                .iter()
                .filter(|r| r.server == kind && r.db == db)
                .collect();
            if of.is_empty() {
                continue;
            }
            let m = |f: fn(&Run) -> f64| median(&of.iter().map(|r| f(r)).collect::<Vec<_>>());
            table.row(vec![
                kind.label().into(),
                format!("{db:?}").to_lowercase(),
                thousands(m(|r| r.acked_per_sec)),
                format!("{:.1} ms", m(|r| r.ack_latency.p50_ms)),
                format!("{:.1} ms", m(|r| r.ack_latency.p99_ms)),
                format!("{:.0} %", m(|r| r.server_cpu)),
                if kind == Kind::Switchboard {
                    format!(
                        "{:.1}",
                        m(|r| r.server_commits.map_or(0.0, Commits::sends_per_transaction))
                    )
                } else {
                    "-".into()
                },
            ]);
        }
    }
    table.print();
    write_json(
        &target.results_dir,
        "durable",
        &json!({"args": format!("{args:?}"), "runs": runs}),
    )?;
    Ok(())
}

async fn run_once(
    target: &TargetArgs,
    args: &DurableArgs,
    kind: Kind,
    db: Backend,
    repeat: usize,
) -> anyhow::Result<Run> {
    let running = target.launch(kind, db).await?;
    let members = args.senders.div_ceil(args.rooms.max(1));
    let fixture = running.target.fixture(args.rooms, members).await?;
    let stats = Arc::new(Stats::default());
    let mut clients: Vec<(String, Arc<dyn Handler>)> = Vec::new();
    let mut rooms = Vec::new();
    for room in &fixture.rooms {
        for member in &room.members {
            clients.push((
                member.token.clone(),
                Arc::new(Tracker::streaming(Arc::clone(&stats))),
            ));
            rooms.push(room.id.clone());
        }
    }
    let conns = super::connect_all(&running.target, 0, clients).await?;
    let padding = super::padding(args.body_bytes);
    let cpu = CpuMeter::start(running.target.pid.unwrap_or(0));
    let deadline = Instant::now() + Duration::from_secs_f64(args.secs);
    let started = Instant::now();
    let tasks: Vec<_> = conns
        .iter()
        .zip(rooms)
        .take(args.senders)
        .map(|(conn, room)| {
            let (conn, stats, padding) = (conn.clone(), Arc::clone(&stats), padding.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let payload = json!({"roomId": room, "clientId": crate::protocol::client_id(),
                        "body": stamped_body(&padding)})
                    .to_string();
                    let sent = now_us();
                    match conn
                        .emit_ack("message:send", payload, Duration::from_secs(30))
                        .await
                    {
                        Ok(answer) if acked_seq(&answer).is_some() => {
                            stats.sent_ok.inc();
                            stats.send_ack.record(now_us().saturating_sub(sent));
                        }
                        _ => stats.sent_failed.inc(),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let server_cpu = if running.target.pid.is_some() {
        cpu.percent()
    } else {
        0.0
    };
    // One read of the server's `/metrics` for both (`None` for Node).
    let metrics = running.target.metrics().await;
    let server_delivery = metrics.as_ref().map(DeliveryCounters::of);
    let server_commits = metrics.as_ref().map(|m| Commits {
        transactions: m.sum("switchboard_store_send_batch_size_count") as u64,
        sends: m.sum("switchboard_store_send_batch_size_sum") as u64,
    });
    for conn in &conns {
        conn.cut();
    }
    let run = Run {
        server: kind,
        db,
        repeat,
        acked_per_sec: stats.sent_ok.get() as f64 / elapsed,
        failed: stats.sent_failed.get(),
        ack_latency: stats.send_ack.summary(),
        server_cpu,
        server_delivery,
        server_commits,
    };
    progress!(
        "{} on {db:?}: {} acked sends/s, p99 {:.1} ms, {} failed, server CPU {:.0} %{}{}",
        kind.label(),
        thousands(run.acked_per_sec),
        run.ack_latency.p99_ms,
        run.failed,
        run.server_cpu,
        server_delivery.map_or(String::new(), |d| format!(
            ", {} re-sends, {} deliveries given up",
            d.retries, d.failures
        )),
        server_commits.map_or(String::new(), |c| format!(
            ", {:.1} sends per transaction",
            c.sends_per_transaction()
        ))
    );
    Ok(run)
}
