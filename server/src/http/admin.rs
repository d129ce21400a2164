//! Administration: users, roles, bans and the audit log.

use std::collections::HashMap;

use axum::{extract::State, http::StatusCode, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    double_option,
    extract::{Auth, Json, Path, Query},
    ok, parse_time_cursor, time_cursor,
    users::user_filter,
};
use crate::{
    domain::{Id, user::Role},
    error::{AppError, AppResult, ErrorBody},
    service::{
        Ctx, accounts,
        admin::{self, TelemetryView},
        analytics::{self, StaffAnalytics},
        page_limit,
        users::{self, CreateUser, UpdateUser},
    },
    state::AppState,
    store::{AuditRow, BanRow},
    views::{ApiOk, Page, UserView},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
        .routes(routes!(ban_user, unban_user))
        .routes(routes!(invite_user))
        .routes(routes!(deactivate_user))
        .routes(routes!(reactivate_user))
        .routes(routes!(send_password_reset))
        .routes(routes!(list_audit))
        .routes(routes!(export_audit))
        .routes(routes!(staff_analytics))
        .routes(routes!(telemetry))
}

/// Query of `GET /admin/telemetry`.
#[derive(Deserialize, IntoParams)]
pub struct TelemetryQuery {
    /// `1h` (default), `6h`, `24h` or `7d`.
    window: Option<String>,
}

/// Requests, errors, latency, sockets, messages, delivery failures and socket round trips
/// over time, across all instances (admins).
#[utoipa::path(get, path = "/admin/telemetry", tag = "admin", params(TelemetryQuery),
    responses((status = 200, body = ApiOk<TelemetryView>), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn telemetry(
    State(ctx): State<Ctx>,
    Auth(actor): Auth,
    Query(query): Query<TelemetryQuery>,
) -> AppResult<impl IntoResponse> {
    let window = query.window.unwrap_or_else(|| "1h".to_owned());
    Ok(ok(admin::telemetry(&ctx, &actor, &window).await?))
}

/// Per staff member and department: open, pending and recently resolved tickets, and median
/// first-response and resolution times (admins).
#[utoipa::path(get, path = "/admin/staff-analytics", tag = "admin",
    responses((status = 200, body = ApiOk<StaffAnalytics>), (status = 403, body = ErrorBody)))]
async fn staff_analytics(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> AppResult<impl IntoResponse> {
    Ok(ok(analytics::staff_analytics(&state.ctx, &actor).await?))
}

/// Query of `GET /admin/users`.
#[derive(Deserialize, IntoParams)]
pub struct UsersQuery {
    /// Part of a name or e-mail address.
    q: Option<String>,
    /// Only this role.
    role: Option<Role>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (default 50, max 100).
    limit: Option<i64>,
}

/// A user as admins see them: with their ban, if one is in force, and their account state.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserView {
    #[serde(flatten)]
    user: UserView,
    /// The ban in force; `null` when not banned or when it has expired.
    ban: Option<BanView>,
    /// When the account was deactivated; `null` while active.
    deactivated_at: Option<DateTime<Utc>>,
    /// True once the owner proved the address.
    email_verified: bool,
    /// False for an invitation not yet accepted (and for customers without a password).
    has_password: bool,
}

impl AdminUserView {
    fn new(user: &crate::store::UserRow, ban: Option<BanRow>) -> Self {
        Self {
            user: UserView::full(user),
            ban: ban.map(BanView::from),
            deactivated_at: user.deactivated_at,
            email_verified: user.email_verified_at.is_some(),
            has_password: user.password_hash.is_some(),
        }
    }
}

/// All users, newest first, with their bans (admins).
#[utoipa::path(get, path = "/admin/users", tag = "admin", params(UsersQuery),
    responses((status = 200, body = ApiOk<Page<AdminUserView>>), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<UsersQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = user_filter(query.q, query.role, query.cursor.as_deref(), query.limit)?;
    let rows = users::list_users_with_bans(&state.ctx, &actor, &filter).await?;
    let items: Vec<AdminUserView> = rows
        .into_iter()
        .map(|(u, ban)| AdminUserView::new(&u, ban))
        .collect();
    Ok(ok(Page::from_items(items, filter.limit, |u| {
        time_cursor(u.user.created_at, u.user.id)
    })))
}

/// `POST /admin/users` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserBody {
    /// E-mail address.
    email: String,
    /// Display name.
    name: String,
    /// Global role.
    role: Role,
    /// Department.
    department: Option<String>,
    /// Initial password (10 characters or more).
    password: Option<String>,
}

