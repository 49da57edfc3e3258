//! The app core: a plain state machine, `(state, event) -> (state, commands)`.
//!
//! It knows neither Slint nor GStreamer. Events are remote actions, playback
//! reports, catalog updates and clock ticks; commands tell the shell to play,
//! preload, pause, stop, save or exit. The view reads the state back through
//! the accessors below after every event.

pub mod comfort;
pub mod history;
pub mod parental;
pub mod paywall;
pub mod settings;
pub mod shelf;

use std::collections::HashMap;
use std::sync::Arc;

use crate::catalog::model::{Catalog, Episode, Series, StreamType, SubtitleKind, SubtitleTrack};
use crate::i18n::tr;
use crate::input::Action;

use history::History;
use settings::{Settings, SubtitleMode};
use shelf::{CONTINUE_ROW, Row};

/// Episodes per row of the series screen's grid.
pub const GRID_COLUMNS: usize = 10;
/// How long the player's controls stay up after the last key.
pub const CONTROLS_MS: u64 = 5_000;
/// The "Next in N s" countdown starts this close to an episode's end.
pub const COUNTDOWN_MS: u64 = 5_000;
/// How long a colour key's note stays up.
const TOAST_MS: u64 = 2_500;
/// Number keys typed this close together make one episode number.
pub const TYPED_MS: u64 = 1_000;
/// How often the position is saved while playing.
const SAVE_EVERY_MS: u64 = 10_000;

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
    /// `token`; dropped unless that episode is still the one on screen.
    Playback {
        token: PlayToken,
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
    Started,
    Position {
        position_ms: u64,
        duration_ms: Option<u64>,
    },
    Buffering(bool),
    /// The stream's own subtitles (an HLS rendition) loaded, or failed.
    Subtitles {
        language: Option<String>,
        forced: bool,
        track: Result<Arc<crate::webvtt::Track>, String>,
    },
    Ended,
    Failed(String),
}

/// Subtitles from the stream: their language and cues, or why they cannot
/// be shown.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSubtitles {
    pub language: Option<String>,
    /// Meant for every viewer (signs, lines in another language).
    pub forced: bool,
    pub track: Result<Arc<crate::webvtt::Track>, String>,
}

/// Names one [`Command::Play`]: the playback events of that episode carry it.
pub type PlayToken = u64;

/// How long the focus rests on a series poster, a series' Play button or
/// an episode before the app preloads what OK would play: long enough that
/// scrolling past posters preloads nothing, short next to the time a
/// viewer takes to press OK. The player keeps one preload at a time, within
/// its preload budget.
pub const INTENT_DWELL_MS: u64 = 400;

/// How long an episode plays before the next one is preloaded (see
/// [`crate::playback::NEXT_PRELOAD_AFTER`]).
pub const NEXT_PRELOAD_AFTER_MS: u64 = crate::playback::NEXT_PRELOAD_AFTER.as_millis() as u64;

