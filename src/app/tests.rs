use super::*;
use crate::app::overlays::leave::ExitChoice;
use crate::app::overlays::pin::{PinDialog, PinMessage};
use crate::app::screens::player::{CONTROLS_MS, NEXT_PRELOAD_AFTER_MS, PlayerButton};
use crate::app::screens::series::{SeriesFocus, TYPED_MS};
use crate::app::settings::{SettingRow, SubtitleMode};
use crate::app::shelf::{CONTINUE_ROW, Shelf};
use crate::app::sleep::SleepTimer;
use crate::app::subtitles::SubtitlePrefs;
use crate::catalog::model::Series;
use Action::*;

/// The app as the tests look at it: what each screen and overlay shows.
trait Look {
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
    fn exit_dialog(&self) -> Option<ExitChoice>;
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
    fn exit_dialog(&self) -> Option<ExitChoice> {
        match self.overlay() {
            Some(Overlay::Leave(d)) => Some(d.choice),
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

fn app() -> App {
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let mut app = App::new(History::default(), "en");
    let cmds = app.handle(Event::Catalog {
        catalog: Arc::new(crate::demo::catalog::catalog(&base)),
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

fn press(app: &mut App, actions: &[Action]) -> Vec<Command> {
    actions
        .iter()
        .flat_map(|a| app.handle(Event::Action(*a)))
        .collect()
}

fn played(cmds: &[Command]) -> Vec<(String, u32)> {
    cmds.iter().filter_map(Command::played).collect()
}

#[test]
fn home_rows_follow_the_catalog_rails() {
    let app = app();
    let ids: Vec<_> = app.rows().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["featured", "new", "romance", "drama"]);
    // "new": newest first, limited to 3.
    let catalog = app.catalog().unwrap();
    let new: Vec<_> = app.rows()[1]
        .series
        .iter()
        .map(|&i| catalog.series[i].id.as_str())
        .collect();
    assert_eq!(new, ["love-at-gate-9", "midnight-bakery", "ceo-secret"]);
    assert_eq!(app.focused_series().unwrap().id, "ceo-secret");
}

#[test]
fn arrows_move_predictably_and_rows_remember_their_column() {
    let mut app = app();
    press(&mut app, &[Right, Right]);
    assert_eq!(app.focused_series().unwrap().id, "midnight-bakery");
    // Right stops at the end of a row; Left at its start.
    press(&mut app, &[Right, Right, Right, Right]);
    assert_eq!(app.column(0), 4);
    press(&mut app, &[Down]);
    assert_eq!((app.focused_row(), app.column(1)), (1, 0));
    press(&mut app, &[Left, Right]);
    assert_eq!(app.column(1), 1);
    press(&mut app, &[Up]);
    assert_eq!((app.focused_row(), app.column(0)), (0, 4));
    press(&mut app, &[Up, Up]);
    assert_eq!(app.focused_row(), 0);
    press(&mut app, &[Down, Down, Down, Down, Down]);
    assert_eq!(app.focused_row(), 3);
}

#[test]
fn home_series_player_and_back_again() {
    let mut app = app();
    let cmds = press(&mut app, &[Ok]);
    assert!(cmds.is_empty());
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.series_focus(), SeriesFocus::PlayButton);

    let cmds = press(&mut app, &[Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 1)]);
    assert_eq!(app.screen(), Screen::Player);
    assert_eq!(app.player().unwrap().phase, Phase::Loading);

    let cmds = press(&mut app, &[Back]);
    assert_eq!(cmds, [Command::Stop]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.series_focus(), SeriesFocus::Episode(0));
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    // Back on home asks before leaving; Back again stays.
    press(&mut app, &[Back]);
    assert_eq!(app.exit_dialog(), Some(ExitChoice::Stay));
    assert!(press(&mut app, &[Back]).is_empty());
    assert_eq!(app.exit_dialog(), None);
    press(&mut app, &[Back]);
    assert_eq!(press(&mut app, &[Right, Ok]), [Command::Exit]);
}

#[test]
fn episode_grid_moves_by_rows_and_locked_episodes_explain_themselves() {
    let mut app = app();
    press(&mut app, &[Ok, Down]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(0));
    press(&mut app, &[Down, Right, Right]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(12));
    // 24 episodes: from the second row Down lands on the last one.
    press(&mut app, &[Down]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(22));
    press(&mut app, &[Right, Right, Down]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(23));
    let cmds = press(&mut app, &[Ok]);
    assert!(played(&cmds).is_empty());
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 24));
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    press(&mut app, &[Up, Up, Up]);
    assert_eq!(app.series_focus(), SeriesFocus::PlayButton);
}

#[test]
fn autoplay_preloads_counts_down_and_moves_on() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    // The next episode is preloaded once this one has played a while, not
    // at its first frame, and once.
    assert!(preloads(&app.handle(pb(&app, Playback::Started))).is_empty());
    let pos = |app: &App, ms| {
        pb(
            app,
            Playback::Position {
                position_ms: ms,
                duration_ms: Some(12_000),
            },
        )
    };
    tick(&mut app, NEXT_PRELOAD_AFTER_MS - 1);
    assert!(preloads(&app.handle(pos(&app, 900))).is_empty());
    tick(&mut app, NEXT_PRELOAD_AFTER_MS);
    let cmds = app.handle(pos(&app, 1_000));
    assert!(
        matches!(&preloads(&cmds)[..], [url] if url.ends_with("ceo-secret/2/index.m3u8")),
        "{cmds:?}"
    );
    assert!(preloads(&app.handle(pos(&app, 1_250))).is_empty());
    // The catalog's duration counts until the stream reports one.
    app.handle(pb(
        &app,
        Playback::Position {
            position_ms: 7_500,
            duration_ms: None,
        },
    ));
    assert_eq!(app.countdown(), Some(5));
    app.handle(pos(&app, 6_000));
    assert_eq!(app.countdown(), None);
    app.handle(pos(&app, 7_500));
    assert_eq!(app.countdown(), Some(5));
    app.handle(pos(&app, 11_200));
    assert_eq!(app.countdown(), Some(1));
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert!(matches!(cmds[0], Command::SaveHistory(_)));
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 2)]);
    assert_eq!(app.player().unwrap().episode, 2);
    assert_eq!(
        app.history().progress("ceo-secret", 1),
        history::EpisodeProgress::Watched
    );
    // Continue Watching now leads home.
    assert_eq!(app.rows()[0].id, CONTINUE_ROW);
}

