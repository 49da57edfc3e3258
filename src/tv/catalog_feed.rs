//! The catalog feed: the cached catalog at once, then the network's, then
//! a refresh every half hour; with no catalog at all, retries with back-off.

use std::sync::Arc;
use std::time::Duration;

use crate::app::Event;
use crate::catalog::{CatalogConfig, CatalogLoader, LoadedFrom};
use crate::net::Net;

use super::shell::{Input, ShellHandle};

/// How often the catalog is fetched again while the app runs.
const CATALOG_REFRESH: Duration = Duration::from_secs(30 * 60);
/// The first retry when no catalog could be loaded at all.
const CATALOG_RETRY_FIRST: Duration = Duration::from_secs(15);

/// The day an expired catalog expired on, to show.
fn expired(catalog: &crate::catalog::Catalog) -> Option<String> {
    let at = catalog.expired(std::time::SystemTime::now())?;
    tracing::warn!(expires = %at, "the catalog has expired; showing it anyway");
    Some(at.format("%Y-%m-%d").to_string())
}

/// Shows the cached catalog at once, then the network's, then checks again
/// every [`CATALOG_REFRESH`].
pub async fn keep_catalog_fresh(
    config: CatalogConfig,
    net: Net,
    shell: ShellHandle,
    retry_now: Arc<tokio::sync::Notify>,
) {
    let post_event = |event: Event| shell.post(Input::App(event));
    let loader = match CatalogLoader::new(config, net) {
        Ok(l) => l,
        Err(e) => {
            post_event(Event::CatalogFailed(e.to_string()));
            return;
        }
    };
    let shown_cached = match loader.cached() {
        Some(cached) => {
            post_event(Event::Catalog {
                expired: expired(&cached.catalog),
                catalog: Arc::new(cached.catalog),
                problem: None,
            });
            true
        }
        None => false,
    };
    let mut first = true;
    let mut have = shown_cached;
    // Without any catalog the screen is empty: try again soon, backing off.
    let mut retry = CATALOG_RETRY_FIRST;
    loop {
        match loader.load().await {
            // The cached catalog is already on screen.
            Ok(l) if first && shown_cached && l.from == LoadedFrom::Revalidated => {}
            Ok(l) => {
                have = true;
                post_event(Event::Catalog {
                    expired: expired(&l.catalog),
                    catalog: Arc::new(l.catalog),
                    problem: l.problem,
                })
            }
            Err(e) => post_event(Event::CatalogFailed(e.to_string())),
        }
        first = false;
        let wait = if have { CATALOG_REFRESH } else { retry };
        // The viewer's Retry cuts the wait short.
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = retry_now.notified() => {}
        }
        if !have {
            retry = (retry * 2).min(CATALOG_REFRESH / 6);
        }
    }
}
