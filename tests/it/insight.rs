//! Partner insight (docs/analytics.md): a TV-app run with consent sends the
//! documented events to the demo collector, and docs/analytics.md's
//! ClickHouse queries, run in ClickHouse's engine (chDB), give the run's
//! own figures; without consent nothing goes. Hostile collectors (failing,
//! slow, redirecting to private addresses, answering megabytes, gone)
//! change nothing but the queue, which stays within its bounds and
//! survives a crash.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pillarbox::insight::outbox::{MAX_QUEUE_LINES, Outbox, OutboxStats, QUEUE_FILE, Target};
use serde_json::Value;

use crate::common::{Fault, TestCa, TestServer};

/// The demo collector's rows in the tests' shared demo folder.
fn rows_file() -> PathBuf {
    pillarbox::demo::collector::events_file(&crate::tv_app::shared_demo_dir())
}

fn rows() -> Vec<Value> {
    std::fs::read_to_string(rows_file())
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect()
}

/// Runs a scenario (TOML text) through `pillarbox qa`: its report.
fn scenario(toml: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("insight.toml");
    std::fs::write(&file, toml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .arg("qa")
        .arg(&file)
        .env("XDG_CACHE_HOME", crate::tv_app::shared_cache())
        .output()
        .expect("pillarbox runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_str(&stdout).expect("JSON");
    summary["runs"][0]["report"].clone()
}

/// The Python that has chDB (`make test-deps` makes it).
fn chdb_python() -> PathBuf {
    std::env::var_os("PILLARBOX_CHDB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/chdb-venv/bin/python3")
        })
}

/// docs/analytics.md's queries on `rows` (JSON lines), in chDB.
fn queries(rows: &[Value]) -> BTreeMap<String, Vec<Value>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&file, text).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = chdb_python();
    let out = Command::new(&python)
        .arg(root.join("tests/analytics/run_queries.py"))
        .arg(root.join("docs/analytics.md"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (make test-deps installs chDB)", python.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the queries' JSON")
}

fn find<'a>(rows: &'a [Value], series: &str, episode: u64) -> &'a Value {
    rows.iter()
        .find(|r| r["series"] == series && r["episode"] == episode)
        .unwrap_or_else(|| panic!("no row for {series} {episode} in {rows:#?}"))
}

const WITH_CONSENT: &str = r#"
name = "insight with consent"
lang = "en"

# The viewer said yes in an earlier session.
[settings]
share_viewing = true

[[step]]
name = "the collector fails twice: the batches wait and go later"
fault = { url = "/collect", status = 500, times = 2 }

[[step]]
expect = { screen = "home", event = "home_shown" }

[[step]]
name = "segment 2 of episode 1 is slow in coming: a stall"
fault = { url = "media/midnight-bakery/1/seg00002", stall_ms = 8000 }

[[step]]
play = { series = "midnight-bakery", episode = 1 }

[[step]]
name = "episode 1 plays out, episode 2 starts by itself"
expect = { series = "midnight-bakery", episode = 2, position_ms = 1000, event = "episode_end" }
timeout_ms = 60000

[[step]]
key = "back"

[[step]]
name = "the viewer changes the subtitles"
set = { subtitles = "on" }

[[step]]
play = { series = "ceo-secret", episode = 9 }

[[step]]
expect = { screen = "locked", series = "ceo-secret", episode = 9, event = "locked_shown" }
timeout_ms = 10000

[[step]]
key = "up"

[[step]]
key = "ok"

[[step]]
name = "the rewarded ad, then episode 9"
expect = { screen = "player", series = "ceo-secret", episode = 9, position_ms = 1000, event = "unlock" }
timeout_ms = 40000

[[step]]
key = "back"
"#;

const WITHOUT_CONSENT: &str = r#"
name = "insight without consent"
lang = "en"

[[step]]
expect = { screen = "home" }

[[step]]
play = { series = "midnight-bakery", episode = 1 }

[[step]]
expect = { series = "midnight-bakery", episode = 1, position_ms = 2000 }
timeout_ms = 20000

[[step]]
key = "back"

[[step]]
wait_ms = 6000
"#;