#[test]
fn autoplay_stops_at_a_locked_episode_and_at_the_series_end() {
    let mut app = app();
    press(&mut app, &[Ok, Down]);
    press(&mut app, &[Right; 7]);
    press(&mut app, &[Ok]);
    assert_eq!(app.player().unwrap().episode, 8);
    app.handle(pb(&app, Playback::Started));
    // Episode 9 is locked: no preload, no countdown, the locked screen next.
    app.handle(pb(
        &app,
        Playback::Position {
            position_ms: 11_000,
            duration_ms: Some(12_000),
        },
    ));
    assert_eq!(app.countdown(), None);
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert!(cmds.contains(&Command::Stop), "{cmds:?}");
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.series_focus(), SeriesFocus::Episode(8));

    // The last episode of a free series ends on its page.
    let mut app = self::app();
    press(&mut app, &[Right, Right, Ok, Down]);
    press(&mut app, &[Down, Right]);
    press(&mut app, &[Ok]);
    assert_eq!(app.player().unwrap().episode, 12);
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert!(cmds.contains(&Command::Stop));
    assert_eq!(app.screen(), Screen::Series("midnight-bakery".into()));
}

#[test]
fn player_controls_show_on_ok_act_and_hide_again() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Started));
    app.handle(Event::Tick(1_000));
    assert!(!app.controls_visible());
    assert!(press(&mut app, &[Ok]).is_empty());
    assert!(app.controls_visible());
    assert_eq!(press(&mut app, &[Ok]), [Command::SetPaused(true)]);
    assert_eq!(press(&mut app, &[PlayPause]), [Command::SetPaused(false)]);
    app.handle(Event::Tick(1_000 + CONTROLS_MS + 1));
    assert!(!app.controls_visible());
    // With the controls up, Right then OK is Next.
    let cmds = press(&mut app, &[Right, Right, Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 2)]);
    // CH- goes back one.
    let cmds = press(&mut app, &[Previous]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 1)]);
}

#[test]
fn an_error_offers_retry_and_next_and_back_still_works() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Failed("HTTP 500 for segment 3".into())));
    assert!(matches!(app.player().unwrap().phase, Phase::Failed(_)));
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 1)]);
    app.handle(pb(&app, Playback::Failed("again".into())));
    let cmds = press(&mut app, &[Right, Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 2)]);
    app.handle(pb(&app, Playback::Failed("again".into())));
    let cmds = press(&mut app, &[Back]);
    assert_eq!(cmds, [Command::Stop]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
}

#[test]
fn continue_watching_resumes_and_history_survives_a_new_catalog() {
    let mut app = app();
    press(&mut app, &[Right, Ok, Down, Right, Right, Ok]);
    assert_eq!(app.player().unwrap().episode, 3);
    app.handle(Event::Tick(20_000));
    let cmds = app.handle(pb(
        &app,
        Playback::Position {
            position_ms: 4_000,
            duration_ms: Some(12_000),
        },
    ));
    assert_eq!(cmds, [Command::SaveHistory(app.history().clone())]);
    let cmds = press(&mut app, &[Back, Back]);
    assert_eq!(
        cmds,
        [Command::Stop, Command::SaveHistory(app.history().clone())]
    );
    assert_eq!(app.rows()[0].id, CONTINUE_ROW);
    // Home focus stays where it was ("featured", second item) after the row
    // was added in front.
    assert_eq!(app.focused_series().unwrap().id, "return-of-the-heir");
    press(&mut app, &[Up]);
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(played(&cmds), [("return-of-the-heir".to_string(), 3)]);
    assert_eq!(app.screen(), Screen::Player);
    // Back from a resumed episode lands on its series page.
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("return-of-the-heir".into()));

    // A catalog update without that series drops its screens.
    let mut catalog = (**app.catalog().unwrap()).clone();
    catalog.series.retain(|s| s.id != "return-of-the-heir");
    for rail in &mut catalog.rails {
        if let Some(ids) = &mut rail.series {
            ids.retain(|id| id != "return-of-the-heir");
        }
    }
    app.handle(Event::Catalog {
        catalog: Arc::new(catalog),
        problem: Some("HTTP 503".into()),
        expired: None,
    });
    assert_eq!(app.screen(), Screen::Home);
    assert!(app.notice().unwrap().contains("HTTP 503"));
    assert_ne!(app.rows()[0].id, CONTINUE_ROW);
}

#[test]
fn exit_key_goes_home_from_anywhere() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    let cmds = press(&mut app, &[Exit]);
    assert_eq!(cmds, [Command::Stop]);
    assert_eq!(app.screen(), Screen::Home);
    press(&mut app, &[Exit]);
    assert_eq!(app.exit_dialog(), Some(ExitChoice::Stay));
}

/// A report about the episode on screen, tagged as the player would.
fn pb(app: &App, report: Playback) -> Event {
    Event::Playback {
        id: app.player().map(|p| p.id).unwrap_or_default(),
        report,
    }
}

/// The demo catalog with `edit` applied to series "ceo-secret".
fn catalog_with(edit: impl FnOnce(&mut Series)) -> Event {
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let mut catalog = crate::demo::catalog::catalog(&base);
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

#[test]
fn a_refresh_that_shrinks_the_focused_series_keeps_the_focus_in_range() {
    let mut app = app();
    press(&mut app, &[Ok, Down]);
    // Focus the last episode of the grid's second row.
    press(
        &mut app,
        &[
            Down, Right, Right, Right, Right, Right, Right, Right, Right, Right,
        ],
    );
    assert_eq!(app.series_focus(), SeriesFocus::Episode(19));
    app.handle(catalog_with(|s| s.episodes.truncate(5)));
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.series_focus(), SeriesFocus::Episode(4));
    // OK plays what is focused, and nothing panics.
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 5)]);
    press(&mut app, &[Back]);
    // Every episode gone: the Play button has the focus, keys do nothing harmful.
    app.handle(catalog_with(|s| s.episodes.clear()));
    assert_eq!(app.series_focus(), SeriesFocus::PlayButton);
    assert!(press(&mut app, &[Down, Ok, Right, Up]).is_empty());
}

