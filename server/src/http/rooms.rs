//! Rooms, DMs, membership and read cursors.

use axum::{extract::State, http::StatusCode, response::IntoResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    created, double_option,
    extract::{Auth, Json, Path, Query},
    ok, parse_time_cursor, time_cursor,
};
use crate::{
    domain::{
        Id,
        room::{RoomKind, RoomRole},
    },
    error::{AppError, AppResult, ErrorBody},
    service::{
        Actor, archive,
        export::{self, RoomExport},
        members, page_limit,
        rooms::{self, CreateRoom, UpdateRoom},
    },
    state::AppState,
    store::{ArchivedFilter, DiscoverFilter, MemberRow, rooms::DiscoverSort},
    views::{ApiOk, MemberView, Page, RoomView},
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rooms, create_room))
        .routes(routes!(discover_rooms))
        .routes(routes!(get_room, update_room, delete_room))
        .routes(routes!(join_room))
        .routes(routes!(archive_room))
        .routes(routes!(unarchive_room))
        .routes(routes!(leave_room))
        .routes(routes!(list_members, add_member))
        .routes(routes!(update_member, remove_member))
        .routes(routes!(transfer_ownership))
        .routes(routes!(mark_read))
        .routes(routes!(open_dm))
        .routes(routes!(export_room))
}

/// `POST /rooms/{id}/export` body.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ExportBody {
    /// `json` (default), `html` (one self-contained page) or `zip` (`export.json` and every
    /// attached file under `files/`).
    format: Option<String>,
}

/// Exports a room with its threads, reactions and edits (readers of the room; audited). A
/// POST, so another site cannot make a signed-in browser run it.
#[utoipa::path(post, path = "/rooms/{id}/export", tag = "rooms", params(("id" = Id, Path)),
    request_body = ExportBody,
    responses((status = 200, description = "JSON, HTML or zip attachment", body = RoomExport),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<ExportBody>,
) -> AppResult<axum::response::Response> {
    let format = body.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "html" | "zip") {
        return Err(AppError::invalid("format", "must be json, html or zip"));
    }
    let export = export::export(&state.ctx, &actor, id, format).await?;
    let filename = format!(
        "{}-{}.{format}",
        export.room.slug,
        export.exported_at.format("%Y%m%d")
    );
    if format == "zip" {
        let zip = crate::service::export_zip::zip_export(&state.ctx, &export)
            .map_err(|e| AppError::Internal(e.into()))?;
        return Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/zip".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
                (
                    axum::http::header::CONTENT_SECURITY_POLICY,
                    crate::http::files::FILE_CSP.to_owned(),
                ),
                // Streamed as written: not compressed again on the way.
                (axum::http::header::ACCEPT_RANGES, "none".to_owned()),
            ],
            axum::body::Body::from_stream(zip),
        )
            .into_response());
    }
    let (content_type, body) = match format {
        "html" => ("text/html; charset=utf-8", export::to_html(&export)),
        _ => (
            "application/json",
            serde_json::to_string_pretty(&export).map_err(|e| AppError::Internal(e.into()))?,
        ),
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'".to_owned(),
            ),
        ],
        body,
    )
        .into_response())
}

/// Query of `GET /rooms`.
#[derive(Deserialize, IntoParams)]
pub struct ListRoomsQuery {
    /// `false` (default: active rooms only), `true` (archived rooms too) or `only`.
    archived: Option<String>,
}

/// Reads the `archived` flag of a room list.
fn archived_filter(flag: Option<&str>) -> AppResult<ArchivedFilter> {
    match flag {
        None | Some("" | "false") => Ok(ArchivedFilter::Hide),
        Some("true") => Ok(ArchivedFilter::Include),
        Some("only") => Ok(ArchivedFilter::Only),
        Some(_) => Err(AppError::invalid("archived", "must be false, true or only")),
    }
}

