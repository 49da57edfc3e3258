//! `pillarbox soak`: episodes back to back with the process sampled after
//! each; CI's short runs must show nothing growing.

use std::process::Command;

fn soak(args: &[&str]) -> (bool, serde_json::Value, String) {
    let _alone = crate::common::heavy();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .arg("soak")
        .args(args)
        .arg("--cache-dir")
        .arg(dir.path())
        .args([
            "--state-dir",
            &dir.path().join("state").display().to_string(),
        ])
        .env("XDG_CACHE_HOME", dir.path())
        .output()
        .expect("pillarbox runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(serde_json::Value::Null);
    (
        out.status.success(),
        summary,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fifty_episodes_back_to_back_grow_nothing() {
    // 50 episodes: a few MiB of noise extrapolate far, so the bound is
    // wider than the default; a leaked frame (650 KiB) an episode would
    // still be 65 MiB per 100.
    let (ok, summary, stderr) = soak(&["--episodes", "50", "--samples", "--max-growth-mib", "32"]);
    assert!(ok, "{summary} {stderr}");
    assert_eq!(summary["episodes"], 50, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["ok"], true, "{summary}");
    eprintln!("soak, playback core: {summary}");
}

#[test]
fn the_tv_app_zapping_through_episodes_keeps_its_threads_and_files() {
    // A short run: the UI's caches still fill, so the memory bound is wide;
    // threads and open files must not grow (500-episode figures: the note).
    let (ok, summary, stderr) = soak(&[
        "--tv",
        "--episodes",
        "30",
        "--mute",
        "--max-growth-mib",
        "200",
    ]);
    assert!(ok, "{summary} {stderr}");
    assert_eq!(summary["episodes"], 30, "{summary}");
    assert_eq!(summary["ok"], true, "{summary}");
    eprintln!("soak, TV app: {summary}");
}
