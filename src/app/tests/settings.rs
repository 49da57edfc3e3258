//! Settings, the PIN, the spoken UI and the first-run screen.

use super::*;

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
    assert_eq!(app.exit_dialog(), Some(Choice::Keep));
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
fn the_spoken_ui_says_what_has_the_focus_in_the_ui_language() {
    let mut app = App::with_settings(
        History::default(),
        "es",
        settings::Settings {
            spoken: crate::app::settings::SpokenUi {
                on: true,
                rate: 120,
                volume: 75,
            },
            ..Default::default()
        },
    );
    app.handle(Event::Catalog {
        catalog: Arc::new(demo_catalog()),
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
            "Episodio 11. bloqueado. 49 monedas",
            "Episodio 12. bloqueado. 49 monedas"
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
        &crate::app::settings::WELCOME
    );
    // Text size 150 %, high contrast on, spoken UI on, then Start.
    press(
        &mut app,
        &[Down, Right, Right, Down, Right, Down, Right, Down],
    );
    // Sharing viewing data is asked too, and off until the viewer says yes.
    assert_eq!(app.settings_row(), SettingRow::ShareViewing);
    assert_eq!(app.describe(), "Share viewing data. Off");
    // Lean-back viewers may start on a channel, as on a TV.
    press(&mut app, &[Down]);
    assert_eq!(app.describe(), "Start in TV mode. Off");
    press(&mut app, &[Down]);
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
    app.handle(Event::Catalog {
        catalog: Arc::new(demo_catalog()),
        problem: None,
        expired: None,
    });
    assert_eq!(app.ctx().grid_columns(), 7);
    press(&mut app, &[Ok, Down, Down]);
    assert_eq!(app.series_focus(), SeriesFocus::Episode(7));
}

// ---- unlocking (the Locked screen) ----

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

#[test]
fn reset_this_box_needs_the_pin_asks_first_and_forgets_the_viewer() {
    let mut app = app();
    app.handle(entitlements(40, &[9]));
    // Spanish, a PIN, an episode playing, history written.
    press(&mut app, &[Red, Right, Right, Right]);
    assert_eq!(app.lang(), "es");
    while app.settings_row() != SettingRow::ParentalPin {
        press(&mut app, &[Down]);
    }
    press(&mut app, &[Ok, Digit1, Digit2, Digit3, Digit4]);
    press(&mut app, &[Digit1, Digit2, Digit3, Digit4, Back]);
    assert!(app.settings().parental.on());
    press(&mut app, &[Ok, Ok]);
    assert_eq!(app.screen(), Screen::Player);
    app.handle(pb(&app, Playback::Started));
    let at = Playback::Position {
        position_ms: 5_000,
        duration_ms: Some(12_000),
    };
    app.handle(pb(&app, at));
    press(&mut app, &[Back, Back]);
    assert!(!app.history().series.is_empty());
    press(&mut app, &[Ok, Ok]);
    assert_eq!(app.screen(), Screen::Player);

    // Settings over the player, the last row: the PIN first.
    press(&mut app, &[Red]);
    press(&mut app, &[Down; 40]);
    assert_eq!(app.settings_row(), SettingRow::ResetBox);
    press(&mut app, &[Ok]);
    assert_eq!(app.pin_dialog().unwrap().purpose, PinPurpose::ResetBox);
    press(&mut app, &[Digit1, Digit2, Digit3, Digit4]);
    assert_eq!(app.question(), Some((Question::ResetBox, Choice::Keep)));
    // Spoken in the UI language, Cancel focused.
    assert!(app.describe().starts_with("¿Restablecer este aparato?"));
    assert!(app.describe().ends_with("Cancelar"), "{}", app.describe());
    // One stray OK changes nothing.
    assert!(press(&mut app, &[Ok]).is_empty());
    assert_eq!(app.question(), None);
    assert_eq!(app.lang(), "es");

    // The PIN was given in this visit: OK asks at once; Reset.
    press(&mut app, &[Ok]);
    assert_eq!(app.question(), Some((Question::ResetBox, Choice::Keep)));
    press(&mut app, &[Right]);
    let cmds = press(&mut app, &[Ok]);
    let reset = cmds.iter().position(|c| *c == Command::ResetBox);
    let reset = reset.unwrap_or_else(|| panic!("no ResetBox in {cmds:?}"));
    assert!(cmds[..reset].contains(&Command::Stop), "{cmds:?}");
    // Nothing of the old state is written after the reset.
    assert!(
        !cmds.iter().any(|c| matches!(
            c,
            Command::SaveHistory(_) | Command::SaveSettings(_) | Command::SaveAdLedger(_)
        )),
        "{cmds:?}"
    );
    assert!(
        cmds.contains(&Command::Languages {
            audio: "en".into(),
            subtitles: "en".into()
        }),
        "{cmds:?}"
    );
    // A box as new: the first-run screen in the box's language.
    assert!(app.first_run());
    assert_eq!(app.lang(), "en");
    assert_eq!(*app.settings(), Settings::default());
    assert!(app.history().series.is_empty());
    assert!(!app.ctx().paired && app.ctx().entitlements.is_none());
    assert_eq!(app.toast(), Some("This box was reset"));
    assert!(app.player().is_none());
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn data_use_caps_variants_keeps_previews_off_and_shows_the_month() {
    use crate::app::screens::settings::{data_amount, setting_text};
    use crate::app::settings::SAVE_DATA_BPS;
    let mut app = app();
    press(&mut app, &[Red]);
    while app.settings_row() != SettingRow::DataUse {
        press(&mut app, &[Down]);
    }
    assert_eq!(
        setting_text(app.ctx(), SettingRow::DataUse).1,
        "Best quality"
    );
    let cmds = press(&mut app, &[Right]);
    assert!(
        cmds.contains(&Command::MaxBitrate(Some(SAVE_DATA_BPS))),
        "{cmds:?}"
    );
    assert!(!app.settings().previews_on());
    let cmds = press(&mut app, &[Right]);
    assert!(cmds.contains(&Command::MaxBitrate(Some(1))), "{cmds:?}");
    assert_eq!(setting_text(app.ctx(), SettingRow::DataUse).1, "Least data");

    // Previews say why they are off, and stay off whatever the viewer does.
    press(&mut app, &[Down, Down, Down, Down, Down, Down, Down]);
    assert_eq!(app.settings_row(), SettingRow::Previews);
    let value = || setting_text(app.ctx(), SettingRow::Previews).1;
    assert_eq!(value(), "Off while saving data");
    press(&mut app, &[Right]);
    assert!(!app.settings().previews_on());
    assert_eq!(
        setting_text(app.ctx(), SettingRow::Previews).1,
        "Off while saving data"
    );

    // Best quality again: no cap, previews as before.
    let cmds = press(&mut app, &[Up, Up, Up, Up, Up, Up, Up, Left, Left]);
    assert!(cmds.contains(&Command::MaxBitrate(None)), "{cmds:?}");
    assert!(app.settings().previews_on());

    // The month's data, as the shell's meter reports it.
    assert_eq!(setting_text(app.ctx(), SettingRow::DataUsed).1, "0 MB");
    app.handle(Event::DataUsed(1_234_567_890));
    assert_eq!(setting_text(app.ctx(), SettingRow::DataUsed).1, "1.2 GB");
    assert_eq!(data_amount("es", 1_250_000_000), "1,3 GB");
    assert_eq!(data_amount("en", 350_000_001), "351 MB");
    assert_eq!(data_amount("zh", 999_000_000), "999 MB");
    assert_eq!(data_amount("en", u64::MAX), "18446744073.7 GB");
}
