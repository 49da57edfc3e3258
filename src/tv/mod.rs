//! The TV shell: the app core, the player, the network, the store and the
//! view joined around one event queue ([`shell`]). `run` opens the display
//! and runs the app until the viewer leaves; QA and screenshots drive the
//! same [`Session`] headless (`crate::qa`, which sits on top of this).

pub mod catalog_feed;
pub mod data_used;
pub mod display;
pub mod effects;
pub mod input;
pub mod loaders;
#[cfg(feature = "qa")]
pub mod observe;
pub mod reset;
pub mod shell;
pub mod speech;
mod store_thread;
mod subtitle_files;
pub mod throughput;

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::ComponentHandle;

use crate::app::{App, Event};
use crate::catalog::CatalogConfig;
use crate::demo::DemoServer;
use crate::input::{Keymap, KeymapError};
use crate::net::{Net, NetConfig, NetError};
use crate::playback::{AudioOutput, PlayerConfig};
use crate::store::Store;
use crate::view::subtitles::SubtitleSlot;
use crate::view::video::VideoSink;
use crate::view::{AppWindow, View, fit_to_screen};

pub use display::{open_display, systemd_watchdog};
pub use shell::{Effects, Input, Shell, ShellHandle};

const TICK: Duration = Duration::from_millis(250);

