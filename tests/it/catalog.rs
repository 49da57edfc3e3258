//! The catalog format: the documented example, every validation rule, and
//! `pillarbox catalog check`.

use std::path::Path;
use std::process::Command;

use pillarbox::catalog::{self, Problem};
use pillarbox::net::UrlPolicy;
use serde_json::{Value, json};

fn example_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/catalog.example.json");
    std::fs::read_to_string(path).expect("docs/catalog.example.json")
}

fn example() -> Value {
    serde_json::from_str(&example_text()).expect("example is JSON")
}

fn check(v: &Value) -> Result<catalog::Catalog, Vec<Problem>> {
    catalog::parse(v.to_string().as_bytes(), &UrlPolicy::default())
}

fn problems(v: &Value) -> Vec<String> {
    check(v)
        .expect_err("invalid")
        .iter()
        .map(|p| p.to_string())
        .collect()
}

fn has(problems: &[String], path: &str, words: &str) -> bool {
    problems
        .iter()
        .any(|p| p.starts_with(&format!("{path}:")) && p.contains(words))
}

#[test]
fn the_documented_example_is_valid() {
    let c = check(&example()).expect("valid example");
    assert_eq!(c.series.len(), 2);
    assert_eq!(c.series[0].episodes.len(), 2);
    assert_eq!(c.rails.len(), 3);
    assert_eq!(c.channel.accent_color.as_deref(), Some("#E50914"));
    let breaks = c
        .ads
        .as_ref()
        .and_then(|a| a.breaks.as_ref())
        .expect("ad breaks");
    assert_eq!(
        (
            breaks.every_free_episodes,
            breaks.max_per_hour,
            breaks.max_seconds
        ),
        (3, 4, 60)
    );
    assert_eq!(
        catalog::summary(&c),
        "valid: 2 series, 3 episodes, 3 rails (provider \"Example Broadcasting Co.\", \
         catalog_version 20261121, format 1.0)"
    );
}

#[test]
fn unknown_fields_are_kept() {
    let mut v = example();
    v["x_partner"] = json!({"region": "eu"});
    v["series"][0]["episodes"][0]["x_ad_breaks"] = json!([30, 60]);
    v["version"] = json!("1.7");
    let c = check(&v).expect("a newer minor version with new fields loads");
    let back = serde_json::to_value(&c).expect("serialize");
    assert_eq!(back["x_partner"], json!({"region": "eu"}));
    assert_eq!(
        back["series"][0]["episodes"][0]["x_ad_breaks"],
        json!([30, 60])
    );
}

#[test]
fn a_newer_major_version_is_refused_clearly() {
    let mut v = example();
    v["version"] = json!("2.0");
    v["series"] = json!("whatever 2.0 puts here");
    let p = problems(&v);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        has(&p, "$.version", "newer than this player reads (1.x)"),
        "{p:?}"
    );
    let mut v = example();
    v["format"] = json!("roku-direct-publisher");
    assert!(has(
        &problems(&v),
        "$.format",
        "expected \"pillarbox-catalog\""
    ));
}

#[test]
fn syntax_errors_give_line_and_column() {
    let text = example_text().replacen("\"provider\":", "\"provider\" ", 1);
    let e = catalog::parse(text.as_bytes(), &UrlPolicy::default()).expect_err("broken");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, Some(5), "{}", e[0]);
    assert!(e[0].column.is_some());
    assert!(e[0].to_string().contains("not valid JSON"), "{}", e[0]);
}

#[test]
fn type_errors_name_their_path() {
    let mut v = example();
    v["series"][1]["episodes"][0]["duration"] = json!("four minutes");
    let e = check(&v).expect_err("bad type");
    assert_eq!(e[0].path, "$.series[1].episodes[0].duration", "{}", e[0]);
    let mut v = example();
    v["series"][0]["episodes"][1]["streams"][0]["type"] = json!("dash");
    let e = check(&v).expect_err("bad enum");
    assert_eq!(
        e[0].path, "$.series[0].episodes[1].streams[0].type",
        "{}",
        e[0]
    );
}

