//! Images: thumbnails of uploaded images (a `thumbnail.make` job after the upload is
//! recorded, never in the upload request) and users' avatars (`PUT/DELETE /me/avatar`,
//! `GET /users/{id}/avatar`). Decoding happens on the blocking pool with the limits of
//! [`crate::media`]; re-encoding drops the originals' metadata.

use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::{Actor, Ctx, events::Event, messages};
use crate::{
    domain::Id,
    error::{AppError, AppResult, Code},
    media::{self, ImageError},
    storage::{self, StorageError},
    store::{NewJob, UploadRow},
};

/// The jobs kind of a thumbnail.
pub const THUMBNAIL_KIND: &str = "thumbnail.make";

/// The largest original read for a thumbnail or an avatar (bigger files get none).
pub const MAX_SOURCE_BYTES: u64 = 32 * 1024 * 1024;

/// What a `thumbnail.make` job carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThumbnailJob {
    /// The upload.
    pub upload_id: Id,
}

/// Queues the thumbnail of a recorded upload when it is an image we decode (called by the
/// upload use case once the upload's row is committed).
pub async fn upload_committed(ctx: &Ctx, upload_id: Id, content_type: &str) -> AppResult<()> {
    if !media::is_supported(content_type) {
        return Ok(());
    }
    let job = NewJob {
        kind: THUMBNAIL_KIND,
        dedupe_key: Some(format!("thumbnail:{upload_id}")),
        subject: Some(upload_id.to_string()),
        payload: serde_json::to_value(ThumbnailJob { upload_id }).unwrap_or_default(),
        run_at: crate::store::now(),
    };
    ctx.store.enqueue_job(&job, &[]).await?;
    Ok(())
}

/// Reads a stored object whole (images only, at most [`MAX_SOURCE_BYTES`]).
async fn read_all(ctx: &Ctx, key: &str) -> Result<Vec<u8>, String> {
    let object = ctx
        .storage
        .get(key, None)
        .await
        .map_err(|e| format!("reading {key}: {e}"))?;
    if object.size > MAX_SOURCE_BYTES {
        return Err(format!("{key} is too large to process"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(object.size).unwrap_or(0));
    let mut stream = object.stream;
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.map_err(|e| format!("reading {key}: {e}"))?);
        if bytes.len() as u64 > MAX_SOURCE_BYTES {
            return Err(format!("{key} is too large to process"));
        }
    }
    Ok(bytes)
}

async fn put(ctx: &Ctx, key: &str, bytes: Vec<u8>) -> Result<u64, StorageError> {
    let stream = futures::stream::once(async move { Ok(Bytes::from(bytes)) }).boxed();
    ctx.storage.put_stream(key, stream).await
}

/// Makes the thumbnail of an uploaded image, records its size and announces the message it
/// is attached to (if any). An image that cannot be decoded, or is too large (a decompression
/// bomb), gets no thumbnail: that is not a failure to retry.
pub async fn make_thumbnail(ctx: &Ctx, upload_id: Id) -> Result<(), String> {
    let Some(upload) = ctx
        .store
        .get_upload(upload_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    if upload.thumbnail_key.is_some() || !media::is_supported(&upload.content_type) {
        return Ok(());
    }
    let original = match read_all(ctx, &storage::upload_key(upload.id)).await {
        Ok(bytes) => bytes,
        Err(err) if u64::try_from(upload.size).unwrap_or(u64::MAX) > MAX_SOURCE_BYTES => {
            tracing::info!(upload = %upload.id, error = %err, "no thumbnail");
            return Ok(());
        }
        Err(err) => return Err(err),
    };
    let made = tokio::task::spawn_blocking(move || media::thumbnail(&original))
        .await
        .map_err(|e| format!("thumbnail task: {e}"))?;
    let ((width, height), thumb) = match made {
        Ok(made) => made,
        Err(err) => {
            tracing::info!(upload = %upload.id, error = %err, "no thumbnail for this image");
            metrics::counter!("switchboard_thumbnails_total", "outcome" => refusal(&err))
                .increment(1);
            return Ok(());
        }
    };
    let ext = if thumb.content_type == "image/png" {
        "png"
    } else {
        "jpg"
    };
    let key = format!("{}.{ext}", storage::thumbnail_key(upload.id));
    put(ctx, &key, thumb.bytes)
        .await
        .map_err(|e| format!("storing {key}: {e}"))?;
    let recorded = ctx
        .store
        .set_upload_image(
            upload.id,
            i32::try_from(width).unwrap_or(i32::MAX),
            i32::try_from(height).unwrap_or(i32::MAX),
            Some(&key),
        )
        .await
        .map_err(|e| e.to_string())?;
    if !recorded {
        // Deleted meanwhile: the sweep no longer sees this thumbnail.
        if let Err(err) = ctx.storage.delete(&key).await {
            tracing::warn!(upload = %upload.id, error = %err, "removing an orphan thumbnail failed");
        }
        return Ok(());
    }
    metrics::counter!("switchboard_thumbnails_total", "outcome" => "made").increment(1);
    announce_upload(ctx, &upload).await
}

/// Tells the room of the message an upload is attached to (fetched again: it may have been
/// attached while the thumbnail was made).
async fn announce_upload(ctx: &Ctx, upload: &UploadRow) -> Result<(), String> {
    let message_id = match upload.message_id {
        Some(id) => Some(id),
        None => ctx
            .store
            .get_upload(upload.id)
            .await
            .map_err(|e| e.to_string())?
            .and_then(|u| u.message_id),
    };
    if let Some(message_id) = message_id {
        messages::announce_changed(ctx, message_id)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn refusal(err: &ImageError) -> &'static str {
    match err {
        ImageError::TooLarge => "too_large",
        ImageError::Unsupported => "unsupported",
        ImageError::Invalid(_) => "invalid",
    }
}

/// The storage key of a user's avatar of `size` and `version`.
pub fn avatar_key(user_id: Id, size: u32, version: i64) -> String {
    format!("avatars/{user_id}/{size}-{version}")
}

/// Sets the actor's avatar from an uploaded image (at most the upload size limit): its centre
/// square in each of [`media::AVATAR_SIZES`]. Answers the new avatar URL; the team hears of it
/// with `user:updated`.
pub async fn set_avatar(ctx: &Ctx, actor: &Actor, bytes: Vec<u8>) -> AppResult<String> {
    if actor.scope.is_some() {
        return Err(AppError::forbidden(
            "this session cannot change the account",
        ));
    }
    if bytes.len() as u64 > ctx.settings.upload_max_bytes.min(MAX_SOURCE_BYTES) {
        return Err(AppError::new(
            Code::PayloadTooLarge,
            "the image is too large for an avatar",
        ));
    }
    let sizes = tokio::task::spawn_blocking(move || media::avatars(&bytes))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("avatar task: {e}")))?
        .map_err(|err| match err {
            ImageError::TooLarge => AppError::invalid("file", "the image is too large"),
            ImageError::Unsupported => {
                AppError::invalid("file", "must be a PNG, JPEG, GIF or WebP image")
            }
            ImageError::Invalid(_) => AppError::invalid("file", "the image could not be read"),
        })?;
    let user_id = actor.id();
    let previous = ctx.store.avatar_version(user_id).await?;
    // A new version is a new URL; milliseconds never repeat for one person.
    let version = crate::store::now()
        .timestamp_millis()
        .max(previous.unwrap_or(0) + 1);
    for (size, image) in sizes {
        let key = avatar_key(user_id, size, version);
        put(ctx, &key, image.bytes)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    }
    ctx.store.set_avatar_version(user_id, Some(version)).await?;
    if let Some(previous) = previous {
        remove_files(ctx, user_id, previous).await;
    }
    announce_user(ctx, actor).await?;
    Ok(crate::views::avatar_url(user_id, Some(version)).unwrap_or_default())
}

