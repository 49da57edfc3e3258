//! What the screens ask of the stack ([`Nav`]): pushing and popping
//! screens with what each leaves behind, starting episodes (the player or
//! the Locked screen), Settings over a screen, the PIN dialog.

use super::overlays::pin::PinPurpose;
use super::overlays::{Overlay, PinDialog, Question, QuestionDialog};
use super::screens::locked::LockedMessage;
use super::screens::player::Player;
use super::screens::settings::SettingsVisit;
use super::screens::{Locked, Nav, Screen, ScreenState, SeriesPage, SettingsScreen};
use super::{App, Command};
use crate::app::context::StreamFor;

impl App {
    /// Does what a screen asked of the stack.
    pub(super) fn apply(&mut self, nav: Nav, out: &mut Vec<Command>) {
        match nav {
            Nav::Stay => {}
            Nav::Back => self.pop(out),
            Nav::OpenSeries { id, play } => self.open_series(&id, play, out),
            Nav::Play { series, episode } => self.start_episode(&series, episode, out),
            Nav::Refused {
                series,
                episode,
                message,
            } => self.show_locked(&series, episode, Some(message), out),
            Nav::WatchAd { series, episode } => self.watch_ad(&series, episode, out),
            Nav::AskLeave => {
                self.overlay = Some(Overlay::Question(QuestionDialog::new(Question::Leave)))
            }
            Nav::AskReset => {
                self.overlay = Some(Overlay::Question(QuestionDialog::new(Question::ResetBox)))
            }
            Nav::ReloadCatalog => {
                // "Loading programmes…" until the new attempt says.
                self.ctx.catalog_failed = None;
                out.push(Command::ReloadCatalog);
            }
            Nav::OpenSettings => self.open_settings(out),
            Nav::AskPin(purpose) => {
                self.overlay = Some(Overlay::Pin(PinDialog::new(&self.ctx, purpose)));
            }
            Nav::Tune(channel) => self.tune(channel, out),
            Nav::ChannelStep(step) => {
                let on = self
                    .player()
                    .and_then(|p| p.channel.as_ref())
                    .map(|t| t.channel);
                if let Some(next) = on.and_then(|c| self.ctx.channel_step(c, step)) {
                    self.tune(next, out);
                }
            }
            Nav::ChannelNext => {
                let tuned = self.player().and_then(|p| p.channel.clone());
                if let Some(t) = tuned {
                    self.air_next(t.channel, t.slot, t.ahead_ms, out);
                }
            }
            Nav::AskChannel => {
                let series = self.player().and_then(|p| self.ctx.series(&p.series));
                let title = series.map(|s| self.ctx.text(&s.title)).unwrap_or_default();
                self.overlay = Some(Overlay::Question(QuestionDialog::about(
                    Question::OnChannel,
                    title,
                )));
            }
        }
    }

    /// The screen on top goes, and what it leaves behind is put right.
    pub(super) fn pop(&mut self, out: &mut Vec<Command>) {
        if self.stack.len() <= 1 {
            return;
        }
        match self.stack.pop() {
            Some(ScreenState::Player(p)) => {
                p.leave(&mut self.ctx, out);
                self.after_player(&p);
            }
            Some(ScreenState::Locked(l)) => l.leave(out),
            Some(ScreenState::Welcome(w)) => w.leave(&mut self.ctx, out),
            Some(ScreenState::Settings(s)) => self.close_settings(s, out),
            Some(ScreenState::Series(_) | ScreenState::Home(_)) | None => {}
        }
    }

    /// Back to Home from anywhere (the Exit key, a scripted jump).
    pub(super) fn pop_to_home(&mut self, out: &mut Vec<Command>) {
        while self.stack.len() > 1 {
            match self.stack.pop() {
                Some(ScreenState::Player(p)) => {
                    p.leave(&mut self.ctx, out);
                    self.after_player(&p);
                }
                Some(ScreenState::Locked(l)) => l.leave(out),
                Some(ScreenState::Welcome(w)) => w.leave(&mut self.ctx, out),
                _ => {}
            }
        }
    }

