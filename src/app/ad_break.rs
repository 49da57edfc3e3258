//! An ad break between two free episodes (the catalog's `ads.breaks`,
//! docs/ads.md). While the episode before it plays, the player asks the ad
//! server and preloads the first ad where it would have preloaded the next
//! episode; when the episode ends the ads play in order, each preloading
//! what follows it, then the next episode. A break that is not ready when
//! the episode ends, or whose ads fail, is skipped: the next episode starts
//! as if there had been none.

use std::time::Duration;

use crate::ads::chain::{AdFailure, PlayableAd};
use crate::ads::ledger::BreakRules;
use crate::ads::tracking::{AdEvent, AdTracker, Beacon};
use crate::ads::vast::ErrorCode;
use crate::episode::EpisodeId;
use crate::i18n::tr;

use super::Command;
use super::context::{Ctx, next_episode};

/// The file the ad ledger is kept in, in the state directory.
pub const AD_LEDGER_FILE: &str = "ads.json";

/// The break the player prepares or plays after its episode.
#[derive(Debug, Clone, PartialEq)]
pub enum AdBreak {
    /// The ad server was asked under `request`; no answer yet.
    Asked { request: EpisodeId },
    /// Ads to play when the episode ends, the first one preloaded.
    Ready { ads: Vec<PlayableAd> },
    /// The ad server had no ad this box can play: no break this time (the
    /// count starts again when the episode ends).
    Empty,
    /// An ad on screen.
    Playing(Box<AdPlay>),
}

/// The ad on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct AdPlay {
    /// The id of the command that plays it.
    pub id: EpisodeId,
    /// 1 for the break's first ad.
    pub index: usize,
    pub count: usize,
    pub tracker: AdTracker,
    /// The ads after this one.
    pub rest: Vec<PlayableAd>,
    pub position_ms: u64,
    pub shown: bool,
    /// Watched to unlock an episode: it cannot be skipped (the reward is
    /// for the whole ad).
    pub rewarded: bool,
}

/// What the viewer reads over an ad: "Ad · 0:12", "1 of 2", and the skip
/// button once it may be pressed (or how long until it may).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AdLabel {
    pub label: String,
    pub position: String,
    /// "Skip ad" (OK skips) or "Skip in 3"; empty: not skippable.
    pub skip: String,
    pub can_skip: bool,
}

/// What a break needs from the catalog: its VAST tag and the longest break.
pub struct BreakAsk {
    pub tag: String,
    pub content_id: String,
}

/// The catalog's id for an episode in ad requests (`[CONTENTID]`).
pub fn content_id(series: &str, number: u32) -> String {
    format!("{series}/{number}")
}

/// Whether a break comes between free episode `number` of `series`, when
/// it ends, and the next one: the catalog asks for breaks, both episodes
/// are free, the viewer is not VIP, and the ledger (with this episode
/// counted) says one is due.
pub fn due(ctx: &Ctx, series: &str, number: u32) -> Option<BreakAsk> {
    let breaks = ctx.catalog()?.ads.as_ref()?.breaks.as_ref()?;
    let s = ctx.series(series)?;
    let next = next_episode(s, number)?.number;
    if number > s.free_episodes || next > s.free_episodes {
        return None;
    }
    let now = ctx.now_wall();
    let vip = ctx
        .entitlements
        .as_ref()
        .is_some_and(|e| e.vip(now).is_some());
    let rules = BreakRules {
        every_free: breaks.every_free_episodes,
        per_hour: breaks.max_per_hour,
    };
    let mut ledger = ctx.ad_ledger.clone();
    ledger.free_episode_finished();
    ledger
        .break_due(rules, vip, now.timestamp())
        .then(|| BreakAsk {
            tag: breaks.vast.clone(),
            content_id: content_id(series, next),
        })
}

/// The break's longest length, from the catalog.
fn max_break(ctx: &Ctx) -> Duration {
    let secs = ctx
        .catalog()
        .and_then(|c| c.ads.as_ref()?.breaks.as_ref())
        .map_or(0, |b| b.max_seconds);
    Duration::from_secs(secs.into())
}

/// The ads that fit in the break, in order: an ad that would make it
/// longer than `max` ends the break there.
pub fn fit(ads: Vec<PlayableAd>, max: Duration) -> Vec<PlayableAd> {
    let mut total = Duration::ZERO;
    ads.into_iter()
        .take_while(|ad| {
            total += ad.duration;
            total <= max
        })
        .collect()
}

/// Makes `ad` ready to play at once (its file fetched, its first frame
/// decoded), as the next episode is.
pub fn preload(ad: &PlayableAd) -> Command {
    Command::Preload {
        source: crate::playback::StreamSource::ad(ad.media.url.clone()),
        start_ms: 0,
        subtitles: None,
        beside: false,
    }
}

/// The error beacons of ads that could not be played.
pub fn failure_beacons(failures: &[AdFailure]) -> Vec<Beacon> {
    failures
        .iter()
        .flat_map(|f| {
            tracing::info!(code = f.code.code(), reason = f.reason, "ad not played");
            f.errors.iter().map(|url| Beacon {
                what: "error",
                url: url.clone(),
                playhead: Duration::ZERO,
                error: Some(f.code.code()),
            })
        })
        .collect()
}

