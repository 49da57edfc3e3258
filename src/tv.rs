//! The TV app assembled: catalog loading, player, store and view around the
//! app core, on a real display or headless.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use anyhow::Context;
use slint::ComponentHandle;

use crate::app::history::History;
use crate::app::{App, Command, Event, Playback};
use crate::catalog::{CatalogConfig, CatalogLoader, LoadedFrom};
use crate::demo::DemoServer;
use crate::input::Keymap;
use crate::playback::fetch::Fetcher;
use crate::playback::{AudioOutput, EpisodeId, NetConfig, Player, PlayerConfig, PlayerEvent};
use crate::store::Store;
use crate::view::posters::PosterLoader;
use crate::view::video::VideoSink;
use crate::view::{self, AppWindow, Effects, Shell};

/// How often the catalog is fetched again while the app runs.
const CATALOG_REFRESH: Duration = Duration::from_secs(30 * 60);
/// The first retry when no catalog could be loaded at all.
const CATALOG_RETRY_FIRST: Duration = Duration::from_secs(15);
const TICK: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub enum CatalogSource {
    /// The built-in demo, served from loopback, media generated on demand
    /// into this folder.
    Demo {
        media_dir: PathBuf,
    },
    Url(String),
}

/// The board profile in use and why.
#[derive(Debug, Clone)]
pub struct ChosenBoard {
    pub board: crate::platform::Board,
    pub matched: crate::platform::Matched,
}

#[derive(Debug, Clone)]
pub struct TvOptions {
    pub board: Option<ChosenBoard>,
    /// From `--video`, else the board profile.
    pub video: crate::platform::VideoPath,
    pub catalog: CatalogSource,
    pub state_dir: PathBuf,
    /// A keymap file; else `keymap.toml` in the state directory, else the
    /// built-in one.
    pub keymap: Option<PathBuf>,
    pub net: NetConfig,
    pub public_key: Option<String>,
    pub audio: AudioOutput,
    pub lang: String,
}

/// What runs the app: a live session on the UI thread.
pub struct Session {
    pub shell: Rc<RefCell<Shell>>,
    _server: Option<DemoServer>,
    runtime: tokio::runtime::Runtime,
    _tick: slint::Timer,
    pub started: Instant,
    video: VideoSink,
}

/// The first-frame-ready time of the home screen, from process start.
pub fn process_start() -> Instant {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *START.get_or_init(Instant::now)
}

impl Session {
    /// Creates the window and everything behind it; the platform must be set.
    /// `video_height`: the picture's height until the window tells its own.
    /// `keymap`: from [`load_keymap`], read once by the caller, which may
    /// also need it to set up the display.
    pub fn start(
        options: &TvOptions,
        keymap: Keymap,
        video_height: u32,
    ) -> anyhow::Result<Session> {
        let started = process_start();
        let store = Store::new(&options.state_dir).with_context(|| {
            format!("cannot use state directory {}", options.state_dir.display())
        })?;
        let history = store.load_history();
        if let Some(b) = &options.board {
            tracing::info!(board = %b.board.name, matched = %b.matched, "board profile");
            let missing = b.board.apply_ranks();
            if !missing.is_empty() {
                tracing::info!(?missing, "profile decoders not installed");
            }
        }
        let ui = AppWindow::new().context("cannot create the UI")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pillarbox-io")
            .enable_all()
            .build()
            .context("cannot start the network runtime")?;
        let fetcher = {
            let _guard = runtime.enter();
            Arc::new(Fetcher::new(options.net.clone()).context("cannot set up HTTPS")?)
        };
        let posters = PosterLoader::new(fetcher, runtime.handle().clone());
        let video = VideoSink::new(ui.as_weak());
        let player_config = PlayerConfig {
            net: options.net.clone(),
            video_size: Some(pillarbox_size(video_height)),
            audio: options.audio,
            gl: gl_share(&ui, &video, options.video),
            ..PlayerConfig::default()
        };
        let effects = TvEffects {
            player: None,
            config: player_config,
            video: video.clone(),
            current: None,
            history: Some(history_writer(store)),
        };
        let shell = Shell::install(
            ui,
            App::new(history, &options.lang),
            keymap,
            Box::new(effects),
            Some(Box::new(posters)),
        );

        let (server, catalog_url) = match &options.catalog {
            CatalogSource::Demo { media_dir } => {
                let server =
                    DemoServer::start_catalog(media_dir).context("cannot start the demo server")?;
                let url = server.catalog_url().to_string();
                (Some(server), url)
            }
            CatalogSource::Url(u) => (None, u.clone()),
        };
        let mut catalog = CatalogConfig::new(catalog_url, options.state_dir.join("catalog"));
        catalog.net = options.net.clone();
        catalog.public_key = options.public_key.clone();
        runtime.spawn(keep_catalog_fresh(catalog));

        let tick = slint::Timer::default();
        let weak = Rc::downgrade(&shell);
        tick.start(slint::TimerMode::Repeated, TICK, move || {
            if let Some(shell) = weak.upgrade()
                && let Ok(mut shell) = shell.try_borrow_mut()
            {
                shell.dispatch(Event::Tick(started.elapsed().as_millis() as u64));
            }
        });
        // GStreamer starts once the first screen is up, not before it.
        let weak = Rc::downgrade(&shell);
        slint::Timer::single_shot(Duration::ZERO, move || {
            if let Some(shell) = weak.upgrade() {
                shell.borrow_mut().warm_up();
            }
        });
        Ok(Session {
            shell,
            _server: server,
            runtime,
            _tick: tick,
            started,
            video,
        })
    }

