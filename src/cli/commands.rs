//! What each subcommand does: the TV app, its probe, screenshots and QA
//! runs; `play`, `keep`, `soak`, `demo` and the catalog checks.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use pillarbox::catalog::check::CheckOptions;
use pillarbox::demo::{self, DemoServer};
use pillarbox::net::{Net, NetConfig, RequestHeaders, UrlPolicy};
use pillarbox::playback::binge::{self, BingeOptions};
use pillarbox::playback::{AudioOutput, PlayerConfig};

use super::args::*;
use super::exit;

pub fn tv_options(args: &TvArgs, headless: bool) -> anyhow::Result<pillarbox::tv::TvOptions> {
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
pub fn board_for(args: &TvArgs) -> anyhow::Result<Option<pillarbox::tv::ChosenBoard>> {
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

pub fn probe(args: &TvArgs, json: bool) -> anyhow::Result<ExitCode> {
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

pub fn run_tv(args: &TvArgs) -> anyhow::Result<ExitCode> {
    let options = tv_options(args, false)?;
    pillarbox::tv::run(&options, args.windowed)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "qa")]
/// Without --state-dir, a fresh state: the same screens whatever was
/// watched before.
pub fn screenshot(
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
pub fn qa_command(args: QaArgs) -> anyhow::Result<ExitCode> {
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
        files: steps.iter().map(std::path::PathBuf::from).collect(),
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
pub fn net_for(options: &PlaybackOptions, urls: &[String]) -> anyhow::Result<Net> {
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

pub fn config_for(options: &PlaybackOptions) -> PlayerConfig {
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
pub fn play(options: &PlaybackOptions, net: &Net, urls: &[String]) -> anyhow::Result<ExitCode> {
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
pub fn check_catalog(source: &str, options: &CheckOptions, emit: bool) -> ExitCode {
    ExitCode::from(pillarbox::catalog::check::print(source, options, emit))
}

/// What `catalog check` and `import-roku` are given.
/// A catalog fetched from a URL is held to its origin; a file is checked
/// as a public catalog would be.
pub fn check_options(
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

pub fn run_demo(args: &DemoArgs) -> anyhow::Result<ExitCode> {
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
pub fn keep(args: &KeepArgs) -> anyhow::Result<ExitCode> {
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
pub fn run_soak(args: &SoakArgs) -> anyhow::Result<ExitCode> {
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
