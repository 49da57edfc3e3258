//! Shared test fixtures: vertical episodes generated with GStreamer once per
//! test binary, and a fault-injecting HTTP server on 127.0.0.1.
#![allow(dead_code)]

pub mod browser;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use pillarbox::demo::media::{self, Container, EpisodeSpec};
use pillarbox::episode::EpisodeId;
use pillarbox::net::{Net, NetConfig};
use pillarbox::playback::{
    AudioOutput, FrameSink, NullFrameSink, PlaybackError, Player, PlayerConfig, PlayerEvent, Qoe,
    Start, StreamSource,
};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Frames in every generated test episode (2 s at 25 fps).
pub const FRAMES: u64 = 50;

pub struct Media {
    pub root: PathBuf,
    _dir: tempfile::TempDir,
}

/// Paths (relative to the served root) of the generated episodes.
pub const HLS_TS: &str = "ts/index.m3u8";
pub const HLS_FMP4: &str = "fmp4/index.m3u8";
pub const MP4_FASTSTART: &str = "mp4fast/episode.mp4";
pub const MP4_MOOV_AT_END: &str = "mp4end/episode.mp4";
/// Video with its audio only as `EXT-X-MEDIA` renditions, in two languages.
pub const HLS_ALT_AUDIO: &str = "alt/master.m3u8";

/// Generates the test episodes once per test binary: 1080x1920 H.264 + AAC.
pub fn media() -> &'static Media {
    static MEDIA: OnceLock<Media> = OnceLock::new();
    MEDIA.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_owned();
        let variants = [
            ("ts", Container::HlsTs),
            ("fmp4", Container::HlsFmp4),
            ("mp4fast", Container::Mp4 { faststart: true }),
            ("mp4end", Container::Mp4 { faststart: false }),
        ];
        for (name, container) in variants {
            let mut spec = EpisodeSpec::vertical(container, 2);
            spec.segment_seconds = 1;
            let g = media::generate(&spec, &root.join(name)).expect("generate test media");
            assert_eq!(g.frames as u64, FRAMES);
        }
        // Audio only as EXT-X-MEDIA renditions (English, the default, and
        // Spanish), video without audio: as ffmpeg makes dubbed episodes.
        let mut video = EpisodeSpec::vertical(Container::HlsTs, 2);
        video.segment_seconds = 1;
        video.audio = false;
        media::generate(&video, &root.join("alt/video")).expect("video rendition");
        for (lang, freq) in [("en", 440), ("es", 660)] {
            media::generate_audio_rendition(&root.join(format!("alt/audio-{lang}")), 2, 1, freq)
                .expect("audio rendition");
        }
        // English subtitles as segmented WebVTT, timed by X-TIMESTAMP-MAP
        // against the video's first timestamp (as packagers write them): a
        // cue that spans the segment boundary is in both segments.
        let first = std::fs::read(root.join("alt/video/seg00000.ts")).expect("video segment");
        let mpegts = pillarbox::hls::ts_first_pts(&first).expect("a first timestamp");
        let subs = root.join("alt/subs-en");
        std::fs::create_dir_all(&subs).expect("subtitle folder");
        let map = format!("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n\n");
        std::fs::write(
            subs.join("sub0.vtt"),
            format!("{map}00:00.200 --> 00:00.800\nOne\n\n00:00.900 --> 00:01.400\nTwo\n"),
        )
        .expect("subtitle segment");
        std::fs::write(
            subs.join("sub1.vtt"),
            format!("{map}00:00.900 --> 00:01.400\nTwo\n\n00:01.500 --> 00:01.900\n<i>Three</i>\n"),
        )
        .expect("subtitle segment");
        std::fs::write(
            subs.join("index.m3u8"),
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nsub0.vtt\n#EXTINF:1,\nsub1.vtt\n#EXT-X-ENDLIST\n",
        )
        .expect("subtitle playlist");
        std::fs::write(
            root.join(HLS_ALT_AUDIO),
            "#EXTM3U\n\
             #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"en\",NAME=\"English\",DEFAULT=YES,AUTOSELECT=YES,URI=\"audio-en/index.m3u8\"\n\
             #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"es\",NAME=\"Español\",AUTOSELECT=YES,URI=\"audio-es/index.m3u8\"\n\
             #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"en\",NAME=\"English\",AUTOSELECT=YES,URI=\"subs-en/index.m3u8\"\n\
             #EXT-X-STREAM-INF:BANDWIDTH=2600000,RESOLUTION=1080x1920,CODECS=\"avc1.42c01f,mp4a.40.2\",AUDIO=\"aud\",SUBTITLES=\"subs\"\n\
             video/index.m3u8\n",
        )
        .expect("master playlist");
        // A playlist whose second segment points at a local file.
        let ts = std::fs::read_to_string(root.join(HLS_TS)).expect("ts playlist");
        let evil = ts.replacen("seg00001.ts", "file:///etc/passwd", 1);
        assert_ne!(ts, evil);
        std::fs::write(root.join("ts/evil.m3u8"), evil).expect("write");
        std::fs::write(
            root.join("ts/malformed.m3u8"),
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:oops,\nseg00000.ts\n#EXT-X-ENDLIST\n",
        )
        .expect("write");
        // A master playlist over the TS and fMP4 renditions.
        std::fs::write(
            root.join("master.m3u8"),
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=1080x1920\nts/index.m3u8\n\
             #EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1080x1920\nfmp4/index.m3u8\n",
        )
        .expect("write");
        Media { root, _dir: dir }
    })
}

