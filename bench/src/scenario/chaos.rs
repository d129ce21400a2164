//! Chaos runs: traffic through reliable clients while connections, the server, Redis or an
//! instance fail; each ends with the [`Outcome`] check (delivered/expected, duplicates, order).

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use serde_json::json;
use tokio::time::Instant;

use super::{
    cluster::{instances, two_instances},
    crowd::{Crowd, Outcome},
};
use crate::{
    fixture::Target,
    launch::{Running, TargetArgs},
    progress,
    report::{Table, write_json},
    target::{self, Kind},
};

/// Traffic shared by the chaos runs.
#[derive(Clone, Debug, Args)]
pub struct Traffic {
    /// Clients (sockets), spread over the rooms.
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// Rooms.
    #[arg(long, default_value_t = 10)]
    pub rooms: usize,
    /// Sockets per user (users = clients / this): fewer users to create for big crowds.
    #[arg(long, default_value_t = 1)]
    pub sockets_per_user: usize,
    /// Messages/s sent into each room.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Seconds of traffic.
    #[arg(long, default_value_t = 60.0)]
    pub secs: f64,
    /// Filler bytes per body.
    #[arg(long, default_value_t = 60)]
    pub body_bytes: usize,
    /// Longest wait for the final catch-up.
    #[arg(long, default_value_t = 120.0)]
    pub settle_timeout_secs: f64,
}

/// Options of `jitter`.
#[derive(Clone, Debug, Args)]
pub struct JitterArgs {
    /// Traffic.
    #[command(flatten)]
    pub traffic: Traffic,
    /// Mean seconds between cuts of each connection.
    #[arg(long, default_value_t = 15.0)]
    pub cut_every: f64,
    /// ± seconds around that.
    #[arg(long, default_value_t = 5.0)]
    pub jitter: f64,
    /// Seconds offline after a cut.
    #[arg(long, default_value_t = 2.0)]
    pub offline: f64,
    /// Instances: more than one runs them on PostgreSQL + a private Redis, each client
    /// preferring one of them (round robin) and moving to the next when it fails.
    #[arg(long, default_value_t = 1)]
    pub instances: usize,
    /// Seconds into the traffic when the machine's PostgreSQL restarts
    /// (`pg_ctlcluster <version> main restart -m fast`; needs PostgreSQL, as root).
    #[arg(long)]
    pub pg_restart_at: Option<f64>,
}

/// Options of `avalanche`.
#[derive(Clone, Debug, Args)]
pub struct AvalancheArgs {
    /// Traffic (defaults suit a restart: more clients, a little traffic).
    #[command(flatten)]
    pub traffic: Traffic,
    /// Seconds into the traffic when the server restarts.
    #[arg(long, default_value_t = 15.0)]
    pub restart_at: f64,
    /// Seconds between the old process exiting and the new one starting.
    #[arg(long, default_value_t = 2.0)]
    pub down_secs: f64,
}

/// Options of `redis-restart` and `kill-instance`.
#[derive(Clone, Debug, Args)]
pub struct ClusterArgs {
    /// Traffic.
    #[command(flatten)]
    pub traffic: Traffic,
    /// Seconds into the traffic when the failure happens.
    #[arg(long, default_value_t = 20.0)]
    pub fail_at: f64,
    /// Seconds Redis stays down (`redis-restart`).
    #[arg(long, default_value_t = 5.0)]
    pub down_secs: f64,
}

#[derive(Serialize)]
struct Report<'a> {
    scenario: &'a str,
    server: Kind,
    args: String,
    outcome: &'a Outcome,
    extra: serde_json::Value,
}

fn finish<A: std::fmt::Debug>(
    target: &TargetArgs,
    scenario: &str,
    kind: Kind,
    args: &A,
    outcome: &Outcome,
    extra: serde_json::Value,
) -> anyhow::Result<()> {
    outcome
        .table(&format!("{scenario} ({})", kind.label()))
        .print();
    write_json(
        &target.results_dir,
        scenario,
        &Report {
            scenario,
            server: kind,
            args: format!("{args:?}"),
            outcome,
            extra,
        },
    )?;
    Ok(())
}

