//! Playback core against generated media on a real loopback HTTP server.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use pillarbox::playback::{PlayerEvent, Start, StreamSource};

fn server() -> TestServer {
    TestServer::start(&media().root)
}

#[test]
fn hls_ts_plays_to_end_with_every_frame_at_native_size() {
    let s = server();
    let (mut p, ev) = player(test_config(true, None));
    let (r, events) = play_to_end(&mut p, &ev, &s.url(HLS_TS));
    let q = r.expect("episode ends");
    assert_eq!(q.frames, FRAMES);
    assert_eq!((q.width, q.height), (Some(1080), Some(1920)));
    assert!(q.first_frame_ms.is_some());
    let first = events
        .iter()
        .position(|e| matches!(e, PlayerEvent::FirstFrame { .. }))
        .expect("a first-frame event");
    assert!(matches!(
        events[first],
        PlayerEvent::FirstFrame {
            width: 1080,
            height: 1920,
            ..
        }
    ));
}

#[test]
fn hls_fmp4_plays_to_end_scaled_to_the_pillarbox() {
    let s = server();
    let (mut p, ev) = player(test_config(true, Some((608, 1080))));
    let q = play_to_end(&mut p, &ev, &s.url(HLS_FMP4))
        .0
        .expect("episode ends");
    assert_eq!(q.frames, FRAMES);
    assert_eq!((q.width, q.height), (Some(608), Some(1080)));
}

/// A picture wider than tall goes to the wide size when the player has one
/// (the TV app: a 16:9 ad fills the screen), fitted with no borders of its
/// own; a vertical one still goes to the column.
#[test]
fn a_wide_picture_is_scaled_to_the_wide_size_a_vertical_one_to_the_column() {
    use pillarbox::demo::media::{Container, EpisodeSpec, generate};
    let dir = tempfile::tempdir().unwrap();
    let mut spec = EpisodeSpec::vertical(Container::Mp4 { faststart: true }, 1);
    (spec.width, spec.height) = (320, 180);
    generate(&spec, dir.path()).unwrap();
    let wide = TestServer::start(dir.path());
    let s = server();
    let mut config = test_config(true, Some((608, 1080)));
    config.inner.wide_size = Some((1920, 1080));
    let (mut p, ev) = player(config);
    let q = play_to_end(&mut p, &ev, &wide.url("episode.mp4"))
        .0
        .expect("the wide file plays");
    assert_eq!((q.width, q.height), (Some(1920), Some(1080)));
    let q = play_to_end(&mut p, &ev, &s.url(MP4_FASTSTART))
        .0
        .expect("the vertical file plays");
    assert_eq!((q.width, q.height), (Some(608), Some(1080)));
}

#[test]
fn progressive_mp4_plays_with_moov_first_and_moov_last() {
    let s = server();
    let (mut p, ev) = player(test_config(true, Some((608, 1080))));
    for path in [MP4_FASTSTART, MP4_MOOV_AT_END] {
        let q = play_to_end(&mut p, &ev, &s.url(path))
            .0
            .unwrap_or_else(|(e, _)| panic!("{path}: {e}"));
        assert_eq!(q.frames, FRAMES, "{path}");
        assert_eq!((q.width, q.height), (Some(608), Some(1080)), "{path}");
        // Byte ranges, not one whole download.
        assert!(q.requests >= 2, "{path}: {} requests", q.requests);
    }
}

#[test]
fn master_playlist_picks_a_variant_within_the_cap() {
    let s = server();
    let mut config = test_config(true, None);
    config.max_bitrate = Some(1_000_000);
    let (mut p, ev) = player(config);
    let q = play_to_end(&mut p, &ev, &s.url("master.m3u8"))
        .0
        .expect("ends");
    assert_eq!(q.variant_bandwidth, Some(900_000));
    assert_eq!(q.frames, FRAMES);
    assert!(s.hits("ts/seg00000.ts") >= 1);
    assert_eq!(s.hits("fmp4/init.mp4"), 0);
}

