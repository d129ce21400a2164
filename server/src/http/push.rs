//! Web Push: the server's public key and this device's subscription.

use axum::{extract::State, response::IntoResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Json},
    ok,
};
use crate::{
    error::{AppResult, ErrorBody},
    service::push::{self, NewSubscription},
    state::AppState,
    views::ApiOk,
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_push_key))
        .routes(routes!(post_push_subscription, delete_push_subscription))
}

/// The server's VAPID public key.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushKeyView {
    /// Base64url P-256 point: the browser's `applicationServerKey`.
    public_key: String,
}

/// The server's VAPID public key; 404 `PUSH_DISABLED` when push is not configured.
#[utoipa::path(get, path = "/push/key", tag = "push",
    responses((status = 200, body = ApiOk<PushKeyView>), (status = 404, body = ErrorBody)))]
async fn get_push_key(State(state): State<AppState>) -> AppResult<impl IntoResponse> {
    let public_key = push::public_key(&state.ctx)?;
    Ok(ok(PushKeyView { public_key }))
}

/// A subscription, by its endpoint.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct EndpointBody {
    /// The push service's URL for the browser.
    endpoint: String,
}

/// Registers this device's push subscription (`PushSubscription.toJSON()`); sending it again
/// is harmless. It lasts as long as the session that registered it.
#[utoipa::path(post, path = "/push/subscriptions", tag = "push", request_body = NewSubscription,
    responses((status = 200, body = ApiOk<EndpointBody>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn post_push_subscription(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<NewSubscription>,
) -> AppResult<impl IntoResponse> {
    let endpoint = body.endpoint.clone();
    push::subscribe(&state.ctx, &actor, body).await?;
    Ok(ok(EndpointBody { endpoint }))
}

/// Forgets one of your push subscriptions (idempotent).
#[utoipa::path(delete, path = "/push/subscriptions", tag = "push", request_body = EndpointBody,
    responses((status = 200, body = ApiOk<EndpointBody>), (status = 401, body = ErrorBody)))]
async fn delete_push_subscription(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<EndpointBody>,
) -> AppResult<impl IntoResponse> {
    push::unsubscribe(&state.ctx, &actor, &body.endpoint).await?;
    Ok(ok(body))
}
