//! This process as the kernel sees it: resident memory, threads and open
//! files (QA reports, soak runs).

use serde::Serialize;

/// Resident set size of this process, KiB.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The process after one episode.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sample {
    /// Episodes played so far.
    pub episode: usize,
    pub rss_kib: u64,
    pub threads: u64,
    pub fds: u64,
}

impl Sample {
    /// This process now, or None where /proc cannot be read.
    pub fn now(episode: usize) -> Option<Sample> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let field = |name: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        };
        let fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
        Some(Sample {
            episode,
            rss_kib: field("VmRSS:")?,
            threads: field("Threads:")?,
            fds,
        })
    }
}
