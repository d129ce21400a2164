//! The machine's limit: the same fan-out layouts (rooms of sockets, watchers, deliveries
//! acknowledged by a small frame batched like the Socket.IO clients' acks) on a bare
//! tokio-tungstenite broadcast server that does nothing else: no Socket.IO, no JSON, no
//! storage, no ack tracking.
//!
//! Wire: the client's first frame is `join:<room>[,<watched room>]`; `m<body>` broadcasts
//! `<body>` to the first room (sender included); anything else (the clients' acks) is read and
//! dropped.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use clap::Args;
use futures::{FutureExt, SinkExt, StreamExt, TryStreamExt, stream};
use tokio::{
    net::TcpListener,
    sync::{broadcast, mpsc},
};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::{
    CONNECT_CONCURRENCY,
    fanout::{Contender, FanoutArgs, Layout, Measured},
    stepper::{self, Driver, StepPlan},
};
use crate::{
    client::{
        self, Endpoint,
        acks::{self, ACK_BATCH},
    },
    fixture::Target,
    launch::TargetArgs,
    progress,
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
        let rooms = Rooms::default();
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

type Rooms = Arc<Mutex<HashMap<String, broadcast::Sender<Utf8Bytes>>>>;

/// The broadcast channel of `room`.
fn channel(rooms: &Rooms, room: &str) -> broadcast::Sender<Utf8Bytes> {
    let mut rooms = rooms.lock().unwrap_or_else(|e| e.into_inner());
    rooms
        .entry(room.to_owned())
        .or_insert_with(|| broadcast::channel(4096).0)
        .clone()
}

async fn serve_socket(stream: tokio::net::TcpStream, rooms: Rooms) -> anyhow::Result<()> {
    stream.set_nodelay(true)?;
    let mut ws =
        tokio_tungstenite::accept_async_with_config(stream, Some(client::websocket_config()))
            .await?;
    let Some(Ok(Message::Text(join))) = ws.next().await else {
        return Ok(());
    };
    let mut joined = join.as_str().trim_start_matches("join:").split(',');
    let tx = channel(&rooms, joined.next().unwrap_or_default());
    let mut rx = tx.subscribe();
    let mut watched = joined.next().map(|room| channel(&rooms, room).subscribe());
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
            message = rx.recv() => {
                if !forward(&mut ws, message, &mut rx).await? {
                    return Ok(());
                }
            }
            message = recv_watched(&mut watched) => {
                if let Some(watched) = watched.as_mut()
                    && !forward(&mut ws, message, watched).await?
                {
                    return Ok(());
                }
            }
        }
    }
}