#[test]
fn a_refresh_that_reorders_episodes_keeps_the_focused_episode() {
    let mut app = app();
    press(&mut app, &[Ok, Down, Right, Right]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(2));
    // The catalog now lists the episodes backwards: the app goes by number.
    app.handle(catalog_with(|s| s.episodes.reverse()));
    assert_eq!(app.series_focus(), SeriesFocus::Episode(2));
    let numbers: Vec<u32> = app.series("ceo-secret").unwrap().episodes[..3]
        .iter()
        .map(|e| e.number)
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 3)]);
    // Next goes to episode 4 whatever the catalog's order.
    app.handle(pb(&app, Playback::Started));
    let cmds = press(&mut app, &[Next]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 4)]);
}

#[test]
fn a_refresh_while_playing_keeps_the_player_and_drops_a_removed_locked_screen() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Started));
    let cmds = app.handle(catalog_with(|s| s.episodes.truncate(3)));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.screen(), Screen::Player);
    assert_eq!(app.player().unwrap().episode, 1);
    press(&mut app, &[Back]);
    // A locked episode's screen goes when the episode is gone.
    let mut app = self::app();
    press(&mut app, &[Ok, Down, Down, Left, Ok]);
    let Screen::Locked(_, number) = app.screen().clone() else {
        panic!("expected the locked screen, got {:?}", app.screen());
    };
    app.handle(catalog_with(|s| s.episodes.truncate(number as usize - 1)));
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
}

#[test]
fn reports_of_a_replaced_episode_are_dropped() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    let first = app.player().unwrap().id;
    app.handle(pb(&app, Playback::Started));
    press(&mut app, &[Next]);
    let second = app.player().unwrap().id;
    assert_ne!(first, second);
    // The first episode's late end must not skip the second one.
    let cmds = app.handle(Event::Playback {
        id: first,
        report: Playback::Ended,
    });
    assert!(cmds.is_empty());
    assert_eq!(app.player().unwrap().episode, 2);
    assert_eq!(app.player().unwrap().phase, Phase::Loading);
    let cmds = app.handle(Event::Playback {
        id: second,
        report: Playback::Failed("gone".into()),
    });
    assert!(cmds.is_empty());
    assert!(matches!(app.player().unwrap().phase, Phase::Failed(_)));
}

#[test]
fn an_expired_catalog_is_shown_with_a_notice() {
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let mut app = App::new(History::default(), "en");
    app.handle(Event::Catalog {
        catalog: Arc::new(crate::demo::catalog::catalog(&base)),
        problem: None,
        expired: Some("2026-11-01".into()),
    });
    assert_eq!(app.screen(), Screen::Home);
    assert!(!app.rows().is_empty());
    let notice = app.notice().unwrap();
    assert!(
        notice.contains("2026-11-01") && notice.contains("out of date"),
        "{notice}"
    );
}

#[test]
fn a_rule_without_limit_fills_at_most_the_default_and_lookups_are_indexed() {
    use crate::catalog::limits;
    use crate::catalog::model::{Rail, RailRule};
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let mut catalog = crate::demo::catalog::catalog(&base);
    let template = catalog.series[0].clone();
    catalog.series = (0..200)
        .map(|i| {
            let mut s = template.clone();
            s.id = format!("s{i}");
            s.genres = vec!["romance".into()];
            s
        })
        .collect();
    catalog.rails = vec![Rail {
        id: "romance".into(),
        title: [("en".to_owned(), "Romance".to_owned())].into(),
        series: None,
        rule: Some(RailRule::Genre {
            genre: "romance".into(),
            limit: None,
        }),
        extra: Default::default(),
    }];
    let mut app = App::new(History::default(), "en");
    app.handle(Event::Catalog {
        catalog: Arc::new(catalog),
        problem: None,
        expired: None,
    });
    assert_eq!(app.rows()[0].series.len(), limits::DEFAULT_RULE_LIMIT);
    assert_eq!(app.series("s199").map(|s| s.id.as_str()), Some("s199"));
    assert!(app.series("nope").is_none());
    // Rows are built once per change, not per look.
    let generation = app.rows_generation();
    press(&mut app, &[Right, Right, Down]);
    assert_eq!(app.rows_generation(), generation);
}

