//! QA scenario files (TOML, see docs/qa.md): the steps a QA engineer
//! writes, read and checked, then turned into the runner's steps. Every
//! field is checked here, before the app starts, so a typo fails at once
//! naming the file, the step and the field.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Step;
use crate::input::Action;
use crate::net::faults::{Fault, FaultKind};

/// Bounds on what a scenario file may ask: it is outside input too.
const MAX_FILE_BYTES: u64 = 256 * 1024;
const MAX_STEPS: usize = 1000;
const MAX_REPEAT: u32 = 200;
const MAX_MS: u64 = 600_000;
const MAX_TEXT: usize = 512;
/// How long an expectation waits when its step does not say.
pub const DEFAULT_EXPECT_MS: u64 = 10_000;
/// The whole scenario, when the file does not say.
pub const DEFAULT_TIMEOUT_S: u64 = 120;

/// A scenario file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<String>,
    description: Option<String>,
    timeout_s: Option<u64>,
    lang: Option<String>,
    #[serde(default)]
    first_run: bool,
    /// Settings the box starts with, as an earlier session saved them
    /// (the fields `set` takes).
    settings: Option<toml::Table>,
    #[serde(default)]
    step: Vec<StepSpec>,
}

/// One `[[step]]`: exactly one action or check, with its options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    name: Option<String>,
    key: Option<Action>,
    repeat: Option<u32>,
    wait_ms: Option<u64>,
    open: Option<String>,
    play: Option<PlaySpec>,
    tune: Option<String>,
    seek_ms: Option<u64>,
    pause: Option<bool>,
    set: Option<toml::Table>,
    fault: Option<FaultSpec>,
    expect: Option<Expect>,
    timeout_ms: Option<u64>,
    screenshot: Option<String>,
    reference: Option<String>,
    tolerance: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaySpec {
    series: String,
    episode: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    url: String,
    status: Option<u16>,
    stall_ms: Option<u64>,
    truncate_at: Option<u64>,
    kbps: Option<u32>,
    /// `true`: no connection can be made (the network down).
    offline: Option<bool>,
    times: Option<u32>,
}

/// What a check waits for; every condition given must hold at once.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// home, series, player, locked or settings.
    pub screen: Option<ScreenName>,
    /// Text the focused item's description contains (what the spoken UI
    /// would say: a series title, "Episode 3", a button).
    pub focused: Option<String>,
    /// The series on screen (its page, its episode, its locked episode).
    pub series: Option<String>,
    /// The episode on the player or the Locked screen.
    pub episode: Option<u32>,
    /// The episode is playing (first frame shown), or not.
    pub playing: Option<bool>,
    pub paused: Option<bool>,
    /// The last episode started showed its first frame within this long
    /// of the play command.
    pub first_frame_within_ms: Option<u64>,
    /// The episode's position has passed this.
    pub position_ms: Option<u64>,
    /// The episode on screen has not played past this (a paused one
    /// stays where it is).
    pub position_below_ms: Option<u64>,
    /// The episode has not stalled for data since its first frame.
    pub no_rebuffer: Option<bool>,
    /// A subtitle cue containing this text has been shown.
    pub cue: Option<String>,
    /// The error screen shows a message containing this (its kind such as
    /// `network`, a status such as `HTTP 503`).
    pub error: Option<String>,
    /// The Locked screen's message contains this.
    pub locked_message: Option<String>,
    /// The notice line (stale or missing catalog) contains this.
    pub notice: Option<String>,
    /// Resident memory is below this many MiB.
    pub rss_below_mib: Option<u64>,
    /// At least this many injected faults have acted.
    pub faults_fired: Option<usize>,
    /// An ad is on screen: this one of its break (1 for the first).
    pub ad: Option<usize>,
    /// The ad on screen may be skipped now (OK skips it).
    pub ad_skippable: Option<bool>,
    /// At least this many ads have started since the app did.
    pub ads_played: Option<usize>,
    /// Each of these ad trackers has fired (`impression`, `complete`,
    /// `skip`, `error:401`, ...).
    pub ad_trackers: Option<Vec<String>>,
    /// A partner-insight event of this name was sent to the catalog's
    /// collectors (`episode_start`, `unlock`, ...: docs/analytics.md).
    pub event: Option<String>,
    /// Home's hero shows the preview of this series (its first frame came);
    /// `""`: no preview shows.
    pub preview: Option<String>,
    /// The player says the connection is lost and it keeps trying (true),
    /// or does not (false).
    pub connection_lost: Option<bool>,
    /// At least this many episodes are kept whole on the box (Settings'
    /// "Episodes kept ready").
    pub kept: Option<usize>,
    /// The player is on the drama channel of this id; `""`: on none.
    pub channel: Option<String>,
    /// A drama channel's banner is up (true), or not.
    pub banner: Option<bool>,
    /// The card for an episode the box may not play stands on a channel
    /// (true), or not.
    pub card: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenName {
    Home,
    Series,
    Player,
    Locked,
    Settings,
}

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub path: PathBuf,
    pub name: String,
    pub description: Option<String>,
    pub timeout: Duration,
    pub lang: Option<String>,
    pub first_run: bool,
    /// Settings saved before the app starts (`[settings]`).
    pub settings: Option<crate::app::settings::Settings>,
    /// What each step of the file is called in reports.
    pub labels: Vec<String>,
    pub steps: Vec<Step>,
}