#[test]
fn a_consenting_run_lands_in_clickhouse_with_its_own_figures_and_without_consent_nothing_goes() {
    let _alone = crate::common::heavy();
    let before = rows().len();
    let report = scenario(WITH_CONSENT);
    let all = rows();
    let rows: Vec<Value> = all[before..].to_vec();

    // What the box says it sent is what the collector got, in order.
    let sent: Vec<&str> = report["insight"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let got: Vec<&str> = rows.iter().map(|r| r["event"].as_str().unwrap()).collect();
    assert_eq!(got, sent, "{report:#}");
    // ... though the collector failed twice on the way.
    let collector_faults = report["faults"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.to_string().contains("/collect"))
        .count();
    assert_eq!(collector_faults, 2, "{report:#}");
    for event in [
        "app_start",
        "home_shown",
        "setting",
        "episode_start",
        "rebuffer",
        "rebuffer_end",
        "episode_end",
        "locked_shown",
        "ad_request",
        "ad_start",
        "ad_end",
        "unlock",
    ] {
        assert!(got.contains(&event), "{event} not in {got:?}");
    }
    // One device, the consenting one; one session; no account (unpaired).
    let devices: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r["device"].as_str()).collect();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert!(
        rows.iter()
            .all(|r| r["device"].is_string() && r.get("account").is_none())
    );

    let q = queries(&all);

    // Startup time: each episode's p50 and p95 are its one start, as the
    // QA report measured it. The third play was the ad.
    let first_frames: Vec<f64> = report["first_frame_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(first_frames.len(), 4, "{report:#}");
    for (series, episode, i) in [
        ("midnight-bakery", 1, 0),
        ("midnight-bakery", 2, 1),
        ("ceo-secret", 9, 3),
    ] {
        let row = find(&q["startup_time"], series, episode);
        let want = first_frames[i].round();
        assert_eq!(row["starts"], 1, "{row}");
        assert_eq!(row["p50_ms"].as_f64(), Some(want), "{row}");
        assert_eq!(row["p95_ms"].as_f64(), Some(want), "{row}");
        assert!(row["net"].is_string());
    }

    // Rebuffering: episode 1 stalled as often as the player counted.
    let stalls = report["rebuffers"][0].as_u64().expect("episode 1 ended");
    assert!(stalls >= 1, "{report:#}");
    let r = find(&q["rebuffering"], "midnight-bakery", 1);
    assert_eq!(r["stalls"].as_u64(), Some(stalls), "{r}");
    let ratio = r["rebuffering_ratio"].as_f64().unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "{r}");
    assert_eq!(find(&q["rebuffering"], "midnight-bakery", 2)["stalls"], 0);

    // Completion: episode 1 played out, 2 and 9 were left.
    for (series, episode, completed) in [
        ("midnight-bakery", 1, 1),
        ("midnight-bakery", 2, 0),
        ("ceo-secret", 9, 0),
    ] {
        let r = find(&q["completion"], series, episode);
        assert_eq!(
            (r["started"].as_u64(), r["completed"].as_u64()),
            (Some(1), Some(completed)),
            "{r}"
        );
    }
    // The QA report's ended plays: episode 1 and the ad.
    assert_eq!(report["dropped_frames"].as_array().unwrap().len(), 2);

    // Quality: three plays, none failed or left before its start; the
    // bitrate of episode 1 (the one that played out).
    let day = &q["quality"][0];
    assert_eq!(day["plays"], 3, "{day}");
    for k in ["exits_before_start", "start_failures", "playback_failures"] {
        assert_eq!(day[k], 0, "{k}: {day}");
    }
    assert!(day["mean_kbps"].as_f64().unwrap() > 0.0, "{day}");

    // The unlock funnel: episode 9 locked once, unlocked by the ad.
    let f = &q["unlock_funnel"];
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["series"], "ceo-secret");
    assert_eq!(
        (
            &f[0]["locked_shown"],
            &f[0]["unlocked"],
            &f[0]["ad"],
            &f[0]["coins"]
        ),
        (
            &Value::from(1),
            &Value::from(1),
            &Value::from(1),
            &Value::from(0)
        )
    );
    // Ads: the rewarded ad asked for, filled, started and completed, as
    // the QA report's trackers say.
    assert_eq!(report["ads"]["played"].as_array().unwrap().len(), 1);
    assert!(
        report["ads"]["trackers"]
            .as_array()
            .unwrap()
            .contains(&Value::from("complete"))
    );
    let a = &q["ads"][0];
    for (k, v) in [
        ("requests", 1),
        ("filled", 1),
        ("started", 1),
        ("completed", 1),
    ] {
        assert_eq!(a[k], v, "{k}: {a}");
    }

    // Without consent: nothing sent, nothing collected.
    let before = self::rows().len();
    let report = scenario(WITHOUT_CONSENT);
    assert_eq!(report["insight"], Value::Array(vec![]), "{report:#}");
    assert_eq!(self::rows().len(), before);
}

/// A collector on 127.0.0.1 over TLS: `/collect` keeps the reports it
/// gets (gunzipped), `/big` answers 10 MB.
struct Collector {
    server: TestServer,
    lines: Arc<Mutex<Vec<String>>>,
    _ca: TestCa,
}

