//! What the viewer has watched: per series, the episode in progress and the
//! episodes seen to their end. Saved by `crate::store`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The file the viewing history is kept in, in the state directory.
pub const HISTORY_FILE: &str = "history.json";

/// An episode counts as watched past this share of its duration.
const WATCHED_SHARE: f64 = 0.95;
/// An episode left before this point starts again from its beginning.
pub const RESUME_MIN_MS: u64 = 5_000;
/// A resumed episode starts this much before where the viewer left it.
pub const RESUME_BACK_MS: u64 = 3_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Bumped by every change; orders Continue Watching without a clock.
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub series: BTreeMap<String, SeriesProgress>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesProgress {
    /// The episode last played.
    pub episode: u32,
    pub position_ms: u64,
    pub duration_ms: u64,
    #[serde(default)]
    pub watched: BTreeSet<u32>,
    /// `History::seq` at the last change.
    pub touched: u64,
    /// When, RFC 3339 UTC with milliseconds (merging with the account's
    /// progress goes by it); none in histories from before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Came from the account (another device), not watched on this TV
    /// since: forgotten when the TV signs out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_account: bool,
}

/// One series' progress from the account, as merged into the history.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountProgress {
    pub series: String,
    pub episode: u32,
    pub position_ms: u64,
    pub duration_ms: u64,
    pub watched: bool,
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
}

/// How far the viewer got with one episode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EpisodeProgress {
    Unseen,
    /// Share played, 0..1.
    InProgress(f32),
    Watched,
}

impl History {
    pub fn record_position(
        &mut self,
        series: &str,
        episode: u32,
        position_ms: u64,
        duration_ms: u64,
    ) {
        self.record_position_at(series, episode, position_ms, duration_ms, None);
    }

    /// [`record_position`](Self::record_position) at wall time `at`.
    pub fn record_position_at(
        &mut self,
        series: &str,
        episode: u32,
        position_ms: u64,
        duration_ms: u64,
        at: Option<String>,
    ) {
        self.seq += 1;
        let seq = self.seq;
        let p = self.series.entry(series.to_owned()).or_default();
        p.episode = episode;
        p.position_ms = position_ms;
        p.duration_ms = duration_ms;
        p.touched = seq;
        p.at = at;
        p.from_account = false;
        if duration_ms > 0 && position_ms as f64 >= duration_ms as f64 * WATCHED_SHARE {
            p.watched.insert(episode);
        }
    }

    pub fn mark_watched(&mut self, series: &str, episode: u32) {
        self.mark_watched_at(series, episode, None);
    }

    /// [`mark_watched`](Self::mark_watched) at wall time `at`.
    pub fn mark_watched_at(&mut self, series: &str, episode: u32, at: Option<String>) {
        self.seq += 1;
        let seq = self.seq;
        let p = self.series.entry(series.to_owned()).or_default();
        p.episode = episode;
        p.position_ms = p.duration_ms;
        p.watched.insert(episode);
        p.touched = seq;
        p.at = at;
        p.from_account = false;
    }

    /// The account's progress merged in: a series where the account is
    /// ahead in time (watched on a phone since) takes its episode and
    /// place; episodes watched anywhere stay watched. True if anything
    /// changed.
    pub fn merge_account(&mut self, items: &[AccountProgress]) -> bool {
        let mut items: Vec<&AccountProgress> = items.iter().collect();
        items.sort_by(|a, b| a.at.cmp(&b.at));
        let mut changed = false;
        for item in items {
            let p = self.series.entry(item.series.clone()).or_default();
            if item.watched && p.watched.insert(item.episode) {
                changed = true;
            }
            let newer = p.at.as_deref().is_none_or(|at| at < item.at.as_str());
            if newer {
                self.seq += 1;
                p.episode = item.episode;
                p.position_ms = if item.watched {
                    item.duration_ms
                } else {
                    item.position_ms
                };
                p.duration_ms = item.duration_ms;
                p.touched = self.seq;
                p.at = Some(item.at.clone());
                p.from_account = true;
                changed = true;
            }
        }
        changed
    }

