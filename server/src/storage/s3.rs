//! Any S3-compatible object store (AWS S3, MinIO, R2, ...) through `object_store`. A put is a
//! multipart upload of 5 MiB parts (two in flight at most), completed only when the stream
//! ended well and aborted otherwise, so an object appears whole or not at all.

use std::ops::Range;

use futures::StreamExt;
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart, aws::AmazonS3Builder,
    path::Path,
};

use super::{ByteStream, Object, Storage, StorageError, check_key};

/// Size of one part of a multipart upload (S3's minimum for all but the last).
const PART: usize = 5 * 1024 * 1024;
/// Parts uploading at once.
const PARTS_IN_FLIGHT: usize = 2;

/// A bucket.
#[derive(Debug)]
pub struct S3 {
    store: object_store::aws::AmazonS3,
}

fn backend(err: object_store::Error) -> StorageError {
    match err {
        object_store::Error::NotFound { .. } => StorageError::NotFound,
        other => StorageError::Backend(other.to_string()),
    }
}

impl S3 {
    /// Opens `bucket?endpoint=...&region=...` (the part of `s3://...` after the scheme).
    pub fn open(
        rest: &str,
        access_key_id: Option<&str>,
        secret_access_key: Option<&str>,
    ) -> Result<Self, String> {
        let (bucket, query) = rest.split_once('?').unwrap_or((rest, ""));
        let bucket = bucket.trim_end_matches('/');
        if bucket.is_empty() || bucket.contains('/') {
            return Err("must name a bucket: s3://bucket?endpoint=...&region=...".into());
        }
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region("us-east-1");
        for (name, value) in serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map_err(|e| format!("bad query: {e}"))?
        {
            builder = match name.as_str() {
                "endpoint" => builder
                    .with_allow_http(value.starts_with("http://"))
                    .with_endpoint(value),
                "region" => builder.with_region(value),
                "virtualHosted" | "virtual_hosted" => {
                    builder.with_virtual_hosted_style_request(value == "true")
                }
                other => return Err(format!("unknown parameter {other}")),
            };
        }
        match (access_key_id, secret_access_key) {
            (Some(id), Some(secret)) => {
                builder = builder
                    .with_access_key_id(id)
                    .with_secret_access_key(secret);
            }
            (None, None) => {}
            _ => {
                return Err(
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together".into(),
                );
            }
        }
        let store = builder.build().map_err(|e| e.to_string())?;
        Ok(Self { store })
    }
}

#[async_trait::async_trait]
impl Storage for S3 {
    async fn put_stream(&self, key: &str, mut stream: ByteStream) -> Result<u64, StorageError> {
        check_key(key)?;
        let path = Path::from(key);
        let upload = self.store.put_multipart(&path).await.map_err(backend)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut size = 0u64;
        let written: Result<(), StorageError> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(backend)?;
                size += chunk.len() as u64;
                writer.put(chunk);
            }
            Ok(())
        }
        .await;
        match written {
            Ok(()) => {
                writer.finish().await.map_err(backend)?;
                Ok(size)
            }
            Err(err) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(key, error = %abort, "aborting a multipart upload failed");
                }
                Err(err)
            }
        }
    }

    async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<Object, StorageError> {
        check_key(key)?;
        let path = Path::from(key);
        let options = match &range {
            None => GetOptions::default(),
            Some(r) => {
                // object_store refuses ranges past the end; check against the size first.
                let size = self.store.head(&path).await.map_err(backend)?.size;
                if r.start >= size || r.start >= r.end {
                    return Err(StorageError::BadRange);
                }
                GetOptions {
                    range: Some(GetRange::Bounded(r.start..r.end.min(size))),
                    ..GetOptions::default()
                }
            }
        };
        let result = self.store.get_opts(&path, options).await.map_err(backend)?;
        let size = result.meta.size;
        let stream = result
            .into_stream()
            .map(|chunk| chunk.map_err(backend))
            .boxed();
        Ok(Object { stream, size })
    }

    async fn head(&self, key: &str) -> Result<Option<u64>, StorageError> {
        check_key(key)?;
        match self.store.head(&Path::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(backend(err)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        check_key(key)?;
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(backend(err)),
        }
    }

    fn backend(&self) -> &'static str {
        "s3"
    }
}