/// What the server does to a matching request.
#[derive(Clone, Debug)]
pub enum Fault {
    Status(u16),
    /// Send the full Content-Length but only this many bytes, then reset.
    Truncate(usize),
    /// Send this many bytes, then nothing, ever.
    Stall(usize),
    /// Wait before answering normally.
    Delay(Duration),
    /// Send the body at this many bytes per second.
    Throttle(u64),
    /// Answer 302 to this URL.
    Redirect(String),
    /// Answer a Range request with 206 and only the first this many bytes
    /// of the range, its Content-Range saying so (consistent, but short).
    ShortRange(u64),
    /// Answer 200 with this JSON body (a forged or broken API answer).
    Json(String),
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub query: Option<String>,
    pub headers: HashMap<String, String>,
}

#[derive(Clone, Debug)]
struct Rule {
    path_suffix: String,
    fault: Fault,
    /// Applies to the first `times` matching requests; `None`: always.
    times: Option<u32>,
}

#[derive(Default)]
struct ServerState {
    root: PathBuf,
    /// Answers what no fault takes, instead of the files under `root`.
    inner: Option<axum::Router>,
    rules: Mutex<Vec<Rule>>,
    hits: Mutex<HashMap<String, u32>>,
    seen: Mutex<Vec<Seen>>,
    /// Off the network: requests on connections already open fail.
    offline: std::sync::atomic::AtomicBool,
}

pub struct TestServer {
    pub base: String,
    state: Arc<ServerState>,
    /// The plain-HTTP server's accepting task (taken down while offline).
    serving: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
    addr: SocketAddr,
    // Owns the server task; dropping it stops the server.
    _runtime: tokio::runtime::Runtime,
}

