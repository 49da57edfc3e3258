//! Adaptive bitrate: a throughput estimate of the link, kept across
//! episodes, and the choice of HLS variant for the next segment.

use std::time::Duration;

use crate::net::link::LinkReading;

/// Throughput estimate of the link: two exponentially weighted averages, a
/// fast one that reacts to drops and a slow one that resists spikes, and
/// the lower of the two is used (as hls.js and Shaka do).
///
/// Samples are the link meter's bytes over its receiving time since the
/// last sample (`net::link`): an episode and the preload of the next that
/// download together measure the link they share, not half of it each.
#[derive(Debug, Clone)]
pub struct BandwidthEstimator {
    fast: Option<f64>,
    slow: Option<f64>,
    initial_bps: f64,
    /// The link's totals when the last sample was taken.
    last: LinkReading,
}

/// Fewer bytes than this say more about latency than throughput.
const MIN_SAMPLE_BYTES: u64 = 16 << 10;
/// Loopback and LAN answer in microseconds; cap what one sample may claim.
const MAX_BPS: f64 = 1e9;

impl BandwidthEstimator {
    pub fn new(initial_bps: u64) -> BandwidthEstimator {
        BandwidthEstimator {
            fast: None,
            slow: None,
            initial_bps: initial_bps as f64,
            last: LinkReading::default(),
        }
    }

    /// After a segment download: what the link carried since the last
    /// sample makes one, once there are enough bytes.
    pub fn update(&mut self, now: LinkReading) {
        let bytes = now.bytes.saturating_sub(self.last.bytes);
        if bytes < MIN_SAMPLE_BYTES {
            return;
        }
        self.sample(bytes, now.busy.saturating_sub(self.last.busy));
        self.last = now;
    }

    fn sample(&mut self, bytes: u64, elapsed: Duration) {
        let secs = elapsed.as_secs_f64().max(1e-4);
        let bps = (bytes as f64 * 8.0 / secs).min(MAX_BPS);
        let mix = |old: Option<f64>, alpha: f64| Some(old.map_or(bps, |o| o + alpha * (bps - o)));
        self.fast = mix(self.fast, 0.5);
        self.slow = mix(self.slow, 0.15);
    }

    /// The estimate once downloads were measured (None: still the initial
    /// guess), bits per second.
    pub fn measured(&self) -> Option<u64> {
        self.fast.and(self.slow).map(|_| self.estimate())
    }

    /// Bits per second.
    pub fn estimate(&self) -> u64 {
        match (self.fast, self.slow) {
            (Some(f), Some(s)) => f.min(s) as u64,
            _ => self.initial_bps as u64,
        }
    }
}

/// Picks the variant for the next segment among `bandwidths` (ascending).
///
/// The best variant within 80 % of the estimate, less the share of a
/// segment's duration spent waiting for its first byte (`ttfb`; a segment
/// of `segment` must arrive in `segment - ttfb`); a step up only with at
/// least `min_buffer_up` of media buffered ahead, so that a wrong guess
/// costs a lower-quality segment, not a stall; a step down at once.
pub fn choose(
    bandwidths: &[u64],
    estimate_bps: u64,
    ttfb: Duration,
    segment: Option<Duration>,
    current: Option<usize>,
    buffered: Duration,
    min_buffer_up: Duration,
) -> usize {
    if bandwidths.is_empty() {
        return 0;
    }
    let receiving = segment
        .filter(|d| !d.is_zero())
        .map_or(1.0, |d| 1.0 - ttfb.as_secs_f64() / d.as_secs_f64())
        .clamp(0.25, 1.0);
    let budget = estimate_bps as f64 * 0.8 * receiving;
    let fit = bandwidths
        .iter()
        .rposition(|&b| b as f64 <= budget)
        .unwrap_or(0);
    match current {
        Some(cur) if fit > cur && buffered < min_buffer_up => cur,
        _ => fit,
    }
}

/// A segment download watched for abandoning: what it is expected to
/// weigh, what the lowest rung's segment would, and the media buffered
/// when it was asked for.
#[derive(Debug, Clone, Copy)]
pub struct InFlight {
    pub expected_bytes: u64,
    pub lowest_bytes: u64,
    pub buffered: Duration,
}

/// Downloads watched for less than this are not judged: their rate says
/// more about the first byte than the link.
pub const ABANDON_AFTER: Duration = Duration::from_millis(500);

