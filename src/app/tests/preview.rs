//! Hero previews on Home: the focus resting two seconds on a series.

use super::*;
use crate::app::preview::PREVIEW_DWELL_MS;

/// The preview commands in `cmds`: (id, series, url).
fn previews(cmds: &[Command]) -> Vec<(EpisodeId, String, String)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Preview { id, source, series } => {
                Some((*id, series.clone(), source.url.clone()))
            }
            _ => None,
        })
        .collect()
}

fn played_now(app: &App) -> (String, u32) {
    let p = app.player().unwrap();
    (p.series.clone(), p.episode)
}

fn preview_report(id: EpisodeId, report: Playback) -> Event {
    Event::Playback { id, report }
}

/// Rests on the focused series until its preview plays, first frame
/// shown; its id.
fn rest_until_preview(app: &mut App) -> EpisodeId {
    let now = app.ctx().now_ms;
    assert!(previews(&tick(app, now + PREVIEW_DWELL_MS - 1)).is_empty());
    let cmds = tick(app, now + PREVIEW_DWELL_MS);
    let [(id, series, _)] = &previews(&cmds)[..] else {
        panic!("{cmds:?}");
    };
    assert_eq!(Some(series), app.focused_series().map(|s| &s.id));
    let id = *id;
    assert!(app.handle(preview_report(id, Playback::Started)).is_empty());
    id
}

#[test]
fn a_resting_focus_previews_the_first_episode_and_moving_on_stops_it() {
    let mut app = app();
    let first = app.focused_series().unwrap().clone();
    // The intent preload of episode 1 (at 400 ms) is what the preview
    // plays: the play takes it, and nothing is preloaded again.
    let cmds = tick(&mut app, INTENT_DWELL_MS);
    assert_eq!(preloads(&cmds).len(), 1);
    let cmds = tick(&mut app, PREVIEW_DWELL_MS - 1);
    assert!(previews(&cmds).is_empty(), "{cmds:?}");
    let cmds = tick(&mut app, PREVIEW_DWELL_MS);
    let [(id, series, url)] = &previews(&cmds)[..] else {
        panic!("{cmds:?}");
    };
    assert_eq!(series, &first.id);
    assert_eq!(url, &first.episodes[0].streams[0].url);
    assert!(preloads(&cmds).is_empty(), "{cmds:?}");
    let id = *id;
    // Not on show until its first frame.
    assert!(!app.preview().unwrap().showing);
    app.handle(preview_report(id, Playback::Started));
    assert!(app.preview().unwrap().showing);
    // A report of it is not the player's: no screen changes.
    app.handle(preview_report(id, Playback::Buffering(true)));
    assert_eq!(app.screen(), Screen::Home);

    // The focus moves: it stops at once, and the next series' preview
    // waits for the focus to rest again.
    let cmds = press(&mut app, &[Right]);
    assert!(cmds.contains(&Command::StopPreview { id }), "{cmds:?}");
    assert!(app.preview().is_none());
    let second = app.focused_series().unwrap().id.clone();
    let t = PREVIEW_DWELL_MS + 10;
    tick(&mut app, t);
    assert!(previews(&tick(&mut app, t + PREVIEW_DWELL_MS - 20)).is_empty());
    let cmds = tick(&mut app, t + PREVIEW_DWELL_MS);
    assert_eq!(previews(&cmds)[0].1, second);
    // Late reports of the stopped one change nothing.
    app.handle(preview_report(id, Playback::Ended));
    assert!(app.preview().is_some());
}

#[test]
fn ok_on_a_preview_goes_on_in_the_player_from_that_frame() {
    let mut app = app();
    let series = app.focused_series().unwrap().id.clone();
    let id = rest_until_preview(&mut app);
    app.handle(preview_report(
        id,
        Playback::Position {
            position_ms: 12_345,
            duration_ms: Some(60_000),
        },
    ));
    let cmds = press(&mut app, &[Ok]);
    // Nothing starts again: the same playback goes on, with sound.
    assert!(played(&cmds).is_empty(), "{cmds:?}");
    assert!(!cmds.contains(&Command::StopPreview { id }), "{cmds:?}");
    assert!(
        cmds.iter().any(|c| matches!(c,
            Command::Continue { id: i, series: s, episode: 1, start_ms: 12_345, .. }
                if *i == id && *s == series)),
        "{cmds:?}"
    );
    assert_eq!(app.screen(), Screen::Player);
    assert_eq!(played_now(&app), (series.clone(), 1));
    let p = app.player().unwrap();
    assert_eq!(
        (p.id, p.phase.clone(), p.position_ms),
        (id, Phase::Playing, 12_345)
    );
    assert!(app.preview().is_none());
    // Its reports are the player's now; Back keeps the place and shows
    // the series page on episode 1.
    app.handle(pb(
        &app,
        Playback::Position {
            position_ms: 20_000,
            duration_ms: Some(60_000),
        },
    ));
    let cmds = press(&mut app, &[Back]);
    assert!(cmds.contains(&Command::Stop), "{cmds:?}");
    assert_eq!(app.screen(), Screen::Series(series.clone()));
    assert_eq!(app.series_focus(), SeriesFocus::Episode(0));
    assert!(app.history().resume_position(&series, 1) > 0);
}