    pub fn ui(&self) -> AppWindow {
        self.shell.borrow().ui().clone_strong()
    }

    /// Stops playback and writes the history before the process ends.
    /// Video frames drawn from GL textures so far (the GL path).
    pub fn gl_frames_shown(&self) -> u64 {
        self.video.gl_frames_shown()
    }

    pub fn finish(self) {
        self.shell.borrow_mut().shutdown();
        drop(self.shell);
        self.runtime.shutdown_timeout(Duration::from_secs(2));
    }
}

/// The picture is scaled by GStreamer to what the screen shows: 9:16 at the
/// stage's full height, in physical pixels (even sizes for the converters).
fn pillarbox_size(height: u32) -> (u32, u32) {
    let h = height.max(2) & !1;
    (((h * 9 / 16) + 1) & !1, h)
}

/// `--keymap`, else `keymap.toml` in the state directory, else the built-in one.
pub fn load_keymap(options: &TvOptions) -> anyhow::Result<Keymap> {
    let path = options
        .keymap
        .clone()
        .or_else(|| Some(options.state_dir.join("keymap.toml")).filter(|p| p.exists()));
    match path {
        Some(p) => Ok(Keymap::load(&p)?),
        None => Ok(Keymap::builtin()),
    }
}

/// Shows the cached catalog at once, then the network's, then checks again
/// every [`CATALOG_REFRESH`].
async fn keep_catalog_fresh(config: CatalogConfig) {
    let loader = match CatalogLoader::new(config) {
        Ok(l) => l,
        Err(e) => {
            view::post_event(Event::CatalogFailed(e.to_string()));
            return;
        }
    };
    let shown_cached = match loader.cached() {
        Some(cached) => {
            view::post_event(Event::Catalog {
                catalog: Arc::new(cached.catalog),
                problem: None,
            });
            true
        }
        None => false,
    };
    let mut first = true;
    let mut have = shown_cached;
    // Without any catalog the screen is empty: try again soon, backing off.
    let mut retry = CATALOG_RETRY_FIRST;
    loop {
        match loader.load().await {
            // The cached catalog is already on screen.
            Ok(l) if first && shown_cached && l.from == LoadedFrom::Revalidated => {}
            Ok(l) => {
                have = true;
                view::post_event(Event::Catalog {
                    catalog: Arc::new(l.catalog),
                    problem: l.problem,
                })
            }
            Err(e) => view::post_event(Event::CatalogFailed(e.to_string())),
        }
        first = false;
        if have {
            tokio::time::sleep(CATALOG_REFRESH).await;
        } else {
            tokio::time::sleep(retry).await;
            retry = (retry * 2).min(CATALOG_REFRESH / 6);
        }
    }
}

