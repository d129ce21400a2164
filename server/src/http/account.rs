//! The signed-in user's own account: password and sessions.

use axum::{extract::State, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Json, Path},
    ok,
};
use crate::{
    domain::Id,
    error::{AppResult, ErrorBody},
    service::accounts,
    state::AppState,
    store::SessionRow,
    views::{ApiOk, Page},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
        .routes(routes!(revoke_other_sessions))
}

/// `POST /me/password` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordBody {
    /// The password in use now.
    current_password: String,
    /// The new one (10 characters or more).
    new_password: String,
}

/// How many other sessions an action ended.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevokedView {
    /// Sessions ended (their sockets closed).
    revoked_sessions: usize,
}

/// Changes your password; every other session of yours ends. A wrong current password is a
/// 422 on `currentPassword` (not a 401: the session itself is fine).
#[utoipa::path(post, path = "/me/password", tag = "account", request_body = PasswordBody,
    responses((status = 200, body = ApiOk<RevokedView>), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<PasswordBody>,
) -> AppResult<impl IntoResponse> {
    let revoked = accounts::change_password(
        &state.ctx,
        &actor,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(ok(RevokedView {
        revoked_sessions: revoked,
    }))
}

/// A session, as its owner sees it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionInfoView)]
pub struct SessionView {
    /// Id.
    id: Id,
    /// Signed in.
    created_at: DateTime<Utc>,
    /// Last used.
    last_used_at: DateTime<Utc>,
    /// Expires (each use extends it).
    expires_at: DateTime<Utc>,
    /// Address it signed in from.
    ip: Option<String>,
    /// Browser or client.
    user_agent: Option<String>,
    /// The ticket of a follow-link session.
    ticket_id: Option<Id>,
    /// True for the session making this request.
    current: bool,
}

fn session_view(row: SessionRow, current: Option<Id>) -> SessionView {
    SessionView {
        current: current == Some(row.id),
        id: row.id,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        expires_at: row.expires_at,
        ip: row.ip,
        user_agent: row.user_agent,
        ticket_id: row.ticket_scope,
    }
}

/// Your sessions, most recently used first.
#[utoipa::path(get, path = "/me/sessions", tag = "account",
    responses((status = 200, body = ApiOk<Page<SessionView>>), (status = 401, body = ErrorBody)))]
async fn list_sessions(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> AppResult<impl IntoResponse> {
    let rows = accounts::sessions(&state.ctx, &actor).await?;
    let items: Vec<SessionView> = rows
        .into_iter()
        .map(|row| session_view(row, actor.session_id))
        .collect();
    Ok(ok(Page {
        items,
        next_cursor: None,
    }))
}

/// Signs one of your sessions out (its sockets close).
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "account", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<Option<bool>>), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn revoke_session(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    accounts::revoke_session(&state.ctx, &actor, id).await?;
    Ok(ok(None::<bool>))
}

/// Signs out every session of yours but this one.
#[utoipa::path(post, path = "/me/sessions/revoke-others", tag = "account",
    responses((status = 200, body = ApiOk<RevokedView>), (status = 401, body = ErrorBody)))]
async fn revoke_other_sessions(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> AppResult<impl IntoResponse> {
    let revoked = accounts::revoke_other_sessions(&state.ctx, &actor).await?;
    Ok(ok(RevokedView {
        revoked_sessions: revoked,
    }))
}
