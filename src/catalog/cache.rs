//! The last good catalog on disk, as fetched (bytes kept verbatim), with
//! what is needed to revalidate it. Files are replaced atomically (temp
//! file, fsync, rename, fsync of the folder): a crash mid-write leaves the
//! previous copy readable.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::model::Catalog;
use super::verify::CatalogKey;
use crate::net::{UrlPolicy, Validators};
use crate::store::write_atomic;

const CATALOG_FILE: &str = "catalog.json";
const META_FILE: &str = "catalog.meta.json";
const SIGNATURE_FILE: &str = "catalog.json.sig";

/// About the cached copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheMeta {
    /// Where the copy came from.
    pub url: String,
    pub validators: Validators,
    /// When the server last confirmed the copy (fetched or 304), Unix seconds.
    pub confirmed_at: u64,
    /// The highest catalog_version accepted: lower ones are rollbacks.
    pub highest_version: u64,
}

impl CacheMeta {
    pub fn confirmed(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.confirmed_at)
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A cached catalog, at most: the largest a catalog may be when fetched.
const MAX_CACHED_BYTES: u64 = 8 << 20;

pub struct CatalogCache {
    dir: PathBuf,
}

impl CatalogCache {
    pub fn new(dir: impl Into<PathBuf>) -> CatalogCache {
        CatalogCache { dir: dir.into() }
    }

    /// The cached catalog and its metadata, if both are present and valid
    /// (and, with a key, signed by it). A damaged cache is reported in the
    /// log and treated as absent.
    pub fn load(
        &self,
        policy: &UrlPolicy,
        key: Option<&CatalogKey>,
        roku: &super::RokuOptions,
    ) -> Option<(Catalog, CacheMeta)> {
        use crate::store::read_bounded;
        // Bounded reads that do not follow links: the cache is state too.
        let meta: CacheMeta = match read_bounded(&self.dir.join(META_FILE), 64 << 10) {
            Ok(b) => match serde_json::from_slice(&b) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(dir = %self.dir.display(), error = %e, "catalog cache metadata damaged; ignored");
                    return None;
                }
            },
            Err(_) => return None,
        };
        let bytes = read_bounded(&self.dir.join(CATALOG_FILE), MAX_CACHED_BYTES).ok()?;
        if let Some(key) = key {
            let sig = read_bounded(&self.dir.join(SIGNATURE_FILE), 1024).unwrap_or_default();
            if let Err(e) = key.verify(&bytes, &sig) {
                tracing::warn!(dir = %self.dir.display(), error = %e, "cached catalog not signed by the configured key; ignored");
                return None;
            }
        }
        // The cache holds what the server sent: a catalog or a Roku feed.
        match super::parse_any(&bytes, policy, roku) {
            Ok((c, _)) => Some((c, meta)),
            Err(problems) => {
                tracing::warn!(
                    dir = %self.dir.display(),
                    first = %problems[0],
                    "cached catalog no longer valid; ignored"
                );
                None
            }
        }
    }

    /// Replaces the cached copy. The catalog is written before its
    /// metadata: a crash between the two leaves new bytes with old
    /// validators, which only costs one full download.
    pub fn store(
        &self,
        bytes: &[u8],
        signature: Option<&[u8]>,
        meta: &CacheMeta,
    ) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        write_atomic(&self.dir, CATALOG_FILE, bytes)?;
        match signature {
            Some(sig) => write_atomic(&self.dir, SIGNATURE_FILE, sig)?,
            None => match std::fs::remove_file(self.dir.join(SIGNATURE_FILE)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
        }
        self.store_meta(meta)
    }

    pub fn store_meta(&self, meta: &CacheMeta) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let json = serde_json::to_vec_pretty(meta).map_err(std::io::Error::other)?;
        write_atomic(&self.dir, META_FILE, &json)
    }
}