/// Creates a user (admins).
#[utoipa::path(post, path = "/admin/users", tag = "admin", request_body = CreateUserBody,
    responses((status = 201, body = ApiOk<UserView>), (status = 403, body = ErrorBody),
              (status = 409, description = "EMAIL_TAKEN", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<CreateUserBody>,
) -> AppResult<impl IntoResponse> {
    let user = users::admin_create_user(
        &state.ctx,
        &actor,
        CreateUser {
            email: body.email,
            name: body.name,
            role: body.role,
            department: body.department,
            password: body.password,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, ok(UserView::full(&user))))
}

/// `PATCH /admin/users/{id}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserBody {
    /// New name.
    name: Option<String>,
    /// New role.
    role: Option<Role>,
    /// New department (`null` clears it).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    department: Option<Option<String>>,
}

/// Changes a user's name, role or department (admins).
#[utoipa::path(patch, path = "/admin/users/{id}", tag = "admin", params(("id" = Id, Path)),
    request_body = UpdateUserBody,
    responses((status = 200, body = ApiOk<UserView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<UpdateUserBody>,
) -> AppResult<impl IntoResponse> {
    let user = users::admin_update_user(
        &state.ctx,
        &actor,
        id,
        UpdateUser {
            name: body.name,
            role: body.role,
            department: body.department,
        },
    )
    .await?;
    Ok(ok(UserView::full(&user)))
}

/// `POST /admin/users/{id}/ban` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BanBody {
    /// Why (shown to admins).
    reason: String,
    /// When the ban lifts by itself (never when absent).
    expires_at: Option<DateTime<Utc>>,
}

/// A ban.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BanView {
    /// The banned user.
    user_id: Id,
    /// Why.
    reason: String,
    /// Who banned.
    banned_by: Option<Id>,
    /// When.
    banned_at: DateTime<Utc>,
    /// When it lifts.
    expires_at: Option<DateTime<Utc>>,
}

impl From<BanRow> for BanView {
    fn from(ban: BanRow) -> Self {
        Self {
            user_id: ban.user_id,
            reason: ban.reason,
            banned_by: ban.banned_by,
            banned_at: ban.banned_at,
            expires_at: ban.expires_at,
        }
    }
}

/// Bans a user: revokes their sessions and disconnects their sockets (admins).
#[utoipa::path(post, path = "/admin/users/{id}/ban", tag = "admin", params(("id" = Id, Path)),
    request_body = BanBody,
    responses((status = 200, body = ApiOk<BanView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn ban_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<BanBody>,
) -> AppResult<impl IntoResponse> {
    let ban = users::ban_user(&state.ctx, &actor, id, &body.reason, body.expires_at).await?;
    Ok(ok(BanView::from(ban)))
}

/// Lifts a ban (admins).
#[utoipa::path(delete, path = "/admin/users/{id}/ban", tag = "admin", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<Option<bool>>), (status = 404, body = ErrorBody)))]
async fn unban_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    users::unban_user(&state.ctx, &actor, id).await?;
    Ok(ok(None::<bool>))
}

/// Query of `GET /admin/audit`.
#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Action, exact (`user.ban`) or a prefix ending in a dot (`user.`).
    action: Option<String>,
    /// Actor: a user id or an e-mail address.
    actor: Option<String>,
    /// Target id.
    target: Option<String>,
    /// Cursor from the previous page.
    before: Option<String>,
    /// Only rows at or after this time.
    since: Option<DateTime<Utc>>,
    /// Page size (default 50, max 200).
    limit: Option<i64>,
    /// `json` only; the CSV download is `POST /admin/audit/export`.
    format: Option<String>,
}

/// An audit row.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    /// Id.
    id: Id,
    /// When.
    at: DateTime<Utc>,
    /// Actor id.
    actor_id: Option<Id>,
    /// Actor e-mail at the time.
    actor_email: Option<String>,
    /// The actor's name today; `null` for the system, an anonymous client or a deleted account.
    actor_name: Option<String>,
    /// Dotted action.
    action: String,
    /// Target type.
    target_type: String,
    /// Target id.
    target_id: Option<String>,
    /// The target's name today when it is a user (their name) or a room or ticket (its
    /// title); `null` otherwise.
    target_name: Option<String>,
    /// Details.
    metadata: serde_json::Value,
    /// Client address.
    ip: Option<String>,
    /// Request id.
    request_id: Option<String>,
}

impl AuditView {
    fn new(row: AuditRow, names: &HashMap<Id, String>) -> Self {
        let name = |id: Option<Id>| id.and_then(|id| names.get(&id).cloned());
        Self {
            id: row.id,
            at: row.at,
            actor_id: row.actor_id,
            actor_email: row.actor_email,
            actor_name: name(row.actor_id),
            action: row.action,
            target_type: row.target_type,
            target_name: name(row.target_id.as_deref().and_then(|t| t.parse().ok())),
            target_id: row.target_id,
            metadata: row.metadata.0,
            ip: row.ip,
            request_id: row.request_id,
        }
    }
}

