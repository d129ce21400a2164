//! Sign-in, registration, sign-out, the current user, and the public client configuration.

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Client, ClientIp, Json},
    ok,
};
use crate::{
    error::{AppResult, ErrorBody},
    service::{
        accounts,
        auth::{self, SignedIn},
    },
    state::{AppState, DemoAccount},
    views::{ApiOk, MeView, UserView},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(register))
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
        .routes(routes!(invitation))
        .routes(routes!(accept_invite))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(session))
        .routes(routes!(public_config))
}

/// `POST /auth/login` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A signed-in user and their session token (also set as the `sb_session` cookie).
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// The user.
    pub user: UserView,
    /// Bearer token for non-browser clients and the socket handshake.
    pub token: String,
}

/// Signs in with e-mail and password.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = ApiOk<SessionView>),
              (status = 401, description = "INVALID_CREDENTIALS", body = ErrorBody),
              (status = 403, description = "BANNED, DEACTIVATED or EMAIL_UNVERIFIED", body = ErrorBody),
              (status = 429, description = "RATE_LIMITED", body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    Client(meta): Client,
    Json(body): Json<LoginBody>,
) -> AppResult<Response> {
    let signed_in = auth::login(&state.ctx, &body.email, &body.password, meta).await?;
    Ok(session_response(&state, signed_in))
}

/// `POST /auth/register` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Password (10 characters or more).
    pub password: String,
}

/// The answer to a registration: the account waits for its address to be confirmed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredView {
    /// Always true: a link was mailed to `email`.
    pub verification_sent: bool,
    /// The address it went to.
    pub email: String,
}

/// Creates an account, as `REGISTRATION_MODE` allows. It cannot sign in until its owner opens
/// the link mailed to the address (`POST /auth/verify`).
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 202, body = ApiOk<RegisteredView>),
              (status = 403, description = "REGISTRATION_CLOSED", body = ErrorBody),
              (status = 409, description = "EMAIL_TAKEN", body = ErrorBody),
              (status = 422, description = "VALIDATION", body = ErrorBody),
              (status = 429, description = "RATE_LIMITED", body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    Client(meta): Client,
    Json(body): Json<RegisterBody>,
) -> AppResult<impl IntoResponse> {
    let user = auth::register(&state.ctx, &body.email, &body.name, &body.password, meta).await?;
    Ok((
        StatusCode::ACCEPTED,
        ok(RegisteredView {
            verification_sent: true,
            email: user.email,
        }),
    ))
}

/// A body with a single-use token from an e-mailed link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// The `token` parameter of the link.
    pub token: String,
}

/// A body naming an address.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailBody {
    /// E-mail address.
    pub email: String,
}

