//! Scenario files' tests: reading them, their steps and expectations,
//! and what they refuse.

use super::*;

fn load_text(text: &str) -> Result<Scenario, ScenarioError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let artifacts = Artifacts {
        dir: dir.path().join("out"),
        update_references: false,
    };
    load(&path, &artifacts)
}

#[test]
fn a_scenario_compiles_to_runner_steps() {
    let s = load_text(
        r#"
            name = "Binge"
            [[step]]
            expect = { screen = "home" }
            [[step]]
            key = "down"
            repeat = 3
            [[step]]
            play = { series = "s1", episode = 2 }
            [[step]]
            fault = { url = "seg-3", status = 503 }
            [[step]]
            set = { subtitles = "on", captions = { size = 150 } }
            "#,
    )
    .unwrap();
    assert_eq!(s.name, "Binge");
    assert_eq!(s.labels[1], "key down x3");
    let keys = s
        .steps
        .iter()
        .filter(|s| matches!(s, Step::Key(Action::Down)))
        .count();
    assert_eq!(keys, 3);
    assert!(s.steps.contains(&Step::Fault(Fault {
        url_contains: "seg-3".into(),
        kind: FaultKind::Status(503),
        times: 1
    })));
}

#[test]
fn saved_settings_are_checked_and_kept_for_the_start() {
    let s = load_text("[settings]\nshare_viewing = true\nlanguage = \"sw\"\n[[step]]\nwait_ms = 1")
        .unwrap();
    let saved = s.settings.unwrap();
    assert_eq!(saved.share_viewing, Some(true));
    assert_eq!(saved.language.as_deref(), Some("sw"));
    // An earlier session went through the first-run screen.
    assert!(saved.welcomed);
}

#[test]
fn mistakes_are_named_with_the_step_and_field() {
    let cases = [
        ("[[step]]\nkey = \"upp\"", "unknown variant"),
        (
            "[[step]]\nkey = \"up\"\nwait_ms = 3",
            "one action per step, not key and wait_ms",
        ),
        (
            "[[step]]\nexpect = { screen = \"home\", colour = 1 }",
            "unknown field",
        ),
        (
            "[[step]]\nexpect = {}",
            "step 1 (expect ): expect names nothing",
        ),
        (
            "[[step]]\nwait_ms = 5\ntimeout_ms = 3",
            "timeout_ms goes with expect",
        ),
        (
            "[[step]]\nfault = { url = \"x\", status = 503, kbps = 3 }",
            "one of status",
        ),
        (
            "[[step]]\nfault = { url = \"x\", status = 1000 }",
            "not an HTTP status",
        ),
        ("[[step]]\nset = { subtitles = \"loud\" }", "set: subtitles"),
        ("[[step]]\nset = { volume = 3 }", "no setting \"volume\""),
        (
            "[[step]]\nset = { text_size = 175 }",
            "text_size: 175 is not one of 100, 125, 150",
        ),
        (
            "[[step]]\nset = { captions = { size = 300 } }",
            "captions.size: 300 is not 50 to 250",
        ),
        (
            "[[step]]\nset = { language = \"klingon!!\" }",
            "language: \"klingon!!\" is not one of",
        ),
        (
            "[[step]]\nscreenshot = \"../x.png\"",
            "a file name ending .png",
        ),
        (
            "[[step]]\nscreenshot = \"x.png\"\nreference = \"../../etc/x.png\"",
            "under the scenario's folder",
        ),
        (
            "[[step]]\nscreenshot = \"x.png\"\nreference = \"/tmp/x.png\"",
            "under the scenario's folder",
        ),
        ("[[step]]\nkey = \"up\"\nrepeat = 1000", "repeat must be"),
        ("[[step]]\nwait_ms = 99999999", "more than"),
        ("name = \"x\"", "no [[step]]"),
        (
            "[settings]\nvolume = 3\n[[step]]\nwait_ms = 1",
            "[settings]: set: no setting \"volume\"",
        ),
        (
            "[[step]]\nexpect = { event = \"everything\" }",
            "event \"everything\" is not one the box sends",
        ),
    ];
    for (text, want) in cases {
        let e = load_text(text).unwrap_err().to_string();
        assert!(e.contains(want), "{text:?}: {e}");
        assert!(e.contains("s.toml"), "{e}");
    }
}
