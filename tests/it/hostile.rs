//! Hostile input: streams, servers, catalogs, images and files that mean
//! harm get a clear error and nothing more. Every server is real (axum on
//! 127.0.0.1); every episode goes through the real player.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use pillarbox::net::{FetchStats, Net, NetConfig, UrlPolicy};
use serde_json::{Value, json};

/// A DASH manifest whose media lives on `elsewhere`: played by GStreamer's
/// own DASH demuxer, it would be fetched with libsoup, past our policy.
fn mpd(elsewhere: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
  <BaseURL>{elsewhere}</BaseURL>
  <Period>
    <AdaptationSet mimeType="video/mp4" codecs="avc1.64001f">
      <Representation id="v" bandwidth="500000" width="540" height="960">
        <BaseURL>video.mp4</BaseURL>
        <SegmentBase indexRange="0-999"><Initialization range="0-499"/></SegmentBase>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"#
    )
}

/// Plays `path` on `server`; the error it must end with, within seconds
/// (not the stuck timeout).
fn refused(server: &TestServer, path: &str) -> pillarbox::playback::PlaybackError {
    let (mut p, ev) = player(test_config(true, None));
    let started = Instant::now();
    let (result, _) = play_to_end(&mut p, &ev, &server.url(path));
    let (error, _) = result.expect_err(path);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{path}: {:?} to fail",
        started.elapsed()
    );
    error
}

#[test]
fn manifests_and_pages_inside_a_stream_are_refused_and_their_hosts_never_asked() {
    let elsewhere_dir = tempfile::tempdir().unwrap();
    let elsewhere = TestServer::start(elsewhere_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("episode.mp4"), mpd(&elsewhere.url("dash/"))).unwrap();
    std::fs::create_dir_all(root.join("hls")).unwrap();
    std::fs::write(
        root.join("hls/index.m3u8"),
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXTINF:2,\nseg1.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    // An HLS segment that is itself a DASH manifest, another one that is a playlist.
    std::fs::write(root.join("hls/seg0.ts"), mpd(&elsewhere.url("dash/"))).unwrap();
    std::fs::write(root.join("hls/seg1.ts"), mpd(&elsewhere.url("dash/"))).unwrap();
    std::fs::create_dir_all(root.join("hls2")).unwrap();
    std::fs::write(
        root.join("hls2/index.m3u8"),
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    std::fs::write(
        root.join("hls2/seg0.ts"),
        format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n{}\n#EXT-X-ENDLIST\n",
            elsewhere.url("hls/x.ts")
        ),
    )
    .unwrap();
    // What a captive portal or an API error sends with a 200.
    std::fs::write(
        root.join("login.mp4"),
        "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form>Password</form></body></html>\n",
    )
    .unwrap();
    std::fs::write(
        root.join("error.mp4"),
        r#"{"error": {"code": 403, "message": "token expired"}}"#,
    )
    .unwrap();
    let server = TestServer::start(root);

    for (path, found) in [
        ("episode.mp4", "application/dash+xml"),
        ("hls/index.m3u8", "application/dash+xml"),
        ("hls2/index.m3u8", "application/x-hls"),
        ("login.mp4", "text/html"),
    ] {
        let e = refused(&server, path);
        assert_eq!(e.kind(), "unsupported", "{path}: {e}");
        assert!(e.to_string().contains(found), "{path}: {e}");
        assert!(e.to_string().contains(path), "{path}: {e}");
    }
    let e = refused(&server, "error.mp4");
    assert_eq!(e.kind(), "unsupported", "error.mp4: {e}");

    // Nothing ever reached the host the manifests name.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(elsewhere.hits(""), 0);
    // And no adaptive demuxer could have been plugged.
    let out = pillarbox::playback::restrict_registry();
    for name in [
        "dashdemux2",
        "hlsdemux2",
        "mssdemux2",
        "dashdemux",
        "hlsdemux",
    ] {
        if gstreamer::ElementFactory::find(name).is_some() {
            assert!(out.iter().any(|n| n == name), "{name} still ranked");
        }
    }
    for kept in pillarbox::playback::DEMUXERS {
        assert!(!out.iter().any(|n| n == kept), "{kept} ranked out");
    }
}

#[test]
fn a_huge_extinf_is_a_malformed_playlist_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.m3u8"),
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:99999999999999999999999999999999,\nseg0.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    let server = TestServer::start(dir.path());
    let e = refused(&server, "index.m3u8");
    assert_eq!(e.kind(), "malformed", "{e}");
    assert!(e.to_string().contains("invalid duration"), "{e}");
}