/// The episode the focus points at, and since when.
#[derive(Debug, Clone, PartialEq)]
struct Intent {
    url: String,
    start_ms: u64,
    since_ms: u64,
    /// The preload command went out.
    sent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Play {
        token: PlayToken,
        url: String,
        series: String,
        episode: u32,
        /// Where in the episode to start, ms (resuming); 0: its beginning.
        start_ms: u64,
    },
    Preload {
        url: String,
        /// As in `Play`: a preload is for one start point.
        start_ms: u64,
    },
    /// Drop the preload: the focus moved away from the episode it was for.
    CancelPreload,
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

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Home,
    Series(String),
    Player,
    /// An episode that needs unlocking: series id and episode number.
    Locked(String, u32),
    /// The Settings screen, over whatever was on screen.
    Settings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesFocus {
    /// The Play / Continue button above the grid.
    PlayButton,
    /// An index into the series' episodes.
    Episode(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Previous,
    PlayPause,
    Next,
    /// The sleep timer: OK steps through 15/30/60/90 min and off.
    Sleep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorChoice {
    Retry,
    Next,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitChoice {
    Stay,
    Exit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Loading,
    Playing,
    Failed(String),
}

/// The episode on screen and what the player shows around it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerState {
    /// The token of the play command that started this episode.
    pub token: PlayToken,
    pub series: String,
    pub episode: u32,
    pub phase: Phase,
    pub paused: bool,
    pub buffering: bool,
    /// Times the episode stalled for data after its first frame.
    pub rebuffers: u32,
    pub position_ms: u64,
    pub duration_ms: Option<u64>,
    /// Controls are up until this tick.
    pub controls_until: Option<u64>,
    pub control: Control,
    pub error_choice: ErrorChoice,
    /// The subtitle track shown with the episode, if any.
    pub subtitles: Option<SubtitleTrack>,
    /// Subtitles that came with the stream (an HLS rendition): shown when
    /// the catalog lists none, if the viewer needs them.
    pub stream_subtitles: Option<StreamSubtitles>,
    last_saved_ms: u64,
    /// When the next episode is to be preloaded (see [`NEXT_PRELOAD_AFTER_MS`]).
    next_preload_at: Option<u64>,
}

/// The parental PIN dialog: what it is for and what was typed.
#[derive(Debug, Clone, PartialEq)]
pub struct PinDialog {
    pub purpose: PinPurpose,
    /// Digits typed so far.
    pub entered: String,
    /// The digit Up/Down choose before OK adds it (remotes without numbers).
    pub pending: u8,
    pub message: Option<PinMessage>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PinPurpose {
    /// A new PIN, then the same again.
    Choose,
    Confirm(String),
    /// The PIN opens the parental settings, or a series above the limit
    /// (and plays it, if OK was to play).
    OpenSettings,
    OpenSeries {
        id: String,
        play: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PinMessage {
    Wrong {
        left: u32,
    },
    Mismatch,
    /// Too many wrong PINs: wait until this tick.
    Wait {
        until_ms: u64,
    },
}

/// What the Settings screen was opened over, to put back on leaving.
#[derive(Debug, Clone, PartialEq)]
struct SettingsVisit {
    /// The episode on screen was playing (it pauses under Settings).
    resume: bool,
    audio_language: String,
}

pub struct App {
    catalog: Option<Arc<Catalog>>,
    /// The UI language: the Settings' choice, else the box's.
    lang: String,
    /// The box's language (locale or `--lang`).
    box_lang: String,
    settings: Settings,
    /// The focused row of the Settings screen.
    settings_row: usize,
    /// Settings is the first-run screen (fewer rows, then Done).
    welcome: bool,
    settings_visit: Option<SettingsVisit>,
    /// Home: the Settings button above the rows has the focus.
    home_settings: bool,
    pin: Option<PinDialog>,
    /// Wrong PINs in a row, and until when the box waits after too many.
    pin_failures: u32,
    pin_wait_until: Option<u64>,
    /// The PIN was given in this visit to Settings: parental rows change.
    parental_open: bool,
    /// Series opened with the PIN since the app started.
    parental_unlocked: std::collections::HashSet<String>,
    /// Number keys typed on the series page: the number so far and when
    /// its last digit came.
    typed: Option<(u32, u64)>,
    /// A line that says what a colour key did, until a tick.
    toast: Option<(String, u64)>,
    clock: Option<String>,
    /// What the spoken UI said last: said again only when it changes.
    last_spoken: String,
    rows: Vec<Row>,
    /// Changes whenever `rows` is rebuilt: the view rebuilds its row
    /// models only then.
    rows_generation: u64,
    /// What OK would play from where the focus rests (preload on intent).
    intent: Option<Intent>,
    /// Series id → index in the catalog.
    series_index: std::collections::HashMap<String, usize>,
    history: History,
    stack: Vec<Screen>,
    row: usize,
    /// The focused column of each row, by row id, so a row keeps its place.
    columns: HashMap<String, usize>,
    series_focus: SeriesFocus,
    player: Option<PlayerState>,
    exit_dialog: Option<ExitChoice>,
    notice: Option<String>,
    now_ms: u64,
    continue_title: String,
    last_token: PlayToken,
    /// The viewer's entitlements (unlocked episodes, coins), checked.
    entitlements: Option<Arc<crate::unlock::Entitlements>>,
    /// The box holds a token of the unlock API.
    paired: bool,
    /// The wall clock, for entitlements' expiry.
    wall: chrono::DateTime<chrono::Utc>,
    /// The unlock API the service was told to use.
    unlock_api: Option<crate::catalog::model::UnlockApi>,
    locked: paywall::LockedState,
    /// When the last key came (the still-watching question counts from it).
    last_key_ms: u64,
    still_watching: Option<bool>,
    sleep: Option<comfort::SleepTimer>,
    /// The last fade level sent.
    fade_sent: f64,
}

impl App {
    /// An app for a box whose language is `box_lang`, with default settings.
    pub fn new(history: History, box_lang: &str) -> App {
        App::with_settings(history, box_lang, Settings::default())
    }

    pub fn with_settings(history: History, box_lang: &str, settings: Settings) -> App {
        let lang = settings.language.clone().unwrap_or_else(|| box_lang.into());
        App {
            catalog: None,
            continue_title: tr(&lang, "continue-watching", &[]),
            lang,
            box_lang: box_lang.into(),
            settings,
            settings_row: 0,
            welcome: false,
            settings_visit: None,
            home_settings: false,
            pin: None,
            pin_failures: 0,
            pin_wait_until: None,
            parental_open: false,
            parental_unlocked: Default::default(),
            typed: None,
            toast: None,
            clock: None,
            last_spoken: String::new(),
            rows: Vec::new(),
            rows_generation: 0,
            intent: None,
            series_index: Default::default(),
            history,
            stack: vec![Screen::Home],
            row: 0,
            columns: HashMap::new(),
            series_focus: SeriesFocus::PlayButton,
            player: None,
            exit_dialog: None,
            notice: None,
            now_ms: 0,
            last_token: 0,
            entitlements: None,
            paired: false,
            wall: chrono::Utc::now(),
            unlock_api: None,
            locked: Default::default(),
            last_key_ms: 0,
            still_watching: None,
            sleep: None,
            fade_sent: 1.0,
        }
    }

    // ---- what the view reads ----

    pub fn screen(&self) -> &Screen {
        self.stack.last().unwrap_or(&Screen::Home)
    }
    pub fn catalog(&self) -> Option<&Arc<Catalog>> {
        self.catalog.as_ref()
    }
    /// The UI language (also the language of catalog texts shown).
    pub fn lang(&self) -> &str {
        &self.lang
    }
    pub fn box_lang(&self) -> &str {
        &self.box_lang
    }
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// The focused row of the Settings screen.
    pub fn settings_row(&self) -> settings::Row {
        let rows = self.settings_rows();
        rows[self.settings_row.min(rows.len() - 1)]
    }
    /// The rows on the Settings screen: all, or the first-run screen's.
    pub fn settings_rows(&self) -> &'static [settings::Row] {
        if self.welcome {
            &settings::WELCOME
        } else {
            &settings::Row::ALL
        }
    }
    /// Whether the Settings screen is the first-run one.
    pub fn first_run(&self) -> bool {
        self.welcome
    }
    /// Starts on the first-run screen (language, text size, contrast,
    /// spoken UI) unless it was gone through before.
    pub fn welcome(&mut self) {
        if !self.settings.welcomed && self.screen() != &Screen::Settings {
            self.welcome = true;
            self.settings_row = 0;
            self.settings_visit = None;
            self.stack.push(Screen::Settings);
        }
    }
    /// Episodes per row of the series grid: fewer with larger text.
    pub fn grid_columns(&self) -> usize {
        match self.settings.text_size {
            0..=100 => GRID_COLUMNS,
            101..=125 => 8,
            _ => 7,
        }
    }
    /// What the last colour key did, for a moment.
    pub fn toast(&self) -> Option<&str> {
        self.toast
            .as_ref()
            .filter(|(_, until)| self.now_ms < *until)
            .map(|(t, _)| t.as_str())
    }
    /// The wall clock, "21:04", once the shell has told it.
    pub fn clock(&self) -> Option<&str> {
        self.clock.as_deref()
    }
    /// Monotonic ms of the last tick.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }
    /// The PIN dialog, when it is up.
    pub fn pin_dialog(&self) -> Option<&PinDialog> {
        self.pin.as_ref()
    }
    /// Whether the parental rows of Settings take changes now (no PIN, or
    /// it was given in this visit).
    pub fn parental_open(&self) -> bool {
        self.parental_open || !self.settings.parental.on()
    }
    /// Whether `series` is above the parental limit and not opened with the
    /// PIN yet: shown with a padlock, the PIN asked on OK.
    pub fn parental_locked(&self, series: &Series) -> bool {
        let unknown = self
            .catalog
            .as_ref()
            .map(|c| c.parental.unknown_ratings)
            .unwrap_or_default();
        !self.parental_unlocked.contains(&series.id)
            && !self.settings.parental.allows(&series.rating, unknown)
    }
    /// Home: whether the Settings button has the focus.
    pub fn home_settings_focused(&self) -> bool {
        self.home_settings
    }
    /// The language subtitles are wanted in.
    pub fn subtitle_language(&self) -> &str {
        self.settings
            .subtitle_language
            .as_deref()
            .unwrap_or(&self.lang)
    }
    /// The language dubbed episodes play in.
    pub fn audio_language(&self) -> &str {
        self.settings
            .audio_language
            .as_deref()
            .unwrap_or(&self.lang)
    }
    /// What the viewer wants of subtitles, for [`subtitles_for`].
    pub fn subtitle_prefs(&self) -> SubtitlePrefs<'_> {
        SubtitlePrefs {
            viewer: &self.lang,
            language: self.subtitle_language(),
            mode: self.settings.subtitles,
        }
    }
    /// The UI languages offered in Settings.
    pub fn ui_languages(&self) -> Vec<String> {
        crate::i18n::UI_LANGUAGES
            .iter()
            .map(|(t, _, _)| t.to_string())
            .collect()
    }
    /// The languages offered for subtitles and audio: the UI languages,
    /// then those the catalog's episodes have (at most 32 in all).
    pub fn content_languages(&self) -> Vec<String> {
        let mut all = self.ui_languages();
        if let Some(c) = &self.catalog {
            let tags = c.series.iter().flat_map(|s| {
                s.languages
                    .audio
                    .iter()
                    .chain(s.episodes.iter().flat_map(|e| {
                        e.audio_languages
                            .iter()
                            .chain(e.subtitles.iter().map(|t| &t.language))
                    }))
            });
            for t in tags {
                if all.len() >= 32 {
                    break;
                }
                if settings::valid_tag(t) && !all.iter().any(|a| a.eq_ignore_ascii_case(t)) {
                    all.push(t.clone());
                }
            }
        }
        all
    }
    /// The stream's own subtitles, when the viewer's settings show them.
    pub fn shown_stream_subtitles(&self) -> Option<&StreamSubtitles> {
        let p = self.player.as_ref()?;
        let stream = p.stream_subtitles.as_ref()?;
        let wanted = stream.forced
            || match self.settings.subtitles {
                SubtitleMode::Off => false,
                SubtitleMode::On => true,
                SubtitleMode::Auto => self.series(&p.series).is_some_and(|s| {
                    s.episodes
                        .iter()
                        .find(|e| e.number == p.episode)
                        .is_some_and(|e| !understands_audio(s, e, &self.lang))
                }),
            };
        wanted.then_some(stream)
    }
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }
    pub fn rows_generation(&self) -> u64 {
        self.rows_generation
    }
    pub fn history(&self) -> &History {
        &self.history
    }
    pub fn focused_row(&self) -> usize {
        self.row
    }
    pub fn column(&self, row: usize) -> usize {
        self.rows
            .get(row)
            .and_then(|r| self.columns.get(&r.id).copied())
            .unwrap_or(0)
    }
    /// The series focused on the home screen.
    pub fn focused_series(&self) -> Option<&Series> {
        let row = self.rows.get(self.row)?;
        let idx = *row.series.get(self.column(self.row))?;
        self.catalog.as_ref()?.series.get(idx)
    }
    pub fn series_focus(&self) -> SeriesFocus {
        self.series_focus
    }
    pub fn player(&self) -> Option<&PlayerState> {
        self.player.as_ref()
    }
    pub fn exit_dialog(&self) -> Option<ExitChoice> {
        self.exit_dialog
    }
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }
    pub fn controls_visible(&self) -> bool {
        self.player
            .as_ref()
            .and_then(|p| p.controls_until)
            .is_some_and(|until| self.now_ms < until)
    }
    pub fn series(&self, id: &str) -> Option<&Series> {
        let catalog = self.catalog.as_ref()?;
        catalog.series.get(*self.series_index.get(id)?)
    }
    /// Seconds left on the "Next in N s" countdown, while it runs.
    pub fn countdown(&self) -> Option<u64> {
        let p = self.player.as_ref()?;
        if p.phase != Phase::Playing {
            return None;
        }
        let series = self.series(&p.series)?;
        let next = next_episode(series, p.episode)?;
        if !self.playable(series, next.number) {
            return None;
        }
        let left = p.duration_ms?.saturating_sub(p.position_ms);
        (left <= COUNTDOWN_MS).then(|| left.div_ceil(1000).max(1))
    }

    // ---- the state machine ----

    /// The app is closing: stop playback and save where the viewer was.
    pub fn shutdown(&mut self) -> Vec<Command> {
        let mut out = Vec::new();
        if self.player.is_some() {
            self.leave_player(&mut out);
        }
        out
    }

    pub fn handle(&mut self, event: Event) -> Vec<Command> {
        let mut out = Vec::new();
        match event {
            Event::Tick(now) => {
                self.now_ms = now;
                self.comfort_tick(&mut out);
            }
            Event::Clock(text, now) => {
                self.clock = Some(text);
                self.wall = now;
            }
            Event::Unlock(report) => {
                self.on_unlock(report, &mut out);
                // A code or an outcome on the Locked screen is read out
                // (elsewhere the report changes nothing said).
                if matches!(self.screen(), Screen::Locked(..)) {
                    self.speak_focus(&mut out);
                }
            }
            Event::Catalog {
                catalog,
                problem,
                expired,
            } => {
                let lang = &self.lang;
                let stale = problem.map(|p| tr(lang, "notice-stale", &[("why", p.into())]));
                let expired = expired.map(|at| tr(lang, "notice-expired", &[("date", at.into())]));
                self.notice = match (stale, expired) {
                    (Some(a), Some(b)) => Some(format!("{a} {b}")),
                    (a, b) => a.or(b),
                };
                self.set_catalog(catalog, &mut out);
            }
            Event::CatalogFailed(why) => {
                if self.catalog.is_none() {
                    let notice = tr(&self.lang, "notice-no-catalog", &[("why", why.into())]);
                    self.notice = Some(notice);
                }
            }
            Event::Playback { token, report } => {
                // The one place where reports of an episode that is no
                // longer on screen (replaced, stopped) are dropped.
                if self.player.as_ref().is_some_and(|p| p.token == token) {
                    self.on_playback(report, &mut out);
                } else {
                    tracing::debug!(token, ?report, "stale playback report dropped");
                }
            }
            Event::Action(a) => {
                self.on_action(a, &mut out);
                self.speak_focus(&mut out);
            }
            Event::Open { series, episode } => self.open(&series, episode, &mut out),
            Event::Seek(ms) => self.seek(ms, &mut out),
            Event::Settings(settings) => {
                let (settings, _) = settings.checked();
                let before = self.settings.clone();
                let languages = self.languages_command();
                self.settings = settings;
                if self.settings != before {
                    self.settings_changed(&before, languages, &mut out);
                }
            }
        }
        self.follow_intent(&mut out);
        out
    }

    /// The stream OK would play from where the focus is: on Home the
    /// focused series' resume episode, on a series page the Play button's
    /// or the focused episode. None elsewhere, or when it is locked.
    fn intended_url(&self) -> Option<(String, u64)> {
        if self.exit_dialog.is_some() {
            return None;
        }
        let (series, number) = match self.screen() {
            Screen::Home => {
                // OK opens the series on its Play button (or, from Continue
                // Watching, plays at once): the resume episode either way.
                let s = self.focused_series()?;
                (
                    s,
                    self.history.resume_episode(&s.id, s.episodes.len() as u32),
                )
            }
            Screen::Series(id) => {
                let s = self.series(id)?;
                let number = match self.series_focus {
                    SeriesFocus::PlayButton => {
                        self.history.resume_episode(id, s.episodes.len() as u32)
                    }
                    SeriesFocus::Episode(i) => s.episodes.get(i)?.number,
                };
                (s, number)
            }
            _ => return None,
        };
        if !self.playable(series, number) || self.parental_locked(series) {
            return None;
        }
        let url = stream_url(series.episodes.iter().find(|e| e.number == number)?)?;
        Some((url, self.history.resume_position(&series.id, number)))
    }

    /// Preload on intent: once the focus has rested on an episode for
    /// [`INTENT_DWELL_MS`], preload it, so that OK shows its first frame at
    /// once; when the focus moves on, drop that preload (but not when the
    /// viewer pressed OK: playing it activates the preload).
    fn follow_intent(&mut self, out: &mut Vec<Command>) {
        let wanted = self.intended_url();
        if self.intent.as_ref().map(|i| (&i.url, i.start_ms))
            != wanted.as_ref().map(|(u, s)| (u, *s))
        {
            let old = std::mem::replace(
                &mut self.intent,
                wanted.map(|(url, start_ms)| Intent {
                    url,
                    start_ms,
                    since_ms: self.now_ms,
                    sent: false,
                }),
            );
            let playing = self.screen() == &Screen::Player;
            if old.is_some_and(|o| o.sent) && !playing {
                out.push(Command::CancelPreload);
            }
        }
        if let Some(i) = &mut self.intent
            && !i.sent
            && self.now_ms.saturating_sub(i.since_ms) >= INTENT_DWELL_MS
        {
            i.sent = true;
            out.push(Command::Preload {
                url: i.url.clone(),
                start_ms: i.start_ms,
            });
        }
    }

    fn set_catalog(&mut self, mut catalog: Arc<Catalog>, out: &mut Vec<Command>) {
        if catalog.unlock_api != self.unlock_api {
            self.unlock_api.clone_from(&catalog.unlock_api);
            if let Some(api) = &catalog.unlock_api {
                out.push(Command::Unlock(crate::unlock::UnlockCommand::Connect(
                    api.clone(),
                )));
            }
        }
        // The grid, Next and Previous go by episode number, whatever order
        // the catalog lists episodes in.
        if catalog
            .series
            .iter()
            .any(|s| !s.episodes.is_sorted_by_key(|e| e.number))
        {
            for s in &mut Arc::make_mut(&mut catalog).series {
                s.episodes.sort_by_key(|e| e.number);
            }
        }
        // The focused episode, by number: its index may change.
        let focused_number = match (self.screen(), self.series_focus) {
            (Screen::Series(id), SeriesFocus::Episode(i)) => self
                .series(id)
                .and_then(|s| s.episodes.get(i))
                .map(|e| (e.number, i)),
            _ => None,
        };
        self.series_index = catalog
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.catalog = Some(catalog);
        self.rebuild_rows();
        if let Some((number, old_index)) = focused_number {
            self.refocus_episode(number, old_index);
        }
        // Screens about series the new catalog dropped go away.
        let keep = |s: &Screen, app: &App| match s {
            Screen::Home => true,
            Screen::Series(id) => app.series(id).is_some(),
            Screen::Locked(id, n) => app
                .series(id)
                .is_some_and(|s| s.episodes.iter().any(|e| e.number == *n)),
            Screen::Player => app
                .player
                .as_ref()
                .is_some_and(|p| app.series(&p.series).is_some()),
            Screen::Settings => true,
        };
        let first_gone = (0..self.stack.len()).find(|&i| !keep(&self.stack[i], self));
        if let Some(i) = first_gone {
            if self.stack[i..].contains(&Screen::Player) {
                self.leave_player(out);
            }
            self.stack.truncate(i.max(1));
        }
    }

    /// After a catalog update: the focus stays on episode `number` where it
    /// now is, else on the nearest cell left (the Play button if none).
    fn refocus_episode(&mut self, number: u32, old_index: usize) {
        let Screen::Series(id) = self.screen() else {
            return;
        };
        let Some(series) = self.series(id) else {
            return;
        };
        self.series_focus = match series.episodes.iter().position(|e| e.number == number) {
            Some(i) => SeriesFocus::Episode(i),
            None if series.episodes.is_empty() => SeriesFocus::PlayButton,
            None => SeriesFocus::Episode(old_index.min(series.episodes.len() - 1)),
        };
    }

    fn rebuild_rows(&mut self) {
        let Some(catalog) = &self.catalog else {
            return;
        };
        let focused_id = self.rows.get(self.row).map(|r| r.id.clone());
        self.rows = shelf::build(
            catalog,
            &self.series_index,
            &self.history,
            &self.lang,
            &self.continue_title,
        );
        self.rows_generation += 1;
        self.row = focused_id
            .and_then(|id| self.rows.iter().position(|r| r.id == id))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
        for (i, r) in self.rows.iter().enumerate() {
            if let Some(c) = self.columns.get_mut(&r.id) {
                *c = (*c).min(r.series.len().saturating_sub(1));
            }
            if r.id == CONTINUE_ROW && i != self.row {
                // The most recent series comes first when the row is entered again.
                self.columns.insert(r.id.clone(), 0);
            }
        }
    }

    fn on_action(&mut self, action: Action, out: &mut Vec<Command>) {
        self.last_key_ms = self.now_ms;
        if self.still_watching_action(action, out) {
            return;
        }
        if self.pin.is_some() {
            self.pin_action(action, out);
            return;
        }
        if let Some(choice) = self.exit_dialog {
            match action {
                Action::Left | Action::Right => {
                    self.exit_dialog = Some(match choice {
                        ExitChoice::Stay => ExitChoice::Exit,
                        ExitChoice::Exit => ExitChoice::Stay,
                    })
                }
                Action::Ok if choice == ExitChoice::Exit => out.push(Command::Exit),
                Action::Ok | Action::Back => self.exit_dialog = None,
                _ => {}
            }
            return;
        }
        if action == Action::Exit {
            if self.stack.len() == 1 {
                self.exit_dialog = Some(ExitChoice::Stay);
            } else {
                if self.stack.contains(&Screen::Player) {
                    self.leave_player(out);
                }
                self.stack.truncate(1);
            }
            return;
        }
        if action == Action::Red && self.screen() != &Screen::Settings {
            self.open_settings(out);
            return;
        }
        if action == Action::Green {
            self.toggle_subtitles(out);
            return;
        }
        if action == Action::Yellow {
            self.next_audio_language(out);
            return;
        }
        if action == Action::Blue {
            self.toggle_spoken(out);
            return;
        }
        match self.screen().clone() {
            Screen::Settings => self.settings_action(action, out),
            Screen::Home => self.home_action(action, out),
            Screen::Series(id) => self.series_action(&id, action, out),
            Screen::Player => self.player_action(action, out),
            Screen::Locked(id, number) => self.locked_action(&id, number, action, out),
        }
    }

    fn open_settings(&mut self, out: &mut Vec<Command>) {
        let resume = self.screen() == &Screen::Player
            && self
                .player
                .as_ref()
                .is_some_and(|p| !p.paused && !matches!(p.phase, Phase::Failed(_)));
        if resume {
            self.set_paused(true, out);
        }
        self.settings_visit = Some(SettingsVisit {
            resume,
            audio_language: self.audio_language().to_owned(),
        });
        self.settings_row = 0;
        self.stack.push(Screen::Settings);
    }

    fn settings_action(&mut self, action: Action, out: &mut Vec<Command>) {
        let rows = self.settings_rows().len();
        match action {
            Action::Ok | Action::Right | Action::Left
                if self.settings_row() == settings::Row::Done =>
            {
                self.close_settings(out)
            }
            Action::Up => self.settings_row = self.settings_row.saturating_sub(1),
            Action::Down => self.settings_row = (self.settings_row + 1).min(rows - 1),
            Action::Left | Action::Right | Action::Ok
                if matches!(
                    self.settings_row(),
                    settings::Row::ParentalPin | settings::Row::MaxRating(_)
                ) && !self.parental_open() =>
            {
                // Parental control is on: its rows need the PIN first.
                self.ask_pin(PinPurpose::OpenSettings);
            }
            Action::Left | Action::Right | Action::Ok
                if self.settings_row() == settings::Row::ParentalPin =>
            {
                if self.settings.parental.on() {
                    self.settings.parental.pin = None;
                    out.push(Command::SaveSettings(self.settings.clone()));
                } else {
                    self.ask_pin(PinPurpose::Choose);
                }
            }
            Action::Left | Action::Right | Action::Ok => {
                // Right and OK go forward; in a right-to-left UI, Left does.
                let forward = match action {
                    Action::Left => crate::i18n::is_rtl(&self.lang),
                    Action::Right => !crate::i18n::is_rtl(&self.lang),
                    _ => true,
                };
                let row = self.settings_row();
                let (ui, content) = (self.ui_languages(), self.content_languages());
                let before = self.settings.clone();
                let languages = self.languages_command();
                self.settings
                    .step(row, if forward { 1 } else { -1 }, &ui, &content);
                if self.settings != before {
                    self.settings_changed(&before, languages, out);
                }
            }
            Action::Back | Action::Red => self.close_settings(out),
            _ => {}
        }
    }

    /// A setting changed: save, and apply what applies at once (language,
    /// subtitles); the audio language applies on leaving.
    fn settings_changed(&mut self, before: &Settings, languages: Command, out: &mut Vec<Command>) {
        out.push(Command::SaveSettings(self.settings.clone()));
        if self.settings.language != before.language {
            self.lang = self
                .settings
                .language
                .clone()
                .unwrap_or_else(|| self.box_lang.clone());
            self.continue_title = tr(&self.lang, "continue-watching", &[]);
            self.rebuild_rows();
        }
        let now = self.languages_command();
        if now != languages {
            out.push(now);
        }
        self.refresh_player_subtitles();
    }

    /// The player's languages as the settings say.
    pub fn languages_command(&self) -> Command {
        Command::Languages {
            audio: self.audio_language().to_owned(),
            subtitles: self.subtitle_language().to_owned(),
        }
    }

    /// The subtitle file of the episode on screen, as the settings now say.
    fn refresh_player_subtitles(&mut self) {
        let Some(p) = &self.player else { return };
        let track = self.series(&p.series).and_then(|s| {
            let e = s.episodes.iter().find(|e| e.number == p.episode)?;
            subtitles_for(s, e, &self.subtitle_prefs()).cloned()
        });
        if let Some(p) = self.player.as_mut() {
            p.subtitles = track;
        }
    }

    /// The blue key: spoken UI on or off (saying so either way).
    fn toggle_spoken(&mut self, out: &mut Vec<Command>) {
        self.settings.spoken.on = !self.settings.spoken.on;
        let id = if self.settings.spoken.on {
            "toast-spoken-on"
        } else {
            "toast-spoken-off"
        };
        let text = tr(&self.lang, id, &[]);
        if !self.settings.spoken.on {
            // The last thing said: that it stops.
            out.push(self.speak_command(text.clone()));
        }
        self.show_toast(text);
        out.push(Command::SaveSettings(self.settings.clone()));
    }

    fn speak_command(&self, text: String) -> Command {
        Command::Speak {
            text,
            lang: self.lang.clone(),
            rate: self.settings.spoken.rate,
            volume: self.settings.spoken.volume,
        }
    }

    /// Spoken UI: after a key, what has the focus now, if it changed.
    fn speak_focus(&mut self, out: &mut Vec<Command>) {
        if !self.settings.spoken.on {
            self.last_spoken.clear();
            return;
        }
        let text = self.describe();
        if !text.is_empty() && text != self.last_spoken {
            self.last_spoken = text.clone();
            out.push(self.speak_command(text));
        }
    }

    /// A Settings row's name and value, in the UI language.
    pub fn setting_text(&self, row: settings::Row) -> (String, String) {
        use settings::Row;
        let lang = self.lang.as_str();
        let s = &self.settings;
        let c = &s.captions;
        let language = |chosen: &Option<String>, auto: &str| match chosen {
            Some(t) => crate::i18n::language_name(t),
            None => {
                let name = crate::i18n::language_name(auto);
                tr(lang, "automatic", &[("language", name.into())])
            }
        };
        let percent = |v: u16| format!("{v} %");
        let on_off = |on: bool| tr(lang, if on { "parental-on" } else { "parental-off" }, &[]);
        let value = match row {
            Row::Language => language(&s.language, &self.box_lang),
            Row::Subtitles => tr(
                lang,
                match s.subtitles {
                    SubtitleMode::Auto => "subtitles-auto",
                    SubtitleMode::On => "subtitles-on",
                    SubtitleMode::Off => "subtitles-off",
                },
                &[],
            ),
            Row::SubtitleLanguage => language(&s.subtitle_language, lang),
            Row::AudioLanguage => language(&s.audio_language, lang),
            Row::Size => percent(c.size),
            Row::TextColour => tr(lang, c.text.message_id(), &[]),
            Row::TextOpacity => percent(c.text_opacity.into()),
            Row::BackgroundColour => tr(lang, c.background.message_id(), &[]),
            Row::BackgroundOpacity => percent(c.background_opacity.into()),
            Row::Edge => tr(lang, c.edge.message_id(), &[]),
            Row::Font => tr(lang, c.font.message_id(), &[]),
            Row::SpokenUi => on_off(s.spoken.on),
            Row::SpeechRate => percent(s.spoken.rate),
            Row::SpeechVolume => percent(s.spoken.volume.into()),
            Row::TextSize => percent(s.text_size),
            Row::HighContrast => on_off(s.high_contrast),
            Row::StillWatching => match s.still_watching_min {
                0 => tr(lang, "never", &[]),
                m => tr(lang, "after-minutes", &[("minutes", m.into())]),
            },
            Row::Done => String::new(),
            Row::ParentalPin => on_off(s.parental.on()),
            Row::MaxRating(system) => match s.parental.max.get(system) {
                Some(v) => v.clone(),
                None => tr(lang, "no-limit", &[]),
            },
        };
        let label = match row {
            Row::MaxRating(system) => {
                let name = match system {
                    "us-tv" => "US TV",
                    "mpaa" => "MPA",
                    "kfcb" => "KFCB",
                    other => other,
                };
                tr(lang, row.message_id(), &[("system", name.into())])
            }
            _ => tr(lang, row.message_id(), &[]),
        };
        (label, value)
    }

    /// The PIN dialog's title and message (empty when none), in the UI
    /// language: shown by the view and read by the spoken UI.
    pub fn pin_texts(&self) -> Option<(String, String)> {
        let d = self.pin.as_ref()?;
        let lang = self.lang.as_str();
        let title = match d.purpose {
            PinPurpose::Choose => "pin-choose",
            PinPurpose::Confirm(_) => "pin-confirm",
            _ => "pin-enter",
        };
        let message = match d.message {
            Some(PinMessage::Wrong { left }) => tr(lang, "pin-wrong", &[("left", left.into())]),
            Some(PinMessage::Mismatch) => tr(lang, "pin-mismatch", &[]),
            Some(PinMessage::Wait { until_ms }) => {
                let seconds = until_ms.saturating_sub(self.now_ms).div_ceil(1000);
                tr(lang, "pin-wait", &[("seconds", seconds.into())])
            }
            None => String::new(),
        };
        Some((tr(lang, title, &[]), message))
    }

    /// What the viewer's focus is on, as a sentence to read aloud: the
    /// PIN or leave dialog, a colour key's note, else the focused item.
    pub fn describe(&self) -> String {
        let lang = self.lang.as_str();
        if let Some(text) = self.describe_still_watching() {
            return text;
        }
        if let Some((title, message)) = self.pin_texts() {
            let typed = self.pin.as_ref().map_or(0, |d| d.entered.len());
            return join(&[
                message,
                title,
                tr(lang, "spoken-digits", &[("count", typed.into())]),
            ]);
        }
        let default = self
            .catalog
            .as_ref()
            .map(|c| c.default_language.clone())
            .unwrap_or_default();
        let text =
            |m: &std::collections::BTreeMap<String, String>| shelf::localized(m, lang, &default);
        if let Some(choice) = self.exit_dialog {
            let name = self
                .catalog
                .as_ref()
                .map(|c| text(&c.channel.name))
                .unwrap_or_else(|| "pillarbox".into());
            let button = match choice {
                ExitChoice::Stay => "stay",
                ExitChoice::Exit => "exit",
            };
            return join(&[
                tr(lang, "leave-app", &[("name", name.into())]),
                tr(lang, button, &[]),
            ]);
        }
        if let Some(toast) = self.toast() {
            return toast.to_owned();
        }
        match self.screen() {
            Screen::Settings => {
                let (label, value) = self.setting_text(self.settings_row());
                join(&[label, value])
            }
            Screen::Home if self.home_settings => tr(lang, "settings", &[]),
            Screen::Home => match self.focused_series() {
                Some(s) => {
                    let count = s.episodes.len();
                    join(&[
                        text(&s.title),
                        tr(lang, "episode-count", &[("count", count.into())]),
                        if self.parental_locked(s) {
                            tr(lang, "spoken-locked", &[])
                        } else {
                            String::new()
                        },
                    ])
                }
                None => String::new(),
            },
            Screen::Series(id) => {
                let Some(s) = self.series(id) else {
                    return String::new();
                };
                match self.series_focus {
                    SeriesFocus::PlayButton => {
                        let resume = self.history.resume_episode(id, s.episodes.len() as u32);
                        let started = self.history.series.contains_key(id);
                        let id = if started {
                            "continue-episode"
                        } else {
                            "play-episode"
                        };
                        tr(lang, id, &[("number", resume.into())])
                            .trim_start_matches(['▶', ' '])
                            .to_owned()
                    }
                    SeriesFocus::Episode(i) => {
                        let Some(e) = s.episodes.get(i) else {
                            return String::new();
                        };
                        let number = e.number;
                        let mut parts =
                            vec![tr(lang, "spoken-episode", &[("number", number.into())])];
                        if !self.playable(s, number) {
                            parts.push(tr(lang, "spoken-locked", &[]));
                            if let Some(u) = &s.unlock {
                                parts.push(format!("{} {}", u.price, u.currency));
                            }
                        } else if self.history.progress(id, number)
                            == history::EpisodeProgress::Watched
                        {
                            parts.push(tr(lang, "spoken-watched", &[]));
                        }
                        join(&parts)
                    }
                }
            }
            Screen::Player => {
                let Some(p) = &self.player else {
                    return String::new();
                };
                if let Phase::Failed(why) = &p.phase {
                    let choice = match p.error_choice {
                        ErrorChoice::Retry => "retry",
                        ErrorChoice::Next => "next-episode",
                    };
                    return join(&[
                        tr(lang, "cannot-play", &[]),
                        why.clone(),
                        tr(lang, choice, &[]),
                    ]);
                }
                if self.controls_visible() {
                    if p.control == Control::Sleep {
                        return self.sleep_label();
                    }
                    return tr(
                        lang,
                        match p.control {
                            Control::Sleep => "sleep-off",
                            Control::Previous => "previous",
                            Control::Next => "next",
                            Control::PlayPause if p.paused => "play",
                            Control::PlayPause => "pause",
                        },
                        &[],
                    )
                    .trim_start_matches(['▶', ' '])
                    .to_owned();
                }
                tr(lang, "spoken-episode", &[("number", p.episode.into())])
            }
            Screen::Locked(id, number) => join(&self.describe_locked(id, *number)),
        }
    }

    fn show_toast(&mut self, text: String) {
        self.toast = Some((text, self.now_ms + TOAST_MS));
    }

    /// The green key: subtitles off, or on (from off).
    fn toggle_subtitles(&mut self, out: &mut Vec<Command>) {
        self.settings.subtitles = match self.settings.subtitles {
            SubtitleMode::Off => SubtitleMode::On,
            _ => SubtitleMode::Off,
        };
        let id = match self.settings.subtitles {
            SubtitleMode::Off => "toast-subtitles-off",
            _ => "toast-subtitles-on",
        };
        self.show_toast(tr(&self.lang, id, &[]));
        self.refresh_player_subtitles();
        out.push(Command::SaveSettings(self.settings.clone()));
    }

    /// The yellow key: the next audio language of the episode on screen
    /// (or of the focused series); the episode starts again in it.
    fn next_audio_language(&mut self, out: &mut Vec<Command>) {
        let series = match self.screen() {
            Screen::Player | Screen::Locked(..) => {
                self.player.as_ref().and_then(|p| self.series(&p.series))
            }
            Screen::Series(id) => self.series(id),
            _ => self.focused_series(),
        };
        let Some(series) = series else { return };
        let episode = self
            .player
            .as_ref()
            .and_then(|p| series.episodes.iter().find(|e| e.number == p.episode));
        let languages = match episode {
            Some(e) if !e.audio_languages.is_empty() => e.audio_languages.clone(),
            _ => series.languages.audio.clone(),
        };
        if languages.len() < 2 {
            let only = languages.first().map(|l| crate::i18n::language_name(l));
            let text = tr(
                &self.lang,
                "toast-audio-only",
                &[("language", only.unwrap_or_default().into())],
            );
            self.show_toast(text);
            return;
        }
        let now = languages
            .iter()
            .position(|l| same_language(l, self.audio_language()))
            .map_or(0, |i| (i + 1) % languages.len());
        let next = languages[now].clone();
        let name = crate::i18n::language_name(&next);
        self.settings.audio_language = Some(next);
        self.show_toast(tr(&self.lang, "toast-audio", &[("language", name.into())]));
        out.push(Command::SaveSettings(self.settings.clone()));
        out.push(self.languages_command());
        if self.screen() == &Screen::Player
            && let Some(p) = self.player.clone()
        {
            self.start_episode(&p.series, p.episode, out);
        }
    }

    fn ask_pin(&mut self, purpose: PinPurpose) {
        let message = self
            .pin_wait_until
            .filter(|until| *until > self.now_ms)
            .map(|until_ms| PinMessage::Wait { until_ms });
        self.pin = Some(PinDialog {
            purpose,
            entered: String::new(),
            pending: 0,
            message,
        });
    }

    fn pin_action(&mut self, action: Action, out: &mut Vec<Command>) {
        let Some(dialog) = self.pin.as_mut() else {
            return;
        };
        let waiting = self.pin_wait_until.is_some_and(|until| until > self.now_ms);
        match action {
            Action::Back => {
                self.pin = None;
                return;
            }
            _ if waiting => return,
            Action::Up => dialog.pending = (dialog.pending + 1) % 10,
            Action::Down => dialog.pending = (dialog.pending + 9) % 10,
            Action::Left => {
                dialog.entered.pop();
            }
            Action::Ok | Action::Right => {
                dialog.entered.push(char::from(b'0' + dialog.pending));
                dialog.pending = 0;
            }
            a => match a.digit() {
                Some(d) => dialog.entered.push(char::from(b'0' + d)),
                None => return,
            },
        }
        if dialog.entered.len() < parental::PIN_LENGTH {
            return;
        }
        let pin = std::mem::take(&mut dialog.entered);
        match dialog.purpose.clone() {
            PinPurpose::Choose => {
                dialog.purpose = PinPurpose::Confirm(pin);
                dialog.message = None;
            }
            PinPurpose::Confirm(first) if first == pin => {
                self.settings.parental.set_pin(&pin);
                self.parental_open = true;
                self.pin = None;
                out.push(Command::SaveSettings(self.settings.clone()));
            }
            PinPurpose::Confirm(_) => {
                dialog.purpose = PinPurpose::Choose;
                dialog.message = Some(PinMessage::Mismatch);
            }
            purpose => {
                if self.settings.parental.check(&pin) {
                    self.pin_failures = 0;
                    self.pin = None;
                    match purpose {
                        PinPurpose::OpenSeries { id, play } => {
                            self.parental_unlocked.insert(id.clone());
                            self.open_series(&id);
                            if play {
                                self.play_resume(&id, out);
                            }
                        }
                        _ => self.parental_open = true,
                    }
                    return;
                }
                self.pin_failures += 1;
                dialog.message = Some(if self.pin_failures >= parental::TRIES {
                    self.pin_failures = 0;
                    let until_ms = self.now_ms + parental::WAIT_MS;
                    self.pin_wait_until = Some(until_ms);
                    PinMessage::Wait { until_ms }
                } else {
                    PinMessage::Wrong {
                        left: parental::TRIES - self.pin_failures,
                    }
                });
            }
        }
    }

    fn close_settings(&mut self, out: &mut Vec<Command>) {
        self.parental_open = false;
        if std::mem::take(&mut self.welcome) {
            self.settings.welcomed = true;
            out.push(Command::SaveSettings(self.settings.clone()));
        }
        self.stack.pop();
        let Some(visit) = self.settings_visit.take() else {
            return;
        };
        if self.screen() != &Screen::Player {
            return;
        }
        let Some(p) = self.player.clone() else { return };
        if visit.audio_language != self.audio_language() {
            // Another dub: the episode starts again in that language (the
            // player picks the rendition when an episode starts).
            self.start_episode(&p.series, p.episode, out);
        } else if visit.resume {
            self.set_paused(false, out);
        }
    }

    fn home_action(&mut self, action: Action, out: &mut Vec<Command>) {
        let rows = self.rows.len();
        if self.home_settings {
            match action {
                Action::Back => self.exit_dialog = Some(ExitChoice::Stay),
                Action::Down if rows > 0 => self.home_settings = false,
                Action::Ok => self.open_settings(out),
                _ => {}
            }
            return;
        }
        match action {
            Action::Back => self.exit_dialog = Some(ExitChoice::Stay),
            Action::Up if self.row > 0 => self.row -= 1,
            // Above the first row: the Settings button.
            Action::Up => self.home_settings = true,
            Action::Down if self.row + 1 < rows => self.row += 1,
            Action::Left | Action::Right if rows > 0 => {
                let row = &self.rows[self.row];
                let col = self.column(self.row);
                let col = if action == Action::Left {
                    col.saturating_sub(1)
                } else {
                    (col + 1).min(row.series.len().saturating_sub(1))
                };
                self.columns.insert(row.id.clone(), col);
            }
            Action::Ok | Action::Play | Action::PlayPause => {
                let Some(series) = self.focused_series() else {
                    return;
                };
                let id = series.id.clone();
                let from_continue = self.rows[self.row].id == CONTINUE_ROW;
                if self.parental_locked(series) {
                    let play = from_continue || action != Action::Ok;
                    self.ask_pin(PinPurpose::OpenSeries { id, play });
                    return;
                }
                self.open_series(&id);
                // Continue Watching goes straight back to the episode.
                if from_continue || action != Action::Ok {
                    self.play_resume(&id, out);
                }
            }
            _ => {}
        }
    }

    /// [`Event::Open`]: from Home, as the viewer would get there.
    fn open(&mut self, id: &str, episode: Option<u32>, out: &mut Vec<Command>) {
        if self.series(id).is_none() {
            tracing::warn!(series = id, "no such series to open");
            return;
        }
        if self.screen() == &Screen::Player {
            self.leave_player(out);
        }
        self.stack.truncate(1);
        self.pin = None;
        self.exit_dialog = None;
        self.settings_visit = None;
        self.home_settings = false;
        if self.series(id).is_some_and(|s| self.parental_locked(s)) {
            self.ask_pin(PinPurpose::OpenSeries {
                id: id.into(),
                play: episode.is_some(),
            });
            return;
        }
        self.open_series(id);
        if let Some(number) = episode {
            self.focus_episode_in_series(id, number);
            self.start_episode(id, number, out);
        }
    }

    /// [`Event::Seek`]: the episode on screen again, from `ms`.
    fn seek(&mut self, ms: u64, out: &mut Vec<Command>) {
        let Some(p) = self
            .player
            .as_ref()
            .filter(|_| self.screen() == &Screen::Player)
        else {
            return;
        };
        let (series, number) = (p.series.clone(), p.episode);
        let Some(url) = self
            .series(&series)
            .and_then(|s| s.episodes.iter().find(|e| e.number == number))
            .and_then(stream_url)
        else {
            return;
        };
        let ms = p.duration_ms.map_or(ms, |d| ms.min(d.saturating_sub(1)));
        self.last_token += 1;
        let token = self.last_token;
        out.push(Command::Play {
            token,
            url,
            series: series.clone(),
            episode: number,
            start_ms: ms,
        });
        self.show_player(&series, number, Phase::Loading, token);
        if let Some(p) = self.player.as_mut() {
            p.position_ms = ms;
        }
    }

    fn open_series(&mut self, id: &str) {
        self.stack.push(Screen::Series(id.into()));
        self.series_focus = SeriesFocus::PlayButton;
    }

    fn play_resume(&mut self, id: &str, out: &mut Vec<Command>) {
        let Some(series) = self.series(id) else {
            return;
        };
        let number = self
            .history
            .resume_episode(id, series.episodes.len() as u32);
        self.start_episode(id, number, out);
    }

    fn series_action(&mut self, id: &str, action: Action, out: &mut Vec<Command>) {
        let Some(series) = self.series(id) else {
            return;
        };
        let count = series.episodes.len();
        if count == 0 {
            if action == Action::Back {
                self.stack.pop();
            }
            return;
        }
        let resume = (self.history.resume_episode(id, count as u32) as usize).saturating_sub(1);
        let columns = self.grid_columns();
        if let Some(d) = action.digit() {
            // "5" then "7" within a second: EP 57 (if there is one; else EP 7).
            let now = self.now_ms;
            let joined = self
                .typed
                .filter(|(_, at)| now.saturating_sub(*at) <= TYPED_MS)
                .map(|(n, _)| n.saturating_mul(10).saturating_add(d as u32))
                .filter(|n| series.episodes.iter().any(|e| e.number == *n));
            let number = joined.unwrap_or(d as u32);
            let found = series.episodes.iter().position(|e| e.number == number);
            self.typed = Some((number, now));
            if let Some(i) = found {
                self.series_focus = SeriesFocus::Episode(i);
            }
            return;
        }
        match (self.series_focus, action) {
            (_, Action::Back) => {
                self.stack.pop();
            }
            (SeriesFocus::PlayButton, Action::Down) => {
                self.series_focus = SeriesFocus::Episode(resume.min(columns - 1))
            }
            (SeriesFocus::PlayButton, Action::Ok | Action::Play | Action::PlayPause) => {
                self.play_resume(id, out)
            }
            (SeriesFocus::Episode(i), Action::Up) => {
                self.series_focus = if i < columns {
                    SeriesFocus::PlayButton
                } else {
                    SeriesFocus::Episode(i - columns)
                }
            }
            // From a row above the last, Down always lands in the next row.
            (SeriesFocus::Episode(i), Action::Down) if i / columns < (count - 1) / columns => {
                self.series_focus = SeriesFocus::Episode((i + columns).min(count - 1));
            }
            (SeriesFocus::Episode(i), Action::Left) => {
                self.series_focus = SeriesFocus::Episode(i.saturating_sub(1))
            }
            (SeriesFocus::Episode(i), Action::Right) => {
                self.series_focus = SeriesFocus::Episode((i + 1).min(count - 1))
            }
            (SeriesFocus::Episode(i), Action::Ok | Action::Play | Action::PlayPause) => {
                if let Some(number) = series.episodes.get(i).map(|e| e.number) {
                    self.start_episode(id, number, out);
                }
            }
            _ => {}
        }
    }

    /// Plays episode `number` of `series`, or shows what unlocks it.
    fn start_episode(&mut self, series_id: &str, number: u32, out: &mut Vec<Command>) {
        let Some(series) = self.series(series_id) else {
            return;
        };
        let Some(episode) = series.episodes.iter().find(|e| e.number == number) else {
            return;
        };
        if !self.playable(series, number) {
            if self.screen() == &Screen::Player {
                self.leave_player(out);
                self.stack.pop();
            }
            self.push_locked(series_id, number);
            return;
        }
        let Some(url) = stream_url(episode) else {
            let message = tr(&self.lang, "no-stream", &[("number", number.into())]);
            // No play command: no token, so no report can reach this.
            self.show_player(series_id, number, Phase::Failed(message), 0);
            return;
        };
        self.last_token += 1;
        let token = self.last_token;
        // Where the viewer left it, a little before (0: from the start).
        let start_ms = self.history.resume_position(series_id, number);
        out.push(Command::Play {
            token,
            url,
            series: series_id.into(),
            episode: number,
            start_ms,
        });
        self.show_player(series_id, number, Phase::Loading, token);
        if let Some(p) = self.player.as_mut() {
            p.position_ms = start_ms;
        }
    }

    fn show_player(&mut self, series: &str, episode: u32, phase: Phase, token: PlayToken) {
        if self.screen() != &Screen::Player {
            self.stack.push(Screen::Player);
        }
        let entry = self.series(series).and_then(|s| {
            s.episodes
                .iter()
                .find(|e| e.number == episode)
                .map(|e| (s, e))
        });
        // The catalog's duration until the stream tells its own.
        let duration_ms = entry
            .map(|(_, e)| (e.duration * 1000.0) as u64)
            .filter(|d| *d > 0);
        let subtitles =
            entry.and_then(|(s, e)| subtitles_for(s, e, &self.subtitle_prefs()).cloned());
        self.player = Some(PlayerState {
            token,
            series: series.into(),
            episode,
            phase,
            paused: false,
            buffering: false,
            rebuffers: 0,
            position_ms: 0,
            duration_ms,
            controls_until: None,
            control: Control::PlayPause,
            error_choice: ErrorChoice::Retry,
            subtitles,
            stream_subtitles: None,
            last_saved_ms: self.now_ms,
            next_preload_at: None,
        });
    }

    fn leave_player(&mut self, out: &mut Vec<Command>) {
        out.push(Command::Stop);
        self.still_watching = None;
        if let Some(p) = self.player.take()
            && p.position_ms > 0
        {
            let duration = p.duration_ms.unwrap_or(0);
            self.history
                .record_position(&p.series, p.episode, p.position_ms, duration);
            out.push(Command::SaveHistory(self.history.clone()));
            self.rebuild_rows();
        }
    }

    /// The series screen focuses the episode just left.
    fn focus_episode_in_series(&mut self, series: &str, number: u32) {
        if let Some(i) = self
            .series(series)
            .and_then(|s| s.episodes.iter().position(|e| e.number == number))
        {
            self.series_focus = SeriesFocus::Episode(i);
        }
    }

    fn player_action(&mut self, action: Action, out: &mut Vec<Command>) {
        let Some(p) = self.player.clone() else {
            self.stack.pop();
            return;
        };
        if action == Action::Back {
            self.leave_player(out);
            self.stack.pop();
            self.focus_episode_in_series(&p.series, p.episode);
            return;
        }
        if let Phase::Failed(_) = p.phase {
            match action {
                Action::Left | Action::Right => {
                    let choice = match p.error_choice {
                        ErrorChoice::Retry => ErrorChoice::Next,
                        ErrorChoice::Next => ErrorChoice::Retry,
                    };
                    if let Some(p) = self.player.as_mut() {
                        p.error_choice = choice;
                    }
                }
                Action::Ok => match p.error_choice {
                    ErrorChoice::Retry => self.start_episode(&p.series, p.episode, out),
                    ErrorChoice::Next => self.skip(1, out),
                },
                Action::Next => self.skip(1, out),
                Action::Previous => self.skip(-1, out),
                _ => {}
            }
            return;
        }
        let visible = self.controls_visible();
        let now = self.now_ms;
        match action {
            Action::Next => self.skip(1, out),
            Action::Previous => self.skip(-1, out),
            Action::PlayPause => self.set_paused(!p.paused, out),
            Action::Play => self.set_paused(false, out),
            Action::Pause => self.set_paused(true, out),
            Action::Ok if visible => match p.control {
                Control::Previous => self.skip(-1, out),
                Control::Next => self.skip(1, out),
                Control::PlayPause => self.set_paused(!p.paused, out),
                Control::Sleep => self.step_sleep_timer(out),
            },
            Action::Left | Action::Right if visible => {
                let order = App::controls();
                let i = order.iter().position(|c| *c == p.control).unwrap_or(1);
                let i = if action == Action::Left {
                    i.saturating_sub(1)
                } else {
                    (i + 1).min(order.len() - 1)
                };
                if let Some(p) = self.player.as_mut() {
                    p.control = order[i];
                }
            }
            Action::Ok | Action::Up | Action::Down | Action::Left | Action::Right => {
                if let Some(p) = self.player.as_mut() {
                    p.control = Control::PlayPause;
                }
            }
            _ => return,
        }
        // Any key in the player brings the controls up, or keeps them up.
        if let Some(p) = self.player.as_mut() {
            p.controls_until = Some(now + CONTROLS_MS);
        }
    }

    fn set_paused(&mut self, paused: bool, out: &mut Vec<Command>) {
        if let Some(p) = self.player.as_mut()
            && p.paused != paused
        {
            p.paused = paused;
            out.push(Command::SetPaused(paused));
        }
    }

    /// The episode `step` away (+1 next, -1 previous) in the same series.
    fn skip(&mut self, step: i32, out: &mut Vec<Command>) {
        let Some(p) = self.player.clone() else {
            return;
        };
        let Some(series) = self.series(&p.series) else {
            return;
        };
        let target = if step > 0 {
            next_episode(series, p.episode)
        } else {
            series
                .episodes
                .iter()
                .filter(|e| e.number < p.episode)
                .max_by_key(|e| e.number)
        };
        let Some(target) = target.map(|e| e.number) else {
            return;
        };
        if p.position_ms > 0 {
            self.history.record_position(
                &p.series,
                p.episode,
                p.position_ms,
                p.duration_ms.unwrap_or(0),
            );
            out.push(Command::SaveHistory(self.history.clone()));
        }
        self.focus_episode_in_series(&p.series, target);
        self.start_episode(&p.series, target, out);
    }

    /// The next episode loads while this one plays.
    fn preload_next(&self, out: &mut Vec<Command>) {
        let Some(p) = self.player.as_ref() else {
            return;
        };
        if let Some(s) = self.series(&p.series)
            && let Some(next) = next_episode(s, p.episode)
            && self.playable(s, next.number)
            && let Some(url) = stream_url(next)
        {
            let start_ms = self.history.resume_position(&p.series, next.number);
            out.push(Command::Preload { url, start_ms });
        }
    }

    fn on_playback(&mut self, event: Playback, out: &mut Vec<Command>) {
        let Some(p) = self.player.as_mut() else {
            return;
        };
        match event {
            Playback::Started => {
                p.phase = Phase::Playing;
                p.next_preload_at = Some(self.now_ms + NEXT_PRELOAD_AFTER_MS);
            }
            Playback::Subtitles {
                language,
                forced,
                track,
            } => {
                // Kept either way: whether they show follows the settings
                // (see shown_stream_subtitles), which may change meanwhile.
                p.stream_subtitles = Some(StreamSubtitles {
                    language,
                    forced,
                    track,
                });
            }
            Playback::Position {
                position_ms,
                duration_ms,
            } => {
                p.position_ms = position_ms;
                if duration_ms.is_some() {
                    p.duration_ms = duration_ms;
                }
                if p.phase == Phase::Loading {
                    p.phase = Phase::Playing;
                }
                if p.next_preload_at.is_some_and(|at| self.now_ms >= at) {
                    p.next_preload_at = None;
                    self.preload_next(out);
                }
                let Some(p) = self.player.as_mut() else {
                    return;
                };
                if self.now_ms.saturating_sub(p.last_saved_ms) >= SAVE_EVERY_MS {
                    p.last_saved_ms = self.now_ms;
                    let (s, e, d) = (p.series.clone(), p.episode, p.duration_ms.unwrap_or(0));
                    self.history.record_position(&s, e, position_ms, d);
                    out.push(Command::SaveHistory(self.history.clone()));
                }
            }
            Playback::Buffering(on) => {
                p.rebuffers += u32::from(on && !p.buffering);
                p.buffering = on;
            }
            Playback::Failed(message) => {
                p.phase = Phase::Failed(message);
                p.error_choice = ErrorChoice::Retry;
                p.buffering = false;
            }
            Playback::Ended => {
                let (series, episode) = (p.series.clone(), p.episode);
                self.history.mark_watched(&series, episode);
                out.push(Command::SaveHistory(self.history.clone()));
                let next = self
                    .series(&series)
                    .and_then(|s| next_episode(s, episode))
                    .map(|e| e.number);
                match next {
                    Some(n) => {
                        self.focus_episode_in_series(&series, n);
                        self.start_episode(&series, n, out);
                    }
                    None => {
                        // The series is over: back to its page.
                        self.player = None;
                        out.push(Command::Stop);
                        self.stack.pop();
                        self.focus_episode_in_series(&series, episode);
                    }
                }
                self.rebuild_rows();
            }
        }
    }
}

/// Sentence parts joined for speech, the empty ones left out.
fn join(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(". ")
}

/// The episode after `number` in `series`.
pub fn next_episode(series: &Series, number: u32) -> Option<&Episode> {
    series
        .episodes
        .iter()
        .filter(|e| e.number > number)
        .min_by_key(|e| e.number)
}

pub use crate::language::same_language;

/// What a viewer wants of subtitles.
#[derive(Debug, Clone, Copy)]
pub struct SubtitlePrefs<'a> {
    /// The viewer's (UI) language: the audio is understood in it.
    pub viewer: &'a str,
    /// The language subtitles are wanted in.
    pub language: &'a str,
    pub mode: SubtitleMode,
}

/// The subtitles to show with `episode` of `series`: with the mode Auto,
/// when the viewer understands the audio only forced subtitles (signs,
/// foreign lines), otherwise subtitles in the wanted language, else
/// captions; On: those whatever the audio; Off: forced ones only. An exact
/// tag beats a primary-language match.
pub fn subtitles_for<'a>(
    series: &Series,
    episode: &'a Episode,
    prefs: &SubtitlePrefs<'_>,
) -> Option<&'a SubtitleTrack> {
    let full = match prefs.mode {
        SubtitleMode::On => true,
        SubtitleMode::Off => false,
        SubtitleMode::Auto => !understands_audio(series, episode, prefs.viewer),
    };
    let kinds: &[SubtitleKind] = if full {
        &[SubtitleKind::Subtitles, SubtitleKind::Captions]
    } else {
        &[SubtitleKind::Forced]
    };
    kinds.iter().find_map(|kind| {
        let of_kind = episode.subtitles.iter().filter(move |t| t.kind == *kind);
        crate::language::best_match(of_kind, |t| Some(t.language.as_str()), prefs.language)
    })
}

/// Whether a viewer whose language is `lang` understands the audio of
/// `episode`: its `audio_languages`, else the series'.
pub fn understands_audio(series: &Series, episode: &Episode, lang: &str) -> bool {
    let audio = if episode.audio_languages.is_empty() {
        &series.languages.audio
    } else {
        &episode.audio_languages
    };
    audio.iter().any(|a| same_language(a, lang))
}

/// The first stream the player can play: HLS or progressive MP4.
fn stream_url(episode: &Episode) -> Option<String> {
    episode
        .streams
        .iter()
        .find(|s| matches!(s.kind, StreamType::Hls | StreamType::Mp4))
        .map(|s| s.url.clone())
}

#[cfg(test)]
mod tests;
