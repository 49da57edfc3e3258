//! Delivery of reports to the catalog's collectors, never at the viewer's
//! cost: lines wait in a queue per collector (bounded in bytes, lines and
//! age, oldest dropped first), kept in the state directory (written
//! atomically every few seconds, so a power cut loses at most those
//! seconds and never the file), and go out in gzipped batches on the
//! network runtime, one collector at a time at its interval, backing off
//! when it fails. A 410 silences a collector for good.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::net::Net;

/// The queue's file in the state directory.
pub const QUEUE_FILE: &str = "insight-queue.json";
/// The most a collector's queue holds: bytes of lines, lines, and age.
pub const MAX_QUEUE_BYTES: usize = 256 << 10;
pub const MAX_QUEUE_LINES: usize = 5_000;
pub const MAX_AGE_MS: i64 = 7 * 24 * 3600 * 1000;
/// One batch at most.
const BATCH_LINES: usize = 500;
const BATCH_BYTES: usize = 64 << 10;
/// The longest wait after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How often the queue is written when it changed.
const PERSIST_EVERY: Duration = Duration::from_secs(5);
/// At shutdown, what is queued gets this long to go out.
const LAST_SEND: Duration = Duration::from_secs(2);
/// The MIME type of CMCD event reports.
pub const CMCD_MIME: &str = "application/cmcd";

/// A collector: where and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: Url,
    pub interval: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    /// Unix ms of the report (its age bounds it).
    ts: i64,
    line: String,
    #[serde(skip)]
    seq: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TargetQueue {
    lines: VecDeque<Queued>,
    /// The collector answered 410: nothing more goes to it.
    #[serde(default)]
    gone: bool,
    #[serde(skip)]
    bytes: usize,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Queues {
    targets: BTreeMap<String, TargetQueue>,
    #[serde(skip)]
    next_seq: u64,
    #[serde(skip)]
    dirty: bool,
    /// Lines dropped to keep within the bounds, since start (logs, QA).
    #[serde(skip)]
    dropped: u64,
    /// Lines a collector took, since start.
    #[serde(skip)]
    delivered: u64,
}

impl Queues {
    fn push(&mut self, url: &str, ts: i64, line: &str, now_ms: i64) {
        let Some(q) = self.targets.get_mut(url) else {
            return;
        };
        if q.gone {
            return;
        }
        self.next_seq += 1;
        q.bytes += line.len();
        q.lines.push_back(Queued {
            ts,
            line: line.to_owned(),
            seq: self.next_seq,
        });
        self.dropped += q.trim(now_ms);
        self.dirty = true;
    }
}

impl TargetQueue {
    /// Oldest first, until within every bound; how many went.
    fn trim(&mut self, now_ms: i64) -> u64 {
        let mut dropped = 0;
        while let Some(front) = self.lines.front() {
            let too_old = now_ms.saturating_sub(front.ts) > MAX_AGE_MS;
            if !(too_old || self.bytes > MAX_QUEUE_BYTES || self.lines.len() > MAX_QUEUE_LINES) {
                break;
            }
            if let Some(q) = self.lines.pop_front() {
                self.bytes -= q.line.len();
                dropped += 1;
            }
        }
        dropped
    }

    /// The oldest lines, within a batch's bounds: their text and the last
    /// one's sequence number.
    fn batch(&self) -> Option<(Vec<u8>, u64, usize)> {
        let mut body = Vec::new();
        let mut last = None;
        let mut n = 0;
        for q in self.lines.iter().take(BATCH_LINES) {
            if !body.is_empty() && body.len() + q.line.len() + 1 > BATCH_BYTES {
                break;
            }
            body.extend_from_slice(q.line.as_bytes());
            body.push(b'\n');
            last = Some(q.seq);
            n += 1;
        }
        last.map(|l| (body, l, n))
    }

    /// The lines up to `seq` went out.
    fn sent(&mut self, seq: u64) -> u64 {
        let mut n = 0;
        while self.lines.front().is_some_and(|q| q.seq <= seq) {
            if let Some(q) = self.lines.pop_front() {
                self.bytes -= q.line.len();
                n += 1;
            }
        }
        n
    }
}

/// What the collectors took and what was dropped, since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxStats {
    pub queued: usize,
    pub delivered: u64,
    pub dropped: u64,
}

