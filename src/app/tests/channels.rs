//! Drama channels: joining "now", episode after episode, the banner, the
//! card for a locked episode, CH+/CH-, OK's choice, TV mode.

use super::*;
use crate::app::overlays::Question;
use chrono::{DateTime, Utc};

/// The demo's episodes last 12 s; both channels start on 2026-01-01.
const EP: i64 = 12_000;

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .to_utc()
}

/// The box's clock at `ms` after the channels' start, a few cycles on.
fn clock_at(app: &mut App, ms: i64) {
    let t = start() + chrono::Duration::days(3) + chrono::Duration::milliseconds(ms);
    app.handle(Event::Clock("12:00".into(), t));
}

fn plays(cmds: &[Command]) -> Vec<(String, u32, u64)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Play {
                series,
                episode,
                start_ms,
                ..
            } => Some((series.clone(), *episode, *start_ms)),
            _ => None,
        })
        .collect()
}

fn preloads_from(cmds: &[Command]) -> Vec<(String, u64)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Preload {
                source, start_ms, ..
            } => Some((source.url.clone(), *start_ms)),
            _ => None,
        })
        .collect()
}

/// Whether each preload is kept beside the one before it.
fn besides(cmds: &[Command]) -> Vec<bool> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Preload { beside, .. } => Some(*beside),
            _ => None,
        })
        .collect()
}

/// An episode of the channels' `EP` ms, `ms` into it.
fn at(ms: u64) -> Playback {
    Playback::Position {
        position_ms: ms,
        duration_ms: Some(EP as u64),
    }
}

/// The first channel tuned to `ms` into its third episode, playing.
fn tuned_into_third_episode(ms: i64) -> App {
    let mut app = app_with_channels();
    app.handle(entitlements(0, &[]));
    clock_at(&mut app, 2 * EP + ms);
    press(&mut app, &[Ok]);
    assert_eq!(tuned(&app), Some(0));
    app.handle(pb(&app, Playback::Started));
    app
}

fn tuned(app: &App) -> Option<usize> {
    app.player()
        .and_then(|p| p.channel.as_ref())
        .map(|t| t.channel)
}

#[test]
fn a_channel_joins_inside_the_episode_on_air_then_plays_on_with_no_gap() {
    let mut app = app_with_channels();
    app.handle(entitlements(0, &[]));
    // Three days on (a whole number of 288 s cycles: 900 of them), 7 s
    // into Love at Gate 9's third episode.
    clock_at(&mut app, 2 * EP + 7_000);
    assert_eq!(
        app.describe(),
        "Romance around the clock. Now: Love at Gate 9, episode 3"
    );
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(plays(&cmds), [("love-at-gate-9".into(), 3, 7_000)]);
    assert_eq!(tuned(&app), Some(0));
    let banner = app.player().unwrap().banner(app.ctx()).expect("the banner");
    assert_eq!(banner.channel, "Romance around the clock");
    assert_eq!(banner.now, "Love at Gate 9, episode 3");
    assert_eq!(banner.next, "Next: Love at Gate 9, episode 4");
    // No Up Next and no countdown on a channel.
    assert!(app.player().unwrap().up_next(app.ctx()).is_empty());

    // While it plays: the neighbouring channel's episode on air is
    // preloaded (CH+ shows it at once), then near the end the next one here.
    app.handle(pb(&app, Playback::Started));
    tick(&mut app, 2_000);
    let cmds = app.handle(pb(&app, at(2_000)));
    let neighbour = preloads_from(&cmds);
    assert_eq!(neighbour.len(), 1, "{cmds:?}");
    assert!(neighbour[0].0.contains("/ceo-secret/"), "{neighbour:?}");
    tick(&mut app, 4_000);
    let cmds = app.handle(pb(&app, at(9_000)));
    let next = preloads_from(&cmds);
    assert_eq!(next.len(), 1, "{cmds:?}");
    assert!(next[0].0.contains("/love-at-gate-9/4/"), "{next:?}");
    assert_eq!(next[0].1, 0, "from its start");
    assert_eq!(besides(&cmds), [true], "kept beside the neighbour's");
    // The banner is gone by now; it comes back with the next episode,
    // which starts from its beginning (its preload) when it is on air.
    tick(&mut app, 9_000);
    assert!(app.player().unwrap().banner(app.ctx()).is_none());
    clock_at(&mut app, 3 * EP + 400);
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert_eq!(plays(&cmds), [("love-at-gate-9".into(), 4, 0)]);
    assert!(app.player().unwrap().banner(app.ctx()).is_some());
    // Watched on the channel counts as watched.
    assert_eq!(
        app.history().progress("love-at-gate-9", 3),
        crate::app::history::EpisodeProgress::Watched
    );

    // CH+ and CH-: the other channel and back, joined where each is.
    let cmds = press(&mut app, &[Next]);
    assert_eq!(tuned(&app), Some(1));
    let p = plays(&cmds);
    assert_eq!(p.len(), 1, "{cmds:?}");
    assert_eq!(p[0].0, "ceo-secret");
    press(&mut app, &[Previous]);
    assert_eq!(tuned(&app), Some(0));
    // Back leaves the channel for Home.
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    assert!(app.player().is_none());
}

