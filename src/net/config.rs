//! What the network stack is built with and how it fails: limits, retries,
//! trusted roots and pins, CMCD, and the errors every request names its
//! resource and URL in.

use std::time::Duration;

use super::PolicyError;
use super::UrlPolicy;
use super::cmcd::CmcdMode;

/// Size and time limits on what the fetcher accepts.
#[derive(Debug, Clone)]
pub struct Limits {
    pub playlist_bytes: usize,
    pub segment_bytes: usize,
    pub connect_timeout: Duration,
    /// No body bytes for this long mid-response counts as a stall.
    pub stall_timeout: Duration,
    /// Deadline for one request, headers and body.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            playlist_bytes: 2 << 20,
            segment_bytes: 64 << 20,
            connect_timeout: Duration::from_secs(5),
            stall_timeout: Duration::from_secs(8),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// How failed requests are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first one included.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// No new attempt starts later than this after the first one.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            deadline: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with ±50 % jitter, so that boxes behind one
    /// failing CDN node do not retry in lockstep.
    pub fn delay(&self, failed_attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << failed_attempt.saturating_sub(1).min(16));
        exp.min(self.max_delay).mul_f64(0.5 + fastrand::f64())
    }
}

/// Everything the network side is configured with.
#[derive(Debug, Clone, Default)]
pub struct NetConfig {
    pub policy: UrlPolicy,
    pub limits: Limits,
    pub retry: RetryPolicy,
    /// Extra trusted CA certificates, PEM (a partner's private CA, test CAs).
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// CMCD on media requests; off by default.
    pub cmcd: CmcdMode,
    /// When not empty, servers must present one of these public keys
    /// (base64 SHA-256 of the SPKI, optionally prefixed `sha256/`).
    pub spki_pins: Vec<String>,
    /// Where episodes kept on the box are (`stored:` URLs are read there);
    /// None: nothing is stored.
    pub stored_root: Option<std::path::PathBuf>,
    /// Faults a QA run injects into this stack's requests.
    #[cfg(feature = "qa")]
    pub faults: Option<super::faults::FaultPlan>,
}

/// Why a request failed. Messages name what was fetched and its URL.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetError {
    #[error("refused: {0}")]
    Refused(#[from] PolicyError),
    #[error("refused: redirect from {url}: {reason}")]
    RefusedRedirect { url: String, reason: String },
    #[error("network: {what} {url}: HTTP {status} after {attempts} attempt(s)")]
    Http {
        what: String,
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error("network: {what} {url}: {cause} (after {attempts} attempt(s))")]
    Network {
        what: String,
        url: String,
        attempts: u32,
        cause: String,
    },
    /// No connection could be made at any attempt: the network (or the
    /// server) is down; worth trying again later.
    #[error("network: {what} {url}: {cause} (after {attempts} attempt(s))")]
    Unreachable {
        what: String,
        url: String,
        attempts: u32,
        cause: String,
    },
    #[error("too large: {what} {url} exceeds the limit of {limit} bytes")]
    TooLarge {
        what: String,
        url: String,
        limit: usize,
    },
    #[error("unsupported: {url}: the server ignored a Range request (byte ranges are needed here)")]
    RangeIgnored { url: String },
    #[error("malformed: {url}: bad range response: {reason}")]
    BadRange { url: String, reason: String },
    /// What came could not be written where it was to be kept (a full
    /// disk, a read-only one).
    #[error("storage: {what} {url}: cannot write {path}: {cause}")]
    Disk {
        what: String,
        url: String,
        path: String,
        cause: String,
    },
    /// An episode kept on the box is not there, or not whole.
    #[error("stored episode: {url}: {cause}")]
    Stored { url: String, cause: String },
    #[error("configuration: {0}")]
    Config(String),
}

impl NetError {
    /// A short stable name for the kind of error, for JSON and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            NetError::Refused(_) | NetError::RefusedRedirect { .. } => "refused",
            NetError::Http { .. } | NetError::Network { .. } | NetError::Unreachable { .. } => {
                "network"
            }
            NetError::TooLarge { .. } => "too_large",
            NetError::RangeIgnored { .. } => "unsupported",
            NetError::BadRange { .. } => "malformed",
            NetError::Disk { .. } => "storage",
            NetError::Stored { .. } => "stored",
            NetError::Config(_) => "config",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RetryPolicy;
    use std::time::Duration;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let r = RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            deadline: Duration::from_secs(1),
        };
        for _ in 0..50 {
            let d1 = r.delay(1);
            assert!(d1 >= Duration::from_millis(50) && d1 < Duration::from_millis(150));
            let d2 = r.delay(2);
            assert!(d2 >= Duration::from_millis(100) && d2 < Duration::from_millis(300));
            let d9 = r.delay(9);
            assert!(d9 < Duration::from_millis(525), "{d9:?}");
        }
    }
}
