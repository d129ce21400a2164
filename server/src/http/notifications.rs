//! Notifications, how each person wants to be notified, their handle, and the composer's
//! `@` autocomplete.

use axum::{extract::State, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Json, Path, Query},
    ok,
};
use crate::{
    domain::{Id, notify::NotifyLevel},
    error::{AppError, AppResult, ErrorBody},
    service::{
        mentions,
        notifications::{self, PreferencesPatch, ReadWhat},
        page_limit,
        profiles::{self, MePatch, StatusInput},
    },
    state::AppState,
    store::PreferencesRow,
    views::{ApiOk, NotificationView, Page, ProfileView, RoomView, UserView},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(read_notifications))
        .routes(routes!(set_room_notifications))
        .routes(routes!(get_preferences, put_preferences))
        .routes(routes!(update_me))
        .routes(routes!(mentionable))
}

/// Query of `GET /notifications`.
#[derive(Deserialize, IntoParams)]
pub struct NotificationsQuery {
    /// Only unread ones.
    unread: Option<bool>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (default 30, max 100).
    limit: Option<i64>,
}

/// Your notifications, newest first: mentions, DMs, replies in your threads and tickets
/// assigned to you.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(NotificationsQuery),
    responses((status = 200, body = ApiOk<Page<NotificationView>>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
async fn list_notifications(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<NotificationsQuery>,
) -> AppResult<impl IntoResponse> {
    let cursor = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(
            c.parse::<Id>()
                .map_err(|_| AppError::invalid("cursor", "is not a cursor this API issued"))?,
        ),
        None => None,
    };
    let limit = page_limit(query.limit, 30, notifications::MAX_PAGE)?;
    let (items, next) = notifications::list(
        &state.ctx,
        &actor,
        query.unread.unwrap_or(false),
        cursor,
        limit,
    )
    .await?;
    Ok(ok(Page {
        items,
        next_cursor: next.map(|id| id.to_string()),
    }))
}

/// `POST /notifications/read` body: some notifications, or all.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ReadNotificationsBody)]
pub struct ReadBody {
    /// These (at most 100).
    ids: Option<Vec<Id>>,
    /// Or every one.
    all: Option<bool>,
}

/// How many notifications changed.
#[derive(Serialize, ToSchema)]
pub struct ReadView {
    /// Notifications marked read now.
    read: u64,
}

/// Marks notifications read (`{ids}` or `{all: true}`).
#[utoipa::path(post, path = "/notifications/read", tag = "notifications", request_body = ReadBody,
    responses((status = 200, body = ApiOk<ReadView>), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn read_notifications(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<ReadBody>,
) -> AppResult<impl IntoResponse> {
    let what = match (body.ids, body.all) {
        (Some(ids), None | Some(false)) => ReadWhat::Ids(ids),
        (None, Some(true)) => ReadWhat::All,
        _ => {
            return Err(AppError::invalid("ids", "give either ids or all: true"));
        }
    };
    let read = notifications::mark_read(&state.ctx, &actor, what).await?;
    Ok(ok(ReadView { read }))
}

/// `PUT /rooms/{id}/notifications` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoomNotificationsBody {
    /// `all`, `mentions` or `none`.
    level: NotifyLevel,
    /// Muted until then (`null` or a past time: not muted).
    mute_until: Option<DateTime<Utc>>,
}

/// Sets how you hear of a room you are a member of. A muted room (or `none`) stays
/// unread-counted and notifies only when you are mentioned by handle.
#[utoipa::path(put, path = "/rooms/{id}/notifications", tag = "notifications",
    params(("id" = Id, Path)), request_body = RoomNotificationsBody,
    responses((status = 200, body = ApiOk<RoomView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_room_notifications(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<RoomNotificationsBody>,
) -> AppResult<impl IntoResponse> {
    let room =
        notifications::set_room_level(&state.ctx, &actor, id, body.level, body.mute_until).await?;
    Ok(ok(RoomView::from_row(&room)))
}

/// Your notification preferences.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesView {
    /// `off` or `mentions_dms`: e-mail mentions and DMs still unread after the delay.
    email_notifications: String,
    /// Minutes a mention or DM stays unread before it is e-mailed (1 to 1440).
    email_delay_minutes: i64,
    /// Browser notifications while the web client is open.
    browser_notifications: bool,
    /// Quiet hours, local `HH:MM` to `HH:MM` (`null`: none).
    quiet_hours: Option<QuietHours>,
    /// Your time zone (IANA name, e.g. `Europe/Berlin`).
    timezone: String,
    /// The web client's language (a language tag such as `fr`); `null`: the browser's language.
    language: Option<String>,
}

/// Quiet hours.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// From (`HH:MM`).
    start: String,
    /// To (`HH:MM`).
    end: String,
}

impl From<PreferencesRow> for PreferencesView {
    fn from(row: PreferencesRow) -> Self {
        Self {
            email_notifications: row.email_notifications,
            email_delay_minutes: row.email_delay_minutes,
            browser_notifications: row.browser_notifications,
            quiet_hours: row
                .quiet_hours_start
                .zip(row.quiet_hours_end)
                .map(|(start, end)| QuietHours { start, end }),
            timezone: row.timezone,
            language: row.language,
        }
    }
}

/// Your notification preferences.
#[utoipa::path(get, path = "/me/preferences", tag = "notifications",
    responses((status = 200, body = ApiOk<PreferencesView>), (status = 401, body = ErrorBody)))]
