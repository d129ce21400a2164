//! REST reads: history pages (`GET /rooms/{id}/messages?before=&limit=50`) and full-text search
//! (`GET /search?q=`), each with concurrent keep-alive clients, after seeding messages over
//! Socket.IO. Switchboard only (the Node baseline has no REST API).

use std::{sync::Arc, time::Duration};

use anyhow::{Context, bail};
use clap::Args;
use futures::{StreamExt, stream};
use rand::{Rng, seq::IndexedRandom};
use serde::Serialize;
use serde_json::json;
use tokio::time::Instant;

use crate::{
    client::Handler,
    fixture::Api,
    launch::TargetArgs,
    procfs::CpuMeter,
    progress,
    reliable::acked_seq,
    report::{Table, median, thousands, write_json},
    stats::{Latency, Stats, Summary, now_us},
    target::Kind,
    tracker::Tracker,
};

/// Words of seeded messages, and search terms.
const VOCABULARY: [&str; 24] = [
    "invoice",
    "refund",
    "deploy",
    "rollback",
    "database",
    "outage",
    "customer",
    "release",
    "billing",
    "password",
    "migration",
    "latency",
    "kernel",
    "socket",
    "printer",
    "laptop",
    "contract",
    "holiday",
    "budget",
    "roadmap",
    "incident",
    "backup",
    "firewall",
    "license",
];

/// Options of `rest`.
#[derive(Clone, Debug, Args)]
pub struct RestArgs {
    /// Rooms to seed.
    #[arg(long, default_value_t = 5)]
    pub rooms: usize,
    /// Messages to seed (spread over the rooms).
    #[arg(long, default_value_t = 5000)]
    pub messages: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Measured seconds per kind of request.
    #[arg(long, default_value_t = 10.0)]
    pub secs: f64,
    /// Runs (the table shows medians).
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
}

#[derive(Debug, Serialize)]
struct Measured {
    what: &'static str,
    repeat: usize,
    per_sec: f64,
    errors: u64,
    latency: Summary,
    server_cpu: f64,
}

/// Runs `rest`.
pub async fn run(target: &TargetArgs, args: &RestArgs) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for repeat in 0..args.repeats {
        let running = target.launch(Kind::Switchboard, target.db).await?;
        let fixture = running.target.fixture(args.rooms, 2).await?;
        let rooms: Arc<Vec<(String, String)>> = Arc::new(
            fixture
                .rooms
                .iter()
                .map(|r| (r.id.clone(), r.members[0].token.clone()))
                .collect(),
        );
        seed(&running.target, &rooms, args.messages).await?;
        let per_room = (args.messages / args.rooms.max(1)).max(1) as i64;
        let api = Api::new(running.target.base_url())?;
        let pid = running.target.pid;
        let of = Arc::clone(&rooms);
        let history = measure(&api, args, pid, move |rng| {
            let (room, token) = of.choose(rng).cloned().unwrap_or_default();
            let before = rng.random_range(2..=per_room + 1);
            (
                format!("/api/v1/rooms/{room}/messages?before={before}&limit=50"),
                token,
            )
        })
        .await;
        all.push(Measured {
            what: "history page (50)",
            repeat,
            ..history
        });
        let of = Arc::clone(&rooms);
        let search = measure(&api, args, pid, move |rng| {
            let (_, token) = of.choose(rng).cloned().unwrap_or_default();
            let word = VOCABULARY.choose(rng).copied().unwrap_or("invoice");
            (format!("/api/v1/search?q={word}&limit=20"), token)
        })
        .await;
        all.push(Measured {
            what: "search (20)",
            repeat,
            ..search
        });
    }
    let mut table = Table::new(
        format!(
            "REST: {} messages in {} rooms, {} concurrent clients, medians of {} run(s)",
            args.messages, args.rooms, args.concurrency, args.repeats
        ),
        &[
            "request",
            "per second",
            "p50",
            "p99",
            "errors",
            "server CPU",
        ],
    );
    for what in ["history page (50)", "search (20)"] {
        let of: Vec<&Measured> = all.iter().filter(|m| m.what == what).collect();
        let m = |f: fn(&Measured) -> f64| median(&of.iter().map(|r| f(r)).collect::<Vec<_>>());
        table.row(vec![
            what.into(),
            thousands(m(|r| r.per_sec)),
            format!("{:.1} ms", m(|r| r.latency.p50_ms)),
            format!("{:.1} ms", m(|r| r.latency.p99_ms)),
            thousands(m(|r| r.errors as f64)),
            format!("{:.0} %", m(|r| r.server_cpu)),
        ]);
    }
    table.print();
    write_json(
        &target.results_dir,
        "rest",
        &json!({"args": format!("{args:?}"), "runs": all}),
    )?;
    Ok(())
}

