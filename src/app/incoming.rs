//! What comes from outside the viewer's keys: a new catalog (screens
//! about series it dropped go), the unlock service's reports, the clock's
//! ticks (the still-watching question, the sleep timer).

use std::sync::Arc;

use super::overlays::{Overlay, StillWatching};
use super::screens::player::Phase;
use super::screens::{Nav, ScreenState};
use super::sleep::SleepTick;
use super::{App, Command, Ctx};
use crate::catalog::model::Catalog;
use crate::i18n::tr;

impl App {
    pub(super) fn set_catalog(&mut self, catalog: Arc<Catalog>, out: &mut Vec<Command>) {
        if catalog.unlock_api != self.ctx.unlock_api {
            self.ctx.unlock_api.clone_from(&catalog.unlock_api);
            if let Some(api) = &catalog.unlock_api {
                out.push(Command::Unlock(crate::unlock::UnlockCommand::Connect(
                    api.clone(),
                )));
            }
        }
        // The focused episodes, by number: their indices may change.
        let focused: Vec<_> = self
            .stack
            .iter()
            .map(|s| match s {
                ScreenState::Series(p) => p.focused_number(&self.ctx),
                _ => None,
            })
            .collect();
        let first = self.ctx.catalog.is_none();
        self.ctx.set_catalog(catalog);
        if first {
            self.ctx.record(crate::insight::ViewEvent::HomeShown);
        }
        let Self { ctx, stack, .. } = self;
        for (s, memo) in stack.iter_mut().zip(focused) {
            if let (ScreenState::Series(p), Some(memo)) = (s, memo) {
                p.refocus(ctx, memo);
            }
        }
        // Screens about series the new catalog dropped go away.
        let keep = |s: &ScreenState, ctx: &Ctx| match s {
            ScreenState::Series(p) => ctx.series(&p.id).is_some(),
            ScreenState::Locked(l) => ctx.episode(&l.series, l.number).is_some(),
            // A channel the new catalog dropped (or broke) goes too.
            ScreenState::Player(p) => {
                ctx.series(&p.series).is_some()
                    && p.channel
                        .as_ref()
                        .is_none_or(|t| ctx.on_air(t.channel, 0).is_some())
            }
            _ => true,
        };
        if let Some(i) = (1..self.stack.len()).find(|&i| !keep(&self.stack[i], &self.ctx)) {
            while self.stack.len() > i {
                match self.stack.pop() {
                    Some(ScreenState::Player(p)) => p.leave(&mut self.ctx, out),
                    Some(ScreenState::Locked(l)) => l.leave(out),
                    _ => {}
                }
            }
        }
        // "Start in TV mode": the first catalog opens the last channel.
        if first && self.ctx.settings.tv_mode && self.stack.len() == 1 {
            let catalog = self.ctx.catalog().cloned();
            let last = self.ctx.settings.last_channel.as_deref();
            let wanted = catalog.and_then(|c| {
                c.channels
                    .iter()
                    .position(|ch| Some(ch.id.as_str()) == last)
            });
            let channels = self.ctx.channels();
            let i = wanted
                .filter(|i| channels.contains(i))
                .or(channels.first().copied());
            if let Some(i) = i {
                self.tune(i, out);
            }
        }
    }

