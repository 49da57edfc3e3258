//! This process as the kernel sees it: resident memory, threads and open
//! files (QA reports, soak runs).

use serde::Serialize;

/// CPU time this process has used so far (user and system), ms.
pub fn cpu_ms() -> Option<u64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is valid.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return None;
        }
        usage.assume_init()
    };
    let ms = |t: libc::timeval| t.tv_sec as u64 * 1000 + t.tv_usec as u64 / 1000;
    Some(ms(usage.ru_utime) + ms(usage.ru_stime))
}

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
