//! Adaptive bitrate: a throughput estimate kept across episodes, and the
//! choice of HLS variant for the next segment.

use std::time::Duration;

/// Throughput estimate from segment downloads: two exponentially weighted
/// averages, a fast one that reacts to drops and a slow one that resists
/// spikes, and the lower of the two is used (as hls.js and Shaka do).
#[derive(Debug, Clone)]
pub struct BandwidthEstimator {
    fast: Option<f64>,
    slow: Option<f64>,
    initial_bps: f64,
}

/// Downloads smaller than this say more about latency than throughput.
const MIN_SAMPLE_BYTES: u64 = 16 << 10;
/// Loopback and LAN answer in microseconds; cap what one sample may claim.
const MAX_BPS: f64 = 1e9;

impl BandwidthEstimator {
    pub fn new(initial_bps: u64) -> BandwidthEstimator {
        BandwidthEstimator {
            fast: None,
            slow: None,
            initial_bps: initial_bps as f64,
        }
    }

    pub fn sample(&mut self, bytes: u64, elapsed: Duration) {
        if bytes < MIN_SAMPLE_BYTES {
            return;
        }
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
/// The best variant within 80 % of the estimate; a step up only with at
/// least `min_buffer_up` of media buffered ahead, so that a wrong guess
/// costs a lower-quality segment, not a stall; a step down at once.
pub fn choose(
    bandwidths: &[u64],
    estimate_bps: u64,
    current: Option<usize>,
    buffered: Duration,
    min_buffer_up: Duration,
) -> usize {
    if bandwidths.is_empty() {
        return 0;
    }
    let budget = estimate_bps as f64 * 0.8;
    let fit = bandwidths
        .iter()
        .rposition(|&b| b as f64 <= budget)
        .unwrap_or(0);
    match current {
        Some(cur) if fit > cur && buffered < min_buffer_up => cur,
        _ => fit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_starts_from_the_initial_value_then_follows_samples() {
        let mut e = BandwidthEstimator::new(2_000_000);
        assert_eq!(e.estimate(), 2_000_000);
        e.sample(1000, Duration::from_millis(1));
        assert_eq!(e.estimate(), 2_000_000, "tiny samples are ignored");
        // 1 MB in 1 s = 8 Mbit/s.
        e.sample(1_000_000, Duration::from_secs(1));
        assert_eq!(e.estimate(), 8_000_000);
        // A drop shows at once through the fast average.
        e.sample(100_000, Duration::from_secs(1));
        assert!(e.estimate() < 5_000_000, "{}", e.estimate());
        // Loopback speeds are capped.
        let mut e = BandwidthEstimator::new(1);
        e.sample(1 << 20, Duration::ZERO);
        assert_eq!(e.estimate(), MAX_BPS as u64);
    }

    #[test]
    fn choice_keeps_a_margin_and_steps_up_only_with_buffer() {
        let ladder = [400_000, 1_200_000, 3_000_000];
        let secs = Duration::from_secs;
        assert_eq!(choose(&ladder, 10_000_000, None, secs(0), secs(2)), 2);
        assert_eq!(choose(&ladder, 3_000_000, None, secs(0), secs(2)), 1);
        assert_eq!(choose(&ladder, 100_000, None, secs(0), secs(2)), 0);
        // Down at once, whatever the buffer.
        assert_eq!(choose(&ladder, 1_000_000, Some(2), secs(10), secs(2)), 0);
        // Up only with enough buffered.
        assert_eq!(choose(&ladder, 10_000_000, Some(0), secs(1), secs(2)), 0);
        assert_eq!(choose(&ladder, 10_000_000, Some(0), secs(3), secs(2)), 2);
    }
}