/// Settings' "Data use" on a running player: the next episode plays the
/// ladder's lowest rung under "least data" (a cap of 1 bit/s), and the
/// network stack counts every byte it received (Settings' "Data used this
/// month").
#[test]
fn a_data_cap_applies_to_the_next_episode_and_the_bytes_are_counted() {
    let s = server();
    let (mut p, ev, net) = player_and_net(test_config(true, None));
    let before = net.fetcher().bytes_received();
    p.player.set_max_bitrate(Some(1));
    let q = play_to_end(&mut p, &ev, &s.url("master.m3u8"))
        .0
        .expect("ends");
    assert_eq!(q.variant_bandwidth, Some(900_000));
    assert_eq!(s.hits("fmp4/init.mp4"), 0);
    let counted = net.fetcher().bytes_received() - before;
    // Every body byte the episode fetched (playlists and segments), no
    // more: nothing else used the stack.
    assert!(q.bytes > 0);
    assert_eq!(counted, q.bytes, "{q:?}");
    // Lifted: the same episode may take the upper rung again.
    p.player.set_max_bitrate(None);
    assert_eq!(p.player.config().max_bitrate, None);
}

/// Episode `id`'s events to its end (an error fails the test): its QoE,
/// the connection states it reported in order, when its first frame came.
fn end_through_outage(
    ev: &std::sync::mpsc::Receiver<PlayerEvent>,
    id: pillarbox::playback::EpisodeId,
) -> (pillarbox::playback::Qoe, Vec<bool>, Option<Instant>) {
    let (mut seen, mut first_frame) = (Vec::new(), None);
    loop {
        match ev.recv_timeout(Duration::from_secs(60)).expect("an event") {
            PlayerEvent::Ended { qoe, episode } if episode == id => {
                return (qoe, seen, first_frame);
            }
            PlayerEvent::Error { error, .. } => panic!("{error}; saw {seen:?}"),
            PlayerEvent::Connection { lost, episode } if episode == id => seen.push(lost),
            PlayerEvent::FirstFrame { episode, .. } if episode == id => {
                first_frame.get_or_insert_with(Instant::now);
            }
            _ => {}
        }
    }
}

/// The link drops mid-episode (new connections refused, open ones broken)
/// for longer than the fetcher's own retries last: the player says so,
/// keeps trying, and carries on by itself once the link is back; every
/// frame is shown and nothing fails.
#[test]
fn a_lost_connection_is_told_and_waited_out_then_the_episode_goes_on() {
    let s = server();
    // The first segment is on its way when the link drops.
    s.fault(
        "ts/seg00000.ts",
        Fault::Delay(Duration::from_millis(800)),
        Some(1),
    );
    let mut config = test_config(true, None);
    config.net.retry.deadline = Duration::from_secs(2);
    let (mut p, ev) = player(config);
    let id = p.play(&s.url(HLS_TS)).expect("play accepted");
    let t0 = Instant::now();
    while s.hits("ts/seg00000.ts") == 0 {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no segment asked for"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let outage = Duration::from_secs(6);
    s.go_offline_for(outage);
    let (q, seen, _) = end_through_outage(&ev, id);
    assert_eq!(seen, [true, false], "lost, then back");
    assert_eq!(q.frames, FRAMES, "{q:?}");
    assert!(t0.elapsed() >= outage, "it waited for the link");
}

/// Offline before the episode starts: its first request waits the outage
/// out as well (said, not an error), and the episode then plays whole.
#[test]
fn an_episode_started_offline_waits_for_the_connection() {
    let s = server();
    let mut config = test_config(true, None);
    config.net.retry.deadline = Duration::from_secs(2);
    let (mut p, ev) = player(config);
    let outage = Duration::from_secs(5);
    s.go_offline_for(outage);
    let t0 = Instant::now();
    let id = p.play(&s.url(HLS_TS)).expect("play accepted");
    let (q, seen, first_frame) = end_through_outage(&ev, id);
    assert!(first_frame.expect("a first frame") - t0 >= outage);
    assert_eq!(seen, [true, false], "lost, then back");
    assert_eq!(q.frames, FRAMES, "{q:?}");
}

#[test]
fn real_time_playback_accounts_for_every_frame() {
    let s = server();
    let (mut p, ev) = player(test_config(false, Some((608, 1080))));
    let id = p.play(&s.url(HLS_TS)).expect("play accepted");
    // The position, read as the TV's shell reads it on its tick: it moves.
    let mut positions = Vec::new();
    let q = loop {
        match ev.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(PlayerEvent::Ended { qoe, episode }) if episode == id => break qoe,
            Ok(PlayerEvent::Error { error, .. }) => panic!("{error}"),
            _ => {}
        }
        if let Some(pos) = p.position() {
            assert_eq!(pos.episode, id);
            positions.push(pos.position);
        }
    };
    assert_eq!(q.frames + q.dropped_frames, FRAMES, "{q:?}");
    assert!(q.frames > FRAMES / 2, "{q:?}");
    assert!(
        q.position_ms >= 1800,
        "played to the end in real time: {q:?}"
    );
    assert!(
        positions.windows(2).any(|w| w[1] > w[0]),
        "the position moves while playing: {positions:?}"
    );
}