/// Confirms an address with the e-mailed link and signs the account in.
#[utoipa::path(post, path = "/auth/verify", tag = "auth", request_body = TokenBody,
    responses((status = 200, body = ApiOk<SessionView>),
              (status = 400, description = "TOKEN_INVALID", body = ErrorBody),
              (status = 403, description = "BANNED or DEACTIVATED", body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn verify_email(
    State(state): State<AppState>,
    Client(meta): Client,
    Json(body): Json<TokenBody>,
) -> AppResult<Response> {
    let signed_in = accounts::verify_email(&state.ctx, &body.token, meta).await?;
    Ok(session_response(&state, signed_in))
}

/// Sends the confirmation link again. Answers the same whether or not the address has an
/// account waiting for confirmation.
#[utoipa::path(post, path = "/auth/verify/resend", tag = "auth", request_body = EmailBody,
    responses((status = 202, body = ApiOk<Option<bool>>), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn resend_verification(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<EmailBody>,
) -> AppResult<impl IntoResponse> {
    accounts::resend_verification(&state.ctx, &body.email, ip).await?;
    Ok((StatusCode::ACCEPTED, ok(None::<bool>)))
}

/// Mails a password reset link (single use, 30 minutes). Answers the same whether or not the
/// address has an account.
#[utoipa::path(post, path = "/auth/password/forgot", tag = "auth", request_body = EmailBody,
    responses((status = 202, body = ApiOk<Option<bool>>), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn forgot_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<EmailBody>,
) -> AppResult<impl IntoResponse> {
    accounts::forgot_password(&state.ctx, &body.email, ip).await?;
    Ok((StatusCode::ACCEPTED, ok(None::<bool>)))
}

/// `POST /auth/password/reset` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    /// The `token` parameter of the e-mailed link.
    pub token: String,
    /// The new password (10 characters or more).
    pub password: String,
}

/// Sets a new password with a reset link, ends every other session of the account and signs
/// in.
#[utoipa::path(post, path = "/auth/password/reset", tag = "auth", request_body = ResetBody,
    responses((status = 200, body = ApiOk<SessionView>),
              (status = 400, description = "TOKEN_INVALID", body = ErrorBody),
              (status = 403, description = "BANNED or DEACTIVATED", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    Client(meta): Client,
    Json(body): Json<ResetBody>,
) -> AppResult<Response> {
    let signed_in = accounts::reset_password(&state.ctx, &body.token, &body.password, meta).await?;
    Ok(session_response(&state, signed_in))
}

/// Who an invitation is for.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationView {
    /// The invited address.
    pub email: String,
    /// The name the admin gave.
    pub name: String,
}

/// Reads an invitation (for the page that accepts it).
#[utoipa::path(post, path = "/auth/invite/details", tag = "auth", request_body = TokenBody,
    responses((status = 200, body = ApiOk<InvitationView>),
              (status = 400, description = "TOKEN_INVALID", body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn invitation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<TokenBody>,
) -> AppResult<impl IntoResponse> {
    let user = accounts::invitation(&state.ctx, &body.token, ip).await?;
    Ok(ok(InvitationView {
        email: user.email,
        name: user.name,
    }))
}

/// `POST /auth/invite/accept` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteBody {
    /// The `token` parameter of the e-mailed link.
    pub token: String,
    /// The invitee's name, if they want another than the admin typed.
    pub name: Option<String>,
    /// Their password (10 characters or more).
    pub password: String,
}

/// Accepts an invitation: sets the password and signs in.
#[utoipa::path(post, path = "/auth/invite/accept", tag = "auth", request_body = AcceptInviteBody,
    responses((status = 200, body = ApiOk<SessionView>),
              (status = 400, description = "TOKEN_INVALID", body = ErrorBody),
              (status = 403, description = "BANNED or DEACTIVATED", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn accept_invite(
    State(state): State<AppState>,
    Client(meta): Client,
    Json(body): Json<AcceptInviteBody>,
) -> AppResult<Response> {
    let signed_in = accounts::accept_invite(
        &state.ctx,
        &body.token,
        body.name.as_deref(),
        &body.password,
        meta,
    )
    .await?;
    Ok(session_response(&state, signed_in))
}

/// Ends the current session and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 200, body = ApiOk<Option<bool>>), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, Auth(actor): Auth) -> AppResult<Response> {
    auth::logout(&state.ctx, &actor).await?;
    let mut response = ok(None::<bool>).into_response();
    set_cookie(&mut response, &session_cookie(&state, "", 0));
    Ok(response)
}

/// The signed-in user; `ticketScope` is set for a session opened by a ticket's link.
#[utoipa::path(get, path = "/auth/me", tag = "auth",
    responses((status = 200, body = ApiOk<MeView>), (status = 401, body = ErrorBody)))]
async fn me(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> AppResult<axum::Json<ApiOk<MeView>>> {
    Ok(ok(me_view(&state, &actor).await?))
}

/// The signed-in user with their unread notifications (none for a follow-link session).
async fn me_view(state: &AppState, actor: &crate::service::Actor) -> AppResult<MeView> {
    let notifications = if actor.scope.is_some() {
        0
    } else {
        crate::service::notifications::unread_count(&state.ctx, actor).await?
    };
    Ok(MeView::new(&actor.user, actor.scope, notifications))
}

/// Who is signed in, for a page that may be shown to a visitor too: the signed-in user, or
/// `null` (200 either way, so a signed-out page load is not a failed request). API clients
/// that need a session keep using `GET /auth/me`, which answers 401 without one.
#[utoipa::path(get, path = "/auth/session", tag = "auth",
    responses((status = 200, body = ApiOk<Option<MeView>>), (status = 403, body = ErrorBody)))]
async fn session(
    State(state): State<AppState>,
    auth: Option<Auth>,
) -> AppResult<axum::Json<ApiOk<Option<MeView>>>> {
    let Some(Auth(actor)) = auth else {
        return Ok(ok(None));
    };
    Ok(ok(Some(me_view(&state, &actor).await?)))
}

/// What the web client needs before signing in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicConfig {
    /// Server version.
    pub version: &'static str,
    /// Deployment environment (for error reports).
    pub environment: String,
    /// `closed`, `open` or `domain:example.com`.
    pub registration_mode: String,
    /// True when the server runs with demo data.
    pub demo: bool,
    /// Demo sign-ins, shown on the sign-in page in demo mode only.
    pub demo_accounts: Vec<DemoAccount>,
    /// Public Sentry DSN for the browser, when configured.
    pub sentry_dsn: Option<String>,
    /// How long messages stay editable, in seconds.
    pub edit_window_secs: u64,
    /// Departments users, rooms and tickets may belong to.
    pub departments: Vec<String>,
}

/// Public configuration for the web client.
#[utoipa::path(get, path = "/config", tag = "auth",
    responses((status = 200, body = ApiOk<PublicConfig>)))]
async fn public_config(State(state): State<AppState>) -> axum::Json<ApiOk<PublicConfig>> {
    ok(PublicConfig {
        version: env!("CARGO_PKG_VERSION"),
        environment: state.config.environment().to_owned(),
        registration_mode: state.config.accounts.registration_mode.as_string(),
        demo: !state.demo_accounts.is_empty(),
        demo_accounts: state.demo_accounts.as_ref().clone(),
        sentry_dsn: state.config.browser_sentry_dsn(),
        edit_window_secs: state.config.accounts.edit_window_secs,
        departments: state.config.accounts.departments.clone(),
    })
}

/// The `{user, token}` answer with the session cookie set.
pub(crate) fn session_response(state: &AppState, signed_in: SignedIn) -> Response {
    let mut response = ok(SessionView {
        user: UserView::full(&signed_in.user),
        token: signed_in.token.clone(),
    })
    .into_response();
    set_session_cookie(state, &mut response, &signed_in.token);
    response
}

/// Sets the session cookie for `token` on a response.
pub(crate) fn set_session_cookie(state: &AppState, response: &mut Response, token: &str) {
    let max_age = i64::from(state.config.accounts.session_ttl_days) * 86_400;
    set_cookie(response, &session_cookie(state, token, max_age));
}

fn session_cookie(state: &AppState, token: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let name = state.config.session_cookie_name();
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
