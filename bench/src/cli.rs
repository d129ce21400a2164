//! Command line: one subcommand per scenario; the target options are shared.

use clap::{Parser, Subcommand};

use crate::launch::TargetArgs;

/// Benchmarks and chaos runs for Switchboard, side by side with a Node socket.io 4 baseline.
#[derive(Debug, Parser)]
#[command(name = "switchboard-bench", version)]
pub struct Cli {
    /// Target options (valid before or after the scenario name).
    #[command(flatten)]
    pub target: TargetArgs,
    /// The scenario.
    #[command(subcommand)]
    pub command: Command,
}

/// Scenarios.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Two clients for a few seconds: a quick check that the generator works (CI).
    Smoke(crate::scenario::smoke::SmokeArgs),
    /// Rooms x members x send rate, stepped until saturation.
    Fanout(crate::scenario::fanout::FanoutArgs),
    /// RSS per authenticated idle socket.
    Idle(crate::scenario::idle::IdleArgs),
    /// Acked sends/s with concurrent senders (SQLite and PostgreSQL).
    Durable(crate::scenario::durable::DurableArgs),
    /// History page reads/s and search queries/s.
    Rest(crate::scenario::rest::RestArgs),
    /// One 25 MiB upload's throughput, and server memory during ten at once (local storage).
    Uploads(crate::scenario::uploads::UploadsArgs),
    /// The same fan-out on a bare tokio-tungstenite broadcast server (the machine's limit).
    WsRaw(crate::scenario::wsraw::WsRawArgs),
    /// Steady fan-out for an hour per backend, sampling memory, descriptors, tasks, DB conns.
    Soak(crate::scenario::soak::SoakArgs),
    /// Chaos: connections cut every ~15 s; checks every message arrives once, in order.
    Jitter(crate::scenario::chaos::JitterArgs),
    /// Chaos: restart the server under many clients; time until all are back.
    Avalanche(crate::scenario::chaos::AvalancheArgs),
    /// Chaos: two instances on Redis; Redis restarts during traffic.
    RedisRestart(crate::scenario::chaos::ClusterArgs),
    /// Chaos: two instances; one is killed (-9) during traffic, its clients move over.
    KillInstance(crate::scenario::chaos::ClusterArgs),
    /// The raw websocket broadcast server used by `ws-raw` (started by the tool itself).
    #[command(hide = true)]
    WsRawServer(crate::scenario::wsraw::ServerArgs),
}
