//! The `pillarbox` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use pillarbox::catalog::verify::{CatalogKey, signature_url};
use pillarbox::demo::{self, DemoServer};
use pillarbox::playback::{
    AudioOutput, NullFrameSink, PlaybackError, Player, PlayerConfig, PlayerEvent, Qoe, UrlPolicy,
};
use serde::Serialize;

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
    /// Allow plain http to any host (by default only to loopback).
    #[arg(long)]
    allow_http: bool,
    /// A window instead of full screen (desktop development).
    #[arg(long)]
    windowed: bool,
    /// No sound.
    #[arg(long)]
    mute: bool,
    /// Preferred language of titles and texts (catalog language codes).
    #[arg(long, default_value = "en")]
    lang: String,
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

/// Where integrators put their own board profiles.
const BOARDS_DIR: &str = "/etc/pillarbox/boards";

#[derive(Subcommand)]
enum Command {
    /// The TV app (the default): full screen, driven by the remote.
    Run(TvArgs),
    /// Render one screen of the TV app headless (software renderer,
    /// 1920x1080) into a PNG, driving the app as a viewer would.
    Screenshot {
        #[arg(value_enum)]
        screen: pillarbox::tv::ShotScreen,
        #[arg(long, value_name = "FILE.png")]
        out: PathBuf,
        #[command(flatten)]
        tv: TvArgs,
    },
    /// Run the TV app headless through a script of steps and print a JSON
    /// report (timings, memory). Steps: home, posters, playing:MS,
    /// key:ACTION (up, down, left, right, ok, back, play_pause, next, ...),
    /// sleep:MS, shot:FILE, rss:LABEL.
    Qa {
        #[arg(required = true)]
        steps: Vec<pillarbox::qa::Step>,
        /// Give up (exit 1) if the steps take longer, seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        /// In a window on the display (the board's backend and renderer),
        /// not headless.
        #[arg(long)]
        display: bool,
        #[command(flatten)]
        tv: TvArgs,
    },
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
    /// Highest HLS variant bandwidth to pick, in bit/s.
    #[arg(long)]
    max_bitrate: Option<u64>,
    /// Do not preload the next episode while one plays.
    #[arg(long)]
    no_preload: bool,
    /// Give up on an episode that makes no progress for this many seconds.
    #[arg(long, default_value_t = 120)]
    stuck_timeout: u64,
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
struct DemoArgs {
    #[command(flatten)]
    options: PlaybackOptions,
    /// How many demo episodes to play.
    #[arg(long, default_value_t = 3)]
    episodes: usize,
    /// Where generated demo media is kept.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WIDTHxHEIGHT, got {s:?}"))?;
    let w: u32 = w.parse().map_err(|_| format!("bad width in {s:?}"))?;
    let h: u32 = h.parse().map_err(|_| format!("bad height in {s:?}"))?;
    if w == 0 || h == 0 || w > 8192 || h > 8192 {
        return Err(format!("size {s:?} out of range (1..8192)"));
    }
    Ok((w, h))
}

/// The line printed per episode with --json.
#[derive(Serialize)]
struct EpisodeReport<'a> {
    url: &'a str,
    result: &'static str,
    error: Option<String>,
    error_kind: Option<&'static str>,
    first_frame_ms: Option<u64>,
    frames: u64,
    dropped_frames: u64,
    rebuffer_count: u64,
    rebuffer_ms: u64,
    width: Option<u32>,
    height: Option<u32>,
    position_ms: u64,
    bytes: u64,
    retries: u64,
    switch_gap_ms: Option<f64>,
    bitrate_kbps: Option<u64>,
    variant_switches: u64,
}