#[test]
fn a_locked_episode_on_air_is_a_card_then_the_channel_goes_on() {
    let mut app = app_with_channels();
    app.handle(entitlements(0, &[]));
    // The Chinese drama channel: The CEO's Secret 1 to 12, of which 9 on
    // are paid. 5 s into episode 10.
    clock_at(&mut app, 9 * EP + 5_000);
    press(&mut app, &[Right]);
    let cmds = press(&mut app, &[Ok]);
    assert!(plays(&cmds).is_empty(), "{cmds:?}");
    assert!(cmds.contains(&Command::Stop));
    assert!(app.player().unwrap().carded());
    // Nothing is fetched for the card (the tuning saved the channel).
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Command::LoadSubtitles { .. })),
        "{cmds:?}"
    );
    assert_eq!(
        app.describe(),
        "Chinese drama. Continue this story on the series page"
    );
    // OK on a card asks nothing.
    press(&mut app, &[Ok]);
    assert!(app.question().is_none());
    // The card's time is up: the next episode the box may play, from its
    // start (past the paid ones: the channel wraps to episode 1).
    tick(&mut app, 2_000);
    let cmds = tick(&mut app, 6_000);
    assert_eq!(plays(&cmds), [("ceo-secret".into(), 1, 0)]);
    assert!(!app.player().unwrap().carded());
    // The banner comes up with it, as at every new episode.
    let banner = app.player().unwrap().banner(app.ctx()).expect("the banner");
    assert_eq!(banner.now, "The CEO's Secret, episode 1");
    app.handle(pb(&app, Playback::Started));
    tick(&mut app, 9_000);
    assert!(app.player().unwrap().banner(app.ctx()).is_some());
    tick(&mut app, 12_500);
    assert!(app.player().unwrap().banner(app.ctx()).is_none());
    // From then on the box runs ahead of the channel by what it skipped,
    // and goes on from there: episode 2 after 1.
    let ahead = app.player().unwrap().channel.as_ref().unwrap().ahead_ms;
    // The card showed 6 s: 1 s of 10 was left, then 11 and 12.
    assert_eq!(ahead, 1_000 + 2 * EP);
    clock_at(&mut app, 9 * EP + 5_000 + 6_000 + EP);
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert_eq!(plays(&cmds)[0].1, 2);
}

