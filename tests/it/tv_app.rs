//! The whole TV app, headless (`pillarbox qa`): real catalog fetch from a
//! loopback server, real GStreamer playback, the Slint UI on the software
//! renderer.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use pillarbox::demo::DemoServer;

/// One cache folder for every test here, so the demo's episodes and
/// posters are generated once per run (generation writes beside and
/// renames, so processes sharing it never see half a file).
pub(crate) fn shared_cache() -> &'static Path {
    static CACHE: OnceLock<tempfile::TempDir> = OnceLock::new();
    CACHE
        .get_or_init(|| tempfile::tempdir().expect("tmp"))
        .path()
}

/// Where an app run with the shared cache keeps the demo's media (as
/// `tv::default_demo_dir` does under its cache directory).
pub(crate) fn shared_demo_dir() -> PathBuf {
    shared_cache()
        .join("pillarbox")
        .join(pillarbox::demo::MEDIA_DIR)
}

fn qa(args: &[&str], state: &Path, cache: &Path) -> (serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .arg("qa")
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("pillarbox runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "pillarbox qa {args:?}: {stderr}");
    (
        serde_json::from_slice(&out.stdout).expect("a JSON report"),
        stderr,
    )
}

#[test]
fn continue_resumes_inside_the_episode_and_starts_as_fast_as_a_cold_start() {
    let state = tempfile::tempdir().unwrap();
    let (report, _) = qa(
        &[
            "home",
            "key:down",
            "key:ok",
            "key:ok",
            // Episode 1 to 8 s (episode 2 is preloaded meanwhile: made).
            "playing:8000",
            "key:back",
            // Episode 1 again at once (no preload): resumed 3 s before
            // where it was left.
            "key:ok",
            "playing:9000",
            "key:back",
            // Episode 2 from its start, no preload either: a cold start.
            "key:right",
            "key:ok",
            "playing:1000",
        ],
        state.path(),
        shared_cache(),
    );
    let starts: Vec<u64> = serde_json::from_value(report["start_ms"].clone()).unwrap();
    assert_eq!(starts.len(), 3, "{report}");
    // 3 s before the 8 s left (positions come every 250 ms).
    assert!((5_000..5_600).contains(&starts[1]), "{report}");
    assert_eq!(starts[2], 0, "{report}");
    let first: Vec<f64> = serde_json::from_value(report["first_frame_ms"].clone()).unwrap();
    assert_eq!(first.len(), 3, "{report}");
    // Measured, not asserted (timing): the resumed start next to the cold one.
    eprintln!(
        "first frame: resumed at {} ms {:.0} ms, cold start {:.0} ms",
        starts[1], first[1], first[2]
    );
}

#[test]
fn demo_episode_plays_pillarboxed_and_back_returns_home() {
    let state = tempfile::tempdir().unwrap();
    let shot = state.path().join("player.png");
    let shot_arg = format!("shot:{}", shot.display());
    let (report, _) = qa(
        &[
            "home",
            "key:down",
            "key:ok",
            "key:ok",
            "playing:3000",
            &shot_arg,
            "key:back",
            "key:back",
        ],
        state.path(),
        shared_cache(),
    );
    assert_eq!(report["screen"], "home", "{report}");
    assert!(report["home_drawn_ms"].as_u64().is_some(), "{report}");
    // Catalog, posters, the demo server and the player went through one
    // network stack: one runtime, one HTTP client, in the whole process.
    assert_eq!(report["net_runtimes"], 1, "{report}");
    assert_eq!(report["http_clients"], 1, "{report}");

    // The picture is in the 9:16 column in the middle; the sides are not
    // video but they are not empty either (titles, up next).
    let img = image::open(&shot).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (1920, 1080));
    let column = (656..1264, 0..1080);
    let distinct = |xs: std::ops::Range<u32>, ys: std::ops::Range<u32>| {
        let mut seen = std::collections::HashSet::new();
        for y in ys.step_by(7) {
            for x in xs.clone().step_by(7) {
                seen.insert(img.get_pixel(x, y).0);
            }
        }
        seen.len()
    };
    assert!(
        distinct(column.0, column.1) > 20,
        "no picture in the video column"
    );
    assert!(distinct(96..600, 54..400) > 5, "nothing on the left side");

    // Watching was remembered, atomically, in the state directory.
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.path().join("history.json")).unwrap()).unwrap();
    let ep = &history["series"]["ceo-secret"];
    assert_eq!(ep["episode"], 1, "{history}");
    assert!(ep["position_ms"].as_u64().unwrap() >= 3000, "{history}");
}

