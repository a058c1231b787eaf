//! Where evidence files are kept (docs/architecture.md, "Evidence files"): a folder on this
//! machine or a bucket of S3-compatible object storage, chosen by `storage.backend`. Either
//! way a file lives under its SHA-256 (`ab/abcdef…`), so the same bytes are stored once and a
//! file is never changed, only added and, at the end of its retention period, removed.

use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use secrecy::ExposeSecret;

use crate::config::{StorageBackend, StorageSettings};

/// Why a file could not be stored, read or removed.
#[derive(Debug, thiserror::Error)]
#[error("evidence storage: {0}")]
pub struct FileStoreError(#[from] object_store::Error);

/// The evidence files of the platform; cheap to clone.
#[derive(Clone, Debug)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

impl FileStore {
    /// The store `settings` choose; the folder (`evidence_dir`) is made when missing.
    pub fn from_settings(
        settings: &StorageSettings,
        evidence_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let inner: Arc<dyn ObjectStore> = match settings.backend {
            StorageBackend::Folder => {
                std::fs::create_dir_all(evidence_dir)?;
                // Synced to disk before the row that names it is committed.
                Arc::new(LocalFileSystem::new_with_prefix(evidence_dir)?.with_fsync(true))
            }
            StorageBackend::S3 => {
                let s3 = &settings.s3;
                let mut builder = AmazonS3Builder::new()
                    .with_region(&s3.region)
                    .with_bucket_name(&s3.bucket)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(s3.secret_access_key.expose_secret())
                    .with_virtual_hosted_style_request(s3.virtual_hosted_style);
                if !s3.endpoint.is_empty() {
                    // Config validation allows http:// only outside production.
                    builder = builder
                        .with_endpoint(&s3.endpoint)
                        .with_allow_http(s3.endpoint.starts_with("http://"));
                }
                let bucket = builder.build()?;
                let prefix = s3.prefix.trim_matches('/');
                if prefix.is_empty() {
                    Arc::new(bucket)
                } else {
                    Arc::new(PrefixStore::new(bucket, prefix))
                }
            }
        };
        Ok(Self { inner })
    }

    /// Where the file with hash `sha256` lives.
    fn key(sha256: &str) -> Path {
        Path::from(format!("{}/{sha256}", sha256.get(..2).unwrap_or("__")))
    }

    /// Stores `bytes` under their hash `sha256`; a file stored already stays as it is.
    /// Writing is atomic: a reader sees the whole file or none.
    pub async fn put(&self, sha256: &str, bytes: Bytes) -> Result<(), FileStoreError> {
        let key = Self::key(sha256);
        match self.inner.head(&key).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        self.inner.put(&key, PutPayload::from_bytes(bytes)).await?;
        Ok(())
    }

    /// The file with hash `sha256`; `None` once it has been removed.
    pub async fn get(&self, sha256: &str) -> Result<Option<Bytes>, FileStoreError> {
        match self.inner.get(&Self::key(sha256)).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes the file with hash `sha256`; one removed already is no error.
    pub async fn remove(&self, sha256: &str) -> Result<(), FileStoreError> {
        match self.inner.delete(&Self::key(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// [`Self::remove`] from synchronous code on a Tokio blocking thread (the retention sweep
    /// runs there, inside `Db::run`).
    pub fn remove_blocking(&self, sha256: &str) -> Result<(), FileStoreError> {
        tokio::runtime::Handle::current().block_on(self.remove(sha256))
    }
}