/// Why the TV app cannot start or run.
#[derive(Debug, thiserror::Error)]
pub enum TvError {
    #[error("cannot use state directory {}", dir.display())]
    StateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Keymap(#[from] KeymapError),
    #[error("cannot set up the network")]
    Net(#[from] NetError),
    #[error("cannot start the demo server")]
    Demo(#[source] std::io::Error),
    #[error("{what}")]
    Ui {
        what: &'static str,
        #[source]
        source: slint::PlatformError,
    },
}

impl TvError {
    pub(crate) fn ui(what: &'static str) -> impl FnOnce(slint::PlatformError) -> TvError {
        move |source| TvError::Ui { what, source }
    }
}

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
    /// The box's language (`--lang`, else the locale): the UI's until the
    /// viewer picks one in Settings.
    pub lang: String,
    /// Start on the first-run screen unless the viewer went through it.
    pub first_run: bool,
}

/// What runs the app: a live session on the UI thread.
pub struct Session {
    pub shell: Rc<RefCell<Shell>>,
    _server: Option<DemoServer>,
    net: Net,
    _tick: slint::Timer,
    pub started: Instant,
    video: VideoSink,
    #[cfg(feature = "qa")]
    observer: observe::Observer,
}

/// The first-frame-ready time of the home screen, from process start.
/// Called first thing in `main`: it also sets up the allocator.
pub fn process_start() -> Instant {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *START.get_or_init(|| {
        tune_malloc();
        Instant::now()
    })
}

/// Two glibc malloc arenas instead of eight per core: every episode starts
/// and ends GStreamer streaming threads, and with an arena each their freed
/// memory stays scattered and resident. Measured with `pillarbox soak`
/// (playback core, 120 episodes): about 155 MiB flat with two arenas, 300
/// MiB growing 35 MiB per 100 episodes without.
///
/// And a fixed mmap threshold: glibc raises it to the largest block freed
/// so far, so once the first video frames (2.6 MB) and screen buffers are
/// freed, blocks that size come from the heaps, which keep what is freed.
/// Fixed at 1 MiB, they are mapped and given back. `make bench`, playback
/// core: peak RSS over 6 episodes 114-115 MiB with it, 132 without; over 50
/// episodes back to back 135-138 MiB with it, 175 without. Before any thread
/// starts.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other
    // threads exist, as glibc asks for M_ARENA_MAX.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

impl Session {
    /// Creates the window and everything behind it; the platform must be
    /// set. `handle` is the shell's queue (remote keys may be waiting in
    /// it already); `video_height`: the picture's height until the window
    /// tells its own. `keymap`: from [`load_keymap`], read once by the
    /// caller, which may also need it to set up the display.
    pub fn start(
        options: &TvOptions,
        keymap: Keymap,
        handle: ShellHandle,
        video_height: u32,
    ) -> Result<Session, TvError> {
        let started = process_start();
        reset::finish_pending(&options.state_dir);
        let store = Store::new(&options.state_dir).map_err(|source| TvError::StateDir {
            dir: options.state_dir.clone(),
            source,
        })?;
        let history = store.load(crate::app::history::HISTORY_FILE);
        let (mut settings, fixed) = store
            .load::<crate::app::settings::Settings>(crate::app::settings::SETTINGS_FILE)
            .checked();
        if !fixed.is_empty() {
            tracing::warn!(?fixed, "saved settings corrected");
        }
        // Parental control has a file of its own (fails closed).
        let legacy = std::mem::take(&mut settings.parental);
        settings.parental = crate::app::parental::load(&options.state_dir, legacy);
        let mut app = App::with_settings(history, &options.lang, settings);
        app.set_ad_ledger(store.load(crate::app::ad_break::AD_LEDGER_FILE));
        if options.first_run {
            app.welcome();
        }
        if let Some(b) = &options.board {
            tracing::info!(board = %b.board.name, matched = %b.matched, "board profile");
            let missing = b.board.apply_ranks();
            if !missing.is_empty() {
                tracing::info!(?missing, "profile decoders not installed");
            }
        }
        let ui = AppWindow::new().map_err(TvError::ui("cannot create the UI"))?;
        // The one network stack of the process: player, catalog, posters
        // and the demo server all run on it.
        // Episodes kept on the box play from its state directory.
        let mut net_config = options.net.clone();
        net_config.stored_root = Some(options.state_dir.join(crate::stored::STORED_DIR));
        net_config.policy.allow_stored = true;
        let net = Net::new(net_config)?;
        let video = VideoSink::new(ui.as_weak());
        let subtitle_slot = SubtitleSlot::default();
        video.set_subtitles(subtitle_slot.clone());
        let player_config = PlayerConfig {
            video_size: Some(pillarbox_size(video_height)),
            wide_size: Some(screen_size(video_height)),
            audio: options.audio,
            gl: display::gl_share(&ui, &video, options.video),
            // Dubbed episodes play in the viewer's language where they can.
            audio_language: Some(app.ctx().audio_language().to_owned()),
            subtitle_language: Some(app.ctx().subtitle_language().to_owned()),
            // Settings' "Data use".
            max_bitrate: app.settings().data_use.max_bitrate(),
            ..PlayerConfig::default()
        };
        #[cfg(feature = "qa")]
        let observer = observe::Observer::new(subtitle_slot.clone());
        let catalog_retry = std::sync::Arc::new(tokio::sync::Notify::new());
        let effects = effects::TvEffects::new(
            player_config,
            net.clone(),
            video.clone(),
            store,
            handle.clone(),
            catalog_retry.clone(),
            #[cfg(feature = "qa")]
            Some(observer.clone()),
        );
        let view = View::new(ui, subtitle_slot);
        let shell = Shell::install(view, app, keymap, Box::new(effects), handle.clone());

        let (server, catalog_url) = match &options.catalog {
            CatalogSource::Demo { media_dir } => {
                let server =
                    DemoServer::start_catalog(media_dir, net.handle()).map_err(TvError::Demo)?;
                let url = server.catalog_url().to_string();
                (Some(server), url)
            }
            CatalogSource::Url(u) => (None, u.clone()),
        };
        let mut catalog = CatalogConfig::new(catalog_url, options.state_dir.join("catalog"));
        catalog.public_key = options.public_key.clone();
        net.spawn(catalog_feed::keep_catalog_fresh(
            catalog,
            net.clone(),
            handle.clone(),
            catalog_retry,
        ));

        let tick = slint::Timer::default();
        let mut clock = String::new();
        let weak = Rc::downgrade(&shell);
        tick.start(slint::TimerMode::Repeated, TICK, move || {
            let now = started.elapsed().as_millis() as u64;
            handle.deliver(&weak, Input::Tick(now));
            // The time of day in the box's time zone, told once a minute.
            let time = chrono::Local::now().format("%H:%M").to_string();
            if time != clock {
                clock.clone_from(&time);
                handle.deliver(&weak, Input::App(Event::Clock(time, chrono::Utc::now())));
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
            net,
            _tick: tick,
            started,
            video,
            #[cfg(feature = "qa")]
            observer,
        })
    }

    pub fn ui(&self) -> AppWindow {
        self.shell.borrow().ui().clone_strong()
    }

    /// Video frames drawn from GL textures so far (the GL path).
    pub fn gl_frames_shown(&self) -> u64 {
        self.video.gl_frames_shown()
    }

    /// What the session's episodes, speech and subtitles did, readable
    /// while it runs (QA).
    #[cfg(feature = "qa")]
    pub fn observer(&self) -> observe::Observer {
        self.observer.clone()
    }

    /// Stops playback and writes the history before the process ends.
    pub fn finish(self) {
        self.shell.borrow_mut().shutdown();
        let Session {
            shell,
            _server,
            net,
            ..
        } = self;
        drop(shell);
        drop(_server);
        net.shutdown();
    }
}

/// The picture is scaled by GStreamer to what the screen shows: 9:16 at the
/// stage's full height, in physical pixels (even sizes for the converters).
fn pillarbox_size(height: u32) -> (u32, u32) {
    even_size(height, (9, 16))
}

/// A picture wider than tall (a 16:9 ad) fills the 16:9 screen instead.
fn screen_size(height: u32) -> (u32, u32) {
    even_size(height, (16, 9))
}

/// `aspect` (width, height) at `height`, both sides even.
fn even_size(height: u32, (w, h): (u32, u32)) -> (u32, u32) {
    let height = height.max(2) & !1;
    (((height * w / h) + 1) & !1, height)
}

/// `--keymap`, else `keymap.toml` in the state directory, else the built-in
/// one. A keymap file that cannot be read or is not valid is set aside with
/// a warning naming the file and the problem, and the built-in one used: a
/// typo in a keymap must not stop the box at start (under systemd, a
/// restart loop), and the built-in keys always work.
pub fn load_keymap(options: &TvOptions) -> Result<Keymap, TvError> {
    let path = options
        .keymap
        .clone()
        .or_else(|| Some(options.state_dir.join("keymap.toml")).filter(|p| p.exists()));
    match path {
        Some(p) => match Keymap::load(&p) {
            Ok(k) => Ok(k),
            Err(e) => {
                tracing::warn!(error = %e, "keymap set aside; using the built-in keymap");
                eprintln!("pillarbox: {e}; using the built-in keymap");
                Ok(Keymap::builtin())
            }
        },
        None => Ok(Keymap::builtin()),
    }
}

/// `~/.cache/pillarbox/` and [`crate::demo::MEDIA_DIR`]: where the TV demo's
/// media is generated.
pub fn default_demo_dir() -> PathBuf {
    crate::store::default_cache_dir().join(crate::demo::MEDIA_DIR)
}

/// Runs the app on the display Slint finds (winit on a desktop, linuxkms on
/// a box), until the viewer exits.
pub fn run(options: &TvOptions, windowed: bool) -> Result<(), TvError> {
    let keymap = load_keymap(options)?;
    let handle = ShellHandle::default();
    open_display(options, keymap.clone(), handle.clone())?;
    let session = Session::start(options, keymap, handle, 1080)?;
    let ui = session.ui();
    if !windowed {
        ui.window().set_fullscreen(true);
    }
    ui.show().map_err(TvError::ui("cannot show the window"))?;
    fit_to_screen(ui.window());
    let since = session.started.elapsed();
    tracing::info!(ms = since.as_millis() as u64, "window shown");
    let _watchdog = systemd_watchdog();
    ui.run().map_err(TvError::ui("UI event loop"))?;
    session.finish();
    Ok(())
}

/// Logs to stderr, filtered by RUST_LOG (`warn`, `pillarbox=debug,info`):
/// targets and levels only, which needs no regex engine in the binary
/// (EnvFilter's span filters did: 1 MB on a box). A malformed RUST_LOG is
/// said once and the default kept.
pub fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let default = || Targets::new().with_default(LevelFilter::WARN);
    let (filter, bad) = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => match v.parse::<Targets>() {
            Ok(t) => (t, None),
            Err(e) => (default(), Some(format!("RUST_LOG={v:?} ignored: {e}"))),
        },
        _ => (default(), None),
    };
    // Colours only on a terminal: logs written to files (QA artifacts, the
    // journal) stay plain text.
    use std::io::IsTerminal;
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(ansi),
        )
        .with(filter)
        .init();
    if let Some(bad) = bad {
        tracing::warn!("{bad}");
    }
}
