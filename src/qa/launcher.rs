//! `pillarbox qa FILE...`: runs scenario files, each run in a process of
//! its own (a fresh state directory, its own memory figures, and a hung or
//! crashed run cannot take the others with it), with a per-scenario
//! timeout, repeats and a shuffled order; reports JSON on stdout and,
//! if asked, JUnit XML.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::scenario::{self, Artifacts, Scenario};
use super::{Failure, QaReport};

/// Time a run gets beyond its scenario's timeout before it is killed: the
/// run stops itself at the timeout and reports; this is for one that hangs.
const GRACE: Duration = Duration::from_secs(30);
/// The end of a run's log kept in a failed JUnit testcase.
const LOG_TAIL: usize = 8 * 1024;

#[derive(Debug, Clone)]
pub struct LaunchOptions {
    pub files: Vec<PathBuf>,
    pub junit: Option<PathBuf>,
    pub repeat: u32,
    /// Shuffle the runs with this seed.
    pub shuffle: Option<u64>,
    /// Overrides each scenario's own timeout.
    pub timeout: Option<Duration>,
    pub artifacts: Artifacts,
    /// This program, and the TV options each run is given (catalog, ...).
    pub program: PathBuf,
    pub tv_args: Vec<OsString>,
    /// The box language, where a scenario does not give its own.
    pub lang: Option<String>,
    /// Every run starts on the first-run screen.
    pub first_run: bool,
}

/// What a scenario's process writes for the launcher.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub report: serde_json::Value,
    pub failure: Option<Failure>,
}

impl RunResult {
    pub fn new(report: &QaReport, failure: Option<Failure>) -> RunResult {
        RunResult {
            report: serde_json::to_value(report).unwrap_or_default(),
            failure,
        }
    }
}

/// One scenario run, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub scenario: String,
    pub file: PathBuf,
    /// 1 for the first of `--repeat` runs.
    pub run: u32,
    pub ok: bool,
    pub ms: u64,
    pub steps: Vec<StepOutcome>,
    /// Which step failed and how; the screen then, by path.
    pub failure: Option<String>,
    pub failed_step: Option<usize>,
    pub screenshot: Option<PathBuf>,
    /// The run's log (stderr).
    pub log: PathBuf,
    /// The QA report of the run (timings, memory, first frames, ...).
    pub report: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub name: String,
    /// None: not reached.
    pub ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub seed: Option<u64>,
    pub runs: Vec<Outcome>,
}

