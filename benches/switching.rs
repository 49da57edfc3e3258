//! Back-to-back playback, pillarbox against gst-play-1.0 and mpv, in one run
//! on the same generated episodes served from loopback.
//!
//! For each player: dead time per added episode, that is
//! ((wall - content) for N episodes - the same for M < N) / (N - M), which
//! leaves process start and exit out; the time from process start to the
//! first frame; and, for pillarbox, the peak RSS over a long run.
//!
//! Then the same against gst-play-1.0 on a slow, lossy link (slow_link.rs).
//!
//! `cargo bench --bench switching` (or `make bench`). Environment:
//! PILLARBOX_BENCH_REPEAT (runs per measure, median taken; default 3),
//! PILLARBOX_BENCH_RSS_EPISODES (default 50), PILLARBOX_BENCH_ONLY=slow-link
//! (that comparison alone).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[path = "switching/slow_link.rs"]
mod slow_link;

use pillarbox::demo::DemoServer;
use pillarbox::demo::media::{self, Container, EpisodeSpec};

const EPISODE_SECONDS: u32 = 4;
const EPISODES: usize = 6;
const M: usize = 2;
const N: usize = 6;
/// Cold starts measured per player for the first-frame distribution.
const COLD_STARTS: usize = 10;

struct Run {
    wall: Duration,
    /// User + system CPU time of the process.
    cpu: Duration,
    /// From process start to the first frame shown.
    first_frame: Option<Duration>,
    peak_rss_kib: u64,
    stdout: String,
    ok: bool,
    /// Every line of stdout and stderr, with when it arrived.
    lines: Vec<(String, Instant)>,
}

/// Runs `cmd`, timing it, watching stdout and stderr for `first_frame_marker`
/// and sampling the peak RSS (VmHWM) while it lives.
fn run(mut cmd: Command, first_frame_marker: &str) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let cpu_before = children_cpu();
    let start = Instant::now();
    let mut child = cmd.spawn().expect("start player");
    let pid = child.id();
    let (tx, rx) = mpsc::channel::<(bool, String, Instant)>();
    let readers: Vec<_> = [
        (
            true,
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ),
        (
            false,
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ),
    ]
    .into_iter()
    .filter_map(|(is_out, s)| s.map(|s| (is_out, s)))
    .map(|(is_out, s)| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(s).lines().map_while(Result::ok) {
                let _ = tx.send((is_out, line, Instant::now()));
            }
        })
    })
    .collect();
    drop(tx);
    let mut peak = 0;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kib) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = start.elapsed();
    let cpu = children_cpu().saturating_sub(cpu_before);
    for r in readers {
        let _ = r.join();
    }
    let mut first_frame = None;
    let mut stdout = String::new();
    let mut lines = Vec::new();
    for (is_out, line, at) in rx.try_iter() {
        if first_frame.is_none() && line.contains(first_frame_marker) {
            first_frame = Some(at - start);
        }
        if is_out {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        lines.push((line, at));
    }
    Run {
        wall,
        cpu,
        first_frame,
        peak_rss_kib: peak,
        stdout,
        ok: status.success(),
        lines,
    }
}

/// CPU time of this process's children that have been waited for.
fn children_cpu() -> Duration {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut u);
        u
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// The output every player produces in the CPU comparison: the 9:16
/// picture at the height of a 1080p screen, RGBA, as the TV app draws it.
const OUT_W: u32 = 608;
const OUT_H: u32 = 1080;

/// The players of the CPU and memory comparison: each decodes, scales to
/// OUT_W x OUT_H and converts to RGBA, in real time, audio decoded too.
fn cpu_peers() -> Vec<(&'static str, Command)> {
    let mut pillarbox = Command::new(env!("CARGO_BIN_EXE_pillarbox"));
    pillarbox.args([
        "play",
        "--headless",
        "--json",
        "--size",
        &format!("{OUT_W}x{OUT_H}"),
    ]);
    let mut mpv = Command::new("mpv");
    mpv.args([
        "--no-config",
        "--vo=null",
        "--ao=null",
        &format!("--vf=scale={OUT_W}:{OUT_H},format=fmt=rgba"),
    ]);
    let mut mpv_decode = Command::new("mpv");
    mpv_decode.args(["--no-config", "--vo=null", "--ao=null"]);
    let mut gst = Command::new("gst-play-1.0");
    gst.args([
        "--no-interactive",
        &format!(
            "--videosink=videoscale ! videoconvert ! video/x-raw,format=RGBA,width={OUT_W},\
             height={OUT_H} ! fakesink sync=true"
        ),
        "--audiosink=fakesink sync=true",
    ]);
    vec![
        ("pillarbox", pillarbox),
        ("mpv", mpv),
        ("gst-play-1.0", gst),
        ("mpv (decode only)", mpv_decode),
    ]
}

