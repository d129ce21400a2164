//! Messages: history, sending, threads, edits and their history, deletions and reactions.

use axum::{extract::State, http::StatusCode, response::IntoResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Json, Path, Query},
    ok,
};
use crate::{
    domain::Id,
    error::{AppError, AppResult, ErrorBody},
    service::{
        edit_history::{self, VersionView},
        messages::{self, SendMessage},
        page_limit,
        reactions::{self as reactors, ReactionUsersView},
    },
    state::AppState,
    store::Page as HistoryPage,
    views::{ApiOk, MessageView, Page},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_messages, send_message))
        .routes(routes!(edit_message, delete_message))
        .routes(routes!(get_thread))
        .routes(routes!(get_history))
        .routes(routes!(add_reaction, remove_reaction))
        .routes(routes!(list_reactions))
}

/// Query of `GET /rooms/{id}/messages`.
#[derive(Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// Messages with a seq below this (the newest page when absent).
    before: Option<i64>,
    /// Messages with a seq above this (oldest first); excludes `before`.
    after: Option<i64>,
    /// Page size (default 50, max 100).
    limit: Option<i64>,
}

/// A slice of a room's history in ascending seq order. `nextCursor` is the seq to pass as
/// `before` (or `after`) for the next page.
#[utoipa::path(get, path = "/rooms/{id}/messages", tag = "messages",
    params(("id" = Id, Path), HistoryQuery),
    responses((status = 200, body = ApiOk<Page<MessageView>>), (status = 404, body = ErrorBody)))]
async fn list_messages(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(room_id): Path<Id>,
    Query(query): Query<HistoryQuery>,
) -> AppResult<impl IntoResponse> {
    let limit = page_limit(query.limit, 50, 100)?;
    let page = match (query.before, query.after) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "after",
                "use either before or after, not both",
            ));
        }
        (before, None) => HistoryPage::Before(before),
        (None, Some(after)) => HistoryPage::After(after),
    };
    let items = messages::history(&state.ctx, &actor, room_id, page, limit).await?;
    let full = i64::try_from(items.len()).unwrap_or(i64::MAX) >= limit;
    let next_cursor = match page {
        HistoryPage::Before(_) => items.first().filter(|m| full && m.seq > 1).map(|m| m.seq),
        HistoryPage::After(_) => items.last().filter(|_| full).map(|m| m.seq),
    };
    Ok(ok(Page {
        items,
        next_cursor: next_cursor.map(|seq| seq.to_string()),
    }))
}

/// `POST /rooms/{id}/messages` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendBody {
    /// The sender's idempotency key (a UUID): resending it returns the same message.
    client_id: String,
    /// Text, 1-5000 characters (may be empty when there are attachments).
    #[serde(default)]
    body: String,
    /// Thread root to reply to.
    parent_id: Option<Id>,
    /// Uploads of the sender in this room to attach (at most 10; see
    /// `POST /rooms/{id}/uploads`).
    #[serde(default)]
    attachment_ids: Vec<Id>,
}

/// Posts a message (idempotent on `clientId`: 201 when stored, 200 when it already was).
#[utoipa::path(post, path = "/rooms/{id}/messages", tag = "messages", params(("id" = Id, Path)),
    request_body = SendBody,
    responses((status = 201, body = ApiOk<MessageView>), (status = 200, body = ApiOk<MessageView>),
              (status = 400, description = "INVALID_ATTACHMENT", body = ErrorBody),
              (status = 403, description = "NOT_MEMBER or READ_ONLY", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn send_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(room_id): Path<Id>,
    Json(body): Json<SendBody>,
) -> AppResult<impl IntoResponse> {
    let sent = messages::send(
        &state.ctx,
        &actor,
        SendMessage {
            room_id,
            client_id: body.client_id,
            body: body.body,
            parent_id: body.parent_id,
            attachment_ids: body.attachment_ids,
        },
    )
    .await?;
    let status = if sent.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ok(sent.message)))
}

/// `PATCH /messages/{id}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    /// New text.
    body: String,
}

/// Edits one's own message within the edit window.
#[utoipa::path(patch, path = "/messages/{id}", tag = "messages", params(("id" = Id, Path)),
    request_body = EditBody,
    responses((status = 200, body = ApiOk<MessageView>),
              (status = 403, description = "FORBIDDEN or EDIT_WINDOW_PASSED", body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn edit_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<EditBody>,
) -> AppResult<impl IntoResponse> {
    let message = messages::edit(&state.ctx, &actor, id, &body.body).await?;
    Ok(ok(message))
}

/// Deletes a message (own, or anyone's for moderators, owners and admins).
#[utoipa::path(delete, path = "/messages/{id}", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<MessageView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn delete_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let message = messages::delete(&state.ctx, &actor, id).await?;
    Ok(ok(message))
}

/// A thread root and its replies.
#[derive(Serialize, ToSchema)]
pub struct ThreadView {
    /// The root message.
    root: MessageView,
    /// Replies in seq order.
    replies: Vec<MessageView>,
}

/// A thread (asking with a reply's id returns its root's thread).
#[utoipa::path(get, path = "/messages/{id}/thread", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<ThreadView>), (status = 404, body = ErrorBody)))]
async fn get_thread(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let (root, replies) = messages::thread(&state.ctx, &actor, id).await?;
    Ok(ok(ThreadView { root, replies }))
}

/// A message's texts, oldest first, the current one last (one page). Once the message is
/// deleted, the texts are `null` for everyone but admins.
#[utoipa::path(get, path = "/messages/{id}/history", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<Page<VersionView>>), (status = 404, body = ErrorBody)))]
async fn get_history(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let items = edit_history::versions(&state.ctx, &actor, id).await?;
    Ok(ok(Page {
        items,
        next_cursor: None,
    }))
}

/// Adds the actor's reaction (idempotent).
#[utoipa::path(put, path = "/messages/{id}/reactions/{emoji}", tag = "messages",
    params(("id" = Id, Path), ("emoji" = String, Path)),
    responses((status = 200, body = ApiOk<MessageView>), (status = 422, body = ErrorBody)))]
async fn add_reaction(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((id, emoji)): Path<(Id, String)>,
) -> AppResult<impl IntoResponse> {
    react(state, actor, id, emoji, true).await
}

/// Removes the actor's reaction (idempotent).
#[utoipa::path(delete, path = "/messages/{id}/reactions/{emoji}", tag = "messages",
    params(("id" = Id, Path), ("emoji" = String, Path)),
    responses((status = 200, body = ApiOk<MessageView>), (status = 422, body = ErrorBody)))]
async fn remove_reaction(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((id, emoji)): Path<(Id, String)>,
) -> AppResult<impl IntoResponse> {
    react(state, actor, id, emoji, false).await
}

async fn react(
    state: AppState,
    actor: crate::service::Actor,
    id: Id,
    emoji: String,
    add: bool,
) -> AppResult<impl IntoResponse> {
    let reacted = messages::react(&state.ctx, &actor, id, &emoji, Some(add)).await?;
    Ok(ok(reacted.message))
}

/// Who reacted to a message: per emoji, in the order the message lists its reactions, the
/// people who put it there (for whoever may read the message).
#[utoipa::path(get, path = "/messages/{id}/reactions", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<Vec<ReactionUsersView>>), (status = 404, body = ErrorBody)))]
async fn list_reactions(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    Ok(ok(reactors::reactors(&state.ctx, &actor, id).await?))
}
