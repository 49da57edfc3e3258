//! The partner's catalog: a documented JSON format (docs/catalog.md), parsed
//! into a typed model and validated beyond types, every problem reported
//! with its JSON path.

#[cfg(feature = "player")]
pub mod cache;
#[cfg(feature = "player")]
pub mod check;
#[cfg(feature = "player")]
pub mod fetch;
#[cfg(feature = "player")]
pub mod floor;
pub mod limits;
pub mod model;
pub mod roku;
pub mod schedule;
pub mod validate;
pub mod verify;

#[cfg(feature = "player")]
pub use fetch::{CatalogConfig, CatalogError, CatalogLoader, Loaded, LoadedFrom, fetch_verified};
pub use model::Catalog;
pub use roku::RokuOptions;
pub use validate::{Problem, parse};

use crate::net::UrlPolicy;

/// A pillarbox catalog or a Roku Direct Publisher feed (converted), parsed
/// and validated. Also returns what a Roku feed could not say.
pub fn parse_any(
    bytes: &[u8],
    policy: &UrlPolicy,
    roku: &RokuOptions,
) -> Result<(Catalog, Vec<String>), Vec<Problem>> {
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        // The pillarbox parser reports syntax errors with line and column.
        Err(_) => return parse(bytes, policy).map(|c| (c, Vec::new())),
    };
    if !roku::is_roku_feed(&value) {
        return parse(bytes, policy).map(|c| (c, Vec::new()));
    }
    let imported = roku::convert(&value, roku).map_err(|e| {
        vec![Problem {
            path: "$".into(),
            message: e.to_string(),
            line: None,
            column: None,
        }]
    })?;
    let mut problems = validate::validate(&imported.catalog, policy);
    for p in &mut problems {
        if p.path.ends_with(".licence") {
            p.message.push_str(
                " (Roku feeds have none: add \"licence\" to the Roku series, or pass --licence)",
            );
        }
    }
    if problems.is_empty() {
        Ok((imported.catalog, imported.warnings))
    } else {
        Err(problems)
    }
}

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