async fn get_preferences(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> AppResult<impl IntoResponse> {
    let prefs = notifications::preferences(&state.ctx, &actor).await?;
    Ok(ok(PreferencesView::from(prefs)))
}

/// `PUT /me/preferences` body: the fields to change.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreferencesBody {
    /// `off` or `mentions_dms`.
    email_notifications: Option<String>,
    /// 1 to 1440.
    email_delay_minutes: Option<i64>,
    /// On or off.
    browser_notifications: Option<bool>,
    /// Quiet hours, or `null` to clear them.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<QuietHours>)]
    quiet_hours: Option<Option<QuietHours>>,
    /// IANA time zone name.
    timezone: Option<String>,
    /// Interface language (a language tag such as `fr`), or `null` to follow the browser.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    language: Option<Option<String>>,
}

/// Changes your notification preferences (fields left out stay as they are).
#[utoipa::path(put, path = "/me/preferences", tag = "notifications", request_body = PreferencesBody,
    responses((status = 200, body = ApiOk<PreferencesView>), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn put_preferences(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<PreferencesBody>,
) -> AppResult<impl IntoResponse> {
    let patch = PreferencesPatch {
        email_notifications: body.email_notifications,
        email_delay_minutes: body.email_delay_minutes,
        browser_notifications: body.browser_notifications,
        quiet_hours: body.quiet_hours.map(|q| q.map(|q| (q.start, q.end))),
        timezone: body.timezone,
        language: body.language,
    };
    let prefs = notifications::update_preferences(&state.ctx, &actor, patch).await?;
    Ok(ok(PreferencesView::from(prefs)))
}

/// `PATCH /me` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeBody {
    /// Your `@handle`: 2 to 32 of a-z, 0-9, `.`, `_`, `-` (unique; `HANDLE_TAKEN` otherwise).
    handle: Option<String>,
    /// Your display name.
    name: Option<String>,
    /// Your job title (up to 80 characters; '' clears it).
    title: Option<String>,
    /// Your IANA time zone, such as `Europe/Berlin` (`null` clears it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    timezone: Option<Option<String>>,
    /// Your status (`null` clears it).
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<StatusBody>)]
    status: Option<Option<StatusBody>>,
}

/// A status in `PATCH /me`: an emoji, a text or both.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusBody {
    /// One emoji.
    emoji: Option<String>,
    /// Up to 100 characters.
    text: Option<String>,
    /// When it stops being shown (in the future; absent: until cleared).
    expires_at: Option<DateTime<Utc>>,
}

/// Changes your own account's public details.
#[utoipa::path(patch, path = "/me", tag = "account", request_body = MeBody,
    responses((status = 200, body = ApiOk<ProfileView>), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_me(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<MeBody>,
) -> AppResult<impl IntoResponse> {
    let patch = MePatch {
        handle: body.handle,
        name: body.name,
        title: body.title,
        timezone: body.timezone,
        status: body.status.map(|s| {
            s.map(|s| StatusInput {
                emoji: s.emoji,
                text: s.text,
                expires_at: s.expires_at,
            })
        }),
    };
    Ok(ok(profiles::update_me(&state.ctx, &actor, patch).await?))
}

/// Query of `GET /rooms/{id}/mentionable`.
#[derive(Deserialize, IntoParams)]
pub struct MentionableQuery {
    /// The start of a handle or name (what follows the `@`).
    q: Option<String>,
    /// At most this many (default 8, max 20).
    limit: Option<i64>,
}

/// People who may read the room whose handle or name starts with `q`, members first: the
/// composer's `@` autocomplete.
#[utoipa::path(get, path = "/rooms/{id}/mentionable", tag = "notifications",
    params(("id" = Id, Path), MentionableQuery),
    responses((status = 200, body = ApiOk<Vec<UserView>>), (status = 404, body = ErrorBody)))]
async fn mentionable(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Query(query): Query<MentionableQuery>,
) -> AppResult<impl IntoResponse> {
    let people = mentions::mentionable(
        &state.ctx,
        &actor,
        id,
        query.q.as_deref().unwrap_or(""),
        page_limit(query.limit, 8, 20)?,
    )
    .await?;
    Ok(ok(people))
}