#[test]
fn a_short_range_response_is_refused_with_what_was_asked() {
    let s = TestServer::start(&media().root);
    s.fault(MP4_MOOV_AT_END, Fault::ShortRange(1000), None);
    let e = refused(&s, MP4_MOOV_AT_END);
    assert_eq!(e.kind(), "malformed", "{e}");
    let text = e.to_string();
    assert!(
        text.contains("asked bytes 0-") && text.contains("sent 0-999"),
        "{text}"
    );
}

fn strict_net(origin: &str) -> Net {
    Net::new(NetConfig {
        policy: UrlPolicy::following(&url::Url::parse(origin).unwrap(), UrlPolicy::default()),
        ..NetConfig::default()
    })
    .unwrap()
}

#[test]
fn a_remote_catalog_cannot_make_the_box_fetch_from_itself() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.ts"), b"secret").unwrap();
    let server = TestServer::start(dir.path());
    // What the TV app builds for a catalog on the internet.
    let net = strict_net("https://partner.example/catalog.json");
    let stats = FetchStats::default();
    for url in [
        server.url("x.ts"),
        server.url("x.ts").replace("127.0.0.1", "localhost"),
    ] {
        let e = net
            .block_on(net.fetcher().get(
                "segment",
                &url::Url::parse(&url).unwrap(),
                None,
                1 << 20,
                &stats,
            ))
            .unwrap_err();
        assert_eq!(e.kind(), "refused", "{url}: {e}");
    }
    assert_eq!(server.hits(""), 0);
}

#[test]
fn https_to_http_redirects_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.ts"), b"data").unwrap();
    let plain = TestServer::start(dir.path());
    let ca = TestCa::new("redirects");
    let tls = TestServer::start_tls(dir.path(), &ca);
    tls.fault("moved.ts", Fault::Redirect(plain.url("x.ts")), None);
    let net = Net::new(NetConfig {
        // Even with plain http allowed, and loopback: never down from https.
        policy: UrlPolicy {
            allow_http: true,
            ..UrlPolicy::loopback()
        },
        extra_roots_pem: vec![ca.ca_pem.clone().into_bytes()],
        ..NetConfig::default()
    })
    .unwrap();
    let stats = FetchStats::default();
    let url = url::Url::parse(&tls.url("moved.ts")).unwrap();
    let e = net
        .block_on(net.fetcher().get("segment", &url, None, 1 << 20, &stats))
        .unwrap_err();
    assert_eq!(e.kind(), "refused", "{e}");
    assert!(e.to_string().contains("from https down to http"), "{e}");
    assert_eq!(plain.hits(""), 0);
    // The same file over https is fine.
    let ok = url::Url::parse(&tls.url("x.ts")).unwrap();
    assert!(
        net.block_on(net.fetcher().get("segment", &ok, None, 1 << 20, &stats))
            .is_ok()
    );
}