/// The queues and their senders. Pushing takes a short lock and returns;
/// everything else runs on the network runtime.
pub struct Outbox {
    net: Net,
    dir: PathBuf,
    queues: Arc<Mutex<Queues>>,
    /// None until the first configuration (what was kept for collectors
    /// no longer named then goes).
    targets: Option<Vec<Target>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Outbox {
    /// The queue kept in `dir`, read back (bounded; an unreadable file is
    /// set aside and an empty queue used).
    pub fn new(net: Net, dir: PathBuf) -> Outbox {
        let mut queues: Queues = crate::store::Store::new(&dir)
            .map(|s| s.load(QUEUE_FILE))
            .unwrap_or_default();
        let now = now_ms();
        let mut seq = 0;
        for q in queues.targets.values_mut() {
            q.lines.truncate(MAX_QUEUE_LINES);
            // A clock set back makes "future" lines: keep them, bounded.
            for line in q.lines.iter_mut() {
                seq += 1;
                line.seq = seq;
            }
            q.bytes = q.lines.iter().map(|l| l.line.len()).sum();
            queues.dropped += q.trim(now);
        }
        queues.next_seq = seq;
        let queues = Arc::new(Mutex::new(queues));
        let persister = {
            let (queues, dir) = (queues.clone(), dir.clone());
            net.spawn(async move {
                loop {
                    tokio::time::sleep(PERSIST_EVERY).await;
                    let (queues, dir) = (queues.clone(), dir.clone());
                    let _ = tokio::task::spawn_blocking(move || persist_now(&queues, &dir)).await;
                }
            })
        };
        Outbox {
            net,
            dir,
            queues,
            targets: None,
            tasks: vec![persister],
        }
    }

    /// Sends to these collectors from now on: queues of collectors no
    /// longer named go, new ones start empty.
    pub fn configure(&mut self, targets: Vec<Target>) {
        if self.targets.as_ref() == Some(&targets) {
            return;
        }
        // The first task persists; the others send.
        for t in self.tasks.drain(1..) {
            t.abort();
        }
        if let Ok(mut q) = self.queues.lock() {
            q.targets
                .retain(|url, _| targets.iter().any(|t| t.url.as_str() == url));
            for t in &targets {
                q.targets.entry(t.url.to_string()).or_default();
            }
            q.dirty = true;
        }
        for t in &targets {
            let (net, queues, target) = (self.net.clone(), self.queues.clone(), t.clone());
            self.tasks
                .push(self.net.spawn(send_loop(net, queues, target)));
        }
        self.targets = Some(targets);
    }

    /// Queues a report for every collector.
    pub fn push(&self, ts_ms: i64, line: &str) {
        let now = now_ms();
        if let Ok(mut q) = self.queues.lock() {
            for t in self.targets.iter().flatten() {
                q.push(t.url.as_str(), ts_ms, line, now);
            }
        }
    }

    /// Drops everything queued (the viewer withdrew consent).
    pub fn forget(&self) {
        if let Ok(mut q) = self.queues.lock() {
            for t in q.targets.values_mut() {
                t.lines.clear();
                t.bytes = 0;
            }
            q.dirty = true;
        }
    }

    pub fn stats(&self) -> OutboxStats {
        self.queues
            .lock()
            .map(|q| OutboxStats {
                queued: q.targets.values().map(|t| t.lines.len()).sum(),
                delivered: q.delivered,
                dropped: q.dropped,
            })
            .unwrap_or_default()
    }

    /// The senders stop; what is queued gets one last try (a short one),
    /// and the rest is written for the next start.
    pub fn shutdown(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
        let targets = self.targets.take().unwrap_or_default();
        let (net, queues) = (self.net.clone(), self.queues.clone());
        let _ = self.net.block_on(async move {
            tokio::time::timeout(LAST_SEND, async {
                for t in &targets {
                    let _ = send_once(&net, &queues, t).await;
                }
            })
            .await
        });
        persist_now(&self.queues, &self.dir);
    }
}

impl Drop for Outbox {
    /// Without [`Outbox::shutdown`] (a crash, a test's power cut): the
    /// senders stop, nothing more is written.
    fn drop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

/// Writes the queue if it changed since the last write.
fn persist_now(queues: &Mutex<Queues>, dir: &std::path::Path) {
    let json = {
        let Ok(mut q) = queues.lock() else { return };
        if !q.dirty {
            return;
        }
        q.dirty = false;
        serde_json::to_vec(&*q)
    };
    let result = json
        .map_err(std::io::Error::other)
        .and_then(|j| crate::store::write_atomic(dir, QUEUE_FILE, &j));
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot keep the insight queue");
    }
}

/// What one attempt came to.
#[derive(Debug, PartialEq, Eq)]
enum Sent {
    Nothing,
    Delivered,
    /// Refused for good (4xx other than 410 and 429): the batch is dropped.
    Refused,
    Gone,
    Failed,
}

async fn send_once(net: &Net, queues: &Mutex<Queues>, t: &Target) -> Sent {
    let key = t.url.as_str();
    let batch = match queues.lock() {
        Ok(q) => q
            .targets
            .get(key)
            .filter(|q| !q.gone)
            .and_then(|q| q.batch()),
        Err(_) => None,
    };
    let Some((body, last, n)) = batch else {
        return Sent::Nothing;
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let body = match gz.write_all(&body).and_then(|()| gz.finish()) {
        Ok(b) => b,
        Err(_) => return Sent::Failed,
    };
    let result = net
        .fetcher()
        .report(&t.url, CMCD_MIME, Some("gzip"), body)
        .await;
    let outcome = match result {
        Ok(s) if (200..300).contains(&s) => Sent::Delivered,
        Ok(410) => Sent::Gone,
        Ok(s) if s == 429 || s >= 500 => Sent::Failed,
        Ok(s) => {
            tracing::warn!(url = %t.url, status = s, lines = n, "collector refused a batch; dropped");
            Sent::Refused
        }
        Err(e) => {
            tracing::debug!(url = %t.url, error = %e, "collector not reached");
            Sent::Failed
        }
    };
    if let Ok(mut q) = queues.lock() {
        let mut counts = (0, 0);
        if let Some(tq) = q.targets.get_mut(key) {
            match outcome {
                Sent::Delivered => counts.0 = tq.sent(last),
                Sent::Refused => counts.1 = tq.sent(last),
                Sent::Gone => {
                    tracing::info!(url = %t.url, "collector is gone (410): nothing more goes to it");
                    tq.gone = true;
                    counts.1 = tq.lines.len() as u64;
                    tq.lines.clear();
                    tq.bytes = 0;
                }
                Sent::Failed | Sent::Nothing => {}
            }
        }
        q.delivered += counts.0;
        q.dropped += counts.1;
        if counts != (0, 0) {
            q.dirty = true;
        }
    }
    outcome
}

/// One collector: a batch every interval, longer waits while it fails.
async fn send_loop(net: Net, queues: Arc<Mutex<Queues>>, t: Target) {
    let mut failures = 0u32;
    loop {
        let wait = backoff(t.interval, failures);
        tokio::time::sleep(wait).await;
        match send_once(&net, &queues, &t).await {
            Sent::Gone => return,
            Sent::Failed => failures = failures.saturating_add(1),
            Sent::Delivered | Sent::Refused | Sent::Nothing => failures = 0,
        }
    }
}

/// `interval` doubled per failure, at most an hour, ±20 %.
fn backoff(interval: Duration, failures: u32) -> Duration {
    let base = interval
        .saturating_mul(1u32 << failures.min(16))
        .min(MAX_BACKOFF);
    base.mul_f64(0.8 + fastrand::f64() * 0.4)
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_stays_within_its_bounds_dropping_the_oldest() {
        let mut q = Queues::default();
        q.targets.insert("u".into(), TargetQueue::default());
        let now = 1_000_000_000_000;
        let line = "x".repeat(100);
        for i in 0..10_000 {
            q.push("u", now + i, &line, now);
        }
        let t = &q.targets["u"];
        assert!(t.bytes <= MAX_QUEUE_BYTES && t.lines.len() <= MAX_QUEUE_LINES);
        // The newest stayed.
        assert_eq!(t.lines.back().unwrap().ts, now + 9_999);
        assert_eq!(q.dropped, 10_000 - t.lines.len() as u64);
        // A week-old line goes when the next one comes.
        let mut q = Queues::default();
        q.targets.insert("u".into(), TargetQueue::default());
        q.push("u", now - MAX_AGE_MS - 1, "old", now - MAX_AGE_MS - 1);
        q.push("u", now, "new", now);
        assert_eq!(q.targets["u"].lines.len(), 1);
        // Nothing queues for a collector that is gone, or not configured.
        q.targets.get_mut("u").unwrap().gone = true;
        q.push("u", now, "more", now);
        q.push("other", now, "more", now);
        assert_eq!(q.targets["u"].lines.len(), 1);
    }

    #[test]
    fn batches_are_bounded_and_only_what_went_is_removed() {
        let mut q = Queues::default();
        q.targets.insert("u".into(), TargetQueue::default());
        let line = "y".repeat(1_000);
        for i in 0..200 {
            q.push("u", i, &line, 0);
        }
        let t = q.targets.get_mut("u").unwrap();
        let (body, last, n) = t.batch().unwrap();
        assert!(body.len() <= BATCH_BYTES && n < 200);
        assert_eq!(body.iter().filter(|b| **b == b'\n').count(), n);
        // Lines queued while the batch was out stay.
        assert_eq!(t.sent(last), n as u64);
        assert_eq!(t.lines.len(), 200 - n);
    }

    #[test]
    fn backoff_doubles_to_an_hour() {
        let i = Duration::from_secs(30);
        assert!(backoff(i, 0) <= Duration::from_secs(36));
        assert!(backoff(i, 3) >= Duration::from_secs(192));
        assert!(backoff(i, 40) <= Duration::from_secs(4320));
    }
}
