//! The player on a drama channel: the banner (the channel, what is on,
//! what comes next) on joining and at each new episode; what follows
//! preloaded (the channel's next episode, and until near the end the
//! neighbouring channel's, for CH+); CH+/CH- (Next/Previous) change
//! channel; OK asks whether to watch the series from its first episode or
//! go on with it here; a card stands in for an episode the box may not
//! play.

use super::{Nav, Player};
use crate::app::Command;
use crate::app::channels::{BANNER_MS, PRELOAD_BEHIND_MS};
use crate::app::context::{Ctx, StreamFor, join};
use crate::app::subtitles::subtitles_for;
use crate::i18n::tr;
use crate::input::Action;

/// Before an episode's end (this long, or its last third when shorter)
/// the preload turns from the neighbouring channel to the episode that
/// follows on this one.
const NEXT_ON_AIR_BEFORE_MS: u64 = 12_000;

/// A channel the player is tuned to.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuned {
    /// Index into the catalog's channels.
    pub channel: usize,
    /// The episode's place in the channel's cycle.
    pub slot: usize,
    /// The box's clock for the channel, from the channel's (negative:
    /// behind).
    pub ahead_ms: i64,
    /// The banner shows until this tick.
    pub banner_until: u64,
    /// A card stands in for the episode (the box may not play it) until
    /// this tick; then the channel goes on.
    pub card_until: Option<u64>,
    /// The episode after this one on the channel, once its preload went
    /// out (its grant may come first).
    pub preloaded: Option<(String, u32)>,
    /// The neighbouring channel's episode preloaded for CH+: (series,
    /// episode, from).
    pub neighbour: Option<(String, u32, u64)>,
    /// A broadcaster's live channel: its stream, not episodes.
    pub live: bool,
    /// A live channel's broadcast time of the frame on screen, as the
    /// player last read it (when its playlist dates its segments): the
    /// guide's "now" is read at it, not at the box's clock, which runs
    /// some seconds ahead of the picture and may be wrong.
    pub on_air: Option<chrono::DateTime<chrono::Utc>>,
}

impl Tuned {
    /// Tuned to channel `channel` at tick `now`, its banner up.
    pub fn new(channel: usize, now: u64) -> Tuned {
        Tuned {
            channel,
            slot: 0,
            ahead_ms: 0,
            banner_until: now + BANNER_MS,
            card_until: None,
            preloaded: None,
            neighbour: None,
            live: false,
            on_air: None,
        }
    }
}

/// What the banner says: the channel, what is on, what comes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub channel: String,
    pub now: String,
    pub next: String,
}

impl Player {
    /// A card in place of `episode` of `series`, which the box may not play.
    pub fn card(ctx: &mut Ctx, series: &str, episode: u32, tuned: Tuned) -> Player {
        let id = ctx.new_episode_id();
        let mut player = Player::idle(ctx, id, series, episode);
        player.channel = Some(tuned);
        player
    }

    /// Off the channel ("Continue here"): from now on the episode is one
    /// of its series, whose next is preloaded as usual.
    pub(crate) fn leave_channel(&mut self, now: u64) {
        self.channel = None;
        self.next_preload_at = Some(now + super::NEXT_PRELOAD_AFTER_MS);
    }

    /// Live channel `channel` (its id), tuned as `tuned`, loading.
    pub fn live(
        ctx: &mut Ctx,
        id: crate::episode::EpisodeId,
        channel: &str,
        tuned: Tuned,
    ) -> Player {
        let mut player = Player::idle(ctx, id, channel, 0);
        player.channel = Some(tuned);
        player
    }

    /// Whether this plays a live channel (no episode, no history).
    pub fn is_live(&self) -> bool {
        self.channel.as_ref().is_some_and(|t| t.live)
    }

    /// Whether a card stands in for the episode.
    pub fn carded(&self) -> bool {
        self.channel
            .as_ref()
            .is_some_and(|t| t.card_until.is_some())
    }

    /// The banner, while it is up.
    pub fn banner(&self, ctx: &Ctx) -> Option<Banner> {
        let t = self.channel.as_ref()?;
        if ctx.now_ms >= t.banner_until && t.card_until.is_none() {
            return None;
        }
        let lang = ctx.lang();
        if t.live {
            let (now, next) = ctx.guide_now_next(t.channel, t.on_air);
            return Some(Banner {
                channel: ctx.channel_title(t.channel),
                now: now.unwrap_or_else(|| tr(lang, "live", &[])),
                next: next
                    .map(|n| tr(lang, "channel-next", &[("what", n.into())]))
                    .unwrap_or_default(),
            });
        }
        let line = |series: &str, n: u32| {
            let title = ctx
                .series(series)
                .map(|s| ctx.text(&s.title))
                .unwrap_or_default();
            tr(
                lang,
                "channel-episode",
                &[("series", title.into()), ("number", n.into())],
            )
        };
        let next = ctx
            .after_on_air(t.channel, t.slot)
            .map(|(s, n)| tr(lang, "channel-next", &[("what", line(&s, n).into())]))
            .unwrap_or_default();
        Some(Banner {
            channel: ctx.channel_title(t.channel),
            now: line(&self.series, self.episode),
            next,
        })
    }

