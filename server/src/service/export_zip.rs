//! A room export with its files, as one zip streamed while it is written: `export.json` (the
//! JSON export) and `files/{attachmentId}-{name}` for each attachment of a live message. Stored
//! without compression (files are mostly compressed already), with data descriptors, so
//! nothing is held whole in memory. Plain zip (no zip64): an archive stops with an error past
//! 4 GiB.

use bytes::{BufMut, Bytes, BytesMut};
use futures::{SinkExt, StreamExt, channel::mpsc, stream::BoxStream};

use super::{Ctx, export::RoomExport};
use crate::storage;

/// The zip's bytes, as they are written.
pub type ZipStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// One entry's record for the central directory.
struct Entry {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
}

/// Writes the archive in a task of its own; the stream ends early with an error when a file
/// cannot be read (the client sees a broken download, not a silently incomplete one).
pub fn zip_export(ctx: &Ctx, export: &RoomExport) -> Result<ZipStream, serde_json::Error> {
    let json = serde_json::to_vec_pretty(export)?;
    let files: Vec<(crate::domain::Id, String)> = export
        .messages
        .iter()
        .flat_map(|m| m.attachments.iter())
        .map(|a| (a.id, a.name.clone()))
        .collect();
    let storage = ctx.storage.clone();
    let (mut tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        if let Err(err) = write(&storage, json, files, &mut tx).await {
            tracing::warn!(error = %err, "a zip export stopped half-way");
            let _gone = tx.send(Err(err)).await;
        }
    });
    Ok(rx.boxed())
}

fn too_big() -> std::io::Error {
    std::io::Error::other("the export is larger than 4 GiB (zip64 is not written)")
}

/// The archive being written: where it is, and what it holds so far.
struct Writer<'a> {
    tx: &'a mut mpsc::Sender<Result<Bytes, std::io::Error>>,
    offset: u64,
    entries: Vec<Entry>,
}

impl Writer<'_> {
    async fn write_out(&mut self, bytes: Bytes) -> Result<(), std::io::Error> {
        self.offset += bytes.len() as u64;
        self.tx
            .send(Ok(bytes))
            .await
            .map_err(|_| std::io::Error::other("the client went away"))
    }

    async fn entry(
        &mut self,
        name: String,
        mut stream: BoxStream<'static, Result<Bytes, storage::StorageError>>,
    ) -> Result<(), std::io::Error> {
        let offset = u32::try_from(self.offset).map_err(|_| too_big())?;
        self.write_out(local_header(&name)).await?;
        let mut crc = crc32fast::Hasher::new();
        let mut size: u64 = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(std::io::Error::other)?;
            crc.update(&chunk);
            size += chunk.len() as u64;
            self.write_out(chunk).await?;
        }
        let entry = Entry {
            name,
            crc: crc.finalize(),
            size: u32::try_from(size).map_err(|_| too_big())?,
            offset,
        };
        self.write_out(data_descriptor(&entry)).await?;
        self.entries.push(entry);
        Ok(())
    }
}

async fn write(
    storage: &storage::DynStorage,
    json: Vec<u8>,
    files: Vec<(crate::domain::Id, String)>,
    tx: &mut mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), std::io::Error> {
    let mut zip = Writer {
        tx,
        offset: 0,
        entries: Vec::new(),
    };
    let json = futures::stream::once(async move { Ok(Bytes::from(json)) }).boxed();
    zip.entry("export.json".to_owned(), json).await?;
    for (id, name) in files {
        // Opened when its turn comes: one file read at a time.
        let object = storage
            .get(&storage::upload_key(id), None)
            .await
            .map_err(std::io::Error::other)?;
        zip.entry(format!("files/{id}-{name}"), object.stream)
            .await?;
    }
    let directory_offset = u32::try_from(zip.offset).map_err(|_| too_big())?;
    let mut directory = BytesMut::new();
    for entry in &zip.entries {
        central_header(&mut directory, entry);
    }
    let count = u16::try_from(zip.entries.len()).map_err(|_| too_big())?;
    let directory_size = u32::try_from(directory.len()).map_err(|_| too_big())?;
    directory.put_u32_le(0x0605_4b50);
    directory.put_u16_le(0);
    directory.put_u16_le(0);
    directory.put_u16_le(count);
    directory.put_u16_le(count);
    directory.put_u32_le(directory_size);
    directory.put_u32_le(directory_offset);
    directory.put_u16_le(0);
    zip.write_out(directory.freeze()).await
}

/// Flags: sizes and CRC follow the data (bit 3), names are UTF-8 (bit 11).
const FLAGS: u16 = 0x0808;
/// 1980-01-01 00:00 in DOS time: entries carry no meaningful time (the JSON has them).
const DOS_DATE: u16 = (1 << 5) | 1;

fn local_header(name: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(30 + name.len());
    out.put_u32_le(0x0403_4b50);
    out.put_u16_le(20);
    out.put_u16_le(FLAGS);
    out.put_u16_le(0); // stored
    out.put_u16_le(0);
    out.put_u16_le(DOS_DATE);
    out.put_u32_le(0);
    out.put_u32_le(0);
    out.put_u32_le(0);
    out.put_u16_le(u16::try_from(name.len()).unwrap_or(u16::MAX));
    out.put_u16_le(0);
    out.put_slice(name.as_bytes());
    out.freeze()
}

fn data_descriptor(entry: &Entry) -> Bytes {
    let mut out = BytesMut::with_capacity(16);
    out.put_u32_le(0x0807_4b50);
    out.put_u32_le(entry.crc);
    out.put_u32_le(entry.size);
    out.put_u32_le(entry.size);
    out.freeze()
}

fn central_header(out: &mut BytesMut, entry: &Entry) {
    out.put_u32_le(0x0201_4b50);
    out.put_u16_le(20);
    out.put_u16_le(20);
    out.put_u16_le(FLAGS);
    out.put_u16_le(0);
    out.put_u16_le(0);
    out.put_u16_le(DOS_DATE);
    out.put_u32_le(entry.crc);
    out.put_u32_le(entry.size);
    out.put_u32_le(entry.size);
    out.put_u16_le(u16::try_from(entry.name.len()).unwrap_or(u16::MAX));
    out.put_u16_le(0);
    out.put_u16_le(0);
    out.put_u16_le(0);
    out.put_u16_le(0);
    out.put_u32_le(0);
    out.put_u32_le(entry.offset);
    out.put_slice(entry.name.as_bytes());
}
