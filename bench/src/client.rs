//! A minimal Socket.IO v4 client over tokio-tungstenite: one task per connection owns the
//! websocket, answers pings, hands server events to a [`Handler`], acknowledges deliveries
//! cumulatively in the same task (see [`acks`]: per room the highest seq held, every 50 ms or
//! 50 holds), and matches our emits' acks.
//!
//! Writes are batched: everything that is ready is handled first, then the socket is flushed
//! once, so a burst of `message:new` costs one write, not one per message.

pub mod acks;

use std::{borrow::Cow, collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::{Context, anyhow, bail};
use futures::{FutureExt, SinkExt, StreamExt};
use tokio::{
    net::{TcpSocket, TcpStream},
    sync::{mpsc, oneshot},
};
use tokio_tungstenite::{
    WebSocketStream, client_async_with_config,
    tungstenite::{Message, protocol::WebSocketConfig},
};

use self::acks::AckBatch;
use crate::protocol::{self, Incoming};

/// A room position to acknowledge: the highest seq the client holds there with nothing
/// missing before it.
#[derive(Debug, PartialEq, Eq)]
pub struct Held<'a> {
    /// Room id.
    pub room: Cow<'a, str>,
    /// Seq.
    pub seq: i64,
}

/// What a connection does with server events.
pub trait Handler: Send + Sync + 'static {
    /// A server event with its raw JSON payload; returns the room position to acknowledge
    /// (batched by the connection), when the event moved or repeated one.
    fn on_event<'a>(&self, name: &str, payload: &'a str) -> Option<Held<'a>>;
}

/// A handler that ignores everything (idle sockets, senders that don't track).
pub struct Ignore;

impl Handler for Ignore {
    fn on_event<'a>(&self, _name: &str, _payload: &'a str) -> Option<Held<'a>> {
        None
    }
}

/// Where and as whom to connect.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The server's socket address.
    pub addr: SocketAddr,
    /// Local address to bind (spreads many sockets over 127.0.0.x source addresses).
    pub local: Option<std::net::IpAddr>,
    /// Ask for `message:batch` in the handshake.
    pub batches: bool,
}

/// Why a connect failed.
#[derive(Debug)]
pub enum ConnectError {
    /// The server refused the Socket.IO connect (its `connect_error` message).
    Refused(String),
    /// Anything on the way there (TCP, websocket handshake, timeout).
    Transport(anyhow::Error),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(code) => write!(f, "connect refused: {code}"),
            Self::Transport(err) => write!(f, "connect failed: {err:#}"),
        }
    }
}

impl std::error::Error for ConnectError {}

enum Command {
    Emit {
        event: &'static str,
        payload: String,
        reply: Option<oneshot::Sender<String>>,
    },
    /// Acknowledge a room position (with the next batch).
    Ack { room: String, seq: i64 },
    /// Drop the TCP connection without a goodbye, like a network cut.
    Cut,
}

/// A connected socket; dropping every clone leaves the connection running until the server
/// closes it, so call [`Conn::cut`] to end it.
#[derive(Clone)]
pub struct Conn {
    commands: mpsc::UnboundedSender<Command>,
}

/// Why an emit got no answer.
#[derive(Debug)]
pub enum EmitError {
    /// The connection ended first.
    Disconnected,
    /// No ack within the timeout.
    Timeout,
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Disconnected => "disconnected",
            Self::Timeout => "ack timeout",
        })
    }
}

impl std::error::Error for EmitError {}

impl Conn {
    /// Emits with an ack and waits (at most `timeout`) for the answer's raw JSON.
    pub async fn emit_ack(
        &self,
        event: &'static str,
        payload: String,
        timeout: Duration,
    ) -> Result<String, EmitError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Emit {
                event,
                payload,
                reply: Some(reply),
            })
            .map_err(|_| EmitError::Disconnected)?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(json)) => Ok(json),
            Ok(Err(_)) => Err(EmitError::Disconnected),
            Err(_) => Err(EmitError::Timeout),
        }
    }

    /// Emits without an ack; false when the connection is gone.
    pub fn emit(&self, event: &'static str, payload: String) -> bool {
        self.commands
            .send(Command::Emit {
                event,
                payload,
                reply: None,
            })
            .is_ok()
    }

    /// Acknowledges `room` up to `seq` with the connection's next batch (a position reached
    /// some other way than a `message:new`, such as a `sync` answer).
    pub fn ack(&self, room: &str, seq: i64) {
        // A closed connection has nothing to acknowledge for.
        let _gone = self.commands.send(Command::Ack {
            room: room.to_owned(),
            seq,
        });
    }

    /// Cuts the connection (no close frame, no Socket.IO disconnect).
    pub fn cut(&self) {
        // Already gone is fine: the cut happened.
        let _gone = self.commands.send(Command::Cut);
    }

    /// Whether the connection is still up.
    pub fn is_open(&self) -> bool {
        !self.commands.is_closed()
    }

    /// Resolves when the connection has ended.
    pub async fn closed(&self) {
        self.commands.closed().await;
    }
}