#[test]
fn ok_on_a_channel_offers_the_series_from_its_start_or_here() {
    let mut app = app_with_channels();
    app.handle(entitlements(0, &[]));
    clock_at(&mut app, 4 * EP + 1_000);
    press(&mut app, &[Ok]);
    let id = app.player().unwrap().id;
    assert_eq!(app.player().unwrap().episode, 5);
    press(&mut app, &[Ok]);
    assert_eq!(app.question(), Some((Question::OnChannel, Choice::Keep)));
    assert_eq!(
        app.describe(),
        "Love at Gate 9. Watch this series from episode 1, or continue it here? Continue here"
    );
    // Back: nothing changes, the channel goes on.
    press(&mut app, &[Back]);
    assert!(app.question().is_none());
    assert_eq!(tuned(&app), Some(0));
    // "Continue here": the same episode goes on, off the channel, its
    // series page under it.
    let cmds = press(&mut app, &[Ok, Ok]);
    assert!(plays(&cmds).is_empty(), "nothing starts again: {cmds:?}");
    assert_eq!(app.player().unwrap().id, id);
    assert_eq!(tuned(&app), None);
    assert!(!app.player().unwrap().up_next(app.ctx()).is_empty());
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("love-at-gate-9".into()));

    // "Watch this series from episode 1" (Home kept its focus on the
    // channels row).
    press(&mut app, &[Back]);
    press(&mut app, &[Ok, Ok, Right]);
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(plays(&cmds), [("love-at-gate-9".into(), 1, 0)]);
    assert_eq!(tuned(&app), None);
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("love-at-gate-9".into()));
}

#[test]
fn number_keys_on_the_channels_row_and_tv_mode_open_a_channel() {
    let mut app = app_with_channels();
    app.handle(entitlements(0, &[]));
    clock_at(&mut app, 1_000);
    let cmds = press(&mut app, &[Digit2]);
    assert_eq!(tuned(&app), Some(1));
    assert_eq!(plays(&cmds), [("ceo-secret".into(), 1, 1_000)]);
    // The channel is remembered, for "Start in TV mode".
    let saved = cmds.iter().find_map(|c| match c {
        Command::SaveSettings(s) => s.last_channel.clone(),
        _ => None,
    });
    assert_eq!(saved.as_deref(), Some("chinese-drama"));

    let settings = crate::app::settings::Settings {
        tv_mode: true,
        last_channel: Some("chinese-drama".into()),
        welcomed: true,
        ..Default::default()
    };
    let mut app = App::with_settings(History::default(), "en", settings);
    app.handle(Event::Clock(
        "00:00".into(),
        start() + chrono::Duration::seconds(1),
    ));
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let cmds = app.handle(Event::Catalog {
        catalog: Arc::new(crate::demo::catalog::catalog(&base)),
        problem: None,
        expired: None,
    });
    assert_eq!(app.screen(), Screen::Player);
    assert_eq!(tuned(&app), Some(1));
    assert_eq!(plays(&cmds).len(), 1, "{cmds:?}");
}

#[test]
fn a_channel_the_focus_rests_on_is_preloaded_and_joined_from_there() {
    let mut app = app_with_channels();
    app.handle(entitlements(0, &[]));
    clock_at(&mut app, EP + 2_000);
    // The focus rests: the episode on air is preloaded from where the
    // channel is then.
    let cmds = tick(&mut app, crate::app::INTENT_DWELL_MS + 100);
    let p = preloads_from(&cmds);
    assert_eq!(p.len(), 1, "{cmds:?}");
    assert!(p[0].0.contains("/love-at-gate-9/2/"), "{p:?}");
    let from = p[0].1;
    assert_eq!(from, 2_000 + crate::app::INTENT_DWELL_MS + 100);
    // OK a moment later: played from the preload's start (its first frame
    // at once), the box a moment behind the channel from then on.
    tick(&mut app, crate::app::INTENT_DWELL_MS + 900);
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(plays(&cmds), [("love-at-gate-9".into(), 2, from)]);
    let ahead = app.player().unwrap().channel.as_ref().unwrap().ahead_ms;
    assert_eq!(ahead, -800);
}

#[test]
fn the_channels_head_home_with_the_focus_on_them() {
    let app = app_with_channels();
    assert_eq!(app.rows()[0].id, crate::app::shelf::CHANNELS_ROW);
    // Two drama channels and the live one.
    assert_eq!(app.rows()[0].channels, [0, 1, 2]);
    assert_eq!(app.focused_row(), 0);
    // A catalog without channels has no such row.
    assert!(super::app().rows().iter().all(|r| r.channels.is_empty()));
}

