//! What the network link carries, as the fetcher sees it: every body byte
//! (the data a metered connection counts), the time spent receiving
//! bodies, counted once however many arrive together, and how long
//! servers take to start answering.
//!
//! The player's throughput estimate is bytes over receiving time read
//! from here, so downloads that share the link measure the link, not
//! their share of it; the time to first byte is kept apart, since a
//! fixed delay per request says nothing of the rate (counted in, it
//! would make small segments look slower than large ones and hold the
//! choice on a low rung).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Weight of a new time-to-first-byte sample in its moving average.
const TTFB_WEIGHT: f64 = 0.25;
/// A first byte later than this is a stall or a timeout, not latency.
const MAX_TTFB: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct LinkMeter {
    /// Every body byte received.
    received: AtomicU64,
    state: Mutex<Receiving>,
}

#[derive(Debug, Default)]
struct Receiving {
    /// Bodies being read now.
    bodies: u32,
    /// Since when one has been.
    since: Option<Instant>,
    /// Receiving time before `since`.
    busy: Duration,
    /// Bytes read inside receiving time.
    bytes: u64,
    /// Moving average of the time to first byte, seconds.
    ttfb: Option<f64>,
}

/// The link's totals at one moment: subtract two for a throughput.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkReading {
    pub bytes: u64,
    pub busy: Duration,
}

impl LinkMeter {
    /// Body bytes received so far, over every request.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Counts bytes of a body read lazily (a progressive file's rest, a
    /// report's answer): data used, but no time the link was measured over.
    pub(crate) fn count(&self, bytes: usize) {
        self.received.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// A body starts being read to its end; its bytes go through the
    /// returned guard, and the link is receiving until it is dropped.
    pub(crate) fn body(&self) -> BodyReading<'_> {
        self.start(Instant::now());
        BodyReading { meter: self }
    }

    /// A response's headers came `ttfb` after its request was sent.
    pub(crate) fn first_byte(&self, ttfb: Duration) {
        if ttfb > MAX_TTFB {
            return;
        }
        let Ok(mut s) = self.state.lock() else { return };
        let t = ttfb.as_secs_f64();
        s.ttfb = Some(s.ttfb.map_or(t, |old| old + TTFB_WEIGHT * (t - old)));
    }

    /// The usual time to first byte (zero before any answer).
    pub fn ttfb(&self) -> Duration {
        self.state
            .lock()
            .ok()
            .and_then(|s| s.ttfb)
            .map_or(Duration::ZERO, Duration::from_secs_f64)
    }

    pub fn reading(&self) -> LinkReading {
        self.reading_at(Instant::now())
    }

    fn reading_at(&self, now: Instant) -> LinkReading {
        let Ok(s) = self.state.lock() else {
            return LinkReading::default();
        };
        let open = s
            .since
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        LinkReading {
            bytes: s.bytes,
            busy: s.busy + open,
        }
    }

    fn start(&self, now: Instant) {
        let Ok(mut s) = self.state.lock() else { return };
        if s.bodies == 0 {
            s.since = Some(now);
        }
        s.bodies = s.bodies.saturating_add(1);
    }

    fn add(&self, bytes: usize) {
        self.count(bytes);
        if let Ok(mut s) = self.state.lock() {
            s.bytes = s.bytes.saturating_add(bytes as u64);
        }
    }

    fn end(&self, now: Instant) {
        let Ok(mut s) = self.state.lock() else { return };
        s.bodies = s.bodies.saturating_sub(1);
        if s.bodies == 0
            && let Some(since) = s.since.take()
        {
            s.busy += now.saturating_duration_since(since);
        }
    }
}

/// One body being read; see [`LinkMeter::body`].
pub(crate) struct BodyReading<'a> {
    meter: &'a LinkMeter,
}

impl BodyReading<'_> {
    pub(crate) fn add(&self, bytes: usize) {
        self.meter.add(bytes);
    }
}

impl Drop for BodyReading<'_> {
    fn drop(&mut self) {
        self.meter.end(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_read_together_count_their_time_once() {
        let m = LinkMeter::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        m.start(at(0));
        m.add(1000);
        m.start(at(1000));
        m.add(2000);
        assert_eq!(
            m.reading_at(at(1500)),
            LinkReading {
                bytes: 3000,
                busy: Duration::from_millis(1500)
            },
            "an open body's time counts up to now"
        );
        m.end(at(3000));
        m.end(at(4000));
        // Idle: bytes counted lazily are data used, not measured.
        m.count(5000);
        m.start(at(10_000));
        m.add(500);
        m.end(at(11_000));
        assert_eq!(
            m.reading_at(at(20_000)),
            LinkReading {
                bytes: 3500,
                busy: Duration::from_millis(5000)
            }
        );
        assert_eq!(m.received(), 8500);
        // An end without a start neither underflows nor adds time.
        m.end(at(30_000));
        assert_eq!(m.reading_at(at(40_000)).busy, Duration::from_millis(5000));
    }

    #[test]
    fn time_to_first_byte_is_a_moving_average_without_outliers() {
        let m = LinkMeter::default();
        assert_eq!(m.ttfb(), Duration::ZERO);
        m.first_byte(Duration::from_millis(200));
        assert_eq!(m.ttfb(), Duration::from_millis(200));
        m.first_byte(Duration::from_millis(600));
        assert_eq!(m.ttfb(), Duration::from_millis(300));
        m.first_byte(Duration::from_secs(60));
        assert_eq!(
            m.ttfb(),
            Duration::from_millis(300),
            "a stall is not latency"
        );
    }
}