    pub(super) fn on_unlock(
        &mut self,
        report: crate::unlock::UnlockReport,
        out: &mut Vec<Command>,
    ) {
        use crate::unlock::{Failure, UnlockCommand, UnlockReport};
        match &report {
            UnlockReport::Entitlements { doc, paired, floor } => {
                self.ctx.paired = *paired;
                self.ctx.entitlements.clone_from(doc);
                self.ctx.entitlements_known = true;
                self.ctx.clock_floor = *floor;
                // Padlocks on the series grids and the next-episode card change.
                self.ctx.shelf_changed();
            }
            UnlockReport::Progress(items) => {
                let items: Vec<_> = items
                    .iter()
                    .map(|i| super::history::AccountProgress {
                        series: i.series.clone(),
                        episode: i.episode,
                        position_ms: i.position_ms,
                        duration_ms: i.duration_ms,
                        watched: i.watched,
                        at: i.at.clone(),
                    })
                    .collect();
                if self.ctx.history.merge_account(&items) {
                    out.push(Command::SaveHistory(self.ctx.history.clone()));
                    self.ctx.rebuild_shelf();
                }
                return;
            }
            UnlockReport::Granted {
                series,
                episode,
                grant,
            } => {
                let (now, wall) = (self.ctx.now_ms, self.ctx.now_wall());
                self.ctx
                    .grants
                    .answered(series, *episode, grant.as_ref().ok(), now, wall);
                let refused = grant.as_ref().err();
                let nav = match self.player_mut_with_ctx() {
                    Some((p, ctx)) => p.on_grant(ctx, series, *episode, refused, out),
                    None => Nav::Stay,
                };
                self.apply(nav, out);
                return;
            }
            UnlockReport::DeviceEntitlements(doc) => {
                self.ctx.device_entitlements.clone_from(doc);
                self.ctx.shelf_changed();
            }
            UnlockReport::Rewarded { series, episode } => {
                // Counted against today's ads only now that it earned.
                let day = self.ctx.local_day();
                self.ctx.ad_ledger.rewarded_watched(day);
                out.push(Command::SaveAdLedger(self.ctx.ad_ledger.clone()));
                let rewarded_here = self.player().is_some_and(|p| {
                    p.reward.is_some() && p.series == *series && p.episode == *episode
                }) && matches!(self.top(), ScreenState::Player(_));
                self.ctx.record(crate::insight::ViewEvent::Unlocked {
                    series: series.clone(),
                    episode: *episode,
                    method: "ad",
                });
                if rewarded_here {
                    // The player and the Locked screen under it give way
                    // to the episode.
                    self.pop(out);
                    if matches!(self.top(), ScreenState::Locked(l)
                        if l.series == *series && l.number == *episode)
                    {
                        self.pop(out);
                    }
                    self.start_episode(series, *episode, out);
                    return;
                }
            }
            UnlockReport::RewardFailed(f) => {
                if matches!(f, Failure::SignedOut) {
                    self.ctx.paired = false;
                }
                if let Some(p) = self
                    .player()
                    .filter(|p| p.reward.is_some())
                    .filter(|_| matches!(self.top(), ScreenState::Player(_)))
                {
                    let (series, number) = (p.series.clone(), p.episode);
                    let message = super::screens::locked::LockedMessage::Failed(f.clone());
                    self.show_locked(&series, number, Some(message), out);
                    return;
                }
            }
            UnlockReport::PairingFailed(f) | UnlockReport::PurchaseFailed(f)
                if matches!(f, Failure::SignedOut | Failure::NotPaired) =>
            {
                self.ctx.paired = false;
            }
            _ => {}
        }
        let Some(ScreenState::Locked(l)) = self.stack.last_mut() else {
            if matches!(report, UnlockReport::Pairing { .. }) {
                out.push(Command::Unlock(UnlockCommand::StopPairing));
            }
            return;
        };
        // How it was unlocked, should it be: coins were being spent, a VIP
        // pass, else on the phone (or on another device of the account).
        let vip = self
            .ctx
            .entitlements
            .as_ref()
            .is_some_and(|e| e.vip(self.ctx.now_wall()).is_some());
        let method = match (l.waiting, vip) {
            (true, _) => "coins",
            (false, true) => "vip",
            (false, false) => "phone",
        };
        if let Nav::Play { series, episode } = l.on_unlock(&self.ctx, &report) {
            self.ctx.record(crate::insight::ViewEvent::Unlocked {
                series: series.clone(),
                episode,
                method,
            });
            self.pop(out);
            self.start_episode(&series, episode, out);
        }
    }

    /// Every tick: the still-watching question after the set time without
    /// a key, the sleep timer's fade and its end, grants refreshed.
    pub(super) fn tick(&mut self, out: &mut Vec<Command>) {
        let mut in_use = self.player().map(|p| p.grants_in_use()).unwrap_or_default();
        in_use.extend(self.intent_grant());
        let now = self.ctx.now_ms;
        out.extend(self.ctx.grants.refresh(&in_use, now));
        let playing = match self.top() {
            ScreenState::Player(p) => !p.paused && p.phase == Phase::Playing,
            _ => false,
        };
        if playing && self.overlay.is_none() && StillWatching::due(&self.ctx) {
            if let Some(p) = self.player_mut() {
                p.set_paused(true, out);
            }
            self.overlay = Some(Overlay::StillWatching(StillWatching::default()));
        }
        self.channel_tick(out);
        out.extend(self.ctx.guides_due());
        let with_player = self.player().is_some();
        if self.sleep.tick(&self.ctx, with_player, out) == SleepTick::Done {
            self.remove_player(out);
            self.ctx
                .show_toast(tr(self.ctx.lang(), "toast-sleep-done", &[]));
        }
    }
}