/// Sends `messages` messages of random vocabulary words, pipelined per room.
async fn seed(
    target: &crate::fixture::Target,
    rooms: &[(String, String)],
    messages: usize,
) -> anyhow::Result<()> {
    progress!("seeding {messages} messages");
    // The seeders acknowledge what they receive, so no re-sends run into the measurement.
    let stats = Arc::new(Stats::default());
    let clients: Vec<(String, Arc<dyn Handler>)> = rooms
        .iter()
        .map(|(_, token)| {
            let tracker = Tracker::streaming(Arc::clone(&stats));
            (token.clone(), Arc::new(tracker) as Arc<dyn Handler>)
        })
        .collect();
    let conns = super::connect_all(target, 0, clients).await?;
    let per_room = messages / rooms.len().max(1);
    let sends = rooms.iter().zip(&conns).flat_map(|((room, _), conn)| {
        (0..per_room).map(move |_| {
            let words: Vec<&str> = {
                let mut rng = rand::rng();
                (0..8)
                    .filter_map(|_| VOCABULARY.choose(&mut rng).copied())
                    .collect()
            };
            let payload =
                json!({"roomId": room, "clientId": crate::protocol::client_id(), "body": words.join(" ")})
                    .to_string();
            let conn = conn.clone();
            async move {
                conn.emit_ack("message:send", payload, Duration::from_secs(30))
                    .await
            }
        })
    });
    let answers: Vec<_> = stream::iter(sends).buffered(64).collect().await;
    let failed = answers
        .iter()
        .filter(|a| a.as_ref().ok().and_then(|a| acked_seq(a)).is_none())
        .count();
    for conn in &conns {
        conn.cut();
    }
    if failed > 0 {
        bail!("{failed} seed messages were not acked");
    }
    Ok(())
}

/// Runs `args.concurrency` workers for `args.secs`, each requesting what `pick` says.
async fn measure(
    api: &Api,
    args: &RestArgs,
    pid: Option<u32>,
    pick: impl Fn(&mut rand::rngs::ThreadRng) -> (String, String) + Clone + Send + 'static,
) -> Measured {
    let latency = Arc::new(Latency::default());
    let cpu = CpuMeter::start(pid.unwrap_or(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.secs);
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (api, latency, pick) = (api.clone(), Arc::clone(&latency), pick.clone());
            tokio::spawn(async move {
                let (mut ok, mut errors) = (0u64, 0u64);
                while Instant::now() < deadline {
                    let (path, token) = pick(&mut rand::rng());
                    let sent = now_us();
                    match api.get_ok(&path, &token).await.context("GET") {
                        Ok(true) => {
                            ok += 1;
                            latency.record(now_us().saturating_sub(sent));
                        }
                        _ => errors += 1,
                    }
                }
                (ok, errors)
            })
        })
        .collect();
    let (mut ok, mut errors) = (0, 0);
    for worker in workers {
        if let Ok((o, e)) = worker.await {
            ok += o;
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let measured = Measured {
        what: "",
        repeat: 0,
        per_sec: ok as f64 / elapsed,
        errors,
        latency: latency.summary(),
        server_cpu: if pid.is_some() { cpu.percent() } else { 0.0 },
    };
    progress!(
        "{} req/s, p99 {:.1} ms, {} errors",
        thousands(measured.per_sec),
        measured.latency.p99_ms,
        errors
    );
    measured
}
