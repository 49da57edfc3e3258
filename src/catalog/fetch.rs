//! Fetching the catalog over HTTPS with the process's network stack (rustls,
//! retries with backoff, size cap), revalidating the cached copy with
//! ETag / Last-Modified, and falling back to the last good catalog
//! whenever the new one is unreachable, broken, oversized or a rollback.

use std::path::PathBuf;
use std::time::SystemTime;

use url::Url;

use super::cache::{CacheMeta, CatalogCache, now_secs};
use super::floor::Floors;
use super::model::Catalog;
use super::roku::RokuOptions;
use super::validate::Problem;
use super::verify::{CatalogKey, SignatureError, signature_url};
use crate::net::{FetchStats, Fetched, Net, NetError, Validators};

const FLOOR_FILE: &str = "catalog-floors.json";

#[derive(Debug, Clone)]
pub struct CatalogConfig {
    pub url: String,
    /// Where the last good catalog is kept.
    pub cache_dir: PathBuf,
    /// Largest catalog accepted.
    pub max_bytes: usize,
    /// Ed25519 public key (32 bytes, base64): when set, only catalogs with a
    /// valid `<url>.sig` are accepted.
    pub public_key: Option<String>,
    /// For Roku Direct Publisher feeds, which load directly.
    pub roku: RokuOptions,
    /// The rollback floors (highest `catalog_version` accepted per catalog
    /// key, or URL when unsigned): kept apart from the cache, so that
    /// clearing the cache does not clear them. Default: beside the cache
    /// folder, `catalog-floors.json`.
    pub floor_file: PathBuf,
}

impl CatalogConfig {
    pub fn new(url: impl Into<String>, cache_dir: impl Into<PathBuf>) -> CatalogConfig {
        let cache_dir: PathBuf = cache_dir.into();
        let floor_file = match cache_dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.join(FLOOR_FILE),
            _ => PathBuf::from(FLOOR_FILE),
        };
        CatalogConfig {
            url: url.into(),
            cache_dir,
            max_bytes: 8 << 20,
            public_key: None,
            roku: RokuOptions::default(),
            floor_file,
        }
    }
}

