//! Files on the local disk, under one directory. A put writes to `.tmp/` in the same
//! directory and renames the finished file into place, so a reader never sees half a file and
//! a failed upload leaves nothing under its key.

use std::{
    io::{Read, Seek, SeekFrom},
    ops::Range,
    path::{Path, PathBuf},
    sync::Arc,
};

use bytes::Bytes;
use futures::StreamExt;
use tokio::{io::AsyncWriteExt, sync::mpsc::Sender};

use super::{ByteStream, Object, Storage, StorageError, buffers::Pool, check_key};

/// Chunks read ahead of what a download's response has sent: the disk (a blocking thread)
/// and the socket (the runtime) work at the same time, and a slow client holds at most this
/// many buffers plus the one being sent.
const READ_AHEAD: usize = 2;

/// A directory of files.
#[derive(Clone, Debug)]
pub struct Local {
    root: PathBuf,
    /// Read buffers of downloads, reused (see `storage::buffers`).
    buffers: Arc<Pool>,
}

impl Local {
    /// Files under `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            buffers: Arc::default(),
        }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

/// Opens the file at `path` and seeks to the start of `range`: the file, its size and the
/// bytes to send.
fn open_at(
    path: &Path,
    range: Option<Range<u64>>,
) -> Result<(std::fs::File, u64, u64), StorageError> {
    let mut file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let (start, end) = match range {
        None => (0, size),
        Some(r) if r.start >= size || r.start >= r.end => return Err(StorageError::BadRange),
        Some(r) => (r.start, r.end.min(size)),
    };
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    Ok((file, size, end - start))
}

/// Reads `left` bytes of `file` into pooled buffers, one blocking trip per buffer, and sends
/// them while the receiver (the response) keeps up; stops when it goes away.
async fn read_ahead(
    mut file: std::fs::File,
    mut left: u64,
    buffers: Arc<Pool>,
    tx: Sender<Result<Bytes, StorageError>>,
) {
    while left > 0 {
        // Wait for room first: nothing is read (and no buffer taken) for a stalled client.
        let Ok(permit) = tx.reserve().await else {
            return;
        };
        let pool = Arc::clone(&buffers);
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = pool.take();
            // Never more than the range, even if the file grows meanwhile.
            let want = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
            let read = fill(&mut file, &mut buf[..want]);
            (file, read.map(|n| pool.freeze(buf, n)))
        })
        .await;
        let chunk = match read {
            Ok((back, Ok(chunk))) if !chunk.is_empty() => {
                file = back;
                chunk
            }
            Ok((_, Ok(_))) => {
                permit.send(Err(StorageError::Backend(
                    "file shorter than its size".into(),
                )));
                return;
            }
            Ok((_, Err(err))) => {
                permit.send(Err(io(err)));
                return;
            }
            Err(join) => {
                permit.send(Err(StorageError::Backend(join.to_string())));
                return;
            }
        };
        left -= chunk.len() as u64;
        permit.send(Ok(chunk));
    }
}

/// Reads until `buf` is full or the file ends; the bytes read.
fn fill(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
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
        let (file, size, left) = tokio::task::spawn_blocking(move || open_at(&path, range))
            .await
            .map_err(|e| StorageError::Backend(e.to_string()))??;
        let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
        tokio::spawn(read_ahead(file, left, Arc::clone(&self.buffers), tx));
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::storage::buffers;

    async fn read_all(store: &Local, key: &str, range: Option<Range<u64>>) -> Vec<u8> {
        let object = store.get(key, range).await.unwrap();
        let chunks: Vec<Bytes> = object.stream.map(|c| c.unwrap()).collect().await;
        assert!(chunks.iter().all(|c| c.len() <= buffers::LARGE));
        chunks.concat()
    }

    #[tokio::test]
    async fn reads_span_several_buffers_and_ranges_cut_inside_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Local::new(dir.path());
        // Four buffers and a bit: the read-ahead runs past the channel's depth.
        let data: Vec<u8> = (0..4 * buffers::LARGE + 1_234)
            .map(|i| (i % 251) as u8)
            .collect();
        let body = futures::stream::iter(
            data.chunks(100_000)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>(),
        )
        .boxed();
        let size = store.put_stream("uploads/big", body).await.unwrap();
        assert_eq!(size, data.len() as u64);
        assert_eq!(read_all(&store, "uploads/big", None).await, data);
        let (from, to) = (buffers::LARGE as u64 - 7, 3 * buffers::LARGE as u64 + 11);
        assert_eq!(
            read_all(&store, "uploads/big", Some(from..to)).await,
            data[from as usize..to as usize]
        );
        // Clamped to the end; nothing past it.
        let tail = read_all(&store, "uploads/big", Some(size - 5..size + 100)).await;
        assert_eq!(tail, data[data.len() - 5..]);
        assert!(matches!(
            store.get("uploads/big", Some(size..size + 1)).await,
            Err(StorageError::BadRange)
        ));
        assert!(matches!(
            store.get("uploads/none", None).await,
            Err(StorageError::NotFound)
        ));
        // The buffers went back to the pool once the bytes were dropped.
        assert!(store.buffers.idle() > 0);
    }

    #[tokio::test]
    async fn a_dropped_download_stops_reading() {
        let dir = tempfile::tempdir().unwrap();
        let store = Local::new(dir.path());
        let data = vec![7u8; 8 * buffers::LARGE];
        let body = futures::stream::once(async move { Ok(Bytes::from(data)) }).boxed();
        store.put_stream("uploads/drop", body).await.unwrap();
        let mut object = store.get("uploads/drop", None).await.unwrap();
        let first = object.stream.next().await.unwrap().unwrap();
        assert_eq!(first.len(), buffers::LARGE);
        drop(first);
        drop(object);
        // The reader ends on its own and every buffer it took comes back; at most the
        // read-ahead plus the one being read were ever taken.
        let taken = store.buffers.allocated();
        assert!(taken <= READ_AHEAD + 2, "{taken} buffers taken");
        let started = std::time::Instant::now();
        while store.buffers.idle() < taken {
            assert!(started.elapsed().as_secs() < 10, "buffers not returned");
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}
