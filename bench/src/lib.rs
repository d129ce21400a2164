//! Switchboard's benchmark tooling: a minimal Socket.IO v4 load generator (see `README.md` for
//! why it is hand-written), scenarios that print a table and write JSON, and chaos runs that
//! check the delivery guarantee.

pub mod cli;
pub mod client;
pub mod fixture;
pub mod launch;
pub mod plot;
pub mod procfs;
pub mod protocol;
pub mod reliable;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod target;
pub mod tracker;
pub mod wire;

use cli::{Cli, Command};
use scenario::{chaos, durable, fanout, idle, rest, smoke, soak, uploads, wsraw};

/// Runs one command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::WsRawServer(args) = &cli.command {
        // The raw server builds its own runtime with the requested thread count.
        return wsraw::serve(args);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // On Ctrl-C or SIGTERM the scenario is dropped, and with it the servers it started
        // (they are killed on drop), so no server outlives the tool.
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = run_scenario(cli) => result,
            _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted"),
            _ = term.recv() => anyhow::bail!("terminated"),
        }
    })
}

async fn run_scenario(cli: Cli) -> anyhow::Result<()> {
    let target = &cli.target;
    match &cli.command {
        Command::Smoke(args) => smoke::run(target, args).await,
        Command::Fanout(args) => fanout::run(target, args).await,
        Command::Idle(args) => idle::run(target, args).await,
        Command::Durable(args) => durable::run(target, args).await,
        Command::Rest(args) => rest::run(target, args).await,
        Command::Uploads(args) => uploads::run(target, args).await,
        Command::WsRaw(args) => wsraw::run(target, args).await,
        Command::Jitter(args) => chaos::jitter(target, args).await,
        Command::Soak(args) => soak::run(target, args).await,
        Command::Avalanche(args) => chaos::avalanche(target, args).await,
        Command::RedisRestart(args) => chaos::redis_restart(target, args).await,
        Command::KillInstance(args) => chaos::kill_instance(target, args).await,
        Command::WsRawServer(_) => anyhow::bail!("ws-raw-server runs outside the scenario runtime"),
    }
}