    /// Keys on a channel: CH+/CH- (Next/Previous) change channel, OK asks
    /// what to do with the series, Up/Down bring the banner back, Play and
    /// Pause work as ever, Back leaves.
    pub(super) fn on_channel_action(
        &mut self,
        ctx: &mut Ctx,
        action: Action,
        out: &mut Vec<Command>,
    ) -> Option<Nav> {
        let failed = self.failed().is_some();
        let t = self.channel.as_mut()?;
        Some(match action {
            Action::Back => Nav::Back,
            Action::Next => Nav::ChannelStep(1),
            Action::Previous => Nav::ChannelStep(-1),
            // A live channel has no series to watch from its start.
            Action::Ok if t.card_until.is_none() && !failed && !t.live => Nav::AskChannel,
            Action::Up | Action::Down | Action::Left | Action::Right | Action::Ok => {
                t.banner_until = ctx.now_ms + BANNER_MS;
                Nav::Stay
            }
            Action::PlayPause => self.set_paused(!self.paused, out),
            Action::Play => self.set_paused(false, out),
            Action::Pause => self.set_paused(true, out),
            _ => Nav::Stay,
        })
    }

    /// What to preload on a channel, as the episode plays: the neighbouring
    /// channel's episode on air (CH+ then shows it at once) until near the
    /// end, then the episode that follows on this channel.
    pub(super) fn channel_preloads(&mut self, ctx: &mut Ctx, out: &mut Vec<Command>) {
        let Some(t) = &self.channel else { return };
        if t.card_until.is_some() || t.preloaded.is_some() {
            return;
        }
        let duration = self.duration_ms.unwrap_or(u64::MAX);
        let left = duration.saturating_sub(self.position_ms);
        // A live channel has no next episode: only its neighbour.
        if !t.live && left <= NEXT_ON_AIR_BEFORE_MS.min(duration / 3) {
            let Some((series, n)) = ctx.after_on_air(t.channel, t.slot) else {
                return;
            };
            if !ctx.on_air_playable(&series, n) {
                return;
            }
            // Beside the neighbour's: CH+ stays instant to the end.
            match ctx.stream_for(&series, n) {
                StreamFor::Ready(source) => {
                    out.push(on_air_preload(ctx, &series, n, 0, source, true))
                }
                StreamFor::NeedsGrant => out.extend(ctx.grants.ask(&series, n)),
                StreamFor::Missing => return,
            }
            if let Some(t) = self.channel.as_mut() {
                t.preloaded = Some((series, n));
            }
            return;
        }
        let Some(up) = ctx.channel_step(t.channel, 1).filter(|c| *c != t.channel) else {
            return;
        };
        let Some(on) = ctx.on_air(up, 0) else { return };
        // The preload stands while the neighbour still airs that episode
        // and CH+ would join it not too far behind; else a fresh one.
        if t.neighbour.as_ref().is_some_and(|(s, n, from)| {
            *s == on.series
                && *n == on.episode
                && on.offset_ms.saturating_sub(*from) <= PRELOAD_BEHIND_MS / 2
        }) {
            return;
        }
        if !ctx.on_air_playable(&on.series, on.episode) {
            return;
        }
        // Only a stream at hand: a grant is not asked for a channel the
        // viewer may never go to.
        if let StreamFor::Ready(source) = ctx.stream_for(&on.series, on.episode) {
            out.push(on_air_preload(
                ctx,
                &on.series,
                on.episode,
                on.offset_ms,
                source,
                false,
            ));
            if let Some(t) = self.channel.as_mut() {
                t.neighbour = Some((on.series, on.episode, on.offset_ms));
            }
        }
    }

    /// A grant came for the episode to follow on the channel: its preload.
    pub(super) fn on_channel_grant(
        &self,
        ctx: &Ctx,
        series: &str,
        episode: u32,
        out: &mut Vec<Command>,
    ) {
        let Some(t) = &self.channel else { return };
        if t.preloaded
            .as_ref()
            .is_some_and(|(s, n)| s == series && *n == episode)
            && let StreamFor::Ready(source) = ctx.stream_for(series, episode)
        {
            out.push(on_air_preload(ctx, series, episode, 0, source, true));
        }
    }

    /// The spoken UI on a channel: the banner's lines, or the card's.
    pub(super) fn describe_channel(&self, ctx: &Ctx) -> Option<String> {
        let t = self.channel.as_ref()?;
        let lang = ctx.lang();
        let banner = self.banner(ctx);
        let mut parts = vec![ctx.channel_title(t.channel)];
        if t.card_until.is_some() {
            parts.push(tr(lang, "channel-card", &[]));
        } else if let Some(b) = banner {
            parts.extend([b.now, b.next]);
        } else if t.live {
            parts.push(tr(lang, "live", &[]));
        }
        if t.live && self.broadcast_stalled {
            parts.push(tr(lang, "broadcast-stalled", &[]));
        }
        Some(join(&parts))
    }

    /// Whether the episode is one the channel goes on from at its end
    /// (no ad break, no Up Next: the channel's next comes).
    pub fn on_channel(&self) -> bool {
        self.channel.is_some()
    }
}

/// A preload of `episode` of `series` from `start_ms`, with its subtitles;
/// `beside` the neighbouring channel's (for the channel's next episode).
fn on_air_preload(
    ctx: &Ctx,
    series: &str,
    episode: u32,
    start_ms: u64,
    source: crate::playback::StreamSource,
    beside: bool,
) -> Command {
    let subtitles = ctx
        .episode(series, episode)
        .and_then(|(s, e)| subtitles_for(s, e, &ctx.subtitle_prefs()).cloned());
    Command::Preload {
        source,
        start_ms,
        subtitles,
        beside,
    }
}
