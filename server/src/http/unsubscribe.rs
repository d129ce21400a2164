//! One-click unsubscribe from notification e-mails (RFC 8058), without signing in: the link in
//! each digest (`GET`, a person clicking it) and the mail client's one-click `POST`
//! (`List-Unsubscribe=One-Click`) both turn e-mail notifications off.

use axum::{
    extract::State,
    response::{Html, IntoResponse},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{extract::Query, ok};
use crate::{
    error::{AppResult, ErrorBody},
    service::unsubscribe,
    state::AppState,
    views::ApiOk,
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(unsubscribe_page, unsubscribe_one_click))
}

/// Query of `/unsubscribe`.
#[derive(Deserialize, IntoParams)]
pub struct UnsubscribeQuery {
    /// The token of the e-mail's link.
    token: String,
}

/// What changed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnsubscribeView {
    /// Always `off` after this call.
    email_notifications: String,
}

/// The link in a notification e-mail: turns e-mail notifications off and says so in a page.
/// `400 TOKEN_INVALID` for a link this server did not sign.
#[utoipa::path(get, path = "/unsubscribe", tag = "notifications", params(UnsubscribeQuery),
    responses((status = 200, description = "a page saying e-mail notifications are off"),
              (status = 400, body = ErrorBody)))]
async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(query): Query<UnsubscribeQuery>,
) -> AppResult<impl IntoResponse> {
    unsubscribe::unsubscribe(&state.ctx, &query.token).await?;
    let account = format!("{}/account", state.ctx.settings.public_url);
    Ok(Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Unsubscribed</title></head>\
         <body style=\"font-family:sans-serif;line-height:1.5\"><h1>E-mail notifications are off</h1>\
         <p>You will not get e-mail about unread mentions and direct messages any more. \
         Turn them back on in your <a href=\"{}\">notification preferences</a>.</p></body></html>",
        crate::views::markup::escape(&account)
    )))
}

/// One-click unsubscribe (RFC 8058): what a mail client posts (`List-Unsubscribe=One-Click`)
/// to the `List-Unsubscribe` address. The body is not read: the token is in the address.
#[utoipa::path(post, path = "/unsubscribe", tag = "notifications", params(UnsubscribeQuery),
    responses((status = 200, body = ApiOk<UnsubscribeView>), (status = 400, body = ErrorBody)))]
async fn unsubscribe_one_click(
    State(state): State<AppState>,
    Query(query): Query<UnsubscribeQuery>,
) -> AppResult<impl IntoResponse> {
    let prefs = unsubscribe::unsubscribe(&state.ctx, &query.token).await?;
    Ok(ok(UnsubscribeView {
        email_notifications: prefs.email_notifications,
    }))
}