#[test]
fn the_demo_server_encodes_one_thing_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let net = Net::new(NetConfig {
        policy: UrlPolicy::loopback(),
        ..NetConfig::default()
    })
    .unwrap();
    let server = pillarbox::demo::DemoServer::start_catalog(dir.path(), net.handle()).unwrap();
    let catalog: Value = net
        .block_on(net.fetcher().get(
            "catalog",
            &server.catalog_url(),
            None,
            1 << 20,
            &FetchStats::default(),
        ))
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    // Every poster and the first episode of two series, all at once.
    let mut urls: Vec<String> = catalog["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["poster"]["url"].as_str().unwrap().to_owned())
        .collect();
    for s in catalog["series"].as_array().unwrap().iter().take(2) {
        urls.push(
            s["episodes"][0]["streams"][0]["url"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let fetches = urls.iter().map(|u| {
        let net = net.clone();
        let u = url::Url::parse(u).unwrap();
        net.clone().spawn(async move {
            net.fetcher()
                .get("demo", &u, None, 64 << 20, &FetchStats::default())
                .await
        })
    });
    let handles: Vec<_> = fetches.collect();
    for h in handles {
        net.block_on(h).unwrap().expect("generated and served");
    }
    assert_eq!(pillarbox::demo::server::peak_concurrent_encodes(), 1);
}

#[test]
fn the_systemd_unit_is_hardened() {
    let unit = Path::new(env!("CARGO_MANIFEST_DIR")).join("platform/systemd/pillarbox.service");
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(&unit)
        .output()
        .expect("systemd-analyze (make deps installs systemd)");
    let text = String::from_utf8_lossy(&out.stdout);
    let score: f64 = text
        .lines()
        .find_map(|l| l.split("pillarbox.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no overall exposure in: {text}"));
    assert!(score <= 2.0, "exposure {score}:\n{text}");
}

/// The demo catalog as JSON, its URLs on `base`.
fn demo_catalog(base: &url::Url) -> Value {
    pillarbox::demo::catalog::json(base)
}

/// Runs `pillarbox qa` with `steps` against the catalog at `url`.
fn qa_on(url: &str, steps: &[&str]) -> (Value, String) {
    let state = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .arg("qa")
        .args(steps)
        .args(["--catalog", url, "--state-dir"])
        .arg(state.path())
        .env("XDG_CACHE_HOME", state.path())
        .output()
        .expect("pillarbox runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "pillarbox qa {steps:?}: {stderr}");
    (
        serde_json::from_slice(&out.stdout).expect("a JSON report"),
        stderr,
    )
}

fn rss_mib(report: &Value, label: &str) -> f64 {
    report["rss_kib"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e[0] == label))
        .and_then(|e| e[1].as_u64())
        .unwrap_or_else(|| panic!("no rss:{label} in {report}")) as f64
        / 1024.0
}

/// The memory a home screen with the demo catalog takes, for comparison.
fn baseline_rss_mib() -> f64 {
    static BASE: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(dir.path());
        let base = url::Url::parse(&server.base).unwrap();
        let mut c = demo_catalog(&base);
        write_posters(dir.path(), &mut c, "poster.png", &small_png());
        std::fs::write(dir.path().join("catalog.json"), c.to_string()).unwrap();
        let (report, _) = qa_on(
            &server.url("catalog.json"),
            &["home", "posters", "rss:home"],
        );
        rss_mib(&report, "home")
    })
}

/// Points every poster (and the logo) of `catalog` at `name`, written with `png`.
fn write_posters(dir: &Path, catalog: &mut Value, name: &str, png: &[u8]) {
    std::fs::write(dir.join(name), png).unwrap();
    let url = catalog["channel"]["logo"]
        .as_str()
        .map(|l| url::Url::parse(l).unwrap().join(name).unwrap().to_string());
    if let Some(url) = url {
        catalog["channel"]["logo"] = json!(url);
        for s in catalog["series"].as_array_mut().unwrap() {
            s["poster"]["url"] = json!(url);
        }
    }
}

fn png_of(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        let mut writer = enc.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![0u8; w as usize];
        for _ in 0..h {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
    }
    out
}

fn small_png() -> Vec<u8> {
    png_of(270, 480)
}

#[test]
fn a_picture_bomb_poster_becomes_a_placeholder_with_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let base = url::Url::parse(&server.base).unwrap();
    let mut c = demo_catalog(&base);
    // 11000x11000 pixels in a few hundred KB, used by every series and the logo.
    let bomb = png_of(11_000, 11_000);
    assert!(bomb.len() < 1 << 20);
    write_posters(dir.path(), &mut c, "bomb.png", &bomb);
    std::fs::write(dir.path().join("catalog.json"), c.to_string()).unwrap();
    let (report, stderr) = qa_on(
        &server.url("catalog.json"),
        &["home", "posters", "rss:home"],
    );
    assert_eq!(report["screen"], "home", "{report}");
    assert!(stderr.contains("11000x11000"), "{stderr}");
    let rss = rss_mib(&report, "home");
    let base = baseline_rss_mib();
    eprintln!("bomb posters: {rss:.1} MiB (demo posters: {base:.1} MiB)");
    // Decoded, one bomb would be 121 MB grey, 484 MB as RGBA.
    assert!(rss < base + 40.0, "{rss:.1} MiB against {base:.1} MiB");
}