#[test]
fn refused_scheme_inside_a_playlist_ends_the_episode_with_an_error() {
    let s = server();
    let (mut p, ev) = player(test_config(true, None));
    let (e, _) = play_to_end(&mut p, &ev, &s.url("ts/evil.m3u8"))
        .0
        .expect_err("refused");
    assert_eq!(e.kind(), "refused", "{e}");
    assert!(e.to_string().contains("file"), "{e}");
    // No segment was fetched: the whole playlist is checked first.
    assert_eq!(s.hits("seg00000.ts"), 0);
    // The player is still usable.
    let q = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect("next plays");
    assert_eq!(q.frames, FRAMES);
}

#[test]
fn refused_episode_url_is_an_error_at_once() {
    let (mut p, _ev) = player(test_config(true, None));
    for url in [
        "file:///etc/passwd",
        "data:video/mp4;base64,AAAA",
        "v4l2:///dev/video0",
        "http://example.com/a.m3u8",
    ] {
        let e = p.play(url).expect_err(url);
        assert_eq!(e.kind(), "refused", "{url}: {e}");
    }
}

#[test]
fn segment_404_is_retried_then_reported_and_the_player_survives() {
    let s = server();
    s.fault("ts/seg00001.ts", Fault::Status(404), None);
    let (mut p, ev) = player(test_config(true, None));
    let (e, q) = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect_err("404 ends the episode");
    assert_eq!(e.kind(), "network", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("HTTP 404") && msg.contains("seg00001.ts"),
        "{msg}"
    );
    assert!(msg.contains("segment 2 of 2"), "{msg}");
    assert_eq!(s.hits("ts/seg00001.ts"), 3, "three attempts");
    assert_eq!(q.retries, 2);
    let q = play_to_end(&mut p, &ev, &s.url(HLS_FMP4))
        .0
        .expect("next plays");
    assert_eq!(q.frames, FRAMES);
}

/// An ad's media (the break would rather move on than wait): a 404 is
/// final at the first answer, for a progressive file as for a segment.
#[test]
fn an_ads_missing_media_is_not_retried() {
    let s = server();
    s.fault(MP4_FASTSTART, Fault::Status(404), None);
    s.fault("ts/seg00001.ts", Fault::Status(404), None);
    let (mut p, ev) = player(test_config(true, None));
    for (url, path) in [(MP4_FASTSTART, MP4_FASTSTART), (HLS_TS, "ts/seg00001.ts")] {
        let id = p
            .play_source(&StreamSource::ad(s.url(url)), Start::Beginning)
            .expect("play accepted");
        let error = loop {
            match ev
                .recv_timeout(std::time::Duration::from_secs(60))
                .expect("an event")
            {
                PlayerEvent::Error {
                    episode,
                    error,
                    qoe,
                } if episode == id => break (error, qoe),
                PlayerEvent::Ended { episode, .. } if episode == id => panic!("{url} played"),
                _ => {}
            }
        };
        assert!(error.0.to_string().contains("HTTP 404"), "{}", error.0);
        assert_eq!(s.hits(path), 1, "{path}: one request");
        assert_eq!(error.1.retries, 0);
    }
}

#[test]
fn transient_500_is_retried_and_playback_completes() {
    let s = server();
    s.fault("ts/seg00000.ts", Fault::Status(500), Some(1));
    s.fault("ts/seg00001.ts", Fault::Status(503), Some(1));
    let (mut p, ev) = player(test_config(true, None));
    let q = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect("recovers");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(q.retries, 2);
}

#[test]
fn persistent_500_ends_with_an_error() {
    let s = server();
    s.fault("fmp4/seg00000.m4s", Fault::Status(500), None);
    let (mut p, ev) = player(test_config(true, None));
    let (e, _) = play_to_end(&mut p, &ev, &s.url(HLS_FMP4))
        .0
        .expect_err("fails");
    assert!(e.to_string().contains("HTTP 500"), "{e}");
}

