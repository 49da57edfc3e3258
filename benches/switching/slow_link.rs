//! pillarbox against gst-play-1.0 (playbin3, hlsdemux2's ABR) on a slow
//! link: a loopback server that carries every response's body through one
//! shared link of a set rate, adds a delay to each request and fails 1 %
//! of them, serving a four-rung ladder of vertical episodes.
//!
//! pillarbox runs twice: on a network new to it (its 2 Mbit/s first
//! guess) and on one it knows (`--initial-bitrate` at the link's rate, as
//! the TV app starts from what the network carried lately).
//!
//! Per player, the same six episodes back to back: start to first frame,
//! rebuffers (count and share of the time played), the gap between
//! episodes, the mean bitrate of the segments played and the bytes the
//! link carried. The link's figures come from the server, the same for
//! both players; stalls and gaps from each player's own frames.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use pillarbox::demo::media::{self, Container, EpisodeSpec};

use super::run;

const EPISODES: usize = 6;
const EPISODE_SECONDS: u32 = 16;
const SEGMENT_SECONDS: u32 = 2;
/// Width, height and x264's target kbit/s of each rung, lowest first;
/// their peaks come out near 544k, 1014k, 1740k and 3343k with audio.
const RUNGS: [(u32, u32, u32); 4] = [
    (360, 640, 300),
    (540, 960, 700),
    (720, 1280, 1350),
    (1080, 1920, 2700),
];
/// One request in this many fails (503).
const FAIL_EVERY: u64 = 100;
/// The links measured: bit/s and the delay added to each request.
const LINKS: [(u64, Duration); 2] = [
    (1_500_000, Duration::from_millis(150)),
    (800_000, Duration::from_millis(150)),
];
/// A pause in a player's frames longer than this (beyond the frames'
/// own spacing) inside an episode is a rebuffer.
const STALL: Duration = Duration::from_millis(250);
/// Bytes carried per turn on the link: small, so concurrent responses
/// share it fairly.
const CHUNK: usize = 4096;

/// What the server saw during one player's run. pillarbox's log of each
/// run is kept beside the media (`slow-link/pillarbox[-known]-<kbit/s>k.log`).
struct Link {
    root: PathBuf,
    bps: u64,
    delay: Duration,
    /// When the link is next free to carry a chunk.
    free_at: Mutex<tokio::time::Instant>,
    requests: AtomicU64,
    /// Body bytes the link carried (cut responses included).
    carried: AtomicU64,
    /// Per episode and segment: the rung of the last complete answer.
    served: Mutex<HashMap<(usize, usize), usize>>,
}

/// `epNN/RUNG/segNNNNN.ts` → (episode, rung, segment).
fn segment_of(path: &str) -> Option<(usize, usize, usize)> {
    let mut parts = path.split('/');
    let ep = parts.next()?.strip_prefix("ep")?.parse().ok()?;
    let rung = parts.next()?.strip_prefix('r')?.parse().ok()?;
    let seg = parts
        .next()?
        .strip_prefix("seg")?
        .strip_suffix(".ts")?
        .parse()
        .ok()?;
    Some((ep, rung, seg))
}

