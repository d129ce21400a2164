//! Files: uploads into a room (multipart, streamed), downloads of attachments and their
//! thumbnails (access checked on every request, with ETag and single byte ranges), and a
//! room's files panel.

use axum::{
    body::Body,
    extract::{DefaultBodyLimit, Multipart, State, multipart::MultipartRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use futures::{SinkExt, StreamExt, channel::mpsc};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    CursorParams, created,
    extract::{Auth, Path, Query},
    ok, time_cursor,
};
use crate::{
    domain::Id,
    error::{AppError, AppResult, Code, ErrorBody},
    service::{
        Actor, Ctx,
        files::{self, Refused, Want},
    },
    state::AppState,
    views::{ApiOk, AttachmentView, Page, RoomAttachmentView},
};

/// The CSP of every file response: nothing may run or load, even when opened directly.
pub const FILE_CSP: &str = "default-src 'none'; sandbox";

/// Bytes of a refused upload still read (and dropped) so the client gets its answer.
const DRAIN_AFTER_REFUSAL: usize = 1024 * 1024;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    // The upload limits are enforced while the file streams in, per file: the body limit of
    // JSON requests does not apply.
    let uploads = OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(download))
        .routes(routes!(thumbnail))
        .routes(routes!(room_files))
}

/// `multipart/form-data` of an upload: one part named `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file (its name is kept, sanitized; its type is detected from the content).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// Uploads a file into a room the caller may post in (multipart, one part named `file`,
/// streamed; at most `UPLOAD_MAX_BYTES`). Answers the upload, to pass in `attachmentIds` of a
/// send; uploads never attached are removed after a day.
#[utoipa::path(post, path = "/rooms/{id}/uploads", tag = "files", params(("id" = Id, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ApiOk<AttachmentView>),
              (status = 400, description = "BAD_REQUEST: no `file` part, or it did not arrive whole", body = ErrorBody),
              (status = 403, description = "NOT_MEMBER or READ_ONLY", body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 413, description = "PAYLOAD_TOO_LARGE or QUOTA_EXCEEDED", body = ErrorBody),
              (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: not multipart/form-data", body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(room_id): Path<Id>,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<impl IntoResponse> {
    let mut multipart = multipart.map_err(|_| {
        AppError::new(
            Code::UnsupportedMediaType,
            "send the file as multipart/form-data",
        )
    })?;
    loop {
        let field = multipart.next_field().await.map_err(multipart_error)?;
        let Some(field) = field else {
            return Err(AppError::invalid("file", "a part named file is required"));
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_owned();
        let view = stream_field(field, |body| {
            files::upload(&state.ctx, &actor, room_id, &name, body)
        })
        .await?;
        return Ok(created(view));
    }
}

/// Runs `store` with a `'static` stream of the part's bytes, pumping them from the part
/// (which borrows the request) at the same time; at most a few chunks wait in between.
pub(crate) async fn stream_field<'a, F, Fut, T>(
    mut field: axum::extract::multipart::Field<'a>,
    store: F,
) -> AppResult<T>
where
    F: FnOnce(futures::stream::BoxStream<'static, Result<Bytes, String>>) -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    let (mut tx, rx) = mpsc::channel::<Result<Bytes, String>>(2);
    let pump = async move {
        loop {
            let next = match field.chunk().await {
                Ok(Some(chunk)) => Ok(chunk),
                Ok(None) => break,
                Err(err) => Err(err.body_text()),
            };
            let failed = next.is_err();
            if failed {
                let _closed = tx.send(next).await;
                break;
            }
            // The receiver is gone once the store stopped reading (a limit). A little more of
            // the body is read and dropped, so that a client still sending gets the answer
            // instead of a reset connection; a larger rest is not waited for.
            if tx.send(next).await.is_err() {
                let mut drained = 0usize;
                while drained < DRAIN_AFTER_REFUSAL {
                    match field.chunk().await {
                        Ok(Some(chunk)) => drained += chunk.len(),
                        Ok(None) | Err(_) => break,
                    }
                }
                break;
            }
        }
    };
    let (stored, ()) = futures::join!(store(rx.boxed()), pump);
    stored
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

/// Downloads an attachment (room readers only; 404 for anyone else). `Content-Disposition`
/// is `inline` only for PNG, JPEG, GIF and WebP; every answer carries `nosniff` and a CSP that
/// runs nothing. Supports `If-None-Match` (304) and one byte range (206, 416).
#[utoipa::path(get, path = "/attachments/{id}", tag = "files", params(("id" = Id, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 206, description = "The range asked for", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 304, description = "The client's copy (`If-None-Match`) is current"),
              (status = 404, body = ErrorBody),
              (status = 416, description = "RANGE_NOT_SATISFIABLE", body = ErrorBody)))]
async fn download(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    headers: HeaderMap,
) -> Response {
    serve(&state.ctx, &actor, id, false, &headers).await
}

/// Downloads an attachment's thumbnail (as the attachment: room readers only, 404 when it has
/// none).
#[utoipa::path(get, path = "/attachments/{id}/thumbnail", tag = "files", params(("id" = Id, Path)),
    responses((status = 200, description = "The thumbnail", content_type = "image/webp", body = Vec<u8>),
              (status = 304, description = "The client's copy (`If-None-Match`) is current"),
              (status = 404, body = ErrorBody)))]
async fn thumbnail(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<Id>,
    headers: HeaderMap,
) -> Response {
    serve(&state.ctx, &actor, id, true, &headers).await
}