/// Where a scenario writes its screenshots and diffs, and whether
/// references missing (or all, `update`) are written from this run.
#[derive(Debug, Clone)]
pub struct Artifacts {
    pub dir: PathBuf,
    pub update_references: bool,
}

/// What is wrong in a scenario file, or in one of its steps.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("{0} is longer than {MAX_TEXT} bytes")]
    TooLong(&'static str),
    #[error("{0} has control characters")]
    Control(&'static str),
    #[error("{0} is more than {MAX_MS} ms")]
    TooLate(&'static str),
    #[error("{0}")]
    Invalid(String),
}

impl From<String> for Problem {
    fn from(message: String) -> Problem {
        Problem::Invalid(message)
    }
}

impl From<&str> for Problem {
    fn from(message: &str) -> Problem {
        Problem::Invalid(message.into())
    }
}

/// Why a scenario file cannot run: which file, where in it, what.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {problem}", file.display())]
    File { file: PathBuf, problem: Problem },
    #[error("{}: step {step} ({label}): {problem}", file.display())]
    Step {
        file: PathBuf,
        step: usize,
        label: String,
        problem: Problem,
    },
}

/// Reads and checks the scenario at `path`.
pub fn load(path: &Path, artifacts: &Artifacts) -> Result<Scenario, ScenarioError> {
    let read = |source| ScenarioError::Read {
        file: path.to_owned(),
        source,
    };
    let bad = |problem: Problem| ScenarioError::File {
        file: path.to_owned(),
        problem,
    };
    let meta = std::fs::metadata(path).map_err(read)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(bad(format!("larger than {MAX_FILE_BYTES} bytes").into()));
    }
    let text = std::fs::read_to_string(path).map_err(read)?;
    let file: File = toml::from_str(&text).map_err(|e| bad(e.to_string().into()))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let name = file.name.clone().unwrap_or(stem);
    check_text(&name, "name").map_err(bad)?;
    if file.step.is_empty() {
        return Err(bad("no [[step]]".into()));
    }
    if file.step.len() > MAX_STEPS {
        return Err(bad(format!("more than {MAX_STEPS} steps").into()));
    }
    let timeout_s = file.timeout_s.unwrap_or(DEFAULT_TIMEOUT_S);
    if !(1..=3600).contains(&timeout_s) {
        return Err(bad("timeout_s must be 1 to 3600".into()));
    }
    if let Some(lang) = &file.lang
        && !crate::app::settings::valid_tag(lang)
    {
        return Err(bad(format!("lang {lang:?} is not a language tag").into()));
    }
    let settings = match &file.settings {
        Some(table) => {
            let patch = serde_json::to_value(table).map_err(|e| bad(e.to_string().into()))?;
            let saved = crate::app::settings::Settings {
                welcomed: true,
                ..Default::default()
            };
            Some(patched(&saved, &patch).map_err(|p| bad(format!("[settings]: {p}").into()))?)
        }
        None => None,
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let out = artifacts.dir.join(file_safe(&name));
    let mut labels = Vec::new();
    let mut steps = Vec::new();
    for (i, spec) in file.step.iter().enumerate() {
        let label = spec.name.clone().unwrap_or_else(|| spec.summary());
        steps.push(Step::Begin(i));
        spec.compile(base, &out, artifacts.update_references, &mut steps)
            .map_err(|problem| ScenarioError::Step {
                file: path.to_owned(),
                step: i + 1,
                label: label.clone(),
                problem,
            })?;
        labels.push(label);
    }
    Ok(Scenario {
        path: path.to_owned(),
        name,
        description: file.description,
        timeout: Duration::from_secs(timeout_s),
        lang: file.lang,
        first_run: file.first_run,
        settings,
        labels,
        steps,
    })
}

/// A name usable as a file or folder name.
pub fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() { "scenario".into() } else { s }
}

