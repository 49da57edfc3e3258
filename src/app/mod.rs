//! The app core: a plain state machine, `(state, event) -> (state, commands)`.
//!
//! It knows neither Slint nor GStreamer. Events are remote actions, playback
//! reports, catalog and unlock updates and clock ticks; commands tell the
//! shell to play, preload, pause, stop, save, speak or exit, and carry what
//! they need. Screens ([`screens`]) and overlays ([`overlays`]) own their
//! state and focus; the [`App`] keeps them on a stack, lends them the
//! shared [`Ctx`], and does what they ask of the stack. The view reads the
//! state back after every event.

pub mod ad_break;
pub mod channels;
mod colour_keys;
pub mod context;
pub mod grants;
pub mod history;
mod incoming;
mod intent;
pub mod keep_ahead;
pub mod overlays;
pub mod parental;
pub mod preview;
mod reset;
pub mod screens;
pub mod settings;
pub mod shelf;
pub mod sleep;
mod spoken;
mod stack;
pub mod subtitles;

use std::sync::Arc;

use crate::catalog::model::{Catalog, SubtitleTrack};
use crate::episode::EpisodeId;
use crate::i18n::tr;
use crate::input::Action;
use crate::playback::StreamSource;

pub use context::{Ctx, next_episode};
use history::History;
use overlays::pin::{PinOutcome, PinPurpose};
use overlays::question::{Question, QuestionOutcome};
use overlays::still_watching::StillWatchingOutcome;
use overlays::{Overlay, QuestionDialog};
pub use screens::player::Phase;
use screens::player::Player;
use screens::{Home, Locked, SeriesPage, Welcome};
pub use screens::{Nav, Screen, ScreenState};
use settings::Settings;
use sleep::Sleep;
use subtitles::LoadedSubtitles;

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
    /// Straight to the drama channel of this id, from Home (a QA scenario).
    Tune(String),
    /// These settings instead (checked first), applied as if chosen on
    /// the Settings screen.
    Settings(Box<Settings>),
    /// The ad server's answer to [`Command::AskBreak`] `request`.
    AdBreak {
        request: EpisodeId,
        resolved: crate::ads::chain::Resolved,
    },
    /// Bytes the box has received this month (the shell's meter).
    DataUsed(u64),
    /// The episodes kept on the box now (the keeper).
    Kept(Vec<crate::stored::Kept>),
    /// A programme guide [`Command::LoadGuide`] asked for, or why not.
    Guide {
        url: String,
        guides: Result<Arc<crate::guide::Guides>, String>,
    },
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
    /// The episode's requests find no connection (true) while it plays on
    /// what is buffered and the player keeps trying; then they do again.
    Connection(bool),
    /// A live channel's playlist stopped growing (true) while the player
    /// keeps trying; then it grew again.
    Broadcast(bool),
    /// A live channel's broadcast time of the frame on screen (its
    /// playlist's EXT-X-PROGRAM-DATE-TIME; pulled on the shell's tick).
    OnAir(chrono::DateTime<chrono::Utc>),
    /// The episode's subtitles loaded, or failed: the catalog's file (the
    /// shell fetched it) or the stream's own rendition.
    Subtitles(LoadedSubtitles),
    Ended,
    /// It stopped on an error: what failed and where (for Details, the log
    /// and QA); `denied` when a server refused a request of it (HTTP 401 or
    /// 403: an expired grant); `network` when the network failed it (the
    /// viewer is told to check the connection) rather than the stream.
    Failed {
        message: String,
        denied: bool,
        network: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Play an episode under `id` (the preload of the same source and
    /// start, if there is one, plays at once) and fetch its subtitle file.
    Play {
        id: EpisodeId,
        source: StreamSource,
        series: String,
        episode: u32,
        /// Where in the episode to start (resuming); 0: its beginning.
        start_ms: u64,
        subtitles: Option<SubtitleTrack>,
    },
    /// Make this episode ready to play at once: its start fetched and its
    /// first frame decoded, its subtitle file fetched.
    Preload {
        source: StreamSource,
        /// As in `Play`: a preload is for one start point.
        start_ms: u64,
        subtitles: Option<SubtitleTrack>,
        /// Kept beside the preload made last (a drama channel's next
        /// episode beside the neighbouring channel's); else it replaces
        /// every other.
        beside: bool,
    },
    /// The episode `id` goes on under a refreshed grant: its requests go
    /// to these URLs from now on.
    Refresh {
        id: EpisodeId,
        source: StreamSource,
    },
    /// Ask the ad server for a break's ads (the answer comes as
    /// [`Event::AdBreak`] with `request`).
    AskBreak {
        request: EpisodeId,
        tag: String,
        /// `[CONTENTID]`: the episode after the break.
        content_id: String,
    },
    /// Play an ad under `id` from its media file (preloaded, if it was);
    /// `ad_id`: its VAST `Ad id` (logs, QA).
    PlayAd {
        id: EpisodeId,
        url: String,
        ad_id: Option<String>,
    },
    /// Fire these trackers (macros expanded for the ad around `content_id`).
    AdBeacons {
        beacons: Vec<crate::ads::tracking::Beacon>,
        content_id: String,
    },
    /// Keep these episodes on the box (the keeper fetches while `idle`).
    Keep {
        plan: crate::stored::keeper::KeepPlan,
        idle: bool,
    },
    /// Write the ad ledger to the state directory.
    SaveAdLedger(crate::ads::ledger::AdLedger),
    /// Drop the preload: the focus moved away from the episode it was for.
    CancelPreload,
    /// Play `source` under `id` without sound for Home's hero (a preview
    /// of `series`); the preload stays. [`Command::Continue`] makes it the
    /// episode played, [`Command::StopPreview`] ends it.
    Preview {
        id: EpisodeId,
        source: StreamSource,
        series: String,
    },
    /// The preview `id` stops (if it still plays); the preload stays.
    StopPreview {
        id: EpisodeId,
    },
    /// The preview `id` goes on as episode `episode` of `series`, played
    /// with sound from `start_ms` (where it is), with these subtitles.
    Continue {
        id: EpisodeId,
        series: String,
        episode: u32,
        start_ms: u64,
        subtitles: Option<SubtitleTrack>,
    },
    /// Fetch a live channel's programme guide (XMLTV) at this URL.
    LoadGuide(String),
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
    /// Load the catalog again now (the viewer asked: Retry).
    ReloadCatalog,
    /// For the unlock service (pairing, purchases, entitlements).
    Unlock(crate::unlock::UnlockCommand),
    /// The programme's sound at this level, 0 to 1 (a sleep timer's fade).
    Fade(f64),
    /// Episodes started from now on play variants up to this bandwidth,
    /// bit/s (the lowest always stays); None: any (Settings' "Data use").
    MaxBitrate(Option<u64>),
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
    /// Forget everything the box keeps about the viewer (Settings' "Reset
    /// this box"): history, settings, parental PIN, ad ledger, pairing,
    /// entitlements, queued progress, device id. Runs after the writes
    /// asked for before it.
    ResetBox,
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

pub struct App {
    ctx: Ctx,
    /// The screens, Home at the bottom, the one on show on top.
    stack: Vec<ScreenState>,
    overlay: Option<Overlay>,
    sleep: Sleep,
    /// What OK would play from where the focus rests (preload on intent).
    intent: Option<intent::Intent>,
    /// Home's hero preview of the focused series.
    preview: Option<preview::Preview>,
    /// The keeping last asked of the keeper, and when (ms).
    keep_sent: Option<(keep_ahead::KeepAsk, u64)>,
    /// A drama channel's episode preloaded on intent: (series, episode,
    /// from), joined from there when the channel is tuned to.
    channel_preload: Option<(String, u32, u64)>,
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
            preview: None,
            keep_sent: None,
            channel_preload: None,
            last_spoken: String::new(),
        }
    }

    /// What this box has shown of ads so far (read from the state
    /// directory, bounded).
    pub fn set_ad_ledger(&mut self, ledger: crate::ads::ledger::AdLedger) {
        self.ctx.ad_ledger = ledger.checked(self.ctx.now_wall().timestamp());
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

    /// What partner insight is to hear since the last call: the
    /// configuration first when it changed (once a catalog says where
    /// reports go, or that they go nowhere), then the events.
    pub fn take_insight(&mut self) -> Vec<crate::insight::InsightCommand> {
        use crate::insight::InsightCommand;
        let mut out = Vec::new();
        let config = self.ctx.insight_config();
        if self.ctx.catalog.is_some() && self.ctx.insight_config.as_ref() != Some(&config) {
            self.ctx.insight_config = Some(config.clone());
            out.push(InsightCommand::Configure(config));
        }
        out.extend(self.ctx.insight.drain(..).map(InsightCommand::Record));
        out
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
    /// The player and the shared context, both to change.
    fn player_mut_with_ctx(&mut self) -> Option<(&mut Player, &mut Ctx)> {
        let Self { stack, ctx, .. } = self;
        let player = stack.iter_mut().rev().find_map(|s| match s {
            ScreenState::Player(p) => Some(&mut **p),
            _ => None,
        })?;
        Some((player, ctx))
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
    /// What the Locked screen on show says: its message, what is free and
    /// what the rest costs, and how to go on.
    pub fn locked_message(&self) -> String {
        self.locked()
            .map(|l| {
                let t = l.texts(&self.ctx);
                if t.message.is_empty() {
                    t.all()
                } else {
                    t.message
                }
            })
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
                self.ctx.wall_at_ms = self.ctx.now_ms;
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
                self.ctx.catalog_failed = None;
                let lang = self.ctx.lang();
                // Why the saved programmes show goes to the log; the viewer
                // reads that they are the saved ones.
                if let Some(p) = &problem {
                    tracing::warn!(problem = %p, "showing the saved catalog");
                }
                let stale = problem.map(|_| tr(lang, "notice-stale", &[]));
                let expired = expired.map(|at| tr(lang, "notice-expired", &[("date", at.into())]));
                self.ctx.notice = match (stale, expired) {
                    (Some(a), Some(b)) => Some(format!("{a} {b}")),
                    (a, b) => a.or(b),
                };
                self.set_catalog(catalog, &mut out);
            }
            Event::CatalogFailed(why) => {
                tracing::warn!(%why, "no catalog");
                if self.ctx.catalog.is_none() {
                    self.ctx.catalog_failed = Some(why);
                }
            }
            Event::Playback { id, report } => {
                // An ad's first frame is announced (spoken UI): what it is,
                // how long it lasts.
                // So is a rewarded ad's end: "Unlocking…".
                let ad_on_screen = self
                    .player()
                    .and_then(|p| p.ad().map(|a| (a.id, p.reward.is_some())));
                speak = match ad_on_screen {
                    Some((ad, rewarded)) if ad == id => {
                        report == Playback::Started || (rewarded && report == Playback::Ended)
                    }
                    _ => false,
                };
                // A lost connection is said too (what the screen says).
                speak |= report == Playback::Connection(true)
                    && self.player().is_some_and(|p| p.id == id)
                    && self.screen() == Screen::Player;
                self.on_playback(id, report, &mut out);
            }
            Event::Action(a) => {
                self.on_action(a, &mut out);
                speak = true;
            }
            Event::Open { series, episode } => self.open(&series, episode, &mut out),
            Event::Seek(ms) => self.seek(ms, &mut out),
            Event::Tune(id) => self.tune_id(&id, &mut out),
            Event::AdBreak { request, resolved } => {
                self.ctx.record(crate::insight::ViewEvent::AdRequest {
                    ads: resolved.ads.len(),
                });
                if let Some((p, ctx)) = self.player_mut_with_ctx() {
                    let nav = p.on_ad_break(ctx, request, resolved, &mut out);
                    self.apply(nav, &mut out);
                }
            }
            Event::DataUsed(bytes) => self.ctx.data_used = Some(bytes),
            Event::Kept(kept) => self.on_kept(kept),
            Event::Guide { url, guides } => self.ctx.on_guide(&url, guides),
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
        if self.ctx.settings.data_use != settings_before.data_use {
            out.push(Command::MaxBitrate(
                self.ctx.settings.data_use.max_bitrate(),
            ));
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
        self.follow_preview(&mut out);
        self.follow_intent(&mut out);
        self.follow_keep(&mut out);
        out
    }

    fn on_playback(&mut self, id: EpisodeId, report: Playback, out: &mut Vec<Command>) {
        if self.on_preview_playback(id, &report, out) {
            return;
        }
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
                let outcome = d.on_action(&mut self.ctx, action);
                if d.tried {
                    // Wrong PINs and waits are kept across restarts.
                    d.tried = false;
                    out.push(Command::SaveSettings(self.ctx.settings.clone()));
                }
                match outcome {
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
                    PinOutcome::Accepted(PinPurpose::ResetBox) => {
                        self.open_parental_rows();
                        self.overlay =
                            Some(Overlay::Question(QuestionDialog::new(Question::ResetBox)));
                    }
                    PinOutcome::Accepted(_) => {
                        self.overlay = None;
                        self.open_parental_rows();
                    }
                }
                return;
            }
            Some(Overlay::Question(d)) => {
                let question = d.question;
                match d.on_action(action) {
                    QuestionOutcome::Open => {}
                    QuestionOutcome::Cancel => self.overlay = None,
                    QuestionOutcome::Keep => {
                        self.overlay = None;
                        if question == Question::OnChannel {
                            self.off_channel();
                        }
                    }
                    QuestionOutcome::Go => match question {
                        Question::Leave => out.push(Command::Exit),
                        Question::ResetBox => self.reset_box(out),
                        Question::OnChannel => {
                            self.overlay = None;
                            self.series_from_start(out);
                        }
                    },
                }
                return;
            }
            None => {}
        }
        if self.continue_preview(action, out) {
            return;
        }
        if action == Action::Exit {
            if self.stack.len() == 1 {
                self.overlay = Some(Overlay::Question(QuestionDialog::new(Question::Leave)));
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
}

#[cfg(test)]
mod tests;