/// Why the scenarios could not be run (not: a scenario failed).
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(transparent)]
    Scenario(#[from] scenario::ScenarioError),
    #[error("cannot {what} {}: {source}", path.display())]
    File {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start {}: {source}", program.display())]
    Start {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("waiting for {scenario}: {source}")]
    Wait {
        scenario: String,
        #[source]
        source: std::io::Error,
    },
    #[error("JUnit report: {0}")]
    Junit(String),
}

/// `what` to do with `path` failed.
fn file(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> LaunchError {
    let path = path.to_owned();
    move |source| LaunchError::File { what, path, source }
}

/// Loads every scenario first (a bad file stops everything at once), then
/// runs them.
pub fn launch(options: &LaunchOptions) -> Result<Summary, LaunchError> {
    let mut scenarios = Vec::new();
    for file in &options.files {
        scenarios.push(scenario::load(file, &options.artifacts)?);
    }
    let mut order: Vec<(usize, u32)> = (1..=options.repeat.max(1))
        .flat_map(|run| (0..scenarios.len()).map(move |i| (i, run)))
        .collect();
    if let Some(seed) = options.shuffle {
        fastrand::Rng::with_seed(seed).shuffle(&mut order);
    }
    let mut runs = Vec::new();
    for (i, run) in order {
        let outcome = run_one(&scenarios[i], run, options)?;
        eprintln!(
            "pillarbox qa: {} {} (run {run}, {} ms){}",
            if outcome.ok { "PASS" } else { "FAIL" },
            outcome.scenario,
            outcome.ms,
            outcome
                .failure
                .as_ref()
                .map(|f| format!(": {f}"))
                .unwrap_or_default()
        );
        runs.push(outcome);
    }
    let failed = runs.iter().filter(|r| !r.ok).count();
    let summary = Summary {
        passed: runs.len() - failed,
        failed,
        seed: options.shuffle,
        runs,
    };
    if let Some(path) = &options.junit {
        write_junit(&summary, path)?;
    }
    Ok(summary)
}

fn run_one(s: &Scenario, run: u32, options: &LaunchOptions) -> Result<Outcome, LaunchError> {
    let dir = options.artifacts.dir.join(scenario::file_safe(&s.name));
    std::fs::create_dir_all(&dir).map_err(file("create", &dir))?;
    let state = tempfile::tempdir().map_err(file("create", Path::new("a state directory")))?;
    let result_path = state.path().join("result.json");
    if let Some(settings) = &s.settings {
        let dir = state.path().join("state");
        let saved = crate::store::Store::new(&dir).and_then(|store| {
            store.save(crate::app::settings::SETTINGS_FILE, settings)?;
            crate::app::parental::save(&dir, &settings.parental)
        });
        saved.map_err(file("write", &dir))?;
    }
    let log = dir.join(format!("run-{run}.log"));
    let log_file = std::fs::File::create(&log).map_err(file("create", &log))?;
    let timeout = options.timeout.unwrap_or(s.timeout);
    let mut cmd = Command::new(&options.program);
    cmd.arg("qa")
        .arg(&s.path)
        .arg("--scenario-run")
        .arg("--result")
        .arg(&result_path)
        .arg("--timeout")
        .arg(timeout.as_secs().max(1).to_string())
        .arg("--artifacts")
        .arg(&options.artifacts.dir)
        .args(&options.tv_args)
        .arg("--state-dir")
        .arg(state.path().join("state"));
    if options.artifacts.update_references {
        cmd.arg("--update-references");
    }
    if let Some(lang) = s.lang.as_ref().or(options.lang.as_ref()) {
        cmd.arg("--lang").arg(lang);
    }
    if s.first_run || options.first_run {
        cmd.arg("--first-run");
    }
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|source| LaunchError::Start {
            program: options.program.clone(),
            source,
        })?;
    let mut killed = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout + GRACE => {
                let _ = child.kill();
                let _ = child.wait();
                killed = true;
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(source) => {
                return Err(LaunchError::Wait {
                    scenario: s.name.clone(),
                    source,
                });
            }
        }
    };
    let ms = started.elapsed().as_millis() as u64;
    let result: Option<RunResult> = std::fs::read(&result_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let (report, failure) = match (result, killed) {
        (_, true) => (
            serde_json::Value::Null,
            Some(Failure {
                step: None,
                message: format!("killed: no result within {} s", (timeout + GRACE).as_secs()),
                screenshot: None,
            }),
        ),
        (Some(r), false) => (r.report, r.failure),
        (None, false) => (
            serde_json::Value::Null,
            Some(Failure {
                step: None,
                message: format!(
                    "the run ended ({}) without a result; see {}",
                    status.map_or("killed".into(), |s| s.to_string()),
                    log.display()
                ),
                screenshot: None,
            }),
        ),
    };
    let step_ms: Vec<u64> = report
        .get("step_ms")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let steps = s
        .labels
        .iter()
        .enumerate()
        .map(|(i, name)| StepOutcome {
            name: name.clone(),
            ms: step_ms.get(i).copied(),
        })
        .collect();
    let failed_step = failure.as_ref().and_then(|f| f.step);
    let message = failure.as_ref().map(|f| match f.step {
        Some(i) => format!(
            "step {} ({}): {}",
            i + 1,
            s.labels.get(i).map_or("?", String::as_str),
            f.message
        ),
        None => f.message.clone(),
    });
    Ok(Outcome {
        scenario: s.name.clone(),
        file: s.path.clone(),
        run,
        ok: failure.is_none(),
        ms,
        steps,
        failure: message,
        failed_step,
        screenshot: failure.and_then(|f| f.screenshot),
        log,
        report,
    })
}

fn write_junit(summary: &Summary, path: &Path) -> Result<(), LaunchError> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new("pillarbox qa");
    let mut total = Duration::ZERO;
    for run in &summary.runs {
        let status = match &run.failure {
            None => TestCaseStatus::success(),
            Some(message) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(message.as_str());
                status.set_type("expectation");
                status
            }
        };
        let name = if run.run > 1 {
            format!("{} (run {})", run.scenario, run.run)
        } else {
            run.scenario.clone()
        };
        let mut case = TestCase::new(name, status);
        case.set_classname(run.file.display().to_string());
        let time = Duration::from_millis(run.ms);
        total += time;
        case.set_time(time);
        // Step timings, and the failing moment's screen as an attachment
        // (the [[ATTACHMENT|path]] line Jenkins and GitLab read).
        let mut out = String::new();
        for (i, step) in run.steps.iter().enumerate() {
            match step.ms {
                Some(ms) => out.push_str(&format!("step {} {}: {ms} ms\n", i + 1, step.name)),
                None => out.push_str(&format!("step {} {}: not reached\n", i + 1, step.name)),
            }
        }
        if let Some(shot) = &run.screenshot {
            let shot = std::path::absolute(shot).unwrap_or_else(|_| shot.clone());
            out.push_str(&format!("[[ATTACHMENT|{}]]\n", shot.display()));
        }
        case.set_system_out(out);
        if !run.ok {
            let log = std::fs::read(&run.log).unwrap_or_default();
            let tail = &log[log.len().saturating_sub(LOG_TAIL)..];
            case.set_system_err_lossy(tail);
        }
        suite.add_test_case(case);
    }
    suite.set_time(total);
    let mut report = Report::new("pillarbox");
    report.set_time(total);
    report.add_test_suite(suite);
    let xml = report
        .to_string()
        .map_err(|e| LaunchError::Junit(e.to_string()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(file("create", dir))?;
    }
    std::fs::write(path, xml).map_err(file("write", path))
}
