//! Preloading the next episode: instant switch, byte budget, starving
//! current episode, failures, and teardown without leaks.

use std::time::{Duration, Instant};

use crate::common::*;
use pillarbox::episode::EpisodeId;
use pillarbox::playback::PlayerEvent;

fn server() -> TestServer {
    TestServer::start(&media().root)
}

/// Waits for an event of `id` matching `pred`, returning it.
fn wait_for(
    ev: &std::sync::mpsc::Receiver<PlayerEvent>,
    what: &str,
    pred: impl Fn(&PlayerEvent) -> bool,
) -> PlayerEvent {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let e = ev
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {what} within 60 s"));
        if pred(&e) {
            return e;
        }
    }
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The playing episode (`HLS_TS`) gets its second segment `by` late, once.
fn delay_second_segment(s: &TestServer, by: Duration) {
    s.fault("ts/seg00001.ts", Fault::Delay(by), Some(1));
}

/// Plays `HLS_TS` to its first frame, then preloads `HLS_FMP4`.
fn play_then_preload(
    p: &mut TestPlayer,
    ev: &std::sync::mpsc::Receiver<PlayerEvent>,
    s: &TestServer,
) -> EpisodeId {
    let a = p.play(&s.url(HLS_TS)).expect("play");
    wait_for(
        ev,
        "first frame",
        |e| matches!(e, PlayerEvent::FirstFrame { episode, .. } if *episode == a),
    );
    p.preload(&s.url(HLS_FMP4)).expect("preload");
    a
}

#[test]
fn preloaded_episode_shows_its_first_frame_without_fetching_again() {
    let s = server();
    let (mut p, ev) = player(test_config(false, Some((608, 1080))));
    let a = play_then_preload(&mut p, &ev, &s);
    assert_eq!(p.preloaded(), Some(s.url(HLS_FMP4).as_str()));
    // The preload fetched its start while A plays.
    wait_until("preload fetch", || s.hits("fmp4/seg00000.m4s") == 1);
    let ended = wait_for(&ev, "end of A", |e| matches!(e, PlayerEvent::Ended { .. }));
    assert_eq!(ended.episode(), a);
    let init_hits = s.hits("fmp4/init.mp4");
    let b = p.play(&s.url(HLS_FMP4)).expect("play preloaded");
    assert_ne!(a, b);
    assert_eq!(p.preloaded(), None);
    let (qoe, first) = {
        let first = wait_for(
            &ev,
            "first frame of B",
            |e| matches!(e, PlayerEvent::FirstFrame { episode, .. } if *episode == b),
        );
        // Shown from the preroll: nothing was fetched again for it.
        assert_eq!(s.hits("fmp4/init.mp4"), init_hits);
        assert_eq!(s.hits("fmp4/seg00000.m4s"), 1);
        let end = wait_for(
            &ev,
            "end of B",
            |e| matches!(e, PlayerEvent::Ended { episode, .. } | PlayerEvent::Error { episode, .. } if *episode == b),
        );
        let PlayerEvent::Ended { qoe, .. } = end else {
            panic!("B failed: {end:?}")
        };
        (qoe, first)
    };
    assert!(matches!(
        first,
        PlayerEvent::FirstFrame {
            width: 608,
            height: 1080,
            ..
        }
    ));
    assert_eq!(qoe.frames + qoe.dropped_frames, FRAMES, "{qoe:?}");
    assert!(qoe.switch_gap_ms.is_some(), "{qoe:?}");
}

#[test]
fn preload_stays_within_its_byte_budget_until_played() {
    let s = server();
    let mut config = test_config(true, None);
    config.preload_bytes = 1;
    let (mut p, ev) = player(config);
    p.preload(&s.url(HLS_TS)).expect("preload");
    // The first segment always comes (it is needed to preroll), no more.
    wait_until("first segment", || s.hits("ts/seg00000.ts") == 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(s.hits("ts/seg00001.ts"), 0, "budget exceeded");
    // No event for a preload.
    assert!(ev.try_recv().is_err());
    let q = play_to_end(&mut p, &ev, &s.url(HLS_TS)).0.expect("plays");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(s.hits("ts/seg00000.ts"), 1, "preloaded bytes were used");
}

#[test]
fn preload_waits_while_the_playing_episode_starves() {
    let s = server();
    delay_second_segment(&s, Duration::from_secs(3));
    let mut config = test_config(false, Some((608, 1080)));
    config.buffer_bytes = 64 << 10;
    let (mut p, ev) = player(config);
    let a = p.play(&s.url(HLS_TS)).expect("play");
    wait_for(
        &ev,
        "rebuffer",
        |e| matches!(e, PlayerEvent::Buffering { episode, percent: 0 } if *episode == a),
    );
    p.preload(&s.url(HLS_FMP4)).expect("preload");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        s.hits("fmp4/seg00000.m4s"),
        0,
        "preload competed with a starving episode"
    );
    wait_for(
        &ev,
        "resume",
        |e| matches!(e, PlayerEvent::Buffering { episode, percent: 100 } if *episode == a),
    );
    wait_until("preload resumes", || s.hits("fmp4/seg00001.m4s") == 1);
}