/// Writes history on its own thread: an fsync on a slow flash card must not
/// stall the picture. Snapshots that queue up are coalesced.
fn history_writer(store: Store) -> (Sender<History>, Option<std::thread::JoinHandle<()>>) {
    let (tx, rx): (Sender<History>, Receiver<History>) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("pillarbox-store".into())
        .spawn(move || {
            while let Ok(mut latest) = rx.recv() {
                while let Ok(newer) = rx.try_recv() {
                    latest = newer;
                }
                if let Err(e) = store.save_history(&latest) {
                    tracing::error!(dir = %store.dir().display(), error = %e, "cannot save the history");
                }
            }
        });
    match spawned {
        Ok(handle) => (tx, Some(handle)),
        Err(e) => {
            tracing::error!(error = %e, "no history writer; history will not be saved");
            (tx, None)
        }
    }
}

struct TvEffects {
    player: Option<Player>,
    config: PlayerConfig,
    video: VideoSink,
    current: Option<EpisodeId>,
    history: Option<(Sender<History>, Option<std::thread::JoinHandle<()>>)>,
}

impl TvEffects {
    fn player(&mut self) -> Option<&mut Player> {
        if self.player.is_none() {
            match Player::new(self.config.clone(), Arc::new(self.video.clone())) {
                Ok((player, events)) => {
                    forward_player_events(events);
                    self.player = Some(player);
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the player");
                    view::post_event(Event::Playback(Playback::Failed(e.to_string())));
                }
            }
        }
        self.player.as_mut()
    }
}

impl Effects for TvEffects {
    fn warm_up(&mut self, video_height: u32) {
        if self.player.is_none() {
            self.config.video_size = Some(pillarbox_size(video_height));
            tracing::info!(size = ?self.config.video_size, "video scaled to");
        }
        self.player();
    }

    fn run(&mut self, command: &Command, app: &App) {
        match command {
            Command::Play {
                url,
                series,
                episode,
            } => {
                self.video.stop();
                let Some(player) = self.player() else {
                    return;
                };
                match player.play(url) {
                    Ok(id) => {
                        tracing::info!(series, episode, id, "play");
                        self.current = Some(id);
                        self.video.show(id);
                    }
                    Err(e) => {
                        self.current = None;
                        view::post_event(Event::Playback(Playback::Failed(e.to_string())));
                    }
                }
            }
            Command::Preload { url } => {
                if let Some(player) = self.player()
                    && let Err(e) = player.preload(url)
                {
                    tracing::warn!(url, error = %e, "preload refused");
                }
            }
            Command::Stop => {
                self.video.stop();
                self.current = None;
                if let Some(p) = self.player.as_mut() {
                    p.stop();
                }
            }
            Command::SetPaused(paused) => {
                if let Some(p) = self.player.as_ref() {
                    p.set_paused(*paused);
                }
            }
            Command::SaveHistory => {
                if let Some((tx, _)) = &self.history {
                    let _ = tx.send(app.history().clone());
                }
            }
            Command::Exit => {
                let _ = slint::quit_event_loop();
            }
        }
    }

    fn shutdown(&mut self) {
        if let Some(mut p) = self.player.take() {
            p.stop();
        }
        if let Some((tx, writer)) = self.history.take() {
            drop(tx);
            if let Some(w) = writer {
                let _ = w.join();
            }
        }
    }

    fn is_current(&self, episode: u64) -> bool {
        self.current == Some(episode)
    }
}

