//! Files on the local disk, under one directory. A put writes to `.tmp/` in the same
//! directory and renames the finished file into place, so a reader never sees half a file and
//! a failed upload leaves nothing under its key.

use std::{
    io::SeekFrom,
    ops::Range,
    path::{Path, PathBuf},
};

use bytes::BytesMut;
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::{ByteStream, Object, Storage, StorageError, check_key};

/// Read buffer of a download. Larger reads (512 KiB) made downloads faster (753-970 MiB/s
/// against 676) but pushed glibc's mmap threshold up, so later upload buffers came from the
/// heap and stayed there: 15-18 MiB of growth during ten concurrent uploads instead of 10.7
/// (docs/benchmarks.md, 2026-12-05). 64 KiB stays under the threshold.
const CHUNK: usize = 64 * 1024;

/// A directory of files.
#[derive(Clone, Debug)]
pub struct Local {
    root: PathBuf,
}

impl Local {
    /// Files under `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

fn io(err: std::io::Error) -> StorageError {
    if err.kind() == std::io::ErrorKind::NotFound {
        StorageError::NotFound
    } else {
        StorageError::Backend(err.to_string())
    }
}

#[async_trait::async_trait]
impl Storage for Local {
    async fn put_stream(&self, key: &str, mut stream: ByteStream) -> Result<u64, StorageError> {
        let target = self.path(key)?;
        let tmp_dir = self.root.join(".tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(io)?;
        let tmp = tmp_dir.join(uuid::Uuid::new_v4().simple().to_string());
        let written = async {
            let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
            let mut size = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                file.write_all(&chunk).await.map_err(io)?;
                size += chunk.len() as u64;
            }
            file.sync_all().await.map_err(io)?;
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(io)?;
            }
            tokio::fs::rename(&tmp, &target).await.map_err(io)?;
            Ok(size)
        }
        .await;
        if written.is_err() {
            // Nothing of a failed upload stays behind (the file may not exist yet).
            let _gone = tokio::fs::remove_file(&tmp).await;
        }
        written
    }

    async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<Object, StorageError> {
        let path = self.path(key)?;
        let mut file = tokio::fs::File::open(&path).await.map_err(io)?;
        let size = file.metadata().await.map_err(io)?.len();
        let (start, end) = match range {
            None => (0, size),
            Some(r) if r.start >= size || r.start >= r.end => return Err(StorageError::BadRange),
            Some(r) => (r.start, r.end.min(size)),
        };
        file.seek(SeekFrom::Start(start)).await.map_err(io)?;
        // Never more than the range, even if the file grows meanwhile.
        let file = file.take(end - start);
        let stream =
            futures::stream::try_unfold((file, end - start), |(mut file, left)| async move {
                if left == 0 {
                    return Ok(None);
                }
                let want = usize::try_from(left.min(CHUNK as u64)).unwrap_or(CHUNK);
                // Uninitialised capacity: read_buf fills it without zeroing it first.
                let mut buf = BytesMut::with_capacity(want);
                let n = file.read_buf(&mut buf).await.map_err(io)?;
                if n == 0 {
                    return Err(StorageError::Backend("file shorter than its size".into()));
                }
                Ok(Some((buf.freeze(), (file, left - n as u64))))
            });
        Ok(Object {
            stream: stream.boxed(),
            size,
        })
    }

    async fn head(&self, key: &str) -> Result<Option<u64>, StorageError> {
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(meta) => Ok(Some(meta.len())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(io(err)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(io(err)),
        }
    }

    fn backend(&self) -> &'static str {
        "local"
    }

    fn local_root(&self) -> Option<&Path> {
        Some(&self.root)
    }
}
