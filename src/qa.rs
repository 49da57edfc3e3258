//! The QA runner, on top of the TV shell: the whole TV app (catalog,
//! player, view) driven by a
//! script of keys and waits; reports timings and memory, writes
//! screenshots. Headless on the software renderer by default; with a
//! display (`--display`), in a real window on the board's backend and
//! renderer, where the GL video path can be checked.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde::Serialize;
use slint::ComponentHandle;

use crate::app::{Event, Phase, Playback, Screen};
use crate::input::Action;
use crate::tv::{Session, Shell, TvError, TvOptions};
use crate::view::STAGE;
use crate::view::headless::{Headless, HeadlessPlatform};

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
}

impl std::str::FromStr for Step {
    type Err = String;
    /// `home`, `posters`, `playing:MS`, `pairing`, `answered`,
    /// `key:ACTION`, `sleep:MS`, `shot:FILE`, `rss:LABEL`, `sample`.
    fn from_str(s: &str) -> Result<Step, String> {
        let (name, arg) = s.split_once(':').unwrap_or((s, ""));
        let ms = |a: &str| {
            a.parse::<u64>()
                .map_err(|_| format!("{s:?}: expected milliseconds after ':'"))
        };
        Ok(match name {
            "home" => Step::Wait(Ready::Home),
            "posters" => Step::Wait(Ready::Posters),
            "playing" => Step::Wait(Ready::PlayingMs(ms(arg)?)),
            "pairing" => Step::Wait(Ready::Pairing),
            "answered" => Step::Wait(Ready::Answered),
            "sleep" => Step::Sleep(Duration::from_millis(ms(arg)?)),
            "key" => Step::Key(
                serde_json::from_value(serde_json::Value::String(arg.into()))
                    .map_err(|_| format!("{s:?}: unknown action {arg:?}"))?,
            ),
            "shot" if !arg.is_empty() => Step::Shot(arg.into()),
            "rss" => Step::Rss(arg.into()),
            "sample" => Step::Sample,
            _ => return Err(format!("{s:?}: unknown step")),
        })
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct QaReport {
    /// Process start to the first frame drawn showing the home screen.
    pub home_drawn_ms: Option<u64>,
    /// Process start to the home screen with all its posters drawn.
    pub home_complete_ms: Option<u64>,
    /// Render time of the first frame after each key press, ms.
    pub redraw_after_key_ms: Vec<f64>,
    /// Resident memory at each `rss` step, KiB.
    pub rss_kib: Vec<(String, u64)>,
    /// Memory, threads and open files at each `sample` step.
    pub samples: Vec<crate::soak::Sample>,
    /// The screen at the end: loading, home, series, player or locked.
    pub screen: String,
    /// The notice line at the end (offline catalog, ...), if any.
    pub notice: Option<String>,
    /// Video frames the renderer drew from GL textures (the GL path).
    pub gl_frames: u64,
    /// Play command to first frame of each episode played, ms: a few ms
    /// when the focus rested on it long enough to preload it.
    pub first_frame_ms: Vec<f64>,
    /// Where in its episode each play started, ms: 0, or a resume point.
    pub start_ms: Vec<u64>,
    /// The audio language each episode that ended played in (dubbed
    /// episodes: the rendition chosen; null: the variant's own audio).
    pub audio_languages: Vec<Option<String>>,
    /// What the spoken UI said, with the audio samples each utterance made.
    pub speech: Vec<crate::tv::speech::Spoken>,
    /// Every subtitle cue shown: its text, its start in the episode and the
    /// media time of the frame it first appeared with, ms.
    pub subtitle_cues: Vec<crate::view::subtitles::ShownCue>,
    /// Why the episode's subtitles are not shown, at the end, if they are not.
    pub subtitle_note: Option<String>,
    /// The account's coins at the end, once paired.
    pub coins: Option<u64>,
    /// What the Locked screen says at the end (paid, not enough coins, ...).
    pub locked_message: Option<String>,
    /// Network runtimes and HTTP clients the process built: one each.
    pub net_runtimes: usize,
    pub http_clients: usize,
}

/// Where the app draws during a QA run.
#[derive(Clone)]
enum Surface {
    Headless(Headless),
    /// A real window; its renderer may use OpenGL.
    Display(slint::Weak<crate::view::AppWindow>),
}

impl Surface {
    fn snapshot(&self) -> Result<image::RgbaImage, String> {
        match self {
            Surface::Headless(h) => {
                h.draw();
                Ok(h.snapshot())
            }
            Surface::Display(ui) => {
                let ui = ui.upgrade().ok_or("the window is gone")?;
                let shot = ui
                    .window()
                    .take_snapshot()
                    .map_err(|e| format!("cannot read the window back: {e}"))?;
                image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec())
                    .ok_or_else(|| "the window snapshot has a bad size".into())
            }
        }
    }
}

/// Resident set size of this process, KiB.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Runner {
    steps: Vec<Step>,
    next: usize,
    sleep_until: Option<Instant>,
    report: QaReport,
    key_pending: bool,
    error: Option<String>,
    deadline: Instant,
}