    /// Signing out: what came from the account and was not watched here
    /// since goes.
    pub fn forget_account(&mut self) {
        self.series.retain(|_, p| !p.from_account);
    }

    pub fn progress(&self, series: &str, episode: u32) -> EpisodeProgress {
        let Some(p) = self.series.get(series) else {
            return EpisodeProgress::Unseen;
        };
        if p.watched.contains(&episode) {
            EpisodeProgress::Watched
        } else if p.episode == episode && p.duration_ms > 0 && p.position_ms > 0 {
            EpisodeProgress::InProgress((p.position_ms as f64 / p.duration_ms as f64) as f32)
        } else {
            EpisodeProgress::Unseen
        }
    }

    /// Where `episode` of `series` resumes, ms: a little before where the
    /// viewer left it, if that was in it and not too near its start (0:
    /// from the beginning).
    pub fn resume_position(&self, series: &str, episode: u32) -> u64 {
        match self.series.get(series) {
            Some(p)
                if p.episode == episode
                    && !p.watched.contains(&episode)
                    && p.position_ms >= RESUME_MIN_MS =>
            {
                p.position_ms - RESUME_BACK_MS
            }
            _ => 0,
        }
    }

    /// The episode to continue `series` with, given its numbers 1..=`count`:
    /// the one in progress, else the one after the last played, else 1.
    pub fn resume_episode(&self, series: &str, count: u32) -> u32 {
        let Some(p) = self.series.get(series) else {
            return 1;
        };
        if p.episode == 0 || p.episode > count {
            return 1;
        }
        if p.watched.contains(&p.episode) && p.episode < count {
            p.episode + 1
        } else {
            p.episode
        }
    }

    /// Series ids, most recently watched first, leaving out series whose
    /// every episode (1..=count as `count` says) has been watched.
    pub fn continue_watching(&self, count: impl Fn(&str) -> Option<u32>) -> Vec<String> {
        let mut entries: Vec<_> = self
            .series
            .iter()
            .filter(|(id, p)| match count(id) {
                Some(n) => !(1..=n).all(|e| p.watched.contains(&e)),
                None => false,
            })
            .collect();
        // Latest first: by wall time where known (merged progress has
        // one), else by the order of changes.
        entries.sort_by(|(_, a), (_, b)| {
            (b.at.as_deref(), b.touched).cmp(&(a.at.as_deref(), a.touched))
        });
        entries.into_iter().map(|(id, _)| id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_and_progress() {
        let mut h = History::default();
        assert_eq!(h.resume_episode("a", 10), 1);
        h.record_position("a", 3, 30_000, 60_000);
        assert_eq!(h.progress("a", 3), EpisodeProgress::InProgress(0.5));
        assert_eq!(h.resume_episode("a", 10), 3);
        h.record_position("a", 3, 58_000, 60_000);
        assert_eq!(h.progress("a", 3), EpisodeProgress::Watched);
        assert_eq!(h.resume_episode("a", 10), 4);
        h.mark_watched("a", 10);
        assert_eq!(h.resume_episode("a", 10), 10);
        assert_eq!(h.progress("a", 9), EpisodeProgress::Unseen);
    }

    #[test]
    fn continue_watching_is_most_recent_first_without_finished_series() {
        let mut h = History::default();
        h.record_position("a", 1, 1_000, 60_000);
        h.record_position("b", 2, 1_000, 60_000);
        h.mark_watched("c", 1);
        h.record_position("gone", 1, 1_000, 60_000);
        let count = |id: &str| match id {
            "a" | "b" => Some(5),
            "c" => Some(1),
            _ => None,
        };
        assert_eq!(h.continue_watching(count), vec!["b", "a"]);
        h.record_position("a", 1, 2_000, 60_000);
        assert_eq!(h.continue_watching(count), vec!["a", "b"]);
    }
}