/// Player events → app events on the UI thread, tagged with their episode.
fn forward_player_events(events: Receiver<PlayerEvent>) {
    let spawned = std::thread::Builder::new()
        .name("pillarbox-events".into())
        .spawn(move || {
            while let Ok(event) = events.recv() {
                let episode = event.episode();
                let report = match event {
                    PlayerEvent::FirstFrame { since_play, .. } => {
                        tracing::info!(
                            episode,
                            first_frame_ms = since_play.as_millis() as u64,
                            "first frame"
                        );
                        Playback::Started
                    }
                    PlayerEvent::Buffering { percent, .. } => Playback::Buffering(percent < 100),
                    PlayerEvent::Position {
                        position, duration, ..
                    } => Playback::Position {
                        position_ms: position.as_millis() as u64,
                        duration_ms: duration.map(|d| d.as_millis() as u64),
                    },
                    PlayerEvent::Ended { qoe, .. } => {
                        tracing::info!(episode, ?qoe, "episode ended");
                        Playback::Ended
                    }
                    PlayerEvent::Error { error, .. } => {
                        tracing::warn!(episode, error = %error, "episode failed");
                        Playback::Failed(error.to_string())
                    }
                };
                view::post_playback(episode, report);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot forward player events");
    }
}

/// On the GL path, where the UI's renderer shares its GL context with the
/// player once it starts (and, if it never does, the CPU path stays).
fn gl_share(
    ui: &AppWindow,
    video: &VideoSink,
    path: crate::platform::VideoPath,
) -> Option<crate::playback::GlShare> {
    if path != crate::platform::VideoPath::Gl {
        tracing::info!("video path: CPU copy (chosen)");
        return None;
    }
    let _ = gstreamer::init();
    if gstreamer::ElementFactory::find("glsinkbin").is_none() {
        tracing::warn!("video path: CPU copy (GStreamer's GL plugin, gstreamer1.0-gl, is missing)");
        return None;
    }
    #[cfg(target_os = "linux")]
    {
        let share = crate::playback::GlShare::default();
        match view::gl_video::install(ui, video.clone(), share.clone()) {
            Ok(()) => Some(share),
            Err(e) => {
                tracing::info!(error = %e, "video path: CPU copy (the renderer shares no GL)");
                None
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (ui, video);
        tracing::info!("video path: CPU copy (GL path needs EGL on Linux)");
        None
    }
}

/// `~/.cache/pillarbox/demo-v1`: where the TV demo's media is generated.
pub fn default_demo_dir() -> PathBuf {
    crate::store::default_cache_dir().join("demo-v1")
}

/// Runs the app on the display Slint finds (winit on a desktop, linuxkms on
/// a box), until the viewer exits.
pub fn run(options: &TvOptions, windowed: bool) -> anyhow::Result<()> {
    let keymap = load_keymap(options)?;
    open_display(options, keymap.clone())?;
    let session = Session::start(options, keymap, 1080)?;
    let ui = session.ui();
    if !windowed {
        ui.window().set_fullscreen(true);
    }
    ui.show().context("cannot show the window")?;
    view::fit_to_screen(ui.window());
    let since = session.started.elapsed();
    tracing::info!(ms = since.as_millis() as u64, "window shown");
    let _watchdog = systemd_watchdog();
    ui.run().context("UI event loop")?;
    session.finish();
    Ok(())
}

/// Makes the board profile's display backend and renderer Slint's (or
/// Slint's own choice if they cannot start); `keymap` reads remote keys
/// that arrive as raw input events.
pub fn open_display(options: &TvOptions, keymap: Keymap) -> anyhow::Result<()> {
    let slint = options
        .board
        .as_ref()
        .map(|b| b.board.slint.clone())
        .unwrap_or_default();
    select_backend(keymap, &slint)
}

/// The profile's backend and renderer unless SLINT_BACKEND says otherwise;
/// if they cannot start, Slint's own choice.
fn selector(choice: &crate::platform::SlintChoice) -> slint::BackendSelector {
    let mut s = slint::BackendSelector::new();
    if std::env::var_os("SLINT_BACKEND").is_none() {
        if let Some(b) = &choice.backend {
            s = s.backend_name(b.clone());
        }
        if let Some(r) = &choice.renderer {
            s = s.renderer_name(r.clone());
        }
    }
    s
}

/// Under systemd (`Type=notify`): says READY once the window is up, then
/// feeds the watchdog while the UI event loop is alive, so a hung UI thread
/// gets the service restarted. The UI loop only marks a heartbeat; a
/// thread of its own talks to systemd, so the UI never waits on a socket.
/// Outside systemd this does nothing.
pub fn systemd_watchdog() -> Option<slint::Timer> {
    use sd_notify::NotifyState;
    use std::sync::atomic::{AtomicU64, Ordering};
    if let Err(e) = sd_notify::notify(false, &[NotifyState::Ready]) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return None;
    }
    let every = Duration::from_micros(usec / 2);
    let start = Instant::now();
    let heartbeat = Arc::new(AtomicU64::new(0));
    let timer = slint::Timer::default();
    {
        let heartbeat = heartbeat.clone();
        timer.start(slint::TimerMode::Repeated, every / 2, move || {
            heartbeat.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
        });
    }
    let feeder = std::thread::Builder::new()
        .name("pillarbox-watchdog".into())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                let now = start.elapsed().as_millis() as u64;
                let beat = heartbeat.load(Ordering::Relaxed);
                // A UI loop that has not turned for a whole period is stuck:
                // stay silent and let systemd restart the service.
                if now.saturating_sub(beat) <= every.as_millis() as u64 {
                    let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
                }
            }
        });
    if let Err(e) = feeder {
        tracing::error!(error = %e, "cannot start the watchdog thread");
        return None;
    }
    tracing::info!(
        every_ms = every.as_millis() as u64,
        "feeding the systemd watchdog"
    );
    Some(timer)
}

