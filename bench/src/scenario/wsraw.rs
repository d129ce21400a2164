//! The machine's limit: the same fan-out (rooms x members, every delivery answered with a small
//! ack frame) on a bare tokio-tungstenite broadcast server that does nothing else: no
//! Socket.IO, no JSON, no storage, no ack tracking.
//!
//! Wire: the client's first frame is `join:<room>`; `m<body>` broadcasts `<body>` to the room
//! (sender included); anything else (the clients' acks) is read and dropped.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use clap::Args;
use futures::{FutureExt, SinkExt, StreamExt};
use serde_json::json;
use tokio::{
    net::TcpListener,
    sync::{broadcast, mpsc},
};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::stepper::{self, Driver, StepPlan};
use crate::{
    client::{self, Endpoint},
    fixture::Target,
    launch::TargetArgs,
    progress,
    report::{Table, median, thousands, write_json},
    stats::{Stats, body_stamp, now_us},
    target,
};

/// Options of the hidden `ws-raw-server`.
#[derive(Clone, Debug, Args)]
pub struct ServerArgs {
    /// Port (0: any).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Runtime worker threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

/// Runs the raw server until killed (its own runtime, so `--threads` applies).
pub fn serve(args: &ServerArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
        eprintln!("ws-raw listening on http://{}", listener.local_addr()?);
        let rooms: Arc<Mutex<HashMap<String, broadcast::Sender<Utf8Bytes>>>> = Arc::default();
        loop {
            let (stream, _) = listener.accept().await?;
            let rooms = Arc::clone(&rooms);
            tokio::spawn(async move {
                // A failed connection only ends itself.
                let _ended = serve_socket(stream, rooms).await;
            });
        }
    })
}

async fn serve_socket(
    stream: tokio::net::TcpStream,
    rooms: Arc<Mutex<HashMap<String, broadcast::Sender<Utf8Bytes>>>>,
) -> anyhow::Result<()> {
    stream.set_nodelay(true)?;
    let mut ws = tokio_tungstenite::accept_async(stream).await?;
    let Some(Ok(Message::Text(join))) = ws.next().await else {
        return Ok(());
    };
    let room = join.as_str().trim_start_matches("join:").to_owned();
    let tx = {
        let mut rooms = rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms
            .entry(room)
            .or_insert_with(|| broadcast::channel(4096).0)
            .clone()
    };
    let mut rx = tx.subscribe();
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if let Some(body) = text.as_str().strip_prefix('m') {
                        let _no_receivers = tx.send(Utf8Bytes::from(body.to_owned()));
                    }
                }
                Some(Ok(_)) => {}
                _ => return Ok(()),
            },
            message = rx.recv() => match message {
                Ok(body) => {
                    ws.feed(Message::Text(body)).await?;
                    while let Some(Ok(body)) = rx.recv().now_or_never() {
                        ws.feed(Message::Text(body)).await?;
                    }
                    ws.flush().await?;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
}

/// Options of `ws-raw`.
#[derive(Clone, Debug, Args)]
pub struct WsRawArgs {
    /// The fan-out shape and steps (same flags as `fanout`).
    #[command(flatten)]
    pub fanout: super::fanout::FanoutArgs,
    /// Worker threads of the raw server.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

struct RawDriver {
    senders: Vec<mpsc::UnboundedSender<String>>,
}

impl Driver for RawDriver {
    fn send(&self, room: usize, body: String) -> bool {
        self.senders
            .get(room)
            .is_some_and(|tx| tx.send(body).is_ok())
    }

    fn rooms(&self) -> usize {
        self.senders.len()
    }
}

/// One raw client: joins, records each delivery, acks it; sends what `outgoing` yields.
async fn raw_client(
    endpoint: Endpoint,
    room: String,
    stats: Arc<Stats>,
    mut outgoing: mpsc::UnboundedReceiver<String>,
) -> anyhow::Result<()> {
    let mut ws = client::open_websocket(&endpoint, "/").await?;
    ws.send(Message::text(format!("join:{room}"))).await?;
    let mut sends = true;
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    stats.delivered.inc();
                    if let Some(sent) = body_stamp(text.as_str()) {
                        stats.latency.record(now_us().saturating_sub(sent));
                    }
                    ws.feed(Message::text("a")).await?;
                    while let Some(Some(Ok(Message::Text(text)))) = ws.next().now_or_never() {
                        stats.delivered.inc();
                        if let Some(sent) = body_stamp(text.as_str()) {
                            stats.latency.record(now_us().saturating_sub(sent));
                        }
                        ws.feed(Message::text("a")).await?;
                    }
                    ws.flush().await?;
                }
                Some(Ok(_)) => {}
                _ => return Ok(()),
            },
            body = outgoing.recv(), if sends => match body {
                Some(body) => ws.send(Message::text(format!("m{body}"))).await?,
                // Only one member per room sends; the others just receive.
                None => sends = false,
            },
        }
    }
}

/// Runs `ws-raw`.
pub async fn run(target_args: &TargetArgs, args: &WsRawArgs) -> anyhow::Result<()> {
    let f = &args.fanout;
    let plan = StepPlan {
        start_rate: f.start_rate,
        factor: f.factor,
        max_steps: f.max_steps,
        step_secs: f.step_secs,
        warmup_secs: f.warmup_secs,
        fanout: f.members,
        saturation: 0.9,
        body_bytes: f.body_bytes,
    };
    let mut runs = Vec::new();
    for repeat in 0..f.repeats {
        progress!("ws-raw run {}/{}", repeat + 1, f.repeats);
        let server = target::start_ws_raw(args.threads).await?;
        let target = Target {
            kind: target::Kind::WsRaw,
            addr: server.addr,
            pid: Some(server.pid),
            admin: (String::new(), String::new()),
        };
        let stats = Arc::new(Stats::default());
        let mut senders = Vec::new();
        let mut tasks = Vec::new();
        for room in 0..f.rooms {
            for member in 0..f.members {
                let (tx, rx) = mpsc::unbounded_channel();
                if member == 0 {
                    senders.push(tx);
                }
                let endpoint = super::endpoint(&target, room * f.members + member);
                tasks.push(tokio::spawn(raw_client(
                    endpoint,
                    format!("r{room}"),
                    Arc::clone(&stats),
                    rx,
                )));
            }
        }
        // Let every client join before the first step.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let stepped = stepper::run(
            Arc::new(RawDriver { senders }),
            &stats,
            &plan,
            &[server.pid],
        )
        .await;
        for task in &tasks {
            task.abort();
        }
        runs.push(stepped);
    }
    let mut table = Table::new(
        format!(
            "ws-raw: {} rooms x {} members, medians of {} run(s)",
            f.rooms, f.members, f.repeats
        ),
        &[
            "server",
            "peak delivered/s",
            "p50 @ half peak",
            "p99 @ half peak",
        ],
    );
    let half = |g: fn(&stepper::Step) -> f64| {
        median(
            &runs
                .iter()
                .filter_map(|r| r.half_peak.as_ref().map(g))
                .collect::<Vec<_>>(),
        )
    };
    table.row(vec![
        "ws-raw".into(),
        thousands(median(&runs.iter().map(|r| r.peak).collect::<Vec<_>>())),
        format!("{:.1} ms", half(|s| s.latency.p50_ms)),
        format!("{:.1} ms", half(|s| s.latency.p99_ms)),
    ]);
    table.print();
    write_json(
        &target_args.results_dir,
        "ws-raw",
        &json!({"args": format!("{args:?}"), "plan": plan, "runs": runs}),
    )?;
    Ok(())
}