/// The largest catalog the caps allow: every cap at its limit.
fn largest_catalog(base: &url::Url) -> Value {
    use pillarbox::catalog::limits;
    let mut c = demo_catalog(base);
    let template_series = c["series"][0].clone();
    let mut template_episode = template_series["episodes"][0].clone();
    // Counts at their caps; the bytes within the 8 MiB a catalog may have.
    template_episode["subtitles"] = json!([]);
    let per_series = limits::EPISODES / limits::SERIES;
    let long_title = "T".repeat(limits::TITLE);
    let series: Vec<Value> = (0..limits::SERIES)
        .map(|i| {
            let mut s = template_series.clone();
            s["id"] = json!(format!("s{i}"));
            s["title"] = json!({ "en": format!("{i} {}", &long_title[..limits::TITLE - 6]) });
            s["synopsis"] = json!({ "en": "S".repeat(250) });
            s["genres"] = json!(["romance", "drama", format!("g{}", i % 40)]);
            s["episode_count"] = json!(per_series);
            s["free_episodes"] = json!(per_series);
            s["episodes"] = json!(
                (1..=per_series)
                    .map(|n| {
                        let mut e = template_episode.clone();
                        e["id"] = json!(format!("s{i}e{n}"));
                        e["number"] = json!(n);
                        e
                    })
                    .collect::<Vec<_>>()
            );
            s
        })
        .collect();
    let rails: Vec<Value> = (0..limits::RAILS)
        .map(|r| match r % 3 {
            0 => json!({ "id": format!("r{r}"), "title": {"en": format!("Rail {r}")},
                          "series": (0..limits::RAIL_ITEMS).map(|i| format!("s{}", (r * 37 + i) % limits::SERIES)).collect::<Vec<_>>() }),
            1 => json!({ "id": format!("r{r}"), "title": {"en": format!("Rail {r}")},
                          "rule": {"kind": "genre", "genre": "romance"} }),
            _ => json!({ "id": format!("r{r}"), "title": {"en": format!("Rail {r}")},
                          "rule": {"kind": "genre", "genre": format!("g{}", r % 40), "limit": limits::RAIL_ITEMS} }),
        })
        .collect();
    // Channels at their caps: each slot a whole series.
    let channels: Vec<Value> = (0..limits::CHANNELS)
        .map(|ch| {
            json!({ "id": format!("c{ch}"), "title": {"en": format!("Channel {ch}")},
                    "start": "2026-01-01T00:00:00Z",
                    "schedule": (0..limits::SCHEDULE_SLOTS)
                        .map(|s| json!({ "series": format!("s{}", (ch * 41 + s) % limits::SERIES) }))
                        .collect::<Vec<_>>() })
        })
        .collect();
    c["series"] = json!(series);
    c["rails"] = json!(rails);
    c["channels"] = json!(channels);
    c
}

#[test]
fn the_largest_catalog_the_caps_allow_keeps_the_app_within_its_memory() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let base = url::Url::parse(&server.base).unwrap();
    let mut c = largest_catalog(&base);
    write_posters(dir.path(), &mut c, "poster.png", &small_png());
    let text = c.to_string();
    eprintln!("largest catalog: {} bytes", text.len());
    assert!(text.len() < 8 << 20, "{} bytes", text.len());
    pillarbox::catalog::parse(text.as_bytes(), &UrlPolicy::loopback()).expect("within the caps");
    std::fs::write(dir.path().join("catalog.json"), &text).unwrap();
    let mut steps = vec!["home", "posters", "rss:home"];
    // Down every rail and along one, posters loading as the focus moves.
    steps.extend(std::iter::repeat_n("key:down", 49));
    steps.extend(std::iter::repeat_n("key:right", 60));
    steps.extend(["posters", "rss:browsed"]);
    let (report, _) = qa_on(&server.url("catalog.json"), &steps);
    let (home, browsed) = (rss_mib(&report, "home"), rss_mib(&report, "browsed"));
    let base = baseline_rss_mib();
    eprintln!(
        "largest catalog: {home:.1} MiB at home, {browsed:.1} MiB browsed (demo: {base:.1} MiB)"
    );
    // Before the caps such a file grew the app past 20 GB; now the whole
    // catalog (about 37 MiB parsed) and its rows fit in 70 MiB more than
    // the demo's home screen, far below the unit's MemoryHigh (384 MiB).
    assert!(
        browsed < base + 70.0,
        "{browsed:.1} MiB against {base:.1} MiB"
    );

    // One rail too many, or one rule without bounds, and it is refused by name.
    c["rails"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "extra", "title": {"en": "x"}, "series": ["s1"]}));
    let problems =
        pillarbox::catalog::parse(c.to_string().as_bytes(), &UrlPolicy::loopback()).unwrap_err();
    assert_eq!(problems[0].path, "$.rails");
    assert!(
        problems[0]
            .message
            .contains("51 rails, more than the 50 allowed"),
        "{problems:?}"
    );
}
