//! One-click unsubscribe from notification e-mails (RFC 8058), without signing in. The mail
//! client's one-click `POST` (`List-Unsubscribe=One-Click`) turns e-mail notifications off; the
//! link in each digest (`GET`, a person clicking it) opens a page whose button posts the same
//! form, because mail scanners and link prefetchers open links nobody clicked.

use axum::{
    extract::State,
    http::{HeaderMap, header},
    response::{Html, IntoResponse, Response},
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

/// The link in a notification e-mail: a page that asks before turning e-mail notifications
/// off (its button posts to the one-click address), or says they are off already. Changes
/// nothing. `400 TOKEN_INVALID` for a link this server did not sign.
#[utoipa::path(get, path = "/unsubscribe", tag = "notifications", params(UnsubscribeQuery),
    responses((status = 200, description = "a page with the button that turns e-mail notifications off"),
              (status = 400, body = ErrorBody)))]
async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(query): Query<UnsubscribeQuery>,
) -> AppResult<impl IntoResponse> {
    let (_, prefs) = unsubscribe::check(&state.ctx, &query.token).await?;
    if prefs.email_notifications == "off" {
        return Ok(done_page(&state));
    }
    let action = format!(
        "/api/v1/unsubscribe?token={}",
        crate::views::markup::escape(&query.token)
    );
    Ok(page(
        "Stop notification e-mails?",
        &format!(
            "<h1>Stop notification e-mails?</h1>\
             <p>You get an e-mail when mentions and direct messages stay unread.</p>\
             <form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
             <button type=\"submit\">Turn off e-mail notifications</button></form>"
        ),
    ))
}

/// One-click unsubscribe (RFC 8058): what a mail client posts (`List-Unsubscribe=One-Click`)
/// to the `List-Unsubscribe` address, and what the page's button posts. The body is not read:
/// the token is in the address. A browser (`Accept: text/html`) gets a page, others JSON.
#[utoipa::path(post, path = "/unsubscribe", tag = "notifications", params(UnsubscribeQuery),
    responses((status = 200, body = ApiOk<UnsubscribeView>), (status = 400, body = ErrorBody)))]
async fn unsubscribe_one_click(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<UnsubscribeQuery>,
) -> AppResult<Response> {
    let prefs = unsubscribe::unsubscribe(&state.ctx, &query.token).await?;
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        return Ok(done_page(&state).into_response());
    }
    Ok(ok(UnsubscribeView {
        email_notifications: prefs.email_notifications,
    })
    .into_response())
}

/// "E-mail notifications are off", with the way back.
fn done_page(state: &AppState) -> Html<String> {
    let account = format!("{}/account", state.ctx.settings.public_url);
    page(
        "Unsubscribed",
        &format!(
            "<h1>E-mail notifications are off</h1>\
             <p>You will not get e-mail about unread mentions and direct messages any more. \
             Turn them back on in your <a href=\"{}\">notification preferences</a>.</p>",
            crate::views::markup::escape(&account)
        ),
    )
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head>\
         <body style=\"font-family:sans-serif;line-height:1.5;max-width:32rem;margin:3rem auto;padding:0 1rem\">\
         {body}</body></html>"
    ))
}