/// Runs `steps` against the app headless; fails naming the step that did
/// not complete within `timeout`.
pub fn run(
    options: &TvOptions,
    steps: Vec<Step>,
    timeout: Duration,
    display: bool,
) -> Result<QaReport, QaError> {
    let keymap = crate::tv::load_keymap(options)?;
    let headless = if display {
        crate::tv::open_display(options, keymap.clone())?;
        None
    } else {
        Some(HeadlessPlatform::install(STAGE.0 as u32, STAGE.1 as u32).map_err(QaError::Headless)?)
    };
    let session = Session::start(options, keymap, STAGE.1 as u32)?;
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
        report: QaReport::default(),
        key_pending: false,
        error: None,
        deadline: Instant::now() + timeout,
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
            let home = s.app().catalog().is_some() && s.app().screen() == &Screen::Home;
            if home && r.report.home_drawn_ms.is_none() {
                r.report.home_drawn_ms = Some(started.elapsed().as_millis() as u64);
            }
            if home && s.view().posters_pending() == 0 && r.report.home_complete_ms.is_none() {
                r.report.home_complete_ms = Some(started.elapsed().as_millis() as u64);
            }
        });
    }

    let timer = slint::Timer::default();
    {
        let runner = runner.clone();
        timer.start(
            slint::TimerMode::Repeated,
            Duration::from_millis(10),
            move || {
                let mut r = runner.borrow_mut();
                if let Err(e) = advance(&mut r, &shell, &surface) {
                    r.error = Some(e);
                    let _ = slint::quit_event_loop();
                } else if r.next >= r.steps.len() {
                    let _ = slint::quit_event_loop();
                }
            },
        );
    }
    slint::run_event_loop().map_err(QaError::EventLoop)?;
    drop(timer);
    let ui = session.ui();
    let api = ui.global::<crate::view::Api>();
    let screen = format!("{:?}", api.get_screen()).to_lowercase();
    let notice = Some(api.get_notice().to_string()).filter(|n| !n.is_empty());
    let subtitle_note = Some(api.get_subtitle_note().to_string()).filter(|n| !n.is_empty());
    let (coins, locked_message) = {
        let s = session.shell.borrow();
        let message = s.app().locked_message();
        (s.app().coins(), Some(message).filter(|m| !m.is_empty()))
    };
    let gl_frames = session.gl_frames_shown();
    let played = session.played();
    let speech = session.spoken();
    let subtitle_cues = session.subtitle_cues();
    session.finish();
    let mut r = runner.borrow_mut();
    (r.report.net_runtimes, r.report.http_clients) = crate::net::built();
    r.report.gl_frames = gl_frames;
    r.report.first_frame_ms = played.first_frame_ms;
    r.report.start_ms = played.start_ms;
    r.report.audio_languages = played.audio_languages;
    r.report.speech = speech;
    r.report.subtitle_cues = subtitle_cues;
    r.report.screen = screen;
    r.report.notice = notice;
    r.report.subtitle_note = subtitle_note;
    r.report.coins = coins;
    r.report.locked_message = locked_message;
    if let Some(e) = r.error.take() {
        return Err(QaError::Step(e));
    }
    Ok(r.report.clone())
}

fn advance(r: &mut Runner, shell: &Rc<RefCell<Shell>>, surface: &Surface) -> Result<(), String> {
    while let Some(step) = r.steps.get(r.next).cloned() {
        if Instant::now() > r.deadline {
            return Err(format!("timed out at step {} ({step:?})", r.next + 1));
        }
        let Ok(mut s) = shell.try_borrow_mut() else {
            return Ok(());
        };
        match step {
            Step::Wait(ready) => {
                let app = s.app();
                let done = match ready {
                    Ready::Home => {
                        app.catalog().is_some()
                            && app.screen() == &Screen::Home
                            && s.view().posters_pending() == 0
                    }
                    Ready::Posters => s.view().posters_pending() == 0,
                    Ready::PlayingMs(ms) => match app.player() {
                        Some(p) if p.phase == Phase::Playing => p.position_ms >= ms,
                        Some(p) => {
                            if let Phase::Failed(why) = &p.phase {
                                return Err(format!("playback failed: {why}"));
                            }
                            false
                        }
                        None => false,
                    },
                    Ready::Pairing => match &app.locked_state().pairing {
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
                    Ready::Answered => {
                        matches!(app.screen(), Screen::Locked(..)) && !app.locked_state().waiting
                    }
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
                let token = s.app().player().map_or(0, |p| p.token);
                s.handle(crate::tv::Input::App(Event::Playback { token, report }));
            }
            Step::Shot(path) => {
                drop(s);
                let img = surface.snapshot()?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                img.save(&path)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            Step::Rss(label) => {
                let kib = rss_kib().ok_or("cannot read /proc/self/status")?;
                r.report.rss_kib.push((label, kib));
            }
            Step::Sample => {
                let n = r.report.samples.len() + 1;
                let sample = crate::soak::Sample::now(n).ok_or("cannot read /proc/self")?;
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
            Step::Inject(Playback::Failed(
                "HTTP 503 Service Unavailable for segment 3 after 3 tries".into(),
            )),
        ],
    };
    steps.push(Step::Shot(out.to_owned()));
    let report = run(options, steps, Duration::from_secs(120), false)?;
    if let Some(ms) = report.home_drawn_ms {
        tracing::info!(home_drawn_ms = ms, "screenshot");
    }
    Ok(())
}
