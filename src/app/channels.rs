//! Drama channels in the app core: what each channel has on air now (its
//! clock, [`crate::catalog::schedule`]), tuning to one (joining "now" inside
//! the episode on air), going on episode after episode, a card where the
//! box may not play what is on air, and changing channel.
//!
//! A box follows its channel's clock, shifted by `ahead_ms` only when it
//! must: joined from a preload a few seconds behind, or past a card for a
//! locked episode (the next playable one starts at once). The shift holds
//! while the viewer stays on the channel; tuning again rejoins "now".

use super::context::Ctx;
use super::screens::ScreenState;
use super::screens::player::{Player, Tuned};
use std::sync::Arc;

use super::{App, Command};
use crate::catalog::schedule::{ChannelClock, OnAir};

/// How long the banner stays up on joining and at each new episode.
pub const BANNER_MS: u64 = 6_000;
/// How long the card for a locked episode stays before the channel goes on.
pub const CARD_MS: u64 = 5_000;
/// A preload of a channel's episode from up to this far behind "now" is
/// used (the box then runs that far behind): the join is instant.
pub const PRELOAD_BEHIND_MS: u64 = 60_000;
/// At an episode's end the next one starts from its beginning (its preload)
/// when the channel is less than this far into it.
const CATCH_UP_MS: u64 = 3_000;
/// Live channels' guides are fetched again this often.
pub const GUIDE_REFRESH_MS: u64 = 30 * 60_000;

impl Ctx {
    /// The catalog's channels' clocks, built with the catalog.
    pub(crate) fn build_channel_clocks(&mut self) {
        self.channel_clocks = match &self.catalog {
            Some(c) => c
                .channels
                .iter()
                .map(|ch| match ChannelClock::new(ch, c) {
                    // A live channel has no schedule: its stream says.
                    _ if ch.live.is_some() => None,
                    Ok(clock) => Some(clock),
                    Err(e) => {
                        tracing::warn!(channel = ch.id, error = %e, "channel left out");
                        None
                    }
                })
                .collect(),
            None => Vec::new(),
        };
    }

    /// The channels that can be tuned to, by index into the catalog's:
    /// drama channels with a clock, and live ones.
    pub fn channels(&self) -> Vec<usize> {
        (0..self.channel_clocks.len())
            .filter(|&i| self.channel_clocks[i].is_some() || self.live_feed(i).is_some())
            .collect()
    }

    /// The live channels' guides to fetch: all of them with a new catalog,
    /// then again every [`GUIDE_REFRESH_MS`].
    pub(crate) fn guides_due(&mut self) -> Vec<Command> {
        let Some(catalog) = self.catalog.clone() else {
            return Vec::new();
        };
        let this = Arc::as_ptr(&catalog) as usize;
        let due = match self.guides_asked {
            Some((at, of)) => of != this || self.now_ms >= at + GUIDE_REFRESH_MS,
            None => true,
        };
        if !due {
            return Vec::new();
        }
        self.guides_asked = Some((self.now_ms, this));
        let mut urls: Vec<String> = catalog
            .channels
            .iter()
            .filter_map(|ch| ch.live.as_ref()?.guide.clone())
            .collect();
        urls.sort();
        urls.dedup();
        urls.into_iter().map(Command::LoadGuide).collect()
    }

    /// A guide came: the programmes of each live channel it serves (a
    /// guide that failed leaves the last one in place).
    pub(crate) fn on_guide(
        &mut self,
        url: &str,
        guides: Result<Arc<crate::guide::Guides>, String>,
    ) {
        let guides = match guides {
            Ok(g) => g,
            Err(why) => {
                tracing::warn!(url, %why, "programme guide not read");
                return;
            }
        };
        let Some(catalog) = self.catalog.clone() else {
            return;
        };
        for ch in &catalog.channels {
            if ch.live.as_ref().and_then(|l| l.guide.as_deref()) == Some(url) {
                let guide = guides.channel(&ch.id);
                if guide.is_empty() {
                    tracing::warn!(
                        url,
                        channel = ch.id,
                        "the guide lists nothing for the channel"
                    );
                }
                self.guides.insert(ch.id.clone(), Arc::new(guide));
            }
        }
    }

    /// The catalog's channel `i`.
    pub fn channel(&self, i: usize) -> Option<&crate::catalog::model::TvChannel> {
        self.catalog.as_ref()?.channels.get(i)
    }

    /// Channel `i`'s live stream, when it is a broadcaster's live channel.
    pub fn live_feed(&self, i: usize) -> Option<&crate::catalog::model::LiveFeed> {
        self.channel(i)?.live.as_ref()
    }

    /// What channel `i`'s guide says is on and next (their titles), once
    /// it is loaded: at the broadcast's time `on_air` (of the frame on
    /// screen) when known, else now on the box's clock.
    pub fn guide_now_next(
        &self,
        i: usize,
        on_air: Option<chrono::DateTime<chrono::Utc>>,
    ) -> (Option<String>, Option<String>) {
        let Some(guide) = self.channel(i).and_then(|ch| self.guides.get(&ch.id)) else {
            return (None, None);
        };
        let (now, next) = guide.now_next(on_air.unwrap_or_else(|| self.now_wall()));
        (now.map(|p| p.title.clone()), next.map(|p| p.title.clone()))
    }

