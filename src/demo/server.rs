//! The built-in demo server, in-process on 127.0.0.1 with byte-range
//! support, so the demo goes through the same fetch and playback code as a
//! partner's CDN.
//!
//! Two modes: [`DemoServer::start`] serves a folder as it is;
//! [`DemoServer::start_catalog`] serves the demo catalog and generates each
//! episode and poster the first time it is asked for (then keeps it on
//! disk), so the first launch shows the home screen at once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tower_http::services::ServeDir;
use url::Url;

use super::catalog::{self as demo_catalog, EPISODE_SECONDS};
use super::media::{self, Container, EpisodeSpec};

/// Demo episodes are encoded at this size; the player scales them to the
/// screen. Small enough to encode in about a second on a TV box's cores.
const EPISODE_SIZE: (u32, u32) = (540, 960);
const POSTER_SIZE: (u32, u32) = (540, 960);

pub struct DemoServer {
    base: Url,
    shutdown: Option<oneshot::Sender<()>>,
}

/// How a demo catalog server runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Where to listen; an ephemeral loopback port when `None`.
    pub listen: Option<SocketAddr>,
    /// How long playback grants (and their signed URLs) last.
    pub grant_seconds: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            listen: None,
            grant_seconds: super::partner::GRANT_SECONDS,
        }
    }
}

#[derive(Clone)]
struct Generator {
    dir: PathBuf,
    base: Url,
    partner: super::partner::Partner,
    /// One lock per file being generated, so two requests wait for one encode.
    busy: Arc<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>>,
}

/// One encode at a time in the process, whatever is asked: a burst of
/// requests queues instead of running an encoder per request on a box's
/// few cores.
static ENCODER: std::sync::LazyLock<Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| Arc::new(tokio::sync::Semaphore::new(1)));

/// Encodes running now, and the most seen at once (tests check it is 1).
static ENCODING: AtomicUsize = AtomicUsize::new(0);
static ENCODING_PEAK: AtomicUsize = AtomicUsize::new(0);

/// The most demo encodes this process ran at once.
pub fn peak_concurrent_encodes() -> usize {
    ENCODING_PEAK.load(Ordering::SeqCst)
}

impl DemoServer {
    /// Serves `dir` on an ephemeral loopback port until dropped, on
    /// `runtime` (the process's network runtime).
    pub fn start(dir: &Path, runtime: &Handle) -> std::io::Result<DemoServer> {
        let app = axum::Router::new().fallback_service(ServeDir::new(dir));
        serve(runtime, SocketAddr::from(([127, 0, 0, 1], 0)), |_| app)
    }

    /// Serves the demo catalog at `catalog.json`, generating media into
    /// `dir` on demand.
    pub fn start_catalog(dir: &Path, runtime: &Handle) -> std::io::Result<DemoServer> {
        DemoServer::start_with(dir, runtime, &DemoOptions::default())
    }

    /// [`start_catalog`](Self::start_catalog) as `options` say.
    pub fn start_with(
        dir: &Path,
        runtime: &Handle,
        options: &DemoOptions,
    ) -> std::io::Result<DemoServer> {
        std::fs::create_dir_all(dir)?;
        let dir = dir.to_owned();
        let grant_seconds = options.grant_seconds;
        let listen = options
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        serve(runtime, listen, move |base| {
            let partner = super::partner::Partner::with_grants(base, grant_seconds);
            let state = Generator {
                dir: dir.clone(),
                base: base.clone(),
                busy: Default::default(),
                partner: partner.clone(),
            };
            axum::Router::new()
                .route(
                    "/catalog.json",
                    axum::routing::get(|State(g): State<Generator>| async move {
                        axum::Json(demo_catalog::json(&g.base))
                    }),
                )
                .route("/subtitles/{series}/{file}", axum::routing::get(subtitles))
                // The live channel: its window and guide at the moment asked.
                .route(
                    &format!("/{}", super::live::PLAYLIST_PATH),
                    axum::routing::get(|| async {
                        (
                            [
                                ("content-type", "application/vnd.apple.mpegurl"),
                                ("cache-control", "no-store"),
                            ],
                            super::live::playlist(chrono::Utc::now()),
                        )
                    }),
                )
                .route(
                    &format!("/{}", super::live::GUIDE_PATH),
                    axum::routing::get(|| async {
                        (
                            [("content-type", "application/xml")],
                            super::live::guide(chrono::Utc::now()),
                        )
                    }),
                )
                .fallback_service(ServeDir::new(&dir))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    generate_on_demand,
                ))
                // Outermost: a protected episode's bytes only under a
                // signed URL, checked before anything is made or read.
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    signed_only,
                ))
                .with_state(state)
                .merge(partner.router())
                .merge(super::ads::AdServer::new(base).router())
                .merge(super::collector::router(&dir))
        })
    }

    /// `http://127.0.0.1:PORT/`
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The catalog URL of a [`start_catalog`](Self::start_catalog) server.
    pub fn catalog_url(&self) -> Url {
        self.base
            .join("catalog.json")
            .expect("a fixed relative path")
    }
}

