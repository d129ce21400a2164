//! Avatars: setting and removing one's own (multipart image), and fetching anyone's (signed-in
//! users; versioned URLs are cached for good).

use axum::{
    extract::{DefaultBodyLimit, Multipart, State, multipart::MultipartRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{Auth, Path, Query},
    files::FILE_CSP,
    ok,
};
use crate::{
    domain::Id,
    error::{AppError, AppResult, Code, ErrorBody},
    service::media,
    state::AppState,
    views::ApiOk,
};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    // The image's size is checked while it is read, not by the JSON body limit.
    let upload = OpenApiRouter::new()
        .routes(routes!(set_avatar, remove_avatar))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .merge(upload)
        .routes(routes!(get_avatar))
}

/// `multipart/form-data` of an avatar: one part named `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AvatarForm {
    /// A PNG, JPEG, GIF or WebP image; its centre square is kept, at 64 and 256 px.
    #[schema(format = Binary, content_media_type = "image/*")]
    file: String,
}

/// The answer to setting an avatar.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvatarSet {
    /// The new avatar's URL.
    pub avatar_url: String,
}

/// Sets the caller's avatar from an image (multipart, one part named `file`, at most
/// `UPLOAD_MAX_BYTES`): its centre square at 64 and 256 px, metadata dropped. The team gets
/// `user:updated`.
#[utoipa::path(put, path = "/me/avatar", tag = "users",
    request_body(content = AvatarForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ApiOk<AvatarSet>),
              (status = 400, description = "BAD_REQUEST: malformed multipart", body = ErrorBody),
              (status = 403, description = "FORBIDDEN: a follow-link session", body = ErrorBody),
              (status = 413, description = "PAYLOAD_TOO_LARGE", body = ErrorBody),
              (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: not multipart/form-data", body = ErrorBody),
              (status = 422, description = "VALIDATION: not an image we read, or too large in pixels", body = ErrorBody)))]
async fn set_avatar(
    State(state): State<AppState>,
    Auth(actor): Auth,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<impl IntoResponse> {
    let mut multipart = multipart.map_err(|_| {
        AppError::new(
            Code::UnsupportedMediaType,
            "send the image as multipart/form-data",
        )
    })?;
    let max = usize::try_from(
        state
            .ctx
            .settings
            .upload_max_bytes
            .min(media::MAX_SOURCE_BYTES),
    )
    .unwrap_or(usize::MAX);
    loop {
        let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? else {
            return Err(AppError::invalid("file", "a part named file is required"));
        };
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > max {
                return Err(AppError::new(
                    Code::PayloadTooLarge,
                    format!("an avatar image may be at most {max} bytes"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        let avatar_url = media::set_avatar(&state.ctx, &actor, bytes).await?;
        return Ok(ok(AvatarSet { avatar_url }));
    }
}

fn multipart_error(err: axum::extract::multipart::MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(Code::PayloadTooLarge, "the request body is too large")
    } else {
        AppError::new(
            Code::BadRequest,
            format!("malformed multipart body: {}", err.body_text()),
        )
    }
}

/// Removes the caller's avatar (idempotent); the team gets `user:updated`.
#[utoipa::path(delete, path = "/me/avatar", tag = "users",
    responses((status = 204, description = "Removed"),
              (status = 403, description = "FORBIDDEN: a follow-link session", body = ErrorBody)))]
async fn remove_avatar(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> AppResult<impl IntoResponse> {
    media::remove_avatar(&state.ctx, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /users/{id}/avatar`.
#[derive(Deserialize, IntoParams)]
pub struct AvatarQuery {
    /// 64 or 256 (default).
    size: Option<u32>,
    /// The version in the avatar's URL; when it is the current one the answer is cached for
    /// good.
    v: Option<i64>,
}

/// A user's avatar (any signed-in user). `avatarUrl` of the user views points here with the
/// avatar's version, and such a URL never changes content (`immutable`).
#[utoipa::path(get, path = "/users/{id}/avatar", tag = "users", params(("id" = Id, Path), AvatarQuery),
    responses((status = 200, description = "The image (PNG or JPEG)", content_type = "image/*", body = Vec<u8>),
              (status = 304, description = "Not modified (`If-None-Match`)"),
              (status = 404, description = "NOT_FOUND: no such user, or no avatar", body = ErrorBody),
              (status = 422, description = "VALIDATION: size is not 64 or 256", body = ErrorBody)))]
async fn get_avatar(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(user_id): Path<Id>,
    Query(query): Query<AvatarQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let avatar = media::avatar(&state.ctx, &actor, user_id, query.size).await?;
    let size = query.size.unwrap_or(256);
    let etag = format!("\"{}-{size}\"", avatar.version);
    let cache = if query.v == Some(avatar.version) {
        "private, max-age=31536000, immutable"
    } else {
        "private, no-cache"
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(avatar.content_type),
            )],
            avatar.bytes,
        )
            .into_response()
    };
    let h = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, etag);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
    Ok(response)
}