fn main() -> ExitCode {
    pillarbox::tv::process_start();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
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
        Some(Command::Play(args)) => play(&args.options, &args.urls),
        Some(Command::Demo(args)) => run_demo(&args),
        Some(Command::Catalog {
            command:
                CatalogCommand::Check {
                    source,
                    allow_http,
                    licence,
                    public_key,
                    pins,
                },
        }) => Ok(check_catalog(
            &source,
            &CheckOptions {
                allow_http,
                licence,
                public_key,
                pins,
                emit: false,
            },
        )),
        Some(Command::Catalog {
            command:
                CatalogCommand::ImportRoku {
                    source,
                    licence,
                    allow_http,
                },
        }) => Ok(check_catalog(
            &source,
            &CheckOptions {
                allow_http,
                licence,
                public_key: None,
                pins: Vec::new(),
                emit: true,
            },
        )),
        None => run_tv(&cli.tv),
        Some(Command::Run(tv)) => run_tv(&tv),
        Some(Command::Screenshot { screen, out, tv }) => screenshot(&tv, screen, &out),
        Some(Command::Qa {
            steps,
            timeout,
            display,
            tv,
        }) => qa(&tv, steps, timeout, display),
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
    let policy = UrlPolicy {
        allow_http: args.allow_http,
        allow_loopback_http: true,
    };
    let catalog = match &args.catalog {
        Some(url) => {
            policy
                .parse(url)
                .with_context(|| format!("--catalog {url}"))?;
            pillarbox::tv::CatalogSource::Url(url.clone())
        }
        None => pillarbox::tv::CatalogSource::Demo {
            media_dir: pillarbox::tv::default_demo_dir(),
        },
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
        net: pillarbox::playback::NetConfig {
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
        lang: args.lang.clone(),
    })
}