fn preloads(cmds: &[Command]) -> Vec<&str> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Preload { url, .. } => Some(url.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn resting_focus_preloads_what_ok_would_play_and_moving_on_drops_it() {
    let mut app = app();
    // At start the focus rests on the first poster: once it has for the
    // dwell time, its first episode is preloaded, once.
    assert!(preloads(&app.handle(Event::Tick(INTENT_DWELL_MS - 1))).is_empty());
    let cmds = app.handle(Event::Tick(INTENT_DWELL_MS));
    let first = app.focused_series().unwrap().episodes[0].streams[0]
        .url
        .clone();
    assert_eq!(preloads(&cmds), [first.as_str()]);
    assert!(preloads(&app.handle(Event::Tick(2 * INTENT_DWELL_MS))).is_empty());

    // Scrolling past posters preloads nothing, and drops the preload.
    let cmds = press(&mut app, &[Right]);
    assert_eq!(cmds, [Command::CancelPreload]);
    let cmds = press(&mut app, &[Right]);
    assert!(cmds.is_empty(), "{cmds:?}");
    let t = 2 * INTENT_DWELL_MS + 100;
    assert!(preloads(&app.handle(Event::Tick(t))).is_empty());
    let cmds = app.handle(Event::Tick(t + INTENT_DWELL_MS));
    let third = app.focused_series().unwrap().episodes[0].streams[0]
        .url
        .clone();
    assert_eq!(preloads(&cmds), [third.as_str()]);

    // OK opens the series on Play, the same episode: nothing new. OK again
    // plays the preloaded URL, and the preload is not dropped first.
    assert!(press(&mut app, &[Ok]).is_empty());
    let cmds = press(&mut app, &[Ok]);
    assert!(!cmds.contains(&Command::CancelPreload), "{cmds:?}");
    match &cmds[..] {
        [Command::Play { url, .. }] => assert_eq!(url, &third),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_episode_focused_in_the_grid_is_preloaded_but_not_a_locked_one() {
    let mut app = app();
    press(&mut app, &[Ok, Down, Right]);
    let series = match app.screen() {
        Screen::Series(id) => app.series(&id).unwrap().clone(),
        other => panic!("{other:?}"),
    };
    let cmds = app.handle(Event::Tick(10 * INTENT_DWELL_MS));
    assert_eq!(
        preloads(&cmds),
        [series.episodes[1].streams[0].url.as_str()]
    );
    // A locked episode: the preload goes and no other comes.
    let locked = series.free_episodes as usize; // index of the first locked one
    let mut cmds = Vec::new();
    while !matches!(app.series_focus(), SeriesFocus::Episode(i) if i == locked) {
        cmds.extend(press(&mut app, &[Right]));
    }
    assert!(cmds.contains(&Command::CancelPreload), "{cmds:?}");
    assert!(preloads(&app.handle(Event::Tick(20 * INTENT_DWELL_MS))).is_empty());
}

#[test]
fn subtitles_follow_the_viewer_language_and_the_audio() {
    use crate::catalog::model::{SubtitleKind, SubtitleTrack};
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let catalog = crate::demo::catalog::catalog(&base);
    let ceo = catalog
        .series
        .iter()
        .find(|s| s.id == "ceo-secret")
        .unwrap();
    let ep = &ceo.episodes[0];
    // Chinese audio: English and Spanish viewers read their subtitles,
    // matched as viewers expect (es-MX reads es); no French ones.
    fn auto(lang: &str) -> SubtitlePrefs<'_> {
        SubtitlePrefs {
            viewer: lang,
            language: lang,
            mode: SubtitleMode::Auto,
        }
    }
    let lang_of = |lang: &str| subtitles_for(ceo, ep, &auto(lang)).map(|t| t.language.clone());
    assert_eq!(lang_of("en").as_deref(), Some("en"));
    assert_eq!(lang_of("es-MX").as_deref(), Some("es"));
    assert_eq!(lang_of("sw").as_deref(), Some("sw"));
    assert_eq!(lang_of("fr"), None);
    // English audio: an English viewer gets none, but forced ones.
    let bakery = catalog
        .series
        .iter()
        .find(|s| s.id == "midnight-bakery")
        .unwrap();
    let mut ep = bakery.episodes[0].clone();
    assert_eq!(subtitles_for(bakery, &ep, &auto("en")), None);
    assert_eq!(
        subtitles_for(bakery, &ep, &auto("es")).map(|t| t.language.as_str()),
        Some("es")
    );
    // Subtitles On: an English viewer who asks for Spanish ones gets them;
    // Off: none for a Spanish viewer.
    let on = SubtitlePrefs {
        viewer: "en",
        language: "es",
        mode: SubtitleMode::On,
    };
    assert_eq!(
        subtitles_for(bakery, &ep, &on).map(|t| t.language.as_str()),
        Some("es")
    );
    let off = SubtitlePrefs {
        mode: SubtitleMode::Off,
        ..auto("es")
    };
    assert_eq!(subtitles_for(bakery, &ep, &off), None);
    ep.subtitles.push(SubtitleTrack {
        url: "http://127.0.0.1:9/forced.vtt".into(),
        language: "en".into(),
        kind: SubtitleKind::Forced,
        extra: Default::default(),
    });
    assert_eq!(
        subtitles_for(bakery, &ep, &auto("en-GB")).map(|t| t.kind),
        Some(SubtitleKind::Forced)
    );
    assert!(
        crate::language::same_language("zh-Hans", "zh-CN")
            && !crate::language::same_language("", "en")
    );

    // The player state names the track of the episode played.
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    let track = app.player().unwrap().subtitles.clone().unwrap();
    assert_eq!(track.language, "en");
    assert!(
        track.url.ends_with("subtitles/ceo-secret/1.en.vtt"),
        "{}",
        track.url
    );
}

#[test]
fn settings_open_from_home_and_the_red_key_and_apply_at_once() {
    let mut app = app();
    // Up from the first row: the Settings button; OK opens Settings.
    press(&mut app, &[Up]);
    assert!(app.home_settings_focused());
    press(&mut app, &[Ok]);
    assert_eq!(app.screen(), Screen::Settings);
    assert_eq!(app.settings_row(), SettingRow::Language);
    // Language: Automatic -> English -> Chinese; saved, rows rebuilt in it.
    let generation = app.rows_generation();
    let cmds = press(&mut app, &[Right, Right]);
    assert!(app.rows_generation() > generation);
    assert_eq!(app.lang(), "zh");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::SaveSettings(s) if s.language.as_deref() == Some("zh"))),
        "{cmds:?}"
    );
    assert!(cmds.contains(&Command::Languages {
        audio: "zh".into(),
        subtitles: "zh".into()
    }));
    press(&mut app, &[Left]);
    assert_eq!(app.lang(), "en");
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    press(&mut app, &[Down]);
    assert!(!app.home_settings_focused());
    // Back on home still asks before leaving; from the button too.
    press(&mut app, &[Up, Back]);
    assert_eq!(app.exit_dialog(), Some(ExitChoice::Stay));
    press(&mut app, &[Back, Down]);

    // From the player: the red key pauses it; subtitles Off applies to the
    // episode on screen; Back resumes it.
    press(&mut app, &[Ok, Ok]);
    assert_eq!(app.screen(), Screen::Player);
    let id = app.player().unwrap().id;
    app.handle(Event::Playback {
        id,
        report: Playback::Started,
    });
    assert!(app.player().unwrap().subtitles.is_some());
    let cmds = press(&mut app, &[Red]);
    assert!(cmds.contains(&Command::SetPaused(true)), "{cmds:?}");
    assert_eq!(app.screen(), Screen::Settings);
    press(&mut app, &[Down, Right, Right]);
    assert_eq!(app.settings().subtitles, SubtitleMode::Off);
    assert_eq!(app.player().unwrap().subtitles, None);
    let cmds = press(&mut app, &[Back]);
    assert!(cmds.contains(&Command::SetPaused(false)), "{cmds:?}");
    assert_eq!(app.screen(), Screen::Player);

    // A new audio language restarts the episode in it.
    press(&mut app, &[Red, Down, Down, Down, Right, Right]);
    assert_eq!(app.audio_language(), "zh");
    let cmds = press(&mut app, &[Back]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 1)]);
}