impl TestServer {
    /// A runtime, the shared state and a listener on 127.0.0.1.
    fn bind(
        root: &Path,
    ) -> (
        tokio::runtime::Runtime,
        Arc<ServerState>,
        tokio::net::TcpListener,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let state = Arc::new(ServerState {
            root: root.to_owned(),
            ..Default::default()
        });
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
                [127, 0, 0, 1],
                0,
            ))))
            .expect("bind");
        (runtime, state, listener)
    }

    pub fn start(root: &Path) -> TestServer {
        let (runtime, state, listener) = Self::bind(root);
        let addr = listener.local_addr().expect("addr");
        let task = runtime.spawn(serve_plain(listener, state.clone()));
        TestServer {
            base: format!("http://{addr}/"),
            state,
            serving: Arc::new(Mutex::new(Some(task))),
            addr,
            _runtime: runtime,
        }
    }

    /// The plain-HTTP server goes off the network for `outage`, as behind
    /// a dropped link: new connections are refused, requests on open ones
    /// fail; then it serves again on the same port.
    pub fn go_offline_for(&self, outage: Duration) {
        use std::sync::atomic::Ordering;
        self.state.offline.store(true, Ordering::SeqCst);
        if let Some(task) = self.serving.lock().unwrap().take() {
            task.abort();
        }
        let (state, serving, addr) = (self.state.clone(), self.serving.clone(), self.addr);
        let runtime = self._runtime.handle().clone();
        std::thread::spawn(move || {
            std::thread::sleep(outage);
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind(addr))
                .expect("the same port again");
            state.offline.store(false, Ordering::SeqCst);
            *serving.lock().unwrap() = Some(runtime.spawn(serve_plain(listener, state)));
        });
    }

    /// The same server over HTTPS with a certificate for 127.0.0.1 and
    /// localhost issued by `ca`.
    pub fn start_tls(root: &Path, ca: &TestCa) -> TestServer {
        Self::start_tls_with(root, ca, |_| None)
    }

    /// An HTTPS server whose answers come from the router `app` makes for
    /// the server's base URL (faults still apply first).
    pub fn start_tls_router(ca: &TestCa, app: impl FnOnce(&str) -> axum::Router) -> TestServer {
        Self::start_tls_with(Path::new("/nonexistent"), ca, |base| Some(app(base)))
    }

    fn start_tls_with(
        root: &Path,
        ca: &TestCa,
        inner: impl FnOnce(&str) -> Option<axum::Router>,
    ) -> TestServer {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use tokio_rustls::rustls;

        let (runtime, mut state, listener) = Self::bind(root);
        let addr = listener.local_addr().expect("addr");
        let base = format!("https://{addr}/");
        Arc::get_mut(&mut state).expect("not shared yet").inner = inner(&base);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(
                vec![ca.server_cert_der.clone().into()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(ca.server_key_der.clone().into()),
            )
            .expect("server cert");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        runtime.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (acceptor, app) = (acceptor.clone(), app.clone());
                tokio::spawn(async move {
                    // A client that refuses our certificate ends the handshake.
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper_util::service::TowerToHyperService::new(app);
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        TestServer {
            base,
            state,
            serving: Arc::new(Mutex::new(None)),
            addr,
            _runtime: runtime,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Injects `fault` into requests whose path ends with `path_suffix`
    /// (or lies in that folder, when it ends with '/').
    pub fn fault(&self, path_suffix: &str, fault: Fault, times: Option<u32>) {
        self.state.rules.lock().unwrap().push(Rule {
            path_suffix: path_suffix.to_owned(),
            fault,
            times,
        });
    }

    /// Requests to paths ending with `path_suffix`, in order.
    pub fn seen(&self, path_suffix: &str) -> Vec<Seen> {
        self.state
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.ends_with(path_suffix))
            .cloned()
            .collect()
    }

    /// How many requests reached paths ending with `path_suffix`.
    pub fn hits(&self, path_suffix: &str) -> u32 {
        self.state
            .hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.ends_with(path_suffix))
            .map(|(_, n)| *n)
            .sum()
    }
}

async fn serve_plain(listener: tokio::net::TcpListener, state: Arc<ServerState>) {
    let app = axum::Router::new().fallback(handle).with_state(state);
    axum::serve(listener, app).await.expect("serve");
}

async fn handle(State(state): State<Arc<ServerState>>, req: Request) -> Response {
    if state.offline.load(std::sync::atomic::Ordering::SeqCst) {
        // A connection opened before the link dropped: it breaks.
        let stream = futures_util::stream::iter([Err::<Bytes, std::io::Error>(
            std::io::Error::other("link down"),
        )]);
        return with_length(Body::from_stream(stream), 1);
    }
    let path = req.uri().path().to_owned();
    *state.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    state.seen.lock().unwrap().push(Seen {
        path: path.clone(),
        query: req.uri().query().map(str::to_owned),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
    });
    let fault = {
        let mut rules = state.rules.lock().unwrap();
        rules
            .iter_mut()
            .find(|r| matches(&path, &r.path_suffix) && r.times != Some(0))
            .map(|r| {
                if let Some(t) = r.times.as_mut() {
                    *t -= 1;
                }
                r.fault.clone()
            })
    };
    match fault {
        None => match &state.inner {
            Some(app) => app.clone().oneshot(req).await.into_response(),
            None => serve(&state.root, req).await,
        },
        Some(Fault::Json(body)) => {
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Some(Fault::Status(code)) => StatusCode::from_u16(code)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            match &state.inner {
                Some(app) => app.clone().oneshot(req).await.into_response(),
                None => serve(&state.root, req).await,
            }
        }
        Some(Fault::Throttle(rate)) => {
            let data = read(&state.root, &path).await;
            let len = data.len();
            // 20 chunks a second at the given rate.
            let step = (rate / 20).max(1) as usize;
            let chunks: Vec<Bytes> = (0..len)
                .step_by(step)
                .map(|i| data.slice(i..(i + step).min(len)))
                .collect();
            let stream = futures_util::stream::iter(chunks).then(|c| async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok::<Bytes, std::io::Error>(c)
            });
            with_length(Body::from_stream(stream), len)
        }
        Some(Fault::Truncate(keep)) => {
            let data = read(&state.root, &path).await;
            let len = data.len();
            let head = data.slice(..keep.min(len));
            let stream = futures_util::stream::iter([
                Ok::<Bytes, std::io::Error>(head),
                Err(std::io::Error::other("injected truncation")),
            ]);
            with_length(Body::from_stream(stream), len)
        }
        Some(Fault::Redirect(to)) => {
            let mut resp = StatusCode::FOUND.into_response();
            resp.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_str(&to).expect("a URL"));
            resp
        }
        Some(Fault::ShortRange(n)) => {
            let data = read(&state.root, &path).await;
            let start: u64 = req
                .headers()
                .get(header::RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("bytes="))
                .and_then(|v| v.split('-').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let end = (start + n).min(data.len() as u64);
            let mut resp = Response::new(Body::from(data.slice(start as usize..end as usize)));
            *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
            resp.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {start}-{}/{}", end - 1, data.len()))
                    .expect("a header"),
            );
            resp
        }
        Some(Fault::Stall(after)) => {
            let data = read(&state.root, &path).await;
            let len = data.len();
            let head = data.slice(..after.min(len));
            let stream = futures_util::stream::iter([Ok::<Bytes, std::io::Error>(head)])
                .chain(futures_util::stream::pending());
            with_length(Body::from_stream(stream), len)
        }
    }
}

