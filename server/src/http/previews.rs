//! Link previews: the author's removal of their message's preview (previews themselves arrive
//! with the message views and `message:updated`).

use axum::{extract::State, response::IntoResponse};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Path},
    ok,
};
use crate::{
    domain::Id,
    error::{AppResult, ErrorBody},
    service::previews,
    state::AppState,
    views::{ApiOk, MessageView},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(remove_preview))
}

/// Removes the link preview of the actor's own message; the same URL is not previewed again.
/// Answers the message (readers get `message:updated`).
#[utoipa::path(delete, path = "/messages/{id}/preview", tag = "messages", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<MessageView>),
              (status = 403, description = "FORBIDDEN: not the author", body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn remove_preview(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    Ok(ok(previews::remove(&state.ctx, &actor, id).await?))
}