/// Connects, authenticates with `token` and starts the connection task.
pub async fn connect(
    endpoint: &Endpoint,
    token: &str,
    handler: Arc<dyn Handler>,
    timeout: Duration,
) -> Result<Conn, ConnectError> {
    let ws = tokio::time::timeout(timeout, handshake(endpoint, token))
        .await
        .map_err(|_| ConnectError::Transport(anyhow!("timed out after {timeout:?}")))??;
    let (commands, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(ws, rx, handler));
    Ok(Conn { commands })
}

type Ws = WebSocketStream<TcpStream>;

/// Bytes a websocket reads at most at once. tungstenite zero-fills the free part of its read
/// buffer before every read, a would-block one included, so its 128 KiB default cost the
/// generator two 128 KiB `memset`s per frame: a third of its CPU in the 5,000-member room. The
/// frames here are a few hundred bytes; a longer one takes more reads.
const WS_READ_BUFFER_BYTES: usize = 8 * 1024;

/// The websocket settings of every generator socket (and of the raw websocket server).
pub fn websocket_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(WS_READ_BUFFER_BYTES)
}

/// Opens the websocket (a bare TCP stream: the target is on this machine).
pub async fn open_websocket(endpoint: &Endpoint, path: &str) -> Result<Ws, ConnectError> {
    let socket = if endpoint.addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| ConnectError::Transport(e.into()))?;
    if let Some(local) = endpoint.local {
        socket
            .bind(SocketAddr::new(local, 0))
            .map_err(|e| ConnectError::Transport(e.into()))?;
    }
    let stream = socket
        .connect(endpoint.addr)
        .await
        .map_err(|e| ConnectError::Transport(e.into()))?;
    stream
        .set_nodelay(true)
        .map_err(|e| ConnectError::Transport(e.into()))?;
    let url = format!("ws://{}{path}", endpoint.addr);
    let (ws, _) = client_async_with_config(url, stream, Some(websocket_config()))
        .await
        .map_err(|e| ConnectError::Transport(e.into()))?;
    Ok(ws)
}

async fn handshake(endpoint: &Endpoint, token: &str) -> Result<Ws, ConnectError> {
    let mut ws = open_websocket(endpoint, protocol::WS_PATH).await?;
    let auth = if endpoint.batches {
        serde_json::json!({ "token": token, "batch": true })
    } else {
        serde_json::json!({ "token": token })
    }
    .to_string();
    let mut sent_connect = false;
    loop {
        let frame = match ws.next().await {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            Some(Err(err)) => return Err(ConnectError::Transport(err.into())),
            None => return Err(ConnectError::Transport(anyhow!("closed during handshake"))),
        };
        match protocol::decode(frame.as_str()) {
            Incoming::Open if !sent_connect => {
                sent_connect = true;
                ws.send(Message::text(protocol::connect(&auth)))
                    .await
                    .map_err(|e| ConnectError::Transport(e.into()))?;
            }
            Incoming::Ping => ws
                .send(Message::text(protocol::PONG))
                .await
                .map_err(|e| ConnectError::Transport(e.into()))?,
            Incoming::Connected => return Ok(ws),
            Incoming::ConnectError(json) => return Err(ConnectError::Refused(refusal(json))),
            Incoming::Close | Incoming::Disconnect => {
                return Err(ConnectError::Transport(anyhow!("closed during handshake")));
            }
            _ => {}
        }
    }
}

/// The `message` of a `connect_error` payload (the server's stable code).
fn refusal(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| json.to_owned())
}