/// Where the catalog in hand came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadedFrom {
    /// Downloaded now.
    Network,
    /// The server said the cached copy is current (304).
    Revalidated,
    /// The cached copy, because the server's could not be used.
    Cache,
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub catalog: Catalog,
    pub from: LoadedFrom,
    /// For a cached copy the server did not confirm: since when it may be out of date.
    pub stale_since: Option<SystemTime>,
    /// Why the server's catalog was not used, when it was not.
    pub problem: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog URL: {0}")]
    Url(String),
    #[error("catalog unreachable and none cached: {0}")]
    Unreachable(#[source] NetError),
    #[error("catalog invalid and none cached: {}", first_problems(.0))]
    Invalid(Vec<Problem>),
    #[error("catalog refused and none cached: {0}")]
    Refused(Refusal),
    #[error("catalog key: {0}")]
    Key(#[source] SignatureError),
    #[error("no catalog taken: {0}")]
    Floors(#[from] super::floor::FloorError),
}

/// Why a catalog the server sent is not taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("the server answered 304 to a request without validators")]
    NotModifiedUnasked,
    #[error("unsigned catalog refused: {0}")]
    Unsigned(#[source] NetError),
    #[error("catalog refused: {0}")]
    BadSignature(#[source] SignatureError),
    #[error("rollback refused: catalog_version {version} is lower than {highest} already seen")]
    Rollback { version: u64, highest: u64 },
}

fn first_problems(p: &[Problem]) -> String {
    let mut s = p
        .iter()
        .take(3)
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    if p.len() > 3 {
        s.push_str(&format!(" (and {} more)", p.len() - 3));
    }
    s
}

pub struct CatalogLoader {
    url: Url,
    net: Net,
    cache: CatalogCache,
    key: Option<CatalogKey>,
    floors: Floors,
    /// This catalog's entry in the floors: its key, else its URL.
    floor_id: String,
    config: CatalogConfig,
}

impl CatalogLoader {
    /// Fetches through `net`, under its URL policy and pins.
    pub fn new(config: CatalogConfig, net: Net) -> Result<CatalogLoader, CatalogError> {
        let url = net
            .policy()
            .parse(&config.url)
            .map_err(|e| CatalogError::Url(e.to_string()))?;
        let key = config
            .public_key
            .as_deref()
            .map(CatalogKey::from_base64)
            .transpose()
            .map_err(CatalogError::Key)?;
        let floor_id = match &config.public_key {
            Some(k) => format!("key:{}", k.trim()),
            None => format!("url:{url}"),
        };
        Ok(CatalogLoader {
            url,
            net,
            cache: CatalogCache::new(config.cache_dir.clone()),
            key,
            floors: Floors::new(config.floor_file.clone()),
            floor_id,
            config,
        })
    }

    /// The cached catalog and its metadata, if valid, of this URL, and not
    /// below the rollback floor (an older copy put in the cache's place).
    fn cache_entry(&self) -> Option<(Catalog, CacheMeta)> {
        let floor = match self.floors.get(&self.floor_id) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "cached catalog not used");
                return None;
            }
        };
        self.cache
            .load(self.net.policy(), self.key.as_ref(), &self.config.roku)
            .filter(|(_, meta)| meta.url == self.url.as_str())
            .filter(|(catalog, _)| {
                let ok = catalog.catalog_version >= floor;
                if !ok {
                    tracing::warn!(
                        version = catalog.catalog_version,
                        floor,
                        "cached catalog older than one already accepted; ignored"
                    );
                }
                ok
            })
    }

    /// The last good catalog of this URL from the cache, without touching
    /// the network: what to show while [`load`](Self::load) runs.
    pub fn cached(&self) -> Option<Loaded> {
        let (catalog, meta) = self.cache_entry()?;
        return_freed_memory();
        Some(self.guarded(Loaded {
            catalog,
            from: LoadedFrom::Cache,
            stale_since: Some(meta.confirmed()),
            problem: None,
        }))
    }

    /// The catalog to show: the server's if it is reachable, valid and not a
    /// rollback, else the last good one (marked stale), else an error.
    pub async fn load(&self) -> Result<Loaded, CatalogError> {
        self.fetch_latest().await.map(|l| self.guarded(l))
    }

    /// An unsigned catalog (no key configured) cannot name the unlock API
    /// a box sends its token and purchases to: anyone on the path could
    /// change it. Its `unlock_api` is dropped, except on loopback (the
    /// built-in demo, a developer's machine).
    fn guarded(&self, mut loaded: Loaded) -> Loaded {
        if self.key.is_some() {
            return loaded;
        }
        if let Some(api) = &loaded.catalog.unlock_api {
            let loopback = url::Url::parse(&api.url).is_ok_and(|u| match u.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            });
            if !loopback {
                tracing::warn!(
                    api = api.url,
                    "unsigned catalog names an unlock API: ignored (sign the catalog, docs/catalog.md)"
                );
                loaded.catalog.unlock_api = None;
            }
        }
        loaded
    }

    async fn fetch_latest(&self) -> Result<Loaded, CatalogError> {
        // Floors that cannot be read take no catalog at all.
        self.floors.get(&self.floor_id)?;
        let policy = *self.net.policy();
        let cached = self.cache_entry();
        let held = cached
            .as_ref()
            .map(|(_, m)| m.validators.clone())
            .unwrap_or_default();
        let stats = FetchStats::default();
        let answer = self
            .net
            .fetcher()
            .get_if_changed("catalog", &self.url, &held, self.config.max_bytes, &stats)
            .await;
        let fallback = |problem: String| -> Option<Loaded> {
            let (catalog, meta) = cached.clone()?;
            tracing::warn!(url = %self.url, %problem, "using the cached catalog");
            Some(Loaded {
                catalog,
                from: LoadedFrom::Cache,
                stale_since: Some(meta.confirmed()),
                problem: Some(problem),
            })
        };
        match answer {
            Ok(Fetched::NotModified) => match &cached {
                Some((catalog, meta)) => {
                    let meta = CacheMeta {
                        confirmed_at: now_secs(),
                        ..meta.clone()
                    };
                    if let Err(e) = self.cache.store_meta(&meta) {
                        tracing::warn!(error = %e, "cannot update the catalog cache");
                    }
                    Ok(Loaded {
                        catalog: catalog.clone(),
                        from: LoadedFrom::Revalidated,
                        stale_since: None,
                        problem: None,
                    })
                }
                None => Err(CatalogError::Refused(Refusal::NotModifiedUnasked)),
            },
            Ok(Fetched::Body { bytes, validators }) => {
                let signature = match self.check_signature(&bytes, &stats).await {
                    Ok(sig) => sig,
                    Err(why) => {
                        return fallback(why.to_string()).ok_or(CatalogError::Refused(why));
                    }
                };
                let parsed = super::parse_any(&bytes, &policy, &self.config.roku);
                return_freed_memory();
                match parsed {
                    Ok((catalog, warnings)) => {
                        for w in &warnings {
                            tracing::warn!(url = %self.url, warning = %w, "Roku feed");
                        }
                        self.accept(
                            catalog,
                            &bytes,
                            signature.as_deref(),
                            validators,
                            cached.as_ref(),
                            fallback,
                        )
                    }
                    Err(problems) => {
                        let why = format!("new catalog invalid: {}", first_problems(&problems));
                        fallback(why).ok_or(CatalogError::Invalid(problems))
                    }
                }
            }
            Err(e) => fallback(e.to_string()).ok_or(CatalogError::Unreachable(e)),
        }
    }

    /// With a key configured: the signature, fetched and checked over
    /// `bytes`; an unsigned or tampered catalog is an error.
    async fn check_signature(
        &self,
        bytes: &[u8],
        stats: &FetchStats,
    ) -> Result<Option<Vec<u8>>, Refusal> {
        match &self.key {
            Some(key) => verify_remote(&self.net, &self.url, key, bytes, stats)
                .await
                .map(Some),
            None => Ok(None),
        }
    }

    fn accept(
        &self,
        catalog: Catalog,
        bytes: &[u8],
        signature: Option<&[u8]>,
        validators: Validators,
        cached: Option<&(Catalog, CacheMeta)>,
        fallback: impl Fn(String) -> Option<Loaded>,
    ) -> Result<Loaded, CatalogError> {
        let highest = cached
            .map(|(_, m)| m.highest_version)
            .unwrap_or(0)
            .max(self.floors.get(&self.floor_id)?);
        if catalog.catalog_version < highest {
            let why = Refusal::Rollback {
                version: catalog.catalog_version,
                highest,
            };
            return fallback(why.to_string()).ok_or(CatalogError::Refused(why));
        }
        let meta = CacheMeta {
            url: self.url.to_string(),
            validators,
            confirmed_at: now_secs(),
            highest_version: catalog.catalog_version.max(highest),
        };
        if let Err(e) = self.cache.store(bytes, signature, &meta) {
            // Still usable now; the next start may be offline without it.
            tracing::warn!(error = %e, dir = %self.config.cache_dir.display(), "cannot write the catalog cache");
        }
        // After the cache: a crash between the two leaves a floor below the
        // cached copy, which hides nothing.
        if let Err(e) = self.floors.raise(&self.floor_id, catalog.catalog_version) {
            tracing::warn!(error = %e, file = %self.config.floor_file.display(), "cannot record the rollback floor");
        }
        Ok(Loaded {
            catalog,
            from: LoadedFrom::Network,
            stale_since: None,
            problem: None,
        })
    }
}

