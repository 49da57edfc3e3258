//! Faults injected into the network stack on purpose, for QA scenarios:
//! "segment 3 fails once with 503, playback continues". A fault names a
//! part of a URL and what happens to the next requests whose URL contains
//! it: an HTTP status instead of the answer, a stall before it, a body cut
//! short, or a slow body. They act in our fetcher, so they reach every
//! request the process makes (catalog, playlists, segments, posters,
//! subtitles, the unlock API), on the demo or a partner's servers alike.
//! Nothing is armed unless a QA run arms it; then each request costs one
//! lock.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use url::Url;

/// What happens to a request a fault matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The server answers this status (the request is not sent).
    Status(u16),
    /// No answer for this long, then the request goes out.
    Stall(#[serde(serialize_with = "millis")] Duration),
    /// The connection breaks after this many bytes of the body.
    Truncate(u64),
    /// The body arrives at this many kilobits per second.
    SlowKbps(u32),
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// A fault waiting for requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Matches requests whose URL contains this text.
    pub url_contains: String,
    pub kind: FaultKind,
    /// For this many matching requests (retries count), then it is spent.
    pub times: u32,
}

/// A fault that acted on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fired {
    pub url: String,
    pub fault: FaultKind,
}

static ARMED: AtomicBool = AtomicBool::new(false);
static FAULTS: Mutex<Vec<Fault>> = Mutex::new(Vec::new());
static FIRED: Mutex<Vec<Fired>> = Mutex::new(Vec::new());

/// The most faults waiting, and remembered as fired: a scenario is outside
/// input too.
const MAX_WAITING: usize = 64;
const MAX_FIRED: usize = 1024;

/// Arms `fault` for the requests that follow. Beyond [`MAX_WAITING`]
/// waiting faults, the oldest is dropped.
pub fn inject(fault: Fault) {
    let mut faults = FAULTS.lock().unwrap_or_else(|e| e.into_inner());
    if faults.len() >= MAX_WAITING {
        faults.remove(0);
    }
    if fault.times > 0 {
        faults.push(fault);
    }
    ARMED.store(!faults.is_empty(), Ordering::Release);
}

/// The faults that acted so far, oldest first.
pub fn fired() -> Vec<Fired> {
    FIRED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// How many faults have acted so far (a QA check asks every tick).
pub fn fired_count() -> usize {
    FIRED.lock().unwrap_or_else(|e| e.into_inner()).len()
}

/// The fault for a request to `url`, if one matches; spends one of its times.
pub(crate) fn take(url: &Url) -> Option<FaultKind> {
    if !ARMED.load(Ordering::Acquire) {
        return None;
    }
    let mut faults = FAULTS.lock().unwrap_or_else(|e| e.into_inner());
    let text = url.as_str();
    let i = faults.iter().position(|f| text.contains(&f.url_contains))?;
    let kind = faults[i].kind;
    faults[i].times -= 1;
    if faults[i].times == 0 {
        faults.remove(i);
    }
    ARMED.store(!faults.is_empty(), Ordering::Release);
    drop(faults);
    let mut fired = FIRED.lock().unwrap_or_else(|e| e.into_inner());
    if fired.len() < MAX_FIRED {
        fired.push(Fired {
            url: text.to_owned(),
            fault: kind,
        });
    }
    tracing::warn!(%url, fault = ?kind, "injected network fault");
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_acts_on_matching_requests_as_many_times_as_asked() {
        let url = |s: &str| Url::parse(s).unwrap();
        inject(Fault {
            url_contains: "/faults-test/seg-3".into(),
            kind: FaultKind::Status(503),
            times: 2,
        });
        assert_eq!(take(&url("http://h/faults-test/seg-2.m4s")), None);
        let seg3 = url("http://h/faults-test/seg-3.m4s");
        assert_eq!(take(&seg3), Some(FaultKind::Status(503)));
        assert_eq!(take(&seg3), Some(FaultKind::Status(503)));
        assert_eq!(take(&seg3), None, "spent after two");
        let fired: Vec<_> = fired()
            .into_iter()
            .filter(|f| f.url.contains("faults-test"))
            .collect();
        assert_eq!(fired.len(), 2);
    }
}
