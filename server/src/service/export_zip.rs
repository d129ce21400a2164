//! A room export with its files, as one zip streamed while it is written: `export.json` (the
//! JSON export) and `files/{attachmentId}-{name}` for each attachment of a live message. Stored
//! without compression (files are mostly compressed already), with data descriptors, so
//! nothing is held whole in memory. An entry of 4 GiB or more, an entry starting past 4 GiB,
//! and an archive of 65,535 entries or more get zip64 records (APPNOTE 4.3.9, 4.3.14, 4.5.3);
//! smaller archives stay plain zip, which every reader opens.

use bytes::{BufMut, Bytes, BytesMut};
use futures::{SinkExt, StreamExt, channel::mpsc, stream::BoxStream};

use super::{Ctx, export::RoomExport};
use crate::storage;

/// The zip's bytes, as they are written.
pub type ZipStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// Where plain zip fields end: values from these on go into zip64 records.
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// The first size or offset a 4-byte field cannot hold (`0xFFFF_FFFF` marks zip64).
    wide: u64,
    /// The first entry count a 2-byte field cannot hold (`0xFFFF` marks zip64).
    entries: usize,
}

const ZIP_LIMITS: Limits = Limits {
    wide: 0xFFFF_FFFF,
    entries: 0xFFFF,
};

/// One entry's record for the central directory.
struct Entry {
    name: String,
    crc: u32,
    size: u64,
    offset: u64,
    /// Its local header and data descriptor are zip64 (it is too large for 4-byte sizes).
    zip64: bool,
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

/// The archive being written: where it is, and what it holds so far.
struct Writer<'a> {
    tx: &'a mut mpsc::Sender<Result<Bytes, std::io::Error>>,
    offset: u64,
    entries: Vec<Entry>,
    limits: Limits,
}

impl<'a> Writer<'a> {
    fn new(tx: &'a mut mpsc::Sender<Result<Bytes, std::io::Error>>, limits: Limits) -> Self {
        Self {
            tx,
            offset: 0,
            entries: Vec::new(),
            limits,
        }
    }

    async fn write_out(&mut self, bytes: Bytes) -> Result<(), std::io::Error> {
        self.offset += bytes.len() as u64;
        self.tx
            .send(Ok(bytes))
            .await
            .map_err(|_| std::io::Error::other("the client went away"))
    }

    /// Writes one entry of `size` bytes (known before: zip64 or not is in its local header).
    async fn entry(
        &mut self,
        name: String,
        size: u64,
        mut stream: BoxStream<'static, Result<Bytes, storage::StorageError>>,
    ) -> Result<(), std::io::Error> {
        let zip64 = size >= self.limits.wide;
        let offset = self.offset;
        self.write_out(local_header(&name, zip64)).await?;
        let mut crc = crc32fast::Hasher::new();
        let mut written: u64 = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(std::io::Error::other)?;
            crc.update(&chunk);
            written += chunk.len() as u64;
            self.write_out(chunk).await?;
        }
        if written != size {
            return Err(std::io::Error::other(format!(
                "{name}: {written} bytes read, {size} expected"
            )));
        }
        let entry = Entry {
            name,
            crc: crc.finalize(),
            size,
            offset,
            zip64,
        };
        self.write_out(data_descriptor(&entry)).await?;
        self.entries.push(entry);
        Ok(())
    }

    /// Writes the central directory and the end records (zip64 ones when needed).
    async fn finish(mut self) -> Result<(), std::io::Error> {
        let limits = self.limits;
        let directory_offset = self.offset;
        let mut out = BytesMut::new();
        for entry in &self.entries {
            central_header(&mut out, entry, limits);
        }
        let directory_size = out.len() as u64;
        let count = self.entries.len();
        let zip64 = count >= limits.entries
            || directory_size >= limits.wide
            || directory_offset >= limits.wide;
        if zip64 {
            let record_offset = directory_offset + directory_size;
            out.put_u32_le(0x0606_4b50);
            out.put_u64_le(44); // the size of the rest of this record
            out.put_u16_le(45);
            out.put_u16_le(45);
            out.put_u32_le(0);
            out.put_u32_le(0);
            out.put_u64_le(count as u64);
            out.put_u64_le(count as u64);
            out.put_u64_le(directory_size);
            out.put_u64_le(directory_offset);
            // The locator: where the record above starts.
            out.put_u32_le(0x0706_4b50);
            out.put_u32_le(0);
            out.put_u64_le(record_offset);
            out.put_u32_le(1);
        }
        let count16 = if count >= limits.entries {
            u16::MAX
        } else {
            u16::try_from(count).unwrap_or(u16::MAX)
        };
        out.put_u32_le(0x0605_4b50);
        out.put_u16_le(0);
        out.put_u16_le(0);
        out.put_u16_le(count16);
        out.put_u16_le(count16);
        out.put_u32_le(narrow(directory_size, limits));
        out.put_u32_le(narrow(directory_offset, limits));
        out.put_u16_le(0);
        self.write_out(out.freeze()).await
    }
}