/// Trackers an `ad_trackers` expectation may name.
const MAX_AD_TRACKERS: usize = 32;

fn check_text(text: &str, field: &'static str) -> Result<(), Problem> {
    if text.len() > MAX_TEXT {
        return Err(Problem::TooLong(field));
    }
    if text.chars().any(char::is_control) {
        return Err(Problem::Control(field));
    }
    Ok(())
}

fn check_ms(ms: u64, field: &'static str) -> Result<Duration, Problem> {
    if ms > MAX_MS {
        return Err(Problem::TooLate(field));
    }
    Ok(Duration::from_millis(ms))
}

impl StepSpec {
    /// The actions given (exactly one is allowed).
    fn actions(&self) -> Vec<&'static str> {
        [
            ("key", self.key.is_some()),
            ("wait_ms", self.wait_ms.is_some()),
            ("open", self.open.is_some()),
            ("play", self.play.is_some()),
            ("tune", self.tune.is_some()),
            ("seek_ms", self.seek_ms.is_some()),
            ("pause", self.pause.is_some()),
            ("set", self.set.is_some()),
            ("fault", self.fault.is_some()),
            ("expect", self.expect.is_some()),
            ("screenshot", self.screenshot.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| name)
        .collect()
    }

    /// A short description for reports when the step has no `name`.
    fn summary(&self) -> String {
        if let Some(k) = self.key {
            let key = serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            return match self.repeat {
                Some(n) if n > 1 => format!("key {key} x{n}"),
                _ => format!("key {key}"),
            };
        }
        if let Some(ms) = self.wait_ms {
            return format!("wait {ms} ms");
        }
        if let Some(s) = &self.open {
            return format!("open {s}");
        }
        if let Some(p) = &self.play {
            return format!("play {} episode {}", p.series, p.episode);
        }
        if let Some(c) = &self.tune {
            return format!("tune to {c}");
        }
        if let Some(ms) = self.seek_ms {
            return format!("seek to {ms} ms");
        }
        if let Some(p) = self.pause {
            return if p { "pause" } else { "resume" }.into();
        }
        if let Some(t) = &self.set {
            return format!("set {}", t.keys().cloned().collect::<Vec<_>>().join(", "));
        }
        if let Some(f) = &self.fault {
            return format!("fault on {}", f.url);
        }
        if let Some(e) = &self.expect {
            return format!("expect {}", e.summary());
        }
        if let Some(s) = &self.screenshot {
            return format!("screenshot {s}");
        }
        "step".into()
    }