async fn serve(State(link): State<Arc<Link>>, uri: Uri) -> Response {
    let n = link.requests.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(link.delay).await;
    if n % FAIL_EVERY == FAIL_EVERY / 2 {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let path = uri.path().trim_start_matches('/').to_owned();
    if path.split('/').any(|p| p == ".." || p.is_empty()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(data) = tokio::fs::read(link.root.join(&path)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let len = data.len();
    let kind = if path.ends_with(".m3u8") {
        "application/vnd.apple.mpegurl"
    } else {
        "video/mp2t"
    };
    let data = bytes::Bytes::from(data);
    let chunks = futures_util::stream::unfold(
        (link.clone(), data, 0usize, path),
        |(link, data, at, path)| async move {
            if at >= data.len() {
                return None;
            }
            let end = (at + CHUNK).min(data.len());
            let airtime = Duration::from_secs_f64((end - at) as f64 * 8.0 / link.bps as f64);
            let done = {
                let mut free = link.free_at.lock().unwrap();
                let start = (*free).max(tokio::time::Instant::now());
                *free = start + airtime;
                *free
            };
            tokio::time::sleep_until(done).await;
            link.carried.fetch_add((end - at) as u64, Ordering::Relaxed);
            // The client knows the length and may not ask past the last chunk.
            if end == data.len()
                && let Some((ep, rung, seg)) = segment_of(&path)
            {
                link.served.lock().unwrap().insert((ep, seg), rung);
            }
            let chunk = data.slice(at..end);
            Some((Ok::<_, std::io::Error>(chunk), (link, data, end, path)))
        },
    );
    (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_LENGTH, len.to_string()),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}

/// The ladder of each episode: `epNN/master.m3u8` over `epNN/rK/index.m3u8`.
/// Returns the master playlists' paths and each rung's mean bitrate.
fn generate(dir: &Path) -> (Vec<String>, Vec<u64>) {
    // Patterns busy enough to reach each rung's bitrate (a bouncing ball
    // compresses to a few hundred kbit/s at any size).
    let patterns = ["snow", "smpte", "pinwheel", "spokes", "circular", "smpte"];
    let mut peaks = vec![0u64; RUNGS.len()];
    let entries = (0..EPISODES)
        .map(|i| {
            let name = format!("ep{:02}", i + 1);
            let ep = dir.join(&name);
            let mut master = String::from("#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n");
            for (k, &(w, h, kbps)) in RUNGS.iter().enumerate() {
                let out = ep.join(format!("r{k}"));
                if !out.join("index.m3u8").exists() {
                    let mut spec = EpisodeSpec::vertical(Container::HlsTs, EPISODE_SECONDS);
                    spec.width = w;
                    spec.height = h;
                    spec.bitrate_kbps = kbps;
                    spec.segment_seconds = SEGMENT_SECONDS;
                    spec.pattern = patterns[i % patterns.len()].into();
                    media::generate(&spec, &out).expect("generate rung");
                }
                // BANDWIDTH: the peak segment bitrate, as the HLS spec says.
                let peak = segments(&out).into_iter().max().unwrap_or(0) * 8 / SEGMENT_SECONDS as u64;
                peaks[k] = peaks[k].max(peak);
                master.push_str(&format!(
                    "#EXT-X-STREAM-INF:BANDWIDTH={peak},RESOLUTION={w}x{h},CODECS=\"avc1.42c01f,mp4a.40.2\"\nr{k}/index.m3u8\n"
                ));
            }
            std::fs::write(ep.join("master.m3u8"), master).expect("master playlist");
            format!("{name}/master.m3u8")
        })
        .collect();
    (entries, peaks)
}

/// Sizes of a rung's segments, in order.
fn segments(dir: &Path) -> Vec<u64> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("rung dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
        .map(|e| (e.file_name(), e.metadata().map(|m| m.len()).unwrap_or(0)))
        .collect();
    files.sort();
    files.into_iter().map(|(_, len)| len).collect()
}

/// One player's run on one link.
#[derive(Default)]
struct Figures {
    first_frame_ms: Option<f64>,
    rebuffers: u64,
    rebuffer_ms: f64,
    /// Mean pause between one episode's last frame and the next one's first.
    gap_ms: Option<f64>,
    played_kbps: f64,
    /// Segments played from each rung.
    rungs: [usize; RUNGS.len()],
    carried: u64,
    failed_episodes: usize,
}

/// Stalls and gaps from gst-play's frames: a `pts` that goes back starts
/// an episode; inside one, wall time beyond the pts advance is a stall.
fn gst_frames(frames: &[(Instant, f64)]) -> (u64, f64, Vec<f64>) {
    let (mut stalls, mut stalled, mut gaps) = (0, 0.0, Vec::new());
    for w in frames.windows(2) {
        let ((t0, p0), (t1, p1)) = (w[0], w[1]);
        let wall = (t1 - t0).as_secs_f64();
        if p1 + 0.5 < p0 {
            gaps.push(wall * 1000.0);
        } else {
            let beyond = wall - (p1 - p0).max(0.0);
            if beyond > STALL.as_secs_f64() {
                stalls += 1;
                stalled += beyond * 1000.0;
            }
        }
    }
    (stalls, stalled, gaps)
}

fn pts_of(line: &str) -> Option<f64> {
    let at = line.find("pts: ")? + 5;
    let t = line[at..].split([',', ')']).next()?.trim();
    let mut parts = t.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

fn start_link(
    runtime: &tokio::runtime::Runtime,
    root: &Path,
    bps: u64,
    delay: Duration,
) -> (Arc<Link>, SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let link = Arc::new(Link {
        root: root.to_owned(),
        bps,
        delay,
        free_at: Mutex::new(tokio::time::Instant::now()),
        requests: AtomicU64::new(0),
        carried: AtomicU64::new(0),
        served: Mutex::default(),
    });
    let app = axum::Router::new().fallback(serve).with_state(link.clone());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    (link, addr, stop)
}

/// Mean bitrate of the segments the player was last served, per episode
/// and segment, in kbit/s, and how many came from each rung.
fn played(link: &Link, dir: &Path) -> (f64, [usize; RUNGS.len()]) {
    let served = link.served.lock().unwrap();
    let mut sizes: HashMap<(usize, usize), Vec<u64>> = HashMap::new();
    let (mut bits, mut seconds) = (0.0, 0.0);
    let mut rungs = [0; RUNGS.len()];
    for (&(ep, seg), &rung) in served.iter() {
        if let Some(n) = rungs.get_mut(rung) {
            *n += 1;
        }
        let s = sizes
            .entry((ep, rung))
            .or_insert_with(|| segments(&dir.join(format!("ep{ep:02}/r{rung}"))));
        if let Some(&len) = s.get(seg) {
            bits += len as f64 * 8.0;
            seconds += SEGMENT_SECONDS as f64;
        }
    }
    let kbps = if seconds > 0.0 {
        bits / seconds / 1000.0
    } else {
        0.0
    };
    (kbps, rungs)
}

fn measure(
    name: &str,
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    entries: &[String],
    bps: u64,
    delay: Duration,
) -> Figures {
    let (link, addr, stop) = start_link(runtime, dir, bps, delay);
    let urls: Vec<String> = entries
        .iter()
        .map(|e| format!("http://{addr}/{e}"))
        .collect();
    let mut f = Figures::default();
    if let Some(known) = name.strip_prefix("pillarbox") {
        let mut cmd = super::pillarbox_cmd(&urls);
        if !known.is_empty() {
            // As the TV app starts on a network it played on before.
            cmd.arg(format!("--initial-bitrate={bps}"));
        }
        cmd.env(
            "RUST_LOG",
            "pillarbox=info,pillarbox::playback::feeder=debug",
        );
        let r = run(cmd, "first frame");
        let log = dir.join(format!("pillarbox{known}-{}k.log", bps / 1000));
        let lines: Vec<&str> = r.lines.iter().map(|(l, _)| l.as_str()).collect();
        let _ = std::fs::write(&log, lines.join("\n"));
        f.first_frame_ms = r.first_frame.map(|d| d.as_secs_f64() * 1000.0);
        let mut gaps = Vec::new();
        for line in r.stdout.lines().filter(|l| l.starts_with('{')) {
            let v: serde_json::Value = serde_json::from_str(line).expect("episode report");
            if v["result"] != "eos" {
                f.failed_episodes += 1;
            }
            f.rebuffers += v["rebuffer_count"].as_u64().unwrap_or(0);
            f.rebuffer_ms += v["rebuffer_ms"].as_u64().unwrap_or(0) as f64;
            if let Some(g) = v["switch_gap_ms"].as_f64() {
                gaps.push(g);
            }
        }
        f.gap_ms = (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64);
    } else {
        let r = run_gst(&urls);
        f.first_frame_ms = r.0;
        let (stalls, stalled, gaps) = gst_frames(&r.1);
        f.rebuffers = stalls;
        f.rebuffer_ms = stalled;
        f.failed_episodes = EPISODES.saturating_sub(gaps.len() + 1);
        f.gap_ms = (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64);
    }
    (f.played_kbps, f.rungs) = played(&link, dir);
    f.carried = link.carried.load(Ordering::Relaxed);
    let _ = stop.send(());
    f
}

/// gst-play-1.0 on playbin3: the first frame, and every frame's arrival
/// and pts.
fn run_gst(urls: &[String]) -> (Option<f64>, Vec<(Instant, f64)>) {
    let mut c = Command::new("gst-play-1.0");
    c.args([
        "-v",
        "--use-playbin3",
        "--no-interactive",
        "--videosink=fakesink name=vsink sync=true silent=false",
        "--audiosink=fakesink sync=true",
    ])
    .args(urls);
    let r = run(c, "vsink: last-message = chain");
    let frames: Vec<(Instant, f64)> = r
        .lines
        .iter()
        .filter(|(line, _)| line.contains("vsink: last-message = chain"))
        .filter_map(|(line, at)| Some((*at, pts_of(line)?)))
        .collect();
    let first = r.first_frame.map(|d| d.as_secs_f64() * 1000.0);
    (first, frames)
}

/// Runs the comparison on each link and prints the table.
pub fn section(dir: &Path, runtime: &tokio::runtime::Runtime) {
    let dir = dir.join("slow-link");
    std::fs::create_dir_all(&dir).expect("media dir");
    let (entries, peaks) = generate(&dir);
    let content = (EPISODES as u32 * EPISODE_SECONDS) as f64;
    println!();
    println!(
        "slow link: {EPISODES} HLS episodes of {EPISODE_SECONDS} s back to back, ladder peaks {} kbit/s; \
         one link shared by all responses, 1 request in {FAIL_EVERY} failing (503)",
        peaks
            .iter()
            .map(|p| (p / 1000).to_string())
            .collect::<Vec<_>>()
            .join("/")
    );
    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12} {:>10} {:>8}",
        "link / player",
        "start ms",
        "rebuffers",
        "rebuf %",
        "gap ms",
        "kbit/s",
        "per rung",
        "MB carried",
        "failed"
    );
    // PILLARBOX_BENCH_SLOW_LINK=800 measures that link (kbit/s) alone;
    // PILLARBOX_BENCH_SLOW_LINK_PLAYER one player.
    let only_link: Option<u64> = std::env::var("PILLARBOX_BENCH_SLOW_LINK")
        .ok()
        .and_then(|v| v.parse().ok());
    let only_player = std::env::var("PILLARBOX_BENCH_SLOW_LINK_PLAYER").ok();
    for (bps, delay) in LINKS {
        if only_link.is_some_and(|k| k * 1000 != bps) {
            continue;
        }
        let mut rows = Vec::new();
        // pillarbox on a network new to it (a 2 Mbit/s guess to start
        // with) and on one it knows (the link's rate remembered).
        for name in ["pillarbox", "pillarbox-known", "gst-play-1.0"] {
            if only_player.as_deref().is_some_and(|p| p != name) {
                continue;
            }
            let f = measure(name, runtime, &dir, &entries, bps, delay);
            println!(
                "{:<26} {:>10} {:>10} {:>10.2} {:>10} {:>10.0} {:>12} {:>10.2} {:>8}",
                format!("{}k+{}ms {name}", bps / 1000, delay.as_millis()),
                f.first_frame_ms.map_or("-".into(), |v| format!("{v:.0}")),
                f.rebuffers,
                f.rebuffer_ms / (content * 1000.0) * 100.0,
                f.gap_ms.map_or("-".into(), |v| format!("{v:.0}")),
                f.played_kbps,
                f.rungs
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
                f.carried as f64 / 1e6,
                f.failed_episodes,
            );
            rows.push(f);
        }
        let [p, k, g] = &rows[..] else { continue };
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
            _ => "-".into(),
        };
        for (what, p) in [("new network", p), ("known network", k)] {
            println!(
                "{:<26} pillarbox ({what}) / gst-play: start {} · kbit/s {} · bytes {}",
                "",
                ratio(p.first_frame_ms, g.first_frame_ms),
                ratio(Some(p.played_kbps), Some(g.played_kbps)),
                ratio(Some(p.carried as f64), Some(g.carried as f64)),
            );
        }
    }
}
