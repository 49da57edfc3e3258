//! The `pillarbox` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use pillarbox::catalog::check::CheckOptions;
use pillarbox::demo::{self, DemoServer};
use pillarbox::net::{Net, NetConfig, RequestHeaders, UrlPolicy};
use pillarbox::playback::binge::{self, BingeOptions};
use pillarbox::playback::{AudioOutput, PlayerConfig};

#[derive(Parser)]
#[command(
    name = "pillarbox",
    version,
    about = "Micro-drama player for TVs and set-top boxes"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no subcommand: the TV app.
    #[command(flatten)]
    tv: TvArgs,
}

/// Options of the TV app (`pillarbox`, `pillarbox run`, `screenshot`, `qa`).
#[derive(Args, Clone, Default)]
struct TvArgs {
    /// The partner catalog (https URL); without it, the built-in demo.
    #[arg(long, value_name = "URL")]
    catalog: Option<String>,
    /// Where history, the cached catalog and settings live
    /// [default: $STATE_DIRECTORY, else ~/.local/state/pillarbox].
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Key bindings (see platform/keymaps/default.toml)
    /// [default: STATE_DIR/keymap.toml if present, else built in].
    #[arg(long, value_name = "FILE")]
    keymap: Option<PathBuf>,
    /// Ed25519 public key (base64): accept only catalogs signed with it.
    #[arg(long)]
    public_key: Option<String>,
    /// SPKI pin (base64 SHA-256) every server must present; repeatable.
    #[arg(long = "pin")]
    pins: Vec<String>,
    /// Allow plain http to any host (by default only to loopback, and
    /// only from a loopback catalog such as the demo).
    #[arg(long)]
    allow_http: bool,
    /// Allow URLs on private networks (10/8, 192.168/16, ...) from a
    /// catalog that is not itself served from one (a LAN head-end).
    #[arg(long)]
    allow_private: bool,
    /// A window instead of full screen (desktop development).
    #[arg(long)]
    windowed: bool,
    /// No sound.
    #[arg(long)]
    mute: bool,
    /// Show the first-run screen (language, text size, contrast, spoken
    /// UI) if it was not gone through: always for the app, on request for
    /// `qa` and `screenshot`.
    #[arg(long)]
    first_run: bool,
    /// The box's language (BCP 47): the UI's and the catalog texts' until
    /// the viewer picks one in Settings [default: from the locale, LANG].
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// Board profile (platform/boards/*.toml, or /etc/pillarbox/boards)
    /// [default: detected from the device tree or /proc/cpuinfo].
    #[arg(long, value_name = "NAME")]
    board: Option<String>,
    /// How video reaches the screen: gl (textures, where the renderer uses
    /// OpenGL over EGL, else cpu) or cpu (one copy per frame)
    /// [default: the board profile's].
    #[arg(long, value_enum)]
    video: Option<pillarbox::platform::VideoPath>,
}