/// The actor's rooms with unread counts, most recently active first; archived rooms only
/// when asked for.
#[utoipa::path(get, path = "/rooms", tag = "rooms", params(ListRoomsQuery),
    responses((status = 200, body = ApiOk<Page<RoomView>>), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn list_rooms(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<ListRoomsQuery>,
) -> AppResult<impl IntoResponse> {
    let archived = archived_filter(query.archived.as_deref())?;
    let rooms = rooms::my_rooms(&state.ctx, &actor, archived).await?;
    Ok(ok(Page {
        items: rooms.iter().map(RoomView::from_row).collect(),
        next_cursor: None,
    }))
}

/// Query of `GET /rooms/discover`.
#[derive(Deserialize, IntoParams)]
pub struct DiscoverQuery {
    /// Words in the title, slug or description.
    q: Option<String>,
    /// Only rooms with this tag.
    tag: Option<String>,
    /// `active` (default), `name` or `new`.
    sort: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (default 50, max 100).
    limit: Option<i64>,
    /// `false` (default: active rooms only), `true` (archived rooms too) or `only`.
    archived: Option<String>,
}

/// Public rooms the actor may read and join.
#[utoipa::path(get, path = "/rooms/discover", tag = "rooms", params(DiscoverQuery),
    responses((status = 200, body = ApiOk<Page<RoomView>>), (status = 403, body = ErrorBody)))]
async fn discover_rooms(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<DiscoverQuery>,
) -> AppResult<impl IntoResponse> {
    let sort = match query.sort.as_deref() {
        None | Some("active") => DiscoverSort::Active,
        Some("name") => DiscoverSort::Name,
        Some("new") => DiscoverSort::New,
        Some(_) => return Err(AppError::invalid("sort", "must be active, name or new")),
    };
    let offset = match query.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| AppError::invalid("cursor", "is not a cursor this API issued"))?,
    };
    let limit = page_limit(query.limit, 50, 100)?;
    let filter = DiscoverFilter {
        q: query
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty()),
        tag: query
            .tag
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty()),
        sort,
        offset,
        limit,
        archived: archived_filter(query.archived.as_deref())?,
    };
    let rooms = rooms::discover(&state.ctx, &actor, &filter).await?;
    let items: Vec<RoomView> = rooms.iter().map(RoomView::from_row).collect();
    Ok(ok(Page::from_items(items, limit, |_| {
        (offset + limit).to_string()
    })))
}

/// `POST /rooms` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRoomBody {
    /// Unique slug: 2-64 of a-z, 0-9, - and _.
    slug: String,
    /// Title.
    title: String,
    /// Description.
    description: Option<String>,
    /// `public` or `private`.
    kind: RoomKind,
    /// Department (`null` = everyone).
    department: Option<String>,
    /// Tags.
    #[serde(default)]
    tags: Vec<String>,
}

/// Creates a room owned by the actor.
#[utoipa::path(post, path = "/rooms", tag = "rooms", request_body = CreateRoomBody,
    responses((status = 201, body = ApiOk<RoomView>),
              (status = 409, description = "SLUG_TAKEN", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn create_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<CreateRoomBody>,
) -> AppResult<impl IntoResponse> {
    let room = rooms::create_room(
        &state.ctx,
        &actor,
        CreateRoom {
            slug: body.slug,
            title: body.title,
            description: body.description,
            kind: body.kind,
            department: body.department,
            tags: body.tags,
        },
    )
    .await?;
    Ok(created(RoomView::from_row(&room)))
}

/// A room the actor may read.
#[utoipa::path(get, path = "/rooms/{id}", tag = "rooms", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<RoomView>), (status = 404, body = ErrorBody)))]
async fn get_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let room = rooms::get_room(&state.ctx, &actor, id).await?;
    Ok(ok(RoomView::from_row(&room)))
}

/// `PATCH /rooms/{id}` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateRoomBody {
    /// Title.
    title: Option<String>,
    /// Description.
    description: Option<String>,
    /// Tags.
    tags: Option<Vec<String>>,
    /// Department (`null` = everyone).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    department: Option<Option<String>>,
    /// `public` or `private` (owners and admins).
    kind: Option<RoomKind>,
}