    fn compile(
        &self,
        base: &Path,
        out: &Path,
        update: bool,
        steps: &mut Vec<Step>,
    ) -> Result<(), Problem> {
        let actions = self.actions();
        match actions.len() {
            0 => {
                return Err(
                    "no action: give one of key, wait_ms, open, play, tune, seek_ms, pause, set, \
                     fault, expect, screenshot"
                        .into(),
                );
            }
            1 => {}
            _ => {
                return Err(format!("one action per step, not {}", actions.join(" and ")).into());
            }
        }
        let action = actions[0];
        let only = |field: &str, given: bool, with: &[&str]| {
            if given && !with.contains(&action) {
                Err(Problem::Invalid(format!(
                    "{field} goes with {}",
                    with.join(" or ")
                )))
            } else {
                Ok(())
            }
        };
        only("repeat", self.repeat.is_some(), &["key"])?;
        only("timeout_ms", self.timeout_ms.is_some(), &["expect"])?;
        only("reference", self.reference.is_some(), &["screenshot"])?;
        only("tolerance", self.tolerance.is_some(), &["screenshot"])?;
        if let Some(name) = &self.name {
            check_text(name, "name")?;
        }
        if let Some(key) = self.key {
            let n = self.repeat.unwrap_or(1);
            if !(1..=MAX_REPEAT).contains(&n) {
                return Err(format!("repeat must be 1 to {MAX_REPEAT}").into());
            }
            steps.extend((0..n).map(|_| Step::Key(key)));
        } else if let Some(ms) = self.wait_ms {
            steps.push(Step::Sleep(check_ms(ms, "wait_ms")?));
        } else if let Some(series) = &self.open {
            check_text(series, "open")?;
            steps.push(Step::Open {
                series: series.clone(),
                episode: None,
            });
        } else if let Some(p) = &self.play {
            check_text(&p.series, "play.series")?;
            steps.push(Step::Open {
                series: p.series.clone(),
                episode: Some(p.episode),
            });
        } else if let Some(channel) = &self.tune {
            check_text(channel, "tune")?;
            steps.push(Step::Tune(channel.clone()));
        } else if let Some(ms) = self.seek_ms {
            check_ms(ms, "seek_ms")?;
            steps.push(Step::Seek(ms));
        } else if let Some(pause) = self.pause {
            steps.push(Step::Key(if pause { Action::Pause } else { Action::Play }));
        } else if let Some(table) = &self.set {
            let patch = serde_json::to_value(table).map_err(|e| format!("set: {e}"))?;
            // Checked against the defaults now; applied to the settings of
            // the moment when the step runs.
            patched(&crate::app::settings::Settings::default(), &patch)?;
            steps.push(Step::Set(patch));
        } else if let Some(f) = &self.fault {
            steps.push(Step::Fault(f.fault()?));
        } else if let Some(e) = &self.expect {
            e.check()?;
            let ms = self.timeout_ms.unwrap_or(DEFAULT_EXPECT_MS);
            steps.push(Step::Expect {
                expect: Box::new(e.clone()),
                timeout: check_ms(ms, "timeout_ms")?,
            });
        } else if let Some(file) = &self.screenshot {
            let name = Path::new(file);
            if name.components().count() != 1 || name.extension().is_none_or(|x| x != "png") {
                return Err(format!(
                    "screenshot {file:?}: a file name ending .png (it is written under the \
                     artifacts folder)"
                )
                .into());
            }
            let tolerance = match self.tolerance {
                None => super::compare::Tolerance::default(),
                Some(t) if (0.0..=1.0).contains(&t) => super::compare::Tolerance {
                    share: t,
                    ..Default::default()
                },
                Some(_) => return Err("tolerance is a share of pixels, 0 to 1".into()),
            };
            // A reference lives under the scenario's folder: written there
            // by --update-references, never anywhere else.
            if let Some(r) = &self.reference {
                let path = Path::new(r);
                let inside = path
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
                if !inside || path.extension().is_none_or(|x| x != "png") {
                    return Err(format!(
                        "reference {r:?}: a .png path under the scenario's folder (no '..', not absolute)"
                    )
                    .into());
                }
            }
            steps.push(Step::Compare(Box::new(super::Shot {
                out: out.join(name),
                reference: self.reference.as_ref().map(|r| base.join(r)),
                tolerance,
                update,
            })));
        }
        Ok(())
    }
}