/// A rule names a path suffix, or a folder when it ends with '/'.
fn matches(path: &str, rule: &str) -> bool {
    path.ends_with(rule) || (rule.ends_with('/') && path.contains(rule))
}

/// Files from `root` (with Range and Last-Modified support), plus a strong
/// ETag on JSON files, honoured in If-None-Match.
async fn serve(root: &Path, mut req: Request) -> Response {
    let etag = if req.uri().path().ends_with(".json") {
        let data = read(root, req.uri().path()).await;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in data.iter() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Some(format!("\"{h:016x}\""))
    } else {
        None
    };
    if let Some(tag) = &etag
        && req
            .headers()
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == tag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    if etag.is_some() && req.headers().contains_key(header::IF_NONE_MATCH) {
        // RFC 9110 13.1.3: If-None-Match decides; If-Modified-Since (one
        // second resolution) must not turn a changed file into a 304.
        req.headers_mut().remove(header::IF_MODIFIED_SINCE);
    }
    let mut resp = match ServeDir::new(root).oneshot(req).await {
        Ok(r) => r.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    if let Some(tag) = etag
        && let Ok(v) = HeaderValue::from_str(&tag)
    {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

async fn read(root: &Path, path: &str) -> Bytes {
    let file = root.join(path.trim_start_matches('/'));
    Bytes::from(tokio::fs::read(&file).await.unwrap_or_default())
}

fn with_length(body: Body, len: usize) -> Response {
    let mut resp = Response::new(body);
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

/// A certificate authority made for one test run, and a server
/// certificate it issued for 127.0.0.1 and localhost.
pub struct TestCa {
    pub ca_pem: String,
    pub server_cert_der: Vec<u8>,
    pub server_key_der: Vec<u8>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, format!("{name} test CA"));
        let ca_key = rcgen::KeyPair::generate().expect("ca key");
        let ca_cert = ca.self_signed(&ca_key).expect("ca cert");
        let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("leaf params");
        let leaf_key = rcgen::KeyPair::generate().expect("leaf key");
        let leaf_cert = leaf
            .signed_by(&leaf_key, &ca_cert, &ca_key)
            .expect("leaf cert");
        TestCa {
            ca_pem: ca_cert.pem(),
            server_cert_der: leaf_cert.der().to_vec(),
            server_key_der: leaf_key.serialize_der(),
        }
    }
}

/// An HLS ladder of one 4 s episode (1 s segments) in three renditions,
/// and its master playlist, `ladder/master.m3u8`.
pub struct Ladder {
    /// BANDWIDTH of each rendition, lowest first, as in the master playlist.
    pub bandwidths: Vec<u64>,
}

pub const LADDER_FRAMES: u64 = 100;

pub fn ladder() -> &'static Ladder {
    static LADDER: OnceLock<Ladder> = OnceLock::new();
    LADDER.get_or_init(|| {
        let root = media().root.join("ladder");
        let rungs = [
            ("low", 360, 640, 300),
            ("mid", 540, 960, 700),
            ("top", 1080, 1920, 1800),
        ];
        let mut master = String::from("#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        let mut bandwidths = Vec::new();
        for (name, w, h, kbps) in rungs {
            let mut spec = EpisodeSpec::vertical(Container::HlsTs, 4);
            spec.width = w;
            spec.height = h;
            spec.bitrate_kbps = kbps;
            spec.segment_seconds = 1;
            spec.pattern = "smpte".into();
            let dir = root.join(name);
            media::generate(&spec, &dir).expect("ladder rung");
            // BANDWIDTH: the peak segment bitrate, as the HLS spec defines it.
            let peak = std::fs::read_dir(&dir)
                .expect("rung dir")
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .max()
                .unwrap_or(0);
            let bandwidth = peak * 8;
            bandwidths.push(bandwidth);
            master.push_str(&format!(
                "#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={w}x{h}\n{name}/index.m3u8\n"
            ));
        }
        std::fs::write(root.join("master.m3u8"), master).expect("master");
        Ladder { bandwidths }
    })
}

/// A component's settings and those of the network stack it fetches
/// through. Derefs to the component's, so tests set either kind the same way.
#[derive(Clone)]
pub struct WithNet<T> {
    pub inner: T,
    pub net: NetConfig,
}

impl<T> std::ops::Deref for WithNet<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> std::ops::DerefMut for WithNet<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

pub type TestConfig = WithNet<PlayerConfig>;

/// A player configured for tests: quick retries, short stall timeout.
pub fn test_config(fast: bool, size: Option<(u32, u32)>) -> TestConfig {
    let mut c = TestConfig {
        inner: PlayerConfig {
            fast,
            video_size: size,
            audio: AudioOutput::Discard,
            ..PlayerConfig::default()
        },
        // The test servers are on loopback.
        net: NetConfig {
            policy: pillarbox::net::UrlPolicy::loopback(),
            ..NetConfig::default()
        },
    };
    c.net.retry.attempts = 3;
    c.net.retry.base_delay = Duration::from_millis(20);
    c.net.retry.max_delay = Duration::from_millis(100);
    c.net.limits.stall_timeout = Duration::from_millis(800);
    c.net.limits.request_timeout = Duration::from_secs(10);
    c
}

/// A player as its owner drives it: each play under a new id, reports
/// down a channel.
pub struct TestPlayer {
    pub player: Player,
    last: EpisodeId,
}

impl TestPlayer {
    /// Plays `url` from its beginning under a new id, which it returns.
    pub fn play(&mut self, url: &str) -> Result<EpisodeId, PlaybackError> {
        self.play_at(url, Start::Beginning)
    }

    pub fn play_at(&mut self, url: &str, start: Start) -> Result<EpisodeId, PlaybackError> {
        self.play_source(&StreamSource::plain(url), start)
    }

    /// Plays `source` (a grant's URLs and headers) from `start`.
    pub fn play_source(
        &mut self,
        source: &StreamSource,
        start: Start,
    ) -> Result<EpisodeId, PlaybackError> {
        self.last = self.last.next();
        self.player.play(self.last, source, start)?;
        Ok(self.last)
    }

    pub fn preload(&mut self, url: &str) -> Result<(), PlaybackError> {
        self.player
            .preload(&StreamSource::plain(url), Start::Beginning)
    }

    pub fn preload_beside(&mut self, url: &str) -> Result<(), PlaybackError> {
        self.player
            .preload_beside(&StreamSource::plain(url), Start::Beginning)
    }
}

impl std::ops::Deref for TestPlayer {
    type Target = Player;
    fn deref(&self) -> &Player {
        &self.player
    }
}

impl std::ops::DerefMut for TestPlayer {
    fn deref_mut(&mut self) -> &mut Player {
        &mut self.player
    }
}

/// A player on a network stack of its own (each test its own settings).
pub fn player(config: TestConfig) -> (TestPlayer, Receiver<PlayerEvent>) {
    let (player, rx, _) = player_and_net(config);
    (player, rx)
}

/// As [`player`], handing its frames to `frames`.
pub fn player_showing(
    config: TestConfig,
    frames: Arc<dyn FrameSink>,
) -> (TestPlayer, Receiver<PlayerEvent>) {
    let (player, rx, _) = player_on(config, frames);
    (player, rx)
}

/// As [`player`], with its network stack (its counts).
pub fn player_and_net(config: TestConfig) -> (TestPlayer, Receiver<PlayerEvent>, Net) {
    player_on(config, Arc::new(NullFrameSink))
}

fn player_on(
    config: TestConfig,
    frames: Arc<dyn FrameSink>,
) -> (TestPlayer, Receiver<PlayerEvent>, Net) {
    let net = Net::new(config.net).expect("network stack");
    let (tx, rx) = std::sync::mpsc::channel();
    let player = Player::new(config.inner, &net, frames, Arc::new(tx)).expect("player");
    (
        TestPlayer {
            player,
            last: EpisodeId::default(),
        },
        rx,
        net,
    )
}

/// Plays `url` and waits for its end or error, collecting the events.
pub fn play_to_end(
    player: &mut TestPlayer,
    events: &Receiver<PlayerEvent>,
    url: &str,
) -> (Result<Qoe, (PlaybackError, Qoe)>, Vec<PlayerEvent>) {
    let id = player.play(url).expect("play accepted");
    let mut seen = Vec::new();
    loop {
        let ev = events
            .recv_timeout(Duration::from_secs(60))
            .expect("an event within 60 s");
        if ev.episode() != id {
            continue;
        }
        match &ev {
            PlayerEvent::Ended { qoe, .. } => {
                let q = qoe.clone();
                seen.push(ev);
                return (Ok(q), seen);
            }
            PlayerEvent::Error { error, qoe, .. } => {
                let r = Err((error.clone(), qoe.clone()));
                seen.push(ev);
                return (r, seen);
            }
            _ => seen.push(ev),
        }
    }
}

/// Held by the tests that measure a process's memory over many episodes
/// and by the longest one that loads the CPU (the QA scenario set): run
/// side by side on two cores, the soak's decoder starved, its queues
/// filled, and its memory read as growth.
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}
