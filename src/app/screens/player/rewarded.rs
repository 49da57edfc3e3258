//! "Watch an ad to unlock": the player shows one ad from the catalog's
//! rewarded tag in place of a locked episode. Watched to its end, the box
//! asks the partner for the reward (`POST reward`, docs/unlock.md) and,
//! once it comes, the episode plays; Back first asks "Leave without
//! unlocking?". An ad that does not come or does not play, or a partner
//! that refuses, sends the viewer back to the Locked screen saying so,
//! with nothing counted against today's ads.

use crate::ads::tracking::AdEvent;
use crate::app::ad_break::{AdBreak, AdPlay, content_id, failure_beacons};
use crate::app::context::Ctx;
use crate::app::screens::Nav;
use crate::app::screens::locked::LockedMessage;
use crate::app::{Command, Playback};
use crate::i18n::tr;
use crate::input::Action;
use crate::unlock::UnlockCommand;
use crate::unlock::reward::RewardClaim;

use super::{Phase, Player, Started};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewardStage {
    /// The ad server was asked; no ad yet.
    Asking,
    /// The ad is on screen (or loading).
    Watching,
    /// The ad was watched to its end; the partner was asked for the reward.
    Unlocking,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reward {
    pub stage: RewardStage,
    /// "Leave without unlocking?" is up: `Some(true)` with Leave focused,
    /// `Some(false)` with Keep watching.
    pub leave: Option<bool>,
    /// When the ad's first frame was on screen.
    impression_at: Option<String>,
}

impl Player {
    /// A rewarded ad for episode `number` of `series`, when the catalog
    /// offers them and today's are not used up: the ad server is asked
    /// now; nothing plays until it answers.
    pub fn rewarded(ctx: &mut Ctx, series: &str, number: u32) -> Option<Started> {
        let tag = ctx.rewarded_ads()?.vast.clone();
        if ctx.rewarded_left() == 0 {
            return None;
        }
        let request = ctx.new_episode_id();
        let mut player = Player::idle(ctx, request, series, number);
        player.ad_break = Some(AdBreak::Asked { request });
        player.reward = Some(Reward {
            stage: RewardStage::Asking,
            leave: None,
            impression_at: None,
        });
        let commands = vec![
            Command::Stop,
            Command::AskBreak {
                request,
                tag,
                content_id: content_id(series, number),
            },
        ];
        Some(Started { commands, player })
    }

    /// The stage of the rewarded ad, when this player shows one.
    pub fn reward_stage(&self) -> Option<RewardStage> {
        self.reward.as_ref().map(|r| r.stage)
    }

    /// "Leave without unlocking?" is up: whether Leave has the focus.
    pub fn reward_leave(&self) -> Option<bool> {
        self.reward.as_ref().and_then(|r| r.leave)
    }

    fn no_ad(&self) -> Nav {
        Nav::Refused {
            series: self.series.clone(),
            episode: self.episode,
            message: LockedMessage::NoAd,
        }
    }

    /// The ad server's answer: its first playable ad starts (one ad earns
    /// one reward); none, and the Locked screen says so.
    pub(crate) fn reward_answered(
        &mut self,
        ctx: &mut Ctx,
        resolved: crate::ads::chain::Resolved,
        out: &mut Vec<Command>,
    ) -> Nav {
        let content = content_id(&self.series, self.episode);
        let beacons = failure_beacons(&resolved.failures);
        if !beacons.is_empty() {
            out.push(Command::AdBeacons {
                beacons,
                content_id: content.clone(),
            });
        }
        let Some(first) = resolved.ads.into_iter().next() else {
            tracing::info!(
                series = self.series,
                episode = self.episode,
                "no rewarded ad"
            );
            return self.no_ad();
        };
        let mut play = AdPlay::start(ctx, vec![first], out);
        play.rewarded = true;
        self.id = play.id;
        self.phase = Phase::Loading;
        self.ad_break = Some(AdBreak::Playing(Box::new(play)));
        if let Some(r) = &mut self.reward {
            r.stage = RewardStage::Watching;
        }
        Nav::Stay
    }

    /// Keys while the rewarded ad is asked for, plays, or is rewarded.
    pub(crate) fn on_reward_action(
        &mut self,
        ctx: &mut Ctx,
        action: Action,
        out: &mut Vec<Command>,
    ) -> Nav {
        let content = content_id(&self.series, self.episode);
        let showing = self.ad().is_some();
        let Some(reward) = &mut self.reward else {
            return Nav::Stay;
        };
        if let Some(leave) = reward.leave {
            let keep = match action {
                Action::Left | Action::Right | Action::Up | Action::Down => {
                    reward.leave = Some(!leave);
                    return Nav::Stay;
                }
                Action::Ok if leave => false,
                Action::Ok | Action::Back => true,
                _ => return Nav::Stay,
            };
            reward.leave = None;
            let Some(play) = self.ad_mut() else {
                return Nav::Back;
            };
            if !keep {
                play.track(AdEvent::Closed, &content, out);
                return Nav::Back;
            }
            play.track(AdEvent::Resumed, &content, out);
            self.set_paused(false, out);
            return Nav::Stay;
        }
        match (reward.stage, action) {
            // The ad on screen: Back asks first, and the ad waits.
            (RewardStage::Watching, Action::Back) if showing => {
                reward.leave = Some(false);
                if !self.paused
                    && let Some(play) = self.ad_mut()
                {
                    play.track(AdEvent::Paused, &content, out);
                    self.set_paused(true, out);
                }
                Nav::Stay
            }
            (_, Action::Back) => Nav::Back,
            (RewardStage::Watching, _) if showing => self.on_ad_action(ctx, action, out),
            _ => Nav::Stay,
        }
    }

    /// Reports about the rewarded ad.
    pub(crate) fn on_reward_playback(
        &mut self,
        ctx: &mut Ctx,
        report: Playback,
        out: &mut Vec<Command>,
    ) -> Nav {
        let content = content_id(&self.series, self.episode);
        let stamp = ctx.wall_stamp();
        let (series, episode) = (self.series.clone(), self.episode);
        let impression_at = self.reward.as_ref().and_then(|r| r.impression_at.clone());
        let Some(play) = self.ad_mut() else {
            return Nav::Stay;
        };
        match report {
            Playback::Started => {
                play.shown = true;
                play.track(AdEvent::Shown, &content, out);
                self.phase = Phase::Playing;
                if let Some(r) = &mut self.reward {
                    r.impression_at = Some(stamp);
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
                let ad = play.tracker.ad();
                let claim = RewardClaim::new(
                    &series,
                    episode,
                    ad.ad_id.as_deref(),
                    ad.creative_id.as_deref(),
                    impression_at.unwrap_or(stamp),
                );
                out.push(Command::Unlock(UnlockCommand::Reward(claim)));
                self.ad_break = None;
                self.buffering = false;
                if let Some(r) = &mut self.reward {
                    r.stage = RewardStage::Unlocking;
                    r.leave = None;
                }
            }
            Playback::Failed { message, .. } => {
                play.failed(&message, &content, out);
                return self.no_ad();
            }
        }
        Nav::Stay
    }

    /// What the viewer reads over the rewarded ad: which episode it
    /// unlocks, or that it is being unlocked.
    pub fn reward_text(&self, ctx: &Ctx) -> String {
        let l = ctx.lang();
        match self.reward_stage() {
            Some(RewardStage::Unlocking) => tr(l, "reward-unlocking", &[]),
            Some(_) => tr(l, "reward-hint", &[("number", self.episode.into())]),
            None => String::new(),
        }
    }

    /// The rewarded player read aloud.
    pub fn describe_reward(&self, ctx: &Ctx) -> String {
        let l = ctx.lang();
        if let Some(leave) = self.reward_leave() {
            let button = if leave {
                "reward-leave-now"
            } else {
                "reward-keep"
            };
            return crate::app::context::join(&[tr(l, "reward-leave", &[]), tr(l, button, &[])]);
        }
        match self.ad() {
            Some(play) => crate::app::context::join(&[play.describe(ctx), self.reward_text(ctx)]),
            None => self.reward_text(ctx),
        }
    }
}
