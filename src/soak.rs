//! Soak runs: many episodes back to back, the process sampled after each
//! (resident memory, threads, open files), to catch what grows. Two ways:
//! the playback core alone (`pillarbox soak`), or the whole TV app headless
//! (`pillarbox soak --tv`: the player's Next and Previous through an episode
//! range, as a viewer zapping would).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::demo::{self, DemoServer};
use crate::net::{Net, NetConfig, UrlPolicy};
use crate::playback::binge::{self, BingeOptions};
use crate::playback::{AudioOutput, NullFrameSink, Player, PlayerConfig};
pub use crate::qa::process::Sample;
use crate::tv::TvOptions;

/// What a soak run found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub episodes: usize,
    /// Episodes that did not end normally.
    pub failed: usize,
    /// RSS once warm (the mean over a fifth of the run, after its first
    /// tenth) and at the end (the mean over its last fifth).
    pub rss_warm_kib: u64,
    pub rss_last_kib: u64,
    pub rss_max_kib: u64,
    /// Growth from warm to the end, per 100 episodes.
    pub rss_growth_per_100_kib: i64,
    pub threads_warm: u64,
    pub threads_max: u64,
    pub fds_warm: u64,
    pub fds_max: u64,
    /// Within the limits: no failed episode, growth under the bound, and
    /// threads and open files back where they were once warm (plus slack).
    pub ok: bool,
    /// Why not, when not.
    pub problems: Vec<String>,
}

/// Threads or files more than this over the warm count are a leak.
const COUNT_SLACK: u64 = 8;

impl Summary {
    /// Judges `samples` (one per episode, in order); `max_growth_kib` is
    /// the RSS growth allowed per 100 episodes.
    pub fn of(samples: &[Sample], failed: usize, max_growth_kib: u64) -> Summary {
        let episodes = samples.last().map_or(0, |s| s.episode);
        // Means over a fifth of the run: once warm (after the first tenth)
        // and at the end, so that one sample's noise does not decide.
        let n = samples.len();
        let k = (n / 5).max(1);
        let start = (n / 10).min(n.saturating_sub(k));
        let mean = |w: &[Sample], f: fn(&Sample) -> u64| {
            w.iter().map(f).sum::<u64>() / w.len().max(1) as u64
        };
        let (warm, last) = match (
            samples.get(start..start + k),
            samples.get(n.saturating_sub(k)..),
        ) {
            (Some(w), Some(l)) if n > 0 => (w, l),
            _ => {
                return Summary {
                    episodes,
                    failed,
                    problems: vec!["no samples".into()],
                    ..Summary::default()
                };
            }
        };
        let (warm_rss, last_rss) = (mean(warm, |s| s.rss_kib), mean(last, |s| s.rss_kib));
        let centre = |w: &[Sample]| w.iter().map(|s| s.episode).sum::<usize>() / w.len().max(1);
        let span = centre(last).saturating_sub(centre(warm)).max(1) as i64;
        let growth = (last_rss as i64 - warm_rss as i64) * 100 / span;
        let (warm, last) = (warm[0], last[last.len() - 1]);
        let max = |f: fn(&Sample) -> u64| samples.iter().map(f).max().unwrap_or(0);
        let mut problems = Vec::new();
        if failed > 0 {
            problems.push(format!("{failed} episode(s) did not end normally"));
        }
        if growth > max_growth_kib as i64 {
            problems.push(format!(
                "RSS grew {growth} KiB per 100 episodes (from {warm_rss} KiB on average once warm to {last_rss} KiB at the end), more than {max_growth_kib}"
            ));
        }
        if last.threads > warm.threads + COUNT_SLACK {
            problems.push(format!(
                "threads went from {} to {}",
                warm.threads, last.threads
            ));
        }
        if last.fds > warm.fds + COUNT_SLACK {
            problems.push(format!("open files went from {} to {}", warm.fds, last.fds));
        }
        Summary {
            episodes,
            failed,
            rss_warm_kib: warm_rss,
            rss_last_kib: last_rss,
            rss_max_kib: max(|s| s.rss_kib),
            rss_growth_per_100_kib: growth,
            threads_warm: warm.threads,
            threads_max: max(|s| s.threads),
            fds_warm: warm.fds,
            fds_max: max(|s| s.fds),
            ok: problems.is_empty(),
            problems,
        }
    }
}

/// `pillarbox soak`'s output: each sample as a JSON line when asked, then
/// the summary judged against `max_growth_kib`; whether the run was good.
pub fn print_report(
    samples: &[Sample],
    failed: usize,
    max_growth_kib: u64,
    each: bool,
) -> Result<bool, serde_json::Error> {
    if each {
        for s in samples {
            println!("{}", serde_json::to_string(s)?);
        }
    }
    let summary = Summary::of(samples, failed, max_growth_kib);
    println!("{}", serde_json::to_string(&summary)?);
    if !summary.ok {
        eprintln!("pillarbox soak: {}", summary.problems.join("; "));
    }
    Ok(summary.ok)
}