#[test]
fn truncated_segment_is_retried_then_reported() {
    let s = server();
    s.fault("ts/seg00000.ts", Fault::Truncate(1000), None);
    let (mut p, ev) = player(test_config(true, None));
    let (e, q) = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect_err("fails");
    assert_eq!(e.kind(), "network", "{e}");
    assert_eq!(q.retries, 2, "{e}");
    assert_eq!(q.frames, 0, "nothing half-fetched was decoded");
    // Truncated once only: the retry recovers.
    let s2 = server();
    s2.fault("ts/seg00001.ts", Fault::Truncate(5000), Some(1));
    let q = play_to_end(&mut p, &ev, &s2.url(HLS_TS))
        .0
        .expect("recovers");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(q.retries, 1);
}

#[test]
fn truncated_mp4_range_is_retried() {
    let s = server();
    s.fault("mp4end/episode.mp4", Fault::Truncate(2000), Some(2));
    let (mut p, ev) = player(test_config(true, None));
    let q = play_to_end(&mut p, &ev, &s.url(MP4_MOOV_AT_END))
        .0
        .expect("recovers");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(q.retries, 2);
}

#[test]
fn stalled_server_is_detected_and_reported() {
    let s = server();
    s.fault("ts/seg00001.ts", Fault::Stall(4096), None);
    let (mut p, ev) = player(test_config(true, None));
    let (e, _) = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect_err("stall");
    assert_eq!(e.kind(), "network", "{e}");
    assert!(e.to_string().contains("stalled"), "{e}");
    let q = play_to_end(&mut p, &ev, &s.url(MP4_FASTSTART))
        .0
        .expect("next plays");
    assert_eq!(q.frames, FRAMES);
}

#[test]
fn malformed_playlist_is_a_clear_error() {
    let s = server();
    let (mut p, ev) = player(test_config(true, None));
    let (e, _) = play_to_end(&mut p, &ev, &s.url("ts/malformed.m3u8"))
        .0
        .expect_err("malformed");
    assert_eq!(e.kind(), "malformed", "{e}");
    assert!(e.to_string().contains("ts/malformed.m3u8"), "{e}");
    assert!(e.to_string().contains("line 3"), "{e}");
}

#[test]
fn missing_episode_is_a_clear_error() {
    let s = server();
    let (mut p, ev) = player(test_config(true, None));
    let (e, _) = play_to_end(&mut p, &ev, &s.url("nope/index.m3u8"))
        .0
        .expect_err("404");
    assert!(e.to_string().contains("HTTP 404"), "{e}");
}

#[test]
fn stop_mid_episode_then_play_again() {
    let s = server();
    s.fault(
        "ts/seg00001.ts",
        Fault::Delay(std::time::Duration::from_secs(3)),
        Some(1),
    );
    let (mut p, ev) = player(test_config(true, None));
    let first = p.play(&s.url(HLS_TS)).expect("play");
    // Wait for the first frame, then switch away mid-episode.
    loop {
        match ev
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("event")
        {
            PlayerEvent::FirstFrame { episode, .. } if episode == first => break,
            _ => {}
        }
    }
    p.stop();
    assert_eq!(p.current(), None);
    let (r, _) = play_to_end(&mut p, &ev, &s.url(MP4_FASTSTART));
    assert_eq!(r.expect("plays").frames, FRAMES);
}

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pillarbox"))
}

#[test]
fn cli_plays_hls_ts_fmp4_and_mp4_back_to_back_as_json() {
    let s = server();
    let out = cli()
        .args(["play", "--headless", "--json", "--fast"])
        .args([HLS_TS, HLS_FMP4, MP4_FASTSTART, MP4_MOOV_AT_END].map(|p| s.url(p)))
        .output()
        .expect("run pillarbox");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 4);
    for l in &lines {
        assert_eq!(l["result"], "eos", "{l}");
        assert_eq!(l["frames"], FRAMES, "{l}");
        assert_eq!(l["width"], 1080, "{l}");
        assert_eq!(l["height"], 1920, "{l}");
        assert!(l["error"].is_null(), "{l}");
        for key in [
            "url",
            "first_frame_ms",
            "dropped_frames",
            "rebuffer_count",
            "rebuffer_ms",
        ] {
            assert!(l.get(key).is_some(), "{key} missing in {l}");
        }
    }
}

