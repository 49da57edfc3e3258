//! The app core: a plain state machine, `(state, event) -> (state, commands)`.
//!
//! It knows neither Slint nor GStreamer. Events are remote actions, playback
//! reports, catalog and unlock updates and clock ticks; commands tell the
//! shell to play, preload, pause, stop, save, speak or exit, and carry what
//! they need. Screens ([`screens`]) and overlays ([`overlays`]) own their
//! state and focus; the [`App`] keeps them on a stack, lends them the
//! shared [`Ctx`], and does what they ask of the stack. The view reads the
//! state back after every event.

mod colour_keys;
pub mod context;
pub mod history;
pub mod overlays;
pub mod parental;
pub mod screens;
pub mod settings;
pub mod shelf;
pub mod sleep;
pub mod subtitles;

use std::sync::Arc;

use crate::catalog::model::{Catalog, SubtitleTrack};
use crate::episode::EpisodeId;
use crate::i18n::tr;
use crate::input::Action;

use context::stream_url;
pub use context::{Ctx, next_episode};
use history::History;
use overlays::leave::LeaveOutcome;
use overlays::pin::{PinOutcome, PinPurpose};
use overlays::still_watching::StillWatchingOutcome;
use overlays::{LeaveDialog, Overlay, PinDialog, StillWatching};
pub use screens::player::Phase;
use screens::player::Player;
use screens::settings::SettingsVisit;
use screens::{Home, Locked, SeriesPage, SettingsScreen, Welcome};
pub use screens::{Nav, Screen, ScreenState};
use settings::Settings;
use sleep::{Sleep, SleepTick};
use subtitles::{LoadedSubtitles, subtitles_for};