fn serve(
    runtime: &Handle,
    listen: SocketAddr,
    app: impl FnOnce(&Url) -> axum::Router,
) -> std::io::Result<DemoServer> {
    let listener = std::net::TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let listener = {
        let _guard = runtime.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let base =
        Url::parse(&format!("http://{addr}/")).map_err(|e| std::io::Error::other(e.to_string()))?;
    let app = app(&base);
    let (tx, rx) = oneshot::channel::<()>();
    runtime.spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = server.await {
            tracing::error!(error = %e, "demo server stopped");
        }
    });
    Ok(DemoServer {
        base,
        shutdown: Some(tx),
    })
}

/// `pillarbox demo serve`: serves the demo catalog as `options` say until
/// the process is stopped, its catalog URL printed on stdout. Returns only
/// the error that kept it from starting.
pub fn serve_until_stopped(dir: &Path, options: &DemoOptions) -> std::io::Error {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return e,
    };
    let server = match DemoServer::start_with(dir, runtime.handle(), options) {
        Ok(s) => s,
        Err(e) => return e,
    };
    println!("{}", server.catalog_url());
    eprintln!(
        "pillarbox: collected events go to {}",
        super::collector::events_file(dir).display()
    );
    loop {
        std::thread::park();
    }
}

/// `subtitles/SERIES/N.LANG.vtt`: made on the fly, they are a few lines.
async fn subtitles(
    axum::extract::Path((series, file)): axum::extract::Path<(String, String)>,
) -> Response {
    let vtt = file
        .strip_suffix(".vtt")
        .and_then(|f| f.split_once('.'))
        .and_then(|(n, lang)| demo_catalog::vtt(&series, n.parse().ok()?, lang));
    match vtt {
        Some(text) => ([("content-type", "text/vtt; charset=utf-8")], text).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Protected episodes' media (see `demo::protect`): every request needs a
/// signature for its path that has not expired (403 otherwise); their
/// playlists are signed again as they are served, each URI in them for
/// the same expiry, and their key URIs point at the key server.
async fn signed_only(State(g): State<Generator>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let protected = match parts.as_slice() {
        ["media", series, number, ..] => number
            .parse::<u32>()
            .is_ok_and(|n| super::keys::protected(series, n)),
        _ => false,
    };
    if !protected {
        return next.run(request).await;
    }
    let query = request.uri().query().map(str::to_owned);
    if !super::protect::verify(&path, query.as_deref(), super::partner::unix_now()) {
        return (
            StatusCode::FORBIDDEN,
            "a signed URL is needed (or it expired)",
        )
            .into_response();
    }
    if !path.ends_with(".m3u8") {
        return next.run(request).await;
    }
    let exp = query
        .as_deref()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "exp")
                .and_then(|(_, v)| v.parse::<u64>().ok())
        })
        .unwrap_or(0);
    // A playlist is signed whole: a Range request (players ask for the
    // first bytes to sniff the format) gets all of it.
    request.headers_mut().remove(axum::http::header::RANGE);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let Ok(body) = axum::body::to_bytes(response.into_body(), 1 << 20).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let (Some(series), Some(number)) = (parts.get(1), parts.get(2).and_then(|n| n.parse().ok()))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let key_url = g.partner.key_url(series, number);
    let text = String::from_utf8_lossy(&body);
    (
        [
            ("content-type", "application/vnd.apple.mpegurl"),
            ("cache-control", "no-store"),
        ],
        super::protect::sign_playlist(&text, dir, exp, key_url.as_str()),
    )
        .into_response()
}

