//! Client -> server events. Each one calls the same use case as its REST twin (which checks
//! access, spends the quota and publishes what happened), inside a span with a fresh request
//! id, and answers through its ack: `{ok: true, data}` or
//! `{ok: false, code, message, requestId, retryAfterMs?}`.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use socketioxide::{
    adapter::Adapter,
    extract::{AckSender, Extension, SocketRef, State, TryData},
};
use tracing::Instrument;

use super::{
    SocketState,
    acks::SocketAcks,
    channel::Channel,
    events,
    session::{SocketUser, UserId},
};
use crate::{
    domain::Id,
    error::{AppError, AppResult, FieldProblem, REQUEST_ID},
    service::{Actor, Ctx, members, messages, messages::SendMessage, rooms, sync},
};

/// A user's `typing: true` is broadcast at most this often per room.
pub const TYPING_THROTTLE: Duration = Duration::from_secs(2);

/// Registers every client -> server event on a new socket.
pub fn register<A: Adapter>(socket: &SocketRef<A>) {
    on(
        socket,
        events::MESSAGE_SEND,
        |ctx, actor, p: events::SendPayload| async move {
            let input = SendMessage {
                room_id: p.room_id,
                client_id: p.client_id,
                body: p.body,
                parent_id: p.parent_id,
                attachment_ids: p.attachment_ids,
            };
            Ok(messages::send(&ctx, &actor, input).await?.message)
        },
    );
    on(
        socket,
        events::MESSAGE_EDIT,
        |ctx, actor, p: events::EditPayload| async move {
            messages::edit(&ctx, &actor, p.message_id, &p.body).await
        },
    );
    on(
        socket,
        events::MESSAGE_DELETE,
        |ctx, actor, p: events::DeletePayload| async move {
            messages::delete(&ctx, &actor, p.message_id).await
        },
    );
    on(
        socket,
        events::REACTION_TOGGLE,
        |ctx, actor, p: events::ReactionPayload| async move {
            let reacted = messages::react(&ctx, &actor, p.message_id, &p.emoji, None).await?;
            Ok(reacted.message)
        },
    );
    on(
        socket,
        events::TYPING,
        |ctx, actor, p: events::TypingPayload| async move {
            messages::typing(&ctx, &actor, p.room_id, p.typing).await?;
            Ok(Value::Null)
        },
    );
    on(
        socket,
        events::READ,
        |ctx, actor, p: events::ReadPayload| async move {
            let seq = members::mark_read(&ctx, &actor, p.room_id, p.seq).await?;
            Ok(json!({"lastReadSeq": seq}))
        },
    );
    let in_flight = SyncInFlight::default();
    on(
        socket,
        events::SYNC,
        move |ctx, actor, p: events::SyncPayload| {
            let in_flight = in_flight.clone();
            async move {
                // A second sync sent while one runs waits for it: a client that sent many at once
                // would multiply the work and the answers queued for it.
                if in_flight.0.swap(true, Ordering::AcqRel) {
                    return Err(AppError::RateLimited {
                        retry_after: Duration::from_millis(250),
                        limit: 1,
                    });
                }
                let _guard = SyncGuard(in_flight.0);
                let rooms = sync::sync(&ctx, &actor, p.cursors, p.limit).await?;
                Ok(json!({"rooms": rooms}))
            }
        },
    );
    on_socket(
        socket,
        events::ROOM_WATCH,
        |socket, ctx, actor, p: events::WatchPayload| async move {
            watch(&socket, &ctx, &actor, p.room_id).await
        },
    );
    on_socket(
        socket,
        events::ROOM_UNWATCH,
        |socket, _ctx, _actor, p: events::WatchPayload| async move {
            if let Some(acks) = socket.extensions.get::<Arc<SocketAcks>>() {
                acks.unwatch(p.room_id);
            }
            socket.leave(Channel::Watch(p.room_id).name());
            Ok(Value::Null)
        },
    );
    // Cumulative acknowledgements: the client's highest contiguous seq per room. Bookkeeping
    // of a few comparisons under the socket's own lock, answered with nothing (a callback, if
    // the client sent one, goes unanswered): no quota is spent on it.
    socket.on(
        events::ACK,
        |socket: SocketRef<A>,
         Extension(UserId(user_id)): Extension<UserId>,
         TryData(payload): TryData<events::AckPayload>,
         State(state): State<SocketState>| async move {
            let Ok(ack) = payload else {
                tracing::debug!(sid = %socket.id, "unreadable ack");
                return;
            };
            if let Some(acks) = socket.extensions.get::<Arc<SocketAcks>>() {
                state.ledger.ack(&acks, user_id, ack.room_id, ack.seq);
            }
        },
    );
}

/// `room:watch`: a room the user may read follows this socket while it is shown. Members
/// need no watch (their sockets are subscribed already). The access is checked again once the
/// socket is subscribed, so a change that took it away meanwhile cannot be missed; the seq
/// answered is read then too, so a message stored before the join (which the socket did not
/// get) is at or below it, and the client fetches it.
async fn watch<A: Adapter>(
    socket: &SocketRef<A>,
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
) -> AppResult<Value> {
    let room = rooms::watch(ctx, actor, room_id).await?;
    let member = room.my_role.is_some();
    let mut last_seq = room.room.last_seq;
    let mut unwatched = Vec::new();
    if !member {
        if let Some(acks) = socket.extensions.get::<Arc<SocketAcks>>()
            && let Some(oldest) = acks.watch(room_id)
        {
            socket.leave(Channel::Watch(oldest).name());
            unwatched.push(oldest);
        }
        socket.join(Channel::Watch(room_id).name());
        match rooms::get_room(ctx, actor, room_id).await {
            Ok(now) => last_seq = now.room.last_seq,
            Err(err) => {
                socket.leave(Channel::Watch(room_id).name());
                if let Some(acks) = socket.extensions.get::<Arc<SocketAcks>>() {
                    acks.unwatch(room_id);
                }
                return Err(err);
            }
        }
    }
    Ok(json!({
        "roomId": room_id,
        "lastSeq": last_seq,
        "member": member,
        "unwatched": unwatched,
    }))
}

