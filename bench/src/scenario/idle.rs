//! Idle sockets: the server's RSS growth per authenticated, idle Socket.IO connection at
//! growing connection counts. Sockets share a few users (a user's sockets join the same rooms),
//! answer pings, and do nothing else. Run through `bench/run.sh` for a high `ulimit -n`.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use serde_json::json;

use crate::{
    client::{Handler, Ignore},
    launch::TargetArgs,
    procfs, progress,
    report::{Table, thousands, write_json},
    target::Kind,
};

/// Options of `idle`.
#[derive(Clone, Debug, Args)]
pub struct IdleArgs {
    /// Connection counts to measure at (cumulative).
    #[arg(long, value_delimiter = ',', default_value = "1000,5000,20000")]
    pub counts: Vec<usize>,
    /// Users the sockets are spread over.
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Rooms the users are spread over.
    #[arg(long, default_value_t = 10)]
    pub rooms: usize,
    /// Seconds to wait before each RSS reading.
    #[arg(long, default_value_t = 5)]
    pub settle_secs: u64,
}

#[derive(Debug, Serialize)]
struct Point {
    server: Kind,
    sockets: usize,
    rss_kib: u64,
    baseline_kib: u64,
    per_socket_kib: f64,
}

/// Runs `idle`.
pub async fn run(target: &TargetArgs, args: &IdleArgs) -> anyhow::Result<()> {
    let mut points = Vec::new();
    for kind in target.kinds() {
        points.extend(run_kind(target, args, kind).await?);
    }
    let mut table = Table::new(
        format!("idle sockets ({} users)", args.users),
        &["server", "sockets", "RSS", "RSS before", "per socket"],
    );
    for p in &points {
        table.row(vec![
            p.server.label().into(),
            thousands(p.sockets as f64),
            format!("{:.1} MiB", p.rss_kib as f64 / 1024.0),
            format!("{:.1} MiB", p.baseline_kib as f64 / 1024.0),
            format!("{:.1} KiB", p.per_socket_kib),
        ]);
    }
    table.print();
    write_json(
        &target.results_dir,
        "idle",
        &json!({"args": format!("{args:?}"), "points": points}),
    )?;
    Ok(())
}

async fn run_kind(target: &TargetArgs, args: &IdleArgs, kind: Kind) -> anyhow::Result<Vec<Point>> {
    let mut running = target.launch(kind, target.db).await?;
    let members = args.users.div_ceil(args.rooms.max(1));
    progress!(
        "idle {}: setting up {} users",
        kind.label(),
        args.rooms * members
    );
    let fixture = running.target.fixture(args.rooms, members).await?;
    let tokens: Vec<String> = fixture
        .rooms
        .iter()
        .flat_map(|r| r.members.iter().map(|m| m.token.clone()))
        .collect();
    if kind == Kind::Switchboard {
        restart_after_setup(target, &mut running, args.settle_secs).await?;
    }
    let pid = running
        .target
        .pid
        .context("idle needs the server's pid (--server-bin, or --server-pid with --url)")?;
    super::settle(args.settle_secs).await;
    let baseline_kib = procfs::rss_kib(pid)?;
    let mut conns = Vec::new();
    let mut points = Vec::new();
    let mut counts = args.counts.clone();
    counts.sort_unstable();
    for count in counts {
        let more = count.saturating_sub(conns.len());
        progress!(
            "idle {}: connecting {more} more sockets (to {count})",
            kind.label()
        );
        let clients: Vec<(String, Arc<dyn Handler>)> = (conns.len()..count)
            .map(|i| {
                (
                    tokens[i % tokens.len()].clone(),
                    Arc::new(Ignore) as Arc<dyn Handler>,
                )
            })
            .collect();
        let offset = conns.len();
        conns.extend(super::connect_all(&running.target, offset, clients).await?);
        super::settle(args.settle_secs).await;
        let open = conns.iter().filter(|c| c.is_open()).count();
        let rss_kib = procfs::rss_kib(pid)?;
        let per_socket_kib = rss_kib.saturating_sub(baseline_kib) as f64 / open.max(1) as f64;
        progress!(
            "idle {}: {open} sockets open, RSS {} KiB, {per_socket_kib:.1} KiB per socket",
            kind.label(),
            rss_kib
        );
        points.push(Point {
            server: kind,
            sockets: open,
            rss_kib,
            baseline_kib,
            per_socket_kib,
        });
    }
    for conn in &conns {
        conn.cut();
    }
    Ok(points)
}

/// Creating users hashes passwords (Argon2, 19 MiB each, on the blocking pool) and glibc keeps
/// that memory in per-thread arenas: hundreds of MiB that would swamp the sockets' share. The
/// sessions are in the database, so a fresh process on the same database measures sockets only.
async fn restart_after_setup(
    target: &TargetArgs,
    running: &mut crate::launch::Running,
    settle_secs: u64,
) -> anyhow::Result<()> {
    let (Some(server), Some(database), Some(bin)) = (
        running.server.as_mut(),
        running.database.as_ref(),
        target.server_bin.as_ref(),
    ) else {
        return Ok(());
    };
    super::settle(settle_secs).await;
    progress!(
        "idle: RSS after creating and signing in the users: {} KiB; restarting the server",
        procfs::rss_kib(server.pid)?
    );
    server.stop(std::time::Duration::from_secs(20)).await;
    let fresh = crate::target::start_switchboard(&target.switchboard_spec(
        bin,
        &database.url,
        0,
        Vec::new(),
    ))
    .await?;
    running.target = target.target_of(&fresh);
    running.server = Some(fresh);
    Ok(())
}
