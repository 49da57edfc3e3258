//! Adaptive bitrate, fault tolerance and CMCD against the fault-injecting server.

use std::time::Duration;

use crate::common::*;
use pillarbox::net::cmcd::CmcdMode;

fn server() -> TestServer {
    let _ = ladder();
    TestServer::start(&media().root)
}

#[test]
fn starts_from_the_estimate_and_climbs_on_a_fast_network() {
    let l = ladder();
    let s = server();
    let mut config = test_config(false, Some((608, 1080)));
    config.initial_bitrate = 1; // nothing fits: the lowest rendition first
    config.min_buffer_up = Duration::from_millis(500);
    let (mut p, ev) = player(config);
    let q = play_to_end(&mut p, &ev, &s.url("ladder/master.m3u8"))
        .0
        .expect("plays");
    assert_eq!(s.hits("ladder/low/seg00000.ts"), 1, "started low");
    assert!(q.variant_switches >= 1, "{q:?}");
    assert_eq!(q.variant_bandwidth, Some(l.bandwidths[2]), "{q:?}");
    assert_eq!(s.hits("ladder/top/seg00003.ts"), 1, "ended on top");
    assert_eq!(q.frames + q.dropped_frames, LADDER_FRAMES, "no gap: {q:?}");
    assert_eq!(q.rebuffer_count, 0, "{q:?}");
    let kbps = q.bitrate_kbps.expect("bitrate");
    assert!(
        kbps > l.bandwidths[0] / 1000 && kbps < l.bandwidths[2] / 1000,
        "{q:?}"
    );
}

#[test]
fn a_throttled_network_moves_down_before_it_rebuffers() {
    let l = ladder();
    let s = server();
    // A link of ~0.9 Mbit/s: the top rendition cannot keep up, the low one can.
    let rate = (l.bandwidths[0] / 8) * 3;
    for rung in ["low", "mid", "top"] {
        s.fault(&format!("ladder/{rung}/"), Fault::Throttle(rate), None);
    }
    let mut config = test_config(false, Some((608, 1080)));
    config.initial_bitrate = 50_000_000; // a fast network last time: start on top
    let (mut p, ev) = player(config);
    let q = play_to_end(&mut p, &ev, &s.url("ladder/master.m3u8"))
        .0
        .expect("plays");
    assert_eq!(s.hits("ladder/top/seg00000.ts"), 1, "started on top");
    assert!(q.variant_switches >= 1, "{q:?}");
    assert!(q.variant_bandwidth < Some(l.bandwidths[2]), "{q:?}");
    assert_eq!(
        s.hits("ladder/top/seg00001.ts"),
        0,
        "left top after one slow segment"
    );
    assert_eq!(q.rebuffer_count, 0, "{q:?}");
    assert_eq!(q.frames + q.dropped_frames, LADDER_FRAMES, "{q:?}");
}

#[test]
fn a_segment_is_given_up_for_the_lowest_rung_when_the_link_falls_under_it() {
    let _ = ladder();
    let s = server();
    // The top rung's third segment crawls (some 25 s) while about 2 s
    // of media are buffered.
    s.fault("ladder/top/seg00002.ts", Fault::Throttle(10_000), None);
    let mut config = test_config(false, Some((608, 1080)));
    config.initial_bitrate = 50_000_000;
    let (mut p, ev) = player(config);
    let q = play_to_end(&mut p, &ev, &s.url("ladder/master.m3u8"))
        .0
        .expect("plays");
    assert_eq!(s.hits("ladder/top/seg00001.ts"), 1, "on top until then");
    assert_eq!(s.hits("ladder/top/seg00002.ts"), 1, "asked from the top");
    assert_eq!(s.hits("ladder/low/seg00002.ts"), 1, "then from the lowest");
    assert_eq!(q.frames + q.dropped_frames, LADDER_FRAMES, "{q:?}");
    assert_eq!(q.rebuffer_count, 0, "{q:?}");
}