#[test]
fn cli_exit_codes() {
    let s = server();
    // A refused URL: exit 2, nothing played.
    let out = cli()
        .args([
            "play",
            "--headless",
            "--json",
            &s.url(HLS_TS),
            "file:///etc/passwd",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("file"));
    // Bad arguments: exit 2.
    let out = cli()
        .args(["play", "--size", "wide", "x"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    // One episode fails in playback, the next still plays: exit 1.
    let out = cli()
        .args(["play", "--headless", "--json", "--fast"])
        .args([s.url("ts/evil.m3u8"), s.url(HLS_TS)])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines[0]["result"], "error");
    assert_eq!(lines[0]["error_kind"], "refused");
    assert_eq!(lines[1]["result"], "eos");
}

/// A server that holds the second segment back 1.5 s once, and a player
/// in real time that keeps only one segment ahead, so the delay is felt.
fn slow_second_segment() -> (
    TestServer,
    TestPlayer,
    std::sync::mpsc::Receiver<PlayerEvent>,
) {
    let s = server();
    s.fault(
        "ts/seg00001.ts",
        Fault::Delay(std::time::Duration::from_millis(1500)),
        Some(1),
    );
    let mut config = test_config(false, Some((608, 1080)));
    config.buffer_bytes = 64 << 10;
    let (p, ev) = player(config);
    (s, p, ev)
}

#[test]
fn slow_segment_in_real_time_is_a_counted_rebuffer() {
    let (s, mut p, ev) = slow_second_segment();
    let (r, events) = play_to_end(&mut p, &ev, &s.url(HLS_TS));
    let q = r.expect("ends after the stall");
    assert_eq!(q.rebuffer_count, 1, "{q:?}");
    assert!(q.rebuffer_ms >= 200, "{q:?}");
    assert_eq!(q.frames + q.dropped_frames, FRAMES, "{q:?}");
    let buffering: Vec<u8> = events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::Buffering { percent, .. } => Some(*percent),
            _ => None,
        })
        .collect();
    assert_eq!(buffering, vec![0, 100]);
}

/// Paused by the viewer while it rebuffers: the rebuffer ends when the
/// data is there (the pause is the viewer's), and played again the
/// episode goes on from its next frame, nothing skipped.
#[test]
fn a_pause_during_a_rebuffer_ends_it_when_the_data_is_there() {
    let (s, mut p, ev) = slow_second_segment();
    p.play(&s.url(HLS_TS)).expect("plays");
    let next = || ev.recv_timeout(Duration::from_secs(30)).expect("an event");
    while !matches!(next(), PlayerEvent::Buffering { percent: 0, .. }) {}
    p.set_paused(true);
    let paused = Instant::now();
    loop {
        match next() {
            PlayerEvent::Buffering { percent: 100, .. } => break,
            e => assert!(
                !matches!(e, PlayerEvent::Ended { .. } | PlayerEvent::Error { .. }),
                "{e:?}"
            ),
        }
    }
    // Still paused: the picture waits for the viewer.
    let at = p.position().expect("a position").position;
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(p.position().expect("a position").position, at);
    p.set_paused(false);
    let q = loop {
        match next() {
            PlayerEvent::Ended { qoe, .. } => break qoe,
            PlayerEvent::Error { error, .. } => panic!("{error}"),
            _ => {}
        }
    };
    assert_eq!(q.rebuffer_count, 1, "{q:?}");
    assert!(
        Duration::from_millis(q.rebuffer_ms) < paused.elapsed(),
        "the pause is not counted: {q:?}"
    );
    assert_eq!(q.frames + q.dropped_frames, FRAMES, "{q:?}");
}

#[test]
fn https_with_a_trusted_ca_plays_and_an_unknown_ca_is_refused() {
    let ca = TestCa::new("pillarbox");
    let s = TestServer::start_tls(&media().root, &ca);
    assert!(s.base.starts_with("https://127.0.0.1:"));
    let mut config = test_config(true, None);
    config.net.extra_roots_pem = vec![ca.ca_pem.clone().into_bytes()];
    let (mut p, ev) = player(config);
    for path in [HLS_FMP4, MP4_MOOV_AT_END] {
        let q = play_to_end(&mut p, &ev, &s.url(path))
            .0
            .unwrap_or_else(|(e, _)| panic!("{path}: {e}"));
        assert_eq!(q.frames, FRAMES, "{path}");
    }
    // Without the CA the certificate is refused: not retried, a clear error.
    let (mut p, ev) = player(test_config(true, None));
    let (e, q) = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect_err("untrusted");
    assert_eq!(e.kind(), "network", "{e}");
    assert!(
        e.to_string().contains("TLS: invalid peer certificate"),
        "{e}"
    );
    assert!(e.to_string().contains("after 1 attempt"), "{e}");
    assert_eq!(q.frames, 0);
}

