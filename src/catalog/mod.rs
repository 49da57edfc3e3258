//! The partner's catalog: a documented JSON format (docs/catalog.md), parsed
//! into a typed model and validated beyond types, every problem reported
//! with its JSON path.

pub mod cache;
pub mod fetch;
pub mod model;
pub mod validate;
pub mod verify;

pub use fetch::{CatalogConfig, CatalogError, CatalogLoader, Loaded, LoadedFrom};
pub use model::Catalog;
pub use validate::{Problem, parse};

/// What `pillarbox catalog check` prints for a valid catalog.
pub fn summary(c: &Catalog) -> String {
    let episodes: usize = c.series.iter().map(|s| s.episodes.len()).sum();
    format!(
        "valid: {} series, {} episodes, {} rails (provider {:?}, catalog_version {}, format {})",
        c.series.len(),
        episodes,
        c.rails.len(),
        c.provider,
        c.catalog_version,
        c.version
    )
}
