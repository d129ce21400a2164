//! Fan-out: rooms x members, every member a socket that acks `message:new`; one member per room
//! sends with `message:send` (acked after the server stored it). Stepped until saturation, for
//! Switchboard and (with `--node-baseline`) the Node socket.io 4 baseline, interleaved, so both
//! see the same machine.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::stepper::{self, Driver, StepPlan, Stepped};
use crate::{
    client::{Conn, Handler},
    launch::TargetArgs,
    progress,
    report::{Table, median, thousands, write_json},
    stats::{Stats, now_us},
    target::Kind,
    tracker::Tracker,
};

/// Options of `fanout`.
#[derive(Clone, Debug, Args)]
pub struct FanoutArgs {
    /// Rooms.
    #[arg(long, default_value_t = 10)]
    pub rooms: usize,
    /// Members (sockets) per room.
    #[arg(long, default_value_t = 50)]
    pub members: usize,
    /// First step's send rate (messages/s over all rooms).
    #[arg(long, default_value_t = 50.0)]
    pub start_rate: f64,
    /// Rate multiplier per step.
    #[arg(long, default_value_t = 1.5)]
    pub factor: f64,
    /// Most steps.
    #[arg(long, default_value_t = 14)]
    pub max_steps: usize,
    /// Measured seconds per step.
    #[arg(long, default_value_t = 5.0)]
    pub step_secs: f64,
    /// Warm-up seconds per step.
    #[arg(long, default_value_t = 1.0)]
    pub warmup_secs: f64,
    /// Sends per room waiting for their ack before further sends are skipped.
    #[arg(long, default_value_t = 64)]
    pub in_flight: usize,
    /// Filler bytes per message body.
    #[arg(long, default_value_t = 100)]
    pub body_bytes: usize,
    /// Runs per server (the table shows medians).
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Also run Switchboard as two instances on Redis (and PostgreSQL), sockets alternating
    /// between them.
    #[arg(long)]
    pub redis: bool,
}

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
            json!({"roomId": room_id, "clientId": uuid::Uuid::new_v4(), "body": body}).to_string();
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

/// One run's result.
#[derive(Debug, Serialize)]
struct Run {
    server: Kind,
    /// `switchboard`, `switchboard-redis` or `node`.
    label: String,
    repeat: usize,
    stepped: Stepped,
    sends_failed: u64,
    wire_duplicates: u64,
    wire_gaps: u64,
}

/// Runs `fanout`.
pub async fn run(target: &TargetArgs, args: &FanoutArgs) -> anyhow::Result<()> {
    let plan = StepPlan {
        start_rate: args.start_rate,
        factor: args.factor,
        max_steps: args.max_steps,
        step_secs: args.step_secs,
        warmup_secs: args.warmup_secs,
        fanout: args.members,
        saturation: 0.9,
        body_bytes: args.body_bytes,
    };
    let mut runs = Vec::new();
    for repeat in 0..args.repeats {
        for kind in target.kinds() {
            progress!(
                "fanout: {} run {}/{}",
                kind.label(),
                repeat + 1,
                args.repeats
            );
            let running = target.launch(kind, target.db).await?;
            let pids: Vec<u32> = running.target.pid.into_iter().collect();
            runs.push(
                run_once(&[&running.target], &pids, kind.label(), args, &plan, repeat).await?,
            );
        }
        if args.redis {
            progress!(
                "fanout: switchboard on redis, run {}/{}",
                repeat + 1,
                args.repeats
            );
            let (_redis, _database, a, b) = super::cluster::two_instances(target).await?;
            let (ta, tb) = (target.target_of(&a), target.target_of(&b));
            let pids = [a.pid, b.pid];
            let targets = [&ta, &tb];
            let run = run_once(&targets, &pids, "switchboard-redis", args, &plan, repeat).await?;
            runs.push(run);
        }
    }
    print_table(&runs, args);
    write_json(
        &target.results_dir,
        "fanout",
        &json!({"args": format!("{args:?}"), "db": target.db, "plan": plan, "runs": runs}),
    )?;
    Ok(())
}

