//! The team directory (for DM pickers and invitations).

use axum::{extract::State, response::IntoResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Path, Query},
    ok, parse_time_cursor, time_cursor,
};
use crate::domain::policy::Capability;
use crate::{
    domain::{Id, user::Role},
    error::{AppResult, ErrorBody},
    service::{page_limit, profiles, users},
    state::AppState,
    store::UserFilter,
    views::{ApiOk, Page, ProfileView, UserView},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_directory))
        .routes(routes!(get_profile))
}

/// Query of `GET /users`.
#[derive(Deserialize, IntoParams)]
pub struct DirectoryQuery {
    /// Part of a name or e-mail address.
    q: Option<String>,
    /// Only this role.
    role: Option<Role>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (default 50, max 100).
    limit: Option<i64>,
}

/// Users of the team (not available to customers).
#[utoipa::path(get, path = "/users", tag = "users", params(DirectoryQuery),
    responses((status = 200, body = ApiOk<Page<UserView>>), (status = 403, body = ErrorBody)))]
async fn list_directory(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<DirectoryQuery>,
) -> AppResult<impl IntoResponse> {
    crate::service::require(&actor, Capability::SeeTeam)?;
    let filter = user_filter(query.q, query.role, query.cursor.as_deref(), query.limit)?;
    let rows = users::list_users(&state.ctx, &filter).await?;
    let items: Vec<UserView> = rows.iter().map(UserView::full).collect();
    Ok(ok(Page::from_items(items, filter.limit, |u| {
        time_cursor(u.created_at, u.id)
    })))
}

/// A person's profile: name, handle, title, department, time zone, status (when not expired)
/// and whether they are online. Customers see only the people they share a ticket with (404
/// for anyone else).
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<ProfileView>), (status = 404, body = ErrorBody)))]
async fn get_profile(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    Ok(ok(profiles::get_profile(&state.ctx, &actor, id).await?))
}

/// Builds the store filter of a user list from query parameters.
pub(crate) fn user_filter(
    q: Option<String>,
    role: Option<Role>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<UserFilter> {
    Ok(UserFilter {
        q: q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()),
        role,
        before: parse_time_cursor(cursor)?,
        limit: page_limit(limit, 50, 100)?,
    })
}
