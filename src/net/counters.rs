//! How many network runtimes and HTTP clients the process built: one of
//! each, which the QA report shows and tests check (the `qa` feature).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runtimes and HTTP clients built so far in this process (the `qa`
/// feature): the TV app and
/// the CLI build one of each, which the QA report shows and tests check.
pub(crate) static RUNTIMES: AtomicUsize = AtomicUsize::new(0);
static CLIENTS: AtomicUsize = AtomicUsize::new(0);

/// How many network runtimes and HTTP clients this process has built.
pub fn built() -> (usize, usize) {
    (
        RUNTIMES.load(Ordering::Relaxed),
        CLIENTS.load(Ordering::Relaxed),
    )
}

pub(crate) fn count_client() {
    CLIENTS.fetch_add(1, Ordering::Relaxed);
}