async fn run_once(
    targets: &[&crate::fixture::Target],
    pids: &[u32],
    label: &str,
    args: &FanoutArgs,
    plan: &StepPlan,
    repeat: usize,
) -> anyhow::Result<Run> {
    progress!("setting up {} rooms x {} members", args.rooms, args.members);
    let fixture = targets[0].fixture(args.rooms, args.members).await?;
    let stats = Arc::new(Stats::default());
    // Socket i goes to instance i % n; connect each instance's share, then put them in order.
    let n = targets.len().max(1);
    let tokens: Vec<String> = fixture
        .rooms
        .iter()
        .flat_map(|room| room.members.iter().map(|m| m.token.clone()))
        .collect();
    progress!("connecting {} sockets", tokens.len());
    let mut shares = Vec::new();
    for (k, target) in targets.iter().enumerate() {
        let clients: Vec<(String, Arc<dyn Handler>)> = tokens
            .iter()
            .skip(k)
            .step_by(n)
            .map(|t| {
                (
                    t.clone(),
                    Arc::new(Tracker::streaming(Arc::clone(&stats))) as Arc<dyn Handler>,
                )
            })
            .collect();
        shares.push(
            super::connect_all(target, k * tokens.len(), clients)
                .await?
                .into_iter(),
        );
    }
    let conns: Vec<Conn> = (0..tokens.len())
        .filter_map(|i| shares[i % n].next())
        .collect();
    let senders = fixture
        .rooms
        .iter()
        .enumerate()
        .map(|(i, room)| (conns[i * args.members].clone(), room.id.clone()))
        .collect();
    let driver = Arc::new(SioDriver::new(senders, Arc::clone(&stats), args.in_flight));
    let stepped = stepper::run(driver, &stats, plan, pids).await;
    for conn in &conns {
        conn.cut();
    }
    Ok(Run {
        server: targets[0].kind,
        label: label.to_owned(),
        repeat,
        stepped,
        sends_failed: stats.sent_failed.get(),
        wire_duplicates: stats.wire_duplicates.get(),
        wire_gaps: stats.wire_gaps.get(),
    })
}

fn print_table(runs: &[Run], args: &FanoutArgs) {
    let mut table = Table::new(
        format!(
            "fanout: {} rooms x {} members, medians of {} run(s)",
            args.rooms, args.members, args.repeats
        ),
        &[
            "server",
            "peak delivered/s",
            "p50 @ half peak",
            "p99 @ half peak",
            "server CPU @ peak",
            "generator CPU @ peak",
            "other CPU @ peak",
            "ratio",
        ],
    );
    let labels = ["switchboard", "switchboard-redis", "node"];
    let peak_of = |label: &str| {
        let peaks: Vec<f64> = runs
            .iter()
            .filter(|r| r.label == label)
            .map(|r| r.stepped.peak)
            .collect();
        median(&peaks)
    };
    let node_peak = peak_of(Kind::Node.label());
    for label in labels {
        let of_kind: Vec<&Run> = runs.iter().filter(|r| r.label == label).collect();
        if of_kind.is_empty() {
            continue;
        }
        let half = |f: fn(&stepper::Step) -> f64| {
            median(
                &of_kind
                    .iter()
                    .filter_map(|r| r.stepped.half_peak.as_ref().map(f))
                    .collect::<Vec<_>>(),
            )
        };
        let at_peak = |f: fn(&stepper::Step) -> f64| {
            let values: Vec<f64> = of_kind
                .iter()
                .filter_map(|r| {
                    r.stepped
                        .steps
                        .iter()
                        .max_by(|a, b| a.delivered.total_cmp(&b.delivered))
                        .map(f)
                })
                .collect();
            median(&values)
        };
        let peak = peak_of(label);
        table.row(vec![
            label.into(),
            thousands(peak),
            format!("{:.1} ms", half(|s| s.latency.p50_ms)),
            format!("{:.1} ms", half(|s| s.latency.p99_ms)),
            format!("{:.0} %", at_peak(|s| s.server_cpu)),
            format!("{:.0} %", at_peak(|s| s.generator_cpu)),
            format!(
                "{:.0} %",
                at_peak(|s| (s.machine_cpu - s.server_cpu - s.generator_cpu).max(0.0))
            ),
            if node_peak > 0.0 {
                format!("{:.2}x", peak / node_peak)
            } else {
                "-".into()
            },
        ]);
    }
    table.print();
}