/// Registers one event: its payload is parsed as `P`, the use case runs as the socket's user
/// with a fresh request id, and its answer (or error) goes back through the ack.
fn on<A, P, T, H, Fut>(socket: &SocketRef<A>, event: &'static str, handler: H)
where
    A: Adapter,
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    H: Fn(Ctx, Actor, P) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = AppResult<T>> + Send + 'static,
{
    on_socket(socket, event, move |_socket, ctx, actor, payload| {
        handler(ctx, actor, payload)
    });
}

/// [`on`] for handlers that also act on the socket itself (its subscriptions). The socket is
/// handed to each call, never captured, so the handler does not keep its socket alive.
fn on_socket<A, P, T, H, Fut>(socket: &SocketRef<A>, event: &'static str, handler: H)
where
    A: Adapter,
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    H: Fn(SocketRef<A>, Ctx, Actor, P) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = AppResult<T>> + Send + 'static,
{
    socket.on(
        event,
        move |socket: SocketRef<A>,
              Extension(user): Extension<SocketUser>,
              TryData(payload): TryData<Value>,
              ack: AckSender<A>,
              State(state): State<SocketState>| {
            let handler = handler.clone();
            async move {
                let ctx = state.ctx.clone();
                let this = socket.clone();
                run(event, &socket, &user, payload, ack, move |actor, p| {
                    handler(this, ctx, actor, p)
                })
                .await;
            }
        },
    );
}

/// Marks a socket's `sync` in flight.
#[derive(Clone, Debug, Default)]
pub struct SyncInFlight(Arc<AtomicBool>);

/// Clears the in-flight mark when the call ends, however it ends.
struct SyncGuard(Arc<AtomicBool>);

impl Drop for SyncGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Runs one event: parses the payload, opens the span, scopes a request id, answers the ack.
async fn run<A, P, T, F, Fut>(
    event: &'static str,
    socket: &SocketRef<A>,
    user: &SocketUser,
    payload: Result<Value, impl std::fmt::Display>,
    ack: AckSender<A>,
    handler: F,
) where
    A: Adapter,
    P: DeserializeOwned,
    T: Serialize,
    F: FnOnce(Actor, P) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let started = std::time::Instant::now();
    let request_id = Id::new().to_string();
    // At ERROR level, like the request span: its ids stay on warnings and errors whatever
    // `RUST_LOG` lets through.
    let span = tracing::error_span!("socket_event", event, sid = %socket.id, user_id = %user.user.id, request_id = %request_id, room_id = tracing::field::Empty, sentry.name = tracing::field::Empty, sentry.op = tracing::field::Empty);
    // A Sentry transaction per event when tracing is on (see `ops::logging`).
    if crate::ops::sentry::tracing_enabled() {
        span.record("sentry.name", event);
        span.record("sentry.op", "socket.event");
    }
    if let Some(room_id) = payload
        .as_ref()
        .ok()
        .and_then(|p| p.get("roomId"))
        .and_then(Value::as_str)
    {
        span.record("room_id", room_id);
    }
    let actor = user.actor(request_id.clone());
    let result = REQUEST_ID
        .scope(request_id.clone(), async move {
            let payload = parse::<P>(payload)?;
            handler(actor, payload).await
        })
        .instrument(span.clone())
        .await;
    let _entered = span.enter();
    let answer = match result {
        Ok(data) => json!({"ok": true, "data": data}),
        Err(err) => {
            if matches!(err, AppError::Internal(_)) {
                metrics::counter!("switchboard_socket_handler_errors_total", "event" => event)
                    .increment(1);
                tracing::error!(
                    tags.event = event,
                    tags.sid = %socket.id,
                    tags.user_id = %user.user.id,
                    tags.request_id = %request_id,
                    error = %err,
                    "socket handler failed"
                );
            } else {
                tracing::debug!(event, code = err.code().as_str(), "socket event refused");
            }
            // The request id scope has ended; put the id back for the body.
            let mut body = serde_json::to_value(err.body()).unwrap_or_default();
            body["requestId"] = json!(request_id);
            body
        }
    };
    if let Err(err) = ack.send(&answer) {
        tracing::debug!(event, error = %err, "could not answer the ack (client gone?)");
    }
    metrics::histogram!("switchboard_socket_event_duration_seconds", "event" => event)
        .record(started.elapsed().as_secs_f64());
}

fn parse<P: DeserializeOwned>(payload: Result<Value, impl std::fmt::Display>) -> AppResult<P> {
    let value = payload.map_err(|e| AppError::invalid("payload", e.to_string()))?;
    crate::wire::reject_nul(&value)?;
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        AppError::Validation(vec![FieldProblem::new(
            if path == "." {
                "payload".to_owned()
            } else {
                path
            },
            err.into_inner().to_string(),
        )])
    })
}
