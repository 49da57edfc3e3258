//! A series' page: the grid, number keys, catalog refreshes under the focus.

use super::*;

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
    // Plain words on screen; the HTTP status goes to the log.
    let notice = app.notice().unwrap();
    assert!(notice.contains("saved on this TV"), "{notice}");
    assert!(!notice.contains("503"), "{notice}");
    assert_ne!(app.rows()[0].id, CONTINUE_ROW);
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
fn an_expired_catalog_is_shown_with_a_notice() {
    let mut app = App::new(History::default(), "en");
    app.handle(Event::Catalog {
        catalog: Arc::new(demo_catalog()),
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
