//! Files: uploads into a room (streamed to storage with the size limit and the quota enforced
//! while they stream, the type detected from the content), their attachment to messages, the
//! download checks, a room's files panel, and the sweep that removes files nobody may see any
//! more (unattached uploads after a day, those of deleted messages and rooms).

use std::{
    collections::HashMap,
    ops::Range,
    sync::{Arc, Mutex, PoisonError},
};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};

use super::{Actor, Ctx, room_with_access};
use crate::{
    domain::{Id, policy::Action},
    error::{AppError, AppResult, Code},
    storage::{self, StorageError},
    store::{NewUpload, UploadRow},
    views::{AttachmentView, MessageView, RoomAttachmentView},
};

/// Attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = 10;
/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// How long an upload may wait for its message before the sweep removes it.
pub const UNATTACHED_TTL: chrono::Duration = chrono::Duration::days(1);
/// Bytes looked at to detect a file's type.
const SNIFF_BYTES: usize = 8 * 1024;
/// Uploads removed per sweep (the next sweep takes the rest).
pub const SWEEP_BATCH_SIZE: usize = 500;
const SWEEP_BATCH: i64 = SWEEP_BATCH_SIZE as i64;
/// Image types shown inline (everything else is downloaded as an attachment).
const INLINE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Fills in the attachments of these message views (one query for all of them).
pub async fn attach(ctx: &Ctx, views: &mut [MessageView]) -> AppResult<()> {
    let ids: Vec<Id> = views
        .iter()
        .filter(|v| v.deleted_at.is_none())
        .map(|v| v.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut by_message: HashMap<Id, Vec<AttachmentView>> = HashMap::new();
    for row in ctx.store.attachments_for(&ids).await? {
        if let Some(message_id) = row.message_id {
            by_message
                .entry(message_id)
                .or_default()
                .push(AttachmentView::new(&row));
        }
    }
    for view in views {
        if let Some(attachments) = by_message.remove(&view.id) {
            view.attachments = attachments;
        }
    }
    Ok(())
}

/// A file name as stored and shown: no directories, no control or bidi-override characters,
/// trimmed, at most [`MAX_NAME_CHARS`] characters (the extension kept), never empty.
pub fn sanitize_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let name = cleaned.trim().trim_start_matches('.').trim();
    if name.is_empty() {
        return "file".to_owned();
    }
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => (stem, ext),
        _ => (name, ""),
    };
    let keep = MAX_NAME_CHARS - ext.chars().count() - usize::from(!ext.is_empty());
    let stem: String = stem.chars().take(keep).collect();
    if ext.is_empty() {
        stem
    } else {
        format!("{stem}.{ext}")
    }
}

/// What the upload stream learned on its way to storage.
#[derive(Default)]
struct Inspection {
    /// The first bytes, for type detection.
    head: Vec<u8>,
    /// False once a byte sequence is not UTF-8 (or a NUL appears).
    text: bool,
    /// An incomplete UTF-8 sequence at the end of the last chunk.
    carry: Vec<u8>,
    /// Bytes seen.
    size: u64,
    /// Why the stream was stopped, for the client.
    refusal: Option<AppError>,
}

impl Inspection {
    fn feed(&mut self, chunk: &[u8]) {
        if self.head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if !self.text {
            return;
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        match std::str::from_utf8(&bytes) {
            Ok(s) => self.text = !s.contains('\0'),
            Err(err) if err.error_len().is_none() => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                self.text = !valid.contains(&0);
                self.carry = rest.to_vec();
            }
            Err(_) => self.text = false,
        }
    }

    /// The type of the content: a known binary signature, else text when it is all UTF-8
    /// (text that looks like HTML, XML or a script is plain text here: it is never rendered).
    fn content_type(&self) -> String {
        if let Some(kind) = infer::get(&self.head)
            && kind.matcher_type() != infer::MatcherType::Text
        {
            return kind.mime_type().to_owned();
        }
        if self.text && self.carry.is_empty() {
            "text/plain".to_owned()
        } else {
            "application/octet-stream".to_owned()
        }
    }
}

/// Stores a file uploaded by the actor into a room they may post in, streaming it (the size
/// limit and the actor's quota stop it as soon as they are passed; nothing of a stopped upload
/// stays in storage). The upload waits for a message to be attached to.
pub async fn upload<S>(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    file_name: &str,
    body: S,
) -> AppResult<AttachmentView>
where
    S: Stream<Item = Result<Bytes, String>> + Send + 'static,
{
    room_with_access(ctx, actor, room_id, Action::Post).await?;
    store_upload(ctx, actor, Some(room_id), file_name, body).await
}