/// What a request path needs generated first.
enum Wanted {
    Episode {
        series: &'static demo_catalog::DemoSeries,
        number: u32,
    },
    Poster(&'static demo_catalog::DemoSeries),
    Logo,
    /// A creative of the demo's ad server, 1-based.
    Ad(usize),
    /// A series' trailer (the catalog's `preview`).
    Preview(&'static demo_catalog::DemoSeries),
    /// The clip the live channel loops.
    LiveClip,
}

fn wanted(path: &str) -> Option<Wanted> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["media", series, number, _file] => {
            let series = demo_catalog::series(series)?;
            let number: u32 = number.parse().ok()?;
            (1..=series.episodes)
                .contains(&number)
                .then_some(Wanted::Episode { series, number })
        }
        ["posters", file] => demo_catalog::series(file.strip_suffix(".png")?).map(Wanted::Poster),
        ["logo.png"] => Some(Wanted::Logo),
        ["previews", series, _file] => demo_catalog::series(series)
            .filter(|s| s.id == demo_catalog::PREVIEWED)
            .map(Wanted::Preview),
        ["live", "clip", _file] => Some(Wanted::LiveClip),
        ["ads", "media", n, _file] => {
            let n: usize = n.parse().ok()?;
            (1..=super::ads::AD_SECONDS.len())
                .contains(&n)
                .then_some(Wanted::Ad(n))
        }
        _ => None,
    }
}

async fn generate_on_demand(State(g): State<Generator>, request: Request, next: Next) -> Response {
    let Some(what) = wanted(request.uri().path()) else {
        return next.run(request).await;
    };
    let target = match &what {
        Wanted::Episode { series, number } => g.dir.join(format!("media/{}/{number}", series.id)),
        Wanted::Poster(s) => g.dir.join(format!("posters/{}.png", s.id)),
        Wanted::Logo => g.dir.join("logo.png"),
        Wanted::Ad(n) => g.dir.join(format!("ads/media/{n}")),
        Wanted::Preview(s) => g.dir.join(format!("previews/{}", s.id)),
        Wanted::LiveClip => g.dir.join(super::live::CLIP_DIR),
    };
    if !target.exists() {
        let lock = g
            .busy
            .lock()
            .map(|mut m| m.entry(target.clone()).or_default().clone())
            .unwrap_or_default();
        let _held = lock.lock().await;
        if !target.exists() {
            let Ok(permit) = ENCODER.clone().acquire_owned().await else {
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            };
            // The permit goes with the encode: a request given up on does
            // not free it while its encoder still runs.
            let made = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let now = ENCODING.fetch_add(1, Ordering::SeqCst) + 1;
                ENCODING_PEAK.fetch_max(now, Ordering::SeqCst);
                let made = make(&what, &target);
                ENCODING.fetch_sub(1, Ordering::SeqCst);
                made
            })
            .await;
            let failure = match made {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(e) => Some(e.to_string()),
            };
            if let Some(why) = failure {
                tracing::error!(path = %request.uri().path(), error = %why, "demo media");
                return (StatusCode::INTERNAL_SERVER_ERROR, why).into_response();
            }
        }
    }
    next.run(request).await
}