#[test]
fn every_rule_is_checked_and_all_problems_are_reported() {
    let mut v = example();
    // Duplicate ids.
    v["series"][1]["id"] = json!("ceo-secret");
    v["series"][1]["episodes"][0]["id"] = json!("ceo-secret-1");
    // Episode numbers not 1..N.
    v["series"][0]["episodes"][1]["number"] = json!(3);
    // More free episodes than the series has.
    v["series"][1]["free_episodes"] = json!(2);
    // Stream URLs the policy refuses.
    v["series"][0]["episodes"][0]["streams"][0]["url"] = json!("file:///etc/passwd");
    v["series"][0]["episodes"][0]["streams"][1]["url"] = json!("http://cdn.example.com/a.mp4");
    // No licence number.
    v["series"][0]["licence"] = json!("");
    // A rail pointing at a missing series; a rail with both series and rule.
    v["rails"][0]["series"][1] = json!("no-such-series");
    v["rails"][1]["series"] = json!(["ceo-secret"]);
    // Odds and ends.
    v["channel"]["accent_color"] = json!("red");
    v["series"][0]["poster"]["aspect"] = json!("16:9");
    v["series"][0]["unlock"] = Value::Null;
    v["series"][0]["episodes"][0]["available"]["until"] = json!("2020-01-01T00:00:00Z");
    // Ads: a plain-http tag, more breaks an hour than allowed.
    v["ads"]["breaks"]["vast"] = json!("http://ads.example.com/vast");
    v["ads"]["breaks"]["max_per_hour"] = json!(50);
    // Rewarded ads out of range, and in a catalog with no unlock API to
    // ask the reward of.
    v["ads"]["rewarded"] =
        json!({"vast": "https://ads.example.com/r", "episodes_per_ad": 0, "per_day": 51});
    let p = problems(&v);
    assert!(has(&p, "$.series[1].id", "duplicate series id"), "{p:#?}");
    assert!(
        has(&p, "$.series[1].episodes[0].id", "duplicate episode id"),
        "{p:#?}"
    );
    assert!(
        has(&p, "$.series[0].episodes", "1..2 without gaps"),
        "{p:#?}"
    );
    assert!(
        has(
            &p,
            "$.series[1].free_episodes",
            "2 free episodes but the series has 1"
        ),
        "{p:#?}"
    );
    assert!(
        has(
            &p,
            "$.series[0].episodes[0].streams[0].url",
            "scheme \"file\""
        ),
        "{p:#?}"
    );
    assert!(
        has(&p, "$.series[0].episodes[0].streams[1].url", "plain http"),
        "{p:#?}"
    );
    assert!(has(&p, "$.series[0].licence", "missing licence"), "{p:#?}");
    assert!(
        has(
            &p,
            "$.rails[0].series[1]",
            "no series has id \"no-such-series\""
        ),
        "{p:#?}"
    );
    assert!(
        has(&p, "$.rails[1]", "either \"series\" or \"rule\""),
        "{p:#?}"
    );
    assert!(has(&p, "$.channel.accent_color", "#RRGGBB"), "{p:#?}");
    assert!(
        has(&p, "$.series[0].poster.aspect", "vertical poster"),
        "{p:#?}"
    );
    assert!(
        has(&p, "$.series[0].unlock", "locked but nothing says"),
        "{p:#?}"
    );
    assert!(
        has(
            &p,
            "$.series[0].episodes[0].available",
            "until is not after from"
        ),
        "{p:#?}"
    );
    assert!(has(&p, "$.ads.breaks.vast", "plain http"), "{p:#?}");
    assert!(
        has(&p, "$.ads.breaks.max_per_hour", "50 is outside 1 to 12"),
        "{p:#?}"
    );
    assert!(
        has(&p, "$.ads.rewarded.episodes_per_ad", "0 is outside 1 to 10"),
        "{p:#?}"
    );
    assert!(
        has(&p, "$.ads.rewarded.per_day", "51 is outside 1 to 50"),
        "{p:#?}"
    );
    assert!(has(&p, "$.ads.rewarded", "need unlock_api"), "{p:#?}");
    assert_eq!(p.len(), 18, "{p:#?}");
}