pub(super) async fn crowd_on(targets: &[&Target], traffic: &Traffic) -> anyhow::Result<Crowd> {
    let per_user = traffic.sockets_per_user.max(1);
    let members = traffic.clients.div_ceil(traffic.rooms.max(1) * per_user);
    progress!("setting up {} rooms x {members} members", traffic.rooms);
    let fixture = targets[0].fixture(traffic.rooms, members).await?;
    let endpoints: Vec<Vec<crate::client::Endpoint>> = (0..targets.len())
        .map(|first| {
            (0..targets.len())
                .map(|k| super::endpoint(targets[(first + k) % targets.len()], 0))
                .collect()
        })
        .collect();
    let crowd = Crowd::new(&fixture, per_user, |i| {
        let mut list = endpoints[i % endpoints.len()].clone();
        // Spread the client side over source addresses like the other scenarios.
        for e in &mut list {
            e.local = super::endpoint(targets[0], i).local;
        }
        list
    });
    crowd.start().await?;
    Ok(crowd)
}

/// Runs `jitter` (Switchboard, and the Node baseline with `--node-baseline`).
pub async fn jitter(target: &TargetArgs, args: &JitterArgs) -> anyhow::Result<()> {
    if args.instances > 1 || args.pg_restart_at.is_some() {
        return jitter_on_postgres(target, args).await;
    }
    for kind in target.kinds() {
        let running = target.launch(kind, target.db).await?;
        let crowd = crowd_on(&[&running.target], &args.traffic).await?;
        let (outcome, cuts) = jitter_crowd(&crowd, args, None).await?;
        finish(
            target,
            "jitter",
            kind,
            args,
            &outcome,
            json!({"cuts": cuts}),
        )?;
    }
    Ok(())
}

/// `jitter` on PostgreSQL with `--instances` (and Redis when more than one), restarting
/// PostgreSQL at `--pg-restart-at`.
async fn jitter_on_postgres(target: &TargetArgs, args: &JitterArgs) -> anyhow::Result<()> {
    // The Redis and the database live until the end of the run.
    let (_redis, _database, servers) = if args.instances > 1 {
        let (redis, database, servers) = instances(target, args.instances).await?;
        (Some(redis), Some(database), servers)
    } else {
        let running = target
            .launch_switchboard(crate::target::Backend::Postgres, 0, Vec::new())
            .await?;
        let server = running
            .server
            .context("jitter on PostgreSQL needs --server-bin")?;
        (None, running.database, vec![server])
    };
    let targets: Vec<Target> = servers.iter().map(|s| target.target_of(s)).collect();
    let refs: Vec<&Target> = targets.iter().collect();
    let crowd = crowd_on(&refs, &args.traffic).await?;
    let (outcome, cuts) = jitter_crowd(&crowd, args, args.pg_restart_at).await?;
    let restarted = args.pg_restart_at.is_some();
    let scenario = if restarted {
        "jitter-pg-restart"
    } else {
        "jitter-instances"
    };
    for server in &servers {
        let errors = server
            .log_tail()
            .lines()
            .filter(|l| l.contains("\"ERROR\""))
            .count();
        if errors > 0 {
            progress!(
                "instance pid {}: {errors} ERROR lines in the last log lines",
                server.pid
            );
        }
    }
    finish(
        target,
        scenario,
        Kind::Switchboard,
        args,
        &outcome,
        json!({"cuts": cuts, "instances": servers.len(), "pg_restarted": restarted}),
    )
}