    /// What channel `i` has on air, `ahead_ms` from now on the box's clock.
    pub fn on_air(&self, i: usize, ahead_ms: i64) -> Option<OnAir> {
        let clock = self.channel_clocks.get(i)?.as_ref()?;
        Some(clock.at(self.now_wall() + chrono::Duration::milliseconds(ahead_ms)))
    }

    /// The episode channel `i` airs after its `slot`.
    pub fn after_on_air(&self, i: usize, slot: usize) -> Option<(String, u32)> {
        let clock = self.channel_clocks.get(i)?.as_ref()?;
        let (s, e) = clock.after(slot);
        Some((s.to_owned(), e))
    }

    /// Channel `i`'s name in the UI language.
    pub fn channel_title(&self, i: usize) -> String {
        self.channel(i)
            .map(|ch| self.text(&ch.title))
            .unwrap_or_default()
    }

    /// Whether the box may play `episode` of `series` on a channel: one
    /// the viewer may play, in a series no parental limit holds back.
    pub fn on_air_playable(&self, series: &str, episode: u32) -> bool {
        self.episode(series, episode)
            .is_some_and(|(s, _)| self.playable(s, episode) && !self.parental_locked(s))
    }

    /// The channel `step` away from `i` among those that can be tuned to,
    /// going round.
    pub fn channel_step(&self, i: usize, step: i32) -> Option<usize> {
        let all = self.channels();
        let at = all.iter().position(|c| *c == i).unwrap_or(0) as i64;
        let n = all.len() as i64;
        (n > 0).then(|| all[(at + i64::from(step)).rem_euclid(n) as usize])
    }
}

impl App {
    /// Tunes to channel `i`: what it has on air, joined where the channel
    /// is (a preload of it from a moment ago is used, the box then running
    /// that far behind), with the banner up; a card when the box may not
    /// play it. The channel is remembered for "Start in TV mode".
    pub(super) fn tune(&mut self, i: usize, out: &mut Vec<Command>) {
        if let Some(feed) = self.ctx.live_feed(i).cloned() {
            self.tune_live(i, &feed, out);
            self.remember_channel(i, out);
            return;
        }
        let Some(on) = self.ctx.on_air(i, 0) else {
            return;
        };
        // A preload of this episode (on intent, or the channel's neighbour
        // while another played) from moments ago: played from there,
        // instantly.
        let neighbour = self
            .player()
            .and_then(|p| p.channel.as_ref())
            .and_then(|t| t.neighbour.clone());
        let preloaded = neighbour.or(self.channel_preload.take()).filter(|p| {
            p.0 == on.series
                && p.1 == on.episode
                && p.2 <= on.offset_ms
                && on.offset_ms - p.2 <= PRELOAD_BEHIND_MS
        });
        let (start_ms, ahead_ms) = match preloaded {
            Some((_, _, start)) => (start, -((on.offset_ms - start) as i64)),
            None => (on.offset_ms, 0),
        };
        self.air(i, on, start_ms, ahead_ms, out);
        self.remember_channel(i, out);
    }

    /// The channel tuned to, kept for "Start in TV mode".
    fn remember_channel(&mut self, i: usize, out: &mut Vec<Command>) {
        let id = self.ctx.channel(i).map(|ch| ch.id.clone());
        if let Some(id) = id
            && self.ctx.settings.last_channel.as_ref() != Some(&id)
        {
            self.ctx.settings.last_channel = Some(id);
            out.push(Command::SaveSettings(self.ctx.settings.clone()));
        }
    }

    /// A live channel: its stream joined near the live edge, the banner
    /// up; no history, ads or next episode.
    fn tune_live(
        &mut self,
        i: usize,
        feed: &crate::catalog::model::LiveFeed,
        out: &mut Vec<Command>,
    ) {
        let id = self.ctx.new_episode_id();
        let channel = self
            .ctx
            .channel(i)
            .map(|ch| ch.id.clone())
            .unwrap_or_default();
        out.push(Command::Play {
            id,
            source: crate::playback::StreamSource {
                live: true,
                ..crate::playback::StreamSource::plain(feed.url.clone())
            },
            series: channel.clone(),
            episode: 0,
            start_ms: 0,
            subtitles: None,
        });
        let tuned = Tuned {
            live: true,
            ..Tuned::new(i, self.ctx.now_ms)
        };
        let player = Player::live(&mut self.ctx, id, &channel, tuned);
        self.put_player(player);
    }