struct Peer {
    name: &'static str,
    marker: &'static str,
    command: fn(&[String]) -> Command,
}

fn pillarbox_cmd(urls: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pillarbox"));
    c.env("RUST_LOG", "pillarbox=info")
        .args(["play", "--headless", "--json"])
        .args(urls);
    c
}

fn gst_play_cmd(urls: &[String]) -> Command {
    let mut c = Command::new("gst-play-1.0");
    c.args([
        "-v",
        "--no-interactive",
        "--videosink=fakesink name=vsink sync=true silent=false",
        "--audiosink=fakesink sync=true",
    ])
    .args(urls);
    c
}

fn mpv_cmd(urls: &[String]) -> Command {
    let mut c = Command::new("mpv");
    c.args([
        "--no-config",
        "--vo=null",
        "--ao=null",
        "--msg-level=all=warn,cplayer=v",
    ])
    .args(urls);
    c
}

const PEERS: [Peer; 3] = [
    Peer {
        name: "pillarbox",
        marker: "first frame",
        command: pillarbox_cmd,
    },
    Peer {
        name: "gst-play-1.0",
        marker: "vsink: last-message = chain",
        command: gst_play_cmd,
    },
    Peer {
        name: "mpv",
        marker: "first video frame after restart shown",
        command: mpv_cmd,
    },
];

/// The peers come from Debian; install them when missing.
fn ensure_peers() {
    let missing: Vec<&str> = [
        ("gst-play-1.0", "gstreamer1.0-plugins-base-apps"),
        ("mpv", "mpv"),
    ]
    .into_iter()
    .filter(|(bin, _)| {
        Command::new("sh")
            .args(["-c", &format!("command -v {bin}")])
            .stdout(Stdio::null())
            .status()
            .map(|s| !s.success())
            .unwrap_or(true)
    })
    .map(|(_, pkg)| pkg)
    .collect();
    if missing.is_empty() {
        return;
    }
    eprintln!("installing {}", missing.join(" "));
    let sudo = if is_root() { "" } else { "sudo " };
    let script = format!(
        "{sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive {sudo}apt-get install -y -qq {}",
        missing.join(" ")
    );
    let ok = Command::new("sh")
        .args(["-c", &script])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "could not install {}", missing.join(" "));
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn generate(dir: &Path) -> Vec<String> {
    let patterns = [
        "ball",
        "smpte",
        "pinwheel",
        "spokes",
        "circular",
        "zone-plate",
    ];
    (0..EPISODES)
        .map(|i| {
            let name = format!("ep{:02}", i + 1);
            let out = dir.join(&name);
            if !out.join("index.m3u8").exists() {
                let mut spec = EpisodeSpec::vertical(Container::HlsTs, EPISODE_SECONDS);
                spec.pattern = patterns[i % patterns.len()].into();
                media::generate(&spec, &out).expect("generate episode");
            }
            format!("{name}/index.m3u8")
        })
        .collect()
}

/// The same episodes encrypted as a packager would (AES-128, one key per
/// episode, `key.bin` beside each playlist): `encNN/index.m3u8`.
fn encrypt(dir: &Path, entries: &[String]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            let name = e.trim_end_matches("/index.m3u8");
            let out = dir.join(format!("enc-{name}"));
            if !out.join("index.m3u8").exists() {
                let _ = std::fs::remove_dir_all(&out);
                std::fs::create_dir_all(&out).expect("dir");
                for f in std::fs::read_dir(dir.join(name)).expect("episode") {
                    let f = f.expect("entry");
                    std::fs::copy(f.path(), out.join(f.file_name())).expect("copy");
                }
                let key: [u8; 16] = std::array::from_fn(|i| i as u8 ^ name.len() as u8);
                std::fs::write(out.join("key.bin"), key).expect("key");
                pillarbox::demo::protect::encrypt_hls(&out, &key, [0; 16], "key.bin")
                    .expect("encrypt");
            }
            format!("enc-{name}/index.m3u8")
        })
        .collect()
}

