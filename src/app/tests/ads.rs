//! Ad breaks between free episodes: asked for while the episode before
//! plays, preloaded, played in order with their trackers, skipped when
//! late or empty, never before a locked episode.

use std::time::Duration;

use super::*;
use crate::ads::chain::{AdFailure, PlayableAd, Resolved, tests::playable};
use crate::ads::vast::ErrorCode;
use crate::app::ad_break::AdBreak;
use crate::catalog::model::{AdBreaks, Ads};

/// The demo catalog with a break after every `every` free episodes, at
/// most 30 s long.
fn app_with_breaks(every: u32) -> App {
    let mut app = app();
    let mut catalog = demo_catalog();
    catalog.ads = Some(Ads {
        breaks: Some(AdBreaks {
            vast: "https://ads.example/vast?c=[CONTENTID]".into(),
            every_free_episodes: every,
            max_per_hour: 4,
            max_seconds: 30,
            extra: Default::default(),
        }),
        rewarded: None,
        extra: Default::default(),
    });
    app.handle(Event::Catalog {
        catalog: Arc::new(catalog),
        problem: None,
        expired: None,
    });
    app
}

fn ad(name: &str, seconds: u64) -> PlayableAd {
    let mut ad = playable(Duration::from_secs(seconds));
    ad.media.url = format!("https://cdn.example/{name}.mp4");
    ad
}

fn pos(app: &App, ms: u64) -> Event {
    pb(
        app,
        Playback::Position {
            position_ms: ms,
            duration_ms: Some(12_000),
        },
    )
}

/// Plays the focused episode to the point where what follows is prepared:
/// the commands that prepared it.
fn play_until_prepared(app: &mut App, now: &mut u64) -> Vec<Command> {
    app.handle(pb(app, Playback::Started));
    *now += NEXT_PRELOAD_AFTER_MS;
    tick(app, *now);
    app.handle(pos(app, 1_000))
}

fn asked(cmds: &[Command]) -> Option<(EpisodeId, String)> {
    cmds.iter().find_map(|c| match c {
        Command::AskBreak {
            request,
            content_id,
            tag,
        } => {
            assert_eq!(tag, "https://ads.example/vast?c=[CONTENTID]");
            Some((*request, content_id.clone()))
        }
        _ => None,
    })
}

fn ads_played(cmds: &[Command]) -> Vec<&str> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::PlayAd { url, .. } => Some(url.as_str()),
            _ => None,
        })
        .collect()
}

/// The trackers fired, by what they are for.
fn fired(cmds: &[Command]) -> Vec<(&'static str, Option<u16>)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::AdBeacons { beacons, .. } => Some(beacons),
            _ => None,
        })
        .flatten()
        .map(|b| (b.what, b.error))
        .collect()
}

/// The demo's first series, a break due after every free episode, its
/// episode 1 played until the ad server is asked: the app, the request.
fn break_asked() -> (App, EpisodeId) {
    let mut app = app_with_breaks(1);
    press(&mut app, &[Ok, Ok]);
    let (request, _) = asked(&play_until_prepared(&mut app, &mut 0)).expect("asked");
    (app, request)
}

/// The ad server's answer: these ads, no failure.
fn answer(app: &mut App, request: EpisodeId, ads: Vec<PlayableAd>) -> Vec<Command> {
    app.handle(Event::AdBreak {
        request,
        resolved: Resolved {
            ads,
            failures: vec![],
        },
    })
}