#[cfg(feature = "qa")]
impl TvArgs {
    /// These options as arguments again, for the processes `qa` starts
    /// (the state directory aside: each run has a fresh one; the language
    /// and first run go with each scenario's own).
    fn to_args(&self) -> Vec<std::ffi::OsString> {
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
struct QaArgs {
    #[arg(required = true, value_name = "FILE.toml|STEP")]
    steps: Vec<String>,
    /// Give up (exit 1) if a scenario (or the steps) takes longer,
    /// seconds [default: the scenario's timeout_s, else 120].
    #[arg(long)]
    timeout: Option<u64>,
    /// In a window on the display (the board's backend and renderer),
    /// not headless (steps only).
    #[arg(long)]
    display: bool,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Run every scenario this many times.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
    /// Run the scenarios in a random order; `--shuffle=SEED` repeats an
    /// order (the report gives the seed used).
    #[arg(long, value_name = "SEED", num_args = 0..=1, require_equals = true)]
    shuffle: Option<Option<u64>>,
    /// Where screenshots, diffs and logs go, a folder per scenario.
    #[arg(long, value_name = "DIR", default_value = "qa-artifacts")]
    artifacts: PathBuf,
    /// Write each screenshot's reference from this run (look at them
    /// before committing them).
    #[arg(long)]
    update_references: bool,
    /// One scenario, in this process (what the launcher runs).
    #[arg(long, hide = true)]
    scenario_run: bool,
    #[arg(long, hide = true, value_name = "FILE")]
    result: Option<PathBuf>,
    #[command(flatten)]
    tv: TvArgs,
}

/// Where integrators put their own board profiles.
const BOARDS_DIR: &str = "/etc/pillarbox/boards";

#[derive(Subcommand)]
enum Command {
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
enum CatalogCommand {
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
struct PlaybackOptions {
    /// No display and no sound device: video frames and audio are decoded
    /// and discarded, still in real time unless --fast.
    #[arg(long)]
    headless: bool,
    /// One JSON object per episode on stdout.
    #[arg(long)]
    json: bool,
    /// Decode as fast as possible, with no clock sync.
    #[arg(long)]
    fast: bool,
    /// Scale video to WIDTHxHEIGHT (e.g. 608x1080, the pillarbox on a 1080p screen).
    #[arg(long, value_parser = parse_size)]
    size: Option<(u32, u32)>,
    /// Allow plain http to any host (by default only to loopback).
    #[arg(long)]
    allow_http: bool,
    /// Allow URLs on private networks (10/8, 192.168/16, ...).
    #[arg(long)]
    allow_private: bool,
    /// Highest HLS variant bandwidth to pick, in bit/s.
    #[arg(long)]
    max_bitrate: Option<u64>,
    /// Throughput to assume until the first segment is measured, in
    /// bit/s: what the link carried lately (the TV app remembers it per
    /// network) [default: 2000000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    initial_bitrate: Option<u64>,
    /// Language of the HLS audio rendition to play (BCP 47; `es` finds
    /// `es-MX`) [default: the playlist's DEFAULT rendition].
    #[arg(long, value_name = "LANG")]
    audio_language: Option<String>,
    /// Show the HLS subtitle rendition in this language (forced subtitles
    /// only when the audio played is in it) [default: none].
    #[arg(long, value_name = "LANG")]
    subtitle_language: Option<String>,
    /// Do not preload the next episode while one plays.
    #[arg(long)]
    no_preload: bool,
    /// Give up on an episode that makes no progress for this many seconds.
    #[arg(long, default_value_t = 120)]
    stuck_timeout: u64,
    /// A header sent with every request of the episodes (playlists,
    /// segments, AES-128 keys), as NAME:VALUE; repeat for more. For
    /// protected streams: `--header "Authorization: Bearer TOKEN"`.
    #[arg(long = "header", value_name = "NAME:VALUE")]
    headers: Vec<String>,
}

#[derive(Args)]
struct PlayArgs {
    #[command(flatten)]
    options: PlaybackOptions,
    /// Episode URLs: HLS playlists (.m3u8) or MP4 files, https (or http to loopback).
    #[arg(required = true)]
    urls: Vec<String>,
}

#[derive(Args)]
struct KeepArgs {
    /// The episode's URL: an HLS playlist or an MP4 file.
    url: String,
    /// The series id, as in the catalog.
    #[arg(long)]
    series: String,
    /// The episode number.
    #[arg(long)]
    episode: u32,
    /// The TV app's state directory (its `stored/` is the store).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// The highest variant bandwidth to keep, bit/s (default: the top).
    #[arg(long)]
    max_bitrate: Option<u64>,
    /// The MP4 file's SHA-256, 64 hexadecimal digits: checked.
    #[arg(long)]
    sha256: Option<String>,
    /// Accept plain-http URLs to any host.
    #[arg(long)]
    allow_http: bool,
    /// Accept URLs into private networks.
    #[arg(long)]
    allow_private: bool,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
struct DemoArgs {
    #[command(subcommand)]
    serve: Option<DemoServe>,
    #[command(flatten)]
    options: PlaybackOptions,
    /// How many demo episodes to play.
    #[arg(long, default_value_t = 3)]
    episodes: usize,
    /// Where generated demo media is kept.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum DemoServe {
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
struct SoakArgs {
    /// How many episodes to play.
    #[arg(long, default_value_t = 50)]
    episodes: usize,
    /// The whole TV app headless (the demo's first series, Next and
    /// Previous through its free episodes) instead of the playback core.
    #[arg(long)]
    tv: bool,
    /// RSS growth allowed per 100 episodes once warm, MiB.
    #[arg(long, default_value_t = 8)]
    max_growth_mib: u64,
    /// Playback core: distinct demo episodes (2 s each, decoded as fast as
    /// possible) played in turn.
    #[arg(long, default_value_t = 5)]
    distinct: usize,
    /// Print each episode's sample as a JSON line before the summary.
    #[arg(long)]
    samples: bool,
    /// Where generated demo media is kept.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    #[command(flatten)]
    tv_args: TvArgs,
}

/// 0 for success, 1 for a run that failed (a test, an episode).
fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn parse_size(s: &str) -> anyhow::Result<(u32, u32)> {
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

fn main() -> ExitCode {
    pillarbox::tv::process_start();
    pillarbox::tv::init_logging();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Some(Command::Play(args)) => {
            net_for(&args.options, &args.urls).and_then(|net| play(&args.options, &net, &args.urls))
        }
        Some(Command::Demo(args)) => run_demo(&args),
        Some(Command::Keep(args)) => keep(&args),
        #[cfg(feature = "qa")]
        Some(Command::Soak(args)) => run_soak(&args),
        Some(Command::Catalog {
            command:
                CatalogCommand::Check {
                    source,
                    allow_http,
                    licence,
                    public_key,
                    pins,
                },
        }) => check_options(&source, allow_http, licence, public_key, pins)
            .map(|options| check_catalog(&source, &options, false)),
        Some(Command::Catalog {
            command:
                CatalogCommand::ImportRoku {
                    source,
                    licence,
                    allow_http,
                },
        }) => check_options(&source, allow_http, licence, None, Vec::new())
            .map(|options| check_catalog(&source, &options, true)),
        None => run_tv(&cli.tv),
        Some(Command::Run(tv)) => run_tv(&tv),
        #[cfg(feature = "qa")]
        Some(Command::Screenshot { screen, out, tv }) => screenshot(&tv, screen, &out),
        #[cfg(feature = "qa")]
        Some(Command::Qa(args)) => qa_command(args),
        Some(Command::Probe { json, tv }) => probe(&tv, json),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pillarbox: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn tv_options(args: &TvArgs, headless: bool) -> anyhow::Result<pillarbox::tv::TvOptions> {
    let configured = UrlPolicy {
        allow_http: args.allow_http,
        allow_private: args.allow_private,
        ..UrlPolicy::default()
    };
    // What the catalog names is held to the catalog's own origin.
    let (catalog, policy) = match &args.catalog {
        Some(url) => {
            let policy = UrlPolicy::for_origin(configured, url)
                .with_context(|| format!("--catalog {url}"))?;
            (pillarbox::tv::CatalogSource::Url(url.clone()), policy)
        }
        None => (
            pillarbox::tv::CatalogSource::Demo {
                media_dir: pillarbox::tv::default_demo_dir(),
            },
            UrlPolicy {
                allow_loopback: true,
                ..configured
            },
        ),
    };
    let board = board_for(args)?;
    let video = args
        .video
        .or_else(|| board.as_ref().map(|b| b.board.video.path))
        .unwrap_or_default();
    Ok(pillarbox::tv::TvOptions {
        board,
        video,
        catalog,
        state_dir: args
            .state_dir
            .clone()
            .unwrap_or_else(pillarbox::store::default_state_dir),
        keymap: args.keymap.clone(),
        net: NetConfig {
            policy,
            spki_pins: args.pins.clone(),
            ..Default::default()
        },
        public_key: args.public_key.clone(),
        audio: if headless || args.mute {
            AudioOutput::Discard
        } else {
            AudioOutput::Default
        },
        lang: args
            .lang
            .clone()
            .unwrap_or_else(pillarbox::i18n::box_language),
        first_run: !headless || args.first_run,
    })
}

/// The board profile named or detected; its environment is set at once
/// (this runs before any thread starts).
fn board_for(args: &TvArgs) -> anyhow::Result<Option<pillarbox::tv::ChosenBoard>> {
    use pillarbox::platform;
    let profiles = platform::profiles(Some(std::path::Path::new(BOARDS_DIR)))?;
    for why in &profiles.set_aside {
        eprintln!("pillarbox: board profile set aside: {why}");
    }
    let boards = profiles.boards;
    let identity = platform::Identity::of_this_machine();
    let Some((board, matched)) = platform::pick(&boards, args.board.as_deref(), &identity)? else {
        return Ok(None);
    };
    board.apply_env();
    Ok(Some(pillarbox::tv::ChosenBoard {
        board: board.clone(),
        matched,
    }))
}

fn probe(args: &TvArgs, json: bool) -> anyhow::Result<ExitCode> {
    let options = tv_options(args, true)?;
    let missing = options
        .board
        .as_ref()
        .map(|b| b.board.apply_ranks())
        .unwrap_or_default();
    let check = CheckOptions {
        net: options.net.clone(),
        public_key: args.public_key.clone(),
        ..CheckOptions::default()
    };
    let catalog = pillarbox::probe::catalog_report(args.catalog.as_deref(), &check);
    let report = pillarbox::probe::probe(
        options
            .board
            .as_ref()
            .map(|b| (&b.board, &b.matched, missing)),
        &options.state_dir,
        options.video,
        catalog,
        pillarbox::i18n::font_coverage(),
    );
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_tv(args: &TvArgs) -> anyhow::Result<ExitCode> {
    let options = tv_options(args, false)?;
    pillarbox::tv::run(&options, args.windowed)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "qa")]
/// Without --state-dir, a fresh state: the same screens whatever was
/// watched before.
fn screenshot(
    args: &TvArgs,
    screen: pillarbox::qa::ShotScreen,
    out: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let mut options = tv_options(args, true)?;
    let fresh = tempfile::tempdir().context("cannot create a temporary state directory")?;
    if args.state_dir.is_none() {
        options.state_dir = fresh.path().to_owned();
    }
    pillarbox::qa::screenshot(&options, screen, out)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "qa")]
fn qa_command(args: QaArgs) -> anyhow::Result<ExitCode> {
    let QaArgs {
        steps,
        timeout,
        display,
        junit,
        repeat,
        shuffle,
        artifacts,
        update_references,
        scenario_run,
        result,
        tv,
    } = args;
    let artifacts = pillarbox::qa::scenario::Artifacts {
        dir: artifacts,
        update_references,
    };
    let scenarios = steps.iter().filter(|s| s.ends_with(".toml")).count();
    if scenarios == 0 {
        let options = tv_options(&tv, true)?;
        let timeout = Duration::from_secs(timeout.unwrap_or(120));
        return Ok(
            match pillarbox::qa::cli::steps(&options, &steps, timeout, display) {
                Ok(report) => {
                    println!("{}", serde_json::to_string(&report)?);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("pillarbox qa: {e:#}");
                    ExitCode::from(1)
                }
            },
        );
    }
    if scenarios < steps.len() {
        anyhow::bail!("qa: give scenario files (.toml) or steps, not both");
    }
    let timeout = timeout.map(Duration::from_secs);
    if scenario_run {
        // One scenario in this process; the result goes to `result` (the
        // launcher reads it), else to stdout.
        let options = tv_options(&tv, true)?;
        let file = steps[0].as_ref();
        let ok =
            pillarbox::qa::cli::scenario(&options, file, timeout, &artifacts, result.as_deref())?;
        return Ok(exit(ok));
    }
    // Scenario files, each run by a process of this program.
    let shuffle = shuffle.map(|seed| seed.unwrap_or_else(|| fastrand::u64(..)));
    let options = pillarbox::qa::launcher::LaunchOptions {
        files: steps.iter().map(PathBuf::from).collect(),
        junit,
        repeat,
        shuffle,
        timeout,
        artifacts,
        program: std::env::current_exe().context("which program is this")?,
        tv_args: tv.to_args(),
        lang: tv.lang.clone(),
        first_run: tv.first_run,
    };
    let summary = pillarbox::qa::launcher::launch(&options)?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(exit(summary.failed == 0))
}

/// The network stack of `play` and `demo`: the policy their options ask
/// for, following the origin of each URL given by hand.
fn net_for(options: &PlaybackOptions, urls: &[String]) -> anyhow::Result<Net> {
    let configured = UrlPolicy {
        allow_http: options.allow_http,
        allow_private: options.allow_private,
        ..UrlPolicy::default()
    };
    Net::new(NetConfig {
        policy: UrlPolicy::for_origins(configured, urls)?,
        ..NetConfig::default()
    })
    .context("cannot set up the network")
}

fn config_for(options: &PlaybackOptions) -> PlayerConfig {
    PlayerConfig {
        video_size: options.size,
        fast: options.fast,
        max_bitrate: options.max_bitrate,
        initial_bitrate: options
            .initial_bitrate
            .unwrap_or(PlayerConfig::default().initial_bitrate),
        audio_language: options.audio_language.clone(),
        subtitle_language: options.subtitle_language.clone(),
        audio: if options.headless {
            AudioOutput::Discard
        } else {
            AudioOutput::Default
        },
        ..PlayerConfig::default()
    }
}

/// Plays `urls` back to back. Exit 0: all ended; 1: one failed in playback;
/// 2: bad arguments or a refused URL (nothing is played then).
fn play(options: &PlaybackOptions, net: &Net, urls: &[String]) -> anyhow::Result<ExitCode> {
    for url in urls {
        if let Err(e) = net.policy().parse(url) {
            eprintln!("pillarbox: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    let mut headers = RequestHeaders::new();
    for line in &options.headers {
        if let Err(e) = headers.push_line(line) {
            eprintln!("pillarbox: --header: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    let binge = BingeOptions {
        preload: !options.no_preload,
        stuck_timeout: Duration::from_secs(options.stuck_timeout),
        headers,
    };
    let all_ended = binge::print_all(config_for(options), net, urls, &binge, options.json)?;
    Ok(exit(all_ended))
}

/// `catalog check` (summary) or `catalog import-roku` (the catalog as JSON).
/// Exit 0 valid, 1 invalid or badly signed, 2 unreadable.
fn check_catalog(source: &str, options: &CheckOptions, emit: bool) -> ExitCode {
    ExitCode::from(pillarbox::catalog::check::print(source, options, emit))
}

/// What `catalog check` and `import-roku` are given.
/// A catalog fetched from a URL is held to its origin; a file is checked
/// as a public catalog would be.
fn check_options(
    source: &str,
    allow_http: bool,
    licence: Option<String>,
    public_key: Option<String>,
    pins: Vec<String>,
) -> anyhow::Result<CheckOptions> {
    let configured = UrlPolicy {
        allow_http,
        ..UrlPolicy::default()
    };
    let policy = if source.contains("://") {
        UrlPolicy::for_origin(configured, source)?
    } else {
        configured
    };
    Ok(CheckOptions {
        net: NetConfig {
            policy,
            spki_pins: pins,
            ..NetConfig::default()
        },
        roku: pillarbox::catalog::RokuOptions { licence },
        public_key,
    })
}

fn run_demo(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    if let Some(DemoServe::Serve {
        listen,
        grant_seconds,
        cache_dir,
    }) = &args.serve
    {
        let dir = cache_dir
            .clone()
            .map(|d| d.join(pillarbox::demo::MEDIA_DIR));
        let options = pillarbox::demo::server::DemoOptions {
            listen: Some(*listen),
            grant_seconds: *grant_seconds,
        };
        let dir = dir.unwrap_or_else(pillarbox::tv::default_demo_dir);
        let e = pillarbox::demo::server::serve_until_stopped(&dir, &options);
        return Err(anyhow::Error::new(e).context(format!("demo server on {listen}")));
    }
    let dir = args
        .cache_dir
        .clone()
        .unwrap_or_else(pillarbox::store::default_cache_dir)
        .join("demo-media");
    if !args.options.json {
        eprintln!("pillarbox: preparing demo episodes in {}", dir.display());
    }
    let entries = demo::prepare(&dir, args.episodes.max(1), 8).context("demo media")?;
    // The demo serves on loopback.
    let net = net_for(&args.options, &["http://127.0.0.1/".to_owned()])?;
    let server = DemoServer::start(&dir, net.handle()).context("demo server")?;
    let urls: Vec<String> = entries
        .iter()
        .map(|e| server.base().join(e).map(|u| u.to_string()))
        .collect::<Result<_, _>>()
        .context("demo URLs")?;
    play(&args.options, &net, &urls)
}

/// `keep`: one episode downloaded into the store and listed.
fn keep(args: &KeepArgs) -> anyhow::Result<ExitCode> {
    let configured = UrlPolicy {
        allow_http: args.allow_http,
        allow_private: args.allow_private,
        ..UrlPolicy::default()
    };
    let net = Net::new(NetConfig {
        policy: UrlPolicy::for_origin(configured, &args.url)?,
        ..NetConfig::default()
    })
    .context("cannot set up the network")?;
    let sha256 = match &args.sha256 {
        Some(text) => Some(
            pillarbox::stored::sha256_of(text)
                .with_context(|| format!("--sha256 {text}: not 64 hexadecimal digits"))?,
        ),
        None => None,
    };
    let want = pillarbox::stored::download::Want {
        series: args.series.clone(),
        episode: args.episode,
        source: pillarbox::playback::StreamSource::plain(args.url.clone()),
        max_bitrate: args.max_bitrate,
        keep_until: None,
        sha256,
    };
    let root = args
        .state_dir
        .clone()
        .unwrap_or_else(pillarbox::store::default_state_dir)
        .join(pillarbox::stored::STORED_DIR);
    match net.block_on(pillarbox::stored::keep_one(net.fetcher(), &root, &want)) {
        Ok(kept) => {
            let line = serde_json::json!({
                "series": kept.series,
                "episode": kept.episode,
                "url": kept.url(),
                "files": kept.files.len(),
                "bytes": kept.bytes(),
                "bandwidth": kept.bandwidth,
            });
            println!("{line}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let line = serde_json::json!({
                "series": args.series,
                "episode": args.episode,
                "error": e.to_string(),
            });
            println!("{line}");
            eprintln!("pillarbox: cannot keep the episode: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `soak`: the samples, judged.
#[cfg(feature = "qa")]
fn run_soak(args: &SoakArgs) -> anyhow::Result<ExitCode> {
    use pillarbox::soak;
    let (samples, failed) = if args.tv {
        let options = tv_options(&args.tv_args, true)?;
        (soak::run_tv(&options, args.episodes)?, 0)
    } else {
        let dir = args
            .cache_dir
            .clone()
            .unwrap_or_else(pillarbox::store::default_cache_dir)
            .join("soak-media");
        soak::run_core(args.episodes, args.distinct, &dir)?
    };
    let ok = soak::print_report(&samples, failed, args.max_growth_mib * 1024, args.samples)?;
    Ok(exit(ok))
}