impl FaultSpec {
    fn fault(&self) -> Result<Fault, Problem> {
        check_text(&self.url, "fault.url")?;
        if self.url.is_empty() {
            return Err("fault.url is empty (it would match every request)".into());
        }
        let kinds: Vec<FaultKind> = [
            self.status.map(FaultKind::Status),
            self.stall_ms
                .map(|ms| FaultKind::Stall(Duration::from_millis(ms))),
            self.truncate_at.map(FaultKind::Truncate),
            self.kbps.map(FaultKind::SlowKbps),
            self.offline.filter(|o| *o).map(|_| FaultKind::Offline),
        ]
        .into_iter()
        .flatten()
        .collect();
        let [kind] = kinds[..] else {
            return Err("a fault is one of status, stall_ms, truncate_at, kbps, offline".into());
        };
        match kind {
            FaultKind::Status(s) if !(100..=599).contains(&s) => {
                return Err(format!("fault.status {s} is not an HTTP status").into());
            }
            FaultKind::Stall(d) if d.as_millis() as u64 > MAX_MS => {
                return Err(format!("fault.stall_ms is more than {MAX_MS}").into());
            }
            FaultKind::SlowKbps(0) => return Err("fault.kbps must be above 0".into()),
            _ => {}
        }
        let times = self.times.unwrap_or(1);
        if !(1..=1000).contains(&times) {
            return Err("fault.times must be 1 to 1000".into());
        }
        Ok(Fault {
            url_contains: self.url.clone(),
            kind,
            times,
        })
    }
}

impl Expect {
    fn check(&self) -> Result<(), Problem> {
        if *self == Expect::default() {
            return Err("expect names nothing to wait for".into());
        }
        for (field, text) in [
            ("focused", &self.focused),
            ("series", &self.series),
            ("cue", &self.cue),
            ("error", &self.error),
            ("locked_message", &self.locked_message),
            ("notice", &self.notice),
        ] {
            if let Some(t) = text {
                check_text(t, field)?;
            }
        }
        if let Some(event) = &self.event
            && !crate::catalog::model::EVENT_NAMES.contains(&event.as_str())
        {
            return Err(format!(
                "event {event:?} is not one the box sends; one of {}",
                crate::catalog::model::EVENT_NAMES.join(", ")
            )
            .into());
        }
        if let Some(trackers) = &self.ad_trackers {
            if trackers.len() > MAX_AD_TRACKERS {
                return Err("ad_trackers names more than 32 trackers".into());
            }
            for t in trackers {
                check_text(t, "ad_trackers")?;
            }
        }
        Ok(())
    }

    /// The conditions as `field=value` pairs, for reports.
    pub fn summary(&self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
            _ => String::new(),
        }
    }
}

/// `base` with the fields of `patch` put over it (objects merged), as
/// settings; an error names the field that does not fit.
pub fn patched(
    base: &crate::app::settings::Settings,
    patch: &serde_json::Value,
) -> Result<crate::app::settings::Settings, Problem> {
    fn merge(into: &mut serde_json::Value, patch: &serde_json::Value) {
        match (into, patch) {
            (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
                for (k, v) in b {
                    merge(a.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
            (slot, v) => *slot = v.clone(),
        }
    }
    let mut value = serde_json::to_value(base).map_err(|e| Problem::Invalid(e.to_string()))?;
    // Parental control is kept in a file of its own, not serialised with
    // the settings, and may be set all the same.
    if let Some(o) = value.as_object_mut() {
        let parental =
            serde_json::to_value(&base.parental).map_err(|e| Problem::Invalid(e.to_string()))?;
        o.insert("parental".into(), parental);
    }
    let known = value.clone();
    if let (Some(known), Some(patch)) = (known.as_object(), patch.as_object()) {
        for k in patch.keys() {
            if !known.contains_key(k) {
                let names: Vec<_> = known.keys().map(String::as_str).collect();
                return Err(Problem::Invalid(format!(
                    "set: no setting {k:?} (settings: {})",
                    names.join(", ")
                )));
            }
        }
    }
    merge(&mut value, patch);
    let settings: crate::app::settings::Settings = serde_path_to_error::deserialize(value)
        .map_err(|e| Problem::Invalid(format!("set: {}: {}", e.path(), e.inner())))?;
    // Values the app would correct or ignore are refused here, named.
    let problems = settings.problems();
    if !problems.is_empty() {
        return Err(Problem::Invalid(format!("set: {}", problems.join("; "))));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests;
