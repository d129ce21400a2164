//! The Socket.IO operations the rest of the server needs, behind one object-safe trait so the
//! server is written once for the in-process adapter and the Redis adapter.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use serde_json::{Value, value::RawValue};
use socketioxide::{SocketIo, adapter::Adapter, operators::BroadcastOperators};

pub use socketioxide::socket::Sid;

use super::{
    acks::SocketAcks,
    channel::{Channel, names},
    session::{SocketUser, UserId},
};
use crate::redis::RedisHealth;

/// A socket's outgoing queue is full, or the socket is gone: nothing was queued.
#[derive(Clone, Copy, Debug)]
pub struct NotQueued;

/// Room-addressed operations; `cluster` ones reach every instance through the adapter.
#[async_trait::async_trait]
pub trait Fanout: Send + Sync + 'static {
    /// Emits to every socket in `rooms` on every instance, except sockets in `except`.
    async fn emit(
        &self,
        rooms: Vec<Channel>,
        except: Vec<Channel>,
        event: &'static str,
        data: &Value,
    );
    /// Emits to this instance's sockets in any of `rooms` (each once): one packet, encoded once,
    /// from data already encoded.
    async fn emit_local_raw(&self, rooms: Vec<Channel>, event: &'static str, data: &RawValue);
    /// Emits several consecutive messages of a room to this instance's sockets in any of
    /// `rooms` (each once) when some take them one by one: `batch` (a `message:batch`, encoded
    /// once) to the sockets that take batches, each of `messages` (`message:new` payloads) to
    /// the others. (When all take batches, `batch` goes out with [`Fanout::emit_local_raw`].)
    async fn emit_local_batch(&self, rooms: Vec<Channel>, messages: &[&RawValue], batch: &RawValue);
    /// Emits to one socket of this instance.
    fn emit_to_socket(&self, sid: Sid, event: &'static str, data: &Value) -> Result<(), NotQueued>;
    /// This instance's sockets in any of `rooms`, with their acknowledgements.
    fn local_sockets_in(&self, rooms: Vec<Channel>) -> Vec<(Sid, Arc<SocketAcks>)>;
    /// The signed-in user of a socket of this instance.
    fn socket_user(&self, sid: Sid) -> Option<SocketUser>;
    /// The acknowledgements and watches of a socket of this instance.
    fn socket_acks(&self, sid: Sid) -> Option<Arc<SocketAcks>>;
    /// Makes every socket in `selector` (on every instance) join `room`.
    async fn join(&self, selector: Channel, rooms: Vec<Channel>);
    /// Makes every socket in `selector` (on every instance) leave `room`.
    async fn leave(&self, selector: Channel, rooms: Vec<Channel>) {
        self.leave_except(selector, Vec::new(), rooms).await;
    }
    /// Makes every socket in `selector` but not in any of `except` (on every instance) leave
    /// `rooms`.
    async fn leave_except(&self, selector: Channel, except: Vec<Channel>, rooms: Vec<Channel>);
    /// Disconnects every socket in `selector` on every instance.
    async fn disconnect(&self, selector: Channel);
    /// Sockets connected to this instance.
    fn local_socket_count(&self) -> usize;
    /// This instance's sockets and their users.
    fn local_users(&self) -> Vec<(Sid, SocketUser)>;
    /// Makes one socket of this instance join rooms.
    fn join_local(&self, sid: Sid, rooms: Vec<Channel>);
    /// Makes one socket of this instance leave rooms.
    fn leave_local(&self, sid: Sid, rooms: Vec<Channel>);
    /// The rooms one socket of this instance is in.
    fn local_rooms(&self, sid: Sid) -> Vec<String>;
    /// Replaces the signed-in user stored on a socket of this instance (a renewed expiry).
    fn update_user(&self, sid: Sid, user: SocketUser);
    /// Gives up on a socket of this instance whose outgoing queue is full: it leaves every
    /// room (nothing more is queued for it) and is disconnected. Socket.IO cannot queue the
    /// disconnect packet while the queue is full; then the engine.io heartbeat, which needs a
    /// free slot for its ping, closes the connection at its next beat.
    fn shed(&self, sid: Sid);
    /// Emits to every socket of this instance.
    async fn emit_local_all(&self, event: &'static str, data: &Value);
    /// Closes every socket of this instance (their clients reconnect elsewhere or later).
    async fn close(&self);
}

/// The Socket.IO handle of this instance, and whether the cluster (Redis) can be reached.
pub struct IoFanout<A: Adapter> {
    /// The server handle.
    pub io: SocketIo<A>,
    /// Redis health, when running with the Redis adapter.
    pub redis: Option<Arc<RedisHealth>>,
    /// Set once Socket.IO is closed (shutdown): the namespace is gone then, as it should be.
    pub closed: AtomicBool,
}

impl<A: Adapter> IoFanout<A> {
    /// The Socket.IO handle over `io`, with Redis's health when clustered.
    pub fn new(io: SocketIo<A>, redis: Option<Arc<RedisHealth>>) -> Self {
        Self {
            io,
            redis,
            closed: AtomicBool::new(false),
        }
    }

    fn root(&self) -> Option<BroadcastOperators<A>> {
        let ops = self.io.of("/");
        if ops.is_none() {
            if self.closed.load(Ordering::Acquire) {
                // Work that outlived the shutdown (a retry, a late event): nobody to tell.
                tracing::debug!("socket.io is closed: nothing emitted");
            } else {
                tracing::error!("the socket.io namespace / is not registered");
            }
        }
        ops
    }

    /// False while Redis is known to be down: cluster operations would wait for a timeout and
    /// then fail without even reaching local sockets, so they go local at once.
    fn cluster_up(&self) -> bool {
        self.redis.as_ref().is_none_or(|h| h.is_up())
    }
}

#[async_trait::async_trait]
impl<A: Adapter> Fanout for IoFanout<A> {
    async fn emit(
        &self,
        rooms: Vec<Channel>,
        except: Vec<Channel>,
        event: &'static str,
        data: &Value,
    ) {
        let Some(ops) = self.root() else { return };
        let (rooms, except) = (names(rooms), names(except));
        if self.cluster_up() {
            match ops
                .clone()
                .to(rooms.clone())
                .except(except.clone())
                .emit(event, data)
                .await
            {
                Ok(()) => return,
                Err(err) => {
                    tracing::warn!(event, error = %err, "cluster broadcast failed; local sockets only")
                }
            }
        }
        metrics::counter!("switchboard_socket_local_fallbacks_total").increment(1);
        if let Err(err) = ops.local().to(rooms).except(except).emit(event, data).await {
            tracing::warn!(event, error = %err, "local broadcast failed");
        }
    }

    async fn emit_local_raw(&self, rooms: Vec<Channel>, event: &'static str, data: &RawValue) {
        let Some(ops) = self.root() else { return };
        // A socket whose queue is full misses this one: it stops acknowledging, and the sweep's
        // re-send finds the queue full and sheds it.
        if let Err(err) = ops.local().to(names(rooms)).emit(event, data).await {
            tracing::debug!(event, error = %err, "broadcast not queued for every socket");
        }
    }

    async fn emit_local_batch(
        &self,
        rooms: Vec<Channel>,
        messages: &[&RawValue],
        batch: &RawValue,
    ) {
        let Some(ops) = self.root() else { return };
        let rooms = names(rooms);
        // One packet, encoded once, for every socket that takes batches.
        if let Err(err) = ops
            .clone()
            .local()
            .to(rooms.clone())
            .except(Channel::OneByOne.name())
            .emit(super::events::MESSAGE_BATCH, batch)
            .await
        {
            tracing::debug!(error = %err, "batch not queued for every socket");
        }
        // The others get the messages one by one (encoded per socket: a room of mixed clients
        // is the exception, not the busy rooms of the web client).
        for socket in ops.local().to(rooms).sockets() {
            let one_by_one = socket
                .extensions
                .get::<Arc<SocketAcks>>()
                .is_some_and(|a| !a.takes_batches());
            if one_by_one {
                for message in messages {
                    let _queued = socket.emit(super::events::MESSAGE_NEW, message);
                }
            }
        }
    }

    fn emit_to_socket(&self, sid: Sid, event: &'static str, data: &Value) -> Result<(), NotQueued> {
        let socket = self
            .root()
            .and_then(|ops| ops.get_socket(sid))
            .ok_or(NotQueued)?;
        socket.emit(event, data).map_err(|_| NotQueued)
    }

    fn local_sockets_in(&self, rooms: Vec<Channel>) -> Vec<(Sid, Arc<SocketAcks>)> {
        self.root().map_or_else(Vec::new, |ops| {
            ops.local()
                .to(names(rooms))
                .sockets()
                .into_iter()
                .filter_map(|s| s.extensions.get::<Arc<SocketAcks>>().map(|a| (s.id, a)))
                .collect()
        })
    }

    fn socket_user(&self, sid: Sid) -> Option<SocketUser> {
        self.root()?.get_socket(sid)?.extensions.get::<SocketUser>()
    }

    fn socket_acks(&self, sid: Sid) -> Option<Arc<SocketAcks>> {
        self.root()?
            .get_socket(sid)?
            .extensions
            .get::<Arc<SocketAcks>>()
    }

    async fn join(&self, selector: Channel, rooms: Vec<Channel>) {
        let Some(ops) = self.root() else { return };
        let (selector, rooms) = (selector.name(), names(rooms));
        if self.cluster_up() {
            match ops.clone().to(selector.clone()).join(rooms.clone()).await {
                Ok(()) => return,
                Err(err) => tracing::warn!(error = %err, "cluster join failed; local sockets only"),
            }
        }
        if let Err(err) = ops.local().to(selector).join(rooms).await {
            tracing::warn!(error = %err, "local join failed");
        }
    }

    async fn leave_except(&self, selector: Channel, except: Vec<Channel>, rooms: Vec<Channel>) {
        let Some(ops) = self.root() else { return };
        let (selector, except, rooms) = (selector.name(), names(except), names(rooms));
        if self.cluster_up() {
            match ops
                .clone()
                .to(selector.clone())
                .except(except.clone())
                .leave(rooms.clone())
                .await
            {
                Ok(()) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "cluster leave failed; local sockets only")
                }
            }
        }
        if let Err(err) = ops.local().to(selector).except(except).leave(rooms).await {
            tracing::warn!(error = %err, "local leave failed");
        }
    }

    async fn disconnect(&self, selector: Channel) {
        let Some(ops) = self.root() else { return };
        let selector = selector.name();
        if self.cluster_up() {
            match ops.clone().to(selector.clone()).disconnect().await {
                Ok(()) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "cluster disconnect failed; local sockets only")
                }
            }
        }
        if let Err(err) = ops.local().to(selector).disconnect().await {
            tracing::warn!(error = %err, "local disconnect failed");
        }
    }

    fn local_socket_count(&self) -> usize {
        self.root().map_or(0, |ops| ops.local().sockets().len())
    }

    fn local_users(&self) -> Vec<(Sid, SocketUser)> {
        self.root().map_or_else(Vec::new, |ops| {
            ops.local()
                .sockets()
                .into_iter()
                .filter_map(|s| s.extensions.get::<SocketUser>().map(|u| (s.id, u)))
                .collect()
        })
    }

    fn join_local(&self, sid: Sid, rooms: Vec<Channel>) {
        if let Some(socket) = self.root().and_then(|ops| ops.get_socket(sid)) {
            socket.join(names(rooms));
        }
    }

    fn leave_local(&self, sid: Sid, rooms: Vec<Channel>) {
        if let Some(socket) = self.root().and_then(|ops| ops.get_socket(sid)) {
            socket.leave(names(rooms));
        }
    }

    fn local_rooms(&self, sid: Sid) -> Vec<String> {
        self.root()
            .and_then(|ops| ops.get_socket(sid))
            .map_or_else(Vec::new, |socket| {
                socket.rooms().into_iter().map(|r| r.to_string()).collect()
            })
    }

    fn update_user(&self, sid: Sid, user: SocketUser) {
        if let Some(socket) = self.root().and_then(|ops| ops.get_socket(sid)) {
            socket.extensions.insert(user);
        }
    }

    fn shed(&self, sid: Sid) {
        let Some(socket) = self.root().and_then(|ops| ops.get_socket(sid)) else {
            return;
        };
        metrics::counter!("switchboard_socket_overflows_total").increment(1);
        let user = socket.extensions.get::<UserId>().map(|UserId(id)| id);
        tracing::warn!(%sid, user_id = ?user, "socket's outgoing queue is full: disconnecting it");
        socket.leave_all();
        if socket.disconnect().is_err() {
            tracing::debug!(%sid, "disconnect deferred to the heartbeat (queue full)");
        }
    }

    async fn emit_local_all(&self, event: &'static str, data: &Value) {
        let Some(ops) = self.root() else { return };
        if let Err(err) = ops.local().emit(event, data).await {
            tracing::warn!(event, error = %err, "local broadcast failed");
        }
    }

    async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.io.close().await;
    }
}