    /// The episode on channel `i` after the one at `slot` ended, on the
    /// box's clock: from its start (its preload) when the channel has just
    /// begun it, else where the channel is.
    pub(super) fn air_next(
        &mut self,
        i: usize,
        slot: usize,
        ahead_ms: i64,
        out: &mut Vec<Command>,
    ) {
        let Some(on) = self.ctx.on_air(i, ahead_ms) else {
            return;
        };
        let next = self.ctx.after_on_air(i, slot);
        let fresh = next == Some((on.series.clone(), on.episode)) && on.offset_ms < CATCH_UP_MS;
        let (start_ms, ahead_ms) = if fresh {
            (0, ahead_ms - on.offset_ms as i64)
        } else {
            (on.offset_ms, ahead_ms)
        };
        self.air(i, on, start_ms, ahead_ms, out);
    }

    /// After a card: the next episode on channel `i` the box may play,
    /// from its start (the box's clock moves ahead to it).
    pub(super) fn past_card(
        &mut self,
        i: usize,
        slot: usize,
        ahead_ms: i64,
        out: &mut Vec<Command>,
    ) {
        let Some(on) = self.ctx.on_air(i, ahead_ms) else {
            return;
        };
        let mut ahead = ahead_ms + (on.duration_ms - on.offset_ms) as i64;
        // At most one cycle on: a channel of locked episodes only keeps
        // its card up.
        for _ in 0..crate::catalog::limits::CYCLE_EPISODES {
            let Some(next) = self.ctx.on_air(i, ahead) else {
                return;
            };
            if self.ctx.on_air_playable(&next.series, next.episode) || next.index == slot {
                return self.air(i, next, 0, ahead, out);
            }
            ahead += next.duration_ms as i64;
        }
    }

    /// Puts `on` (channel `i`) on screen from `start_ms`, the box's clock
    /// `ahead_ms` from the channel's.
    fn air(&mut self, i: usize, on: OnAir, start_ms: u64, ahead_ms: i64, out: &mut Vec<Command>) {
        let now = self.ctx.now_ms;
        let tuned = Tuned {
            slot: on.index,
            ahead_ms,
            ..Tuned::new(i, now)
        };
        let player = if self.ctx.on_air_playable(&on.series, on.episode) {
            let started = Player::start(&mut self.ctx, &on.series, on.episode, start_ms);
            out.extend(started.commands);
            let mut player = started.player;
            player.channel = Some(tuned);
            player
        } else {
            out.push(Command::Stop);
            Player::card(
                &mut self.ctx,
                &on.series,
                on.episode,
                Tuned {
                    card_until: Some(now + CARD_MS),
                    ..tuned
                },
            )
        };
        self.put_player(player);
    }

    /// [`super::Event::Tune`]: from Home, the channel of this id.
    pub(super) fn tune_id(&mut self, id: &str, out: &mut Vec<Command>) {
        let i = self
            .ctx
            .catalog()
            .and_then(|c| c.channels.iter().position(|ch| ch.id == id));
        let Some(i) = i.filter(|i| self.ctx.channels().contains(i)) else {
            tracing::warn!(channel = id, "no such channel to tune to");
            return;
        };
        self.pop_to_home(out);
        self.overlay = None;
        self.tune(i, out);
    }

    /// "Continue here": the episode goes on off the channel, as any
    /// episode of its series (its series page under it, its next episode
    /// preloaded and played after it).
    pub(super) fn off_channel(&mut self) {
        let now = self.ctx.now_ms;
        let Some(i) = self.player_index() else { return };
        let ScreenState::Player(p) = &mut self.stack[i] else {
            return;
        };
        p.leave_channel(now);
        let series = p.series.clone();
        let episode = p.episode;
        self.under_player_series(&series);
        self.focus_in_series(&series, episode);
    }

    /// "Watch this series from episode 1", off the channel.
    pub(super) fn series_from_start(&mut self, out: &mut Vec<Command>) {
        let Some(series) = self.player().map(|p| p.series.clone()) else {
            return;
        };
        let Some(first) = self
            .ctx
            .series(&series)
            .and_then(|s| s.episodes.first())
            .map(|e| e.number)
        else {
            return;
        };
        self.under_player_series(&series);
        self.focus_in_series(&series, first);
        self.start_episode(&series, first, out);
    }

    /// The series page goes under the player (Back from the episode then
    /// shows it, as for any episode of a series).
    fn under_player_series(&mut self, series: &str) {
        let Some(i) = self.player_index().filter(|i| *i > 0) else {
            return;
        };
        let has_page = matches!(&self.stack[i - 1], ScreenState::Series(p) if p.id == series);
        if !has_page {
            self.stack.insert(
                i,
                ScreenState::Series(super::screens::SeriesPage::new(series)),
            );
        }
    }

    /// Ticks of a channel: its card's time up, the channel goes on.
    pub(super) fn channel_tick(&mut self, out: &mut Vec<Command>) {
        let now = self.ctx.now_ms;
        let due = self.player().and_then(|p| {
            let t = p.channel.as_ref()?;
            t.card_until
                .filter(|until| now >= *until)
                .map(|_| (t.channel, t.slot, t.ahead_ms))
        });
        if let Some((i, slot, ahead)) = due {
            self.past_card(i, slot, ahead, out);
        }
    }
}
