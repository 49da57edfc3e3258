//! Episodes kept ready on the box (Settings, "Episodes kept ready"): for
//! each series in Continue Watching, the next ones from where the viewer
//! is, those the viewer may play and, for paid ones, whose grant lets the
//! box keep them. The app core says what to keep and when the box is idle;
//! the keeper ([`crate::stored::keeper`]) fetches, evicts and reports back
//! ([`super::Event::Kept`]); a kept episode then plays from the box.

use chrono::{DateTime, Utc};

use super::context::{Ctx, playable_stream};
use super::{App, Command};
use crate::playback::StreamSource;
use crate::stored::Kept;
use crate::stored::download::Want;
use crate::stored::keeper::KeepPlan;

/// The keeper is asked again this often even when nothing changed (its
/// clock for kept paid episodes moves on).
const ASK_AGAIN_MS: u64 = 10 * 60_000;
/// Night, when the catalog does not say: 1:00 to 6:00.
const NIGHT: (u8, u8) = (1, 6);

/// What was last asked of the keeper, its clock aside.
#[derive(Debug, Clone, PartialEq)]
pub struct KeepAsk {
    plan: KeepPlan,
    idle: bool,
}

impl Ctx {
    /// Episode `number` of `series` as kept on the box, while it may play
    /// from there (a paid one until its grant's time is up).
    pub fn kept(&self, series: &str, number: u32) -> Option<&Kept> {
        let now = self.now_wall();
        self.stored
            .get(&(series.to_owned(), number))
            .filter(|k| k.keep_until.is_none_or(|t| now < t))
    }

    /// Whether kept episodes are fetched only at night: the viewer's
    /// choice, else the catalog's.
    pub fn keep_at_night(&self) -> bool {
        self.settings.keep_at_night.unwrap_or_else(|| {
            self.catalog
                .as_ref()
                .and_then(|c| c.keep_ahead.as_ref())
                .is_some_and(|k| k.night_only)
        })
    }

    /// Night where the viewers are, local hours (from, to).
    pub fn night_hours(&self) -> (u8, u8) {
        self.catalog
            .as_ref()
            .and_then(|c| c.keep_ahead.as_ref())
            .map_or(NIGHT, |k| (k.night_from, k.night_to))
    }

    /// What to keep now; grants asked for paid episodes that need one.
    fn keep_plan(&mut self, idle: bool, out: &mut Vec<Command>) -> KeepPlan {
        let per_series = usize::from(self.settings.keep_ahead);
        let now = self.now_wall();
        let recency = self
            .history
            .continue_watching(|id| self.series(id).map(|s| s.episodes.len() as u32));
        let mut wanted = Vec::new();
        let mut asks = Vec::new();
        for id in recency.iter().filter(|_| per_series > 0) {
            let Some(s) = self.series(id) else { continue };
            let from = self.history.resume_episode(id, s.episodes.len() as u32);
            for e in s
                .episodes
                .iter()
                .filter(|e| e.number >= from)
                .take(per_series)
            {
                if !self.playable(s, e.number) {
                    // Locked from here on: nothing after it is kept either.
                    break;
                }
                let want = |source: StreamSource, keep_until, sha256| Want {
                    series: id.clone(),
                    episode: e.number,
                    source,
                    max_bitrate: self.settings.data_use.max_bitrate(),
                    keep_until,
                    sha256,
                };
                if let Some(k) = self.stored.get(&(id.clone(), e.number)) {
                    wanted.push(want(StreamSource::plain(k.url.clone()), k.keep_until, None));
                } else if s.granted(e) {
                    match self.grants.keeping(id, e.number, self.now_ms) {
                        Some((source, until)) => {
                            wanted.push(want(source.clone(), Some(until), None))
                        }
                        // One grant asked at a time, and only while idle.
                        None if idle && asks.is_empty() && !self.grants.held(id, e.number) => {
                            asks.push((id.clone(), e.number))
                        }
                        None => {}
                    }
                } else if let Some(stream) = playable_stream(e) {
                    let sha256 = stream.sha256.as_deref().and_then(crate::stored::sha256_of);
                    wanted.push(want(StreamSource::plain(stream.url.clone()), None, sha256));
                }
            }
        }
        for (series, episode) in asks {
            out.extend(self.grants.ask(&series, episode));
        }
        let budget = match (per_series, self.settings.keep_space_gb) {
            (0, _) => Some(0),
            (_, 0) => None,
            (_, gb) => Some(u64::from(gb) * 1_000_000_000),
        };
        KeepPlan {
            wanted,
            budget,
            night: self.keep_at_night().then(|| self.night_hours()),
            recency,
            now,
        }
    }
}

impl App {
    /// Asks the keeper for what to keep when that changed, or every
    /// [`ASK_AGAIN_MS`]; idle is when nothing plays, not even a preview.
    pub(super) fn follow_keep(&mut self, out: &mut Vec<Command>) {
        let Some(catalog) = &self.ctx.catalog else {
            return;
        };
        // Until the viewer's entitlements are known, what they own looks
        // locked: a plan now would have their kept paid episodes removed.
        if catalog.unlock_api.is_some() && !self.ctx.entitlements_known {
            return;
        }
        let idle = self.player_index().is_none() && self.preview().is_none();
        let plan = self.ctx.keep_plan(idle, out);
        let ask = KeepAsk {
            plan: KeepPlan {
                now: DateTime::<Utc>::UNIX_EPOCH,
                ..plan.clone()
            },
            idle,
        };
        let now = self.ctx.now_ms;
        let due = match &self.keep_sent {
            Some((last, at)) => *last != ask || now >= at + ASK_AGAIN_MS,
            None => true,
        };
        if due {
            out.push(Command::Keep { plan, idle });
            self.keep_sent = Some((ask, now));
        }
    }

    /// The keeper says what is kept.
    pub(super) fn on_kept(&mut self, kept: Vec<Kept>) {
        self.ctx.stored = kept
            .into_iter()
            .map(|k| ((k.series.clone(), k.episode), k))
            .collect();
        // The series page marks what is on the box.
        self.ctx.shelf_changed();
    }
}