/// Removes the actor's avatar (idempotent).
pub async fn remove_avatar(ctx: &Ctx, actor: &Actor) -> AppResult<()> {
    if actor.scope.is_some() {
        return Err(AppError::forbidden(
            "this session cannot change the account",
        ));
    }
    let Some(previous) = ctx.store.avatar_version(actor.id()).await? else {
        return Ok(());
    };
    ctx.store.set_avatar_version(actor.id(), None).await?;
    remove_files(ctx, actor.id(), previous).await;
    announce_user(ctx, actor).await
}

async fn remove_files(ctx: &Ctx, user_id: Id, version: i64) {
    for size in media::AVATAR_SIZES {
        let key = avatar_key(user_id, size, version);
        if let Err(err) = ctx.storage.delete(&key).await {
            tracing::warn!(user = %user_id, key, error = %err, "removing an old avatar failed");
        }
    }
}

/// `user:updated` for the team, with the profile as it is now.
async fn announce_user(ctx: &Ctx, actor: &Actor) -> AppResult<()> {
    let profile = ctx.store.get_profile(actor.id()).await?;
    let now = crate::store::now();
    ctx.events
        .publish(Event::UserUpdated {
            user_id: actor.id(),
            name: actor.user.name.clone(),
            title: profile
                .as_ref()
                .map(|p| p.title.clone())
                .unwrap_or_default(),
            status: profile
                .as_ref()
                .and_then(|p| crate::views::StatusView::current(p, now)),
            avatar_url: crate::views::avatar_url(
                actor.id(),
                ctx.store.avatar_version(actor.id()).await?,
            ),
        })
        .await;
    Ok(())
}

/// An avatar to send.
pub struct Avatar {
    /// The image.
    pub bytes: Vec<u8>,
    /// Its type.
    pub content_type: &'static str,
    /// Its version (the ETag).
    pub version: i64,
}

/// A user's avatar of `size` (64 or 256) for any signed-in user; 404 when they have none.
pub async fn avatar(
    ctx: &Ctx,
    _actor: &Actor,
    user_id: Id,
    size: Option<u32>,
) -> AppResult<Avatar> {
    let size = match size {
        None => 256,
        Some(size) if media::AVATAR_SIZES.contains(&size) => size,
        Some(_) => return Err(AppError::invalid("size", "must be 64 or 256")),
    };
    let version = ctx
        .store
        .avatar_version(user_id)
        .await?
        .ok_or_else(|| AppError::not_found("avatar"))?;
    let bytes = read_all(ctx, &avatar_key(user_id, size, version))
        .await
        .map_err(|e| {
            tracing::warn!(user = %user_id, error = %e, "an avatar file is missing");
            AppError::not_found("avatar")
        })?;
    let content_type = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok(Avatar {
        bytes,
        content_type,
        version,
    })
}