/// pillarbox on clear and on AES-128 episodes, same runs otherwise: dead
/// time per added episode, switch gaps and first frames, and the ratios.
fn aes_section(urls: &[String], enc_urls: &[String], repeat: usize) {
    let content = |n: usize| EPISODE_SECONDS as f64 * n as f64;
    let measure = |urls: &[String]| {
        let (mut dead, mut gaps, mut first) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..repeat {
            let short = run(pillarbox_cmd(&urls[..M]), "first frame");
            let long = run(pillarbox_cmd(&urls[..N]), "first frame");
            assert!(short.ok && long.ok, "{}\n{}", short.stdout, long.stdout);
            let d_short = short.wall.as_secs_f64() - content(M);
            let d_long = long.wall.as_secs_f64() - content(N);
            dead.push((d_long - d_short) / (N - M) as f64 * 1000.0);
            for (i, v) in long
                .stdout
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .enumerate()
            {
                assert_eq!(v["result"], "eos", "{v}");
                if let Some(g) = v["switch_gap_ms"].as_f64() {
                    gaps.push(g);
                }
                // Later episodes were preloaded (0 ms); the first one is
                // the one whose key and segments are fetched on demand.
                if i == 0
                    && let Some(f) = v["first_frame_ms"].as_f64()
                {
                    first.push(f);
                }
            }
        }
        (median(dead), median(gaps), median(first))
    };
    let clear = measure(urls);
    let aes = measure(enc_urls);
    println!();
    println!(
        "AES-128 HLS: the same {N} episodes encrypted (a key fetched per episode), pillarbox; \
         median of {repeat}"
    );
    println!(
        "{:<16} {:>22} {:>16} {:>31}",
        "episodes", "dead ms/added episode", "switch gap ms", "first episode's first frame ms"
    );
    for (name, (dead, gap, first)) in [("clear", clear), ("AES-128", aes)] {
        println!("{name:<16} {dead:>22.1} {gap:>16.1} {first:>31.1}");
    }
    // Gaps and first frames of a few ms: the ratio says little below a
    // millisecond's difference, the difference says it all.
    println!(
        "{:<16} {:>22} {:>16.2} {:>31.2}",
        "AES-128 / clear",
        format!("{:+.1} ms", aes.0 - clear.0),
        aes.1 / clear.1.max(1e-9),
        aes.2 / clear.2.max(1e-9)
    );
}

