//! The data the box received this month, for Settings' "Data used this
//! month": what a viewer on a metered connection (a phone's hotspot, a
//! data plan) counts. Every body byte the one network stack receives
//! counts (episodes, posters, subtitles, the catalog, the partner's APIs);
//! kept in `data-used.json` so that a restart does not start from zero.

use serde::{Deserialize, Serialize};

pub const DATA_USED_FILE: &str = "data-used.json";

/// How often the meter looks at the network stack's count, and how often
/// a changed total is written.
pub const LOOK_EVERY_MS: u64 = 5_000;
pub const SAVE_EVERY_MS: u64 = 60_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataUsed {
    /// The local month counted, "2026-12".
    pub month: String,
    pub bytes: u64,
}

impl DataUsed {
    /// `bytes` more in `month`: a new month starts again from zero.
    pub fn add(&mut self, month: &str, bytes: u64) {
        if self.month != month {
            self.month = month.to_owned();
            self.bytes = 0;
        }
        self.bytes = self.bytes.saturating_add(bytes);
    }

    /// What `month` has used so far (nothing, if the file is of another).
    pub fn in_month(&self, month: &str) -> u64 {
        if self.month == month { self.bytes } else { 0 }
    }
}

/// Follows the network stack's running count into the month's total.
#[derive(Debug)]
pub struct Meter {
    pub used: DataUsed,
    /// The stack's count when last looked at.
    counted: u64,
    looked_ms: Option<u64>,
    saved_ms: u64,
    saved: DataUsed,
}

impl Meter {
    /// From what was saved; `counted`: the stack's count now.
    pub fn new(saved: DataUsed, counted: u64) -> Meter {
        Meter {
            used: saved.clone(),
            counted,
            looked_ms: None,
            saved_ms: 0,
            saved,
        }
    }

    /// At `now_ms`, with the stack's count `counted` and the local month:
    /// the month's total when it is time to look (else None), and whether
    /// it is to be written.
    pub fn look(&mut self, now_ms: u64, counted: u64, month: &str) -> Option<(u64, bool)> {
        if self
            .looked_ms
            .is_some_and(|t| now_ms.saturating_sub(t) < LOOK_EVERY_MS)
        {
            return None;
        }
        self.looked_ms = Some(now_ms);
        let more = counted.saturating_sub(self.counted);
        self.counted = counted;
        self.used.add(month, more);
        let save = self.used != self.saved && now_ms.saturating_sub(self.saved_ms) >= SAVE_EVERY_MS;
        if save {
            self.saved = self.used.clone();
            self.saved_ms = now_ms;
        }
        Some((self.used.in_month(month), save))
    }

    /// The total to write at exit, if it changed since it was.
    pub fn unsaved(&mut self, counted: u64, month: &str) -> Option<DataUsed> {
        let more = counted.saturating_sub(self.counted);
        self.counted = counted;
        self.used.add(month, more);
        (self.used != self.saved).then(|| self.used.clone())
    }
}

/// The box's local month, "2026-12".
pub fn this_month() -> String {
    chrono::Local::now().format("%Y-%m").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_into_the_month_and_starts_again_in_the_next() {
        let saved = DataUsed {
            month: "2026-11".into(),
            bytes: 7_000,
        };
        let mut m = Meter::new(saved, 100);
        // November goes on from what was saved.
        assert_eq!(m.look(0, 600, "2026-11"), Some((7_500, false)));
        // Not again before LOOK_EVERY_MS.
        assert_eq!(m.look(1_000, 900, "2026-11"), None);
        assert_eq!(m.look(LOOK_EVERY_MS, 900, "2026-11"), Some((7_800, false)));
        // A minute on, the changed total is written.
        assert_eq!(m.look(SAVE_EVERY_MS, 1_000, "2026-11"), Some((7_900, true)));
        assert_eq!(
            m.look(SAVE_EVERY_MS + LOOK_EVERY_MS, 1_000, "2026-11"),
            Some((7_900, false))
        );
        // December starts from zero.
        assert_eq!(
            m.look(2 * SAVE_EVERY_MS, 1_250, "2026-12"),
            Some((250, true))
        );
        assert_eq!(m.used.month, "2026-12");
        // At exit: what is new since it was written.
        assert_eq!(m.unsaved(1_250, "2026-12"), None);
        assert_eq!(m.unsaved(1_300, "2026-12").map(|u| u.bytes), Some(300));
    }

    #[test]
    fn a_file_of_another_month_counts_nothing_and_a_count_never_goes_back() {
        let saved = DataUsed {
            month: "1999-01".into(),
            bytes: u64::MAX,
        };
        assert_eq!(saved.in_month("2026-12"), 0);
        let mut m = Meter::new(saved, 10_000);
        // A count lower than before (a new stack) adds nothing.
        assert_eq!(m.look(0, 5, "2026-12"), Some((0, false)));
        let mut full = DataUsed {
            month: "2026-12".into(),
            bytes: u64::MAX - 1,
        };
        full.add("2026-12", 10);
        assert_eq!(full.bytes, u64::MAX);
    }
}