#[test]
fn a_break_plays_its_ads_between_free_episodes_then_the_next_episode() {
    let mut app = app_with_breaks(1);
    let mut now = 0;
    press(&mut app, &[Ok, Ok]);
    // Instead of the next episode, the break is prepared.
    let cmds = play_until_prepared(&mut app, &mut now);
    assert!(preloads(&cmds).is_empty(), "{cmds:?}");
    let (request, content) = asked(&cmds).expect("the ad server asked");
    assert_eq!(content, "ceo-secret/2");
    // Two ads fit the 30 s break, the third does not; an ad that cannot
    // play has its error URL fired at once.
    let cmds = app.handle(Event::AdBreak {
        request,
        resolved: Resolved {
            ads: vec![ad("a1", 10), ad("a2", 15), ad("a3", 10)],
            failures: vec![AdFailure {
                code: ErrorCode::NoSupportedMedia,
                errors: vec!["https://t.example/e".into()],
                reason: "VPAID".into(),
            }],
        },
    });
    assert_eq!(fired(&cmds), [("error", Some(403))]);
    assert_eq!(preloads(&cmds), ["https://cdn.example/a1.mp4"]);
    // The view words the countdown "Ad in N s" (ad_break is Ready).
    app.handle(pos(&app, 9_000));
    assert_eq!(app.countdown(), Some(3));
    assert!(matches!(
        app.player().unwrap().ad_break,
        Some(AdBreak::Ready { .. })
    ));

    // The episode's subtitles (ceo-secret is in Chinese) show until the ad.
    app.handle(pb(
        &app,
        Playback::Subtitles(crate::app::subtitles::LoadedSubtitles {
            source: crate::app::subtitles::SubtitleSource::Sidecar,
            language: Some("en".into()),
            forced: false,
            track: Result::Ok(Arc::new(crate::webvtt::Track::default())),
        }),
    ));
    assert!(app.player().unwrap().shown_subtitles(app.ctx()).is_some());

    // Restarted at another point (a QA seek), the episode keeps its break:
    // the ad preloaded again, the ad server not asked again.
    app.handle(Event::Seek(8_000));
    let cmds = play_until_prepared(&mut app, &mut now);
    assert!(asked(&cmds).is_none());
    assert_eq!(preloads(&cmds), ["https://cdn.example/a1.mp4"]);

    let cmds = app.handle(pb(&app, Playback::Ended));
    assert_eq!(ads_played(&cmds), ["https://cdn.example/a1.mp4"]);
    assert!(played(&cmds).is_empty());
    let first = app.player().unwrap().ad().expect("an ad on screen");
    assert_eq!((first.index, first.count), (1, 2));
    // An episode's cues are not drawn over an ad.
    assert!(app.player().unwrap().shown_subtitles(app.ctx()).is_none());
    let cmds = app.handle(pb(&app, Playback::Started));
    let f = fired(&cmds);
    assert_eq!(f[..2], [("impression", None), ("impression", None)]);
    assert!(f.contains(&("creativeView", None)) && f.contains(&("start", None)));
    // The next ad is made ready while this one plays; the ledger is kept.
    assert_eq!(preloads(&cmds), ["https://cdn.example/a2.mp4"]);
    assert!(cmds.iter().any(|c| matches!(c, Command::SaveAdLedger(_))));

    let label = app.player().unwrap().ad().unwrap().label(app.ctx());
    assert_eq!(label.label, "Ad · 0:10");
    assert_eq!(label.position, "1 of 2");
    assert_eq!(label.skip, "Skip in 5");
    // No seeking, no next episode, and OK does not skip yet.
    assert!(press(&mut app, &[Next, Right, Ok]).is_empty());
    app.handle(pos(&app, 5_000));
    let label = app.player().unwrap().ad().unwrap().label(app.ctx());
    assert!(label.can_skip);
    assert_eq!(label.skip, "Skip ad");
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(fired(&cmds), [("skip", None)]);
    assert_eq!(ads_played(&cmds), ["https://cdn.example/a2.mp4"]);

    // The last ad preloads the episode after the break, which then plays.
    let cmds = app.handle(pb(&app, Playback::Started));
    assert!(
        matches!(&preloads(&cmds)[..], [url] if url.ends_with("ceo-secret/2/index.m3u8")),
        "{cmds:?}"
    );
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert!(fired(&cmds).contains(&("complete", None)), "{cmds:?}");
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 2)]);
    let p = app.player().unwrap();
    assert_eq!(p.episode, 2);
    assert!(p.ad().is_none());
}

#[test]
fn a_break_not_ready_at_the_end_is_skipped_and_its_late_answer_dropped() {
    let (mut app, request) = break_asked();
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert!(ads_played(&cmds).is_empty());
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 2)]);
    let cmds = answer(&mut app, request, vec![ad("late", 10)]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(app.player().unwrap().ad().is_none());
}