/// Changes a room (moderators, owners, admins; its kind: owners, admins).
#[utoipa::path(patch, path = "/rooms/{id}", tag = "rooms", params(("id" = Id, Path)),
    request_body = UpdateRoomBody,
    responses((status = 200, body = ApiOk<RoomView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn update_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<UpdateRoomBody>,
) -> AppResult<impl IntoResponse> {
    let room = rooms::update_room(
        &state.ctx,
        &actor,
        id,
        UpdateRoom {
            title: body.title,
            description: body.description,
            tags: body.tags,
            department: body.department,
            kind: body.kind,
        },
    )
    .await?;
    Ok(ok(RoomView::from_row(&room)))
}

/// Deletes a room and its history (owners, admins).
#[utoipa::path(delete, path = "/rooms/{id}", tag = "rooms", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<Option<bool>>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn delete_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    rooms::delete_room(&state.ctx, &actor, id).await?;
    Ok(ok(None::<bool>))
}

/// Joins a public room.
#[utoipa::path(post, path = "/rooms/{id}/join", tag = "rooms", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<RoomView>), (status = 409, description = "ALREADY_MEMBER", body = ErrorBody)))]
async fn join_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let room = members::join(&state.ctx, &actor, id).await?;
    Ok(ok(RoomView::from_row(&room)))
}

/// Archives a room: read-only for everyone, hidden from the room lists, still readable and
/// searchable (moderators, owners, admins; audited). Idempotent.
#[utoipa::path(post, path = "/rooms/{id}/archive", tag = "rooms", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<RoomView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn archive_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let room = archive::archive(&state.ctx, &actor, id).await?;
    Ok(ok(RoomView::from_row(&room)))
}

/// Restores an archived room (moderators, owners, admins; audited). Idempotent.
#[utoipa::path(post, path = "/rooms/{id}/unarchive", tag = "rooms", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<RoomView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn unarchive_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    let room = archive::unarchive(&state.ctx, &actor, id).await?;
    Ok(ok(RoomView::from_row(&room)))
}

/// Leaves a room.
#[utoipa::path(post, path = "/rooms/{id}/leave", tag = "rooms", params(("id" = Id, Path)),
    responses((status = 200, body = ApiOk<Option<bool>>), (status = 409, description = "LAST_OWNER", body = ErrorBody)))]
async fn leave_room(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
) -> AppResult<impl IntoResponse> {
    members::leave(&state.ctx, &actor, id).await?;
    Ok(ok(None::<bool>))
}

/// Query of `GET /rooms/{id}/members`.
#[derive(Deserialize, IntoParams)]
pub struct MembersQuery {
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (default 100, max 500).
    limit: Option<i64>,
}

/// Members with their read and delivery cursors and presence.
#[utoipa::path(get, path = "/rooms/{id}/members", tag = "rooms", params(("id" = Id, Path), MembersQuery),
    responses((status = 200, body = ApiOk<Page<MemberView>>), (status = 404, body = ErrorBody)))]
async fn list_members(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Query(query): Query<MembersQuery>,
) -> AppResult<impl IntoResponse> {
    let limit = page_limit(query.limit, 100, 500)?;
    let after = parse_time_cursor(query.cursor.as_deref())?;
    let rows = members::list(&state.ctx, &actor, id, after, limit).await?;
    let items: Vec<MemberView> = rows
        .iter()
        .map(|(m, online)| MemberView::new(m, actor.user.role, actor.id(), *online))
        .collect();
    Ok(ok(Page::from_items(items, limit, |m| {
        time_cursor(m.joined_at, m.user.id)
    })))
}

/// `POST /rooms/{id}/members` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddMemberBody {
    /// The user to add.
    user_id: Id,
    /// `member` (default) or `moderator`.
    role: Option<RoomRole>,
}

/// Adds a member.
#[utoipa::path(post, path = "/rooms/{id}/members", tag = "rooms", params(("id" = Id, Path)),
    request_body = AddMemberBody,
    responses((status = 201, body = ApiOk<MemberView>), (status = 403, body = ErrorBody),
              (status = 409, description = "ALREADY_MEMBER", body = ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<AddMemberBody>,
) -> AppResult<impl IntoResponse> {
    let role = body.role.unwrap_or(RoomRole::Member);
    let member = members::add(&state.ctx, &actor, id, body.user_id, role).await?;
    Ok(created(member_view(&state, &actor, member).await))
}

/// `PATCH /rooms/{id}/members/{userId}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMemberBody {
    /// `member` or `moderator`.
    role: RoomRole,
}