#[test]
fn settings_left_steps_forward_in_a_right_to_left_ui() {
    let mut app = App::with_settings(
        History::default(),
        "en",
        settings::Settings {
            language: Some("ar".into()),
            ..Default::default()
        },
    );
    press(&mut app, &[Red, Down, Down, Down, Down]);
    assert_eq!(app.settings_row(), SettingRow::Size);
    press(&mut app, &[Left]);
    assert_eq!(app.settings().captions.size, 125);
    press(&mut app, &[Right, Right]);
    assert_eq!(app.settings().captions.size, 75);
    // Red closes Settings as it opened them.
    press(&mut app, &[Red]);
    assert_eq!(app.screen(), Screen::Home);
}

#[test]
fn a_parental_pin_locks_series_above_the_limit_and_five_wrong_tries_wait() {
    let mut app = app();
    // Settings → Parental PIN (twelfth row): choose 1234 twice, with the
    // number keys, then with arrows and OK as on a remote without them.
    press(&mut app, &[Red]);
    while app.settings_row() != SettingRow::ParentalPin {
        press(&mut app, &[Down]);
    }
    press(&mut app, &[Ok]);
    assert_eq!(app.pin_dialog().unwrap().purpose, PinPurpose::Choose);
    press(&mut app, &[Digit1, Digit2, Digit3, Digit4]);
    assert!(matches!(
        app.pin_dialog().unwrap().purpose,
        PinPurpose::Confirm(_)
    ));
    let cmds = press(
        &mut app,
        &[
            Up, Ok, Up, Up, Ok, Up, Up, Up, Right, Left, Up, Up, Up, Ok, Down, Down, Down, Down,
            Down, Down, Ok,
        ],
    );
    assert_eq!(app.pin_dialog(), None);
    let saved = cmds.iter().rev().find_map(|c| match c {
        Command::SaveSettings(s) => Some(s.clone()),
        _ => None,
    });
    let saved = saved.expect("settings saved");
    assert!(saved.parental.check("1234"), "{:?}", saved.parental);
    assert_eq!(saved.parental.max["us-tv"], "TV-PG");
    // The demo is TV-PG: lower the limit to TV-G, and leave.
    press(&mut app, &[Down, Left, Back]);
    assert_eq!(app.settings().parental.max["us-tv"], "TV-G");
    assert_eq!(app.screen(), Screen::Home);

    // Now every demo series is locked: no preload on intent, OK asks.
    let series = app.focused_series().unwrap().clone();
    assert!(app.parental_locked(&series));
    let cmds = app.handle(Event::Tick(10 * INTENT_DWELL_MS));
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::Preload { .. })),
        "{cmds:?}"
    );
    press(&mut app, &[Ok]);
    assert!(matches!(
        app.pin_dialog().unwrap().purpose,
        PinPurpose::OpenSeries { .. }
    ));
    for left in (1..5).rev() {
        press(&mut app, &[Digit9, Digit9, Digit9, Digit9]);
        assert_eq!(
            app.pin_dialog().unwrap().message,
            Some(PinMessage::Wrong { left })
        );
    }
    press(&mut app, &[Digit9, Digit9, Digit9, Digit9]);
    let wait = app.handle(Event::Tick(11 * INTENT_DWELL_MS));
    assert!(wait.is_empty());
    assert!(matches!(
        app.pin_dialog().unwrap().message,
        Some(PinMessage::Wait { .. })
    ));
    // While waiting even the right PIN does nothing; Back still closes.
    press(&mut app, &[Digit1, Digit2, Digit3, Digit4]);
    assert_eq!(app.screen(), Screen::Home);
    assert!(app.pin_dialog().is_some());
    press(&mut app, &[Back]);
    assert_eq!(app.pin_dialog(), None);
    // A minute later, the right PIN opens the series (for this session).
    app.handle(Event::Tick(11 * INTENT_DWELL_MS + parental::WAIT_MS));
    press(&mut app, &[Ok, Digit1, Digit2, Digit3, Digit4]);
    assert_eq!(app.screen(), Screen::Series(series.id.clone()));
    assert!(!app.parental_locked(&series));

    // Parental rows need the PIN before they change; the PIN turns it off.
    press(&mut app, &[Red]);
    while app.settings_row() != SettingRow::ParentalPin {
        press(&mut app, &[Down]);
    }
    press(&mut app, &[Right]);
    assert_eq!(app.pin_dialog().unwrap().purpose, PinPurpose::OpenSettings);
    press(&mut app, &[Digit1, Digit2, Digit3, Digit4, Right]);
    assert!(!app.settings().parental.on());
}

#[test]
fn number_keys_jump_to_an_episode_and_colour_keys_switch_subtitles_and_audio() {
    let mut app = app();
    // The CEO's Secret has 24 episodes: "1" "2" within a second is EP 12;
    // "3" a second later starts again: EP 3; "9" "9": EP 99 does not
    // exist, so EP 9.
    press(&mut app, &[Ok]);
    press(&mut app, &[Digit1]);
    app.handle(Event::Tick(TYPED_MS / 2));
    press(&mut app, &[Digit2]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(11));
    app.handle(Event::Tick(TYPED_MS * 3));
    press(&mut app, &[Digit3]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(2));
    app.handle(Event::Tick(TYPED_MS * 5));
    press(&mut app, &[Digit9, Digit9]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(8));

    // Green: subtitles off, then on, said in a line that goes away.
    press(&mut app, &[Back, Ok, Ok]);
    assert!(app.player().unwrap().subtitles.is_some());
    let cmds = press(&mut app, &[Green]);
    assert_eq!(app.settings().subtitles, SubtitleMode::Off);
    assert_eq!(app.player().unwrap().subtitles, None);
    assert_eq!(app.toast(), Some("Subtitles off"));
    assert!(cmds.iter().any(|c| matches!(c, Command::SaveSettings(_))));
    press(&mut app, &[Green]);
    assert_eq!(app.settings().subtitles, SubtitleMode::On);
    app.handle(Event::Tick(TYPED_MS * 5 + 3_000));
    assert_eq!(app.toast(), None);

    // Yellow on a series with one audio language says so; on the dubbed
    // one it steps to the next language and starts the episode again.
    press(&mut app, &[Yellow]);
    assert_eq!(
        app.toast(),
        Some("This episode has one audio language: 中文")
    );
    press(&mut app, &[Exit, Down, Ok, Ok]);
    let playing = app.player().unwrap().series.clone();
    assert_eq!(playing, "love-at-gate-9");
    let cmds = press(&mut app, &[Yellow]);
    assert_eq!(app.audio_language(), "es");
    assert_eq!(app.toast(), Some("Audio: Español"));
    assert_eq!(played(&cmds), [("love-at-gate-9".to_string(), 1)]);
    assert!(cmds.contains(&Command::Languages {
        audio: "es".into(),
        subtitles: "en".into()
    }));
}