#[test]
fn an_ended_preview_gives_the_poster_back_and_is_not_played_again() {
    let mut app = app();
    let id = rest_until_preview(&mut app);
    let cmds = app.handle(preview_report(id, Playback::Ended));
    assert_eq!(cmds, [Command::StopPreview { id }]);
    assert!(app.preview().is_none());
    assert!(previews(&tick(&mut app, 60_000)).is_empty());
    // OK now opens the series page, as without previews.
    let cmds = press(&mut app, &[Ok]);
    assert!(played(&cmds).is_empty(), "{cmds:?}");
    assert!(matches!(app.screen(), Screen::Series(_)));
}

#[test]
fn a_clip_preview_gives_way_to_the_episode_ok_plays() {
    let clip = "http://127.0.0.1:9/media/ceo-secret/preview.mp4";
    let mut app = app();
    app.handle(catalog_with(|s| s.preview = Some(clip.into())));
    assert_eq!(app.focused_series().unwrap().id, "ceo-secret");
    tick(&mut app, INTENT_DWELL_MS);
    let cmds = tick(&mut app, PREVIEW_DWELL_MS);
    let [(id, _, url)] = &previews(&cmds)[..] else {
        panic!("{cmds:?}");
    };
    assert_eq!(url, clip);
    // The clip's play took the preload of episode 1: it is made again.
    let ep1 = app.series("ceo-secret").unwrap().episodes[0].streams[0]
        .url
        .clone();
    assert_eq!(preloads(&cmds), [ep1.as_str()]);
    let id = *id;
    app.handle(preview_report(id, Playback::Started));
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(cmds[0], Command::StopPreview { id });
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 1)]);
    assert_eq!(app.screen(), Screen::Player);
    assert_eq!(played_now(&app), ("ceo-secret".to_string(), 1));
}

#[test]
fn no_preview_when_switched_off_large_text_spoken_ui_or_settings_focused() {
    let s = Settings::default();
    assert!(s.previews_on());
    let large = Settings {
        text_size: 150,
        ..Settings::default()
    };
    assert!(!large.previews_on());
    let mut spoken = Settings::default();
    spoken.spoken.on = true;
    assert!(!spoken.previews_on());
    // The viewer's choice stands over those defaults.
    let chosen = Settings {
        previews: Some(true),
        ..large.clone()
    };
    assert!(chosen.previews_on());

    let mut a = app();
    a.handle(Event::Settings(Box::new(large)));
    assert!(previews(&tick(&mut a, 10_000)).is_empty());

    // On the Settings button: none; back on the rows: after the dwell.
    let mut app = super::app();
    press(&mut app, &[Up]);
    assert!(previews(&tick(&mut app, 10_000)).is_empty());
    press(&mut app, &[Down]);
    assert!(previews(&tick(&mut app, 11_000)).is_empty());
    assert_eq!(previews(&tick(&mut app, 12_000)).len(), 1);

    // Switched off in Settings while one plays: it stops.
    let mut app = super::app();
    let id = rest_until_preview(&mut app);
    let off = Settings {
        previews: Some(false),
        ..Settings::default()
    };
    let cmds = app.handle(Event::Settings(Box::new(off)));
    assert!(cmds.contains(&Command::StopPreview { id }), "{cmds:?}");
}

#[test]
fn leaving_home_stops_the_preview() {
    let mut app = app();
    let id = rest_until_preview(&mut app);
    // Red: Settings over Home.
    let cmds = press(&mut app, &[Red]);
    assert!(cmds.contains(&Command::StopPreview { id }), "{cmds:?}");
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    let now = app.ctx().now_ms;
    assert_eq!(previews(&tick(&mut app, now + PREVIEW_DWELL_MS)).len(), 1);
}