#[test]
fn cached_catalog_is_shown_when_the_server_is_gone() {
    let state = tempfile::tempdir().unwrap();
    let cache = shared_cache();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = DemoServer::start_catalog(&shared_demo_dir(), runtime.handle()).unwrap();
    let url = server.catalog_url().to_string();
    let (first, _) = qa(&["home", "--catalog", &url], state.path(), cache);
    assert_eq!(first["notice"], serde_json::Value::Null, "{first}");
    drop(server);

    let (second, _) = qa(
        &["home", "sleep:6000", "--catalog", &url],
        state.path(),
        cache,
    );
    assert_eq!(second["screen"], "home", "{second}");
    let notice = second["notice"].as_str().unwrap_or_default();
    assert!(
        notice.contains("Showing the programmes saved on this TV"),
        "{second}"
    );
}

#[test]
fn a_bad_keymap_is_set_aside_with_its_name_and_key_and_the_app_starts() {
    let state = tempfile::tempdir().unwrap();
    std::fs::write(
        state.path().join("keymap.toml"),
        "[evdev]\nKEY_TELEPORT = \"ok\"\n",
    )
    .unwrap();
    // A typo in a keymap must not stop the box (a restart loop under systemd).
    let (report, stderr) = qa(&["home", "key:down"], state.path(), shared_cache());
    assert_eq!(report["screen"], "home", "{report}");
    assert!(
        stderr.contains("keymap.toml")
            && stderr.contains("KEY_TELEPORT")
            && stderr.contains("built-in keymap"),
        "{stderr}"
    );
}