/// The audit log, newest first (admins).
#[utoipa::path(get, path = "/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = ApiOk<Page<AuditView>>), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn list_audit(
    State(ctx): State<Ctx>,
    Auth(actor): Auth,
    Query(query): Query<AuditQuery>,
) -> AppResult<impl IntoResponse> {
    match query.format.as_deref() {
        None | Some("json") => {}
        Some("csv") => {
            return Err(AppError::invalid(
                "format",
                "download CSV with POST /admin/audit/export",
            ));
        }
        Some(_) => return Err(AppError::invalid("format", "must be json")),
    }
    let limit = page_limit(query.limit, 50, 200)?;
    let page = admin::audit_page(
        &ctx,
        &actor,
        admin::AuditQuery {
            action: query.action,
            actor: query.actor,
            target: query.target,
            since: query.since,
            before: parse_time_cursor(query.before.as_deref())?,
            limit,
        },
    )
    .await?;
    let items: Vec<AuditView> = page
        .rows
        .into_iter()
        .map(|row| AuditView::new(row, &page.names))
        .collect();
    Ok(ok(Page::from_items(items, limit, |a| {
        time_cursor(a.at, a.id)
    })))
}

/// `POST /admin/audit/export` body: the filters of `GET /admin/audit`.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AuditExportBody {
    /// Action, exact or a prefix ending in a dot.
    action: Option<String>,
    /// A user id or an e-mail address.
    actor: Option<String>,
    /// Target id.
    target: Option<String>,
    /// Only rows at or after this time.
    since: Option<DateTime<Utc>>,
}

/// Downloads every matching audit row as CSV (admins; audited). A POST, so another site
/// cannot make an admin's browser run it.
#[utoipa::path(post, path = "/admin/audit/export", tag = "admin", request_body = AuditExportBody,
    responses((status = 200, description = "text/csv", content_type = "text/csv", body = String),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_audit(
    State(ctx): State<Ctx>,
    Auth(actor): Auth,
    Json(body): Json<AuditExportBody>,
) -> AppResult<axum::response::Response> {
    let csv = admin::audit_csv(
        &ctx,
        &actor,
        admin::AuditQuery {
            action: body.action,
            actor: body.actor,
            target: body.target,
            since: body.since,
            ..Default::default()
        },
    )
    .await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", csv.filename),
            ),
        ],
        csv.body,
    )
        .into_response())
}

/// `POST /admin/invites` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    /// E-mail address.
    email: String,
    /// Name.
    name: String,
    /// Global role.
    role: Role,
    /// Department.
    department: Option<String>,
}

/// Invites someone by e-mail (admins): their account has no password until they choose one
/// through the link (7 days).
#[utoipa::path(post, path = "/admin/invites", tag = "admin", request_body = InviteBody,
    responses((status = 201, body = ApiOk<AdminUserView>), (status = 403, body = ErrorBody),
              (status = 409, description = "EMAIL_TAKEN", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn invite_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<InviteBody>,
) -> AppResult<impl IntoResponse> {
    let user = accounts::invite(
        &state.ctx,
        &actor,
        accounts::Invite {
            email: body.email,
            name: body.name,
            role: body.role,
            department: body.department,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, ok(AdminUserView::new(&user, None))))
}

/// Deactivates an account (admins): it can no longer sign in, its sessions end, its messages
/// stay and its address stays reserved.
#[utoipa::path(post, path = "/admin/users/{id}/deactivate", tag = "admin", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<AdminUserView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn deactivate_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let user = accounts::deactivate(&state.ctx, &actor, id).await?;
    let ban = users::active_ban(&state.ctx, id).await?;
    Ok(ok(AdminUserView::new(&user, ban)))
}

/// Reactivates an account (admins).
#[utoipa::path(post, path = "/admin/users/{id}/reactivate", tag = "admin", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<AdminUserView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn reactivate_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let user = accounts::reactivate(&state.ctx, &actor, id).await?;
    let ban = users::active_ban(&state.ctx, id).await?;
    Ok(ok(AdminUserView::new(&user, ban)))
}

/// Mails the user a password reset link (or their invitation again, if they never chose a
/// password) (admins).
#[utoipa::path(post, path = "/admin/users/{id}/password-reset", tag = "admin", params(("id" = Id, Path)),
    responses((status = 202, body = ApiOk<Option<bool>>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn send_password_reset(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    accounts::send_password_reset(&state.ctx, &actor, id).await?;
    Ok((StatusCode::ACCEPTED, ok(None::<bool>)))
}
