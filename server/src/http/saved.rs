//! Saved messages: each user's private bookmarks.

use axum::{extract::State, response::IntoResponse};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    CursorParams,
    extract::{Auth, Path, Query},
    ok, time_cursor,
};
use crate::{
    domain::Id,
    error::{AppResult, ErrorBody},
    service::saved::{self, SavedState, SavedView},
    state::AppState,
    views::{ApiOk, Page},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(save_message, unsave_message))
        .routes(routes!(list_saved))
}

/// Saves a message you may read (idempotent).
#[utoipa::path(put, path = "/messages/{id}/save", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<SavedState>), (status = 404, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn save_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    Ok(ok(saved::set_saved(&state.ctx, &actor, id, true).await?))
}

/// Removes a message from your saved messages (idempotent).
#[utoipa::path(delete, path = "/messages/{id}/save", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<SavedState>), (status = 404, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn unsave_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    Ok(ok(saved::set_saved(&state.ctx, &actor, id, false).await?))
}

/// Your saved messages that you may still read, the latest saved first; deleted messages
/// are left out.
#[utoipa::path(get, path = "/me/saved", tag = "account", params(CursorParams),
    responses((status = 200, body = ApiOk<Page<SavedView>>), (status = 422, body = ErrorBody)))]
async fn list_saved(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(params): Query<CursorParams>,
) -> AppResult<impl IntoResponse> {
    let (before, limit) = params.page()?;
    let items = saved::list(&state.ctx, &actor, before, limit).await?;
    Ok(ok(Page::from_items(items, limit, |s| {
        time_cursor(s.saved_at, s.message.id)
    })))
}