#[test]
fn tells_systemd_it_is_ready_and_feeds_the_watchdog() {
    use std::os::unix::net::UnixDatagram;
    let state = tempfile::tempdir().unwrap();
    let socket_path = state.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    // Read while it runs, as systemd does.
    let reader = std::thread::spawn(move || {
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut messages = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = socket.recv(&mut buf) {
            messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        messages
    });
    // systemd names the PID the watchdog is for: the shell execs pillarbox,
    // which keeps its PID.
    let status = Command::new("sh")
        .args([
            "-c",
            "WATCHDOG_PID=$$ exec \"$0\" qa home sleep:1500 --state-dir \"$1\"",
        ])
        .arg(env!("CARGO_BIN_EXE_pillarbox"))
        .arg(state.path())
        .env("XDG_CACHE_HOME", shared_cache())
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000")
        .status()
        .unwrap();
    assert!(status.success());
    let messages = reader.join().unwrap();
    assert_eq!(
        messages.first().map(String::as_str),
        Some("READY=1\n"),
        "{messages:?}"
    );
    let pings = messages.iter().filter(|m| m.contains("WATCHDOG=1")).count();
    assert!(pings >= 3, "{messages:?}");
}

#[test]
fn probe_tells_what_this_machine_has() {
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(["probe", "--json", "--board", "rpi4"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (maj, min, _, _) = gstreamer::version();
    assert!(
        p["gstreamer"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{maj}.{min}.")),
        "{p}"
    );
    assert_eq!(p["board"]["name"], "rpi4");
    assert_eq!(p["board"]["matched"], "named with --board");
    // The rpi4 profile's V4L2 decoders are not on an x86 CI machine; avdec is.
    let h264: Vec<&str> = p["h264"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert!(h264.contains(&"avdec_h264"), "{p}");
    assert!(!p["video_sinks"].as_array().unwrap().is_empty());
    assert_eq!(p["state_dir"]["writable"], true, "{p}");
    // The profile's video path, and GStreamer's GL elements are here.
    assert_eq!(p["video"]["path"], "gl", "{p}");
    assert_eq!(
        p["video"]["missing_gl_elements"],
        serde_json::json!([]),
        "{p}"
    );
    assert_eq!(p["missing_elements"], serde_json::json!([]), "{p}");
    // make deps installs a font for each UI language.
    let fonts = p["fonts"].as_array().unwrap();
    assert_eq!(fonts.len(), 5, "{p}");
    for f in fonts {
        assert_eq!(
            (&f["installed"], &f["missing"]),
            (&true.into(), &"".into()),
            "{f}"
        );
    }

    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(["probe", "--board", "rpi9"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rpi9"));
}

#[test]
fn probe_names_missing_elements_and_their_packages() {
    // A GStreamer that finds no plugins at all: every element is missing.
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(["probe", "--board", "generic-x86"])
        .env("GST_PLUGIN_SYSTEM_PATH_1_0", empty.path())
        .env("GST_PLUGIN_PATH_1_0", empty.path())
        .env("GST_REGISTRY_1_0", empty.path().join("registry.bin"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "MISSING element textoverlay: the demo cannot be generated; \
             install Debian package gstreamer1.0-x"
        ),
        "{text}"
    );
    assert!(
        text.contains("MISSING element tsdemux: episodes cannot play; install Debian package gstreamer1.0-plugins-bad"),
        "{text}"
    );
}

/// Cues as the QA report lists them: (track, text, start, shown at, the
/// frame before).
fn cues(report: &serde_json::Value) -> Vec<(u64, String, u64, u64, Option<u64>)> {
    report["subtitle_cues"]
        .as_array()
        .expect("subtitle_cues")
        .iter()
        .map(|c| {
            (
                c["track"].as_u64().unwrap(),
                c["text"].as_str().unwrap().to_owned(),
                c["start_ms"].as_u64().unwrap(),
                c["shown_at_ms"].as_u64().unwrap(),
                c["previous_frame_ms"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn demo_subtitles_show_in_step_with_the_picture_across_a_preloaded_switch() {
    let state = tempfile::tempdir().unwrap();
    // "The CEO's Secret" is in Chinese with English subtitles; Next
    // switches to the preloaded episode 2 (its subtitles fetched ahead).
    let (report, _) = qa(
        &[
            "home",
            "key:down",
            "key:ok",
            "key:ok",
            "playing:10500",
            "key:next",
            "playing:4500",
        ],
        state.path(),
        shared_cache(),
    );
    let cues = cues(&report);
    let texts: Vec<&str> = cues.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Episode 1. Who runs this tower?",
            "(whispering) Not the man in the corner office.",
            "Then who signs the cheques?",
            "The one who cleans the floor every night.",
            "Episode 2. Who runs this tower?",
            "(whispering) Not the man in the corner office.",
        ],
        "{report}"
    );
    assert_eq!(cues[3].0 + 1, cues[4].0, "one track per episode: {cues:?}");
    // Each cue came up with the first frame shown at or after its start,
    // never with one before: in step with the picture's timestamps.
    let mut lags = Vec::new();
    for (_, text, start, shown, previous) in &cues {
        let previous = previous.expect("frames before each cue");
        assert!(
            previous < *start && start <= shown,
            "{text}: starts at {start} ms; frames shown at {previous} then {shown} ms"
        );
        lags.push(shown - start);
    }
    eprintln!("cue start to the frame it appeared with, ms: {lags:?}");
    assert_eq!(report["subtitle_note"], serde_json::Value::Null);
}

#[test]
fn missing_or_broken_subtitles_leave_the_episode_playing_and_say_why_once() {
    use crate::common::TestServer;
    // The demo's episodes, with subtitles that are missing (404) for
    // episode 1 and not WebVTT for episode 2.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let demo = DemoServer::start_catalog(&shared_demo_dir(), runtime.handle()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let site = TestServer::start(dir.path());
    let mut c = pillarbox::demo::catalog::json(demo.base());
    let ceo = &mut c["series"][0];
    assert_eq!(ceo["id"], "ceo-secret");
    for (i, vtt) in ["missing.vtt", "broken.vtt"].iter().enumerate() {
        ceo["episodes"][i]["subtitles"] = serde_json::json!([
            { "url": site.url(vtt), "language": "en", "kind": "subtitles" }
        ]);
    }
    std::fs::write(
        dir.path().join("broken.vtt"),
        "1\n00:00:01,000 --> 00:00:02,000\nSRT, not WebVTT\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("catalog.json"), c.to_string()).unwrap();
    let url = site.url("catalog.json");
    let play = |steps: &[&str]| {
        let state = tempfile::tempdir().unwrap();
        let mut args = steps.to_vec();
        args.extend(["--catalog", &url]);
        qa(&args, state.path(), shared_cache())
    };
    // Episode 1 plays on without subtitles and says why (after the
    // fetcher's retries), once.
    let (report, stderr) = play(&["home", "key:down", "key:ok", "key:ok", "playing:6000"]);
    assert_eq!(report["screen"], "player", "{report}");
    assert!(cues(&report).is_empty());
    let note = report["subtitle_note"].as_str().unwrap_or_default();
    assert!(note.contains("HTTP 404"), "{report}");
    let said = stderr
        .lines()
        .filter(|l| l.contains("subtitles not shown") && l.contains("missing.vtt"))
        .count();
    assert_eq!(said, 1, "{stderr}");
    // Episode 2, from the grid: its subtitles are not WebVTT.
    let (report, _) = play(&[
        "home",
        "key:down",
        "key:ok",
        "key:down",
        "key:right",
        "key:ok",
        "playing:2000",
    ]);
    assert_eq!(report["screen"], "player", "{report}");
    let note = report["subtitle_note"].as_str().unwrap_or_default();
    assert!(note.contains("not WebVTT"), "{report}");
}

#[test]
fn probe_warns_when_no_font_has_a_ui_languages_glyphs() {
    // A fontconfig that knows only DejaVu: no CJK glyphs (DejaVu has Arabic).
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\"><fontconfig>\
             <dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{}</cachedir></fontconfig>",
            dir.path().join("cache").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(["probe", "--board", "generic-x86"])
        .env("FONTCONFIG_FILE", &conf)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // The characters of the Chinese UI that no font has (which come first
    // depends on the translations).
    let missing = text
        .split_once("MISSING font for UI language zh: no installed font has \"")
        .map(|(_, rest)| rest.split('"').next().unwrap_or(""))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(missing.contains('。') && missing.contains('中'), "{text}");
    assert!(
        text.contains("install Debian package fonts-noto-cjk"),
        "{text}"
    );
    assert!(
        text.contains("UI language en: font DejaVu Sans\n"),
        "{text}"
    );
    assert!(
        text.contains("UI language ar: font Noto Sans Arabic UI not installed; other fonts"),
        "{text}"
    );
}

#[test]
fn settings_from_the_red_key_are_kept_and_choose_the_subtitles() {
    let state = tempfile::tempdir().unwrap();
    // Red opens Settings; the third row is the subtitle language:
    // Automatic -> English -> 中文 -> Español. Back, then play "The CEO's
    // Secret" (Chinese audio): Spanish subtitles for an English viewer.
    let steps = [
        "home",
        "key:red",
        "key:down",
        "key:down",
        "key:right",
        "key:right",
        "key:right",
        "key:back",
        "key:down",
        "key:ok",
        "key:ok",
        "playing:4000",
    ];
    let (report, _) = qa(&steps, state.path(), shared_cache());
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.path().join("settings.json")).unwrap())
            .unwrap();
    assert_eq!(saved["subtitle_language"], "es", "{saved}");
    let texts: Vec<String> = cues(&report).into_iter().map(|c| c.1).collect();
    assert_eq!(
        texts.first().map(String::as_str),
        Some("Episodio 1. ¿Quién manda en esta torre?"),
        "{report}"
    );
    // Kept for the next start.
    let (report, _) = qa(
        &["home", "key:down", "key:ok", "key:ok", "playing:1000"],
        state.path(),
        shared_cache(),
    );
    let texts: Vec<String> = cues(&report).into_iter().map(|c| c.1).collect();
    assert_eq!(
        texts,
        ["Episodio 1. ¿Quién manda en esta torre?"],
        "{report}"
    );
}

#[test]
fn dubbed_demo_episodes_play_in_the_viewers_language_and_switch_from_settings() {
    let state = tempfile::tempdir().unwrap();
    // "Love at Gate 9" comes in English, Spanish and Chinese audio
    // renditions. A Spanish box hears episode 1 in Spanish; episode 2
    // starts (preloaded, in Spanish), then Settings → Audio language →
    // English: it starts again in English.
    // (Down twice: past the channels row, to "New this week".)
    let steps = [
        "home",
        "key:down",
        "key:down",
        "key:ok",
        "key:ok",
        "playing:11000",
        "sleep:2000",
        "key:red",
        "key:down",
        "key:down",
        "key:down",
        "key:right",
        "key:back",
        "playing:11000",
        "sleep:2000",
    ];
    let mut args = vec!["--lang", "es"];
    args.extend(steps);
    let (report, _) = qa(&args, state.path(), shared_cache());
    let played: Vec<Option<&str>> = report["audio_languages"]
        .as_array()
        .expect("audio_languages")
        .iter()
        .map(|l| l.as_str())
        .collect();
    assert_eq!(played[..2], [Some("es"), Some("en")], "{report}");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.path().join("settings.json")).unwrap())
            .unwrap();
    assert_eq!(saved["audio_language"], "en", "{saved}");
    // Episodes of the embedded demo come from this box (loopback): what
    // they took says nothing about the link, and is not remembered.
    let file = state
        .path()
        .join(pillarbox::tv::throughput::THROUGHPUT_FILE);
    assert!(!file.exists());
}

#[test]
fn the_spoken_ui_speaks_each_focus_move_with_espeak() {
    let state = tempfile::tempdir().unwrap();
    std::fs::write(
        state.path().join("settings.json"),
        r#"{"spoken": {"on": true}, "language": "sw"}"#,
    )
    .unwrap();
    let (report, _) = qa(
        &[
            "home",
            "key:down",
            "key:right",
            "key:ok",
            "key:down",
            "sleep:300",
        ],
        state.path(),
        shared_cache(),
    );
    let speech = report["speech"].as_array().expect("speech");
    let texts: Vec<&str> = speech.iter().filter_map(|s| s["text"].as_str()).collect();
    assert_eq!(
        texts,
        [
            "Siri ya Mkurugenzi. sehemu 24",
            "Kurudi kwa Mrithi. sehemu 16",
            "Cheza sehemu 1",
            "Sehemu ya 1"
        ],
        "{report}"
    );
    for s in speech {
        assert_eq!(s["voice"], "sw", "{s}");
        assert!(s["samples"].as_u64().unwrap() > 1000, "no audio for {s}");
    }
}

#[test]
fn the_first_run_screen_turns_on_large_text_and_the_spoken_ui() {
    let state = tempfile::tempdir().unwrap();
    // A fresh box: the first-run screen. Text size 150 %, spoken UI on,
    // sharing viewing data and TV mode left off, Start; then every focus
    // move on Home is spoken.
    let steps = [
        "--first-run",
        "sleep:1000",
        "key:down",
        "key:right",
        "key:right",
        "key:down",
        "key:down",
        "key:right",
        "key:down",
        "key:down",
        "key:down",
        "key:ok",
        "home",
        "key:down",
        "key:right",
        "key:right",
        "sleep:300",
    ];
    let (report, _) = qa(&steps, state.path(), shared_cache());
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.path().join("settings.json")).unwrap())
            .unwrap();
    assert_eq!(
        (
            &saved["text_size"],
            &saved["spoken"]["on"],
            &saved["welcomed"],
            &saved["share_viewing"]
        ),
        (
            &150.into(),
            &true.into(),
            &true.into(),
            &serde_json::Value::Null
        ),
        "{saved}"
    );
    let texts: Vec<&str> = report["speech"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["text"].as_str())
        .collect();
    assert!(
        texts.ends_with(&[
            "Return of the Heir. 16 episodes",
            "Midnight Bakery. 12 episodes"
        ]),
        "{texts:?}"
    );
    // Not shown again.
    let (report, _) = qa(&["--first-run", "home"], state.path(), shared_cache());
    assert_eq!(report["screen"], "home");
}

#[test]
fn a_refused_catalog_with_nothing_cached_says_so_and_qa_does_not_wait_for_it() {
    // A catalog the box refuses (not a catalog at all), nothing cached.
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("catalog.json"),
        br#"{"format": "not ours"}"#,
    )
    .unwrap();
    let server = crate::common::TestServer::start(site.path());
    let url = server.url("catalog.json");
    let state = tempfile::tempdir().unwrap();
    let shot = state.path().join("home.png");
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(["screenshot", "home", "--catalog", &url, "--out"])
        .arg(&shot)
        .output()
        .expect("pillarbox runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    let img = image::open(&shot).expect("the screen the viewer sees");
    assert_eq!((img.width(), img.height()), (1920, 1080));
    // The QA report: home, with why, in plain words on screen.
    let (report, _) = qa(
        &["home", "key:down", "key:right", "key:ok", "--catalog", &url],
        state.path(),
        shared_cache(),
    );
    assert_eq!(report["screen"], "home", "{report}");
    let problem = report["catalog_problem"].as_str().expect("why");
    assert!(problem.contains("invalid"), "{problem}");
    assert_eq!(report["notice"], serde_json::Value::Null, "{report}");
}

/// The state directory's top-level names, sorted.
fn state_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn reset_this_box_forgets_the_viewer_on_disk_and_a_cut_reset_is_finished() {
    let state = tempfile::tempdir().unwrap();
    let dir = state.path();
    // A viewer's box: Spanish, an episode watched for a while.
    let mut steps = vec!["home", "key:red", "key:right", "key:right", "key:right"];
    steps.extend(["key:back", "key:ok", "key:ok", "playing:2000"]);
    qa(&steps, dir, shared_cache());
    let before = state_files(dir);
    for f in ["settings.json", "history.json", "device.json", "catalog"] {
        assert!(before.iter().any(|n| n == f), "{f} in {before:?}");
    }
    let device = std::fs::read_to_string(dir.join("device.json")).unwrap();

    // Settings, the last row, OK, Reset (Cancel has the focus first).
    let mut steps = vec!["home", "key:red"];
    steps.extend(["key:down"; 40]);
    steps.extend(["key:ok", "key:right", "key:ok", "sleep:500"]);
    let (report, _) = qa(&steps, dir, shared_cache());
    // The first-run screen, as on a new box.
    assert_eq!(report["screen"], "settings", "{report}");
    let after = state_files(dir);
    for f in ["settings.json", "history.json", "reset-pending"] {
        assert!(!after.iter().any(|n| n == f), "{f} left in {after:?}");
    }
    // What is the box's stays: the catalog's last good copy (it starts
    // offline as before); the device id is a new one.
    assert!(after.iter().any(|n| n == "catalog"), "{after:?}");
    let new_device = std::fs::read_to_string(dir.join("device.json")).unwrap();
    assert_ne!(device, new_device);

    // A reset cut short by a power cut (the marker and some files left) is
    // finished at the next start, before anything is read: the first-run
    // screen again, not the Spanish settings left behind.
    std::fs::write(dir.join("reset-pending"), "2026-12-05T00:00:00Z").unwrap();
    std::fs::write(
        dir.join("settings.json"),
        r#"{"language": "es", "welcomed": true}"#,
    )
    .unwrap();
    std::fs::write(dir.join("history.json"), r#"{"series": {}}"#).unwrap();
    let (report, _) = qa(&["--first-run", "sleep:1000"], dir, shared_cache());
    assert_eq!(report["screen"], "settings", "{report}");
    let after = state_files(dir);
    for f in ["reset-pending", "history.json"] {
        assert!(!after.iter().any(|n| n == f), "{f} left in {after:?}");
    }
}