    /// The player is gone: no question about it stays up, and its series'
    /// page focuses the episode it showed.
    pub(super) fn after_player(&mut self, p: &Player) {
        if matches!(self.overlay, Some(Overlay::StillWatching(_))) {
            self.overlay = None;
        }
        self.focus_in_series(&p.series, p.episode);
    }

    /// Leaves the player wherever it is on the stack (Stop on "still
    /// watching?", a sleep timer's end, the end of a series).
    pub(super) fn remove_player(&mut self, out: &mut Vec<Command>) {
        let Some(i) = self.player_index() else {
            return;
        };
        if i + 1 == self.stack.len() {
            return self.pop(out);
        }
        if let ScreenState::Player(p) = self.stack.remove(i) {
            p.leave(&mut self.ctx, out);
            self.after_player(&p);
        }
    }

    /// The series page under the player (or on top) focuses `number`.
    pub(super) fn focus_in_series(&mut self, series: &str, number: u32) {
        let Self { ctx, stack, .. } = self;
        if let Some(page) = stack.iter_mut().rev().find_map(|s| match s {
            ScreenState::Series(p) if p.id == series => Some(p),
            _ => None,
        }) {
            page.focus_episode(ctx, number);
        }
    }

    /// A series' page, or the PIN first; its resume episode if `play`.
    pub(super) fn open_series(&mut self, id: &str, play: bool, out: &mut Vec<Command>) {
        let Some(series) = self.ctx.series(id) else {
            return;
        };
        if self.ctx.parental_locked(series) {
            let purpose = PinPurpose::OpenSeries {
                id: id.into(),
                play,
            };
            self.overlay = Some(Overlay::Pin(PinDialog::new(&self.ctx, purpose)));
            return;
        }
        let resume = self.ctx.resume_episode(series);
        self.stack.push(ScreenState::Series(SeriesPage::new(id)));
        self.ctx
            .record(crate::insight::ViewEvent::SeriesOpened { series: id.into() });
        if play {
            self.start_episode(id, resume, out);
        }
    }

    /// Plays episode `number` of `series`, or shows what unlocks it.
    pub(super) fn start_episode(&mut self, series_id: &str, number: u32, out: &mut Vec<Command>) {
        let Some((series, _)) = self.ctx.episode(series_id, number) else {
            return;
        };
        if !self.ctx.playable(series, number) {
            return self.show_locked(series_id, number, None, out);
        }
        // Where the viewer left it, a little before (0: from the start).
        let start_ms = self.ctx.history.resume_position(series_id, number);
        let started = Player::start(&mut self.ctx, series_id, number, start_ms);
        out.extend(started.commands);
        self.put_player(started.player);
    }

    /// `player` on screen: in place of the one there, else on top.
    pub(super) fn put_player(&mut self, player: Player) {
        let player = ScreenState::Player(Box::new(player));
        match self.player_index() {
            Some(i) => self.stack[i] = player,
            None => self.stack.push(player),
        }
    }

    /// The Locked screen for an episode, saying why when a grant was
    /// refused; the player gives way to it (the series page under it
    /// already focuses the episode).
    pub(super) fn show_locked(
        &mut self,
        series: &str,
        number: u32,
        refused: Option<LockedMessage>,
        out: &mut Vec<Command>,
    ) {
        if let Some(ScreenState::Player(p)) =
            self.stack.pop_if(|s| matches!(s, ScreenState::Player(_)))
        {
            p.leave(&mut self.ctx, out);
            if matches!(self.overlay, Some(Overlay::StillWatching(_))) {
                self.overlay = None;
            }
        }
        // Back from a rewarded ad: the Locked screen under it says why.
        if let Some(ScreenState::Locked(l)) = self.stack.last_mut()
            && l.series == series
            && l.number == number
        {
            l.waiting = false;
            l.message = refused;
            l.choice = super::screens::locked::default_choice(&self.ctx, series);
            return;
        }
        self.ctx.record(crate::insight::ViewEvent::LockedShown {
            series: series.into(),
            episode: number,
        });
        let mut locked = Locked::new(&self.ctx, series, number);
        locked.message = refused;
        self.stack.push(ScreenState::Locked(locked));
    }

