//! Client -> server events. Each one runs the same service as its REST twin, inside a span
//! with a fresh request id, and answers through its ack: `{ok: true, data}` or
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

use super::{connect::SocketUser, events};
use crate::{
    app::AppState,
    domain::Id,
    error::{AppError, AppResult, FieldProblem, REQUEST_ID},
    service::{Actor, members, messages, messages::SendMessage, sync},
};

/// A user's `typing: true` is broadcast at most this often per room.
pub const TYPING_THROTTLE: Duration = Duration::from_secs(2);
/// How long clients show a typing indicator without a refresh.
const TYPING_EXPIRES_MS: u64 = 5000;

/// Registers every client -> server event on a new socket.
pub fn register<A: Adapter>(socket: &SocketRef<A>) {
    socket.on(events::MESSAGE_SEND, on_send::<A>);
    socket.on(events::MESSAGE_EDIT, on_edit::<A>);
    socket.on(events::MESSAGE_DELETE, on_delete::<A>);
    socket.on(events::REACTION_TOGGLE, on_reaction::<A>);
    socket.on(events::TYPING, on_typing::<A>);
    socket.on(events::READ, on_read::<A>);
    socket.on(events::SYNC, on_sync::<A>);
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
    let request_id = Id::new().to_string();
    // At ERROR level, like the request span: its ids stay on warnings and errors whatever
    // `RUST_LOG` lets through.
    let span = tracing::error_span!("socket_event", event, sid = %socket.id, user_id = %user.user.id, request_id = %request_id, room_id = tracing::field::Empty);
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
}

fn parse<P: DeserializeOwned>(payload: Result<Value, impl std::fmt::Display>) -> AppResult<P> {
    let value = payload.map_err(|e| AppError::invalid("payload", e.to_string()))?;
    crate::http::extract::reject_nul(&value)?;
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

async fn on_send<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<SocketUser>,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
    State(state): State<AppState>,
) {
    run(
        events::MESSAGE_SEND,
        &socket,
        &user,
        payload,
        ack,
        |actor, p: events::SendPayload| async move {
            let sent = messages::send(
                &state,
                &actor,
                SendMessage {
                    room_id: p.room_id,
                    client_id: p.client_id,
                    body: p.body,
                    parent_id: p.parent_id,
                },
            )
            .await?;
            Ok(sent.message)
        },
    )
    .await;
}

async fn on_edit<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<SocketUser>,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
    State(state): State<AppState>,
) {
    run(
        events::MESSAGE_EDIT,
        &socket,
        &user,
        payload,
        ack,
        |actor, p: events::EditPayload| async move {
            let message = messages::edit(&state, &actor, p.message_id, &p.body).await?;
            state.realtime.message_updated(&message).await;
            Ok(message)
        },
    )
    .await;
}

async fn on_delete<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<SocketUser>,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
    State(state): State<AppState>,
) {
    run(
        events::MESSAGE_DELETE,
        &socket,
        &user,
        payload,
        ack,
        |actor, p: events::DeletePayload| async move {
            let message = messages::delete(&state, &actor, p.message_id).await?;
            state.realtime.message_deleted(&message).await;
            Ok(message)
        },
    )
    .await;
}

async fn on_reaction<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<SocketUser>,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
    State(state): State<AppState>,
) {
    run(
        events::REACTION_TOGGLE,
        &socket,
        &user,
        payload,
        ack,
        |actor, p: events::ReactionPayload| async move {
            let reacted = messages::react(&state, &actor, p.message_id, &p.emoji, None).await?;
            state.realtime.reaction_updated(&reacted, actor.id()).await;
            Ok(reacted.message)
        },
    )
    .await;
}

async fn on_typing<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<SocketUser>,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
    State(state): State<AppState>,
) {
    run(
        events::TYPING,
        &socket,
        &user,
        payload,
        ack,
        |actor, p: events::TypingPayload| async move {
            messages::typing(&state, &actor, p.room_id).await?;
            if state
                .realtime
                .typing_allowed(actor.id(), p.room_id, p.typing)
            {
                let event = json!({
                    "roomId": p.room_id,
                    "userId": actor.id(),
                    "name": actor.user.name,
                    "typing": p.typing,
                    "expiresInMs": TYPING_EXPIRES_MS,
                });
                state.realtime.typing(p.room_id, actor.id(), &event).await;
            }
            Ok(Value::Null)
        },
    )
    .await;
}

async fn on_read<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<SocketUser>,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
    State(state): State<AppState>,
) {
    run(
        events::READ,
        &socket,
        &user,
        payload,
        ack,
        |actor, p: events::ReadPayload| async move {
            let seq = members::mark_read(&state, &actor, p.room_id, p.seq).await?;
            state.realtime.receipt(p.room_id, actor.id(), seq).await;
            Ok(json!({"lastReadSeq": seq}))
        },
    )
    .await;
}

/// Marks a socket's `sync` in flight: a second one waits for the first (a client that sent
/// many at once would multiply the work and the answers queued for it).
#[derive(Clone, Debug, Default)]
pub struct SyncInFlight(Arc<AtomicBool>);

/// Clears the in-flight mark when the call ends, however it ends.
struct SyncGuard(Arc<AtomicBool>);

impl Drop for SyncGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

async fn on_sync<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<SocketUser>,
    Extension(in_flight): Extension<SyncInFlight>,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
    State(state): State<AppState>,
) {
    run(
        events::SYNC,
        &socket,
        &user,
        payload,
        ack,
        |actor, p: events::SyncPayload| async move {
            if in_flight.0.swap(true, Ordering::AcqRel) {
                return Err(AppError::RateLimited {
                    retry_after: Duration::from_millis(250),
                    limit: 1,
                });
            }
            let _guard = SyncGuard(in_flight.0);
            let rooms = sync::sync(&state, &actor, p.cursors, p.limit).await?;
            Ok(json!({"rooms": rooms}))
        },
    )
    .await;
}
