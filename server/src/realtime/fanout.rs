//! The Socket.IO operations the rest of the server needs, behind one object-safe trait so the
//! server is written once for the in-process adapter and the Redis adapter.

use std::time::{Duration, Instant};

use futures::{StreamExt, stream::BoxStream};
use serde_json::Value;
use socketioxide::{SocketIo, adapter::Adapter, operators::BroadcastOperators};

pub use socketioxide::socket::Sid;

use super::connect::SocketUser;

/// One socket's answer to an emit with ack.
#[derive(Clone, Copy, Debug)]
pub struct AckOutcome {
    /// The socket.
    pub sid: Sid,
    /// True when the client acknowledged in time.
    pub acked: bool,
    /// When the answer (or the timeout) came.
    pub at: Instant,
}

/// Room-addressed operations; `cluster` ones reach every instance through the adapter.
#[async_trait::async_trait]
pub trait Fanout: Send + Sync + 'static {
    /// Emits to every socket in `rooms` on every instance, except sockets in `except`.
    async fn emit(
        &self,
        rooms: Vec<String>,
        except: Vec<String>,
        event: &'static str,
        data: &Value,
    );
    /// Emits with an ack to this instance's sockets in `room`; yields each socket's outcome.
    async fn emit_local_with_ack(
        &self,
        room: String,
        event: &'static str,
        data: &Value,
        timeout: Duration,
    ) -> BoxStream<'static, AckOutcome>;
    /// Makes every socket in `selector` (on every instance) join `room`.
    async fn join(&self, selector: String, rooms: Vec<String>);
    /// Makes every socket in `selector` (on every instance) leave `room`.
    async fn leave(&self, selector: String, rooms: Vec<String>);
    /// Disconnects every socket in `selector` on every instance.
    async fn disconnect(&self, selector: String);
    /// The signed-in user of a socket of this instance.
    fn socket_user(&self, sid: Sid) -> Option<SocketUser>;
    /// Whether a socket of this instance is still connected.
    fn is_connected(&self, sid: Sid) -> bool;
    /// Sockets connected to this instance.
    fn local_socket_count(&self) -> usize;
    /// Emits to every socket of this instance.
    async fn emit_local_all(&self, event: &'static str, data: &Value);
    /// Closes every socket of this instance (their clients reconnect elsewhere or later).
    async fn close(&self);
}

fn root<A: Adapter>(io: &SocketIo<A>) -> Option<BroadcastOperators<A>> {
    let ops = io.of("/");
    if ops.is_none() {
        tracing::error!("the socket.io namespace / is not registered");
    }
    ops
}

#[async_trait::async_trait]
impl<A: Adapter> Fanout for SocketIo<A> {
    async fn emit(
        &self,
        rooms: Vec<String>,
        except: Vec<String>,
        event: &'static str,
        data: &Value,
    ) {
        let Some(ops) = root(self) else { return };
        if let Err(err) = ops.to(rooms).except(except).emit(event, data).await {
            metrics::counter!("switchboard_socket_emit_errors_total", "event" => event)
                .increment(1);
            tracing::warn!(event, error = %err, "broadcast failed");
        }
    }

    async fn emit_local_with_ack(
        &self,
        room: String,
        event: &'static str,
        data: &Value,
        timeout: Duration,
    ) -> BoxStream<'static, AckOutcome> {
        let Some(ops) = root(self) else {
            return futures::stream::empty().boxed();
        };
        match ops
            .local()
            .to(room)
            .timeout(timeout)
            .emit_with_ack::<_, Value>(event, data)
            .await
        {
            Ok(stream) => stream
                .map(|(sid, result)| AckOutcome {
                    sid,
                    acked: result.is_ok(),
                    at: Instant::now(),
                })
                .boxed(),
            Err(err) => {
                tracing::warn!(event, error = %err, "emit with ack failed");
                futures::stream::empty().boxed()
            }
        }
    }

    async fn join(&self, selector: String, rooms: Vec<String>) {
        let Some(ops) = root(self) else { return };
        if let Err(err) = ops.to(selector).join(rooms).await {
            tracing::warn!(error = %err, "cluster join failed");
        }
    }

    async fn leave(&self, selector: String, rooms: Vec<String>) {
        let Some(ops) = root(self) else { return };
        if let Err(err) = ops.to(selector).leave(rooms).await {
            tracing::warn!(error = %err, "cluster leave failed");
        }
    }

    async fn disconnect(&self, selector: String) {
        let Some(ops) = root(self) else { return };
        if let Err(err) = ops.to(selector).disconnect().await {
            tracing::warn!(error = %err, "cluster disconnect failed");
        }
    }

    fn socket_user(&self, sid: Sid) -> Option<SocketUser> {
        root(self)?.get_socket(sid)?.extensions.get::<SocketUser>()
    }

    fn is_connected(&self, sid: Sid) -> bool {
        root(self)
            .and_then(|ops| ops.get_socket(sid))
            .is_some_and(|s| s.connected())
    }

    fn local_socket_count(&self) -> usize {
        root(self).map_or(0, |ops| ops.local().sockets().len())
    }

    async fn emit_local_all(&self, event: &'static str, data: &Value) {
        let Some(ops) = root(self) else { return };
        if let Err(err) = ops.local().emit(event, data).await {
            tracing::warn!(event, error = %err, "local broadcast failed");
        }
    }

    async fn close(&self) {
        SocketIo::close(self).await;
    }
}
