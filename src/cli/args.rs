//! The command line's arguments, as clap reads them.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pillarbox",
    version,
    about = "Micro-drama player for TVs and set-top boxes"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand: the TV app.
    #[command(flatten)]
    pub tv: TvArgs,
}

/// Options of the TV app (`pillarbox`, `pillarbox run`, `screenshot`, `qa`).
#[derive(Args, Clone, Default)]
pub struct TvArgs {
    /// The partner catalog (https URL); without it, the built-in demo.
    #[arg(long, value_name = "URL")]
    pub catalog: Option<String>,
    /// Where history, the cached catalog and settings live
    /// [default: $STATE_DIRECTORY, else ~/.local/state/pillarbox].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Key bindings (see platform/keymaps/default.toml)
    /// [default: STATE_DIR/keymap.toml if present, else built in].
    #[arg(long, value_name = "FILE")]
    pub keymap: Option<PathBuf>,
    /// Ed25519 public key (base64): accept only catalogs signed with it.
    #[arg(long)]
    pub public_key: Option<String>,
    /// SPKI pin (base64 SHA-256) every server must present; repeatable.
    #[arg(long = "pin")]
    pub pins: Vec<String>,
    /// Allow plain http to any host (by default only to loopback, and
    /// only from a loopback catalog such as the demo).
    #[arg(long)]
    pub allow_http: bool,
    /// Allow URLs on private networks (10/8, 192.168/16, ...) from a
    /// catalog that is not itself served from one (a LAN head-end).
    #[arg(long)]
    pub allow_private: bool,
    /// A window instead of full screen (desktop development).
    #[arg(long)]
    pub windowed: bool,
    /// No sound.
    #[arg(long)]
    pub mute: bool,
    /// Show the first-run screen (language, text size, contrast, spoken
    /// UI) if it was not gone through: always for the app, on request for
    /// `qa` and `screenshot`.
    #[arg(long)]
    pub first_run: bool,
    /// The box's language (BCP 47): the UI's and the catalog texts' until
    /// the viewer picks one in Settings [default: from the locale, LANG].
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Board profile (platform/boards/*.toml, or /etc/pillarbox/boards)
    /// [default: detected from the device tree or /proc/cpuinfo].
    #[arg(long, value_name = "NAME")]
    pub board: Option<String>,
    /// How video reaches the screen: gl (textures, where the renderer uses
    /// OpenGL over EGL, else cpu) or cpu (one copy per frame)
    /// [default: the board profile's].
    #[arg(long, value_enum)]
    pub video: Option<pillarbox::platform::VideoPath>,
}

#[cfg(feature = "qa")]
impl TvArgs {
    /// These options as arguments again, for the processes `qa` starts
    /// (the state directory aside: each run has a fresh one; the language
    /// and first run go with each scenario's own).
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut out: Vec<std::ffi::OsString> = Vec::new();
        let mut pair = |flag: &str, value: Option<std::ffi::OsString>| {
            if let Some(v) = value {
                out.push(flag.into());
                out.push(v);
            }
        };
        pair("--catalog", self.catalog.clone().map(Into::into));
        pair("--keymap", self.keymap.clone().map(Into::into));
        pair("--public-key", self.public_key.clone().map(Into::into));
        pair("--board", self.board.clone().map(Into::into));
        pair(
            "--video",
            self.video
                .and_then(|v| clap::ValueEnum::to_possible_value(&v))
                .map(|v| v.get_name().into()),
        );
        for pin in &self.pins {
            pair("--pin", Some(pin.into()));
        }
        for (flag, on) in [
            ("--allow-http", self.allow_http),
            ("--allow-private", self.allow_private),
        ] {
            if on {
                out.push(flag.into());
            }
        }
        out
    }
}

#[cfg(feature = "qa")]
#[derive(Args)]
pub struct QaArgs {
    #[arg(required = true, value_name = "FILE.toml|STEP")]
    pub steps: Vec<String>,
    /// Give up (exit 1) if a scenario (or the steps) takes longer,
    /// seconds [default: the scenario's timeout_s, else 120].
    #[arg(long)]
    pub timeout: Option<u64>,
    /// In a window on the display (the board's backend and renderer),
    /// not headless (steps only).
    #[arg(long)]
    pub display: bool,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Run every scenario this many times.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// Run the scenarios in a random order; `--shuffle=SEED` repeats an
    /// order (the report gives the seed used).
    #[arg(long, value_name = "SEED", num_args = 0..=1, require_equals = true)]
    pub shuffle: Option<Option<u64>>,
    /// Where screenshots, diffs and logs go, a folder per scenario.
    #[arg(long, value_name = "DIR", default_value = "qa-artifacts")]
    pub artifacts: PathBuf,
    /// Write each screenshot's reference from this run (look at them
    /// before committing them).
    #[arg(long)]
    pub update_references: bool,
    /// One scenario, in this process (what the launcher runs).
    #[arg(long, hide = true)]
    pub scenario_run: bool,
    #[arg(long, hide = true, value_name = "FILE")]
    pub result: Option<PathBuf>,
    #[command(flatten)]
    pub tv: TvArgs,
}

/// Where integrators put their own board profiles.
pub const BOARDS_DIR: &str = "/etc/pillarbox/boards";

#[derive(Subcommand)]
pub enum Command {
    /// The TV app (the default): full screen, driven by the remote.
    Run(TvArgs),
    /// Render one screen of the TV app headless (software renderer,
    /// 1920x1080) into a PNG, driving the app as a viewer would.
    #[cfg(feature = "qa")]
    Screenshot {
        #[arg(value_enum)]
        screen: pillarbox::qa::ShotScreen,
        #[arg(long, value_name = "FILE.png")]
        out: PathBuf,
        #[command(flatten)]
        tv: TvArgs,
    },
    /// Run QA scenario files (FILE.toml, see docs/qa.md) against the TV app
    /// headless, each in a process of its own; print a JSON report, exit 1
    /// if any failed. Or run one script of steps given here: home, posters,
    /// playing:MS, key:ACTION (up, down, ok, back, play_pause, ...),
    /// sleep:MS, shot:FILE, rss:LABEL, sample, pairing, answered.
    #[cfg(feature = "qa")]
    Qa(QaArgs),
    /// What this box can do: GStreamer, decoders and which one plays H.264
    /// and H.265, sinks, the board profile, Slint backend and renderer,
    /// displays, the state directory, whether the catalog is reachable.
    Probe {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        tv: TvArgs,
    },
    /// Play episode URLs (HLS or MP4) back to back.
    Play(PlayArgs),
    /// Play the built-in demo's episodes back to back, with no UI.
    Demo(DemoArgs),
    /// Keep an episode on the box, as the TV app's "Episodes kept ready"
    /// does: download it into the state directory's store (resuming what a
    /// cut left), and list it there. The TV app then plays it with no
    /// network. Prints one JSON object; exit 0 kept, 1 not.
    Keep(KeepArgs),
    /// Play many episodes back to back, sampling memory, threads and open
    /// files after each; print one JSON summary; exit 1 when something
    /// grows (or an episode fails).
    #[cfg(feature = "qa")]
    Soak(SoakArgs),
    /// Check catalogs.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
}

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Validate a catalog file or URL: prints a summary, or every problem
    /// found, one per line with its JSON path. Exit 0 valid, 1 invalid,
    /// 2 unreadable or unreachable.
    Check {
        /// A file, or an https:// URL.
        source: String,
        /// Accept plain-http URLs to any host in the catalog.
        #[arg(long)]
        allow_http: bool,
        /// For a Roku feed: the licence/filing number of series that carry none.
        #[arg(long)]
        licence: Option<String>,
        /// Ed25519 public key (base64): require a valid signature at
        /// SOURCE.sig (a file beside the file, or the URL with .sig).
        #[arg(long)]
        public_key: Option<String>,
        /// SPKI pin (base64 SHA-256) the catalog host must present; repeatable.
        #[arg(long = "pin")]
        pins: Vec<String>,
    },
    /// Convert a Roku Direct Publisher JSON feed (file or URL) to a pillarbox
    /// catalog on stdout; what the feed could not say goes to stderr.
    ImportRoku {
        source: String,
        /// Licence/filing number for series that carry none (Roku has no such field).
        #[arg(long)]
        licence: Option<String>,
        #[arg(long)]
        allow_http: bool,
    },
}

#[derive(Args, Clone)]
pub struct PlaybackOptions {
    /// No display and no sound device: video frames and audio are decoded
    /// and discarded, still in real time unless --fast.
    #[arg(long)]
    pub headless: bool,
    /// One JSON object per episode on stdout.
    #[arg(long)]
    pub json: bool,
    /// Decode as fast as possible, with no clock sync.
    #[arg(long)]
    pub fast: bool,
    /// Scale video to WIDTHxHEIGHT (e.g. 608x1080, the pillarbox on a 1080p screen).
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    /// Allow plain http to any host (by default only to loopback).
    #[arg(long)]
    pub allow_http: bool,
    /// Allow URLs on private networks (10/8, 192.168/16, ...).
    #[arg(long)]
    pub allow_private: bool,
    /// Highest HLS variant bandwidth to pick, in bit/s.
    #[arg(long)]
    pub max_bitrate: Option<u64>,
    /// Throughput to assume until the first segment is measured, in
    /// bit/s: what the link carried lately (the TV app remembers it per
    /// network) [default: 2000000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    pub initial_bitrate: Option<u64>,
    /// Language of the HLS audio rendition to play (BCP 47; `es` finds
    /// `es-MX`) [default: the playlist's DEFAULT rendition].
    #[arg(long, value_name = "LANG")]
    pub audio_language: Option<String>,
    /// Show the HLS subtitle rendition in this language (forced subtitles
    /// only when the audio played is in it) [default: none].
    #[arg(long, value_name = "LANG")]
    pub subtitle_language: Option<String>,
    /// Do not preload the next episode while one plays.
    #[arg(long)]
    pub no_preload: bool,
    /// Give up on an episode that makes no progress for this many seconds.
    #[arg(long, default_value_t = 120)]
    pub stuck_timeout: u64,
    /// A header sent with every request of the episodes (playlists,
    /// segments, AES-128 keys), as NAME:VALUE; repeat for more. For
    /// protected streams: `--header "Authorization: Bearer TOKEN"`.
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
}

#[derive(Args)]
pub struct PlayArgs {
    #[command(flatten)]
    pub options: PlaybackOptions,
    /// Episode URLs: HLS playlists (.m3u8) or MP4 files, https (or http to loopback).
    #[arg(required = true)]
    pub urls: Vec<String>,
}

#[derive(Args)]
pub struct KeepArgs {
    /// The episode's URL: an HLS playlist or an MP4 file.
    pub url: String,
    /// The series id, as in the catalog.
    #[arg(long)]
    pub series: String,
    /// The episode number.
    #[arg(long)]
    pub episode: u32,
    /// The TV app's state directory (its `stored/` is the store).
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// The highest variant bandwidth to keep, bit/s (default: the top).
    #[arg(long)]
    pub max_bitrate: Option<u64>,
    /// The MP4 file's SHA-256, 64 hexadecimal digits: checked.
    #[arg(long)]
    pub sha256: Option<String>,
    /// Accept plain-http URLs to any host.
    #[arg(long)]
    pub allow_http: bool,
    /// Accept URLs into private networks.
    #[arg(long)]
    pub allow_private: bool,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DemoArgs {
    #[command(subcommand)]
    pub serve: Option<DemoServe>,
    #[command(flatten)]
    pub options: PlaybackOptions,
    /// How many demo episodes to play.
    #[arg(long, default_value_t = 3)]
    pub episodes: usize,
    /// Where generated demo media is kept.
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum DemoServe {
    /// Serve the demo catalog, its media (protected episodes encrypted,
    /// under signed URLs) and its partner API (docs/unlock.md) until
    /// stopped; print the catalog URL. A reference for partners' servers
    /// and tools, and a catalog for a box: `pillarbox --catalog URL`.
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// How long playback grants and their signed URLs last, seconds.
        #[arg(long, default_value_t = pillarbox::demo::partner::GRANT_SECONDS)]
        grant_seconds: u64,
        /// Where generated demo media is kept.
        #[arg(long)]
        cache_dir: Option<PathBuf>,
    },
}

#[cfg(feature = "qa")]
#[derive(Args)]
pub struct SoakArgs {
    /// How many episodes to play.
    #[arg(long, default_value_t = 50)]
    pub episodes: usize,
    /// The whole TV app headless (the demo's first series, Next and
    /// Previous through its free episodes) instead of the playback core.
    #[arg(long)]
    pub tv: bool,
    /// RSS growth allowed per 100 episodes once warm, MiB.
    #[arg(long, default_value_t = 8)]
    pub max_growth_mib: u64,
    /// Playback core: distinct demo episodes (2 s each, decoded as fast as
    /// possible) played in turn.
    #[arg(long, default_value_t = 5)]
    pub distinct: usize,
    /// Print each episode's sample as a JSON line before the summary.
    #[arg(long)]
    pub samples: bool,
    /// Where generated demo media is kept.
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub tv_args: TvArgs,
}

/// `WIDTHxHEIGHT`, each 1 to 8192.
pub fn parse_size(s: &str) -> anyhow::Result<(u32, u32)> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .with_context(|| format!("expected WIDTHxHEIGHT, got {s:?}"))?;
    let w: u32 = w.parse().with_context(|| format!("bad width in {s:?}"))?;
    let h: u32 = h.parse().with_context(|| format!("bad height in {s:?}"))?;
    anyhow::ensure!(
        w > 0 && h > 0 && w <= 8192 && h <= 8192,
        "size {s:?} out of range (1..8192)"
    );
    Ok((w, h))
}
