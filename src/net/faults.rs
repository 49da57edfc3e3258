//! Faults injected into the network stack on purpose, for QA scenarios
//! (the `qa` feature: the box build has none): "segment 3 fails once with
//! 503, playback continues". A fault names a part of a URL and what
//! happens to the next requests whose URL contains it: an HTTP status
//! instead of the answer, no connection at all, a stall before it, a body
//! cut short, or a slow body. They act in our fetcher, so they reach every
//! request of a network stack built with the plan (catalog, playlists,
//! segments, posters, subtitles, the unlock API), on the demo or a
//! partner's servers alike.

use std::sync::{Arc, Mutex};
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
    /// No connection can be made, as with the network down.
    Offline,
}

/// A request a fault answers itself, instead of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Status(u16),
    Offline,
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

/// The most faults waiting, and remembered as fired: a scenario is outside
/// input too.
const MAX_WAITING: usize = 64;
const MAX_FIRED: usize = 1024;

/// The faults a QA run arms, held by the network stack it builds (see
/// `NetConfig::faults`): clones share one plan.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    inner: Arc<Mutex<PlanState>>,
}

#[derive(Debug, Default)]
struct PlanState {
    waiting: Vec<Fault>,
    fired: Vec<Fired>,
}

impl FaultPlan {
    fn lock(&self) -> std::sync::MutexGuard<'_, PlanState> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Arms `fault` for the requests that follow. Beyond [`MAX_WAITING`]
    /// waiting faults, the oldest is dropped.
    pub fn inject(&self, fault: Fault) {
        let mut s = self.lock();
        if s.waiting.len() >= MAX_WAITING {
            s.waiting.remove(0);
        }
        if fault.times > 0 {
            s.waiting.push(fault);
        }
    }

    /// The faults that acted so far, oldest first.
    pub fn fired(&self) -> Vec<Fired> {
        self.lock().fired.clone()
    }

    /// How many faults have acted so far (a QA check asks every tick).
    pub fn fired_count(&self) -> usize {
        self.lock().fired.len()
    }

    /// The fault for a request to `url`, if one matches; spends one of its
    /// times.
    pub(crate) fn take(&self, url: &Url) -> Option<FaultKind> {
        let mut s = self.lock();
        let text = url.as_str();
        let i = s
            .waiting
            .iter()
            .position(|f| text.contains(&f.url_contains))?;
        let kind = s.waiting[i].kind;
        s.waiting[i].times -= 1;
        if s.waiting[i].times == 0 {
            s.waiting.remove(i);
        }
        if s.fired.len() < MAX_FIRED {
            s.fired.push(Fired {
                url: text.to_owned(),
                fault: kind,
            });
        }
        drop(s);
        tracing::warn!(%url, fault = ?kind, "injected network fault");
        Some(kind)
    }

    /// What the fault for `url`, if any, does to the request: an answer
    /// instead of the network's, a wait, or how its body is shaped.
    pub(crate) async fn apply(&self, url: &Url) -> Result<Shaping, Refusal> {
        let mut shaping = Shaping::default();
        match self.take(url) {
            Some(FaultKind::Status(code)) => return Err(Refusal::Status(code)),
            Some(FaultKind::Offline) => return Err(Refusal::Offline),
            Some(FaultKind::Stall(d)) => tokio::time::sleep(d).await,
            Some(FaultKind::Truncate(n)) => shaping.cut_at = Some(n),
            Some(FaultKind::SlowKbps(k)) => shaping.bytes_per_s = Some(u64::from(k.max(1)) * 125),
            None => {}
        }
        Ok(shaping)
    }
}

/// A body broken by an injected fault, after this many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("connection broken after {0} bytes (injected fault)")]
pub struct Cut(pub u64);

/// What an injected fault does to a body as it arrives.
#[derive(Debug)]
pub struct Shaping {
    /// The connection breaks once this many bytes came.
    cut_at: Option<u64>,
    /// The body comes no faster than this.
    bytes_per_s: Option<u64>,
    since: std::time::Instant,
}

impl Default for Shaping {
    fn default() -> Shaping {
        Shaping {
            cut_at: None,
            bytes_per_s: None,
            since: std::time::Instant::now(),
        }
    }
}

impl Shaping {
    /// From now on (the request went out).
    pub fn start(&mut self) {
        self.since = std::time::Instant::now();
    }

    /// Whether `len` more bytes after `before` may pass, once they may:
    /// `Err` when the fault breaks the connection there.
    pub async fn pass(&self, before: u64, len: usize) -> Result<(), Cut> {
        let after = before + len as u64;
        if let Some(cut) = self.cut_at
            && after > cut
        {
            return Err(Cut(cut));
        }
        if let Some(rate) = self.bytes_per_s {
            let due = Duration::from_secs_f64(after as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(self.since.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_acts_on_matching_requests_as_many_times_as_asked() {
        let url = |s: &str| Url::parse(s).unwrap();
        let plan = FaultPlan::default();
        plan.inject(Fault {
            url_contains: "/faults-test/seg-3".into(),
            kind: FaultKind::Status(503),
            times: 2,
        });
        assert_eq!(plan.take(&url("http://h/faults-test/seg-2.m4s")), None);
        let seg3 = url("http://h/faults-test/seg-3.m4s");
        assert_eq!(plan.take(&seg3), Some(FaultKind::Status(503)));
        assert_eq!(plan.take(&seg3), Some(FaultKind::Status(503)));
        assert_eq!(plan.take(&seg3), None, "spent after two");
        assert_eq!(plan.fired().len(), 2);
        // Another plan (another network stack) saw none of it.
        assert_eq!(FaultPlan::default().fired_count(), 0);
    }
}