/// Changes a member's room role (owners, admins).
#[utoipa::path(patch, path = "/rooms/{id}/members/{userId}", tag = "rooms",
    params(("id" = Id, Path), ("userId" = Id, Path)), request_body = UpdateMemberBody,
    responses((status = 200, body = ApiOk<MemberView>), (status = 403, body = ErrorBody)))]
async fn update_member(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((id, user_id)): Path<(Id, Id)>,
    Json(body): Json<UpdateMemberBody>,
) -> AppResult<impl IntoResponse> {
    let member = members::set_role(&state.ctx, &actor, id, user_id, body.role).await?;
    Ok(ok(member_view(&state, &actor, member).await))
}

/// Removes a member (or leaves, for oneself).
#[utoipa::path(delete, path = "/rooms/{id}/members/{userId}", tag = "rooms",
    params(("id" = Id, Path), ("userId" = Id, Path)),
    responses((status = 200, body = ApiOk<Option<bool>>), (status = 403, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((id, user_id)): Path<(Id, Id)>,
) -> AppResult<impl IntoResponse> {
    members::remove(&state.ctx, &actor, id, user_id).await?;
    Ok(ok(None::<bool>))
}

/// `POST /rooms/{id}/ownership` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnershipBody {
    /// The member who becomes owner.
    user_id: Id,
}

/// Transfers ownership to another member; the previous owner becomes a moderator.
#[utoipa::path(post, path = "/rooms/{id}/ownership", tag = "rooms", params(("id" = Id, Path)),
    request_body = OwnershipBody,
    responses((status = 200, body = ApiOk<MemberView>), (status = 403, body = ErrorBody)))]
async fn transfer_ownership(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<OwnershipBody>,
) -> AppResult<impl IntoResponse> {
    let member = members::transfer_ownership(&state.ctx, &actor, id, body.user_id).await?;
    Ok(ok(member_view(&state, &actor, member).await))
}

/// A member as `actor` sees them, with whether they are online.
async fn member_view(state: &AppState, actor: &Actor, member: MemberRow) -> MemberView {
    let (member, online) = members::with_presence(&state.ctx, member).await;
    MemberView::new(&member, actor.user.role, actor.id(), online)
}

/// `POST /rooms/{id}/read` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MarkReadBody)]
pub struct ReadBody {
    /// The newest seq the user has seen.
    seq: i64,
}

/// The stored read cursor.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadCursor {
    /// Read cursor after the update (never moves back).
    last_read_seq: i64,
}

/// Moves the actor's read cursor forward.
#[utoipa::path(post, path = "/rooms/{id}/read", tag = "rooms", params(("id" = Id, Path)),
    request_body = ReadBody,
    responses((status = 200, body = ApiOk<ReadCursor>), (status = 403, body = ErrorBody)))]
async fn mark_read(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    Json(body): Json<ReadBody>,
) -> AppResult<impl IntoResponse> {
    let seq = members::mark_read(&state.ctx, &actor, id, body.seq).await?;
    Ok(ok(ReadCursor { last_read_seq: seq }))
}

/// `POST /dms` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenDmBody {
    /// The other person (a 1:1 DM).
    user_id: Option<Id>,
    /// The other people of a group DM (2 to 8); the same set in any order is the same DM.
    user_ids: Option<Vec<Id>>,
}

/// Returns the DM with a user, or the group DM with 2 to 8 users, creating it (201) when it
/// does not exist yet.
#[utoipa::path(post, path = "/dms", tag = "rooms", request_body = OpenDmBody,
    responses((status = 200, body = ApiOk<RoomView>), (status = 201, body = ApiOk<RoomView>),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn open_dm(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<OpenDmBody>,
) -> AppResult<impl IntoResponse> {
    let (room, was_created) = match (body.user_id, body.user_ids) {
        (Some(other), None) => rooms::open_dm(&state.ctx, &actor, other).await?,
        (None, Some(others)) => rooms::open_group_dm(&state.ctx, &actor, others).await?,
        _ => {
            return Err(AppError::invalid("userId", "give either userId or userIds"));
        }
    };
    let status = if was_created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ok(RoomView::from_row(&room))))
}