/// Generates `what` as `target`, atomically.
fn make(what: &Wanted, target: &Path) -> Result<(), super::MediaError> {
    super::write_into_place(target, |tmp| match what {
        Wanted::Episode { series, number } => {
            tracing::info!(
                series = series.id,
                episode = number,
                "generating demo episode"
            );
            let mut spec = EpisodeSpec::vertical(Container::HlsTs, EPISODE_SECONDS);
            (spec.width, spec.height) = EPISODE_SIZE;
            spec.bitrate_kbps = 1200;
            spec.pattern = series.pattern.into();
            spec.label = Some(format!("EP {number}"));
            match demo_catalog::dubs(series.id) {
                None => {
                    media::generate(&spec, tmp)?;
                    if super::keys::protected(series.id, *number) {
                        // As a packager would: the key's URI is the key
                        // server's (the served playlist names it whole).
                        let key = super::protect::episode_key(series.id, *number);
                        super::protect::encrypt_hls(tmp, &key, [0; 16], "key")?;
                    }
                    Ok(())
                }
                Some(dubs) => dubbed_episode(spec, dubs, tmp),
            }
        }
        Wanted::Poster(s) => {
            media::still(tmp, POSTER_SIZE, s.poster_rgb, s.title, "pillarbox demo")
        }
        Wanted::Logo => media::still_sized(tmp, (144, 96), 0x1d1d26, "DS", "", 36),
        Wanted::LiveClip => {
            tracing::info!("generating the live channel's clip");
            let seconds = (super::live::CLIP_SEGMENTS * super::live::SEGMENT_SECONDS) as u32;
            let mut spec = EpisodeSpec::vertical(Container::HlsTs, seconds);
            (spec.width, spec.height) = EPISODE_SIZE;
            spec.segment_seconds = super::live::SEGMENT_SECONDS as u32;
            spec.bitrate_kbps = 1200;
            spec.pattern = "ball".into();
            spec.label = Some("LIVE".into());
            media::generate(&spec, tmp).map(|_| ())
        }
        Wanted::Ad(n) => {
            tracing::info!(creative = n, "generating demo ad");
            let seconds = super::ads::AD_SECONDS[n - 1];
            let mut spec = EpisodeSpec::vertical(Container::Mp4 { faststart: true }, seconds);
            (spec.width, spec.height) = super::ads::AD_SIZE;
            spec.bitrate_kbps = 1200;
            spec.pattern = if *n == 1 { "pinwheel" } else { "spokes" }.into();
            spec.label = Some(format!("AD {n}"));
            media::generate(&spec, tmp).map(|_| ())
        }
        Wanted::Preview(s) => {
            tracing::info!(series = s.id, "generating demo preview");
            let seconds = demo_catalog::PREVIEW_SECONDS;
            let mut spec = EpisodeSpec::vertical(Container::Mp4 { faststart: true }, seconds);
            (spec.width, spec.height) = EPISODE_SIZE;
            spec.bitrate_kbps = 1200;
            spec.pattern = s.pattern.into();
            spec.label = Some("PREVIEW".into());
            media::generate(&spec, tmp).map(|_| ())
        }
    })
}

/// A dubbed episode as ffmpeg and packagers make them: video without audio,
/// one audio playlist per language, a master playlist naming them.
fn dubbed_episode(
    mut spec: EpisodeSpec,
    dubs: &[(&str, u32)],
    dir: &Path,
) -> Result<(), super::MediaError> {
    spec.audio = false;
    media::generate(&spec, &dir.join("video"))?;
    let mut master = String::from("#EXTM3U\n");
    for (i, (lang, freq)) in dubs.iter().enumerate() {
        media::generate_audio_rendition(
            &dir.join(format!("audio-{lang}")),
            EPISODE_SECONDS,
            spec.segment_seconds,
            *freq,
        )?;
        master.push_str(&format!(
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"{lang}\",NAME=\"{name}\",\
             DEFAULT={default},AUTOSELECT=YES,URI=\"audio-{lang}/index.m3u8\"\n",
            name = match *lang {
                "en" => "English",
                "es" => "Español",
                "zh" => "中文",
                other => other,
            },
            default = if i == 0 { "YES" } else { "NO" },
        ));
    }
    master.push_str(&format!(
        "#EXT-X-STREAM-INF:BANDWIDTH={bw},RESOLUTION={w}x{h},CODECS=\"avc1.42c01f,mp4a.40.2\",AUDIO=\"aud\"\n\
         video/index.m3u8\n",
        bw = (spec.bitrate_kbps + 128) * 1000,
        w = spec.width,
        h = spec.height,
    ));
    let path = dir.join("index.m3u8");
    std::fs::write(&path, master).map_err(|e| super::MediaError::Io {
        path: path.clone(),
        source: e,
    })
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        // The server task ends on its own once told; nothing here waits.
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
