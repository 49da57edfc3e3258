//! Roku Direct Publisher feeds: conversion, `catalog check` and
//! `catalog import-roku`, and direct loading (fixture written from the
//! public feed specification).

use std::path::{Path, PathBuf};
use std::process::Command;

use pillarbox::catalog::model::{RailRule, StreamType, SubtitleKind};
use pillarbox::catalog::{self, RokuOptions};
use pillarbox::net::UrlPolicy;

fn feed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roku-feed.json")
}

fn options(licence: Option<&str>) -> RokuOptions {
    RokuOptions {
        licence: licence.map(str::to_owned),
    }
}

#[test]
fn a_roku_feed_converts_to_a_valid_catalog() {
    let bytes = std::fs::read(feed_path()).expect("fixture");
    let (c, warnings) =
        catalog::parse_any(&bytes, &UrlPolicy::default(), &options(Some("MX-DEFAULT")))
            .expect("converts");
    assert_eq!(c.provider, "Acme Shorts");
    assert_eq!(c.default_language, "es");
    assert_eq!(c.catalog_version, 20261120083000);
    // Two series, a short (the Smooth-only short is left out, with a warning).
    let ids: Vec<&str> = c.series.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["boss-baby-love", "midnight-heir", "trailer-boss"]);
    assert!(
        warnings.iter().any(|w| w.contains("smooth-only")),
        "{warnings:?}"
    );
    // Seasons flatten into 1..N; a series' own licence wins over the default.
    let boss = &c.series[0];
    let numbers: Vec<u32> = boss.episodes.iter().map(|e| e.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(boss.episodes[2].id, "boss-s2-1");
    assert_eq!(boss.licence, "MX-2026-0099");
    assert_eq!(boss.free_episodes, 3);
    assert_eq!(boss.genres, ["romance", "drama"]);
    assert_eq!(boss.rating.value, "TV-PG");
    assert_eq!(boss.rating.system, "USA_PR");
    // Streams: HLS kept, DASH left out; captions become subtitle tracks.
    let e1 = &boss.episodes[0];
    assert_eq!(e1.streams.len(), 1);
    assert_eq!(e1.streams[0].kind, StreamType::Hls);
    assert_eq!(e1.subtitles.len(), 2);
    assert_eq!(e1.subtitles[1].kind, SubtitleKind::Captions);
    assert_eq!(e1.subtitles[1].language, "es");
    assert_eq!(
        e1.available.as_ref().and_then(|a| a.until.as_deref()),
        Some("2027-10-01T00:00:00Z")
    );
    assert_eq!(boss.episodes[1].streams[0].bitrate, Some(1_800_000));
    // Episodes listed out of order are sorted by episodeNumber.
    assert_eq!(c.series[1].episodes[0].id, "heir-1");
    assert_eq!(c.series[1].licence, "MX-DEFAULT");
    // Categories: a playlist (non-series items dropped), a genre query, a reduced query.
    assert_eq!(
        c.rails[0].series.as_deref(),
        Some(&["midnight-heir".to_owned(), "boss-baby-love".to_owned()][..])
    );
    assert!(matches!(&c.rails[1].rule, Some(RailRule::Genre { genre, .. }) if genre == "romance"));
    assert!(
        warnings.iter().any(|w| w.contains("reduced to the genre")),
        "{warnings:?}"
    );
}

#[test]
fn without_a_licence_the_problem_says_how_to_fix_it() {
    let bytes = std::fs::read(feed_path()).expect("fixture");
    let problems =
        catalog::parse_any(&bytes, &UrlPolicy::default(), &options(None)).expect_err("licence");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "$.series[1].licence");
    assert!(problems[0].message.contains("--licence"), "{}", problems[0]);
}

#[test]
fn a_broken_roku_feed_names_the_field() {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(feed_path()).expect("fixture")).expect("json");
    v["series"][0]["seasons"][0]["episodes"][1]["content"]["duration"] = serde_json::json!("long");
    let problems = catalog::parse_any(
        v.to_string().as_bytes(),
        &UrlPolicy::default(),
        &options(Some("L")),
    )
    .expect_err("bad type");
    assert!(
        problems[0]
            .message
            .contains("series[0].seasons[0].episodes[1].content.duration"),
        "{}",
        problems[0]
    );
}

#[test]
fn import_roku_and_check_commands() {
    let feed = feed_path();
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args([
            "catalog",
            "import-roku",
            feed.to_str().expect("path"),
            "--licence",
            "MX-1",
        ])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("smooth-only"));
    // The output is a pillarbox catalog that passes validation on its own.
    let c = catalog::parse(&out.stdout, &UrlPolicy::default()).expect("valid output");
    assert_eq!(c.series.len(), 3);

    let check = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pillarbox"))
            .args(["catalog", "check", feed.to_str().expect("path")])
            .args(args)
            .output()
            .expect("run")
    };
    let out = check(&["--licence", "MX-1"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("valid: 3 series, 6 episodes, 3 rails")
    );
    let out = check(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("$.series[1].licence"));
}
