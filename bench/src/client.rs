//! A minimal Socket.IO v4 client over tokio-tungstenite: one task per connection owns the
//! websocket, answers pings, hands server events to a [`Handler`] (answering their acks in the
//! same task, so an ack costs no extra hop), and matches our emits' acks.
//!
//! Writes are batched: everything that is ready is handled first, then the socket is flushed
//! once, so a burst of `message:new` costs one write of acks, not one per message.

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::{Context, anyhow, bail};
use futures::{FutureExt, SinkExt, StreamExt};
use tokio::{
    net::{TcpSocket, TcpStream},
    sync::{mpsc, oneshot},
};
use tokio_tungstenite::{WebSocketStream, client_async, tungstenite::Message};

use crate::protocol::{self, Incoming};

/// What a connection does with server events.
pub trait Handler: Send + Sync + 'static {
    /// A server event with its raw JSON payload; returns the JSON to ack it with, when the
    /// server asked for an ack (`None` acks with `null`).
    fn on_event(&self, name: &str, payload: &str, wants_ack: bool) -> Option<String>;
}

/// A handler that ignores everything (idle sockets, senders that don't track).
pub struct Ignore;

impl Handler for Ignore {
    fn on_event(&self, _name: &str, _payload: &str, _wants_ack: bool) -> Option<String> {
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
    let (ws, _) = client_async(url, stream)
        .await
        .map_err(|e| ConnectError::Transport(e.into()))?;
    Ok(ws)
}

async fn handshake(endpoint: &Endpoint, token: &str) -> Result<Ws, ConnectError> {
    let mut ws = open_websocket(endpoint, protocol::WS_PATH).await?;
    let auth = serde_json::json!({ "token": token }).to_string();
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
async fn run(
    mut ws: Ws,
    mut commands: mpsc::UnboundedReceiver<Command>,
    handler: Arc<dyn Handler>,
) {
    let mut pending: HashMap<u64, oneshot::Sender<String>> = HashMap::new();
    let mut next_id: u64 = 0;
    loop {
        let step = tokio::select! {
            frame = ws.next() => Step::Frame(frame),
            command = commands.recv() => Step::Command(command),
        };
        let mut outcome = apply(&mut ws, &handler, &mut pending, &mut next_id, step).await;
        // Handle whatever else is ready before flushing once.
        while outcome.is_ok() {
            let step = if let Some(frame) = ws.next().now_or_never() {
                Step::Frame(frame)
            } else if let Ok(command) = commands.try_recv() {
                Step::Command(Some(command))
            } else {
                break;
            };
            outcome = apply(&mut ws, &handler, &mut pending, &mut next_id, step).await;
        }
        if outcome.is_err() || ws.flush().await.is_err() {
            return;
        }
    }
}

enum Step {
    Frame(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
    Command(Option<Command>),
}

async fn apply(
    ws: &mut Ws,
    handler: &Arc<dyn Handler>,
    pending: &mut HashMap<u64, oneshot::Sender<String>>,
    next_id: &mut u64,
    step: Step,
) -> anyhow::Result<()> {
    match step {
        Step::Frame(Some(Ok(Message::Text(text)))) => {
            on_frame(ws, handler, pending, text.as_str()).await
        }
        Step::Frame(Some(Ok(Message::Close(_)))) | Step::Frame(None) => bail!("closed"),
        Step::Frame(Some(Ok(_))) => Ok(()),
        Step::Frame(Some(Err(err))) => Err(err.into()),
        Step::Command(Some(Command::Emit {
            event,
            payload,
            reply,
        })) => {
            let id = reply.map(|reply| {
                *next_id += 1;
                pending.insert(*next_id, reply);
                *next_id
            });
            ws.feed(Message::text(protocol::event(event, &payload, id)))
                .await
                .context("write")
        }
        Step::Command(Some(Command::Cut)) | Step::Command(None) => bail!("cut"),
    }
}

async fn on_frame(
    ws: &mut Ws,
    handler: &Arc<dyn Handler>,
    pending: &mut HashMap<u64, oneshot::Sender<String>>,
    text: &str,
) -> anyhow::Result<()> {
    match protocol::decode(text) {
        Incoming::Ping => ws.feed(Message::text(protocol::PONG)).await?,
        Incoming::Event { name, payload, ack } => {
            let answer = handler.on_event(name, payload, ack.is_some());
            if let Some(id) = ack {
                let json = answer.as_deref().unwrap_or("null");
                ws.feed(Message::text(protocol::ack(id, json))).await?;
            }
        }
        Incoming::Ack { id, payload } => {
            if let Some(reply) = pending.remove(&id) {
                // The waiter may have timed out; nothing to do then.
                let _late = reply.send(payload.to_owned());
            }
        }
        Incoming::Close | Incoming::Disconnect => bail!("closed by the server"),
        _ => {}
    }
    Ok(())
}