#[test]
fn a_failed_episode_is_logged_in_the_pillarbox_category_with_a_pipeline_graph() {
    let s = server();
    let graphs = tempfile::tempdir().expect("tmp");
    let out = cli()
        .args(["play", "--headless", "--fast"])
        .arg(s.url("no-such-episode.m3u8"))
        .env("GST_DEBUG", "pillarbox:5")
        .env("GST_DEBUG_NO_COLOR", "1")
        .env("GST_DEBUG_DUMP_DOT_DIR", graphs.path())
        .output()
        .expect("run pillarbox");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let category_lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(" pillarbox ") && l.contains("episode 1"))
        .collect();
    assert!(
        category_lines
            .iter()
            .any(|l| l.contains("failed") && l.contains("HTTP 404")),
        "{stderr}"
    );
    let dots: Vec<_> = std::fs::read_dir(graphs.path())
        .expect("graphs dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("pillarbox-episode-1-error.dot"))
        .collect();
    assert_eq!(dots.len(), 1, "{dots:?}");
    let dot = std::fs::read_to_string(graphs.path().join(&dots[0])).expect("graph");
    assert!(
        dot.contains("digraph") && dot.contains("GstAppSrc"),
        "{dot}"
    );
}

#[test]
fn dubbed_audio_renditions_play_in_the_language_asked_for() {
    let s = server();
    // No language asked: the DEFAULT rendition, English.
    let (mut p, ev) = player(test_config(true, None));
    let q = play_to_end(&mut p, &ev, &s.url(HLS_ALT_AUDIO))
        .0
        .expect("episode ends");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(q.audio_language.as_deref(), Some("en"));
    assert!(s.hits("alt/audio-en/seg00001.ts") == 1);
    // Spanish asked as es-MX: the Spanish rendition, and only it, is
    // fetched and played with the video to the end.
    let mut config = test_config(true, None);
    config.audio_language = Some("es-MX".into());
    let (mut p, ev) = player(config);
    let before_en = s.hits("alt/audio-en/");
    let q = play_to_end(&mut p, &ev, &s.url(HLS_ALT_AUDIO))
        .0
        .expect("episode ends");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(q.audio_language.as_deref(), Some("es"));
    assert_eq!(s.hits("alt/audio-en/"), before_en);
    assert_eq!(s.hits("alt/audio-es/seg00000.ts"), 1);
    assert_eq!(s.hits("alt/audio-es/seg00001.ts"), 1);
}

#[test]
fn subtitle_renditions_are_timed_by_their_timestamp_map() {
    use std::time::Duration;
    let s = server();
    // Spanish audio, English subtitles: the viewer needs them.
    let mut config = test_config(true, None);
    config.audio_language = Some("es".into());
    config.subtitle_language = Some("en-GB".into());
    let (mut p, ev) = player(config);
    let (r, events) = play_to_end(&mut p, &ev, &s.url(HLS_ALT_AUDIO));
    assert_eq!(r.expect("episode ends").frames, FRAMES);
    let track = events
        .iter()
        .find_map(|e| match e {
            PlayerEvent::Subtitles {
                language, track, ..
            } => {
                assert_eq!(language.as_deref(), Some("en"));
                Some(track.clone().expect("subtitles load"))
            }
            _ => None,
        })
        .expect("a subtitles event");
    // Media time from the first frame: the map put them where they were
    // written; the cue repeated in both segments is one cue.
    let cues: Vec<(u64, u64, String)> = track
        .cues
        .iter()
        .map(|c| {
            (
                c.start.as_millis() as u64,
                c.end.as_millis() as u64,
                c.plain(),
            )
        })
        .collect();
    assert_eq!(
        cues,
        [
            (200, 800, "One".to_owned()),
            (900, 1400, "Two".to_owned()),
            (1500, 1900, "Three".to_owned())
        ]
    );
    assert!(track.cues[2].lines[0][0].italic);
    assert_eq!(track.at(Duration::from_millis(1000)).count(), 1);

    // With the audio in the subtitles' language, only forced ones would
    // show, and this stream has none: nothing is fetched.
    let mut config = test_config(true, None);
    config.subtitle_language = Some("en".into());
    let (mut p, ev) = player(config);
    let before = s.hits("alt/subs-en/");
    let (r, events) = play_to_end(&mut p, &ev, &s.url(HLS_ALT_AUDIO));
    r.expect("episode ends");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, PlayerEvent::Subtitles { .. }))
    );
    assert_eq!(s.hits("alt/subs-en/"), before);
}