#[test]
fn the_spoken_ui_says_what_has_the_focus_in_the_ui_language() {
    let mut app = App::with_settings(
        History::default(),
        "es",
        settings::Settings {
            spoken: settings::SpokenUi {
                on: true,
                rate: 120,
                volume: 75,
            },
            ..Default::default()
        },
    );
    app.handle(Event::Catalog {
        catalog: Arc::new(crate::demo::catalog::catalog(
            &url::Url::parse("http://127.0.0.1:9/").unwrap(),
        )),
        problem: None,
        expired: None,
    });
    let said = |cmds: &[Command]| -> Vec<String> {
        cmds.iter()
            .filter_map(|c| match c {
                Command::Speak {
                    text,
                    lang,
                    rate,
                    volume,
                } => {
                    assert_eq!((lang.as_str(), *rate, *volume), ("es", 120, 75));
                    Some(text.clone())
                }
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        said(&press(&mut app, &[Right])),
        ["El regreso de la heredera. 16 episodios"]
    );
    // Episode 12 of The CEO's Secret is locked: its price is said.
    press(&mut app, &[Left, Ok]);
    let cmds = press(&mut app, &[Down, Down, Right]);
    assert_eq!(
        said(&cmds),
        [
            "Episodio 1",
            "Episodio 11. bloqueado. 49 coins",
            "Episodio 12. bloqueado. 49 coins"
        ]
    );
    // Nothing new under the focus: nothing said again.
    assert!(said(&press(&mut app, &[Right; 0])).is_empty());
    // Settings rows with their values; the blue key turns it off, saying so.
    let cmds = press(&mut app, &[Red]);
    assert_eq!(said(&cmds), ["Idioma. Automático (Español)"]);
    let cmds = press(&mut app, &[Blue]);
    assert_eq!(said(&cmds), ["Lectura en voz alta desactivada"]);
    assert!(!app.settings().spoken.on);
    assert!(said(&press(&mut app, &[Down])).is_empty());
}

#[test]
fn the_first_run_screen_sets_text_size_and_spoken_ui_then_goes_home() {
    let mut app = App::new(History::default(), "en");
    app.welcome();
    assert!(app.first_run());
    assert_eq!(app.screen(), Screen::Settings);
    assert_eq!(
        match app.top() {
            ScreenState::Welcome(w) => w.rows(),
            _ => &[],
        },
        &settings::WELCOME
    );
    // Text size 150 %, high contrast on, spoken UI on, then Start.
    press(
        &mut app,
        &[Down, Right, Right, Down, Right, Down, Right, Down],
    );
    assert_eq!(app.settings_row(), SettingRow::Done);
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(app.screen(), Screen::Home);
    assert!(!app.first_run());
    let saved = cmds
        .iter()
        .rev()
        .find_map(|c| match c {
            Command::SaveSettings(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    assert!(saved.welcomed && saved.high_contrast && saved.spoken.on);
    assert_eq!(saved.text_size, 150);
    // Not again once gone through; Back also leaves it.
    app.welcome();
    assert_eq!(app.screen(), Screen::Home);
    let mut fresh = App::new(History::default(), "en");
    fresh.welcome();
    press(&mut fresh, &[Back]);
    assert_eq!(fresh.screen(), Screen::Home);
    assert!(fresh.settings().welcomed);

    // At 150 % the series grid has 7 columns: Down moves by 7.
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    app.handle(Event::Catalog {
        catalog: Arc::new(crate::demo::catalog::catalog(&base)),
        problem: None,
        expired: None,
    });
    assert_eq!(app.ctx().grid_columns(), 7);
    press(&mut app, &[Ok, Down, Down]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(7));
}

// ---- unlocking (the Locked screen) ----

use crate::unlock::{Entitlements, Failure, UnlockCommand, UnlockReport};

fn entitlements(coins: u64, episodes: &[u32]) -> Event {
    let doc = Entitlements {
        format: crate::unlock::entitlements::FORMAT.into(),
        account: "a1".into(),
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
    })
}

fn unlock_commands(cmds: &[Command]) -> Vec<&UnlockCommand> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Unlock(u) => Some(u),
            _ => None,
        })
        .collect()
}

/// Home → The CEO's Secret → episode 9 (locked: 8 are free) → OK.
fn to_locked_episode_9(app: &mut App) {
    press(app, &[Ok, Digit9, Ok]);
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
}

#[test]
fn coins_unlock_after_a_confirmation_once_and_the_episode_starts_by_itself() {
    let mut app = app();
    app.handle(entitlements(120, &[]));
    to_locked_episode_9(&mut app);
    assert_eq!(
        app.locked_state().choice,
        screens::locked::LockedChoice::Coins
    );
    assert!(
        app.describe().contains("Unlock episode 9 for 49 coins"),
        "{}",
        app.describe()
    );
    // OK asks first; Cancel (Right, OK) spends nothing.
    let cmds = press(&mut app, &[Ok]);
    assert!(unlock_commands(&cmds).is_empty());
    assert_eq!(app.locked_state().confirm, Some(true));
    assert!(app.describe().contains("Spend 49 of your 120 coins"));
    let cmds = press(&mut app, &[Right, Ok]);
    assert!(unlock_commands(&cmds).is_empty());
    assert_eq!(app.locked_state().confirm, None);
    // Unlock: one purchase, however often OK is pressed while it is out.
    let cmds = press(&mut app, &[Ok, Ok, Ok, Ok]);
    assert_eq!(
        unlock_commands(&cmds),
        [&UnlockCommand::Purchase {
            series: "ceo-secret".into(),
            episode: 9,
            price: 49
        }]
    );
    assert!(app.locked_state().waiting);
    // The balance changes only with the server's document.
    assert_eq!(app.coins(), Some(120));
    let cmds = app.handle(entitlements(71, &[9]));
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 9)]);
    assert_eq!(app.screen(), Screen::Player);
    assert_eq!(app.coins(), Some(71));
    app.handle(Event::Unlock(UnlockReport::Purchased {
        series: "ceo-secret".into(),
        episode: 9,
    }));
    // Back from the player: the page, no Locked screen in between.
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
}

