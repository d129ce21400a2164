//! Fan-out: rooms of sockets that acknowledge `message:new` cumulatively; the first socket of
//! each room sends with `message:send` (acked after the server stored it). The room shape is
//! `--shape` ([`Shape`]): private rooms, public rooms with optional watchers (both stepped until
//! saturation), or one big announcement room at a fixed rate. Switchboard, the Node socket.io 4
//! baseline (`--node-baseline`), Switchboard on Redis (`--redis`) and the raw websocket reference
//! (`--ws-raw`) run one after the other in every repeat, so all see the same machine.

mod layout;
mod sio;
mod table;

use clap::Args;
use serde::Serialize;
use serde_json::json;

pub use self::layout::{Layout, Shape};
use super::stepper::{StepPlan, Stepped};
use crate::{
    fixture::DeliveryCounters, launch::TargetArgs, progress, report::write_json, target::Kind,
};

/// Options of `fanout` (and of `ws-raw`, which runs the same shapes on the raw reference only).
#[derive(Clone, Debug, Args)]
pub struct FanoutArgs {
    /// Room shape: `private` (rooms x members), `public` (public rooms every user may read,
    /// delivered to members and watchers) or `announce` (one room, one sender at `--rate`).
    #[arg(long, value_enum, default_value = "private")]
    pub shape: Shape,
    /// Rooms [default: 10; announce: 1].
    #[arg(long)]
    pub rooms: Option<usize>,
    /// Sockets per room, the sender included [default: 50; announce: 5000].
    #[arg(long)]
    pub members: Option<usize>,
    /// Sockets per signed-in user: a room of N sockets has N / this users (fewer Argon2
    /// sign-ins to set up big rooms).
    #[arg(long, default_value_t = 1)]
    pub sockets_per_user: usize,
    /// `public`: sockets of each room (not the sender) that also watch the next room.
    #[arg(long, default_value_t = 0)]
    pub watchers_per_room: usize,
    /// `announce`: the sender's fixed rate (messages/s), measured for `--step-secs`.
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
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
    /// Runs per server (the tables show medians).
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Also run Switchboard as two instances on Redis (and PostgreSQL), sockets alternating
    /// between them.
    #[arg(long)]
    pub redis: bool,
    /// Also run Switchboard with sockets that take messages one by one (`message:new` only,
    /// as a plain socket.io client), not `message:batch` as the web client does.
    #[arg(long)]
    pub single_messages: bool,
    /// Also run the raw websocket reference (the `ws-raw` server) in every repeat.
    #[arg(long)]
    pub ws_raw: bool,
    /// Worker threads of the raw websocket server.
    #[arg(long, alias = "threads", default_value_t = 2)]
    pub ws_raw_threads: usize,
}

/// What a fan-out run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Contender {
    /// One Switchboard instance (its sockets take `message:batch`, as the web client's do).
    Switchboard,
    /// One Switchboard instance, its sockets taking messages one by one.
    SwitchboardSingle,
    /// Two Switchboard instances on Redis and PostgreSQL.
    SwitchboardRedis,
    /// The Node socket.io 4 baseline.
    Node,
    /// The raw websocket broadcast server.
    WsRaw,
}

impl Contender {
    /// Its name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Switchboard => "switchboard",
            Self::SwitchboardSingle => "switchboard-single",
            Self::SwitchboardRedis => "switchboard-redis",
            Self::Node => "node",
            Self::WsRaw => "ws-raw",
        }
    }
}

/// What one run measured.
pub struct Measured {
    /// The steps.
    pub stepped: Stepped,
    /// The clients' counters.
    pub stats: std::sync::Arc<crate::stats::Stats>,
    /// Switchboard's re-sends and give-ups over the run.
    pub delivery: Option<DeliveryCounters>,
}