impl InFlight {
    /// Whether to give this download up for the lowest rung's segment:
    /// at the rate it has come so far (`got` bytes in `elapsed`, of which
    /// the usual `ttfb` went to the first byte), it would end after the
    /// buffer runs out, and the lowest rung's, asked now, would end
    /// sooner. A link that falls mid-segment then costs a lower-quality
    /// segment instead of a stall (hls.js does the same).
    pub fn abandon(&self, got: u64, elapsed: Duration, ttfb: Duration) -> bool {
        let receiving = elapsed.saturating_sub(ttfb);
        if elapsed < ABANDON_AFTER || got == 0 || receiving < Duration::from_millis(100) {
            return false;
        }
        let rate = got as f64 / receiving.as_secs_f64();
        let finish = self.expected_bytes.saturating_sub(got) as f64 / rate;
        let left = self.buffered.saturating_sub(elapsed).as_secs_f64();
        let lowest = ttfb.as_secs_f64() + self.lowest_bytes as f64 / rate;
        finish > left && lowest < finish
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(bytes: u64, ms: u64) -> LinkReading {
        LinkReading {
            bytes,
            busy: Duration::from_millis(ms),
        }
    }

    #[test]
    fn estimate_starts_from_the_initial_value_then_follows_the_link() {
        let mut e = BandwidthEstimator::new(2_000_000);
        assert_eq!(e.estimate(), 2_000_000);
        assert_eq!(e.measured(), None);
        e.update(reading(1000, 1));
        assert_eq!(e.estimate(), 2_000_000, "too few bytes for a sample");
        // 1 MB in 1 s of receiving = 8 Mbit/s (the first 1000 bytes in).
        e.update(reading(1_000_000, 1000));
        assert_eq!(e.estimate(), 8_000_000);
        assert_eq!(e.measured(), Some(8_000_000));
        // A drop shows at once through the fast average.
        e.update(reading(1_100_000, 2000));
        assert!(e.estimate() < 5_000_000, "{}", e.estimate());
        // Loopback speeds are capped.
        let mut e = BandwidthEstimator::new(1);
        e.update(reading(1 << 20, 0));
        assert_eq!(e.estimate(), MAX_BPS as u64);
    }

    #[test]
    fn choice_keeps_a_margin_and_steps_up_only_with_buffer() {
        let ladder = [400_000, 1_200_000, 3_000_000];
        let secs = Duration::from_secs;
        let pick = |estimate, current, buffered| {
            choose(
                &ladder,
                estimate,
                Duration::ZERO,
                None,
                current,
                secs(buffered),
                secs(2),
            )
        };
        assert_eq!(pick(10_000_000, None, 0), 2);
        assert_eq!(pick(3_000_000, None, 0), 1);
        assert_eq!(pick(100_000, None, 0), 0);
        // Down at once, whatever the buffer.
        assert_eq!(pick(1_000_000, Some(2), 10), 0);
        // Up only with enough buffered.
        assert_eq!(pick(10_000_000, Some(0), 1), 0);
        assert_eq!(pick(10_000_000, Some(0), 3), 2);
    }

    #[test]
    fn a_download_that_would_outlast_the_buffer_is_given_up_for_the_lowest_rung() {
        let ms = Duration::from_millis;
        // A 2 s segment at 3.3 Mbit/s (825 kB) with 4 s buffered; the
        // lowest rung's weighs 140 kB.
        let f = InFlight {
            expected_bytes: 825_000,
            lowest_bytes: 140_000,
            buffered: ms(4000),
        };
        let zero = Duration::ZERO;
        // The link fell to 50 kB/s: 16 s to finish, 3 s of buffer left.
        assert!(f.abandon(50_000, ms(1000), zero));
        // Too early to judge, or nothing came yet (a connection still
        // opening says nothing of the rate).
        assert!(!f.abandon(20_000, ms(400), zero));
        assert!(!f.abandon(0, ms(3000), zero));
        assert!(!f.abandon(1000, ms(600), ms(550)));
        // At 500 kB/s it ends in time.
        assert!(!f.abandon(500_000, ms(1000), zero));
        // The wait for the first byte is not counted as slowness: 400 kB
        // in 1 s after 200 ms to the first byte is 500 kB/s, in time.
        let tight = InFlight {
            buffered: ms(2000),
            ..f
        };
        assert!(tight.abandon(400_000, ms(1000), zero));
        assert!(!tight.abandon(400_000, ms(1000), ms(200)));
        // Late but the lowest rung would be later still: keep it.
        let almost = InFlight {
            lowest_bytes: 1_000_000,
            ..f
        };
        assert!(!almost.abandon(700_000, ms(3900), zero));
    }

    #[test]
    fn the_wait_for_a_first_byte_comes_out_of_a_segments_time() {
        // 1.5 Mbit/s with 150 ms to first byte and 2 s segments: a
        // 1023k rung fits (1.5M x 0.8 x 0.925 = 1.11M), 1777k does not.
        let ladder = [563_000, 1_023_000, 1_777_000];
        let ms = Duration::from_millis;
        let two = Some(Duration::from_secs(2));
        assert_eq!(
            choose(&ladder, 1_500_000, ms(150), two, None, ms(0), ms(0)),
            1
        );
        // The same wait with 1 s segments leaves only the lowest.
        let one = Some(Duration::from_secs(1));
        assert_eq!(
            choose(&ladder, 1_500_000, ms(400), one, None, ms(0), ms(0)),
            0
        );
        // A wait longer than the segment still leaves a quarter.
        assert_eq!(
            choose(&ladder, 10_000_000, ms(5000), two, None, ms(0), ms(0)),
            2
        );
    }
}