#[test]
fn preload_keeps_off_the_link_while_the_playing_episode_is_short() {
    let s = server();
    // The playing episode's second segment comes late: for its first
    // second it plays with less than 8 s downloaded ahead, not starving.
    delay_second_segment(&s, Duration::from_millis(1500));
    let (mut p, ev) = player(test_config(false, Some((608, 1080))));
    let a = play_then_preload(&mut p, &ev, &s);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        s.hits("fmp4/seg00000.m4s"),
        0,
        "preload shared the link with an episode short of media"
    );
    // Once the playing episode has everything, the preload goes on.
    wait_until("preload", || s.hits("fmp4/seg00000.m4s") == 1);
    assert_eq!(s.hits("ts/seg00001.ts"), 1);
    let PlayerEvent::Ended { qoe: q, .. } = wait_for(
        &ev,
        "end",
        |e| matches!(e, PlayerEvent::Ended { episode, .. } if *episode == a),
    ) else {
        unreachable!()
    };
    assert_eq!(q.frames + q.dropped_frames, FRAMES, "{q:?}");
    let b = p.play(&s.url(HLS_FMP4)).expect("play the preload");
    wait_for(
        &ev,
        "preloaded first frame",
        |e| matches!(e, PlayerEvent::FirstFrame { episode, .. } if *episode == b),
    );
    assert_eq!(s.hits("fmp4/seg00000.m4s"), 1, "the preload was used");
}

#[test]
fn failed_preload_is_silent_and_playing_it_starts_afresh() {
    let s = server();
    s.fault("ts/index.m3u8", Fault::Status(503), Some(3));
    let (mut p, ev) = player(test_config(true, None));
    p.preload(&s.url(HLS_TS)).expect("preload");
    wait_until("preload gave up", || s.hits("ts/index.m3u8") == 3);
    std::thread::sleep(Duration::from_millis(200));
    assert!(ev.try_recv().is_err(), "a failed preload sends no event");
    // The server is back: playing the URL fetches it again and plays.
    let q = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect("plays afresh");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(s.hits("ts/index.m3u8"), 4);
}

#[test]
fn skipping_and_leaving_drop_preloads_without_leaks() {
    let s = server();
    let (mut p, ev) = player(test_config(true, None));
    let a = p.play(&s.url(HLS_TS)).expect("play");
    p.preload(&s.url(HLS_FMP4)).expect("preload");
    assert_eq!(p.live_episodes(), 2);
    // Skipping to another episode drops the preload.
    let q = play_to_end(&mut p, &ev, &s.url(MP4_FASTSTART))
        .0
        .expect("plays");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(p.preloaded(), None);
    // Replacing a preload drops the old one.
    p.preload(&s.url(HLS_FMP4)).expect("preload");
    p.preload(&s.url(HLS_TS)).expect("preload");
    assert_eq!(p.preloaded(), Some(s.url(HLS_TS).as_str()));
    // Leaving the series: nothing remains once the reaper is done.
    p.stop();
    assert_eq!(p.current(), None);
    assert_eq!(p.preloaded(), None);
    wait_until("teardown", || p.live_episodes() == 0);
    // Many preloads in a row leave nothing behind either.
    for i in 0..10 {
        let url = if i % 2 == 0 { HLS_TS } else { MP4_MOOV_AT_END };
        p.preload(&s.url(url)).expect("preload");
    }
    p.cancel_preload();
    wait_until("teardown", || p.live_episodes() == 0);
    let _ = a;
}

#[test]
fn a_channel_keeps_two_preloads_side_by_side_and_plays_either_at_once() {
    let s = server();
    let (mut p, ev) = player(test_config(true, None));
    let a = p.play(&s.url(HLS_TS)).expect("play");
    // The neighbouring channel's episode, then the channel's next beside it.
    p.preload(&s.url(MP4_FASTSTART)).expect("preload");
    p.preload_beside(&s.url(HLS_FMP4)).expect("preload beside");
    assert_eq!(p.preloads(), [s.url(MP4_FASTSTART), s.url(HLS_FMP4)]);
    assert_eq!(p.live_episodes(), 3);
    // Two at most: a third beside them drops the oldest.
    p.preload_beside(&s.url(MP4_MOOV_AT_END))
        .expect("preload beside");
    assert_eq!(p.preloads(), [s.url(HLS_FMP4), s.url(MP4_MOOV_AT_END)]);
    wait_until("the oldest torn down", || p.live_episodes() == 3);
    // Asked again, one already there stands (nothing fetched again).
    wait_until("the preload's start", || s.hits("fmp4/seg00000.m4s") == 1);
    p.preload_beside(&s.url(HLS_FMP4)).expect("preload beside");
    assert_eq!(p.preloads(), [s.url(MP4_MOOV_AT_END), s.url(HLS_FMP4)]);
    assert_eq!(p.live_episodes(), 3);
    // Played: from its preroll, its start not fetched again; the other
    // preload is of no use any more.
    let b = p.play(&s.url(HLS_FMP4)).expect("play preloaded");
    wait_for(
        &ev,
        "first frame of the preloaded",
        |e| matches!(e, PlayerEvent::FirstFrame { episode, .. } if *episode == b),
    );
    assert_eq!(s.hits("fmp4/init.mp4"), 1);
    assert_eq!(s.hits("fmp4/seg00000.m4s"), 1);
    assert!(p.preloads().is_empty());
    wait_until("A and the other preload torn down", || {
        p.live_episodes() == 1
    });
    // A preload not beside replaces both.
    p.preload(&s.url(HLS_TS)).expect("preload");
    p.preload_beside(&s.url(MP4_MOOV_AT_END))
        .expect("preload beside");
    p.preload(&s.url(MP4_FASTSTART)).expect("preload");
    assert_eq!(p.preloads(), [s.url(MP4_FASTSTART)]);
    p.stop();
    wait_until("teardown", || p.live_episodes() == 0);
    let _ = a;
}