/// The ad server answered: the ads that fit the break, with the error
/// beacons of those that cannot play sent at once.
pub fn answered(
    ctx: &Ctx,
    resolved: crate::ads::chain::Resolved,
    content_id: &str,
    out: &mut Vec<Command>,
) -> Vec<PlayableAd> {
    let beacons = failure_beacons(&resolved.failures);
    if !beacons.is_empty() {
        out.push(Command::AdBeacons {
            beacons,
            content_id: content_id.into(),
        });
    }
    let ads = fit(resolved.ads, max_break(ctx));
    tracing::info!(ads = ads.len(), "ad break ready");
    ads
}

impl AdPlay {
    /// The first of `ads` (not empty) starts under a new id.
    pub fn start(ctx: &mut Ctx, mut ads: Vec<PlayableAd>, out: &mut Vec<Command>) -> AdPlay {
        let count = ads.len();
        let first = ads.remove(0);
        AdPlay::next(ctx, first, ads, 1, count, out)
    }

    fn next(
        ctx: &mut Ctx,
        ad: PlayableAd,
        rest: Vec<PlayableAd>,
        index: usize,
        count: usize,
        out: &mut Vec<Command>,
    ) -> AdPlay {
        let id = ctx.new_episode_id();
        out.push(Command::PlayAd {
            id,
            url: ad.media.url.clone(),
            ad_id: ad.ad_id.clone(),
        });
        AdPlay {
            id,
            index,
            count,
            tracker: AdTracker::new(ad),
            rest,
            position_ms: 0,
            shown: false,
            rewarded: false,
        }
    }

    /// The ad after this one, started; `None` at the end of the break.
    pub fn following(&mut self, ctx: &mut Ctx, out: &mut Vec<Command>) -> Option<AdPlay> {
        if self.rest.is_empty() {
            return None;
        }
        let ad = self.rest.remove(0);
        let rest = std::mem::take(&mut self.rest);
        Some(AdPlay::next(ctx, ad, rest, self.index + 1, self.count, out))
    }

    /// What the viewer did or the player saw, tracked.
    pub fn track(&mut self, event: AdEvent, content_id: &str, out: &mut Vec<Command>) {
        let beacons = self.tracker.on(event);
        if !beacons.is_empty() {
            out.push(Command::AdBeacons {
                beacons,
                content_id: content_id.into(),
            });
        }
    }

    /// Where the ad is now: its quartiles and progress offsets tracked.
    pub fn at(&mut self, position_ms: u64, content_id: &str, out: &mut Vec<Command>) {
        self.position_ms = position_ms;
        let at = Duration::from_millis(position_ms);
        self.track(AdEvent::Position(at), content_id, out);
    }

    /// The ad could not be played (its media failed).
    pub fn failed(&mut self, why: &str, content_id: &str, out: &mut Vec<Command>) {
        tracing::warn!(why, url = self.tracker.ad().media.url, "ad failed");
        let code = if self.shown {
            ErrorCode::MediaProblem
        } else {
            ErrorCode::FileNotFound
        };
        self.track(AdEvent::Failed(code), content_id, out);
    }

    fn skip_after_ms(&self) -> Option<u64> {
        if self.rewarded {
            return None;
        }
        let skip = self.tracker.ad().skip_after?;
        Some(skip.as_millis().min(u64::MAX as u128) as u64)
    }

    /// OK skips the ad now.
    pub fn can_skip(&self) -> bool {
        self.shown
            && self
                .skip_after_ms()
                .is_some_and(|at| self.position_ms >= at)
    }

    fn left_s(&self) -> u64 {
        let d = self.tracker.ad().duration.as_millis().min(u64::MAX as u128) as u64;
        d.saturating_sub(self.position_ms).div_ceil(1000)
    }

    pub fn label(&self, ctx: &Ctx) -> AdLabel {
        let l = ctx.lang();
        let left = self.left_s();
        let time = format!("{}:{:02}", left / 60, left % 60);
        let skip = match self.skip_after_ms() {
            _ if self.can_skip() => tr(l, "ad-skip", &[]),
            Some(at) => {
                let wait = at.saturating_sub(self.position_ms).div_ceil(1000).max(1);
                tr(l, "ad-skip-in", &[("seconds", wait.into())])
            }
            None => String::new(),
        };
        AdLabel {
            label: tr(l, "ad-label", &[("time", time.into())]),
            position: if self.count > 1 {
                tr(
                    l,
                    "ad-position",
                    &[
                        ("index", (self.index as u64).into()),
                        ("count", (self.count as u64).into()),
                    ],
                )
            } else {
                String::new()
            },
            skip,
            can_skip: self.can_skip(),
        }
    }

    /// What the spoken UI says over an ad.
    pub fn describe(&self, ctx: &Ctx) -> String {
        let l = ctx.lang();
        let mut parts = vec![tr(
            l,
            "spoken-ad",
            &[
                ("index", (self.index as u64).into()),
                ("count", (self.count as u64).into()),
                ("seconds", self.left_s().into()),
            ],
        )];
        if self.can_skip() {
            parts.push(tr(l, "ad-skip", &[]));
        }
        super::context::join(&parts)
    }
}