#[test]
fn ch_plus_plays_the_neighbours_preload_which_follows_it_to_its_next_episode() {
    let mut app = tuned_into_third_episode(1_000);
    tick(&mut app, 2_000);
    let cmds = app.handle(pb(&app, at(2_000)));
    let p = preloads_from(&cmds);
    assert_eq!(p.len(), 1, "{cmds:?}");
    assert!(p[0].0.contains("/ceo-secret/3/"), "{p:?}");
    // The same episode on the neighbour: the preload stands.
    tick(&mut app, 2_250);
    assert!(preloads_from(&app.handle(pb(&app, at(2_500)))).is_empty());
    // The neighbour went on to its next episode while this one (the box
    // behind its channel) is early in its own: a fresh preload of it.
    tick(&mut app, 2_500);
    clock_at(&mut app, 3 * EP + 500);
    let cmds = app.handle(pb(&app, at(3_000)));
    let p = preloads_from(&cmds);
    assert_eq!(p.len(), 1, "{cmds:?}");
    assert!(p[0].0.contains("/ceo-secret/4/"), "{p:?}");
    let from = p[0].1;
    assert_eq!(from, 500);
    // CH+ a moment later plays it from there: the preloaded start.
    clock_at(&mut app, 3 * EP + 1_200);
    let cmds = press(&mut app, &[Next]);
    assert_eq!(tuned(&app), Some(1));
    assert_eq!(plays(&cmds), [("ceo-secret".into(), 4, from)]);
}

#[test]
fn ch_plus_near_an_episodes_end_still_plays_the_neighbours_preload() {
    let mut app = tuned_into_third_episode(1_000);
    tick(&mut app, 2_000);
    let cmds = app.handle(pb(&app, at(2_000)));
    let neighbour = preloads_from(&cmds);
    assert_eq!(besides(&cmds), [false], "it replaces other preloads");
    // Its last third: the channel's next episode is preloaded beside it.
    tick(&mut app, 9_000);
    let cmds = app.handle(pb(&app, at(9_000)));
    assert_eq!(besides(&cmds), [true], "{cmds:?}");
    // CH+ there plays the neighbour's preload, from its preloaded start.
    let cmds = press(&mut app, &[Next]);
    assert_eq!(tuned(&app), Some(1));
    assert_eq!(
        plays(&cmds),
        [("ceo-secret".into(), 3, neighbour[0].1)],
        "{neighbour:?}"
    );
}

#[test]
fn a_box_clock_put_forward_joins_the_channel_where_it_then_is() {
    let mut app = app_with_channels();
    app.handle(entitlements(0, &[]));
    clock_at(&mut app, 2 * EP + 7_000);
    press(&mut app, &[Ok]);
    app.handle(pb(&app, Playback::Started));
    // The box's clock is put right an hour on (5 s into an episode):
    // at the end of the one playing, the channel is joined where it is
    // then, inside its episode, not at the next in the schedule.
    clock_at(&mut app, 3_600_000 + 5_000);
    let on = app.ctx().on_air(0, 0).unwrap();
    assert_eq!(on.offset_ms, 5_000);
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert_eq!(plays(&cmds), [(on.series.clone(), on.episode, 5_000)]);
    let banner = app.player().unwrap().banner(app.ctx()).expect("the banner");
    assert!(
        banner.now.ends_with(&format!("episode {}", on.episode)),
        "{banner:?}"
    );
}