/// [`upload`] without the room check (the caller has made it), for any owner (`room_id` is
/// `None` for files of no room).
pub async fn store_upload<S>(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Option<Id>,
    file_name: &str,
    body: S,
) -> AppResult<AttachmentView>
where
    S: Stream<Item = Result<Bytes, String>> + Send + 'static,
{
    super::spend(ctx, crate::ratelimit::Action::Upload, actor).await?;
    let max = ctx.settings.upload_max_bytes;
    let quota = ctx.settings.upload_quota_bytes;
    let (limit, quota_bound) = if quota == 0 {
        (max, false)
    } else {
        let used = u64::try_from(ctx.store.user_upload_bytes(actor.id()).await?).unwrap_or(0);
        let left = quota.saturating_sub(used);
        if left == 0 {
            return Err(quota_exceeded(quota));
        }
        (max.min(left), left < max)
    };
    let inspection = Arc::new(Mutex::new(Inspection {
        text: true,
        ..Inspection::default()
    }));
    let seen = Arc::clone(&inspection);
    let stream = body
        .map(move |chunk| {
            let mut state = seen.lock().unwrap_or_else(PoisonError::into_inner);
            let chunk = chunk.map_err(StorageError::Input)?;
            state.size += chunk.len() as u64;
            if state.size > limit {
                state.refusal = Some(if quota_bound {
                    quota_exceeded(quota)
                } else {
                    too_large(max)
                });
                return Err(StorageError::Input("size limit".into()));
            }
            state.feed(&chunk);
            Ok(chunk)
        })
        .boxed();
    let id = Id::new();
    let key = storage::upload_key(id);
    let stored = ctx.storage.put_stream(&key, stream).await;
    let (content_type, refusal) = {
        let mut state = inspection.lock().unwrap_or_else(PoisonError::into_inner);
        (state.content_type(), state.refusal.take())
    };
    let size = match stored {
        Ok(size) => size,
        Err(_) if refusal.is_some() => {
            return Err(refusal.unwrap_or_else(|| too_large(max)));
        }
        Err(StorageError::Input(why)) => {
            return Err(AppError::new(
                Code::BadRequest,
                format!("the upload did not arrive whole: {why}"),
            ));
        }
        Err(err) => return Err(AppError::Internal(anyhow::anyhow!(err))),
    };
    let row = NewUpload {
        id,
        user_id: actor.id(),
        room_id,
        name: sanitize_name(file_name),
        size: i64::try_from(size).unwrap_or(i64::MAX),
        content_type,
        created_at: crate::store::now(),
    };
    if let Err(err) = ctx.store.insert_upload(row.clone()).await {
        if let Err(gone) = ctx.storage.delete(&key).await {
            tracing::warn!(upload = %id, error = %gone, "removing the file of an unrecorded upload failed; the sweep cannot see it");
        }
        return Err(err.into());
    }
    // Images get their thumbnail from a background job, now that the upload is recorded.
    if let Err(err) = super::media::upload_committed(ctx, id, &row.content_type).await {
        tracing::error!(upload = %id, error = %err, "the thumbnail of an upload could not be queued");
    }
    metrics::counter!("switchboard_uploads_total").increment(1);
    metrics::counter!("switchboard_upload_bytes_total").increment(size);
    Ok(AttachmentView::new(&UploadRow {
        id: row.id,
        user_id: row.user_id,
        room_id: row.room_id,
        name: row.name,
        size: row.size,
        content_type: row.content_type,
        width: None,
        height: None,
        thumbnail_key: None,
        message_id: None,
        created_at: row.created_at,
        deleted_at: None,
    }))
}

fn too_large(max: u64) -> AppError {
    AppError::new(
        Code::PayloadTooLarge,
        format!("files may be at most {max} bytes"),
    )
}

fn quota_exceeded(quota: u64) -> AppError {
    AppError::new(
        Code::QuotaExceeded,
        format!("your files may take at most {quota} bytes; delete some first"),
    )
}