#[test]
fn too_few_coins_says_so_and_points_at_the_phone() {
    let mut app = app();
    app.handle(entitlements(20, &[]));
    to_locked_episode_9(&mut app);
    let cmds = press(&mut app, &[Ok]);
    assert!(unlock_commands(&cmds).is_empty());
    assert_eq!(
        app.locked_state().choice,
        screens::locked::LockedChoice::Phone
    );
    assert_eq!(
        app.locked_message(),
        "Not enough coins: you have 20, this costs 49. Add coins on your phone."
    );
}

#[test]
fn pairing_shows_a_code_and_the_phones_purchase_plays_the_episode() {
    let mut app = app();
    to_locked_episode_9(&mut app);
    // Not paired: the phone is the only choice.
    assert_eq!(app.coin_price(app.series("ceo-secret").unwrap()), None);
    let cmds = press(&mut app, &[Right, Ok]);
    assert_eq!(
        unlock_commands(&cmds),
        [&UnlockCommand::Pair {
            series: "ceo-secret".into(),
            episode: 9
        }]
    );
    app.handle(Event::Unlock(UnlockReport::Pairing {
        user_code: "BCDF-GHJK".into(),
        uri: "http://127.0.0.1:9/activate".into(),
        uri_complete: Some("http://127.0.0.1:9/activate?user_code=BCDF-GHJK".into()),
        expires_in_s: 600,
    }));
    assert_eq!(
        app.locked_state().pairing.as_ref().unwrap().user_code,
        "BCDF-GHJK"
    );
    assert!(
        app.describe().contains("B C D F, G H J K"),
        "{}",
        app.describe()
    );
    app.handle(Event::Unlock(UnlockReport::Paired));
    let cmds = app.handle(entitlements(71, &[9]));
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 9)]);
    assert_eq!(app.screen(), Screen::Player);
}

#[test]
fn failures_are_explained_and_back_stops_pairing() {
    let mut app = app();
    to_locked_episode_9(&mut app);
    press(&mut app, &[Ok]);
    app.handle(Event::Unlock(UnlockReport::PairingFailed(Failure::Expired)));
    assert_eq!(
        app.locked_message(),
        "The code has expired. Press OK for a new one."
    );
    app.handle(Event::Unlock(UnlockReport::PairingFailed(
        Failure::Network("cannot connect".into()),
    )));
    assert!(
        app.locked_message()
            .starts_with("No connection to Drama Shorts. Nothing was spent")
    );
    press(&mut app, &[Ok]);
    app.handle(Event::Unlock(UnlockReport::Pairing {
        user_code: "BCDF-GHJK".into(),
        uri: "http://127.0.0.1:9/activate".into(),
        uri_complete: None,
        expires_in_s: 600,
    }));
    let cmds = press(&mut app, &[Back]);
    assert_eq!(unlock_commands(&cmds), [&UnlockCommand::StopPairing]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));

    // A revoked token: coins are no longer offered, what was bought stays.
    let mut app = self::app();
    app.handle(entitlements(120, &[10]));
    to_locked_episode_9(&mut app);
    press(&mut app, &[Ok, Ok]);
    app.handle(Event::Unlock(UnlockReport::PurchaseFailed(
        Failure::SignedOut,
    )));
    assert_eq!(app.coins(), None);
    assert_eq!(
        app.locked_state().choice,
        screens::locked::LockedChoice::Phone
    );
    assert!(app.locked_message().starts_with("This TV was signed out."));
    assert!(app.playable(app.series("ceo-secret").unwrap(), 10));
}

#[test]
fn entitlements_unlock_episodes_until_they_expire() {
    let mut app = app();
    let series = app.series("ceo-secret").unwrap().clone();
    assert!(!app.playable(&series, 9));
    app.handle(entitlements(0, &[9]));
    assert!(app.playable(&series, 9));
    assert!(!app.playable(&series, 10));
    // An expired document unlocks nothing.
    app.handle(Event::Clock(
        "12:00".into(),
        chrono::DateTime::parse_from_rfc3339("2099-01-02T00:00:00Z")
            .unwrap()
            .into(),
    ));
    assert!(!app.playable(&series, 9));
}

// ---- long sessions ----

fn tick(app: &mut App, ms: u64) -> Vec<Command> {
    app.handle(Event::Tick(ms))
}

#[test]
fn still_watching_is_asked_after_the_set_time_without_a_key_and_back_stops() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Started));
    let limit = u64::from(app.settings().still_watching_min) * 60_000;
    assert_eq!(limit, 90 * 60_000);
    // Episodes come and go (autoplay); only time without a key counts.
    assert!(
        tick(&mut app, limit - 1)
            .iter()
            .all(|c| *c != Command::SetPaused(true))
    );
    let cmds = tick(&mut app, limit);
    assert!(cmds.contains(&Command::SetPaused(true)), "{cmds:?}");
    assert_eq!(app.still_watching(), Some(true));
    assert_eq!(app.describe(), "Are you still watching? Continue watching");
    // Continue: playing again, asked again only after another stretch.
    let cmds = press(&mut app, &[Ok]);
    assert!(cmds.contains(&Command::SetPaused(false)));
    assert_eq!(app.still_watching(), None);
    tick(&mut app, limit + 1000);
    assert_eq!(app.still_watching(), None);
    tick(&mut app, 2 * limit);
    assert_eq!(app.still_watching(), Some(true));
    // Back stops: the series page, the episode's place kept.
    let cmds = press(&mut app, &[Back]);
    assert!(cmds.contains(&Command::Stop));
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.still_watching(), None);
}