fn main() {
    // cargo bench passes --bench; nothing else is taken.
    let repeat: usize = std::env::var("PILLARBOX_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let rss_episodes: usize = std::env::var("PILLARBOX_BENCH_RSS_EPISODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    ensure_peers();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("switching-media");
    std::fs::create_dir_all(&dir).expect("media dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // PILLARBOX_BENCH_ONLY=slow-link runs that section alone.
    if std::env::var("PILLARBOX_BENCH_ONLY").as_deref() == Ok("slow-link") {
        slow_link::section(&dir, &runtime);
        return;
    }
    let entries = generate(&dir);
    let server = DemoServer::start(&dir, runtime.handle()).expect("loopback server");
    let urls: Vec<String> = entries
        .iter()
        .map(|e| server.base().join(e).expect("url").to_string())
        .collect();
    let enc_urls: Vec<String> = encrypt(&dir, &entries)
        .iter()
        .map(|e| server.base().join(e).expect("url").to_string())
        .collect();
    let content = |n: usize| Duration::from_secs((EPISODE_SECONDS as usize * n) as u64);

    println!(
        "switching: {EPISODES} HLS episodes of {EPISODE_SECONDS} s, 1080x1920 H.264+AAC, \
         loopback; N={N}, M={M}, median of {repeat}"
    );
    let mut results = Vec::new();
    for peer in &PEERS {
        let mut dead = Vec::new();
        let mut first = Vec::new();
        for _ in 0..repeat {
            let short = run((peer.command)(&urls[..M]), peer.marker);
            let long = run((peer.command)(&urls[..N]), peer.marker);
            assert!(
                short.ok && long.ok,
                "{} failed:\n{}\n{}",
                peer.name,
                short.stdout,
                long.stdout
            );
            let dead_short = short.wall.as_secs_f64() - content(M).as_secs_f64();
            let dead_long = long.wall.as_secs_f64() - content(N).as_secs_f64();
            dead.push((dead_long - dead_short) / (N - M) as f64 * 1000.0);
            for r in [&short, &long] {
                if let Some(f) = r.first_frame {
                    first.push(f.as_secs_f64() * 1000.0);
                }
            }
            if peer.name == "pillarbox" {
                for line in long.stdout.lines() {
                    println!("  pillarbox: {line}");
                }
            }
        }
        let first = (!first.is_empty()).then(|| median(first));
        results.push((peer.name, median(dead), first));
    }
    let (_, pb_dead, pb_first) = results[0];
    println!();
    println!(
        "{:<14} {:>22} {:>24} {:>22} {:>22}",
        "player",
        "dead ms/added episode",
        "start to first frame ms",
        "pillarbox dead / this",
        "pillarbox first / this"
    );
    for (name, dead, first) in &results {
        let first_s = first
            .map(|f| format!("{f:.0}"))
            .unwrap_or_else(|| "-".into());
        let ratio_first = match (first, pb_first) {
            (Some(f), Some(p)) if *f > 0.0 => format!("{:.3}", p / f),
            _ => "-".into(),
        };
        // Dead times near zero are noise of a millisecond either way.
        let ratio_dead = if dead.abs() > 1e-9 {
            format!("{:.3}", pb_dead / dead)
        } else {
            "-".into()
        };
        println!("{name:<14} {dead:>22.1} {first_s:>24} {ratio_dead:>22} {ratio_first:>22}");
    }

    aes_section(&urls, &enc_urls, repeat);

    // Start to first frame from a cold process, one episode a run.
    println!();
    println!(
        "first frame from a cold start (process start to first frame shown, one episode), \
         {COLD_STARTS} starts each"
    );
    println!(
        "{:<14} {:>8} {:>8} {:>8} {:>26}",
        "player", "min ms", "median", "max", "pillarbox median / this"
    );
    let mut cold: Vec<(&str, f64, f64, f64)> = Vec::new();
    for peer in &PEERS {
        let mut firsts: Vec<f64> = (0..COLD_STARTS)
            .filter_map(|_| {
                let r = run((peer.command)(&urls[..1]), peer.marker);
                assert!(r.ok, "{} failed:\n{}", peer.name, r.stdout);
                r.first_frame.map(|f| f.as_secs_f64() * 1000.0)
            })
            .collect();
        assert!(!firsts.is_empty(), "{} never showed a frame", peer.name);
        firsts.sort_by(|a, b| a.total_cmp(b));
        let (min, max) = (firsts[0], firsts[firsts.len() - 1]);
        cold.push((peer.name, min, median(firsts), max));
    }
    let pb_cold = cold[0].2;
    for (name, min, med, max) in &cold {
        println!(
            "{name:<14} {min:>8.0} {med:>8.0} {max:>8.0} {:>26.3}",
            pb_cold / med
        );
    }

    // CPU and memory, every player producing the same picture.
    println!();
    println!(
        "CPU and memory: {N} episodes, decoded, scaled to {OUT_W}x{OUT_H} and converted to RGBA \
         in real time; median of {repeat}"
    );
    println!(
        "{:<18} {:>22} {:>16} {:>22} {:>18}",
        "player",
        "CPU s per content s",
        "peak RSS MiB",
        "pillarbox CPU / this",
        "pillarbox RSS / this"
    );
    let mut cpu_results: Vec<(&str, f64, f64)> = Vec::new();
    // Frames pillarbox dropped (QoS) over every episode of these runs.
    let (mut dropped, mut frames, mut episodes) = (0u64, 0u64, 0usize);
    for (name, _) in cpu_peers() {
        let mut cpu = Vec::new();
        let mut rss = Vec::new();
        for _ in 0..repeat {
            let (_, mut cmd) = cpu_peers()
                .into_iter()
                .find(|(n, _)| *n == name)
                .expect("peer");
            cmd.args(&urls[..N]);
            let r = run(cmd, "\u{0}");
            assert!(r.ok, "{name} failed:\n{}", r.stdout);
            if name == "pillarbox" {
                for v in r
                    .stdout
                    .lines()
                    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                {
                    dropped += v["dropped_frames"].as_u64().unwrap_or(0);
                    frames += v["frames"].as_u64().unwrap_or(0);
                    episodes += 1;
                }
            }
            cpu.push(r.cpu.as_secs_f64() / content(N).as_secs_f64());
            rss.push(r.peak_rss_kib as f64 / 1024.0);
        }
        cpu_results.push((name, median(cpu), median(rss)));
    }
    let (_, pb_cpu, pb_rss) = cpu_results[0];
    for (name, cpu, rss) in &cpu_results {
        println!(
            "{name:<18} {cpu:>22.3} {rss:>16.1} {:>22.3} {:>18.3}",
            pb_cpu / cpu,
            pb_rss / rss
        );
    }
    println!("pillarbox dropped {dropped} of {frames} frames over {episodes} episodes");

    let long_urls: Vec<String> = (0..rss_episodes)
        .map(|i| urls[i % urls.len()].clone())
        .collect();
    let r = run(pillarbox_cmd(&long_urls), "first frame");
    assert!(
        r.ok,
        "pillarbox {rss_episodes}-episode run failed:\n{}",
        r.stdout
    );
    let gaps: Vec<f64> = r
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["switch_gap_ms"].as_f64())
        .collect();
    println!();
    println!(
        "pillarbox, {rss_episodes} episodes back to back: peak RSS {:.1} MiB, wall {:.1} s for {} s of content, \
         switch gap max {:.1} ms, median {:.1} ms",
        r.peak_rss_kib as f64 / 1024.0,
        r.wall.as_secs_f64(),
        EPISODE_SECONDS as usize * rss_episodes,
        gaps.iter().cloned().fold(0.0, f64::max),
        if gaps.is_empty() {
            0.0
        } else {
            median(gaps.clone())
        },
    );
    slow_link::section(&dir, &runtime);
}
