use super::*;
mod ads;
mod channels;
mod comfort;
mod grants;
mod home;
mod insight;
mod intent;
mod keep_ahead;
mod locked;
mod player;
mod preview;
mod rewarded;
mod series;
mod settings;

use crate::app::overlays::pin::{PinDialog, PinMessage};
pub(super) use crate::app::overlays::question::{Choice, Question};
use crate::app::screens::player::{CONTROLS_MS, NEXT_PRELOAD_AFTER_MS, PlayerButton};
use crate::app::screens::series::{SeriesFocus, TYPED_MS};
use crate::app::settings::{SettingRow, SubtitleMode};
use crate::app::shelf::{CONTINUE_ROW, Shelf};
use crate::app::sleep::SleepTimer;
pub(super) use crate::app::subtitles::{SubtitlePrefs, subtitles_for};
use crate::catalog::model::Series;
use Action::*;

/// The app as the tests look at it: what each screen and overlay shows.
pub(super) trait Look {
    fn series_focus(&self) -> SeriesFocus;
    fn pin_dialog(&self) -> Option<&PinDialog>;
    fn rows(&self) -> &[Shelf];
    fn locked_state(&self) -> &screens::Locked;
    fn toast(&self) -> Option<&str>;
    fn focused_series(&self) -> Option<&Series>;
    fn still_watching(&self) -> Option<bool>;
    fn settings_row(&self) -> SettingRow;
    fn playable(&self, series: &Series, number: u32) -> bool;
    fn countdown(&self) -> Option<u64>;
    fn sleep_timer(&self) -> Option<SleepTimer>;
    fn rows_generation(&self) -> u64;
    fn focused_row(&self) -> usize;
    fn column(&self, row: usize) -> usize;
    fn exit_dialog(&self) -> Option<Choice>;
    fn question(&self) -> Option<(Question, Choice)>;
    fn controls_visible(&self) -> bool;
    fn parental_locked(&self, series: &Series) -> bool;
    fn home_settings_focused(&self) -> bool;
    fn first_run(&self) -> bool;
    fn audio_language(&self) -> &str;
    fn sleep_label(&self) -> String;
    fn fade(&self) -> f64;
    fn coin_price(&self, series: &Series) -> Option<u64>;
}

impl Look for App {
    fn series_focus(&self) -> SeriesFocus {
        self.stack
            .iter()
            .rev()
            .find_map(|s| match s {
                ScreenState::Series(p) => Some(p.focus()),
                _ => None,
            })
            .unwrap_or(SeriesFocus::PlayButton)
    }
    fn pin_dialog(&self) -> Option<&PinDialog> {
        match self.overlay() {
            Some(Overlay::Pin(d)) => Some(d),
            _ => None,
        }
    }
    fn rows(&self) -> &[Shelf] {
        &self.ctx().shelf
    }
    fn locked_state(&self) -> &screens::Locked {
        self.locked().expect("the Locked screen")
    }
    fn toast(&self) -> Option<&str> {
        self.ctx().toast()
    }
    fn focused_series(&self) -> Option<&Series> {
        self.home().focused_series(self.ctx())
    }
    fn still_watching(&self) -> Option<bool> {
        match self.overlay() {
            Some(Overlay::StillWatching(q)) => Some(q.continue_focused),
            _ => None,
        }
    }
    fn settings_row(&self) -> SettingRow {
        match self.top() {
            ScreenState::Settings(s) => s.row(),
            ScreenState::Welcome(w) => w.row(),
            other => panic!("not on Settings: {other:?}"),
        }
    }
    fn playable(&self, series: &Series, number: u32) -> bool {
        self.ctx().playable(series, number)
    }
    fn countdown(&self) -> Option<u64> {
        self.player()?.countdown(self.ctx())
    }
    fn sleep_timer(&self) -> Option<SleepTimer> {
        self.sleep().timer()
    }
    fn rows_generation(&self) -> u64 {
        self.ctx().shelf_generation
    }
    fn focused_row(&self) -> usize {
        self.home().focused_row()
    }
    fn column(&self, row: usize) -> usize {
        self.home().column(self.ctx(), row)
    }
    fn exit_dialog(&self) -> Option<Choice> {
        match self.question() {
            Some((Question::Leave, choice)) => Some(choice),
            _ => None,
        }
    }
    fn question(&self) -> Option<(Question, Choice)> {
        match self.overlay() {
            Some(Overlay::Question(d)) => Some((d.question, d.choice)),
            _ => None,
        }
    }
    fn controls_visible(&self) -> bool {
        self.player()
            .is_some_and(|p| p.controls_visible(self.ctx()))
    }
    fn parental_locked(&self, series: &Series) -> bool {
        self.ctx().parental_locked(series)
    }
    fn home_settings_focused(&self) -> bool {
        self.home().settings_focused()
    }
    fn first_run(&self) -> bool {
        matches!(self.top(), ScreenState::Welcome(_))
    }
    fn audio_language(&self) -> &str {
        self.ctx().audio_language()
    }
    fn sleep_label(&self) -> String {
        self.sleep().label(self.ctx())
    }
    fn fade(&self) -> f64 {
        self.sleep().fade(self.ctx().now_ms)
    }
    fn coin_price(&self, series: &Series) -> Option<u64> {
        self.ctx().coin_price(series)
    }
}

