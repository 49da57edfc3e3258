//! Playback grants in the app core: which episodes need one (the catalog
//! says), the grants held (in memory only) with when each is refreshed,
//! and those asked for and not yet answered.

use std::collections::{BTreeMap, BTreeSet};

use super::Command;
use crate::playback::StreamSource;
use crate::unlock::{Grant, UnlockCommand};

/// A grant this close to its end is not used for a new start: a start
/// takes a moment, and a preload may wait.
const USABLE_MARGIN_MS: u64 = 5_000;

type Key = (String, u32);

#[derive(Debug, Clone, PartialEq)]
struct Held {
    source: StreamSource,
    /// When to ask for the next one (three quarters into its life).
    refresh_at: u64,
    expires_at: u64,
    /// Until when the box may keep the episode stored (the grant's
    /// `keep_for` from when it came); None: it may not.
    keep_until: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grants {
    held: BTreeMap<Key, Held>,
    asked: BTreeSet<Key>,
}

impl Grants {
    /// The grant held for `episode` of `series`, usable at `now`.
    pub fn get(&self, series: &str, episode: u32, now: u64) -> Option<&StreamSource> {
        self.held
            .get(&(series.to_owned(), episode))
            .filter(|h| now + USABLE_MARGIN_MS < h.expires_at)
            .map(|h| &h.source)
    }

    /// The grant held for `episode` of `series`, usable at `now`, when it
    /// lets the box keep the episode: its source and until when.
    pub fn keeping(
        &self,
        series: &str,
        episode: u32,
        now: u64,
    ) -> Option<(&StreamSource, chrono::DateTime<chrono::Utc>)> {
        let held = self.held.get(&(series.to_owned(), episode))?;
        let until = held.keep_until?;
        (now + USABLE_MARGIN_MS < held.expires_at).then_some((&held.source, until))
    }

    /// Whether a grant is held or asked for `episode` of `series`.
    pub fn held(&self, series: &str, episode: u32) -> bool {
        let key = (series.to_owned(), episode);
        self.held.contains_key(&key) || self.asked.contains(&key)
    }

    /// The command asking for a grant, unless one was asked already.
    pub fn ask(&mut self, series: &str, episode: u32) -> Option<Command> {
        self.asked.insert((series.to_owned(), episode)).then(|| {
            Command::Unlock(UnlockCommand::Grant {
                series: series.to_owned(),
                episode,
            })
        })
    }

    /// The answer came: a grant is held from `now` (`wall`, the time as
    /// far as the box can tell), or none.
    pub fn answered(
        &mut self,
        series: &str,
        episode: u32,
        grant: Option<&Grant>,
        now: u64,
        wall: chrono::DateTime<chrono::Utc>,
    ) {
        let key = (series.to_owned(), episode);
        self.asked.remove(&key);
        match grant {
            Some(g) => {
                let life = g.expires_in_s.saturating_mul(1000);
                self.held.insert(
                    key,
                    Held {
                        source: g.source.clone(),
                        refresh_at: now + life * 3 / 4,
                        expires_at: now + life,
                        keep_until: g.keep_for_s.map(|s| {
                            wall + chrono::Duration::seconds(s.min(i64::MAX as u64) as i64)
                        }),
                    },
                );
            }
            None => {
                self.held.remove(&key);
            }
        }
        // Grants long expired go (memory only, and bounded by use).
        self.held.retain(|_, h| h.expires_at + 60_000 > now);
    }

    /// Held grants of `in_use` episodes due for refreshing at `now`, not
    /// yet asked again: the commands asking for them.
    pub fn refresh(&mut self, in_use: &[Key], now: u64) -> Vec<Command> {
        let due: Vec<Key> = in_use
            .iter()
            .filter(|k| !self.asked.contains(*k))
            .filter(|k| self.held.get(*k).is_some_and(|h| now >= h.refresh_at))
            .cloned()
            .collect();
        due.into_iter()
            .filter_map(|(s, e)| self.ask(&s, e))
            .collect()
    }

    /// The grant of an episode its server refused mid-way (a 403): a new
    /// one is needed.
    pub fn forget(&mut self, series: &str, episode: u32) {
        self.held.remove(&(series.to_owned(), episode));
    }

    /// Sign out: no grant survives.
    pub fn clear(&mut self) {
        self.held.clear();
        self.asked.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(s: u64) -> Grant {
        Grant {
            source: StreamSource::plain("https://cdn.example/ep9.m3u8?sig=1"),
            expires_in_s: s,
            keep_for_s: None,
        }
    }

    #[test]
    fn grants_are_asked_once_used_until_near_their_end_and_refreshed_when_in_use() {
        let mut g = Grants::default();
        assert!(g.ask("s", 9).is_some());
        assert!(g.ask("s", 9).is_none(), "asked already");
        let wall = chrono::Utc::now();
        g.answered("s", 9, Some(&grant(100)), 1_000, wall);
        assert!(g.keeping("s", 9, 1_000).is_none(), "not to be kept");
        assert!(g.get("s", 9, 1_000).is_some());
        assert!(g.get("s", 9, 96_000).is_none(), "too near its end");
        let in_use = [("s".to_owned(), 9)];
        assert!(g.refresh(&in_use, 50_000).is_empty(), "not due");
        assert_eq!(g.refresh(&in_use, 76_000).len(), 1);
        assert!(g.refresh(&in_use, 77_000).is_empty(), "asked already");
        assert!(g.refresh(&[], 200_000).is_empty(), "not in use");
        g.answered("s", 9, None, 80_000, wall);
        assert!(g.get("s", 9, 80_000).is_none(), "refused: none held");
        let mut kept = grant(100);
        kept.keep_for_s = Some(3600);
        g.answered("s", 9, Some(&kept), 90_000, wall);
        let (_, until) = g.keeping("s", 9, 90_000).unwrap();
        assert_eq!(until, wall + chrono::Duration::hours(1));
        assert!(
            g.keeping("s", 9, 186_000).is_none(),
            "the grant itself ran out"
        );
    }
}