    /// A rewarded ad for the episode, over its Locked screen (Back comes
    /// back to it).
    pub(super) fn watch_ad(&mut self, series: &str, number: u32, out: &mut Vec<Command>) {
        let Some(started) = Player::rewarded(&mut self.ctx, series, number) else {
            return;
        };
        out.extend(started.commands);
        self.stack
            .push(ScreenState::Player(Box::new(started.player)));
    }

    /// [`Event::Open`]: from Home, as the viewer would get there.
    pub(super) fn open(&mut self, id: &str, episode: Option<u32>, out: &mut Vec<Command>) {
        if self.ctx.series(id).is_none() {
            tracing::warn!(series = id, "no such series to open");
            return;
        }
        self.pop_to_home(out);
        self.overlay = None;
        self.home_mut().unfocus_settings();
        let locked = self
            .ctx
            .series(id)
            .is_some_and(|s| self.ctx.parental_locked(s));
        if locked {
            let purpose = PinPurpose::OpenSeries {
                id: id.into(),
                play: episode.is_some(),
            };
            self.overlay = Some(Overlay::Pin(PinDialog::new(&self.ctx, purpose)));
            return;
        }
        self.stack.push(ScreenState::Series(SeriesPage::new(id)));
        if let Some(number) = episode {
            self.focus_in_series(id, number);
            self.start_episode(id, number, out);
        }
    }

    /// [`Event::Seek`]: the episode on screen again, from `ms`.
    pub(super) fn seek(&mut self, ms: u64, out: &mut Vec<Command>) {
        let Some(p) = self
            .player()
            .filter(|p| self.screen() == Screen::Player && p.ad().is_none())
        else {
            return;
        };
        let (series, number, duration, paused) =
            (p.series.clone(), p.episode, p.duration_ms, p.paused);
        // The break after the episode stays as it was prepared.
        let ad_break = p.ad_break.clone();
        if self.ctx.stream_for(&series, number) == StreamFor::Missing {
            return;
        }
        let ms = duration.map_or(ms, |d| ms.min(d.saturating_sub(1)));
        let mut started = Player::start(&mut self.ctx, &series, number, ms);
        out.extend(started.commands);
        // A seek while paused stays paused, at the new point (its frame
        // shows).
        if paused {
            started.player.set_paused(true, out);
        }
        started.player.ad_break = ad_break;
        if let Some(i) = self.player_index() {
            self.stack[i] = ScreenState::Player(Box::new(started.player));
        }
    }

    pub(super) fn open_settings(&mut self, out: &mut Vec<Command>) {
        let resume = match self.stack.last_mut() {
            Some(ScreenState::Player(p)) if !p.paused && p.failed().is_none() => {
                p.set_paused(true, out);
                true
            }
            _ => false,
        };
        let visit = SettingsVisit {
            resume,
            audio_language: self.ctx.audio_language().to_owned(),
        };
        self.stack
            .push(ScreenState::Settings(SettingsScreen::new(Some(visit))));
    }

    /// Settings closed: an episode under it plays on, in the new dub if
    /// the audio language changed (renditions are picked at the start).
    pub(super) fn close_settings(&mut self, closed: SettingsScreen, out: &mut Vec<Command>) {
        let Some(visit) = closed.visit else { return };
        let Some(ScreenState::Player(p)) = self.stack.last_mut() else {
            return;
        };
        if visit.audio_language != self.ctx.audio_language() {
            let (series, episode) = (p.series.clone(), p.episode);
            self.start_episode(&series, episode, out);
        } else if visit.resume {
            p.set_paused(false, out);
        }
    }

    /// The PIN was given (or chosen) on the Settings screen on show.
    pub(super) fn open_parental_rows(&mut self) {
        if let Some(ScreenState::Settings(s)) = self.stack.last_mut() {
            s.parental_open = true;
        }
    }
}