/// One run's result.
#[derive(Debug, Serialize)]
pub struct Run {
    /// Which server.
    pub contender: Contender,
    /// Which repeat (from 0).
    pub repeat: usize,
    /// Its steps.
    pub stepped: Stepped,
    /// Sends refused or timed out.
    pub sends_failed: u64,
    /// Deliveries of a seq a socket already had.
    pub wire_duplicates: u64,
    /// Deliveries that skipped seqs.
    pub wire_gaps: u64,
    /// Switchboard's re-sends and give-ups over the whole run (its `/metrics`).
    pub server_delivery: Option<DeliveryCounters>,
}

/// Runs `fanout`.
pub async fn run(target: &TargetArgs, args: &FanoutArgs) -> anyhow::Result<()> {
    let mut contenders = vec![Contender::Switchboard];
    if args.single_messages {
        contenders.push(Contender::SwitchboardSingle);
    }
    if target.node_baseline {
        contenders.push(Contender::Node);
    }
    if args.redis {
        contenders.push(Contender::SwitchboardRedis);
    }
    if args.ws_raw {
        contenders.push(Contender::WsRaw);
    }
    run_contenders(target, args, &contenders, "fanout").await
}

/// Runs the layout of `args` on each contender in turn, `--repeats` times; prints the tables
/// and writes `<scenario>-<time>.json`.
pub async fn run_contenders(
    target: &TargetArgs,
    args: &FanoutArgs,
    contenders: &[Contender],
    scenario: &str,
) -> anyhow::Result<()> {
    let layout = Layout::of(args)?;
    super::check_descriptors(layout.sockets())?;
    let plan = StepPlan {
        start_rate: if layout.stepped() {
            args.start_rate
        } else {
            args.rate
        },
        factor: args.factor,
        max_steps: args.max_steps,
        step_secs: args.step_secs,
        warmup_secs: args.warmup_secs,
        fanout: layout.fanout(),
        saturation: 0.9,
        body_bytes: args.body_bytes,
    };
    let mut runs = Vec::new();
    for repeat in 0..args.repeats {
        for &contender in contenders {
            progress!(
                "{scenario}: {} run {}/{}",
                contender.label(),
                repeat + 1,
                args.repeats
            );
            runs.push(run_one(target, args, &layout, &plan, contender, repeat).await?);
        }
    }
    table::print(&runs, &layout, args.repeats);
    write_json(
        &target.results_dir,
        scenario,
        &json!({"args": format!("{args:?}"), "layout": layout, "db": target.db, "plan": plan,
            "runs": runs}),
    )?;
    Ok(())
}

async fn run_one(
    target: &TargetArgs,
    args: &FanoutArgs,
    layout: &Layout,
    plan: &StepPlan,
    contender: Contender,
    repeat: usize,
) -> anyhow::Result<Run> {
    let measured = match contender {
        Contender::Switchboard | Contender::SwitchboardSingle | Contender::Node => {
            let kind = if contender == Contender::Node {
                Kind::Node
            } else {
                Kind::Switchboard
            };
            let mut running = target.launch(kind, target.db).await?;
            running.target.batches &= contender != Contender::SwitchboardSingle;
            let pids: Vec<u32> = running.target.pid.into_iter().collect();
            sio::run_once(&[&running.target], &pids, layout, plan, args.in_flight).await?
        }
        Contender::SwitchboardRedis => {
            let (_redis, _database, a, b) = super::cluster::two_instances(target).await?;
            let (ta, tb) = (target.target_of(&a), target.target_of(&b));
            let pids = [a.pid, b.pid];
            sio::run_once(&[&ta, &tb], &pids, layout, plan, args.in_flight).await?
        }
        Contender::WsRaw => super::wsraw::run_once(layout, plan, args.ws_raw_threads).await?,
    };
    let stats = &measured.stats;
    Ok(Run {
        contender,
        repeat,
        stepped: measured.stepped,
        sends_failed: stats.sent_failed.get(),
        wire_duplicates: stats.wire_duplicates.get(),
        wire_gaps: stats.wire_gaps.get(),
        server_delivery: measured.delivery,
    })
}
