//! Where uploaded files live: one [`Storage`] trait with two implementations, the local file
//! system ([`Local`], the default, under `data/files`) and any S3-compatible object store
//! ([`S3`], through `object_store`). Chosen by `STORAGE_URL`.
//!
//! Keys are ours, never a client's: `uploads/{uploadId}` for originals,
//! `thumbs/{uploadId}` for thumbnails, `avatars/{userId}/{size}-{version}` for avatars.
//! Bodies are streamed both ways: an upload is never held whole in memory.

use std::{ops::Range, sync::Arc};

use bytes::Bytes;
use futures::stream::BoxStream;

mod buffers;
mod local;
mod s3;

pub use local::Local;
pub use s3::S3;

/// A stream of file bytes (an upload's body, a download's).
pub type ByteStream = BoxStream<'static, Result<Bytes, StorageError>>;

/// A shared handle to the configured backend.
pub type DynStorage = Arc<dyn Storage>;

/// What can go wrong in a storage backend.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No object under that key.
    #[error("no such object")]
    NotFound,
    /// The range starts at or after the end of the object.
    #[error("range not satisfiable")]
    BadRange,
    /// The key is not one of ours (empty, absolute, or with `..`).
    #[error("invalid storage key {0:?}")]
    BadKey(String),
    /// The stream being stored failed (the client went away, or a limit stopped it); nothing
    /// was kept.
    #[error("the upload stream stopped: {0}")]
    Input(String),
    /// The backend failed.
    #[error("storage: {0}")]
    Backend(String),
}

/// Bytes of an object: its stream (of the whole object or of the range asked for) and the
/// object's total size.
pub struct Object {
    /// The bytes.
    pub stream: ByteStream,
    /// The size of the whole object.
    pub size: u64,
}

/// An object store for uploaded files.
#[async_trait::async_trait]
pub trait Storage: Send + Sync {
    /// Stores the stream under `key`, atomically: readers see the whole object or none, and a
    /// failing stream leaves nothing behind. Returns the size stored.
    async fn put_stream(&self, key: &str, stream: ByteStream) -> Result<u64, StorageError>;
    /// The object under `key`, or the bytes `range` of it (clamped to its end).
    async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<Object, StorageError>;
    /// The size of the object under `key`, `None` when there is none.
    async fn head(&self, key: &str) -> Result<Option<u64>, StorageError>;
    /// Deletes the object under `key`; deleting a missing object is not an error.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Backend name for logs: `local` or `s3`.
    fn backend(&self) -> &'static str;
    /// The directory of a local store (for `switchboard backup`), `None` for object stores.
    fn local_root(&self) -> Option<&std::path::Path> {
        None
    }
}

/// The key of an upload's original.
pub fn upload_key(upload_id: crate::domain::Id) -> String {
    format!("uploads/{upload_id}")
}

/// The key of an upload's thumbnail.
pub fn thumbnail_key(upload_id: crate::domain::Id) -> String {
    format!("thumbs/{upload_id}")
}

/// Checks that `key` is relative, non-empty and free of `.`/`..` segments and backslashes.
pub(crate) fn check_key(key: &str) -> Result<(), StorageError> {
    let ok = !key.is_empty()
        && !key.starts_with('/')
        && !key.contains('\\')
        && !key.contains('\0')
        && key
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..");
    if ok {
        Ok(())
    } else {
        Err(StorageError::BadKey(key.to_owned()))
    }
}

/// Opens the store `url` names: a path or `file://` URL (local), or
/// `s3://bucket?endpoint=...&region=...` with the given credentials.
pub fn open(
    url: &str,
    access_key_id: Option<&str>,
    secret_access_key: Option<&str>,
) -> Result<DynStorage, String> {
    if let Some(rest) = url.strip_prefix("s3://") {
        return S3::open(rest, access_key_id, secret_access_key).map(|s| Arc::new(s) as DynStorage);
    }
    let path = url.strip_prefix("file://").unwrap_or(url);
    if path.is_empty() || path.contains("://") {
        return Err("must be a directory, file:///path or s3://bucket?endpoint=...".into());
    }
    Ok(Arc::new(Local::new(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_store() {
        assert!(check_key("uploads/0190").is_ok());
        assert!(check_key("avatars/u/64-1").is_ok());
        for bad in ["", "/etc/passwd", "a/../b", "..", "a//b", "a\\b", "./a"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
