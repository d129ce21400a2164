//! Client -> server events. Each one runs the same service as its REST twin, inside a span
//! with a fresh request id, and answers through its ack: `{ok: true, data}` or
//! `{ok: false, code, message, requestId, retryAfterMs?}`.

use std::{future::Future, time::Duration};

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
    domain::{Id, policy::Action},
    error::{AppError, AppResult, FieldProblem, REQUEST_ID},
    ratelimit::Action as Limit,
    service::{Actor, members, messages, messages::SendMessage, room_with_access},
    store::Page,
    views::MessageView,
};

/// Most rooms one `sync` call answers.
const SYNC_MAX_ROOMS: usize = 100;
/// Default and largest number of messages per room per `sync` call.
const SYNC_DEFAULT_LIMIT: i64 = 100;
const SYNC_MAX_LIMIT: i64 = 500;
/// Most messages one `sync` call answers over all its rooms; rooms past the budget answer
/// `complete: false` with what fitted (possibly nothing), and the client asks again.
const SYNC_MAX_TOTAL: i64 = 2_000;
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
            state
                .rate_limits
                .check(Limit::MessageSend, &actor.id().to_string())
                .await?;
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
            state
                .rate_limits
                .check(Limit::Reaction, &actor.id().to_string())
                .await?;
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
            room_with_access(&state, &actor, p.room_id, Action::Post).await?;
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

/// One room's answer to `sync`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncedRoom {
    room_id: Id,
    messages: Vec<MessageView>,
    complete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

async fn on_sync<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<SocketUser>,
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
            if p.cursors.len() > SYNC_MAX_ROOMS {
                return Err(AppError::invalid(
                    "cursors",
                    format!("at most {SYNC_MAX_ROOMS} rooms per call"),
                ));
            }
            let limit = p
                .limit
                .unwrap_or(SYNC_DEFAULT_LIMIT)
                .clamp(1, SYNC_MAX_LIMIT);
            let mut rooms = Vec::with_capacity(p.cursors.len());
            let mut budget = SYNC_MAX_TOTAL;
            for cursor in p.cursors {
                let room = sync_room(&state, &actor, cursor, limit.min(budget)).await?;
                budget -= i64::try_from(room.messages.len()).unwrap_or(budget);
                rooms.push(room);
            }
            Ok(json!({"rooms": rooms}))
        },
    )
    .await;
}

/// Everything after one cursor the actor may read, bounded by `limit`.
async fn sync_room(
    state: &AppState,
    actor: &Actor,
    cursor: events::SyncCursor,
    limit: i64,
) -> AppResult<SyncedRoom> {
    match room_with_access(state, actor, cursor.room_id, Action::Read).await {
        Ok(_) => {}
        Err(err) if err.code() == crate::error::Code::NotFound => {
            return Ok(SyncedRoom {
                room_id: cursor.room_id,
                messages: Vec::new(),
                complete: true,
                error: Some("NOT_FOUND"),
            });
        }
        Err(err) => return Err(err),
    }
    if limit <= 0 {
        // The call's budget is spent: this room waits for the next call.
        return Ok(SyncedRoom {
            room_id: cursor.room_id,
            messages: Vec::new(),
            complete: false,
            error: None,
        });
    }
    let mut rows = state
        .store
        .list_messages(cursor.room_id, Page::After(cursor.seq.max(0)), limit + 1)
        .await?;
    let complete = i64::try_from(rows.len()).unwrap_or(i64::MAX) <= limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let messages = messages::view_many(state, actor, &rows).await?;
    Ok(SyncedRoom {
        room_id: cursor.room_id,
        messages,
        complete,
        error: None,
    })
}