/// Gives the memory freed after a catalog parse back to the system. A
/// large catalog takes three times its final size while it is parsed
/// (serde buffers every object with unknown fields kept); glibc keeps what
/// is freed in its arenas, so without this the peak would stay resident.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages; any thread may call it.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Fetches `<url>.sig` and checks it over `bytes`: the signature, or why
/// the catalog is refused.
async fn verify_remote(
    net: &Net,
    url: &Url,
    key: &CatalogKey,
    bytes: &[u8],
    stats: &FetchStats,
) -> Result<Vec<u8>, Refusal> {
    let sig = net
        .fetcher()
        .get("catalog signature", &signature_url(url), None, 4096, stats)
        .await
        .map_err(Refusal::Unsigned)?;
    key.verify(bytes, &sig).map_err(Refusal::BadSignature)?;
    Ok(sig.to_vec())
}

/// One fetch of the catalog at `url`, its signature checked when `key` is
/// given, without the cache: what `pillarbox catalog check` and `probe` use.
pub async fn fetch_verified(
    net: &Net,
    url: &Url,
    key: Option<&CatalogKey>,
    max_bytes: usize,
) -> Result<bytes::Bytes, CatalogError> {
    let stats = FetchStats::default();
    let bytes = net
        .fetcher()
        .get("catalog", url, None, max_bytes, &stats)
        .await
        .map_err(CatalogError::Unreachable)?;
    if let Some(key) = key {
        verify_remote(net, url, key, &bytes, &stats)
            .await
            .map_err(CatalogError::Refused)?;
    }
    Ok(bytes)
}