#[test]
fn the_estimate_carries_over_to_the_next_episode() {
    let l = ladder();
    let s = server();
    let mut config = test_config(true, Some((608, 1080)));
    config.initial_bitrate = 1;
    config.min_buffer_up = Duration::ZERO;
    let (mut p, ev) = player(config);
    play_to_end(&mut p, &ev, &s.url("ladder/master.m3u8"))
        .0
        .expect("first");
    let q = play_to_end(&mut p, &ev, &s.url("ladder/master.m3u8"))
        .0
        .expect("second");
    assert_eq!(q.variant_switches, 0, "{q:?}");
    assert_eq!(q.variant_bandwidth, Some(l.bandwidths[2]), "{q:?}");
    assert_eq!(
        s.hits("ladder/low/seg00000.ts"),
        1,
        "only the first episode started low"
    );
}

#[test]
fn a_stall_mid_segment_is_detected_and_retried() {
    let s = server();
    s.fault("ts/seg00001.ts", Fault::Stall(4096), Some(1));
    let (mut p, ev) = player(test_config(true, None));
    let q = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect("recovers");
    assert_eq!(q.frames, FRAMES);
    assert_eq!(q.retries, 1);
    assert_eq!(s.hits("ts/seg00001.ts"), 2);
}

#[test]
fn retries_stop_at_the_total_deadline() {
    let s = server();
    s.fault("ts/seg00000.ts", Fault::Status(503), None);
    let mut config = test_config(true, None);
    config.net.retry.attempts = 50;
    config.net.retry.base_delay = Duration::from_millis(100);
    config.net.retry.max_delay = Duration::from_millis(100);
    config.net.retry.deadline = Duration::from_millis(600);
    let (mut p, ev) = player(config);
    let (e, q) = play_to_end(&mut p, &ev, &s.url(HLS_TS))
        .0
        .expect_err("gives up");
    assert!(e.to_string().contains("HTTP 503"), "{e}");
    let hits = s.hits("ts/seg00000.ts");
    assert!((2..=12).contains(&hits), "{hits} attempts within 600 ms");
    assert_eq!(q.retries as u32 + 1, hits);
}

#[test]
fn cmcd_is_off_by_default_and_sent_as_query_or_headers_when_on() {
    let l = ladder();
    let s = server();
    let (mut p, ev) = player(test_config(true, None));
    play_to_end(&mut p, &ev, &s.url(HLS_TS)).0.expect("plays");
    for r in s.seen("ts/seg00000.ts") {
        assert!(r.query.is_none(), "{r:?}");
        assert!(!r.headers.keys().any(|k| k.starts_with("cmcd")), "{r:?}");
    }

    let s = server();
    let mut config = test_config(true, None);
    config.net.cmcd = CmcdMode::Query;
    let (mut p, ev) = player(config);
    play_to_end(&mut p, &ev, &s.url("ladder/master.m3u8"))
        .0
        .expect("plays");
    let first = &s.seen("seg00000.ts")[0];
    let q = first.query.as_deref().expect("CMCD query");
    let decoded: String = url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "CMCD")
        .map(|(_, v)| v.into_owned())
        .expect("CMCD key");
    for key in [
        "br=", "bl=", "d=1000", "ot=av", "sf=h", "sid=\"", "st=v", "su",
    ] {
        assert!(decoded.contains(key), "{key} missing in {decoded}");
    }
    assert!(
        l.bandwidths
            .iter()
            .any(|b| decoded.contains(&format!("br={}", b / 1000))),
        "{decoded}"
    );

    let s = server();
    let mut config = test_config(true, None);
    config.net.cmcd = CmcdMode::Headers;
    let (mut p, ev) = player(config);
    play_to_end(&mut p, &ev, &s.url(HLS_FMP4)).0.expect("plays");
    let init = &s.seen("fmp4/init.mp4")[0];
    assert!(init.headers["cmcd-object"].contains("ot=i"), "{init:?}");
    let seg = &s.seen("fmp4/seg00001.m4s")[0];
    assert!(seg.headers["cmcd-object"].contains("ot=av"), "{seg:?}");
    assert!(seg.headers["cmcd-session"].contains("sid=\""), "{seg:?}");
    assert!(seg.headers["cmcd-request"].contains("mtp="), "{seg:?}");
    assert!(seg.query.is_none());
}
