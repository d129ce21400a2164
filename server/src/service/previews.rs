//! Link previews: the subscriber that queues one `preview.fetch` job for the first URL of a new
//! (or edited) message, storing what the job found and announcing it, and the author's removal
//! of a preview. The fetching itself, with its address checks, is `workers::previews` and
//! `crate::previews`; nothing slow runs on the send path.

use serde::{Deserialize, Serialize};

use super::{Actor, Ctx, events::Event, messages};
use crate::{
    domain::{
        Id,
        policy::Action,
        preview::{StoredPreview, first_url},
    },
    error::{AppError, AppResult},
    storage,
    store::{MessageRow, NewJob, NewUpload},
    views::MessageView,
};

/// The jobs kind of a preview fetch.
pub const KIND: &str = "preview.fetch";

/// What a `preview.fetch` job carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewJob {
    /// The message.
    pub message_id: Id,
    /// The URL to preview (the message's first).
    pub url: String,
}

/// The subscriber: new messages with a link, and edits that change the link, queue a fetch.
pub struct Previewer {
    ctx: Ctx,
}

impl Previewer {
    /// The subscriber over `ctx`.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }
}

#[async_trait::async_trait]
impl super::events::Subscriber for Previewer {
    async fn on_event(&self, event: &Event) {
        if !self.ctx.settings.link_previews {
            return;
        }
        let done = match event {
            Event::MessageCreated { message, .. } => {
                match message.body.as_deref().and_then(first_url) {
                    Some(url) => enqueue(&self.ctx, message.id, url).await,
                    None => Ok(()),
                }
            }
            Event::MessageEdited(message) => on_edited(&self.ctx, message).await,
            _ => Ok(()),
        };
        if let Err(err) = done {
            tracing::error!(error = %err, "a link preview could not be queued");
        }
    }
}

async fn enqueue(ctx: &Ctx, message_id: Id, url: String) -> AppResult<()> {
    let payload = serde_json::to_value(PreviewJob { message_id, url }).unwrap_or_default();
    let job = NewJob {
        kind: KIND,
        // A quick second edit folds into the fetch still waiting.
        dedupe_key: Some(format!("preview:{message_id}")),
        subject: Some(message_id.to_string()),
        payload,
        run_at: crate::store::now(),
    };
    ctx.store.enqueue_job(&job, &[]).await?;
    Ok(())
}

/// An edit fetches again only when it changed the first URL; one that removed the link removes
/// the preview.
async fn on_edited(ctx: &Ctx, message: &MessageView) -> AppResult<()> {
    let Some(body) = message.body.as_deref() else {
        return Ok(());
    };
    let now = first_url(body);
    let before = ctx
        .store
        .message_edits(message.id)
        .await?
        .pop()
        .and_then(|edit| first_url(&edit.body));
    if now == before {
        return Ok(());
    }
    match now {
        Some(url) => enqueue(ctx, message.id, url).await,
        None => {
            let Some(row) = ctx.store.get_message(message.id).await? else {
                return Ok(());
            };
            if row.preview.is_some() && ctx.store.set_message_preview(row.id, None).await? {
                retire_image(ctx, &row).await;
                messages::announce_changed(ctx, message.id).await?;
            }
            Ok(())
        }
    }
}

/// The stored preview of a message row, if any.
fn stored(row: &MessageRow) -> Option<StoredPreview> {
    row.preview
        .as_ref()
        .and_then(|p| StoredPreview::from_json(&p.0))
}

/// Whether the job is still worth doing: the message is live, its first URL is still the job's,
/// and it has no preview (nor a removed one) of that URL yet.
pub async fn wanted(ctx: &Ctx, job: &PreviewJob) -> AppResult<bool> {
    let Some(row) = ctx.store.get_message(job.message_id).await? else {
        return Ok(false);
    };
    Ok(still_wanted(&row, job))
}

fn still_wanted(row: &MessageRow, job: &PreviewJob) -> bool {
    row.deleted_at.is_none()
        && first_url(&row.body).as_deref() == Some(job.url.as_str())
        && stored(row).is_none_or(|p| p.url != job.url)
}

