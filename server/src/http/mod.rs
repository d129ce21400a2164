//! The REST API: one module per resource, each exposing `router()` with its handlers and their
//! OpenAPI descriptions registered together (so the document cannot drift from the routes).

use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::{state::AppState, views::ApiOk};

pub mod account;
pub mod admin;
pub mod auth;
pub mod extract;
pub mod files;
pub mod health;
pub mod media;
pub mod messages;
pub mod middleware;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod pins;
pub mod previews;
pub mod push;
pub mod rooms;
pub mod saved;
pub mod search;
pub mod tickets;
pub mod unsubscribe;
pub mod users;
pub mod web;

/// `200 {"ok": true, "data": data}`.
pub fn ok<T: Serialize>(data: T) -> axum::Json<ApiOk<T>> {
    axum::Json(ApiOk { ok: true, data })
}

/// `201 {"ok": true, "data": data}`.
pub fn created<T: Serialize>(data: T) -> (StatusCode, axum::Json<ApiOk<T>>) {
    (StatusCode::CREATED, ok(data))
}

/// Every `/api/v1` route with its OpenAPI description.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(auth::router())
        .merge(account::router())
        .merge(rooms::router())
        .merge(messages::router())
        .merge(pins::router())
        .merge(previews::router())
        .merge(media::router())
        .merge(files::router())
        .merge(saved::router())
        .merge(tickets::router())
        .merge(search::router())
        .merge(users::router())
        .merge(notifications::router())
        .merge(unsubscribe::router())
        .merge(push::router())
        .merge(admin::router())
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or set.
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Query of a list paged by a `(time, id)` cursor, newest first.
#[derive(Deserialize, IntoParams)]
pub struct CursorParams {
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (default 30, max 100).
    limit: Option<i64>,
}

impl CursorParams {
    /// The cursor to read before, and the page size.
    pub(crate) fn page(&self) -> Result<(Option<TimeCursor>, i64), crate::error::AppError> {
        let limit = crate::service::page_limit(self.limit, 30, 100)?;
        Ok((parse_time_cursor(self.cursor.as_deref())?, limit))
    }
}

/// A position in a list ordered by time, then id.
pub(crate) type TimeCursor = (chrono::DateTime<chrono::Utc>, crate::domain::Id);

/// Parses a `(time, id)` cursor written as `2026-01-01T00:00:00Z_<uuid>`.
pub(crate) fn parse_time_cursor(
    cursor: Option<&str>,
) -> Result<Option<TimeCursor>, crate::error::AppError> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || crate::error::AppError::invalid("cursor", "is not a cursor this API issued");
    let (time, id) = cursor.rsplit_once('_').ok_or_else(bad)?;
    let time = chrono::DateTime::parse_from_rfc3339(time).map_err(|_| bad())?;
    Ok(Some((time.to_utc(), id.parse().map_err(|_| bad())?)))
}

/// Writes a `(time, id)` cursor.
pub(crate) fn time_cursor(at: chrono::DateTime<chrono::Utc>, id: crate::domain::Id) -> String {
    format!(
        "{}_{id}",
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_cursors_round_trip() {
        let at = chrono::Utc::now();
        let id = crate::domain::Id::new();
        let parsed = parse_time_cursor(Some(&time_cursor(at, id))).ok().flatten();
        assert_eq!(parsed.map(|(_, i)| i), Some(id));
        assert!(parse_time_cursor(Some("garbage")).is_err());
    }
}