#[test]
fn a_live_channel_plays_its_stream_with_its_guide_and_keeps_no_history() {
    let mut app = app_with_channels();
    app.handle(entitlements(0, &[]));
    clock_at(&mut app, 1_000);
    // Its guide is asked for once the app ticks, and again half an hour on.
    let cmds = tick(&mut app, 1_000);
    let guide_url = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadGuide(url) => Some(url.clone()),
            _ => None,
        })
        .expect("the guide asked for");
    assert!(
        guide_url.ends_with(crate::demo::live::GUIDE_PATH),
        "{guide_url}"
    );
    assert!(
        !tick(&mut app, 2_000)
            .iter()
            .any(|c| matches!(c, Command::LoadGuide(_)))
    );
    let later = tick(&mut app, 1_000 + crate::app::channels::GUIDE_REFRESH_MS);
    assert!(later.iter().any(|c| matches!(c, Command::LoadGuide(_))));
    let now = app.ctx().now_wall();
    let xml = crate::demo::live::guide(now);
    let guides = crate::guide::read_all(&xml).unwrap();
    app.handle(Event::Guide {
        url: guide_url,
        guides: Result::Ok(Arc::new(guides)),
    });
    let (on, next) = app.ctx().guide_now_next(2, None);
    let (on, next) = (on.expect("on now"), next.expect("next"));

    // Home says what is on; OK on its card (the third) tunes in.
    press(&mut app, &[Right, Right]);
    assert_eq!(
        app.describe(),
        format!("Drama Shorts News. Live. Now: {on}")
    );
    let cmds = press(&mut app, &[Ok]);
    let source = cmds
        .iter()
        .find_map(|c| match c {
            Command::Play { source, .. } => Some(source.clone()),
            _ => None,
        })
        .expect("played");
    assert!(source.live && source.url.ends_with(crate::demo::live::PLAYLIST_PATH));
    assert_eq!(tuned(&app), Some(2));
    let banner = app.player().unwrap().banner(app.ctx()).expect("the banner");
    assert_eq!(
        (banner.now.as_str(), banner.next),
        (on.as_str(), format!("Next: {next}"))
    );

    // It plays: no history, no Up Next, OK asks nothing (no series).
    app.handle(pb(&app, Playback::Started));
    // The picture is on the broadcaster's clock, behind live (and the
    // box's clock may be wrong): the banner says what was on at the
    // frame shown, as the playlist dates it.
    let earlier = now - chrono::TimeDelta::minutes(10);
    let was_on = app.ctx().guide_now_next(2, Some(earlier)).0;
    let was_on = was_on.expect("on ten minutes before");
    assert_ne!(was_on, on);
    app.handle(pb(&app, Playback::OnAir(earlier)));
    let banner = app.player().unwrap().banner(app.ctx()).expect("the banner");
    assert_eq!((banner.now, banner.next), (was_on, format!("Next: {on}")));
    let cmds = app.handle(pb(
        &app,
        Playback::Position {
            position_ms: 60_000,
            duration_ms: None,
        },
    ));
    tick(
        &mut app,
        1_000 + crate::app::channels::GUIDE_REFRESH_MS + 60_000,
    );
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::SaveHistory(_))),
        "{cmds:?}"
    );
    press(&mut app, &[Ok]);
    assert!(app.question().is_none());
    // The playlist stops growing: said, and unsaid when it grows again.
    app.handle(pb(&app, Playback::Broadcast(true)));
    assert!(
        app.describe().contains("The broadcast has stopped for now"),
        "{}",
        app.describe()
    );
    app.handle(pb(&app, Playback::Broadcast(false)));
    assert!(!app.describe().contains("stopped"));
    // It fails: the viewer reads of the channel, not of an episode, and
    // Retry (OK) tunes in again.
    app.handle(pb(
        &app,
        super::failed("live segment 12: connection refused"),
    ));
    let said = app.describe();
    assert!(
        said.contains("This channel can't be shown right now") && !said.contains("episode"),
        "{said}"
    );
    let cmds = press(&mut app, &[Ok]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Play { source, .. } if source.live)),
        "{cmds:?}"
    );
    assert_eq!(tuned(&app), Some(2));
    app.handle(pb(&app, Playback::Started));
    // CH+ goes round to the first channel; Back from there leaves for
    // Home with nothing of the live channel in Continue Watching.
    press(&mut app, &[Next]);
    assert_eq!(tuned(&app), Some(0));
    let cmds = press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    let history: Vec<_> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::SaveHistory(h) => Some(h.series.keys().cloned().collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        !history.iter().any(|s| s == crate::demo::live::CHANNEL),
        "{history:?}"
    );
}
