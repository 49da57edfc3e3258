//! How often a box shows ads: breaks between free episodes (after every N
//! free episodes, at most M in an hour, never for a VIP viewer) and
//! rewarded ads (at most K a day), with what this box has shown so far.
//! The app keeps the ledger in its state directory, so that a restart
//! resets no count; what is read back is bounded like anything else read
//! from disk, and a clock that steps back buys no extra ads.

use serde::{Deserialize, Serialize};

/// The catalog's rules for breaks between free episodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakRules {
    /// A break after this many free episodes (0: no breaks).
    pub every_free: u32,
    /// At most this many breaks shown in any hour.
    pub per_hour: u32,
}

/// The catalog's rule for rewarded ads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RewardRules {
    /// Rewarded ads a box may play in a day (its local day).
    pub per_day: u32,
}

/// The largest count kept: more than any rule asks for.
const MAX_COUNT: u32 = 1000;
/// Break start times kept (an hour's worth at any rule a catalog may set).
const MAX_RECENT: usize = 64;
const HOUR: i64 = 3600;

/// What this box has shown. Times are Unix seconds, days are days since
/// 1 January of year 1 (chrono's `num_days_from_ce`) in the box's local time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdLedger {
    /// Free episodes finished since the last break.
    #[serde(default)]
    free_since_break: u32,
    /// When the breaks shown in the last hour started.
    #[serde(default)]
    recent_breaks: Vec<i64>,
    /// The day `rewards` counts.
    #[serde(default)]
    reward_day: i32,
    #[serde(default)]
    rewards: u32,
}

impl AdLedger {
    /// A ledger read from disk, bounded: counts capped, break times
    /// outside the last hour dropped, ones in the future (a clock that
    /// stepped back since) taken as now.
    pub fn checked(mut self, now: i64) -> AdLedger {
        self.free_since_break = self.free_since_break.min(MAX_COUNT);
        self.rewards = self.rewards.min(MAX_COUNT);
        self.prune(now);
        self
    }

    /// A free episode played to its end (or left after its middle): one
    /// nearer the next break.
    pub fn free_episode_finished(&mut self) {
        self.free_since_break = (self.free_since_break + 1).min(MAX_COUNT);
    }

    /// Whether a break comes before the next free episode.
    pub fn break_due(&self, rules: BreakRules, vip: bool, now: i64) -> bool {
        if vip || rules.every_free == 0 || self.free_since_break < rules.every_free {
            return false;
        }
        self.breaks_within_hour(now) < rules.per_hour as usize
    }

    /// A break was tried: the count starts again whether or not an ad
    /// filled it (an ad server with nothing to show is not asked again at
    /// the very next episode); only a break shown counts against the hour.
    pub fn break_done(&mut self, shown: bool, now: i64) {
        self.free_since_break = 0;
        if shown {
            self.prune(now);
            if self.recent_breaks.len() == MAX_RECENT {
                self.recent_breaks.remove(0);
            }
            self.recent_breaks.push(now);
        }
    }

    /// Rewarded ads left today.
    pub fn rewarded_left(&self, rules: RewardRules, today: i32) -> u32 {
        let used = if today > self.reward_day {
            0
        } else {
            self.rewards
        };
        rules.per_day.saturating_sub(used)
    }

    /// A rewarded ad was watched to its end. A day earlier than the one
    /// counted (the clock stepped back) counts on the later day's total.
    pub fn rewarded_watched(&mut self, today: i32) {
        if today > self.reward_day {
            self.reward_day = today;
            self.rewards = 0;
        }
        self.rewards = (self.rewards + 1).min(MAX_COUNT);
    }

    fn breaks_within_hour(&self, now: i64) -> usize {
        self.recent_breaks
            .iter()
            .filter(|&&t| t.min(now) > now - HOUR)
            .count()
    }

    fn prune(&mut self, now: i64) {
        for t in &mut self.recent_breaks {
            *t = (*t).min(now);
        }
        self.recent_breaks.retain(|&t| t > now - HOUR);
        let excess = self.recent_breaks.len().saturating_sub(MAX_RECENT);
        self.recent_breaks.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_3: BreakRules = BreakRules {
        every_free: 3,
        per_hour: 2,
    };

    #[test]
    fn a_break_after_every_third_free_episode_at_most_twice_an_hour() {
        let mut l = AdLedger::default();
        let t0 = 1_000_000;
        for _ in 0..2 {
            l.free_episode_finished();
        }
        assert!(!l.break_due(EVERY_3, false, t0));
        l.free_episode_finished();
        assert!(l.break_due(EVERY_3, false, t0));
        assert!(!l.break_due(EVERY_3, true, t0), "never for VIP");
        l.break_done(true, t0);
        assert!(!l.break_due(EVERY_3, false, t0), "the count starts again");
        for _ in 0..3 {
            l.free_episode_finished();
        }
        l.break_done(true, t0 + 600);
        for _ in 0..3 {
            l.free_episode_finished();
        }
        assert!(
            !l.break_due(EVERY_3, false, t0 + 1200),
            "two in the hour already"
        );
        assert!(
            l.break_due(EVERY_3, false, t0 + HOUR + 1),
            "the first one has aged out"
        );
        // A break that found no ad restarts the count but not the hour's.
        l.break_done(false, t0 + HOUR + 1);
        assert_eq!(l.breaks_within_hour(t0 + HOUR + 1), 1);
        let off = BreakRules {
            every_free: 0,
            per_hour: 9,
        };
        assert!(!l.break_due(off, false, t0));
    }

    #[test]
    fn rewarded_ads_per_local_day_and_a_clock_that_steps_back() {
        let rules = RewardRules { per_day: 2 };
        let mut l = AdLedger::default();
        let day = 739_000;
        assert_eq!(l.rewarded_left(rules, day), 2);
        l.rewarded_watched(day);
        l.rewarded_watched(day);
        assert_eq!(l.rewarded_left(rules, day), 0);
        // Back a day: the later day's count stands.
        assert_eq!(l.rewarded_left(rules, day - 1), 0);
        l.rewarded_watched(day - 1);
        assert_eq!(l.rewarded_left(rules, day), 0);
        // The next day starts afresh.
        assert_eq!(l.rewarded_left(rules, day + 1), 2);
        l.rewarded_watched(day + 1);
        assert_eq!(l.rewarded_left(rules, day + 1), 1);
    }

    #[test]
    fn what_is_read_from_disk_is_bounded() {
        let now = 5_000_000;
        let hostile: AdLedger = serde_json::from_str(&format!(
            r#"{{"free_since_break": 4294967295, "rewards": 4000000000, "reward_day": 1,
               "recent_breaks": [{}]}}"#,
            (0..10_000)
                .map(|i| (now + 86_400 - i).to_string())
                .collect::<Vec<_>>()
                .join(",")
        ))
        .unwrap();
        let l = hostile.checked(now);
        assert_eq!(l.free_since_break, MAX_COUNT);
        assert!(l.recent_breaks.len() <= MAX_RECENT);
        // Future times are now: they hold the hour's cap for one hour only.
        assert!(l.recent_breaks.iter().all(|&t| t == now));
        assert_eq!(l.breaks_within_hour(now + HOUR), 0);
        let mut l = l;
        l.free_episode_finished();
        assert_eq!(l.free_since_break, MAX_COUNT);
        // An empty or partial file is a fresh ledger.
        let empty: AdLedger = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, AdLedger::default());
    }
}