/// The connection task: reads, answers, writes, until the socket or the handle goes away.
async fn run(ws: Ws, mut commands: mpsc::UnboundedReceiver<Command>, handler: Arc<dyn Handler>) {
    let mut conn = Connection {
        ws,
        handler,
        pending: HashMap::new(),
        next_id: 0,
        acks: AckBatch::default(),
    };
    // One timer for the life of the connection, re-armed for each batch of acks.
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    let mut armed_for = None;
    loop {
        let step = tokio::select! {
            frame = conn.ws.next() => Step::Frame(frame),
            command = commands.recv() => Step::Command(command),
            () = &mut timer, if armed_for.is_some() => Step::AcksDue,
        };
        let mut outcome = conn.apply(step).await;
        // Handle whatever else is ready before flushing once.
        while outcome.is_ok() {
            let step = if let Some(frame) = conn.ws.next().now_or_never() {
                Step::Frame(frame)
            } else if let Ok(command) = commands.try_recv() {
                Step::Command(Some(command))
            } else {
                break;
            };
            outcome = conn.apply(step).await;
        }
        if outcome.is_err() || conn.ws.flush().await.is_err() {
            return;
        }
        let due = conn.acks.due();
        if due != armed_for {
            if let Some(at) = due {
                timer.as_mut().reset(at);
            }
            armed_for = due;
        }
    }
}

enum Step {
    Frame(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
    Command(Option<Command>),
    AcksDue,
}

/// What the connection task owns.
struct Connection {
    ws: Ws,
    handler: Arc<dyn Handler>,
    /// Our emits waiting for their ack, by ack id.
    pending: HashMap<u64, oneshot::Sender<String>>,
    /// The last ack id used.
    next_id: u64,
    /// Deliveries held, not acknowledged yet.
    acks: AckBatch,
}

impl Connection {
    async fn apply(&mut self, step: Step) -> anyhow::Result<()> {
        match step {
            Step::Frame(Some(Ok(Message::Text(text)))) => self.on_frame(text.as_str()).await,
            Step::Frame(Some(Ok(Message::Close(_)))) | Step::Frame(None) => bail!("closed"),
            Step::Frame(Some(Ok(_))) => Ok(()),
            Step::Frame(Some(Err(err))) => Err(err.into()),
            Step::Command(Some(Command::Emit {
                event,
                payload,
                reply,
            })) => {
                let id = reply.map(|reply| {
                    self.next_id += 1;
                    self.pending.insert(self.next_id, reply);
                    self.next_id
                });
                self.ws
                    .feed(Message::text(protocol::event(event, &payload, id)))
                    .await
                    .context("write")
            }
            Step::Command(Some(Command::Ack { room, seq })) => self.hold(&room, seq).await,
            Step::Command(Some(Command::Cut)) | Step::Command(None) => bail!("cut"),
            Step::AcksDue => self.send_acks().await,
        }
    }

    async fn on_frame(&mut self, text: &str) -> anyhow::Result<()> {
        match protocol::decode(text) {
            Incoming::Ping => self.ws.feed(Message::text(protocol::PONG)).await?,
            Incoming::Event { name, payload, ack } => {
                if let Some(held) = self.handler.on_event(name, payload) {
                    self.hold(&held.room, held.seq).await?;
                }
                if let Some(id) = ack {
                    // The server waits for an answer (none of the benchmarked events does).
                    let answer = protocol::ack(id, "null");
                    self.ws.feed(Message::text(answer)).await?;
                }
            }
            Incoming::Ack { id, payload } => {
                if let Some(reply) = self.pending.remove(&id) {
                    // The waiter may have timed out; nothing to do then.
                    let _late = reply.send(payload.to_owned());
                }
            }
            Incoming::Close | Incoming::Disconnect => bail!("closed by the server"),
            _ => {}
        }
        Ok(())
    }

    /// Holds a room position; a full batch goes out at once.
    async fn hold(&mut self, room: &str, seq: i64) -> anyhow::Result<()> {
        if self.acks.hold(room, seq) {
            self.send_acks().await?;
        }
        Ok(())
    }

    async fn send_acks(&mut self) -> anyhow::Result<()> {
        for packet in self.acks.flush() {
            self.ws.feed(Message::text(packet)).await.context("write")?;
        }
        Ok(())
    }
}