impl Collector {
    fn start() -> Collector {
        let ca = TestCa::new("collector");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = lines.clone();
        let server = TestServer::start_tls_router(&ca, move |_| {
            axum::Router::new()
                .route(
                    "/collect",
                    axum::routing::post(
                        move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                            let kept = kept.clone();
                            async move {
                                assert_eq!(headers["content-type"], "application/cmcd");
                                assert_eq!(headers["content-encoding"], "gzip");
                                let mut text = String::new();
                                flate2::read::GzDecoder::new(&body[..])
                                    .read_to_string(&mut text)
                                    .expect("gzip");
                                kept.lock().unwrap().extend(text.lines().map(str::to_owned));
                                axum::http::StatusCode::NO_CONTENT
                            }
                        },
                    ),
                )
                .route(
                    "/big",
                    axum::routing::post(|| async { vec![b'x'; 10 << 20] }),
                )
        });
        Collector {
            server,
            lines,
            _ca: ca,
        }
    }

    fn outbox(&self, state: &Path, path: &str) -> Outbox {
        let net = crate::unlock::net(&self._ca);
        let mut outbox = Outbox::new(net, state.to_owned());
        outbox.configure(vec![Target {
            url: url::Url::parse(&self.server.url(path)).unwrap(),
            interval: Duration::from_millis(100),
        }]);
        outbox
    }

    fn got(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

/// Waits (at most 20 s) until `ok` holds of the outbox's figures.
fn until(outbox: &Outbox, ok: impl Fn(OutboxStats) -> bool) -> OutboxStats {
    let start = Instant::now();
    loop {
        let s = outbox.stats();
        if ok(s) || start.elapsed() > Duration::from_secs(20) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn line(i: usize) -> String {
    pillarbox::insight::cmcd::Report::custom("setting", i as i64).line()
}

#[test]
fn hostile_collectors_cost_nothing_but_the_queue_which_stays_bounded_and_survives() {
    let c = Collector::start();
    let state = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now().timestamp_millis();

    // 500s: kept, sent again later, and taken once the collector is back.
    c.server.fault("/collect", Fault::Status(500), Some(3));
    let outbox = c.outbox(state.path(), "collect");
    for i in 0..3 {
        outbox.push(now, &line(i));
    }
    let s = until(&outbox, |s| s.delivered == 3);
    assert_eq!((s.delivered, s.queued, s.dropped), (3, 0, 0), "{s:?}");
    assert_eq!(c.server.hits("/collect"), 4);
    assert_eq!(c.got(), (0..3).map(line).collect::<Vec<_>>());
    drop(outbox);

    // A slow collector (no answer for a minute): the request gives up,
    // the lines stay; a dead one meanwhile: the queue keeps its bound, the
    // oldest dropped.
    c.server
        .fault("/collect", Fault::Delay(Duration::from_secs(60)), None);
    let state = tempfile::tempdir().unwrap();
    let outbox = c.outbox(state.path(), "collect");
    for i in 0..20_000 {
        outbox.push(now, &line(i));
    }
    let h0 = c.server.hits("/collect");
    let s = until(&outbox, |s| {
        c.server.hits("/collect") >= h0 + 2 && s.queued > 0
    });
    assert_eq!(s.delivered, 0, "{s:?}");
    assert_eq!(s.queued, MAX_QUEUE_LINES, "{s:?}");
    assert_eq!(s.dropped, 20_000 - MAX_QUEUE_LINES as u64);

    // A power cut: the queue was written (every few seconds), and the next
    // start finds it.
    std::thread::sleep(Duration::from_secs(6));
    let file = state.path().join(QUEUE_FILE);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size < 2 << 20, "{size} bytes");
    drop(outbox);
    let again = Outbox::new(crate::unlock::net(&c._ca), state.path().to_owned());
    assert_eq!(again.stats().queued, MAX_QUEUE_LINES);
    // A file broken some other way is set aside; the box starts empty.
    std::fs::write(&file, b"{\"targets\": {\"x\": ").unwrap();
    let broken = Outbox::new(crate::unlock::net(&c._ca), state.path().to_owned());
    assert_eq!(broken.stats().queued, 0);
    assert!(state.path().join(format!("{QUEUE_FILE}.bad")).exists());

    // A redirect to a private address is refused; nothing is taken.
    let state = tempfile::tempdir().unwrap();
    c.server.fault(
        "/elsewhere",
        Fault::Redirect("https://10.1.2.3/collect".into()),
        None,
    );
    let outbox = c.outbox(state.path(), "elsewhere");
    outbox.push(now, &line(1));
    until(&outbox, |_| c.server.hits("/elsewhere") >= 2);
    let s = outbox.stats();
    assert_eq!((s.delivered, s.queued), (0, 1), "{s:?}");
    drop(outbox);

    // 10 MB in answer: the status counts, the body is not read.
    let state = tempfile::tempdir().unwrap();
    let outbox = c.outbox(state.path(), "big");
    outbox.push(now, &line(1));
    let s = until(&outbox, |s| s.delivered == 1);
    assert_eq!((s.delivered, s.queued), (1, 0), "{s:?}");
    drop(outbox);

    // 410: the collector is gone; nothing more goes to it, even after a
    // restart.
    let state = tempfile::tempdir().unwrap();
    c.server.fault("/gone", Fault::Status(410), None);
    let mut outbox = c.outbox(state.path(), "gone");
    outbox.push(now, &line(1));
    let s = until(&outbox, |s| s.dropped == 1);
    assert_eq!((s.queued, s.dropped), (0, 1), "{s:?}");
    outbox.push(now, &line(2));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(c.server.hits("/gone"), 1);
    assert_eq!(outbox.stats().queued, 0);
    outbox.shutdown();
    let outbox = c.outbox(state.path(), "gone");
    outbox.push(now, &line(3));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!((c.server.hits("/gone"), outbox.stats().queued), (1, 0));
}