#[test]
fn the_sleep_timer_fades_out_and_stops() {
    let mut app = app();
    app.ctx.settings.still_watching_min = 0;
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Started));
    // The sleep control is the last one: OK steps 15, 30, 60, 90, off.
    press(&mut app, &[Ok, Right, Right]);
    assert_eq!(app.player().unwrap().button, PlayerButton::Sleep);
    assert_eq!(app.describe(), "Sleep timer");
    press(&mut app, &[Ok]);
    assert_eq!(app.sleep_timer().map(|t| t.minutes), Some(15));
    assert_eq!(app.toast(), Some("Sleep timer: 15 minutes"));
    assert_eq!(app.sleep_label(), "Sleep in 15 min");
    let end = 15 * 60_000;
    assert!(
        tick(&mut app, end - sleep::FADE_MS - 1)
            .iter()
            .all(|c| !matches!(c, Command::Fade(_)))
    );
    // The last half minute fades in steps; the picture dims with it.
    let cmds = tick(&mut app, end - sleep::FADE_MS / 2);
    assert!(cmds.contains(&Command::Fade(0.5)), "{cmds:?}");
    assert!((app.fade() - 0.5).abs() < 1e-9);
    let cmds = tick(&mut app, end);
    assert!(
        cmds.contains(&Command::Stop) && cmds.contains(&Command::Fade(1.0)),
        "{cmds:?}"
    );
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.toast(), Some("Stopped by the sleep timer"));
    assert_eq!(app.sleep_timer(), None);

    // Stepped past 90: off.
    let mut app = self::app();
    press(&mut app, &[Ok, Ok]);
    press(&mut app, &[Ok, Right, Right, Ok, Ok, Ok, Ok]);
    assert_eq!(app.sleep_timer().map(|t| t.minutes), Some(90));
    press(&mut app, &[Ok]);
    assert_eq!(app.sleep_timer(), None);
}

#[test]
fn continue_resumes_inside_the_episode_a_little_before_where_it_was_left() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Started));
    app.handle(pb(
        &app,
        Playback::Position {
            position_ms: 8_000,
            duration_ms: Some(12_000),
        },
    ));
    press(&mut app, &[Back]);
    // The grid shows it in progress; Continue (the Play button) resumes at
    // 8 - 3 s, and a rest on the button preloads from there too.
    assert_eq!(
        app.history().progress("ceo-secret", 1),
        history::EpisodeProgress::InProgress(8.0 / 12.0)
    );
    press(&mut app, &[Up, Up, Up]);
    assert_eq!(app.series_focus(), SeriesFocus::PlayButton);
    let cmds = tick(&mut app, INTENT_DWELL_MS + 1);
    assert!(
        cmds.contains(&Command::Preload {
            url: app.series("ceo-secret").unwrap().episodes[0].streams[0]
                .url
                .clone(),
            start_ms: 5_000,
            subtitles: app.series("ceo-secret").unwrap().episodes[0]
                .subtitles
                .first()
                .cloned(),
        }),
        "{cmds:?}"
    );
    let cmds = press(&mut app, &[Ok]);
    assert!(
        matches!(
            &cmds[..],
            [Command::Play {
                episode: 1,
                start_ms: 5_000,
                ..
            }]
        ),
        "{cmds:?}"
    );
    assert_eq!(app.player().unwrap().position_ms, 5_000);

    // Left near its start, or watched: from the beginning.
    let mut h = History::default();
    h.record_position("s", 2, 4_000, 12_000);
    assert_eq!(h.resume_position("s", 2), 0);
    h.record_position("s", 2, 11_900, 12_000);
    assert_eq!(h.resume_position("s", 2), 0);
    h.record_position("s", 3, 9_000, 12_000);
    assert_eq!(
        (h.resume_position("s", 3), h.resume_position("s", 4)),
        (6_000, 0)
    );
}

#[test]
fn open_goes_where_the_viewers_keys_would_and_back_still_works() {
    let mut app = app();
    // A free episode plays, from Home through its series' page.
    let cmds = app.handle(Event::Open {
        series: "the-last-letter".into(),
        episode: Some(3),
    });
    assert_eq!(played(&cmds), [("the-last-letter".to_string(), 3)]);
    assert_eq!(app.screen(), Screen::Player);
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("the-last-letter".into()));
    assert_eq!(app.series_focus(), SeriesFocus::Episode(2));
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    // A locked one shows the Locked screen; an unknown series nothing.
    let cmds = app.handle(Event::Open {
        series: "ceo-secret".into(),
        episode: Some(9),
    });
    assert!(played(&cmds).is_empty());
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
    app.handle(Event::Open {
        series: "no-such".into(),
        episode: None,
    });
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
}

#[test]
fn seek_restarts_the_episode_on_screen_at_the_point_and_counts_stalls() {
    let mut app = app();
    app.handle(Event::Open {
        series: "the-last-letter".into(),
        episode: Some(1),
    });
    let id = app.player().unwrap().id;
    app.handle(Event::Playback {
        id,
        report: Playback::Started,
    });
    app.handle(Event::Playback {
        id,
        report: Playback::Buffering(true),
    });
    app.handle(Event::Playback {
        id,
        report: Playback::Buffering(true),
    });
    assert_eq!(app.player().unwrap().rebuffers, 1, "one stall, told twice");
    let cmds = app.handle(Event::Seek(7_000));
    let [
        Command::Play {
            episode, start_ms, ..
        },
    ] = &cmds[..]
    else {
        panic!("{cmds:?}");
    };
    assert_eq!((*episode, *start_ms), (1, 7_000));
    assert_eq!(app.player().unwrap().rebuffers, 0);
    // Away from the player a seek does nothing.
    press(&mut app, &[Back]);
    assert!(app.handle(Event::Seek(1_000)).is_empty());
}

#[test]
fn settings_from_a_script_are_checked_and_applied() {
    let mut app = app();
    let mut settings = app.settings().clone();
    settings.language = Some("es".into());
    settings.text_size = 999;
    let cmds = app.handle(Event::Settings(Box::new(settings)));
    assert!(
        cmds.iter().any(|c| matches!(c, Command::SaveSettings(s)
            if s.language.as_deref() == Some("es") && s.text_size == 100)),
        "{cmds:?}"
    );
    assert_eq!(app.lang(), "es");
}
