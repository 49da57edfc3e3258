//! `pillarbox qa` on the command line: a scenario run in this process (what
//! the launcher starts), or a list of steps given as arguments.

use std::path::Path;
use std::time::Duration;

use super::launcher::RunResult;
use super::scenario::{self, Artifacts};
use super::{QaError, QaReport, Step};
use crate::tv::TvOptions;

/// Runs the scenario in `file` (its timeout, unless `timeout`); its result
/// as JSON goes to `result` (the launcher reads it), else to stdout. True
/// when it passed.
pub fn scenario(
    options: &TvOptions,
    file: &Path,
    timeout: Option<Duration>,
    artifacts: &Artifacts,
    result: Option<&Path>,
) -> Result<bool, QaError> {
    let s = scenario::load(file, artifacts)?;
    let timeout = timeout.unwrap_or(s.timeout);
    let shot = artifacts
        .dir
        .join(scenario::file_safe(&s.name))
        .join("failure.png");
    let (report, failure) = super::run_steps(options, s.steps, timeout, false, Some(&shot))?;
    let ok = failure.is_none();
    let json = serde_json::to_string(&RunResult::new(&report, failure))
        .map_err(|e| QaError::Step(format!("cannot encode the result: {e}")))?;
    match result {
        Some(path) => std::fs::write(path, json).map_err(|source| QaError::File {
            what: "write",
            path: path.to_owned(),
            source,
        })?,
        None => println!("{json}"),
    }
    Ok(ok)
}

/// Runs steps given as text (`home`, `key:ok`, `playing:3000`, ...): the
/// report, or why a step failed.
pub fn steps(
    options: &TvOptions,
    steps: &[String],
    timeout: Duration,
    display: bool,
) -> Result<QaReport, QaError> {
    let steps = steps
        .iter()
        .map(|s| s.parse::<Step>())
        .collect::<Result<Vec<_>, _>>()?;
    super::run(options, steps, timeout, display)
}