/// The TV app's steps for a soak of `episodes` episodes: the demo's first
/// series from its first episode, then Next up to `last` and Previous back
/// down, over and over, a sample after each episode has shown frames.
pub fn tv_steps(episodes: usize, last: u32) -> Vec<crate::qa::Step> {
    use crate::input::Action;
    use crate::qa::{Ready, Step};
    // Episode 1 by its number: the Play button would continue wherever the
    // state directory's history left off.
    let mut steps = vec![
        Step::Wait(Ready::Home),
        Step::Key(Action::Ok),
        Step::Key(Action::Digit1),
        Step::Key(Action::Ok),
        Step::Wait(Ready::PlayingMs(300)),
        Step::Sample,
    ];
    let span = last.max(2) - 1;
    for i in 1..episodes {
        // 1 → last → 1 → ...: Next while going up, Previous coming down.
        let phase = (i as u32 - 1) % (2 * span);
        let key = if phase < span {
            Action::Next
        } else {
            Action::Previous
        };
        steps.push(Step::Key(key));
        // The new episode shows frames (its position starts again).
        steps.push(Step::Wait(Ready::PlayingMs(100)));
        steps.push(Step::Sample);
    }
    steps
}

/// Why a soak run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    #[error("demo media: {0}")]
    Media(#[from] crate::demo::MediaError),
    #[error("demo server")]
    Server(#[source] std::io::Error),
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    #[error(transparent)]
    Playback(#[from] crate::playback::PlaybackError),
    #[error("bad demo URL: {0}")]
    Url(#[from] url::ParseError),
    #[error(transparent)]
    Qa(#[from] crate::qa::QaError),
}

/// The playback core alone: `episodes` episodes back to back, cycling
/// through `distinct` demo episodes (2 s each, decoded as fast as possible)
/// generated in `media_dir`; a sample after each. Returns the samples and
/// how many episodes failed.
pub fn run_core(
    episodes: usize,
    distinct: usize,
    media_dir: &std::path::Path,
) -> Result<(Vec<Sample>, usize), SoakError> {
    let entries = demo::prepare(media_dir, distinct.max(1), 2)?;
    let net = Net::new(NetConfig {
        policy: UrlPolicy::loopback(),
        ..NetConfig::default()
    })?;
    let server = DemoServer::start(media_dir, net.handle()).map_err(SoakError::Server)?;
    let urls: Vec<String> = (0..episodes.max(1))
        .map(|i| {
            server
                .base()
                .join(&entries[i % entries.len()])
                .map(|u| u.to_string())
        })
        .collect::<Result<_, _>>()?;
    let config = PlayerConfig {
        fast: true,
        video_size: Some((304, 540)),
        audio: AudioOutput::Discard,
        ..PlayerConfig::default()
    };
    let (tx, events) = std::sync::mpsc::channel();
    let mut player = Player::new(config, &net, Arc::new(NullFrameSink), Arc::new(tx))?;
    let binge = BingeOptions {
        preload: true,
        stuck_timeout: Duration::from_secs(30),
        headers: Default::default(),
    };
    let (mut samples, mut failed) = (Vec::new(), 0);
    binge::play_all(&mut player, &events, &urls, &binge, |_, outcome| {
        failed += usize::from(outcome.is_err());
        if let Some(s) = Sample::now(samples.len() + 1) {
            samples.push(s);
        }
    })?;
    Ok((samples, failed))
}

/// The whole TV app headless on the demo, zapping through its first
/// series' eight free episodes; a sample after each.
pub fn run_tv(options: &TvOptions, episodes: usize) -> Result<Vec<Sample>, SoakError> {
    let steps = tv_steps(episodes.max(1), 8);
    let timeout = Duration::from_secs(60 + 10 * episodes as u64);
    let report = crate::qa::run(options, steps, timeout, false)?;
    Ok(report.samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rss: impl Fn(usize) -> u64, threads: impl Fn(usize) -> u64) -> Vec<Sample> {
        (1..=100)
            .map(|episode| Sample {
                episode,
                rss_kib: rss(episode),
                threads: threads(episode),
                fds: 20,
            })
            .collect()
    }

    #[test]
    fn steady_memory_passes_and_growth_or_leaked_threads_fail() {
        let flat = Summary::of(&run(|e| 100_000 + (e as u64 % 3) * 500, |_| 12), 0, 4_096);
        assert!(flat.ok, "{:?}", flat.problems);
        assert_eq!(flat.threads_max, 12);
        let leak = Summary::of(&run(|e| 100_000 + e as u64 * 100, |_| 12), 0, 4_096);
        assert!(!leak.ok);
        assert_eq!(leak.rss_growth_per_100_kib, 10_000);
        assert!(
            leak.problems[0].contains("per 100 episodes"),
            "{:?}",
            leak.problems
        );
        let threads = Summary::of(&run(|_| 100_000, |e| 12 + e as u64 / 5), 0, 4_096);
        assert!(!threads.ok);
        assert!(!Summary::of(&run(|_| 1, |_| 1), 1, 4_096).ok);
        assert!(!Summary::of(&[], 0, 4_096).ok);
    }

    #[test]
    fn tv_steps_zap_up_and_down_the_range() {
        use crate::input::Action;
        use crate::qa::Step;
        let keys: Vec<Action> = tv_steps(8, 4)
            .into_iter()
            .filter_map(|s| match s {
                Step::Key(a) => Some(a),
                _ => None,
            })
            .skip(3)
            .collect();
        use Action::{Next as N, Previous as P};
        assert_eq!(keys, [N, N, N, P, P, P, N]);
    }
}