#[test]
fn no_fill_preloads_the_next_episode_and_counts_start_again() {
    let mut app = app_with_breaks(2);
    let mut now = 0;
    press(&mut app, &[Ok, Ok]);
    // Episode 1: one free episode is not yet two.
    let cmds = play_until_prepared(&mut app, &mut now);
    assert!(asked(&cmds).is_none());
    assert_eq!(preloads(&cmds).len(), 1);
    app.handle(pb(&app, Playback::Ended));
    // Episode 2: the break is due.
    let (request, _) = asked(&play_until_prepared(&mut app, &mut now)).unwrap();
    let cmds = app.handle(Event::AdBreak {
        request,
        resolved: Resolved::default(),
    });
    assert!(
        matches!(&preloads(&cmds)[..], [url] if url.ends_with("ceo-secret/3/index.m3u8")),
        "{cmds:?}"
    );
    app.handle(pb(&app, Playback::Ended));
    // Episode 3: the count started again when the break was tried.
    assert!(asked(&play_until_prepared(&mut app, &mut now)).is_none());
}

#[test]
fn a_failed_ad_is_tracked_and_back_during_an_ad_closes_it_and_leaves() {
    let (mut app, request) = break_asked();
    answer(&mut app, request, vec![ad("gone", 10), ad("a2", 10)]);
    app.handle(pb(&app, Playback::Ended));
    // The first ad's file is missing: its error (401) fires, the next ad plays.
    let cmds = app.handle(pb(&app, failed("HTTP 404")));
    assert_eq!(
        fired(&cmds),
        [("error", Some(401)), ("error", Some(401))],
        "{cmds:?}"
    );
    assert_eq!(ads_played(&cmds), ["https://cdn.example/a2.mp4"]);
    app.handle(pb(&app, Playback::Started));
    // Pause and resume are tracked; Back closes the ad and the player.
    assert_eq!(fired(&press(&mut app, &[PlayPause])), [("pause", None)]);
    assert_eq!(fired(&press(&mut app, &[PlayPause])), [("resume", None)]);
    let cmds = press(&mut app, &[Back]);
    assert_eq!(fired(&cmds), [("closeLinear", None)]);
    assert!(cmds.contains(&Command::Stop));
    assert!(app.player().is_none());
}

#[test]
fn an_ad_left_by_exit_is_closed_and_its_start_is_spoken() {
    let (mut app, request) = break_asked();
    let mut settings = app.settings().clone();
    settings.spoken.on = true;
    app.handle(Event::Settings(Box::new(settings)));
    answer(&mut app, request, vec![ad("a1", 10)]);
    app.handle(pb(&app, Playback::Ended));
    let cmds = app.handle(pb(&app, Playback::Started));
    let said: Vec<&str> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::Speak { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(said, ["Ad 1 of 1, 10 seconds left"]);
    let cmds = press(&mut app, &[Exit]);
    assert_eq!(fired(&cmds), [("closeLinear", None)]);
    assert!(app.player().is_none());
}

#[test]
fn no_break_before_a_locked_episode_or_for_a_vip() {
    let mut app = app_with_breaks(1);
    let mut now = 0;
    // Episode 8 is the last free one: 9 is locked.
    press(&mut app, &[Ok, Digit8, Ok]);
    assert_eq!(app.player().unwrap().episode, 8);
    assert!(asked(&play_until_prepared(&mut app, &mut now)).is_none());

    let mut app = app_with_breaks(1);
    let Event::Unlock(UnlockReport::Entitlements { doc, paired, floor }) = entitlements(0, &[])
    else {
        unreachable!()
    };
    let mut doc = (*doc.unwrap()).clone();
    doc.vip_until = Some("2099-01-01T00:00:00Z".into());
    app.handle(Event::Unlock(UnlockReport::Entitlements {
        doc: Some(Arc::new(doc)),
        paired,
        floor,
    }));
    press(&mut app, &[Ok, Ok]);
    let cmds = play_until_prepared(&mut app, &mut now);
    assert!(asked(&cmds).is_none());
    assert_eq!(preloads(&cmds).len(), 1);
}