/// How long the focus rests on a series poster, a series' Play button or
/// an episode before the app preloads what OK would play: long enough that
/// scrolling past posters preloads nothing, short next to the time a
/// viewer takes to press OK. The player keeps one preload at a time.
pub const INTENT_DWELL_MS: u64 = 400;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Action(Action),
    /// A catalog to show: from the network, or the cache with the reason.
    Catalog {
        catalog: Arc<Catalog>,
        /// Why the server's catalog is not the one shown (the cache is).
        problem: Option<String>,
        /// The catalog's `expires` has passed: since when (a date to show).
        expired: Option<String>,
    },
    /// No catalog at all could be loaded.
    CatalogFailed(String),
    /// About the episode started by the [`Command::Play`] that carried
    /// `id`; dropped unless that episode is still the one on screen.
    Playback {
        id: EpisodeId,
        report: Playback,
    },
    /// Monotonic milliseconds since the app started.
    Tick(u64),
    /// The wall clock changed minute: "21:04" (the player shows it), and
    /// the time (entitlements expire).
    Clock(String, chrono::DateTime<chrono::Utc>),
    /// From the unlock service: entitlements, pairing, purchases.
    Unlock(crate::unlock::UnlockReport),
    /// Straight to a series' page (a QA scenario, a launcher's link), and
    /// to one of its episodes if given: what the viewer's keys would do,
    /// parental lock and paywall included.
    Open {
        series: String,
        episode: Option<u32>,
    },
    /// The episode on screen from this point, ms (a QA scenario's seek).
    Seek(u64),
    /// These settings instead (checked first), applied as if chosen on
    /// the Settings screen.
    Settings(Box<Settings>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Playback {
    /// The first frame is on screen.
    Started,
    /// Where the episode is (pulled from the player on the shell's tick).
    Position {
        position_ms: u64,
        duration_ms: Option<u64>,
    },
    Buffering(bool),
    /// The episode's subtitles loaded, or failed: the catalog's file (the
    /// shell fetched it) or the stream's own rendition.
    Subtitles(LoadedSubtitles),
    Ended,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Play an episode under `id` (the preload of the same URL and start,
    /// if there is one, plays at once) and fetch its subtitle file.
    Play {
        id: EpisodeId,
        url: String,
        series: String,
        episode: u32,
        /// Where in the episode to start (resuming); 0: its beginning.
        start_ms: u64,
        subtitles: Option<SubtitleTrack>,
    },
    /// Make this episode ready to play at once: its start fetched and its
    /// first frame decoded, its subtitle file fetched.
    Preload {
        url: String,
        /// As in `Play`: a preload is for one start point.
        start_ms: u64,
        subtitles: Option<SubtitleTrack>,
    },
    /// Drop the preload: the focus moved away from the episode it was for.
    CancelPreload,
    /// The episode `id` shows this subtitle file now (the settings changed).
    LoadSubtitles {
        id: EpisodeId,
        track: SubtitleTrack,
    },
    Stop,
    SetPaused(bool),
    /// Write this history to the state directory.
    SaveHistory(History),
    /// Write these settings to the state directory.
    SaveSettings(Settings),
    /// For the unlock service (pairing, purchases, entitlements).
    Unlock(crate::unlock::UnlockCommand),
    /// The programme's sound at this level, 0 to 1 (a sleep timer's fade).
    Fade(f64),
    /// Read `text` aloud in `lang` (spoken UI), cutting what was said;
    /// `rate` and `volume` in percent.
    Speak {
        text: String,
        lang: String,
        rate: u16,
        volume: u8,
    },
    /// Episodes started from now on play their audio, and pick their
    /// subtitle rendition, in these languages.
    Languages {
        audio: String,
        subtitles: String,
    },
    Exit,
}

impl Command {
    /// Series and episode of a `Play` (logs, tests).
    pub fn played(&self) -> Option<(String, u32)> {
        match self {
            Command::Play {
                series, episode, ..
            } => Some((series.clone(), *episode)),
            _ => None,
        }
    }
}

/// The episode the focus points at, and since when.
#[derive(Debug, Clone, PartialEq)]
struct Intent {
    url: String,
    start_ms: u64,
    subtitles: Option<SubtitleTrack>,
    since_ms: u64,
    /// The preload command went out.
    sent: bool,
}

pub struct App {
    ctx: Ctx,
    /// The screens, Home at the bottom, the one on show on top.
    stack: Vec<ScreenState>,
    overlay: Option<Overlay>,
    sleep: Sleep,
    /// What OK would play from where the focus rests (preload on intent).
    intent: Option<Intent>,
    /// What the spoken UI said last: said again only when it changes.
    last_spoken: String,
}

impl App {
    /// An app for a box whose language is `box_lang`, with default settings.
    pub fn new(history: History, box_lang: &str) -> App {
        App::with_settings(history, box_lang, Settings::default())
    }

    pub fn with_settings(history: History, box_lang: &str, settings: Settings) -> App {
        App {
            ctx: Ctx::new(box_lang, settings, history),
            stack: vec![ScreenState::Home(Home::default())],
            overlay: None,
            sleep: Sleep::default(),
            intent: None,
            last_spoken: String::new(),
        }
    }

    /// Starts on the first-run screen (language, text size, contrast,
    /// spoken UI) unless it was gone through before.
    pub fn welcome(&mut self) {
        let shown = matches!(
            self.top(),
            ScreenState::Settings(_) | ScreenState::Welcome(_)
        );
        if !self.ctx.settings.welcomed && !shown {
            self.stack.push(ScreenState::Welcome(Welcome::default()));
        }
    }

    // ---- what the view reads ----

    /// What every screen shares: catalog, settings, history, language.
    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }
    /// The screen on show, with its state.
    pub fn top(&self) -> &ScreenState {
        self.stack.last().unwrap_or(&self.stack[0])
    }
    /// Which screen is on show.
    pub fn screen(&self) -> Screen {
        self.top().kind()
    }
    pub fn home(&self) -> &Home {
        match &self.stack[0] {
            ScreenState::Home(h) => h,
            _ => unreachable!("Home is always at the bottom of the stack"),
        }
    }
    fn home_mut(&mut self) -> &mut Home {
        match &mut self.stack[0] {
            ScreenState::Home(h) => h,
            _ => unreachable!("Home is always at the bottom of the stack"),
        }
    }
    /// The series page on show.
    pub fn series_page(&self) -> Option<&SeriesPage> {
        match self.top() {
            ScreenState::Series(p) => Some(p),
            _ => None,
        }
    }
    /// The episode in the player, on show or under Settings.
    pub fn player(&self) -> Option<&Player> {
        self.stack.iter().rev().find_map(|s| match s {
            ScreenState::Player(p) => Some(&**p),
            _ => None,
        })
    }
    fn player_index(&self) -> Option<usize> {
        self.stack
            .iter()
            .rposition(|s| matches!(s, ScreenState::Player(_)))
    }
    fn player_mut(&mut self) -> Option<&mut Player> {
        self.stack.iter_mut().rev().find_map(|s| match s {
            ScreenState::Player(p) => Some(&mut **p),
            _ => None,
        })
    }
    /// The Locked screen on show.
    pub fn locked(&self) -> Option<&Locked> {
        match self.top() {
            ScreenState::Locked(l) => Some(l),
            _ => None,
        }
    }
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }
    pub fn sleep(&self) -> &Sleep {
        &self.sleep
    }

    // Shortcuts into the context (QA, tests).
    pub fn catalog(&self) -> Option<&Arc<Catalog>> {
        self.ctx.catalog()
    }
    pub fn lang(&self) -> &str {
        self.ctx.lang()
    }
    pub fn settings(&self) -> &Settings {
        &self.ctx.settings
    }
    pub fn history(&self) -> &History {
        &self.ctx.history
    }
    pub fn series(&self, id: &str) -> Option<&crate::catalog::model::Series> {
        self.ctx.series(id)
    }
    pub fn notice(&self) -> Option<&str> {
        self.ctx.notice.as_deref()
    }
    pub fn coins(&self) -> Option<u64> {
        self.ctx.coins()
    }
    /// What the Locked screen on show says happened (empty: nothing).
    pub fn locked_message(&self) -> String {
        self.locked()
            .map(|l| l.message(&self.ctx))
            .unwrap_or_default()
    }

    // ---- the state machine ----

    /// The app is closing: stop playback and save where the viewer was.
    pub fn shutdown(&mut self) -> Vec<Command> {
        let mut out = Vec::new();
        if let Some(p) = self.player() {
            p.clone().leave(&mut self.ctx, &mut out);
        }
        out
    }

    pub fn handle(&mut self, event: Event) -> Vec<Command> {
        let mut out = Vec::new();
        let settings_before = self.ctx.settings.clone();
        let mut speak = false;
        match event {
            Event::Tick(now) => {
                self.ctx.now_ms = now;
                self.tick(&mut out);
            }
            Event::Clock(text, now) => {
                self.ctx.clock = Some(text);
                self.ctx.wall = now;
            }
            Event::Unlock(report) => {
                self.on_unlock(report, &mut out);
                // A code or an outcome on the Locked screen is read out
                // (elsewhere the report changes nothing said).
                speak = self.locked().is_some();
            }
            Event::Catalog {
                catalog,
                problem,
                expired,
            } => {
                let lang = self.ctx.lang();
                let stale = problem.map(|p| tr(lang, "notice-stale", &[("why", p.into())]));
                let expired = expired.map(|at| tr(lang, "notice-expired", &[("date", at.into())]));
                self.ctx.notice = match (stale, expired) {
                    (Some(a), Some(b)) => Some(format!("{a} {b}")),
                    (a, b) => a.or(b),
                };
                self.set_catalog(catalog, &mut out);
            }
            Event::CatalogFailed(why) => {
                if self.ctx.catalog.is_none() {
                    let notice = tr(self.ctx.lang(), "notice-no-catalog", &[("why", why.into())]);
                    self.ctx.notice = Some(notice);
                }
            }
            Event::Playback { id, report } => self.on_playback(id, report, &mut out),
            Event::Action(a) => {
                self.on_action(a, &mut out);
                speak = true;
            }
            Event::Open { series, episode } => self.open(&series, episode, &mut out),
            Event::Seek(ms) => self.seek(ms, &mut out),
            Event::Settings(settings) => {
                let (settings, _) = settings.checked();
                let before = self.ctx.settings.clone();
                let languages = self.ctx.languages_command();
                self.ctx.settings = settings;
                if self.ctx.settings != before {
                    screens::settings::settings_changed(
                        &mut self.ctx,
                        &before,
                        languages,
                        &mut out,
                    );
                }
            }
        }
        if self.ctx.settings != settings_before {
            // The subtitles of the episode on screen follow the settings.
            let Self { ctx, stack, .. } = self;
            for s in stack.iter_mut() {
                if let ScreenState::Player(p) = s {
                    p.refresh_subtitles(ctx, &mut out);
                }
            }
        }
        let Self { ctx, stack, .. } = self;
        if let ScreenState::Home(home) = &mut stack[0] {
            home.fit(ctx);
        }
        if speak {
            self.speak_focus(&mut out);
        }
        self.follow_intent(&mut out);
        out
    }

    fn on_playback(&mut self, id: EpisodeId, report: Playback, out: &mut Vec<Command>) {
        // The one place where reports of an episode that is no longer on
        // screen (replaced, stopped) are dropped.
        let Some(i) = self.player_index().filter(|&i| match &self.stack[i] {
            ScreenState::Player(p) => p.id == id,
            _ => false,
        }) else {
            tracing::debug!(%id, ?report, "stale playback report dropped");
            return;
        };
        let ScreenState::Player(p) = &mut self.stack[i] else {
            return;
        };
        if report == Playback::Ended {
            p.ended = true;
        }
        let nav = p.on_playback(&mut self.ctx, report, out);
        match nav {
            Nav::Play { series, episode } => {
                self.focus_in_series(&series, episode);
                self.start_episode(&series, episode, out);
            }
            Nav::Back => self.remove_player(out),
            other => self.apply(other, out),
        }
    }

    fn on_action(&mut self, action: Action, out: &mut Vec<Command>) {
        self.ctx.last_key_ms = self.ctx.now_ms;
        match &mut self.overlay {
            Some(Overlay::StillWatching(q)) => match q.on_action(action) {
                StillWatchingOutcome::Open => return,
                StillWatchingOutcome::Continue => {
                    self.overlay = None;
                    if let Some(p) = self.player_mut() {
                        p.set_paused(false, out);
                    }
                    return;
                }
                StillWatchingOutcome::Stop => {
                    self.overlay = None;
                    self.remove_player(out);
                    return;
                }
                StillWatchingOutcome::PassOn => self.overlay = None,
            },
            Some(Overlay::Pin(d)) => {
                match d.on_action(&mut self.ctx, action) {
                    PinOutcome::Open => {}
                    PinOutcome::Cancelled => self.overlay = None,
                    PinOutcome::Chosen => {
                        self.overlay = None;
                        self.open_parental_rows();
                        out.push(Command::SaveSettings(self.ctx.settings.clone()));
                    }
                    PinOutcome::Accepted(PinPurpose::OpenSeries { id, play }) => {
                        self.overlay = None;
                        self.ctx.parental_unlocked.insert(id.clone());
                        self.open_series(&id, play, out);
                    }
                    PinOutcome::Accepted(_) => {
                        self.overlay = None;
                        self.open_parental_rows();
                    }
                }
                return;
            }
            Some(Overlay::Leave(d)) => {
                match d.on_action(action) {
                    LeaveOutcome::Open => {}
                    LeaveOutcome::Stay => self.overlay = None,
                    LeaveOutcome::Exit => out.push(Command::Exit),
                }
                return;
            }
            None => {}
        }
        if action == Action::Exit {
            if self.stack.len() == 1 {
                self.overlay = Some(Overlay::Leave(LeaveDialog::default()));
            } else {
                self.pop_to_home(out);
            }
            return;
        }
        let settings_shown = matches!(
            self.top(),
            ScreenState::Settings(_) | ScreenState::Welcome(_)
        );
        match action {
            Action::Red if !settings_shown => return self.open_settings(out),
            Action::Green => return self.toggle_subtitles(out),
            Action::Yellow => return self.next_audio_language(out),
            Action::Blue => return self.toggle_spoken(out),
            _ => {}
        }
        let Self {
            ctx, stack, sleep, ..
        } = self;
        let nav = match stack.last_mut() {
            Some(ScreenState::Home(s)) => s.on_action(ctx, action),
            Some(ScreenState::Series(s)) => s.on_action(ctx, action),
            Some(ScreenState::Player(p)) => {
                if p.sleep_pressed(ctx, action) {
                    sleep.step(ctx, out);
                }
                p.on_action(ctx, action, out)
            }
            Some(ScreenState::Locked(s)) => s.on_action(ctx, action, out),
            Some(ScreenState::Settings(s)) => s.on_action(ctx, action, out),
            Some(ScreenState::Welcome(s)) => s.on_action(ctx, action, out),
            None => Nav::Stay,
        };
        if let (Nav::Play { series, episode }, Some(ScreenState::Player(_))) = (&nav, stack.last())
        {
            // Next, previous, retry: the series page follows the player.
            let (series, episode) = (series.clone(), *episode);
            self.focus_in_series(&series, episode);
        }
        self.apply(nav, out);
    }

    /// Does what a screen asked of the stack.
    fn apply(&mut self, nav: Nav, out: &mut Vec<Command>) {
        match nav {
            Nav::Stay => {}
            Nav::Back => self.pop(out),
            Nav::OpenSeries { id, play } => self.open_series(&id, play, out),
            Nav::Play { series, episode } => self.start_episode(&series, episode, out),
            Nav::AskLeave => self.overlay = Some(Overlay::Leave(LeaveDialog::default())),
            Nav::OpenSettings => self.open_settings(out),
            Nav::AskPin(purpose) => {
                self.overlay = Some(Overlay::Pin(PinDialog::new(&self.ctx, purpose)));
            }
        }
    }

    /// The screen on top goes, and what it leaves behind is put right.
    fn pop(&mut self, out: &mut Vec<Command>) {
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
    fn pop_to_home(&mut self, out: &mut Vec<Command>) {
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
    fn after_player(&mut self, p: &Player) {
        if matches!(self.overlay, Some(Overlay::StillWatching(_))) {
            self.overlay = None;
        }
        self.focus_in_series(&p.series, p.episode);
    }

    /// Leaves the player wherever it is on the stack (Stop on "still
    /// watching?", a sleep timer's end, the end of a series).
    fn remove_player(&mut self, out: &mut Vec<Command>) {
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
    fn focus_in_series(&mut self, series: &str, number: u32) {
        let Self { ctx, stack, .. } = self;
        if let Some(page) = stack.iter_mut().rev().find_map(|s| match s {
            ScreenState::Series(p) if p.id == series => Some(p),
            _ => None,
        }) {
            page.focus_episode(ctx, number);
        }
    }

    /// A series' page, or the PIN first; its resume episode if `play`.
    fn open_series(&mut self, id: &str, play: bool, out: &mut Vec<Command>) {
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
        if play {
            self.start_episode(id, resume, out);
        }
    }

    /// Plays episode `number` of `series`, or shows what unlocks it.
    fn start_episode(&mut self, series_id: &str, number: u32, out: &mut Vec<Command>) {
        let Some((series, _)) = self.ctx.episode(series_id, number) else {
            return;
        };
        if !self.ctx.playable(series, number) {
            // The player gives way to the Locked screen (the series page
            // under it already focuses the locked episode).
            if let Some(ScreenState::Player(p)) =
                self.stack.pop_if(|s| matches!(s, ScreenState::Player(_)))
            {
                p.leave(&mut self.ctx, out);
                if matches!(self.overlay, Some(Overlay::StillWatching(_))) {
                    self.overlay = None;
                }
            }
            let locked = Locked::new(&self.ctx, series_id, number);
            self.stack.push(ScreenState::Locked(locked));
            return;
        }
        // Where the viewer left it, a little before (0: from the start).
        let start_ms = self.ctx.history.resume_position(series_id, number);
        let started = Player::start(&mut self.ctx, series_id, number, start_ms);
        out.push(started.command);
        let player = ScreenState::Player(Box::new(started.player));
        match self.player_index() {
            Some(i) => self.stack[i] = player,
            None => self.stack.push(player),
        }
    }

    /// [`Event::Open`]: from Home, as the viewer would get there.
    fn open(&mut self, id: &str, episode: Option<u32>, out: &mut Vec<Command>) {
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
    fn seek(&mut self, ms: u64, out: &mut Vec<Command>) {
        let Some(p) = self.player().filter(|_| self.screen() == Screen::Player) else {
            return;
        };
        let (series, number, duration) = (p.series.clone(), p.episode, p.duration_ms);
        let has_stream = self
            .ctx
            .episode(&series, number)
            .and_then(|(_, e)| stream_url(e))
            .is_some();
        if !has_stream {
            return;
        }
        let ms = duration.map_or(ms, |d| ms.min(d.saturating_sub(1)));
        let started = Player::start(&mut self.ctx, &series, number, ms);
        out.push(started.command);
        if let Some(i) = self.player_index() {
            self.stack[i] = ScreenState::Player(Box::new(started.player));
        }
    }

    fn open_settings(&mut self, out: &mut Vec<Command>) {
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
    fn close_settings(&mut self, closed: SettingsScreen, out: &mut Vec<Command>) {
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
    fn open_parental_rows(&mut self) {
        if let Some(ScreenState::Settings(s)) = self.stack.last_mut() {
            s.parental_open = true;
        }
    }

    fn set_catalog(&mut self, catalog: Arc<Catalog>, out: &mut Vec<Command>) {
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
        self.ctx.set_catalog(catalog);
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
            ScreenState::Player(p) => ctx.series(&p.series).is_some(),
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
    }

    fn on_unlock(&mut self, report: crate::unlock::UnlockReport, out: &mut Vec<Command>) {
        use crate::unlock::{Failure, UnlockCommand, UnlockReport};
        match &report {
            UnlockReport::Entitlements { doc, paired } => {
                self.ctx.paired = *paired;
                self.ctx.entitlements.clone_from(doc);
                // Padlocks on the series grids and the next-episode card change.
                self.ctx.shelf_changed();
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
        if let Nav::Play { series, episode } = l.on_unlock(&self.ctx, &report) {
            self.pop(out);
            self.start_episode(&series, episode, out);
        }
    }

    /// Every tick: the still-watching question after the set time without
    /// a key, the sleep timer's fade and its end.
    fn tick(&mut self, out: &mut Vec<Command>) {
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
        let with_player = self.player().is_some();
        if self.sleep.tick(&self.ctx, with_player, out) == SleepTick::Done {
            self.remove_player(out);
            self.ctx
                .show_toast(tr(self.ctx.lang(), "toast-sleep-done", &[]));
        }
    }

    /// The stream OK would play from where the focus is: on Home the
    /// focused series' resume episode, on a series page the Play button's
    /// or the focused episode. None elsewhere, or when it is locked.
    fn intended(&self) -> Option<Intent> {
        if matches!(self.overlay, Some(Overlay::Leave(_))) {
            return None;
        }
        let (series, number) = match self.top() {
            ScreenState::Home(h) => h.intended(&self.ctx)?,
            ScreenState::Series(p) => p.intended(&self.ctx)?,
            _ => return None,
        };
        let (s, e) = self.ctx.episode(&series, number)?;
        if !self.ctx.playable(s, number) || self.ctx.parental_locked(s) {
            return None;
        }
        Some(Intent {
            url: stream_url(e)?,
            start_ms: self.ctx.history.resume_position(&series, number),
            subtitles: subtitles_for(s, e, &self.ctx.subtitle_prefs()).cloned(),
            since_ms: self.ctx.now_ms,
            sent: false,
        })
    }

    /// Preload on intent: once the focus has rested on an episode for
    /// [`INTENT_DWELL_MS`], preload it, so that OK shows its first frame at
    /// once; when the focus moves on, drop that preload (but not when the
    /// viewer pressed OK: playing it activates the preload).
    fn follow_intent(&mut self, out: &mut Vec<Command>) {
        let wanted = self.intended();
        let same = |a: &Option<Intent>, b: &Option<Intent>| {
            a.as_ref().map(|i| (&i.url, i.start_ms)) == b.as_ref().map(|i| (&i.url, i.start_ms))
        };
        if !same(&self.intent, &wanted) {
            let old = std::mem::replace(&mut self.intent, wanted);
            let playing = self.screen() == Screen::Player;
            if old.is_some_and(|o| o.sent) && !playing {
                out.push(Command::CancelPreload);
            }
        }
        let now = self.ctx.now_ms;
        if let Some(i) = &mut self.intent
            && !i.sent
            && now.saturating_sub(i.since_ms) >= INTENT_DWELL_MS
        {
            i.sent = true;
            out.push(Command::Preload {
                url: i.url.clone(),
                start_ms: i.start_ms,
                subtitles: i.subtitles.clone(),
            });
        }
    }

    /// What the viewer's focus is on, as a sentence to read aloud: an
    /// overlay, a colour key's note, else the focused item.
    pub fn describe(&self) -> String {
        match &self.overlay {
            Some(Overlay::StillWatching(q)) => return q.describe(&self.ctx),
            Some(Overlay::Pin(d)) => return d.describe(&self.ctx),
            Some(Overlay::Leave(d)) => return d.describe(&self.ctx),
            None => {}
        }
        if let Some(toast) = self.ctx.toast() {
            return toast.to_owned();
        }
        let ctx = &self.ctx;
        match self.top() {
            ScreenState::Home(s) => s.describe(ctx),
            ScreenState::Series(s) => s.describe(ctx),
            ScreenState::Player(p) => p.describe(ctx, &self.sleep.label(ctx)),
            ScreenState::Locked(s) => s.describe(ctx),
            ScreenState::Settings(s) => s.describe(ctx),
            ScreenState::Welcome(s) => s.describe(ctx),
        }
    }

    /// Spoken UI: after a key, what has the focus now, if it changed.
    fn speak_focus(&mut self, out: &mut Vec<Command>) {
        if !self.ctx.settings.spoken.on {
            self.last_spoken.clear();
            return;
        }
        let text = self.describe();
        if !text.is_empty() && text != self.last_spoken {
            self.last_spoken = text.clone();
            out.push(self.speak_command(text));
        }
    }

    fn speak_command(&self, text: String) -> Command {
        let spoken = &self.ctx.settings.spoken;
        Command::Speak {
            text,
            lang: self.ctx.lang().to_owned(),
            rate: spoken.rate,
            volume: spoken.volume,
        }
    }
}

#[cfg(test)]
mod tests;