/// The strong validator of a file: uploads never change, so their id is enough.
fn etag(id: Id, thumbnail: bool) -> String {
    if thumbnail {
        format!("\"{id}-thumb\"")
    } else {
        format!("\"{id}\"")
    }
}

/// Reads the one range of a `Range: bytes=...` header; anything else (several ranges, other
/// units, garbage) is ignored and the whole file is sent, as RFC 9110 allows.
pub fn parse_range(value: &str) -> Want {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Want::All;
    };
    if spec.contains(',') {
        return Want::All;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Want::All;
    };
    match (start.trim(), end.trim()) {
        ("", "") => Want::All,
        ("", last) => last.parse().map_or(Want::All, Want::Last),
        (start, "") => start.parse().map_or(Want::All, |s| Want::From(s, None)),
        (start, end) => match (start.parse::<u64>(), end.parse::<u64>()) {
            (Ok(s), Ok(e)) if e >= s => Want::From(s, Some(e)),
            _ => Want::All,
        },
    }
}

fn matches_etag(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().trim_start_matches("W/"))
        .any(|v| v == tag || v == "*")
}

async fn serve(ctx: &Ctx, actor: &Actor, id: Id, thumbnail: bool, headers: &HeaderMap) -> Response {
    let tag = etag(id, thumbnail);
    let want = if matches_etag(headers, &tag) {
        Want::Nothing
    } else {
        match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
            // A range of another version than the client's is the whole file (If-Range).
            Some(range)
                if headers
                    .get(header::IF_RANGE)
                    .is_none_or(|v| v.to_str().is_ok_and(|v| v == tag)) =>
            {
                parse_range(range)
            }
            _ => Want::All,
        }
    };
    let download = match files::download(ctx, actor, id, thumbnail, want).await {
        Ok(download) => download,
        Err(Refused::Error(err)) => return err.into_response(),
        Err(Refused::Range(size)) => {
            let mut response =
                AppError::new(Code::RangeNotSatisfiable, "the range lies outside the file")
                    .into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return response;
        }
    };
    let mut out = HeaderMap::new();
    insert(&mut out, header::ETAG, &tag);
    // Checked on every request: caches must ask again (and get a 304 when nothing changed).
    insert(&mut out, header::CACHE_CONTROL, "private, no-cache");
    insert(&mut out, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    insert(&mut out, header::CONTENT_SECURITY_POLICY, FILE_CSP);
    let Some(download) = download else {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    };
    let content_type = if download.content_type == "text/plain" {
        "text/plain; charset=utf-8".to_owned()
    } else {
        download.content_type.clone()
    };
    insert(&mut out, header::CONTENT_TYPE, &content_type);
    insert(
        &mut out,
        header::CONTENT_DISPOSITION,
        &content_disposition(&download.upload.name, download.inline),
    );
    insert(&mut out, header::ACCEPT_RANGES, "bytes");
    let size = download.object.size;
    let status = match &download.range {
        Some(range) => {
            insert(
                &mut out,
                header::CONTENT_RANGE,
                &format!(
                    "bytes {}-{}/{size}",
                    range.start,
                    range.end.saturating_sub(1)
                ),
            );
            insert(
                &mut out,
                header::CONTENT_LENGTH,
                &(range.end - range.start).to_string(),
            );
            StatusCode::PARTIAL_CONTENT
        }
        None => {
            insert(&mut out, header::CONTENT_LENGTH, &size.to_string());
            StatusCode::OK
        }
    };
    let body = Body::from_stream(download.object.stream.map(|chunk| {
        chunk.map_err(|err| {
            tracing::warn!(error = %err, "a download stopped half-way");
            std::io::Error::other(err.to_string())
        })
    }));
    (status, out, body).into_response()
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// `inline` or `attachment`, with an ASCII fallback name and the UTF-8 one (RFC 6266/8187).
pub fn content_disposition(name: &str, inline: bool) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A room's files: attachments of its live messages, newest first (`?cursor=&limit=`).
#[utoipa::path(get, path = "/rooms/{id}/attachments", tag = "files",
    params(("id" = Id, Path), CursorParams),
    responses((status = 200, body = ApiOk<Page<RoomAttachmentView>>),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn room_files(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(room_id): Path<Id>,
    Query(params): Query<CursorParams>,
) -> AppResult<impl IntoResponse> {
    let (before, limit) = params.page()?;
    let items = files::room_files(&state.ctx, &actor, room_id, before, limit).await?;
    Ok(ok(Page::from_items(items, limit, |a| {
        time_cursor(a.created_at, a.attachment.id)
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_or_ignored() {
        assert_eq!(parse_range("bytes=0-99"), Want::From(0, Some(99)));
        assert_eq!(parse_range("bytes=100-"), Want::From(100, None));
        assert_eq!(parse_range("bytes=-5"), Want::Last(5));
        assert_eq!(parse_range("bytes=0-1,5-6"), Want::All);
        assert_eq!(parse_range("bytes=9-1"), Want::All);
        assert_eq!(parse_range("items=0-1"), Want::All);
    }

    #[test]
    fn dispositions_carry_both_names() {
        assert_eq!(
            content_disposition("résumé \"1\".pdf", false),
            "attachment; filename=\"r_sum_ _1_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.pdf"
        );
        assert!(content_disposition("a.png", true).starts_with("inline;"));
    }
}