/// Checks the attachments of a send: at most [`MAX_ATTACHMENTS`], each an upload of the
/// actor in this room that is not attached to another message (one attached to the actor's
/// message with this client id passes: that is a retry of the same send). Duplicates count
/// once. Returns the ids in the order given.
pub async fn check_attachments(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    client_id: &str,
    ids: &[Id],
) -> AppResult<Vec<Id>> {
    let mut unique: Vec<Id> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    if unique.len() > MAX_ATTACHMENTS {
        return Err(AppError::new(
            Code::InvalidAttachment,
            format!("at most {MAX_ATTACHMENTS} attachments per message"),
        ));
    }
    if unique.is_empty() {
        return Ok(unique);
    }
    let rows = ctx.store.uploads_by_ids(&unique).await?;
    for id in &unique {
        let row = rows.iter().find(|r| r.id == *id);
        let valid = match row {
            Some(r) if r.user_id == actor.id() && r.room_id == Some(room_id) => {
                match r.message_id {
                    None => true,
                    Some(message_id) => ctx
                        .store
                        .get_message(message_id)
                        .await?
                        .is_some_and(|m| m.author_id == actor.id() && m.client_id == client_id),
                }
            }
            _ => false,
        };
        if !valid {
            return Err(AppError::new(
                Code::InvalidAttachment,
                format!("{id} is not an unattached upload of yours in this room"),
            ));
        }
    }
    Ok(unique)
}

/// A file to send: its record, and the bytes asked for.
pub struct Download {
    /// The upload.
    pub upload: UploadRow,
    /// The stored object (whole or the range asked for).
    pub object: storage::Object,
    /// The range served, when one was asked for.
    pub range: Option<Range<u64>>,
    /// The type to send it as.
    pub content_type: String,
    /// Whether browsers may show it inline (safe image types only).
    pub inline: bool,
}

/// Which bytes of a file a download wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Only the headers (the client's copy is current).
    Nothing,
    /// All of it.
    All,
    /// `bytes=start-end` (end inclusive, `None` = to the end).
    From(u64, Option<u64>),
    /// `bytes=-n`: the last n bytes.
    Last(u64),
}

/// Why a download was not served.
pub enum Refused {
    /// An error for the client (404 for anything the actor may not read).
    Error(AppError),
    /// The range lies outside the file of this size.
    Range(u64),
}

impl From<AppError> for Refused {
    fn from(err: AppError) -> Self {
        Self::Error(err)
    }
}

/// The upload `id` as the actor may see it: readers of its room, while its message lives;
/// an unattached upload only to its uploader. A file of no room is readable through the
/// message it belongs to (a link preview's image), if any. Anything else is "not found".
pub async fn readable_upload(ctx: &Ctx, actor: &Actor, id: Id) -> AppResult<UploadRow> {
    let upload = ctx
        .store
        .get_upload(id)
        .await?
        .ok_or_else(|| AppError::not_found("attachment"))?;
    let room_id = match (upload.room_id, upload.message_id) {
        (Some(room_id), _) => room_id,
        (None, Some(message_id)) => ctx
            .store
            .get_message(message_id)
            .await?
            .map(|m| m.room_id)
            .ok_or_else(|| AppError::not_found("attachment"))?,
        (None, None) => return Err(AppError::not_found("attachment")),
    };
    room_with_access(ctx, actor, room_id, Action::Read)
        .await
        .map_err(|e| match e.code() {
            Code::NotFound | Code::Forbidden | Code::NotMember => AppError::not_found("attachment"),
            _ => e,
        })?;
    match upload.message_id {
        None if upload.user_id != actor.id() => return Err(AppError::not_found("attachment")),
        None => {}
        Some(message_id) => {
            let live = ctx
                .store
                .get_message(message_id)
                .await?
                .is_some_and(|m| m.deleted_at.is_none());
            if !live {
                return Err(AppError::not_found("attachment"));
            }
        }
    }
    Ok(upload)
}