/// The next message of the watched room (never, without one).
async fn recv_watched(
    watched: &mut Option<broadcast::Receiver<Utf8Bytes>>,
) -> Result<Utf8Bytes, broadcast::error::RecvError> {
    match watched {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Writes `message` and whatever else `rx` has ready, then flushes; false when the room is
/// gone.
async fn forward(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    message: Result<Utf8Bytes, broadcast::error::RecvError>,
    rx: &mut broadcast::Receiver<Utf8Bytes>,
) -> anyhow::Result<bool> {
    match message {
        Ok(body) => {
            ws.feed(Message::Text(body)).await?;
            while let Some(Ok(body)) = rx.recv().now_or_never() {
                ws.feed(Message::Text(body)).await?;
            }
            ws.flush().await?;
            Ok(true)
        }
        Err(broadcast::error::RecvError::Lagged(_)) => Ok(true),
        Err(broadcast::error::RecvError::Closed) => Ok(false),
    }
}

/// Options of `ws-raw`: the fan-out layouts and steps, on the raw server only.
#[derive(Clone, Debug, Args)]
pub struct WsRawArgs {
    /// The shape and steps (the same flags as `fanout`).
    #[command(flatten)]
    pub fanout: FanoutArgs,
}

/// Runs `ws-raw`.
pub async fn run(target: &TargetArgs, args: &WsRawArgs) -> anyhow::Result<()> {
    super::fanout::run_contenders(target, &args.fanout, &[Contender::WsRaw], "ws-raw").await
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

/// One fan-out run of `layout` on a fresh raw server.
pub async fn run_once(
    layout: &Layout,
    plan: &StepPlan,
    threads: usize,
) -> anyhow::Result<Measured> {
    let server = target::start_ws_raw(threads).await?;
    let target = Target {
        kind: target::Kind::WsRaw,
        addr: server.addr,
        pid: Some(server.pid),
        admin: (String::new(), String::new()),
        batches: false,
    };
    let joins: Vec<(usize, String)> = (0..layout.rooms)
        .flat_map(|room| (0..layout.members).map(move |member| (room, member)))
        .map(|(room, member)| {
            let join = match layout.watched_by(room, member) {
                Some(watched) => format!("join:r{room},r{watched}"),
                None => format!("join:r{room}"),
            };
            (room * layout.members + member, join)
        })
        .collect();
    progress!(
        "connecting {} raw sockets ({})",
        joins.len(),
        layout.describe()
    );
    let sockets: Vec<RawWs> = stream::iter(joins)
        .map(|(i, join)| {
            let endpoint = super::endpoint(&target, i);
            async move { connect_raw(&endpoint, join).await }
        })
        .buffered(CONNECT_CONCURRENCY)
        .try_collect()
        .await?;
    let stats = Arc::new(Stats::default());
    let mut senders = Vec::new();
    let mut tasks = Vec::new();
    for (i, ws) in sockets.into_iter().enumerate() {
        let (tx, rx) = mpsc::unbounded_channel();
        if i % layout.members == 0 {
            senders.push(tx);
        }
        tasks.push(tokio::spawn(raw_client(ws, Arc::clone(&stats), rx)));
    }
    // Let the server read every join before the first step.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let driver = Arc::new(RawDriver { senders });
    let pids = [server.pid];
    let stepped = if layout.stepped() {
        stepper::run(driver, &stats, plan, &pids).await
    } else {
        stepper::run_fixed(driver, &stats, plan, &pids).await
    };
    for task in &tasks {
        task.abort();
    }
    Ok(Measured {
        stepped,
        stats,
        delivery: None,
    })
}

type RawWs = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Connects and joins, retrying transport errors a few times (a listen backlog overflows when
/// thousands connect at once).
async fn connect_raw(endpoint: &Endpoint, join: String) -> anyhow::Result<RawWs> {
    let mut attempt = 0u64;
    loop {
        match client::open_websocket(endpoint, "/").await {
            Ok(mut ws) => {
                ws.send(Message::text(join)).await?;
                return Ok(ws);
            }
            Err(err) if attempt >= 4 => return Err(err.into()),
            Err(_) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
        }
    }
}

/// One raw client: records each delivery and acknowledges in batches paced like the Socket.IO
/// clients' (one small frame per [`ACK_BATCH`] deliveries or when [`acks::due_after`] says);
/// sends what `outgoing` yields.
async fn raw_client(
    mut ws: RawWs,
    stats: Arc<Stats>,
    mut outgoing: mpsc::UnboundedReceiver<String>,
) -> anyhow::Result<()> {
    let mut sends = true;
    let (mut held, mut due) = (0usize, false);
    let mut flushed = None;
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    receive(&stats, text.as_str());
                    held += 1;
                    while let Some(Some(Ok(Message::Text(text)))) = ws.next().now_or_never() {
                        receive(&stats, text.as_str());
                        held += 1;
                    }
                    if held >= ACK_BATCH {
                        ws.send(Message::text("a")).await?;
                        (held, due, flushed) = (0, false, Some(tokio::time::Instant::now()));
                    } else if !due {
                        timer.as_mut().reset(acks::due_after(flushed));
                        due = true;
                    }
                }
                Some(Ok(_)) => {}
                _ => return Ok(()),
            },
            () = &mut timer, if due => {
                ws.send(Message::text("a")).await?;
                (held, due, flushed) = (0, false, Some(tokio::time::Instant::now()));
            }
            body = outgoing.recv(), if sends => match body {
                Some(body) => ws.send(Message::text(format!("m{body}"))).await?,
                // Only one member per room sends; the others just receive.
                None => sends = false,
            },
        }
    }
}

/// Counts one delivery and its latency.
fn receive(stats: &Stats, text: &str) {
    stats.delivered.inc();
    if let Some(sent) = body_stamp(text) {
        stats.latency.record(now_us().saturating_sub(sent));
    }
}
