//! What image processing records: an upload's size in pixels and its thumbnail, and the
//! version of a user's avatar. One query set for both databases.

use super::{StoreResult, both::impl_both};
use crate::domain::Id;

impl_both! {
    /// Thumbnails and avatars.
    pub trait MediaStore {
        /// Records an image upload's size and thumbnail; false when the upload is gone.
        async fn set_upload_image(
            &self,
            id: Id,
            width: i32,
            height: i32,
            thumbnail_key: Option<&str>,
        ) -> StoreResult<bool> {
            let query = sqlx::query(
                "UPDATE uploads SET width = $2, height = $3, thumbnail_key = $4 \
                 WHERE id = $1 AND deleted_at IS NULL",
            );
            let query = query.bind(id).bind(width).bind(height).bind(thumbnail_key);
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// Makes an upload of no room belong to `message_id` (a link preview's image: read
        /// through the message's room, removed with the message, not one of its attachments).
        async fn set_upload_message(&self, id: Id, message_id: Id) -> StoreResult<()> {
            let query = sqlx::query(
                "UPDATE uploads SET message_id = $2 WHERE id = $1 AND room_id IS NULL",
            );
            Self::execute(self.writer(), query.bind(id).bind(message_id)).await?;
            Ok(())
        }

        /// Marks an upload deleted (the file sweep removes its files and row).
        async fn retire_upload(&self, id: Id) -> StoreResult<()> {
            let query = sqlx::query(
                "UPDATE uploads SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
            );
            Self::execute(self.writer(), query.bind(id).bind(crate::store::now())).await?;
            Ok(())
        }

        /// The version of a user's avatar (`None`: none); `Ok(None)` too for no such user.
        async fn avatar_version(&self, user_id: Id) -> StoreResult<Option<i64>> {
            let query = sqlx::query_scalar("SELECT avatar_version FROM users WHERE id = $1");
            let version: Option<Option<i64>> =
                Self::fetch_optional_value(self.writer(), query.bind(user_id)).await?;
            Ok(version.flatten())
        }

        /// Sets (or with `None` clears) a user's avatar version; false for no such user.
        async fn set_avatar_version(&self, user_id: Id, version: Option<i64>) -> StoreResult<bool> {
            let query = sqlx::query("UPDATE users SET avatar_version = $2 WHERE id = $1");
            Ok(Self::execute(self.writer(), query.bind(user_id).bind(version)).await? > 0)
        }
    }
}