/// The demo catalog without its drama channels: the screens' tests
/// start on Home's series rows (the channels' tests use
/// [`app_with_channels`]).
pub(super) fn demo_catalog() -> Catalog {
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let mut catalog = crate::demo::catalog::catalog(&base);
    catalog.channels.clear();
    catalog
}

pub(super) fn app() -> App {
    with_catalog(demo_catalog())
}

/// The app on the whole demo catalog, drama channels heading Home.
pub(super) fn app_with_channels() -> App {
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    with_catalog(crate::demo::catalog::catalog(&base))
}

fn with_catalog(catalog: Catalog) -> App {
    let mut app = App::new(History::default(), "en");
    let cmds = app.handle(Event::Catalog {
        catalog: Arc::new(catalog),
        problem: None,
        expired: None,
    });
    // The demo catalog names an unlock API: the service is told once.
    assert!(
        matches!(
            &cmds[..],
            [Command::Unlock(crate::unlock::UnlockCommand::Connect(_))]
        ),
        "{cmds:?}"
    );
    app
}

pub(super) fn press(app: &mut App, actions: &[Action]) -> Vec<Command> {
    actions
        .iter()
        .flat_map(|a| app.handle(Event::Action(*a)))
        .collect()
}

pub(super) fn played(cmds: &[Command]) -> Vec<(String, u32)> {
    cmds.iter().filter_map(Command::played).collect()
}

/// The grants asked for in `cmds`.
pub(super) fn grants_asked(cmds: &[Command]) -> Vec<(String, u32)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Unlock(crate::unlock::UnlockCommand::Grant { series, episode }) => {
                Some((series.clone(), *episode))
            }
            _ => None,
        })
        .collect()
}

/// The unlock service's grant for an episode, good for `seconds`.
pub(super) fn granted(series: &str, episode: u32, seconds: u64) -> Event {
    Event::Unlock(crate::unlock::UnlockReport::Granted {
        series: series.into(),
        episode,
        grant: Result::Ok(crate::unlock::Grant {
            source: crate::playback::StreamSource::plain(format!(
                "http://127.0.0.1:9/media/{series}/{episode}/index.m3u8?exp=1&sig=g{seconds}"
            )),
            expires_in_s: seconds,
            keep_for_s: None,
        }),
    })
}

/// A report about the episode on screen, tagged as the player would.
pub(super) fn pb(app: &App, report: Playback) -> Event {
    Event::Playback {
        id: app.player().map(|p| p.id).unwrap_or_default(),
        report,
    }
}

/// The demo catalog with `edit` applied to series "ceo-secret".
pub(super) fn catalog_with(edit: impl FnOnce(&mut Series)) -> Event {
    let mut catalog = demo_catalog();
    edit(
        catalog
            .series
            .iter_mut()
            .find(|s| s.id == "ceo-secret")
            .unwrap(),
    );
    Event::Catalog {
        catalog: Arc::new(catalog),
        problem: None,
        expired: None,
    }
}

pub(super) fn preloads(cmds: &[Command]) -> Vec<&str> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Preload { source, .. } => Some(source.url.as_str()),
            _ => None,
        })
        .collect()
}

use crate::unlock::{Entitlements, Failure, UnlockCommand, UnlockReport};

pub(super) fn entitlements(coins: u64, episodes: &[u32]) -> Event {
    let doc = Entitlements {
        format: crate::unlock::entitlements::FORMAT.into(),
        account: "a1".into(),
        device: "d1".into(),
        issued: "2026-01-01T00:00:00Z".into(),
        expires: "2099-01-01T00:00:00Z".into(),
        coins,
        vip_until: None,
        series: Default::default(),
        episodes: [("ceo-secret".to_string(), episodes.iter().copied().collect())].into(),
    };
    Event::Unlock(UnlockReport::Entitlements {
        doc: Some(Arc::new(doc)),
        paired: true,
        floor: None,
    })
}

/// A playback failure as the shell reports it.
pub(super) fn failed(message: &str) -> crate::app::Playback {
    crate::app::Playback::Failed {
        message: message.into(),
        denied: false,
        network: true,
    }
}

pub(super) fn unlock_commands(cmds: &[Command]) -> Vec<&UnlockCommand> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Unlock(u) => Some(u),
            _ => None,
        })
        .collect()
}

/// Home → The CEO's Secret → episode 9 (locked: 8 are free) → OK.
pub(super) fn to_locked_episode_9(app: &mut App) {
    press(app, &[Ok, Digit9, Ok]);
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
}

pub(super) fn tick(app: &mut App, ms: u64) -> Vec<Command> {
    app.handle(Event::Tick(ms))
}
