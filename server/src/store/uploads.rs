//! Uploaded files and their link to messages (an upload attached to a message is an
//! attachment). One query set for both databases.

use chrono::{DateTime, Utc};

use super::{StoreResult, both::impl_both};
use crate::domain::Id;

/// An uploaded file.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UploadRow {
    /// Id (also names the stored object: `uploads/{id}`).
    pub id: Id,
    /// Who uploaded it.
    pub user_id: Id,
    /// The room it was uploaded to (`None` for avatars and link preview images).
    pub room_id: Option<Id>,
    /// The sanitized file name.
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// The type detected from its content.
    pub content_type: String,
    /// Image width in pixels, once known.
    pub width: Option<i32>,
    /// Image height in pixels, once known.
    pub height: Option<i32>,
    /// The storage key of its thumbnail, once made.
    pub thumbnail_key: Option<String>,
    /// The message it is attached to.
    pub message_id: Option<Id>,
    /// Upload time.
    pub created_at: DateTime<Utc>,
    /// When it was marked deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// An upload to record (its file is stored already).
#[derive(Clone, Debug)]
pub struct NewUpload {
    /// Id.
    pub id: Id,
    /// Uploader.
    pub user_id: Id,
    /// Room.
    pub room_id: Option<Id>,
    /// Sanitized name.
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Detected type.
    pub content_type: String,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

/// An upload whose file is due for removal, and why.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SweepRow {
    /// The upload.
    pub id: Id,
    /// Its thumbnail's key, if any.
    pub thumbnail_key: Option<String>,
}

impl_both! {
    /// Uploads and attachments.
    pub trait UploadStore {
        /// Records an upload whose file is stored.
        async fn insert_upload(&self, upload: NewUpload) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO uploads (id, user_id, room_id, name, size, content_type, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            );
            let query = query
                .bind(upload.id)
                .bind(upload.user_id)
                .bind(upload.room_id)
                .bind(upload.name)
                .bind(upload.size)
                .bind(upload.content_type)
                .bind(upload.created_at);
            Self::execute(self.writer(), query).await?;
            Ok(())
        }

        /// One live upload.
        async fn get_upload(&self, id: Id) -> StoreResult<Option<UploadRow>> {
            let query = sqlx::query_as(
                "SELECT id, user_id, room_id, name, size, content_type, width, height, \
                 thumbnail_key, message_id, created_at, deleted_at \
                 FROM uploads WHERE id = $1 AND deleted_at IS NULL",
            );
            Self::fetch_optional_row(self.writer(), query.bind(id)).await
        }

        /// These live uploads (those that exist).
        async fn uploads_by_ids(&self, ids: &[Id]) -> StoreResult<Vec<UploadRow>> {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(
                "SELECT id, user_id, room_id, name, size, content_type, width, height, \
                 thumbnail_key, message_id, created_at, deleted_at \
                 FROM uploads WHERE deleted_at IS NULL AND id ",
                in_list!("$1")
            ));
            Self::fetch_all_rows(self.writer(), query.bind(Self::list(ids)?)).await
        }

        /// Attaches these uploads of `user_id` in `room_id` that are not attached yet to
        /// `message_id`; how many it attached (0 when a retry finds them attached already).
        async fn attach_uploads(
            &self,
            message_id: Id,
            ids: &[Id],
            user_id: Id,
            room_id: Id,
        ) -> StoreResult<u64> {
            if ids.is_empty() {
                return Ok(0);
            }
            let query = sqlx::query(concat!(
                "UPDATE uploads SET message_id = $1 \
                 WHERE message_id IS NULL AND deleted_at IS NULL AND user_id = $2 \
                 AND room_id = $3 AND id ",
                in_list!("$4")
            ));
            let query = query
                .bind(message_id)
                .bind(user_id)
                .bind(room_id)
                .bind(Self::list(ids)?);
            Self::execute(self.writer(), query).await
        }

        /// The attachments of these messages, in upload order (one query for a page). Files
        /// of no room that belong to a message (a link preview's image) are not attachments.
        async fn attachments_for(&self, message_ids: &[Id]) -> StoreResult<Vec<UploadRow>> {
            if message_ids.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(
                "SELECT id, user_id, room_id, name, size, content_type, width, height, \
                 thumbnail_key, message_id, created_at, deleted_at \
                 FROM uploads WHERE deleted_at IS NULL AND room_id IS NOT NULL AND message_id ",
                in_list!("$1"),
                " ORDER BY created_at, id"
            ));
            Self::fetch_all_rows(self.reader(), query.bind(Self::list(message_ids)?)).await
        }

        /// A room's attachments on live messages, newest first, before a (time, id) cursor.
        async fn room_attachments(
            &self,
            room_id: Id,
            before: Option<(DateTime<Utc>, Id)>,
            limit: i64,
        ) -> StoreResult<Vec<UploadRow>> {
            let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id)));
            let query = sqlx::query_as(
                "SELECT u.id, u.user_id, u.room_id, u.name, u.size, u.content_type, u.width, \
                 u.height, u.thumbnail_key, u.message_id, u.created_at, u.deleted_at \
                 FROM uploads u JOIN messages m ON m.id = u.message_id \
                 WHERE u.room_id = $1 AND u.deleted_at IS NULL AND m.deleted_at IS NULL \
                 AND ($2 IS NULL OR u.created_at < $2 OR (u.created_at = $2 AND u.id < $3)) \
                 ORDER BY u.created_at DESC, u.id DESC LIMIT $4",
            );
            let query = query.bind(room_id).bind(at).bind(id).bind(limit);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// Bytes of the files a user keeps stored (attached or not).
        async fn user_upload_bytes(&self, user_id: Id) -> StoreResult<i64> {
            let query = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM uploads \
                 WHERE user_id = $1 AND deleted_at IS NULL",
            );
            Self::fetch_one_value(self.writer(), query.bind(user_id)).await
        }

        /// Uploads whose files are due for removal: in a room but never attached and
        /// uploaded before `unattached_before`; attached to a message deleted before
        /// `deleted_before`, or to one that no longer exists (its room was deleted).
        async fn sweepable_uploads(
            &self,
            unattached_before: DateTime<Utc>,
            deleted_before: DateTime<Utc>,
            limit: i64,
        ) -> StoreResult<Vec<SweepRow>> {
            let query = sqlx::query_as(
                "SELECT u.id, u.thumbnail_key FROM uploads u \
                 WHERE (u.message_id IS NULL AND u.room_id IS NOT NULL AND u.created_at < $1) \
                 OR (u.message_id IS NOT NULL AND NOT EXISTS \
                     (SELECT 1 FROM messages m WHERE m.id = u.message_id \
                      AND (m.deleted_at IS NULL OR m.deleted_at >= $2))) \
                 OR u.deleted_at IS NOT NULL \
                 LIMIT $3",
            );
            let query = query.bind(unattached_before).bind(deleted_before).bind(limit);
            Self::fetch_all_rows(self.writer(), query).await
        }

        /// Forgets an upload whose files are gone.
        async fn delete_upload_row(&self, id: Id) -> StoreResult<bool> {
            let query = sqlx::query("DELETE FROM uploads WHERE id = $1");
            Ok(Self::execute(self.writer(), query.bind(id)).await? > 0)
        }
    }
}
