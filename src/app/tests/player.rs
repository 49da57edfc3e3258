//! The player: autoplay, controls, errors, reports of replaced episodes, resuming, subtitles.

use super::*;

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
    app.handle(pb(&app, failed("HTTP 500 for segment 3")));
    assert!(matches!(app.player().unwrap().phase, Phase::Failed(_)));
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 1)]);
    app.handle(pb(&app, failed("again")));
    let cmds = press(&mut app, &[Right, Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 2)]);
    app.handle(pb(&app, failed("again")));
    let cmds = press(&mut app, &[Back]);
    assert_eq!(cmds, [Command::Stop]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
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
        report: failed("gone"),
    });
    assert!(cmds.is_empty());
    assert!(matches!(app.player().unwrap().phase, Phase::Failed(_)));
}

#[test]
fn subtitles_follow_the_viewer_language_and_the_audio() {
    use crate::catalog::model::{SubtitleKind, SubtitleTrack};
    let catalog = demo_catalog();
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
            source: crate::playback::StreamSource::plain(
                app.series("ceo-secret").unwrap().episodes[0].streams[0]
                    .url
                    .clone()
            ),
            start_ms: 5_000,
            subtitles: app.series("ceo-secret").unwrap().episodes[0]
                .subtitles
                .first()
                .cloned(),
            beside: false,
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
fn a_lost_connection_is_said_while_it_lasts_and_never_fails_the_episode() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Started));
    assert!(!app.player().unwrap().connection_lost);
    app.handle(pb(&app, Playback::Connection(true)));
    let p = app.player().unwrap();
    assert!(p.connection_lost);
    assert_eq!(p.phase, Phase::Playing, "no error: it keeps trying");
    app.handle(pb(&app, Playback::Connection(false)));
    assert!(!app.player().unwrap().connection_lost);
    // Given up on at last (the error panel): no longer said.
    app.handle(pb(&app, Playback::Connection(true)));
    app.handle(pb(&app, failed("network: segment 3 of 6: cannot connect")));
    let p = app.player().unwrap();
    assert!(!p.connection_lost);
    assert!(p.failed().is_some());
    // A report about an episode no longer on screen changes nothing.
    let stale = Event::Playback {
        id: EpisodeId(9_999),
        report: Playback::Connection(true),
    };
    app.handle(stale);
    assert!(!app.player().unwrap().connection_lost);
}