/// Opens an attachment (or its thumbnail) for the actor, checked on every request.
pub async fn download(
    ctx: &Ctx,
    actor: &Actor,
    id: Id,
    thumbnail: bool,
    want: Want,
) -> Result<Option<Download>, Refused> {
    let upload = readable_upload(ctx, actor, id).await?;
    let (key, content_type) = if thumbnail {
        let Some(key) = upload.thumbnail_key.clone() else {
            return Err(AppError::not_found("thumbnail").into());
        };
        let content_type = thumbnail_type(&key);
        (key, content_type)
    } else {
        (storage::upload_key(upload.id), upload.content_type.clone())
    };
    if want == Want::Nothing {
        return Ok(None);
    }
    let size = u64::try_from(upload.size).unwrap_or(0);
    let range = match want {
        Want::Nothing | Want::All => None,
        Want::From(start, end) if !thumbnail => {
            if start >= size {
                return Err(Refused::Range(size));
            }
            let end = end.map_or(size, |e| e.saturating_add(1).min(size));
            if end <= start {
                return Err(Refused::Range(size));
            }
            Some(start..end)
        }
        Want::Last(n) if !thumbnail => {
            if n == 0 || size == 0 {
                return Err(Refused::Range(size));
            }
            Some(size.saturating_sub(n)..size)
        }
        Want::From(..) | Want::Last(_) => None,
    };
    let object = match ctx.storage.get(&key, range.clone()).await {
        Ok(object) => object,
        Err(StorageError::NotFound) => return Err(AppError::not_found("attachment").into()),
        Err(StorageError::BadRange) => return Err(Refused::Range(size)),
        Err(err) => return Err(AppError::Internal(anyhow::anyhow!(err)).into()),
    };
    let inline = INLINE_TYPES.contains(&content_type.as_str());
    Ok(Some(Download {
        upload,
        object,
        range,
        content_type,
        inline,
    }))
}

/// The type of a thumbnail, from its key's extension (`.webp`, `.png`, `.jpg`).
fn thumbnail_type(key: &str) -> String {
    match key.rsplit_once('.').map(|(_, ext)| ext) {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "image/webp",
    }
    .to_owned()
}

/// A room's files panel: attachments of live messages, newest first.
pub async fn room_files(
    ctx: &Ctx,
    actor: &Actor,
    room_id: Id,
    before: Option<(DateTime<Utc>, Id)>,
    limit: i64,
) -> AppResult<Vec<RoomAttachmentView>> {
    room_with_access(ctx, actor, room_id, Action::Read).await?;
    let rows = ctx.store.room_attachments(room_id, before, limit).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some(RoomAttachmentView {
                attachment: AttachmentView::new(row),
                message_id: row.message_id?,
                author_id: row.user_id,
                created_at: row.created_at,
            })
        })
        .collect())
}

/// Removes the files nobody may see any more, as of `now`: uploads never attached within
/// [`UNATTACHED_TTL`], the files of messages deleted longer than the edit window ago, and those
/// of deleted rooms. The file goes first, then its row, so a failure is retried by the next
/// sweep. Returns how many uploads were removed.
pub async fn sweep(ctx: &Ctx, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let rows = ctx
        .store
        .sweepable_uploads(
            now - UNATTACHED_TTL,
            now - ctx.settings.edit_window,
            SWEEP_BATCH,
        )
        .await?;
    let mut removed = 0;
    for row in rows {
        let mut keys = vec![storage::upload_key(row.id)];
        keys.extend(row.thumbnail_key);
        let mut failed = false;
        for key in &keys {
            if let Err(err) = ctx.storage.delete(key).await {
                tracing::warn!(upload = %row.id, key, error = %err, "removing a file failed; retried at the next sweep");
                failed = true;
            }
        }
        if !failed && ctx.store.delete_upload_row(row.id).await? {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(
            uploads = removed,
            "files of unattached uploads and deleted messages removed"
        );
        metrics::counter!("switchboard_uploads_removed_total").increment(removed as u64);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_name("a\u{0}b\u{7}\nc.txt"), "abc.txt");
        assert_eq!(sanitize_name("evil\u{202E}fdp.exe"), "evilfdp.exe");
        assert_eq!(sanitize_name("  "), "file");
        assert_eq!(sanitize_name(".."), "file");
        assert_eq!(sanitize_name(".bashrc"), "bashrc");
        let long = format!("{}.png", "x".repeat(500));
        let name = sanitize_name(&long);
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with(".png"));
    }

    #[test]
    fn types_come_from_the_content() {
        let mut png = Inspection {
            text: true,
            ..Inspection::default()
        };
        png.feed(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        assert_eq!(png.content_type(), "image/png");
        let mut text = Inspection {
            text: true,
            ..Inspection::default()
        };
        // A multi-byte character split across chunks is still text.
        text.feed("grüß".as_bytes().split_at(3).0);
        text.feed("grüß".as_bytes().split_at(3).1);
        assert_eq!(text.content_type(), "text/plain");
        let mut binary = Inspection {
            text: true,
            ..Inspection::default()
        };
        binary.feed(&[0xff, 0xfe, 0x00, 0x41]);
        assert_eq!(binary.content_type(), "application/octet-stream");
    }
}
