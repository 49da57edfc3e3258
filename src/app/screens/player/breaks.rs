//! The player's part in an ad break (see [`crate::app::ad_break`]): keys
//! and reports during an ad, the ad server's answer, and what the end of
//! the episode before the break starts.

use crate::ads::tracking::AdEvent;
use crate::app::ad_break::{AdBreak, AdPlay, answered, content_id, preload};
use crate::app::context::{Ctx, next_episode};
use crate::app::{Command, Playback};
use crate::episode::EpisodeId;
use crate::input::Action;

use super::{Phase, Player};
use crate::app::screens::Nav;

impl Player {
    /// The ad on screen, during a break.
    pub fn ad(&self) -> Option<&AdPlay> {
        match &self.ad_break {
            Some(AdBreak::Playing(play)) => Some(play),
            _ => None,
        }
    }

    pub(crate) fn ad_mut(&mut self) -> Option<&mut AdPlay> {
        match &mut self.ad_break {
            Some(AdBreak::Playing(play)) => Some(play),
            _ => None,
        }
    }

    /// The `[CONTENTID]` of the break: the episode after it.
    pub(crate) fn break_content_id(&self, ctx: &Ctx) -> String {
        let next = ctx
            .series(&self.series)
            .and_then(|s| next_episode(s, self.episode))
            .map_or(self.episode, |e| e.number);
        content_id(&self.series, next)
    }

    /// Keys during an ad: no seeking and no next; OK skips once the ad
    /// allows it; Back leaves the player.
    pub(crate) fn on_ad_action(
        &mut self,
        ctx: &mut Ctx,
        action: Action,
        out: &mut Vec<Command>,
    ) -> Nav {
        let content = self.break_content_id(ctx);
        let paused = match action {
            Action::PlayPause => Some(!self.paused),
            Action::Play => Some(false),
            Action::Pause => Some(true),
            _ => None,
        }
        .filter(|p| *p != self.paused);
        let Some(play) = self.ad_mut() else {
            return Nav::Stay;
        };
        match action {
            Action::Back => {
                play.track(AdEvent::Closed, &content, out);
                Nav::Back
            }
            Action::Ok if play.can_skip() => {
                play.track(AdEvent::Skipped, &content, out);
                self.after_ad(ctx, out)
            }
            _ => {
                if let Some(paused) = paused {
                    let event = if paused {
                        AdEvent::Paused
                    } else {
                        AdEvent::Resumed
                    };
                    play.track(event, &content, out);
                    self.set_paused(paused, out);
                }
                Nav::Stay
            }
        }
    }

    /// The ad on screen is over (played, skipped or failed): the next one,
    /// or the episode after the break.
    pub(crate) fn after_ad(&mut self, ctx: &mut Ctx, out: &mut Vec<Command>) -> Nav {
        self.paused = false;
        self.buffering = false;
        if let Some(play) = self.ad_mut()
            && let Some(next) = play.following(ctx, out)
        {
            self.id = next.id;
            self.phase = Phase::Loading;
            self.ad_break = Some(AdBreak::Playing(Box::new(next)));
            return Nav::Stay;
        }
        self.ad_break = None;
        self.next_after_break(ctx)
    }

    pub(crate) fn next_after_break(&self, ctx: &Ctx) -> Nav {
        match ctx
            .series(&self.series)
            .and_then(|s| next_episode(s, self.episode))
        {
            Some(next) => Nav::Play {
                series: self.series.clone(),
                episode: next.number,
            },
            None => Nav::Back,
        }
    }

    /// The ad server's answer to the break asked under `request`: its
    /// first ad preloaded, or (no ad) the next episode as usual.
    pub fn on_ad_break(
        &mut self,
        ctx: &mut Ctx,
        request: EpisodeId,
        resolved: crate::ads::chain::Resolved,
        out: &mut Vec<Command>,
    ) -> Nav {
        if self.ad_break != Some(AdBreak::Asked { request }) {
            tracing::debug!(%request, "late ad break answer dropped");
            return Nav::Stay;
        }
        if self.reward.is_some() {
            return self.reward_answered(ctx, resolved, out);
        }
        let content = self.break_content_id(ctx);
        let ads = answered(ctx, resolved, &content, out);
        match ads.first() {
            Some(first) => {
                out.push(preload(first));
                self.ad_break = Some(AdBreak::Ready { ads });
            }
            None => {
                self.ad_break = Some(AdBreak::Empty);
                self.preload_episode(ctx, out);
            }
        }
        Nav::Stay
    }

    /// A report about the ad on screen.
    pub(crate) fn on_ad_playback(
        &mut self,
        ctx: &mut Ctx,
        report: Playback,
        out: &mut Vec<Command>,
    ) -> Nav {
        let content = self.break_content_id(ctx);
        let now = ctx.now_wall().timestamp();
        let Some(play) = self.ad_mut() else {
            return Nav::Stay;
        };
        match report {
            Playback::Started => {
                play.shown = true;
                play.track(AdEvent::Shown, &content, out);
                let first = play.index == 1;
                let following = play.rest.first().map(preload);
                self.phase = Phase::Playing;
                if first {
                    ctx.ad_ledger.break_done(true, now);
                    out.push(Command::SaveAdLedger(ctx.ad_ledger.clone()));
                }
                // What comes after this ad, ready before it ends.
                match following {
                    Some(command) => out.push(command),
                    None => self.preload_episode(ctx, out),
                }
            }
            Playback::Position { position_ms, .. } => {
                play.at(position_ms, &content, out);
                if self.phase == Phase::Loading {
                    self.phase = Phase::Playing;
                }
            }
            Playback::Buffering(on) => self.buffering = on,
            Playback::Connection(lost) => self.connection_lost = lost,
            Playback::Broadcast(_) | Playback::OnAir(_) | Playback::Subtitles(_) => {}
            Playback::Ended => {
                play.track(AdEvent::Completed, &content, out);
                return self.after_ad(ctx, out);
            }
            Playback::Failed { message, .. } => {
                play.failed(&message, &content, out);
                return self.after_ad(ctx, out);
            }
        }
        Nav::Stay
    }

    /// The episode ended: the ledger counts it if free, and the break
    /// after it starts if its ads are ready (one still being asked for is
    /// skipped: the next episode does not wait for an ad server).
    pub(crate) fn break_at_end(&mut self, ctx: &mut Ctx, out: &mut Vec<Command>) -> Option<Nav> {
        let free = ctx
            .series(&self.series)
            .is_some_and(|s| self.episode <= s.free_episodes);
        if !free {
            return None;
        }
        ctx.ad_ledger.free_episode_finished();
        let nav = match self.ad_break.take() {
            Some(AdBreak::Ready { ads }) if !ads.is_empty() => {
                let play = AdPlay::start(ctx, ads, out);
                self.id = play.id;
                self.phase = Phase::Loading;
                self.position_ms = 0;
                self.controls_until = None;
                self.ad_break = Some(AdBreak::Playing(Box::new(play)));
                Some(Nav::Stay)
            }
            // Tried and not shown: the ad server had no ad, or has not
            // answered yet (the next episode does not wait for it).
            Some(other) => {
                if matches!(other, AdBreak::Asked { .. }) {
                    tracing::info!("ad break not ready at the episode's end: skipped");
                }
                ctx.ad_ledger.break_done(false, ctx.now_wall().timestamp());
                None
            }
            None => None,
        };
        out.push(Command::SaveAdLedger(ctx.ad_ledger.clone()));
        nav
    }
}
