//! QA scenario files (`pillarbox qa FILE.toml`): the set under
//! tests/scenarios passes with a JUnit report; a failing scenario names its
//! step and what was seen, attaches the screen, and sets the exit status;
//! repeats and a seeded shuffle run what they say.

use std::path::Path;
use std::process::{Command, Output};

fn qa(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .arg("qa")
        .args(args)
        .current_dir(cwd)
        .env("XDG_CACHE_HOME", crate::tv_app::shared_cache())
        .output()
        .expect("pillarbox runs")
}

#[test]
fn the_scenario_set_passes_and_reports_junit() {
    let _alone = crate::common::heavy();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = tempfile::tempdir().unwrap();
    let junit = out_dir.path().join("qa.xml");
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    let artifacts = out_dir.path().join("artifacts");
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (junit_arg, artifacts_arg) = (junit.display().to_string(), artifacts.display().to_string());
    args.extend(["--junit", &junit_arg, "--artifacts", &artifacts_arg]);
    let out = qa(&args, root);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["passed"], files.len());
    for run in summary["runs"].as_array().unwrap() {
        // Every step was reached and timed.
        for step in run["steps"].as_array().unwrap() {
            assert!(step["ms"].is_u64(), "{run}");
        }
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(&format!(r#"tests="{}" failures="0""#, files.len())),
        "{xml}"
    );
    assert!(xml.contains(r#"<testcase name="back everywhere""#), "{xml}");
    // The error scenario's injected faults acted, and were reported.
    let error_run = summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scenario"] == "error and retry")
        .unwrap();
    assert!(
        error_run["report"]["faults"].as_array().unwrap().len() >= 6,
        "{error_run}"
    );
    // The ad breaks' ads and trackers, in order, in the QA report: the first
    // break played one ad through and skipped the second; in the second,
    // both failed (each its inline and its wrapper error URL, code 401).
    let ads_run = summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scenario"] == "ad breaks")
        .unwrap();
    let ads = &ads_run["report"]["ads"];
    assert_eq!(
        ads["played"],
        serde_json::json!(["demo-ad-1", "demo-ad-2", "demo-ad-1", "demo-ad-2"]),
        "{ads_run}"
    );
    let trackers: Vec<&str> = ads["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    let count = |name: &str| trackers.iter().filter(|t| **t == name).count();
    // Each ad's impression, once from it and once from its wrapper.
    assert_eq!(count("impression"), 4, "{trackers:?}");
    assert_eq!(count("complete"), 2, "{trackers:?}");
    assert_eq!(count("skip"), 1, "{trackers:?}");
    assert_eq!(count("error:401"), 4, "{trackers:?}");
    assert_eq!(trackers.last(), Some(&"error:401"), "{trackers:?}");
}

#[test]
fn a_failing_scenario_names_its_step_and_shows_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wrong.toml"),
        r#"
name = "expects the player too soon"
[[step]]
expect = { screen = "home" }
[[step]]
key = "down"
[[step]]
key = "ok"
[[step]]
expect = { screen = "player" }
timeout_ms = 1500
"#,
    )
    .unwrap();
    let out = qa(
        &[
            "wrong.toml",
            "--junit",
            "qa.xml",
            "--repeat",
            "2",
            "--shuffle=7",
            "--timeout",
            "60",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["failed"], 2, "{summary}");
    assert_eq!(summary["seed"], 7);
    let run = &summary["runs"][0];
    let failure = run["failure"].as_str().unwrap();
    assert!(
        failure.starts_with(
            "step 4 (expect screen=\"player\"): not within 1500 ms; saw screen=series"
        ),
        "{failure}"
    );
    assert_eq!(run["failed_step"], 3);
    // The steps before it were timed, and the failing one too; the screen
    // then was written.
    assert!(run["steps"][1]["ms"].is_u64(), "{run}");
    assert!(run["steps"][2]["ms"].is_u64(), "{run}");
    assert!(run["steps"][3]["ms"].is_u64(), "{run}");
    // The run's log is plain text (no terminal colours).
    let log = std::fs::read_to_string(dir.path().join(run["log"].as_str().unwrap())).unwrap();
    assert!(!log.contains('\u{1b}'), "colour codes in {log}");
    let shot = Path::new(run["screenshot"].as_str().unwrap());
    let shot = dir.path().join(shot);
    let img = image::open(&shot).expect("the failure screenshot");
    assert_eq!((img.width(), img.height()), (1920, 1080));
    let xml = std::fs::read_to_string(dir.path().join("qa.xml")).unwrap();
    assert!(xml.contains(r#"tests="2" failures="2""#), "{xml}");
    assert!(xml.contains("expects the player too soon (run 2)"), "{xml}");
    assert!(xml.contains("[[ATTACHMENT|"), "{xml}");

    // The scenario's own time limit runs out mid-step: the step is named
    // once, with what it waited for.
    std::fs::write(
        dir.path().join("slow.toml"),
        "timeout_s = 4\n[[step]]\nexpect = { screen = \"home\" }\n\
         [[step]]\nname = \"never\"\nexpect = { screen = \"locked\" }\ntimeout_ms = 60000\n",
    )
    .unwrap();
    let out = qa(&["slow.toml"], dir.path());
    let summary: serde_json::Value =
        serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    let failure = summary["runs"][0]["failure"].as_str().unwrap();
    assert!(
        failure.starts_with("step 2 (never): timed out"),
        "{failure}"
    );
    assert_eq!(failure.matches("step").count(), 1, "{failure}");

    // A value the Settings screen does not offer is refused before the run.
    std::fs::write(
        dir.path().join("set.toml"),
        "[[step]]\nset = { text_size = 175 }\n",
    )
    .unwrap();
    let out = qa(&["set.toml"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("text_size: 175 is not one of 100, 125, 150"),
        "{stderr}"
    );

    // A mistake in a file stops the run before anything starts, naming it.
    std::fs::write(dir.path().join("typo.toml"), "[[step]]\nkey = \"okk\"\n").unwrap();
    let out = qa(&["typo.toml"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("typo.toml") && stderr.contains("okk"),
        "{stderr}"
    );
}