/// Traffic with every connection cut again and again (and PostgreSQL restarted at
/// `pg_restart_at`); the outcome and the number of cuts.
async fn jitter_crowd(
    crowd: &Crowd,
    args: &JitterArgs,
    pg_restart_at: Option<f64>,
) -> anyhow::Result<(Outcome, u64)> {
    let duration = Duration::from_secs_f64(args.traffic.secs);
    let traffic = crowd.traffic(args.traffic.rate, duration, args.traffic.body_bytes);
    let cuts = crowd.cut_repeatedly(
        Duration::from_secs_f64(args.cut_every),
        Duration::from_secs_f64(args.jitter),
        Duration::from_secs_f64(args.offline),
        Instant::now() + duration,
    );
    if let Some(at) = pg_restart_at {
        tokio::time::sleep(Duration::from_secs_f64(at)).await;
        restart_postgres().await?;
    }
    let acked = traffic.await?;
    let cuts = cuts.await?;
    let outcome = crowd
        .check(
            &acked,
            Duration::from_secs_f64(args.traffic.settle_timeout_secs),
        )
        .await;
    crowd.stop();
    Ok((outcome, cuts))
}

/// Restarts the machine's PostgreSQL cluster (fast mode: sessions are cut at once).
async fn restart_postgres() -> anyhow::Result<()> {
    let version = std::fs::read_dir("/etc/postgresql")
        .context("no /etc/postgresql: --pg-restart-at needs the Debian PostgreSQL cluster")?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .max()
        .context("no cluster under /etc/postgresql")?;
    progress!("restarting PostgreSQL {version}/main");
    let started = Instant::now();
    let status = tokio::process::Command::new("pg_ctlcluster")
        .args([
            "--skip-systemctl-redirect",
            &version,
            "main",
            "restart",
            "-m",
            "fast",
        ])
        .status()
        .await
        .context("pg_ctlcluster")?;
    anyhow::ensure!(status.success(), "pg_ctlcluster restart failed: {status}");
    progress!(
        "PostgreSQL is back after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `avalanche`: restarts Switchboard under the crowd and times the way back.
pub async fn avalanche(target: &TargetArgs, args: &AvalancheArgs) -> anyhow::Result<()> {
    let bin = target
        .server_bin
        .clone()
        .context("avalanche needs --server-bin")?;
    let port = target::free_port()?;
    let Running {
        target: t,
        server,
        database,
    } = target
        .launch_switchboard(target.db, port, Vec::new())
        .await?;
    let (mut server, database) = (
        server.context("no server")?,
        database.context("no database")?,
    );
    let crowd = crowd_on(&[&t], &args.traffic).await?;
    let duration = Duration::from_secs_f64(args.traffic.secs);
    let traffic = crowd.traffic(args.traffic.rate, duration, args.traffic.body_bytes);
    tokio::time::sleep(Duration::from_secs_f64(args.restart_at)).await;
    progress!(
        "restarting the server under {} clients",
        crowd.clients.len()
    );
    let down_at = crate::stats::now_us();
    let stopping = Instant::now();
    server.stop(Duration::from_secs(30)).await;
    progress!(
        "old server exited after {:.1} s",
        stopping.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs_f64(args.down_secs)).await;
    let spec = target.switchboard_spec(&bin, &database.url, port, Vec::new());
    let server = target::start_switchboard(&spec).await?;
    let up = Instant::now();
    let back = time_until_back(&crowd, down_at, up, Duration::from_secs(120)).await;
    let acked = traffic.await?;
    let outcome = crowd
        .check(
            &acked,
            Duration::from_secs_f64(args.traffic.settle_timeout_secs),
        )
        .await;
    crowd.stop();
    drop(server);
    let mut t = Table::new(
        "avalanche: clients back after the restart",
        &["share back", "seconds after the new server listened"],
    );
    for (label, secs) in [
        ("50 %", back.p50),
        ("90 %", back.p90),
        ("99 %", back.p99),
        ("100 %", back.all),
    ] {
        t.row(vec![
            label.into(),
            secs.map_or("never".into(), |s| format!("{s:.2}")),
        ]);
    }
    t.row(vec!["never back".into(), back.never.to_string()]);
    t.print();
    finish(
        target,
        "avalanche",
        Kind::Switchboard,
        args,
        &outcome,
        serde_json::to_value(&back)?,
    )
}

#[derive(Debug, Serialize)]
struct Back {
    p50: Option<f64>,
    p90: Option<f64>,
    p99: Option<f64>,
    all: Option<f64>,
    never: usize,
}

/// Polls until every client has reconnected after `down_at` (or `timeout`).
async fn time_until_back(crowd: &Crowd, down_at: u64, up: Instant, timeout: Duration) -> Back {
    let total = crowd.clients.len();
    let mut marks: [Option<f64>; 4] = [None; 4];
    let shares = [0.5, 0.9, 0.99, 1.0];
    loop {
        let back = crowd
            .clients
            .iter()
            .filter(|c| {
                c.conn().is_some()
                    && c.connected_at
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .is_some_and(|at| at > down_at)
            })
            .count();
        let secs = up.elapsed().as_secs_f64();
        for (mark, share) in marks.iter_mut().zip(shares) {
            if mark.is_none() && back as f64 >= share * total as f64 {
                *mark = Some(secs);
            }
        }
        if back == total || up.elapsed() >= timeout {
            progress!("{back}/{total} clients back after {secs:.1} s");
            return Back {
                p50: marks[0],
                p90: marks[1],
                p99: marks[2],
                all: marks[3],
                never: total - back,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs `redis-restart`: Redis is killed mid-traffic and comes back after `down_secs`.
pub async fn redis_restart(target: &TargetArgs, args: &ClusterArgs) -> anyhow::Result<()> {
    let (mut redis, _database, a, b) = two_instances(target).await?;
    let (ta, tb) = (target.target_of(&a), target.target_of(&b));
    let crowd = crowd_on(&[&ta, &tb], &args.traffic).await?;
    let traffic = crowd.traffic(
        args.traffic.rate,
        Duration::from_secs_f64(args.traffic.secs),
        args.traffic.body_bytes,
    );
    tokio::time::sleep(Duration::from_secs_f64(args.fail_at)).await;
    progress!("killing redis for {} s", args.down_secs);
    redis.kill().await;
    tokio::time::sleep(Duration::from_secs_f64(args.down_secs)).await;
    redis.up().await?;
    progress!("redis is back");
    let acked = traffic.await?;
    let outcome = crowd
        .check(
            &acked,
            Duration::from_secs_f64(args.traffic.settle_timeout_secs),
        )
        .await;
    crowd.stop();
    finish(
        target,
        "redis-restart",
        Kind::Switchboard,
        args,
        &outcome,
        json!({}),
    )
}

/// Runs `kill-instance`: instance b gets SIGKILL mid-traffic; its clients move to a.
pub async fn kill_instance(target: &TargetArgs, args: &ClusterArgs) -> anyhow::Result<()> {
    let (_redis, _database, a, mut b) = two_instances(target).await?;
    let (ta, tb) = (target.target_of(&a), target.target_of(&b));
    let crowd = crowd_on(&[&ta, &tb], &args.traffic).await?;
    let traffic = crowd.traffic(
        args.traffic.rate,
        Duration::from_secs_f64(args.traffic.secs),
        args.traffic.body_bytes,
    );
    tokio::time::sleep(Duration::from_secs_f64(args.fail_at)).await;
    progress!("kill -9 of instance b (pid {})", b.pid);
    b.kill().await;
    let acked = traffic.await?;
    let outcome = crowd
        .check(
            &acked,
            Duration::from_secs_f64(args.traffic.settle_timeout_secs),
        )
        .await;
    crowd.stop();
    finish(
        target,
        "kill-instance",
        Kind::Switchboard,
        args,
        &outcome,
        json!({}),
    )
}