#[test]
fn analytics_is_bounded_and_defaults_on_only_where_the_law_allows() {
    let ok = check(&example()).expect("the example is valid");
    let a = ok.analytics.expect("the example names a collector");
    assert_eq!(a.targets[0].interval_s, 30);
    assert!(!a.default_consent && a.necessary.is_empty());

    // A thousand collectors are refused, named by their count.
    let mut v = example();
    let target = json!({"url": "https://c.example.com/x", "interval_s": 30});
    v["analytics"]["targets"] = Value::Array(vec![target; 1000]);
    let p = problems(&v);
    assert!(
        has(&p, "$.analytics.targets", "1000 targets; from 1 to 4"),
        "{p:#?}"
    );
    assert_eq!(p.len(), 1, "{p:#?}");

    // An interval of 0, a collector over plain http, default consent in
    // Kenya, a made-up jurisdiction and event.
    let mut v = example();
    v["analytics"] = json!({
        "targets": [
            {"url": "https://c.example.com/x", "interval_s": 0},
            {"url": "http://c.example.com/y"}
        ],
        "jurisdiction": "KE",
        "default_consent": true,
        "necessary": ["error", "everything"]
    });
    let p = problems(&v);
    assert!(
        has(
            &p,
            "$.analytics.targets[0].interval_s",
            "0 is outside 5 to 3600"
        ),
        "{p:#?}"
    );
    assert!(
        has(&p, "$.analytics.targets[1].url", "plain http"),
        "{p:#?}"
    );
    assert!(
        has(
            &p,
            "$.analytics.default_consent",
            "only where the law allows it (US)"
        ),
        "{p:#?}"
    );
    assert!(
        has(
            &p,
            "$.analytics.necessary[1]",
            "\"everything\" is not an event"
        ),
        "{p:#?}"
    );
    assert_eq!(p.len(), 4, "{p:#?}");
    v["analytics"]["jurisdiction"] = json!("Kenya");
    assert!(has(&problems(&v), "$.analytics.jurisdiction", "ISO 3166-1"));
    // Unknown fields are refused (a typo must not turn something off).
    let mut v = example();
    v["analytics"]["consent_default"] = json!(true);
    let p = problems(&v);
    assert!(
        p.iter()
            .any(|p| p.starts_with("$.analytics.consent_default") && p.contains("unknown field")),
        "{p:#?}"
    );
    // Where the law allows it, the default may be on.
    let mut v = example();
    v["analytics"]["jurisdiction"] = json!("US");
    v["analytics"]["default_consent"] = json!(true);
    assert!(check(&v).unwrap().analytics.unwrap().default_consent);
}

#[test]
fn loopback_urls_are_allowed_only_from_a_loopback_catalog() {
    let mut v = example();
    v["series"][1]["episodes"][0]["streams"][0]["url"] = json!("http://127.0.0.1:8080/1.mp4");
    let bytes = v.to_string();
    // A public catalog may not make the box fetch from itself, even over https.
    let public = UrlPolicy::following(
        &url::Url::parse("https://partner.example/catalog.json").unwrap(),
        UrlPolicy::default(),
    );
    let problems = catalog::parse(bytes.as_bytes(), &public).unwrap_err();
    assert_eq!(problems[0].path, "$.series[1].episodes[0].streams[0].url");
    v["series"][1]["episodes"][0]["streams"][0]["url"] = json!("https://127.0.0.1:8443/1.mp4");
    let problems = catalog::parse(v.to_string().as_bytes(), &public).unwrap_err();
    assert!(problems[0].message.contains("loopback"), "{problems:?}");
    // The demo's catalog, served from loopback, may.
    let local = UrlPolicy::following(
        &url::Url::parse("http://127.0.0.1:9000/catalog.json").unwrap(),
        UrlPolicy::default(),
    );
    assert!(catalog::parse(bytes.as_bytes(), &local).is_ok());
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(args)
        .output()
        .expect("run pillarbox")
}