/// The board profile named or detected; its environment is set at once
/// (this runs before any thread starts).
fn board_for(args: &TvArgs) -> anyhow::Result<Option<pillarbox::tv::ChosenBoard>> {
    use pillarbox::platform;
    let boards = platform::profiles(Some(std::path::Path::new(BOARDS_DIR)))?;
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
    let catalog = match &args.catalog {
        None => pillarbox::probe::CatalogReport {
            url: "built-in demo".into(),
            reachable: None,
            detail: "served on 127.0.0.1 while the app runs".into(),
        },
        Some(url) => {
            let policy = options.net.policy;
            match fetch_catalog(url, policy, &args.pins) {
                Ok(bytes) => match pillarbox::catalog::parse_any(
                    &bytes,
                    &policy,
                    &pillarbox::catalog::RokuOptions::default(),
                ) {
                    Ok((c, _)) => pillarbox::probe::CatalogReport {
                        url: url.clone(),
                        reachable: Some(true),
                        detail: format!("reachable, valid: {}", pillarbox::catalog::summary(&c)),
                    },
                    Err(problems) => pillarbox::probe::CatalogReport {
                        url: url.clone(),
                        reachable: Some(true),
                        detail: format!(
                            "reachable but invalid ({} problems; see `pillarbox catalog check`)",
                            problems.len()
                        ),
                    },
                },
                Err(e) => pillarbox::probe::CatalogReport {
                    url: url.clone(),
                    reachable: Some(false),
                    detail: e,
                },
            }
        }
    };
    let report = pillarbox::probe::probe(
        options
            .board
            .as_ref()
            .map(|b| (&b.board, &b.matched, missing)),
        &options.state_dir,
        options.video,
        catalog,
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

/// Without --state-dir, a fresh state: the same screens whatever was
/// watched before.
fn screenshot(
    args: &TvArgs,
    screen: pillarbox::tv::ShotScreen,
    out: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let mut options = tv_options(args, true)?;
    let fresh = tempfile::tempdir().context("cannot create a temporary state directory")?;
    if args.state_dir.is_none() {
        options.state_dir = fresh.path().to_owned();
    }
    pillarbox::tv::screenshot(&options, screen, out)?;
    Ok(ExitCode::SUCCESS)
}

fn qa(
    args: &TvArgs,
    steps: Vec<pillarbox::qa::Step>,
    timeout: u64,
    display: bool,
) -> anyhow::Result<ExitCode> {
    let options = tv_options(args, true)?;
    match pillarbox::qa::run(&options, steps, Duration::from_secs(timeout), display) {
        Ok(report) => {
            println!("{}", serde_json::to_string(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("pillarbox qa: {e:#}");
            Ok(ExitCode::from(1))
        }
    }
}

fn config_for(options: &PlaybackOptions) -> PlayerConfig {
    let mut config = PlayerConfig::default();
    config.net.policy = UrlPolicy {
        allow_http: options.allow_http,
        allow_loopback_http: true,
    };
    config.video_size = options.size;
    config.fast = options.fast;
    config.max_bitrate = options.max_bitrate;
    config.audio = if options.headless {
        AudioOutput::Discard
    } else {
        AudioOutput::Default
    };
    config
}

/// Plays `urls` back to back. Exit 0: all ended; 1: one failed in playback;
/// 2: bad arguments or a refused URL (nothing is played then).
fn play(options: &PlaybackOptions, urls: &[String]) -> anyhow::Result<ExitCode> {
    let config = config_for(options);
    for url in urls {
        if let Err(e) = config.net.policy.parse(url) {
            eprintln!("pillarbox: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    let (mut player, events) =
        Player::new(config, Arc::new(NullFrameSink)).context("cannot start the player")?;
    let mut failed = false;
    for (i, url) in urls.iter().enumerate() {
        let next = urls.get(i + 1).filter(|_| !options.no_preload);
        let outcome = play_one(&mut player, &events, url, next, options)?;
        report(url, &outcome, options.json);
        failed |= outcome.is_err();
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

type Outcome = Result<Qoe, (PlaybackError, Qoe)>;

fn play_one(
    player: &mut Player,
    events: &Receiver<PlayerEvent>,
    url: &str,
    next: Option<&String>,
    options: &PlaybackOptions,
) -> anyhow::Result<Outcome> {
    let id = player.play(url)?;
    let stuck_after = Duration::from_secs(options.stuck_timeout.max(1));
    let mut last_progress = Instant::now();
    let mut last_position = None;
    loop {
        match events.recv_timeout(Duration::from_millis(500)) {
            Ok(ev) if ev.episode() != id => {}
            Ok(PlayerEvent::Ended { qoe, .. }) => return Ok(Ok(qoe)),
            Ok(PlayerEvent::Error { error, qoe, .. }) => return Ok(Err((error, qoe))),
            Ok(PlayerEvent::Position { position, .. }) => {
                if last_position != Some(position) {
                    last_position = Some(position);
                    last_progress = Instant::now();
                }
            }
            Ok(PlayerEvent::FirstFrame { since_play, .. }) => {
                tracing::info!(url, ms = since_play.as_millis() as u64, "first frame");
                last_progress = Instant::now();
                // Preload once this one shows, so both do not compete at its start.
                if let Some(next) = next {
                    player.preload(next)?;
                }
            }
            Ok(PlayerEvent::Buffering { .. }) => last_progress = Instant::now(),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => anyhow::bail!("player stopped"),
        }
        if last_progress.elapsed() > stuck_after {
            player.stop();
            let error = PlaybackError::Decode(format!(
                "no progress for {} s, gave up",
                stuck_after.as_secs()
            ));
            return Ok(Err((error, Qoe::default())));
        }
    }
}

fn report(url: &str, outcome: &Outcome, json: bool) {
    let (qoe, error) = match outcome {
        Ok(q) => (q, None),
        Err((e, q)) => (q, Some(e)),
    };
    if json {
        let line = EpisodeReport {
            url,
            result: if error.is_none() { "eos" } else { "error" },
            error: error.map(|e| e.to_string()),
            error_kind: error.map(|e| e.kind()),
            first_frame_ms: qoe.first_frame_ms,
            frames: qoe.frames,
            dropped_frames: qoe.dropped_frames,
            rebuffer_count: qoe.rebuffer_count,
            rebuffer_ms: qoe.rebuffer_ms,
            width: qoe.width,
            height: qoe.height,
            position_ms: qoe.position_ms,
            bytes: qoe.bytes,
            retries: qoe.retries,
            switch_gap_ms: qoe.switch_gap_ms,
            bitrate_kbps: qoe.bitrate_kbps,
            variant_switches: qoe.variant_switches,
        };
        match serde_json::to_string(&line) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("pillarbox: cannot encode report: {e}"),
        }
    } else {
        match error {
            None => println!(
                "ended  {url}: {} frames {}x{}, first frame {} ms, {} dropped, {} rebuffers ({} ms)",
                qoe.frames,
                qoe.width.unwrap_or(0),
                qoe.height.unwrap_or(0),
                qoe.first_frame_ms.unwrap_or(0),
                qoe.dropped_frames,
                qoe.rebuffer_count,
                qoe.rebuffer_ms
            ),
            Some(e) => println!("error  {url}: {e} (after {} frames)", qoe.frames),
        }
    }
}

struct CheckOptions {
    allow_http: bool,
    licence: Option<String>,
    public_key: Option<String>,
    pins: Vec<String>,
    /// Print the catalog (import-roku) instead of a summary.
    emit: bool,
}

/// `catalog check` (summary) or `catalog import-roku` (the catalog as JSON).
fn check_catalog(source: &str, o: &CheckOptions) -> ExitCode {
    let policy = UrlPolicy {
        allow_http: o.allow_http,
        allow_loopback_http: true,
    };
    let key = match o
        .public_key
        .as_deref()
        .map(CatalogKey::from_base64)
        .transpose()
    {
        Ok(k) => k,
        Err(e) => {
            eprintln!("pillarbox: --public-key: {e}");
            return ExitCode::from(2);
        }
    };
    let is_url = source.contains("://");
    let read = |path: &str| -> Result<Vec<u8>, String> {
        if is_url {
            fetch_catalog(path, policy, &o.pins)
        } else {
            std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
        }
    };
    let bytes = match read(source) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("pillarbox: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(key) = &key {
        let sig_source = format!("{source}.sig");
        let sig_source = match url::Url::parse(source) {
            Ok(u) if is_url => signature_url(&u).to_string(),
            _ => sig_source,
        };
        let verdict = read(&sig_source)
            .map_err(|e| format!("unsigned: {e}"))
            .and_then(|sig| key.verify(&bytes, &sig).map_err(|e| e.to_string()));
        if let Err(e) = verdict {
            println!("$: signature refused: {e}");
            eprintln!("pillarbox: {source} is not a valid catalog (bad signature)");
            return ExitCode::from(1);
        }
    }
    let roku = pillarbox::catalog::RokuOptions {
        licence: o.licence.clone(),
    };
    let emit = o.emit;
    match pillarbox::catalog::parse_any(&bytes, &policy, &roku) {
        Ok((catalog, warnings)) => {
            for w in &warnings {
                eprintln!("pillarbox: {w}");
            }
            if emit {
                match serde_json::to_string_pretty(&catalog) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        eprintln!("pillarbox: cannot write the catalog: {e}");
                        return ExitCode::from(1);
                    }
                }
            } else {
                println!("{}", pillarbox::catalog::summary(&catalog));
            }
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!(
                "pillarbox: {source} is not a valid catalog ({} problem{})",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            ExitCode::from(1)
        }
    }
}

/// The catalog at `url`, with the same TLS, limits and retries as the player.
fn fetch_catalog(url: &str, policy: UrlPolicy, pins: &[String]) -> Result<Vec<u8>, String> {
    let net = pillarbox::playback::NetConfig {
        policy,
        spki_pins: pins.to_vec(),
        ..Default::default()
    };
    let url = policy.parse(url).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let fetcher = pillarbox::playback::fetch::Fetcher::new(net).map_err(|e| e.to_string())?;
        let stats = pillarbox::playback::fetch::FetchStats::default();
        fetcher
            .get("catalog", &url, None, 8 << 20, &stats)
            .await
            .map(|b| b.to_vec())
            .map_err(|e| format!("catalog unreachable: {e}"))
    })
}

fn run_demo(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = args
        .cache_dir
        .clone()
        .unwrap_or_else(pillarbox::store::default_cache_dir)
        .join("demo-media");
    if !args.options.json {
        eprintln!("pillarbox: preparing demo episodes in {}", dir.display());
    }
    let entries = demo::prepare(&dir, args.episodes.max(1), 8).context("demo media")?;
    let server = DemoServer::start(&dir).context("demo server")?;
    let urls: Vec<String> = entries
        .iter()
        .map(|e| server.base().join(e).map(|u| u.to_string()))
        .collect::<Result<_, _>>()
        .context("demo URLs")?;
    play(&args.options, &urls)
}
