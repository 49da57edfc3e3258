//! Sends ad beacons (impressions, tracking events, errors) off the UI
//! thread, in the order they were fired, through the one network stack and
//! its URL policy. A beacon that fails for a reason that may pass (no
//! network, a timeout, a 5xx) waits in a bounded queue and is tried again
//! later; the queue drops its oldest beacon when full and any beacon older
//! than [`MAX_AGE`]. A tracker that hangs costs its own timeout and
//! nothing a viewer sees.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::macros::{MacroValues, expand};
use super::tracking::Beacon;
use crate::net::{FetchStats, Net, NetError};

/// Beacons waiting: a break's worth many times over.
pub const MAX_QUEUED: usize = 256;
/// A beacon not delivered within this is dropped: an ad server counts
/// impressions within hours, and a box may be offline for days.
pub const MAX_AGE: Duration = Duration::from_secs(3600);
/// One request's limit: a slow tracker does not hold the ones after it long.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Tries per beacon, and the waits between them.
const BACKOFF: [Duration; 4] = [
    Duration::from_secs(2),
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(300),
];
/// The largest answer read (trackers answer with a pixel or nothing).
const MAX_REPLY: usize = 64 * 1024;

struct Pending {
    url: String,
    what: &'static str,
    fired: Instant,
    tries: usize,
    not_before: Instant,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Pending>,
    sent: u64,
    dropped: u64,
    failed: u64,
}

/// What the sender has done, for the log and the QA report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SenderCounts {
    pub sent: u64,
    pub waiting: usize,
    /// Dropped for room or age.
    pub dropped: u64,
    /// Refused for good (4xx, the URL policy).
    pub failed: u64,
}

/// The beacon sender: cheap to clone; its task runs on the network stack's
/// runtime until the last clone goes.
#[derive(Clone)]
pub struct BeaconSender {
    queue: Arc<Mutex<Queue>>,
    wake: Arc<Notify>,
    _task: Arc<TaskGuard>,
}

struct TaskGuard(tokio::task::AbortHandle);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl BeaconSender {
    pub fn start(net: &Net) -> BeaconSender {
        let queue = Arc::new(Mutex::new(Queue::default()));
        let wake = Arc::new(Notify::new());
        let task = net.spawn(run(net.clone(), queue.clone(), wake.clone()));
        BeaconSender {
            queue,
            wake,
            _task: Arc::new(TaskGuard(task.abort_handle())),
        }
    }

    /// Queues `beacons`, their macros expanded with `values` made anew for
    /// each ([`MacroValues::for_request`]), with the playhead and error code
    /// each beacon carries.
    pub fn send(&self, beacons: &[Beacon], values: &MacroValues) {
        if beacons.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        for b in beacons {
            let values = MacroValues {
                ad_playhead: Some(b.playhead),
                error_code: b.error,
                ..values.for_request()
            };
            if q.waiting.len() == MAX_QUEUED {
                q.waiting.pop_front();
                q.dropped += 1;
            }
            q.waiting.push_back(Pending {
                url: expand(&b.url, &values),
                what: b.what,
                fired: now,
                tries: 0,
                not_before: now,
            });
        }
        drop(q);
        self.wake.notify_one();
    }

    pub fn counts(&self) -> SenderCounts {
        let q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        SenderCounts {
            sent: q.sent,
            waiting: q.waiting.len(),
            dropped: q.dropped,
            failed: q.failed,
        }
    }
}

async fn run(net: Net, queue: Arc<Mutex<Queue>>, wake: Arc<Notify>) {
    loop {
        // The first beacon due, in order; none due: sleep until one is,
        // or until more are queued.
        let next = {
            let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let before = q.waiting.len();
            q.waiting.retain(|p| now.duration_since(p.fired) < MAX_AGE);
            q.dropped += (before - q.waiting.len()) as u64;
            match q.waiting.iter().position(|p| p.not_before <= now) {
                Some(i) => Ok(q.waiting.remove(i).expect("index from position")),
                None => Err(q.waiting.iter().map(|p| p.not_before).min()),
            }
        };
        let mut pending = match next {
            Ok(p) => p,
            Err(Some(at)) => {
                let _ = tokio::time::timeout_at(at.into(), wake.notified()).await;
                continue;
            }
            Err(None) => {
                wake.notified().await;
                continue;
            }
        };
        let outcome = fire(&net, &pending).await;
        let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Outcome::Sent => q.sent += 1,
            Outcome::Refused(why) => {
                tracing::warn!("ad {} beacon refused for good: {why}", pending.what);
                q.failed += 1;
            }
            Outcome::Later(why) => {
                if pending.tries >= BACKOFF.len() {
                    tracing::warn!(
                        "ad {} beacon dropped after {} tries: {why}",
                        pending.what,
                        pending.tries + 1
                    );
                    q.dropped += 1;
                } else {
                    tracing::info!("ad {} beacon to try again: {why}", pending.what);
                    pending.not_before = Instant::now() + BACKOFF[pending.tries];
                    pending.tries += 1;
                    // Back in front: it keeps its place in the order.
                    if q.waiting.len() == MAX_QUEUED {
                        q.dropped += 1;
                    } else {
                        q.waiting.push_front(pending);
                    }
                }
            }
        }
    }
}

enum Outcome {
    Sent,
    Refused(String),
    Later(String),
}

async fn fire(net: &Net, p: &Pending) -> Outcome {
    let fetcher = net.fetcher();
    let url = match fetcher.policy().parse(&p.url) {
        Ok(u) => u,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let stats = FetchStats::default();
    match tokio::time::timeout(TIMEOUT, fetcher.get(p.what, &url, None, MAX_REPLY, &stats)).await {
        Ok(Ok(_)) => Outcome::Sent,
        // An answer too large still counted the hit.
        Ok(Err(NetError::TooLarge { .. })) => Outcome::Sent,
        Ok(Err(NetError::Http { status, .. }))
            if (400..500).contains(&status) && status != 408 && status != 429 =>
        {
            Outcome::Refused(format!(
                "HTTP {status} from {}",
                url.host_str().unwrap_or("?")
            ))
        }
        Ok(Err(e @ (NetError::Refused(_) | NetError::RefusedRedirect { .. }))) => {
            Outcome::Refused(e.to_string())
        }
        Ok(Err(e)) => Outcome::Later(e.to_string()),
        Err(_) => Outcome::Later(format!("no answer within {TIMEOUT:?}")),
    }
}
