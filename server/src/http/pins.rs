//! Pinned messages: pinning and unpinning, and a room's pins.

use axum::{extract::State, response::IntoResponse};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Path},
    ok,
};
use crate::{
    domain::Id,
    error::{AppResult, ErrorBody},
    service::pins::{self, PinView},
    state::AppState,
    views::{ApiOk, MessageView, Page},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pin_message, unpin_message))
        .routes(routes!(list_pins))
}

/// Pins a message to its room (idempotent; whoever may post in the room). Answers the message.
#[utoipa::path(put, path = "/messages/{id}/pin", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<MessageView>),
              (status = 403, description = "NOT_MEMBER, READ_ONLY or FORBIDDEN", body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "PIN_LIMIT", body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn pin_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    Ok(ok(pins::set_pinned(&state.ctx, &actor, id, true).await?))
}

/// Unpins a message (idempotent; whoever may post in the room). Answers the message.
#[utoipa::path(delete, path = "/messages/{id}/pin", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<MessageView>),
              (status = 403, description = "NOT_MEMBER, READ_ONLY or FORBIDDEN", body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn unpin_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    Ok(ok(pins::set_pinned(&state.ctx, &actor, id, false).await?))
}

/// A room's pinned messages, the latest pinned first (at most 100: one page).
#[utoipa::path(get, path = "/rooms/{id}/pins", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<Page<PinView>>), (status = 404, body = ErrorBody)))]
async fn list_pins(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(room_id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let items = pins::list(&state.ctx, &actor, room_id).await?;
    Ok(ok(Page {
        items,
        next_cursor: None,
    }))
}