/// `value` in a 4-byte field: itself, or `0xFFFF_FFFF` when a zip64 record holds it.
fn narrow(value: u64, limits: Limits) -> u32 {
    if value >= limits.wide {
        u32::MAX
    } else {
        u32::try_from(value).unwrap_or(u32::MAX)
    }
}

async fn write(
    storage: &storage::DynStorage,
    json: Vec<u8>,
    files: Vec<(crate::domain::Id, String)>,
    tx: &mut mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), std::io::Error> {
    let mut zip = Writer::new(tx, ZIP_LIMITS);
    let json_size = json.len() as u64;
    let json = futures::stream::once(async move { Ok(Bytes::from(json)) }).boxed();
    zip.entry("export.json".to_owned(), json_size, json).await?;
    for (id, name) in files {
        // Opened when its turn comes: one file read at a time.
        let object = storage
            .get(&storage::upload_key(id), None)
            .await
            .map_err(std::io::Error::other)?;
        zip.entry(format!("files/{id}-{name}"), object.size, object.stream)
            .await?;
    }
    zip.finish().await
}

/// Flags: sizes and CRC follow the data (bit 3), names are UTF-8 (bit 11).
const FLAGS: u16 = 0x0808;
/// 1980-01-01 00:00 in DOS time: entries carry no meaningful time (the JSON has them).
const DOS_DATE: u16 = (1 << 5) | 1;
/// Version needed to extract: 2.0 (stored, data descriptors), 4.5 with zip64 fields.
fn version(zip64: bool) -> u16 {
    if zip64 { 45 } else { 20 }
}

fn local_header(name: &str, zip64: bool) -> Bytes {
    let mut out = BytesMut::with_capacity(50 + name.len());
    out.put_u32_le(0x0403_4b50);
    out.put_u16_le(version(zip64));
    out.put_u16_le(FLAGS);
    out.put_u16_le(0); // stored
    out.put_u16_le(0);
    out.put_u16_le(DOS_DATE);
    out.put_u32_le(0); // CRC and sizes: in the data descriptor
    let (size, extra) = if zip64 { (u32::MAX, 20) } else { (0, 0) };
    out.put_u32_le(size);
    out.put_u32_le(size);
    out.put_u16_le(u16::try_from(name.len()).unwrap_or(u16::MAX));
    out.put_u16_le(extra);
    out.put_slice(name.as_bytes());
    if zip64 {
        // Both sizes, zero here: the 8-byte ones follow the data (APPNOTE 4.5.3).
        out.put_u16_le(0x0001);
        out.put_u16_le(16);
        out.put_u64_le(0);
        out.put_u64_le(0);
    }
    out.freeze()
}

fn data_descriptor(entry: &Entry) -> Bytes {
    let mut out = BytesMut::with_capacity(24);
    out.put_u32_le(0x0807_4b50);
    out.put_u32_le(entry.crc);
    if entry.zip64 {
        out.put_u64_le(entry.size);
        out.put_u64_le(entry.size);
    } else {
        out.put_u32_le(u32::try_from(entry.size).unwrap_or(u32::MAX));
        out.put_u32_le(u32::try_from(entry.size).unwrap_or(u32::MAX));
    }
    out.freeze()
}

