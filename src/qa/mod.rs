//! The QA runner, on top of the TV shell: the whole TV app (catalog,
//! player, view) driven by a script of keys, waits and expectations;
//! reports timings and memory, writes and compares screenshots. Scenario
//! files ([`scenario`]) compile to its steps; [`launcher`] runs them, each
//! in a process of its own, and writes the JSON and JUnit reports.
//! Headless on the software renderer by default; with a display
//! (`--display`), in a real window on the board's backend and renderer,
//! where the GL video path can be checked.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde::Serialize;
use slint::ComponentHandle;

pub mod cli;
pub mod compare;
pub mod expect;
pub mod launcher;
pub mod process;
pub mod report;
pub mod scenario;

use crate::app::{Event, Phase, Playback, Screen};
use crate::input::Action;
use crate::net::faults::FaultPlan;
use crate::tv::{Session, Shell, ShellHandle, TvError, TvOptions};
use crate::view::STAGE;
use pillarbox_headless::{Headless, HeadlessPlatform};
pub use report::{AdsReport, QaReport};

/// Why a QA run (or a screenshot) did not complete.
#[derive(Debug, thiserror::Error)]
pub enum QaError {
    #[error(transparent)]
    Tv(#[from] TvError),
    #[error("cannot set up the headless renderer")]
    Headless(#[source] slint::PlatformError),
    #[error("QA event loop")]
    EventLoop(#[source] slint::PlatformError),
    /// A step failed or did not complete in time.
    #[error("{0}")]
    Step(String),
    #[error(transparent)]
    Scenario(#[from] scenario::ScenarioError),
    #[error("qa: {0}")]
    Steps(#[from] StepParseError),
    #[error("cannot {what} {}: {source}", path.display())]
    File {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A step given on the command line that is not one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepParseError {
    #[error("{0:?}: expected milliseconds after ':'")]
    Milliseconds(String),
    #[error("{step:?}: unknown action {action:?}")]
    Action { step: String, action: String },
    #[error("{0:?}: unknown step")]
    Unknown(String),
}

/// Why a step of a run failed: said in the report, with the step.
#[derive(Debug, thiserror::Error)]
pub enum StepFailure {
    /// The run's time limit ran out; `step` is the step's number in a run
    /// of steps (a scenario's report names its own step).
    #[error(
        "timed out{} waiting for {what}",
        .step.map_or(String::new(), |n| format!(" at step {n}"))
    )]
    Timeout { step: Option<usize>, what: String },
    #[error("playback failed: {0}")]
    Playback(String),
    #[error("the catalog has no series {0:?}")]
    NoSeries(String),
    #[error("the catalog has no channel {0:?}")]
    NoChannel(String),
    #[error("seek: no episode on screen")]
    NoEpisode,
    /// An expectation that failed, or did not hold in time.
    #[error("{0}")]
    Expectation(String),
    #[error(
        "no reference {}; this run's screen is {} (look at it, then run with --update-references to take it)",
        reference.display(), shot.display()
    )]
    NoReference { reference: PathBuf, shot: PathBuf },
    #[error(transparent)]
    Compare(#[from] compare::CompareError),
    #[error(transparent)]
    Screen(#[from] ScreenError),
    #[error("cannot read {0}")]
    Proc(&'static str),
    #[error(transparent)]
    Settings(#[from] scenario::Problem),
}

/// Why the screen could not be captured or written.
#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    #[error("the window is gone")]
    Gone,
    #[error("cannot read the window back: {0}")]
    ReadBack(String),
    #[error("the window snapshot has a bad size")]
    Size,
    #[error("cannot create {}: {source}", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ready {
    /// The home screen with the catalog and every poster on it loaded.
    Home,
    /// Every poster asked for has loaded (or failed).
    Posters,
    /// An episode has played this far.
    PlayingMs(u64),
    /// The Locked screen shows a code for the phone; it is printed on
    /// stdout as one JSON line, `{"pairing":{"user_code":..,"uri":..,
    /// "uri_complete":..}}`, for a test (or a person) to finish on a phone.
    Pairing,
    /// The Locked screen is not waiting for the server any more.
    Answered,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Wait(Ready),
    Key(Action),
    Sleep(Duration),
    /// A playback report as if from the player, about the episode on screen.
    Inject(Playback),
    /// Writes the screen as PNG.
    Shot(PathBuf),
    /// Records the resident memory under a label.
    Rss(String),
    /// Records memory, threads and open files (a soak run's sample).
    Sample,
    /// Records the CPU time used so far, with the time, under a label.
    Cpu(String),
    /// Scenario step N starts here (timings and failures are per step).
    Begin(usize),
    /// A series' page, or one of its episodes ([`Event::Open`]).
    Open {
        series: String,
        episode: Option<u32>,
    },
    /// The episode on screen from this point, ms.
    Seek(u64),
    /// The drama channel of this id, from Home ([`Event::Tune`]).
    Tune(String),
    /// These settings fields over the current settings.
    Set(serde_json::Value),
    /// A network fault for the requests that match it.
    Fault(crate::net::faults::Fault),
    /// Waits until the expectation holds, or fails.
    Expect {
        expect: Box<scenario::Expect>,
        timeout: Duration,
    },
    /// A screenshot, compared with its reference.
    Compare(Box<Shot>),
}

/// A scenario's screenshot: where it goes and what it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct Shot {
    pub out: PathBuf,
    pub reference: Option<PathBuf>,
    pub tolerance: compare::Tolerance,
    /// Write the reference from this screenshot instead of comparing.
    pub update: bool,
}

impl std::str::FromStr for Step {
    type Err = StepParseError;
    /// `home`, `posters`, `playing:MS`, `pairing`, `answered`,
    /// `key:ACTION`, `sleep:MS`, `shot:FILE`, `rss:LABEL`, `cpu:LABEL`,
    /// `sample`.
    fn from_str(s: &str) -> Result<Step, StepParseError> {
        let (name, arg) = s.split_once(':').unwrap_or((s, ""));
        let ms = |a: &str| {
            a.parse::<u64>()
                .map_err(|_| StepParseError::Milliseconds(s.to_owned()))
        };
        Ok(match name {
            "home" => Step::Wait(Ready::Home),
            "posters" => Step::Wait(Ready::Posters),
            "playing" => Step::Wait(Ready::PlayingMs(ms(arg)?)),
            "pairing" => Step::Wait(Ready::Pairing),
            "answered" => Step::Wait(Ready::Answered),
            "sleep" => Step::Sleep(Duration::from_millis(ms(arg)?)),
            "key" => Step::Key(
                serde_json::from_value(serde_json::Value::String(arg.into())).map_err(|_| {
                    StepParseError::Action {
                        step: s.to_owned(),
                        action: arg.to_owned(),
                    }
                })?,
            ),
            "shot" if !arg.is_empty() => Step::Shot(arg.into()),
            "rss" => Step::Rss(arg.into()),
            "cpu" => Step::Cpu(arg.into()),
            "sample" => Step::Sample,
            _ => return Err(StepParseError::Unknown(s.to_owned())),
        })
    }
}

/// Why a scripted run stopped short.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Failure {
    /// The scenario step (from 0), in scenario runs.
    pub step: Option<usize>,
    pub message: String,
    /// The screen at that moment, if asked for and written.
    pub screenshot: Option<PathBuf>,
}

/// How long a screenshot waits for the screen's posters.
const SETTLE: Duration = Duration::from_secs(10);

/// Where the app draws during a QA run.
#[derive(Clone)]
enum Surface {
    Headless(Headless),
    /// A real window; its renderer may use OpenGL.
    Display(slint::Weak<crate::view::AppWindow>),
}

impl Surface {
    fn snapshot(&self) -> Result<image::RgbaImage, ScreenError> {
        match self {
            Surface::Headless(h) => {
                h.draw();
                Ok(h.snapshot())
            }
            Surface::Display(ui) => {
                let ui = ui.upgrade().ok_or(ScreenError::Gone)?;
                let shot = ui
                    .window()
                    .take_snapshot()
                    .map_err(|e| ScreenError::ReadBack(e.to_string()))?;
                image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec())
                    .ok_or(ScreenError::Size)
            }
        }
    }
}

pub use process::rss_kib;

struct Runner {
    steps: Vec<Step>,
    next: usize,
    sleep_until: Option<Instant>,
    /// The deadline of the expectation being waited for.
    expect_until: Option<Instant>,
    report: QaReport,
    key_pending: bool,
    error: Option<StepFailure>,
    deadline: Instant,
    /// The scenario step running, and since when.
    scenario_step: Option<(usize, Instant)>,
    observer: crate::tv::observe::Observer,
    /// The faults this run injects into its network stack.
    faults: FaultPlan,
    /// When the app started (the report's times count from it).
    started: Instant,
    /// The channel card last recorded in the report (its player's id).
    last_card: Option<crate::playback::EpisodeId>,
}

/// How often the runner looks whether its step is done.
const LOOK: Duration = Duration::from_millis(10);
/// At most this long between looks while a sleep step runs (the channel
/// cards shown meanwhile are recorded at each look).
const SLEEP_LOOK: Duration = Duration::from_millis(100);

/// When the runner looks next: at the end of a sleep step (looking every
/// SLEEP_LOOK meanwhile), else after LOOK. A sleeping runner that woke a
/// hundred times a second cost the app 3 % of its CPU while an episode
/// played: work a box without the QA runner never does.
fn next_look(r: &Runner) -> Duration {
    match (r.steps.get(r.next), r.sleep_until) {
        (Some(Step::Sleep(_)), Some(until)) => until
            .saturating_duration_since(Instant::now())
            .clamp(Duration::from_millis(1), SLEEP_LOOK),
        _ => LOOK,
    }
}

/// Runs `steps` against the app headless; fails naming the step that did
/// not complete within `timeout`.
pub fn run(
    options: &TvOptions,
    steps: Vec<Step>,
    timeout: Duration,
    display: bool,
) -> Result<QaReport, QaError> {
    match run_steps(options, steps, timeout, display, None)? {
        (report, None) => Ok(report),
        (_, Some(failure)) => Err(QaError::Step(failure.message)),
    }
}

/// Runs `steps` headless (or on the display) and reports, failed or not;
/// on a failure the screen is written to `failure_shot`, if given.
pub fn run_steps(
    options: &TvOptions,
    steps: Vec<Step>,
    timeout: Duration,
    display: bool,
    failure_shot: Option<&Path>,
) -> Result<(QaReport, Option<Failure>), QaError> {
    let faults = FaultPlan::default();
    let options = &{
        let mut o = options.clone();
        o.net.faults = Some(faults.clone());
        o
    };
    let keymap = crate::tv::load_keymap(options)?;
    let handle = ShellHandle::default();
    let headless = if display {
        crate::tv::open_display(options, keymap.clone(), handle.clone())?;
        None
    } else {
        Some(HeadlessPlatform::install(STAGE.0 as u32, STAGE.1 as u32).map_err(QaError::Headless)?)
    };
    let session = Session::start(options, keymap, handle, STAGE.1 as u32)?;
    let ui = session.ui();
    slint::ComponentHandle::show(&ui).map_err(TvError::ui("cannot show the UI"))?;
    if display {
        crate::view::fit_to_screen(ui.window());
    }
    let surface = match &headless {
        Some(h) => Surface::Headless(h.clone()),
        None => Surface::Display(ui.as_weak()),
    };
    let _watchdog = crate::tv::systemd_watchdog();
    let runner = Rc::new(RefCell::new(Runner {
        steps,
        next: 0,
        sleep_until: None,
        expect_until: None,
        report: QaReport::default(),
        key_pending: false,
        error: None,
        deadline: Instant::now() + timeout,
        scenario_step: None,
        observer: session.observer(),
        faults,
        started: session.started,
        last_card: None,
    }));

    let started = session.started;
    let shell = session.shell.clone();
    if let Some(headless) = &headless {
        let runner = runner.clone();
        let shell = shell.clone();
        headless.on_frame(move |took| {
            let mut r = runner.borrow_mut();
            if r.key_pending {
                r.key_pending = false;
                r.report
                    .redraw_after_key_ms
                    .push(took.as_secs_f64() * 1000.0);
            }
            let Ok(s) = shell.try_borrow() else {
                return;
            };
            let home = s.app().catalog().is_some() && s.app().screen() == Screen::Home;
            if home && r.report.home_drawn_ms.is_none() {
                r.report.home_drawn_ms = Some(started.elapsed().as_millis() as u64);
            }
            if home && s.view().posters_pending() == 0 && r.report.home_complete_ms.is_none() {
                r.report.home_complete_ms = Some(started.elapsed().as_millis() as u64);
            }
        });
    }

    let timer = Rc::new(slint::Timer::default());
    let failure_screen = Rc::new(RefCell::new(None::<Result<PathBuf, ScreenError>>));
    {
        let runner = runner.clone();
        let failure_shot = failure_shot.map(Path::to_owned);
        let failure_screen = failure_screen.clone();
        let this = Rc::downgrade(&timer);
        timer.start(slint::TimerMode::Repeated, LOOK, move || {
            let mut r = runner.borrow_mut();
            if let Err(e) = advance(&mut r, &shell, &surface) {
                r.error = Some(e);
                // The screen as it was when the step failed.
                if let Some(path) = &failure_shot {
                    let written = surface.snapshot().and_then(|img| save_png(&img, path));
                    *failure_screen.borrow_mut() = Some(written.map(|()| path.clone()));
                }
                let _ = slint::quit_event_loop();
            } else if r.next >= r.steps.len() {
                let _ = slint::quit_event_loop();
            } else if let Some(timer) = this.upgrade() {
                timer.set_interval(next_look(&r));
            }
        });
    }
    slint::run_event_loop().map_err(QaError::EventLoop)?;
    drop(timer);
    let ui = session.ui();
    let state = ui.global::<crate::view::AppState>();
    // The screen as docs/qa.md names them (Home without a catalog is
    // Home, saying why).
    let screen = {
        let s = session.shell.borrow();
        match s.app().screen() {
            Screen::Home => "home",
            Screen::Series(_) => "series",
            Screen::Player => "player",
            Screen::Locked(..) => "locked",
            Screen::Settings => "settings",
        }
        .to_owned()
    };
    let notice = Some(state.get_notice().to_string()).filter(|n| !n.is_empty());
    let subtitle_note = Some(
        ui.global::<crate::view::PlayerPage>()
            .get_subtitle_note()
            .to_string(),
    )
    .filter(|n| !n.is_empty());
    let (coins, locked_message, catalog_problem) = {
        let s = session.shell.borrow();
        let message = s.app().locked_message();
        (
            s.app().coins(),
            Some(message).filter(|m| !m.is_empty()),
            s.app().ctx().catalog_failed.clone(),
        )
    };
    let gl_frames = session.gl_frames_shown();
    let observer = session.observer();
    let speech = observer.spoken();
    let subtitle_cues = observer.subtitle_cues();
    session.finish();
    // After the session's end: what it reported while closing counts.
    let played = observer.played_so_far();
    let mut r = runner.borrow_mut();
    (r.report.net_runtimes, r.report.http_clients) = crate::net::built();
    r.report.gl_frames = gl_frames;
    r.report.first_frame_ms = played.first_frame_ms;
    r.report.start_ms = played.start_ms;
    r.report.audio_languages = played.audio_languages;
    r.report.dropped_frames = played.dropped_frames;
    r.report.rebuffers = played.rebuffers;
    r.report.ads = AdsReport {
        played: played.ads,
        trackers: played.ad_trackers,
    };
    r.report.insight = played.insight;
    r.report.previews = played.previews;
    r.report.speech = speech;
    r.report.subtitle_cues = subtitle_cues;
    r.report.screen = screen;
    r.report.notice = notice;
    r.report.catalog_problem = catalog_problem;
    r.report.subtitle_note = subtitle_note;
    r.report.coins = coins;
    r.report.locked_message = locked_message;
    r.report.faults = r.faults.fired();
    // The last step's time: the one that failed ran this long too.
    if let Some((_, since)) = r.scenario_step {
        r.report.step_ms.push(since.elapsed().as_millis() as u64);
    }
    let failure = r.error.take().map(|failure| {
        let message = failure.to_string();
        let (screenshot, message) = match failure_screen.borrow_mut().take() {
            Some(Ok(path)) => (Some(path), message),
            Some(Err(e)) => (None, format!("{message} (no screenshot: {e})")),
            None => (None, message),
        };
        Failure {
            step: r.scenario_step.map(|(i, _)| i),
            message,
            screenshot,
        }
    });
    Ok((r.report.clone(), failure))
}

fn save_png(img: &image::RgbaImage, path: &Path) -> Result<(), ScreenError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ScreenError::Folder {
            path: dir.to_owned(),
            source,
        })?;
    }
    img.save(path).map_err(|e| ScreenError::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

fn advance(
    r: &mut Runner,
    shell: &Rc<RefCell<Shell>>,
    surface: &Surface,
) -> Result<(), StepFailure> {
    if let Ok(s) = shell.try_borrow()
        && let Some(p) = s.app().player().filter(|p| p.carded())
        && r.last_card != Some(p.id)
        && r.report.channel_cards.len() < 10_000
    {
        r.last_card = Some(p.id);
        r.report
            .channel_cards
            .push(format!("{}/{}", p.series, p.episode));
    }
    while let Some(step) = r.steps.get(r.next).cloned() {
        if Instant::now() > r.deadline {
            return Err(StepFailure::Timeout {
                step: r.scenario_step.is_none().then_some(r.next + 1),
                what: format!("{step:?}"),
            });
        }
        let Ok(mut s) = shell.try_borrow_mut() else {
            return Ok(());
        };
        match step {
            Step::Wait(ready) => {
                let app = s.app();
                let done = match ready {
                    // Home with its catalog, or saying why there is none:
                    // what the viewer sees either way (a refused catalog
                    // with nothing cached is a screen too, not a wait).
                    Ready::Home => {
                        app.screen() == Screen::Home
                            && (app.ctx().catalog_failed.is_some()
                                || app.catalog().is_some() && s.view().posters_pending() == 0)
                    }
                    Ready::Posters => {
                        let all_in = s.view().posters_pending() == 0;
                        // The last poster may land where no frame shows it
                        // (a row below the screen): Home is complete all the same.
                        if all_in
                            && app.screen() == Screen::Home
                            && r.report.home_complete_ms.is_none()
                        {
                            r.report.home_complete_ms =
                                Some(r.started.elapsed().as_millis() as u64);
                        }
                        all_in
                    }
                    Ready::PlayingMs(ms) => match app.player() {
                        Some(p) if p.phase == Phase::Playing => p.position_ms >= ms,
                        Some(p) => {
                            if let Phase::Failed(panel) = &p.phase {
                                return Err(StepFailure::Playback(panel.technical().to_owned()));
                            }
                            false
                        }
                        None => false,
                    },
                    Ready::Pairing => match app.locked().and_then(|l| l.pairing.as_ref()) {
                        Some(p) => {
                            use std::io::Write;
                            let line = serde_json::json!({ "pairing": {
                                "user_code": p.user_code,
                                "uri": p.uri,
                                "uri_complete": p.uri_complete,
                            }});
                            let mut out = std::io::stdout().lock();
                            let _ = writeln!(out, "{line}");
                            let _ = out.flush();
                            true
                        }
                        None => false,
                    },
                    // The unlock service answered for good: no request out
                    // and no code being polled (or the episode started).
                    Ready::Answered => app
                        .locked()
                        .is_none_or(|l| !l.waiting && l.pairing.is_none()),
                };
                if !done {
                    return Ok(());
                }
            }
            Step::Sleep(d) => match r.sleep_until {
                None => {
                    r.sleep_until = Some(Instant::now() + d);
                    return Ok(());
                }
                Some(t) if Instant::now() < t => return Ok(()),
                Some(_) => r.sleep_until = None,
            },
            Step::Key(action) => {
                s.action(action);
                r.key_pending = true;
                r.next += 1;
                // Let the frame after the key be drawn (and timed) alone.
                return Ok(());
            }
            Step::Inject(report) => {
                let id = s.app().player().map(|p| p.id).unwrap_or_default();
                s.handle(crate::tv::Input::App(Event::Playback { id, report }));
            }
            Step::Shot(path) => {
                drop(s);
                save_png(&surface.snapshot()?, &path)?;
            }
            Step::Begin(i) => {
                let now = Instant::now();
                if let Some((_, since)) = r.scenario_step {
                    r.report.step_ms.push((now - since).as_millis() as u64);
                }
                r.scenario_step = Some((i, now));
            }
            Step::Open { series, episode } => {
                // Auto-wait: the catalog first.
                if s.app().catalog().is_none() {
                    return Ok(());
                }
                if s.app().series(&series).is_none() {
                    return Err(StepFailure::NoSeries(series));
                }
                s.handle(crate::tv::Input::App(Event::Open { series, episode }));
            }
            Step::Tune(channel) => {
                // Auto-wait: the catalog first.
                let Some(catalog) = s.app().catalog().cloned() else {
                    return Ok(());
                };
                if !catalog.channels.iter().any(|c| c.id == channel) {
                    return Err(StepFailure::NoChannel(channel));
                }
                s.handle(crate::tv::Input::App(Event::Tune(channel)));
            }
            Step::Seek(ms) => {
                if s.app().screen() != Screen::Player {
                    return Err(StepFailure::NoEpisode);
                }
                s.handle(crate::tv::Input::App(Event::Seek(ms)));
            }
            Step::Set(patch) => {
                let settings = scenario::patched(s.app().settings(), &patch)?;
                s.handle(crate::tv::Input::App(Event::Settings(Box::new(settings))));
            }
            Step::Fault(fault) => r.faults.inject(fault),
            Step::Expect { expect, timeout } => {
                let until = *r.expect_until.get_or_insert(Instant::now() + timeout);
                let played = r.observer.played_so_far();
                let cues = r.observer.subtitle_cues();
                let seen = expect::Seen {
                    app: s.app(),
                    played: &played,
                    cues: &cues,
                    faults_fired: r.faults.fired_count(),
                    rss_kib: rss_kib(),
                };
                match expect::judge(&expect, &seen) {
                    expect::Verdict::Met => r.expect_until = None,
                    expect::Verdict::Failed(why) => return Err(StepFailure::Expectation(why)),
                    expect::Verdict::Waiting(saw) if Instant::now() >= until => {
                        return Err(StepFailure::Expectation(format!(
                            "not within {} ms; saw {saw}",
                            timeout.as_millis()
                        )));
                    }
                    expect::Verdict::Waiting(_) => return Ok(()),
                }
            }
            Step::Compare(shot) => {
                // Auto-wait: the screen settles (its posters drawn) first.
                if s.view().posters_pending() > 0 {
                    let until = *r.expect_until.get_or_insert(Instant::now() + SETTLE);
                    if Instant::now() < until {
                        return Ok(());
                    }
                }
                r.expect_until = None;
                drop(s);
                let img = surface.snapshot()?;
                save_png(&img, &shot.out)?;
                if let Some(reference) = &shot.reference {
                    if shot.update || !reference.exists() {
                        if !shot.update {
                            return Err(StepFailure::NoReference {
                                reference: reference.clone(),
                                shot: shot.out.clone(),
                            });
                        }
                        save_png(&img, reference)?;
                    } else {
                        let diff = shot.out.with_extension("diff.png");
                        compare::against_file(&img, reference, shot.tolerance, &diff)?;
                    }
                }
            }
            Step::Rss(label) => {
                let kib = rss_kib().ok_or(StepFailure::Proc("/proc/self/status"))?;
                r.report.rss_kib.push((label, kib));
            }
            Step::Cpu(label) => {
                let cpu = process::cpu_ms().ok_or(StepFailure::Proc("the CPU time"))?;
                let at = crate::tv::process_start().elapsed().as_millis() as u64;
                r.report.cpu_ms.push((label, cpu, at));
            }
            Step::Sample => {
                let n = r.report.samples.len() + 1;
                let sample = process::Sample::now(n).ok_or(StepFailure::Proc("/proc/self"))?;
                r.report.samples.push(sample);
            }
        }
        r.next += 1;
    }
    Ok(())
}

/// The screens `pillarbox screenshot` can render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShotScreen {
    Home,
    Series,
    Player,
    Error,
    Locked,
    /// Settings, over the home screen (red key).
    Settings,
}

/// Renders `screen` headless at 1920x1080 with the software renderer and
/// writes it to `out` as PNG, driving the app as a viewer would.
pub fn screenshot(options: &TvOptions, screen: ShotScreen, out: &Path) -> Result<(), QaError> {
    use crate::input::Action as A;
    let mut steps: Vec<Step> = match screen {
        ShotScreen::Home => vec![Step::Wait(Ready::Home)],
        ShotScreen::Series => vec![
            Step::Wait(Ready::Home),
            Step::Key(A::Ok),
            Step::Wait(Ready::Posters),
        ],
        ShotScreen::Locked => vec![
            Step::Wait(Ready::Home),
            Step::Key(A::Ok),
            Step::Key(A::Down),
            Step::Key(A::Down),
            Step::Key(A::Left),
            Step::Key(A::Ok),
        ],
        ShotScreen::Player => vec![
            Step::Wait(Ready::Home),
            Step::Key(A::Ok),
            Step::Key(A::Ok),
            Step::Wait(Ready::PlayingMs(9_000)),
        ],
        ShotScreen::Settings => vec![
            Step::Wait(Ready::Home),
            Step::Wait(Ready::Posters),
            Step::Key(A::Red),
        ],
        ShotScreen::Error => vec![
            Step::Wait(Ready::Home),
            Step::Key(A::Ok),
            Step::Key(A::Ok),
            Step::Wait(Ready::PlayingMs(3_000)),
            Step::Inject(Playback::Failed {
                message: "HTTP 503 Service Unavailable for segment 3 after 3 tries".into(),
                denied: false,
                network: true,
            }),
        ],
    };
    steps.push(Step::Shot(out.to_owned()));
    let report = run(options, steps, Duration::from_secs(120), false)?;
    if let Some(ms) = report.home_drawn_ms {
        tracing::info!(home_drawn_ms = ms, "screenshot");
    }
    Ok(())
}