#[cfg(target_os = "linux")]
fn select_backend(keymap: Keymap, choice: &crate::platform::SlintChoice) -> anyhow::Result<()> {
    use input::event::KeyboardEvent;
    use input::event::keyboard::{KeyState, KeyboardEventTrait};
    // Remotes send codes XKB has no name for (KEY_OK, colour keys): on
    // linuxkms they are read here, raw, before Slint's own key handling.
    let hook = move |event: &input::Event| -> bool {
        let input::Event::Keyboard(KeyboardEvent::Key(key)) = event else {
            return false;
        };
        let Some(action) = keymap.evdev(key.key()) else {
            return false;
        };
        if key.key_state() == KeyState::Pressed {
            view::with_shell(|shell| shell.action(action));
        }
        true
    };
    let hook = std::rc::Rc::new(hook);
    let with_hook = |s: slint::BackendSelector| {
        let hook = hook.clone();
        s.with_libinput_event_hook(move |e| hook(e))
    };
    match with_hook(selector(choice)).select() {
        Ok(()) => Ok(()),
        Err(e) if choice.backend.is_some() || choice.renderer.is_some() => {
            tracing::warn!(error = %e, ?choice, "board profile's Slint choice failed; Slint's default");
            with_hook(slint::BackendSelector::new())
                .select()
                .context("no display backend")
        }
        Err(e) => Err(e).context("no display backend"),
    }
}

#[cfg(not(target_os = "linux"))]
fn select_backend(_keymap: Keymap, choice: &crate::platform::SlintChoice) -> anyhow::Result<()> {
    selector(choice)
        .select()
        .or_else(|_| slint::BackendSelector::new().select())
        .context("no display backend")
}

/// The screens `pillarbox screenshot` can render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShotScreen {
    Home,
    Series,
    Player,
    Error,
    Locked,
}

/// Renders `screen` headless at 1920x1080 with the software renderer and
/// writes it to `out` as PNG, driving the app as a viewer would.
pub fn screenshot(options: &TvOptions, screen: ShotScreen, out: &Path) -> anyhow::Result<()> {
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
    let report = crate::qa::run(options, steps, Duration::from_secs(120), false)?;
    if let Some(ms) = report.home_drawn_ms {
        tracing::info!(home_drawn_ms = ms, "screenshot");
    }
    Ok(())
}

pub use crate::qa::{Ready, Step};