#[test]
fn cli_reports_the_audio_and_subtitle_languages_played() {
    let s = server();
    let out = cli()
        .args([
            "play",
            "--headless",
            "--json",
            "--fast",
            "--audio-language",
            "es",
            "--subtitle-language",
            "en",
        ])
        .arg(s.url(HLS_ALT_AUDIO))
        .output()
        .expect("pillarbox runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(line["audio_language"], "es", "{line}");
    assert_eq!(line["subtitle_language"], "en", "{line}");
    assert_eq!(line["subtitle_cues"], 3, "{line}");
}

/// Plays `url` from `start` to its end: the frames it reached, the position
/// reached, the first position reported, the subtitle cues' starts (ms).
fn play_from(url: &str, start: pillarbox::playback::Start) -> (u64, u64, Option<u64>, Vec<u64>) {
    // Real time: the subtitle rendition loads alongside, as on a TV.
    let mut config = test_config(false, Some((108, 192)));
    // Spanish audio: English subtitles are needed, where there are some.
    config.audio_language = Some("es".into());
    config.subtitle_language = Some("en".into());
    let (mut p, ev) = player(config);
    let id = p.play_at(url, start).expect("play accepted");
    let mut first_position = None;
    let mut cues = Vec::new();
    let mut playing = false;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        assert!(std::time::Instant::now() < deadline, "an end within 60 s");
        if playing
            && first_position.is_none()
            && let Some(pos) = p.position()
        {
            first_position = Some(pos.position.as_millis() as u64);
        }
        let Ok(e) = ev.recv_timeout(std::time::Duration::from_millis(20)) else {
            continue;
        };
        if e.episode() != id {
            continue;
        }
        match e {
            PlayerEvent::FirstFrame { .. } => playing = true,
            PlayerEvent::Subtitles { track: Ok(t), .. } => {
                cues = t.cues.iter().map(|c| c.start.as_millis() as u64).collect();
            }
            PlayerEvent::Ended { qoe, .. } => {
                // Shown or dropped as late (QoS, in real time): every frame
                // from the resume point on, none before it.
                return (
                    qoe.frames + qoe.dropped_frames,
                    qoe.position_ms,
                    first_position,
                    cues,
                );
            }
            PlayerEvent::Error { error, .. } => panic!("{url}: {error}"),
            _ => {}
        }
    }
}

#[test]
fn a_resumed_episode_starts_at_its_resume_point() {
    let s = server();
    let start = Start::At(std::time::Duration::from_millis(1400));
    // 2 s, 25 fps, 1 s segments: from 1.4 s, 15 frames. HLS starts from the
    // second segment; progressive files decode from their start.
    for path in [HLS_TS, HLS_FMP4, HLS_ALT_AUDIO, MP4_FASTSTART] {
        let (frames, end_ms, first_ms, cues) = play_from(&s.url(path), start);
        if path == HLS_ALT_AUDIO {
            // The subtitle rendition's cues keep their times in the episode
            // (its segments count from the first segment fetched).
            let other = server();
            let (.., from_start) = play_from(&other.url(path), Start::Beginning);
            assert_eq!(cues, from_start);
            assert_eq!(cues.len(), 3, "{cues:?}");
        }
        assert!((14..=16).contains(&frames), "{path}: {frames} frames");
        // Positions count from the episode's start.
        let first_ms = first_ms.unwrap_or(end_ms);
        assert!(
            (1400..2100).contains(&first_ms),
            "{path}: first position {first_ms} ms"
        );
        assert!(
            (1900..2100).contains(&end_ms),
            "{path}: ended at {end_ms} ms"
        );
    }
    let seg = |dir: &str, n: u32| {
        s.hits(&format!("{dir}/seg{n:05}.ts")) + s.hits(&format!("{dir}/seg{n:05}.m4s"))
    };
    for dir in ["ts", "fmp4", "alt/video", "alt/audio-es"] {
        assert_eq!(
            (seg(dir, 0), seg(dir, 1)),
            (0, 1),
            "{dir}: segments fetched"
        );
    }
}
