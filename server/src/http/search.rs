//! Search and the activity feed.

use axum::{extract::State, response::IntoResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    CursorParams,
    extract::{Auth, Query},
    ok, time_cursor,
};
use crate::{
    error::{AppError, AppResult, ErrorBody},
    service::{
        page_limit,
        search::{self, SearchResult},
    },
    state::AppState,
    views::{ApiOk, Page, RoomView},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_messages))
        .routes(routes!(list_activity))
}

/// Query of `GET /search`.
#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words, `"phrases"`, and filters: `from:name`, `in:room-slug`, `before:2026-01-31`,
    /// `after:2026-01-01`, `has:thread`. Every word and phrase is required (no operators:
    /// `or` and `-word` are plain text) and very common words are ignored. `from:` matches
    /// author names, and for team members e-mail addresses too. Missing or empty (or only
    /// common words) is a 422 (nothing to search for).
    #[serde(default)]
    q: String,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (default 20, max 50).
    limit: Option<i64>,
}

/// Search results: ranked messages (with highlighted snippets) and, on the first page, rooms.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    /// Matching messages, best first.
    items: Vec<SearchResult>,
    /// Matching rooms (first page only).
    rooms: Vec<RoomView>,
    /// Cursor of the next page.
    next_cursor: Option<String>,
}

/// Ranked full-text search over messages and rooms the actor may read.
#[utoipa::path(get, path = "/search", tag = "search", params(SearchParams),
    responses((status = 200, body = ApiOk<SearchPage>), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
async fn search_messages(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(params): Query<SearchParams>,
) -> AppResult<impl IntoResponse> {
    let query = search::parse_query(&params.q)?;
    if !query.has_terms() && query.from.is_none() && query.room_slug.is_none() {
        return Err(AppError::invalid("q", "type something to search for"));
    }
    let limit = page_limit(params.limit, 20, 50)?;
    let offset = match params.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| (0..10_000).contains(n))
            .ok_or_else(|| AppError::invalid("cursor", "is not a cursor this API issued"))?,
    };
    let (items, rooms) = search::search(&state.ctx, &actor, &query, offset, limit).await?;
    let full = i64::try_from(items.len()).unwrap_or(i64::MAX) >= limit;
    Ok(ok(SearchPage {
        next_cursor: full.then(|| (offset + limit).to_string()),
        items,
        rooms,
    }))
}

/// Recent messages by others in rooms the actor may read, newest first.
#[utoipa::path(get, path = "/activity", tag = "search", params(CursorParams),
    responses((status = 200, body = ApiOk<Page<SearchResult>>)))]
async fn list_activity(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(params): Query<CursorParams>,
) -> AppResult<impl IntoResponse> {
    let (before, limit) = params.page()?;
    let items = search::activity(&state.ctx, &actor, before, limit).await?;
    Ok(ok(Page::from_items(items, limit, |r| {
        time_cursor(r.message.created_at, r.message.id)
    })))
}