#[test]
fn catalog_check_command() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/catalog.example.json");
    let out = cli(&["catalog", "check", example.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("valid: 2 series, 3 episodes, 3 rails")
    );

    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.json");
    let mut v: Value = serde_json::from_str(&example_text()).expect("json");
    v["series"][0]["licence"] = json!("");
    v["rails"][0]["series"][0] = json!("gone");
    std::fs::write(&bad, v.to_string()).expect("write");
    let out = cli(&["catalog", "check", bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines.iter().any(|l| l.starts_with("$.series[0].licence: ")),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("$.rails[0].series[0]: ")),
        "{stdout}"
    );

    let out = cli(&["catalog", "check", "/nonexistent/catalog.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));

    // Over HTTP from loopback: valid, invalid, unreachable.
    std::fs::copy(&example, dir.path().join("good.json")).expect("copy");
    let server = crate::common::TestServer::start(dir.path());
    let out = cli(&["catalog", "check", &server.url("good.json")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(&["catalog", "check", &server.url("bad.json")]);
    assert_eq!(out.status.code(), Some(1));
    let out = cli(&["catalog", "check", &server.url("missing.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 404"));
    let out = cli(&["catalog", "check", "file:///etc/passwd"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_json_schema_accepts_the_example_and_rejects_what_the_parser_rejects() {
    // Each document's schema errors, from Python's jsonschema (Debian's
    // python3-jsonschema, installed by make deps): an independent validator.
    let schema_errors = |docs: &[Value]| -> Vec<Vec<String>> {
        let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/catalog.schema.json");
        let script = "import json, sys, jsonschema\n\
            schema = json.load(open(sys.argv[1]))\n\
            cls = jsonschema.validators.validator_for(schema)\n\
            cls.check_schema(schema)\n\
            v = cls(schema)\n\
            print(json.dumps([[e.message for e in v.iter_errors(d)] for d in json.load(sys.stdin)]))\n";
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&schema_path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        serde_json::to_writer(child.stdin.take().expect("stdin"), docs).expect("documents");
        let out = child.wait_with_output().expect("validator output");
        assert!(out.status.success(), "the schema validator failed");
        serde_json::from_slice(&out.stdout).expect("a JSON list of errors")
    };
    let mut extra = example();
    extra["x_new_field"] = json!(1);
    let mut docs = vec![example(), extra];
    let bad = [
        ("/version", json!("2.0")),
        ("/series/0/licence", json!("")),
        ("/series/0/poster/aspect", json!("16:9")),
        ("/series/0/episodes/0/streams/0/type", json!("dash")),
        ("/channel/accent_color", json!("red")),
        ("/series/0/episodes/0/duration", json!(0)),
        ("/ads/breaks/every_free_episodes", json!(0)),
        ("/ads/breaks/max_seconds", json!(601)),
        ("/series/0/poster/sizes/0/width", json!(0)),
        ("/series/0/episodes/0/streams/1/sha256", json!("abc")),
        ("/keep_ahead/night_to", json!(24)),
    ];
    for (path, value) in &bad {
        let mut v = example();
        *v.pointer_mut(path).expect(path) = value.clone();
        docs.push(v);
    }
    let errors = schema_errors(&docs);
    assert!(errors[0].is_empty(), "{:#?}", errors[0]);
    assert!(
        errors[1].is_empty(),
        "unknown fields are allowed: {:#?}",
        errors[1]
    );
    for (i, (path, _)) in bad.iter().enumerate() {
        assert!(
            !errors[i + 2].is_empty(),
            "{path} should be refused by the schema"
        );
        let v = &docs[i + 2];
        assert!(check(v).is_err(), "{path} should be refused by the parser");
    }
}

#[test]
fn catalog_check_verifies_signatures_and_pins() {
    use base64::Engine;
    use ed25519_dalek::Signer;
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("catalog.json");
    let text = example_text();
    std::fs::write(&file, &text).expect("write");
    let signing = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
    let public = b64.encode(signing.verifying_key().as_bytes());
    let path = file.to_str().expect("path");

    let out = cli(&["catalog", "check", path, "--public-key", &public]);
    assert_eq!(out.status.code(), Some(1), "unsigned");
    assert!(String::from_utf8_lossy(&out.stdout).contains("signature refused: unsigned"));

    std::fs::write(
        dir.path().join("catalog.json.sig"),
        b64.encode(signing.sign(text.as_bytes()).to_bytes()),
    )
    .expect("sig");
    let out = cli(&["catalog", "check", path, "--public-key", &public]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    std::fs::write(&file, text.replace("Drama Shorts", "Drama Shortz")).expect("tamper");
    let out = cli(&["catalog", "check", path, "--public-key", &public]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("does not match"));

    // Over HTTPS: the test CA is not trusted by the CLI, and a wrong pin is
    // refused before anything is read: both unreachable (exit 2).
    let ca = crate::common::TestCa::new("cli");
    let server = crate::common::TestServer::start_tls(dir.path(), &ca);
    let out = cli(&[
        "catalog",
        "check",
        &server.url("catalog.json"),
        "--pin",
        "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("catalog unreachable"));
}

#[test]
fn every_cap_is_enforced_and_named() {
    use pillarbox::catalog::limits;
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "$.rails[1].rule.limit",
            Box::new(|v| v["rails"][1]["rule"]["limit"] = json!(100_000)),
            "more than the 100 allowed",
        ),
        (
            "$.series[0].title.en",
            Box::new(|v| v["series"][0]["title"]["en"] = json!("x".repeat(limits::TITLE + 1))),
            "longer than 200 characters",
        ),
        (
            "$.series[0].synopsis.en",
            Box::new(|v| {
                v["series"][0]["synopsis"]["en"] = json!("é".repeat(limits::SYNOPSIS + 1))
            }),
            "longer than 2000 characters",
        ),
        (
            "$.series[0].poster.url",
            Box::new(|v| {
                v["series"][0]["poster"]["url"] = json!(format!(
                    "https://cdn.example.com/{}",
                    "a".repeat(limits::URL)
                ))
            }),
            "more than 2048",
        ),
        (
            "$.series[0].genres",
            Box::new(|v| v["series"][0]["genres"] = json!(vec!["g"; limits::LIST + 1])),
            "33 genres",
        ),
        (
            "$.series[0].episode_count",
            Box::new(|v| v["series"][0]["episode_count"] = json!(1_000_000)),
            "more than the 500 episodes",
        ),
        (
            "$.series[0].episodes[0].duration",
            Box::new(|v| v["series"][0]["episodes"][0]["duration"] = json!(1e12)),
            "up to 14400",
        ),
        (
            "$.series[0].episodes[0].streams",
            Box::new(|v| {
                let s = v["series"][0]["episodes"][0]["streams"][0].clone();
                v["series"][0]["episodes"][0]["streams"] = json!(vec![s; limits::STREAMS + 1]);
            }),
            "9 streams",
        ),
    ];
    for (path, edit, message) in cases {
        let mut v = example();
        edit(&mut v);
        let p = check(&v).expect_err(path);
        assert!(
            p.iter()
                .any(|p| p.path.starts_with(path.trim_end_matches(".en"))
                    && p.message.contains(message)),
            "{path}: {p:?}"
        );
    }
    // A rail rule without a limit fills at most the default.
    let mut v = example();
    v["rails"][1]["rule"] = json!({"kind": "genre", "genre": "romance"});
    assert!(check(&v).is_ok());
    assert_eq!(limits::DEFAULT_RULE_LIMIT, 30);
}