fn central_header(out: &mut BytesMut, entry: &Entry, limits: Limits) {
    let wide_size = entry.zip64 || entry.size >= limits.wide;
    let wide_offset = entry.offset >= limits.wide;
    // The zip64 extra field holds, in this order, only the values marked 0xFFFF_FFFF.
    let mut extra = BytesMut::new();
    if wide_size {
        extra.put_u64_le(entry.size);
        extra.put_u64_le(entry.size);
    }
    if wide_offset {
        extra.put_u64_le(entry.offset);
    }
    let zip64 = !extra.is_empty();
    out.put_u32_le(0x0201_4b50);
    out.put_u16_le(version(zip64));
    out.put_u16_le(version(zip64));
    out.put_u16_le(FLAGS);
    out.put_u16_le(0);
    out.put_u16_le(0);
    out.put_u16_le(DOS_DATE);
    out.put_u32_le(entry.crc);
    let size = if wide_size {
        u32::MAX
    } else {
        narrow(entry.size, limits)
    };
    out.put_u32_le(size);
    out.put_u32_le(size);
    out.put_u16_le(u16::try_from(entry.name.len()).unwrap_or(u16::MAX));
    out.put_u16_le(if zip64 {
        u16::try_from(extra.len() + 4).unwrap_or(u16::MAX)
    } else {
        0
    });
    out.put_u16_le(0);
    out.put_u16_le(0);
    out.put_u16_le(0);
    out.put_u32_le(0);
    out.put_u32_le(if wide_offset {
        u32::MAX
    } else {
        narrow(entry.offset, limits)
    });
    out.put_slice(entry.name.as_bytes());
    if zip64 {
        out.put_u16_le(0x0001);
        out.put_u16_le(u16::try_from(extra.len()).unwrap_or(u16::MAX));
        out.put_slice(&extra);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }
    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }
    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    /// Writes `files` with `limits` and returns the archive's bytes.
    async fn archive(limits: Limits, files: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let (tx, rx) = mpsc::channel(4);
        let files: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, b)| ((*n).to_owned(), b.clone()))
            .collect();
        let write = async move {
            let mut tx = tx;
            let mut zip = Writer::new(&mut tx, limits);
            for (name, bytes) in files {
                let size = bytes.len() as u64;
                let stream = futures::stream::once(async move { Ok(Bytes::from(bytes)) }).boxed();
                zip.entry(name, size, stream).await?;
            }
            zip.finish().await
        };
        let (written, chunks) = futures::join!(write, rx.collect::<Vec<_>>());
        written.unwrap();
        chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect()
    }

    /// What a reader finds: (zip64 end records present, entries as (name, bytes)), checked
    /// against the local headers, data descriptors and CRCs on the way.
    fn read_back(zip: &[u8]) -> (bool, Vec<(String, Vec<u8>)>) {
        let end = zip.len() - 22;
        assert_eq!(u32_at(zip, end), 0x0605_4b50, "end of central directory");
        let zip64 = end >= 20 && u32_at(zip, end - 20) == 0x0706_4b50;
        let (count, dir_size, dir_offset) = if zip64 {
            let record = usize::try_from(u64_at(zip, end - 20 + 8)).unwrap();
            assert_eq!(u32_at(zip, record), 0x0606_4b50, "zip64 end record");
            assert_eq!(u64_at(zip, record + 24), u64_at(zip, record + 32));
            (
                u64_at(zip, record + 32),
                u64_at(zip, record + 40),
                u64_at(zip, record + 48),
            )
        } else {
            (
                u64::from(u16_at(zip, end + 10)),
                u64::from(u32_at(zip, end + 12)),
                u64::from(u32_at(zip, end + 16)),
            )
        };
        let mut at = usize::try_from(dir_offset).unwrap();
        let mut out = Vec::new();
        for _ in 0..count {
            assert_eq!(u32_at(zip, at), 0x0201_4b50, "central header");
            let crc = u32_at(zip, at + 16);
            let (name_len, extra_len) = (
                usize::from(u16_at(zip, at + 28)),
                usize::from(u16_at(zip, at + 30)),
            );
            let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
            let extra = &zip[at + 46 + name_len..at + 46 + name_len + extra_len];
            let mut wide = extra
                .get(4..)
                .unwrap_or_default()
                .chunks(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()));
            let mut size = u64::from(u32_at(zip, at + 24));
            if size == u64::from(u32::MAX) {
                assert_eq!(u16_at(extra, 0), 0x0001, "zip64 extra field of {name}");
                size = wide.next().unwrap();
                assert_eq!(wide.next(), Some(size), "compressed size of {name}");
            }
            let mut offset = u64::from(u32_at(zip, at + 42));
            if offset == u64::from(u32::MAX) {
                offset = wide.next().unwrap();
            }
            // The local header, the data and the descriptor after it.
            let local = usize::try_from(offset).unwrap();
            assert_eq!(u32_at(zip, local), 0x0403_4b50, "local header of {name}");
            let local_extra = usize::from(u16_at(zip, local + 28));
            assert_eq!(&zip[local + 30..local + 30 + name_len], name.as_bytes());
            let data = local + 30 + name_len + local_extra;
            let size_usize = usize::try_from(size).unwrap();
            let bytes = zip[data..data + size_usize].to_vec();
            assert_eq!(crc32fast::hash(&bytes), crc, "crc of {name}");
            let descriptor = data + size_usize;
            assert_eq!(u32_at(zip, descriptor), 0x0807_4b50);
            assert_eq!(u32_at(zip, descriptor + 4), crc);
            let described = if local_extra > 0 {
                u64_at(zip, descriptor + 8)
            } else {
                u64::from(u32_at(zip, descriptor + 8))
            };
            assert_eq!(described, size, "descriptor of {name}");
            out.push((name, bytes));
            at += 46 + name_len + extra_len;
        }
        assert_eq!(at as u64, dir_offset + dir_size, "central directory size");
        (zip64, out)
    }

    fn files() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("export.json", b"{\"room\":1}".to_vec()),
            ("files/big.bin", (0..100u8).collect()),
            ("files/after.txt", b"past the limit".to_vec()),
        ]
    }

    #[tokio::test]
    async fn small_archives_stay_plain_zip() {
        let zip = archive(ZIP_LIMITS, &files()).await;
        let (zip64, entries) = read_back(&zip);
        assert!(!zip64);
        assert_eq!(
            entries,
            files()
                .into_iter()
                .map(|(n, b)| (n.to_owned(), b))
                .collect::<Vec<_>>()
        );
        assert!(!zip.windows(4).any(|w| w == [0x50, 0x4b, 0x06, 0x06]));
    }

    #[tokio::test]
    async fn zip64_records_past_the_limits() {
        // A 64-byte "4 GiB" and a 2-entry "65,535": the second file is too large for 4-byte
        // sizes, the third starts past the limit, and three entries are too many.
        let limits = Limits {
            wide: 64,
            entries: 2,
        };
        let zip = archive(limits, &files()).await;
        let (zip64, entries) = read_back(&zip);
        assert!(zip64, "zip64 end records");
        assert_eq!(
            entries,
            files()
                .into_iter()
                .map(|(n, b)| (n.to_owned(), b))
                .collect::<Vec<_>>()
        );
        let end = zip.len() - 22;
        assert_eq!(u16_at(&zip, end + 10), u16::MAX, "entry count marked");
        assert_eq!(u32_at(&zip, end + 16), u32::MAX, "directory offset marked");
        // The big entry's local header announces zip64 (version 4.5, extra field).
        let big = zip.windows(13).position(|w| w == b"files/big.bin").unwrap() - 30;
        assert_eq!(u16_at(&zip, big + 4), 45);
        assert_eq!(u16_at(&zip, big + 28), 20);
        // The small first entry stays plain.
        assert_eq!(u16_at(&zip, 4), 20);
    }
}