/// Stores what a fetch found and tells the room: the preview, or (when the page gave none) no
/// preview where one of an older URL was.
pub async fn store_found(
    ctx: &Ctx,
    job: &PreviewJob,
    found: Option<StoredPreview>,
) -> AppResult<bool> {
    let Some(row) = ctx.store.get_message(job.message_id).await? else {
        return Ok(false);
    };
    // The author may have removed it, edited or deleted the message while it was fetched.
    if !still_wanted(&row, job) {
        if let Some(image) = found.and_then(|p| p.image_upload_id) {
            retire(ctx, image).await;
        }
        return Ok(false);
    }
    let changed = match found {
        Some(preview) => {
            let value = serde_json::to_value(&preview).unwrap_or_default();
            ctx.store.set_message_preview(row.id, Some(&value)).await?
        }
        None if row.preview.is_some() => ctx.store.set_message_preview(row.id, None).await?,
        None => false,
    };
    if changed {
        retire_image(ctx, &row).await;
        messages::announce_changed(ctx, row.id).await?;
    }
    Ok(changed)
}

/// Stores a preview's image as an upload of no room that belongs to the message (not an
/// attachment: read through the message's room while it lives, removed with it), re-encoded at
/// most 400x400 px without metadata. `None` when it is not an image we read.
pub async fn store_image(ctx: &Ctx, message_id: Id, bytes: Vec<u8>) -> AppResult<Option<Id>> {
    let Some(row) = ctx.store.get_message(message_id).await? else {
        return Ok(None);
    };
    let made = tokio::task::spawn_blocking(move || crate::media::thumbnail(&bytes))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("preview image task: {e}")))?;
    let image = match made {
        Ok((_, image)) => image,
        Err(err) => {
            tracing::info!(message = %message_id, error = %err, "a preview image was not usable");
            return Ok(None);
        }
    };
    let id = Id::new();
    let ext = if image.content_type == "image/png" {
        "png"
    } else {
        "jpg"
    };
    let size = i64::try_from(image.bytes.len()).unwrap_or(i64::MAX);
    let (width, height) = (image.width, image.height);
    let bytes = bytes::Bytes::from(image.bytes);
    let stream = futures::StreamExt::boxed(futures::stream::once(async move { Ok(bytes) }));
    ctx.storage
        .put_stream(&storage::upload_key(id), stream)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    ctx.store
        .insert_upload(NewUpload {
            id,
            user_id: row.author_id,
            room_id: None,
            name: format!("preview.{ext}"),
            size,
            content_type: image.content_type.to_owned(),
            created_at: crate::store::now(),
        })
        .await?;
    ctx.store.set_upload_message(id, message_id).await?;
    ctx.store
        .set_upload_image(
            id,
            i32::try_from(width).unwrap_or(i32::MAX),
            i32::try_from(height).unwrap_or(i32::MAX),
            None,
        )
        .await?;
    Ok(Some(id))
}

/// Retires the image of the preview `row` had before a change (the sweep removes its file).
async fn retire_image(ctx: &Ctx, row: &MessageRow) {
    if let Some(image) = stored(row).and_then(|p| p.image_upload_id) {
        retire(ctx, image).await;
    }
}

async fn retire(ctx: &Ctx, upload: Id) {
    if let Err(err) = ctx.store.retire_upload(upload).await {
        tracing::warn!(upload = %upload, error = %err, "a replaced preview image was not retired");
    }
}

/// Removes the preview of the actor's own message for good: the same URL is not previewed
/// again (an edit to another URL is). Answers the message.
pub async fn remove(ctx: &Ctx, actor: &Actor, message_id: Id) -> AppResult<MessageView> {
    let (message, _) = messages::message_with_access(ctx, actor, message_id, Action::Read).await?;
    if message.deleted_at.is_some() {
        return Err(AppError::not_found("message"));
    }
    if message.author_id != actor.id() {
        return Err(AppError::forbidden(
            "only the author removes a message's preview",
        ));
    }
    let url = stored(&message)
        .map(|p| p.url)
        .or_else(|| first_url(&message.body));
    let Some(url) = url else {
        return messages::view_one(ctx, actor, &message).await;
    };
    let marker = serde_json::to_value(StoredPreview::removed(&url)).unwrap_or_default();
    ctx.store
        .set_message_preview(message_id, Some(&marker))
        .await?;
    retire_image(ctx, &message).await;
    let row = ctx
        .store
        .get_message(message_id)
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    let view = messages::view_one(ctx, actor, &row).await?;
    ctx.events
        .publish(Event::MessageChanged(view.clone()))
        .await;
    Ok(view)
}
