//! Episodes kept on the box: downloaded (a variant, its renditions, keys),
//! played with no network from `stored:` URLs, and the hostile cases of
//! downloading: a cut at every byte offset, a file changed under a range
//! request, a disk that fills up mid-download, kill -9 mid-download.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use pillarbox::net::{FetchStats, MediaGet, Net, RequestHeaders};
use pillarbox::playback::StreamSource;
use pillarbox::stored::download::{Want, download};
use pillarbox::stored::{STORED_DIR, StoredIndex, dir_name};

use crate::common::{self, FRAMES, LADDER_FRAMES, TestServer, media, test_config};

// ---- a file server that honours Range and If-Range, and misbehaves on cue

/// One file the server holds: its bytes and ETag.
#[derive(Clone)]
struct File {
    bytes: Bytes,
    etag: String,
}

#[derive(Default)]
struct Files {
    /// Files by path; others come from `root`.
    files: Mutex<HashMap<String, File>>,
    root: Option<PathBuf>,
    /// The next answer is cut after this many body bytes.
    cut_next: Mutex<Option<usize>>,
    /// After a cut answer, the file changes to this.
    then: Mutex<Option<File>>,
    /// Answer a Range request with 206 whatever If-Range says.
    ignore_if_range: std::sync::atomic::AtomicBool,
    /// Body bytes a second (0: as fast as it goes).
    throttle: std::sync::atomic::AtomicU64,
    /// Each request's path, Range and If-Range.
    log: Mutex<Vec<Asked>>,
}

/// A request's path, Range and If-Range.
type Asked = (String, Option<String>, Option<String>);

struct RangeServer {
    base: String,
    files: Arc<Files>,
    _runtime: tokio::runtime::Runtime,
}

impl RangeServer {
    fn start(root: Option<PathBuf>) -> RangeServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let files = Arc::new(Files {
            root,
            ..Default::default()
        });
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
                [127, 0, 0, 1],
                0,
            ))))
            .unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(files.clone());
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        RangeServer {
            base,
            files,
            _runtime: runtime,
        }
    }

    fn put(&self, path: &str, bytes: Vec<u8>, etag: &str) {
        self.files.files.lock().unwrap().insert(
            format!("/{path}"),
            File {
                bytes: bytes.into(),
                etag: format!("\"{etag}\""),
            },
        );
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log(&self) -> Vec<Asked> {
        std::mem::take(&mut *self.files.log.lock().unwrap())
    }
}

async fn answer(State(files): State<Arc<Files>>, req: Request) -> Response {
    use std::sync::atomic::Ordering;
    let path = req.uri().path().to_owned();
    let text = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let (range, if_range) = (text(header::RANGE), text(header::IF_RANGE));
    files
        .log
        .lock()
        .unwrap()
        .push((path.clone(), range.clone(), if_range.clone()));
    let held = files.files.lock().unwrap().get(&path).cloned();
    let file = match (held, &files.root) {
        (Some(f), _) => f,
        (None, Some(root)) => match std::fs::read(root.join(path.trim_start_matches('/'))) {
            Ok(b) => File {
                etag: format!("\"{}\"", b.len()),
                bytes: b.into(),
            },
            Err(_) => return StatusCode::NOT_FOUND.into_response(),
        },
        (None, None) => return StatusCode::NOT_FOUND.into_response(),
    };
    let len = file.bytes.len();
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split('-').next())
        .and_then(|s| s.parse::<usize>().ok());
    let same = if_range.as_deref().is_none_or(|v| v == file.etag)
        || files.ignore_if_range.load(Ordering::SeqCst);
    let (status, body, content_range) = match start {
        Some(s) if same && s < len => (
            StatusCode::PARTIAL_CONTENT,
            file.bytes.slice(s..),
            Some(format!("bytes {s}-{}/{len}", len - 1)),
        ),
        Some(s) if same && s >= len => {
            let mut resp = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            resp.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{len}")).unwrap(),
            );
            return resp;
        }
        _ => (StatusCode::OK, file.bytes.clone(), None),
    };
    let body_len = body.len();
    let cut = files.cut_next.lock().unwrap().take();
    if cut.is_some()
        && let Some(next) = files.then.lock().unwrap().take()
    {
        files.files.lock().unwrap().insert(path.clone(), next);
    }
    let rate = files.throttle.load(Ordering::SeqCst);
    let send = body.slice(..cut.unwrap_or(body_len).min(body_len));
    let step = if rate == 0 {
        64 << 10
    } else {
        (rate / 20).max(1) as usize
    };
    let chunks: Vec<Bytes> = (0..send.len())
        .step_by(step)
        .map(|i| send.slice(i..(i + step).min(send.len())))
        .collect();
    let stream = futures_util::stream::iter(chunks)
        .then(move |c| async move {
            if rate > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok::<Bytes, std::io::Error>(c)
        })
        // The cut comes after what was sent reached the client (a pause
        // lets the server flush it), as on a link that drops.
        .chain(futures_util::stream::iter(cut).then(|_| async {
            tokio::time::sleep(Duration::from_millis(2)).await;
            Err(std::io::Error::other("cut"))
        }));
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(body_len));
    h.insert(header::ETAG, HeaderValue::from_str(&file.etag).unwrap());
    if let Some(cr) = content_range {
        h.insert(header::CONTENT_RANGE, HeaderValue::from_str(&cr).unwrap());
    }
    resp
}

// ---- helpers

/// A network stack for the tests' loopback servers, reading `stored:` URLs
/// under `root` (when given), with quick retries.
fn net(root: Option<&Path>) -> Net {
    let mut c = test_config(true, None).net;
    c.stored_root = root.map(Path::to_owned);
    c.policy.allow_stored = root.is_some();
    c.retry.base_delay = Duration::from_millis(1);
    c.retry.max_delay = Duration::from_millis(2);
    Net::new(c).unwrap()
}

fn want(url: &str, max_bitrate: Option<u64>) -> Want {
    Want {
        series: "s".into(),
        episode: 1,
        source: StreamSource::plain(url),
        max_bitrate,
        keep_until: None,
        sha256: None,
    }
}

static NO_HEADERS: RequestHeaders = RequestHeaders::EMPTY;

/// A request for a test file of at most 1 MiB.
fn file_get(url: &url::Url) -> MediaGet<'_> {
    MediaGet {
        what: "test file",
        url,
        range: None,
        max_bytes: 1 << 20,
        cmcd: None,
        headers: &NO_HEADERS,
        missing_is_final: false,
    }
}

fn noise(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect()
}

/// Plays `url` to its end on a player whose network is `root`'s store and
/// nothing else: the frames it decoded.
fn play_offline(root: &Path, url: &str) -> u64 {
    let mut config = test_config(true, Some((90, 160)));
    config.net.stored_root = Some(root.to_owned());
    config.net.policy.allow_stored = true;
    let (mut p, events) = common::player(config);
    match common::play_to_end(&mut p, &events, url).0 {
        Ok(q) => q.frames,
        Err((e, q)) => panic!("{e} after {} frames", q.frames),
    }
}

// ---- the tests

#[test]
fn a_kept_episode_plays_every_frame_with_no_network() {
    let store = tempfile::tempdir().unwrap();
    let root = store.path();
    let ladder = common::ladder();
    let kept = {
        let server = TestServer::start(&media().root);
        let net = net(None);
        let keep = |dir: &str, w: &Want| {
            net.block_on(download(net.fetcher(), root, dir, w, u64::MAX))
                .unwrap()
        };
        // The middle rung: the highest under the data setting's cap.
        let cap = Some(ladder.bandwidths[1] + 1);
        let ladder_ep = keep("e-ladder", &want(&server.url("ladder/master.m3u8"), cap));
        assert_eq!(ladder_ep.bandwidth, ladder.bandwidths[1]);
        assert_eq!(server.hits("ladder/top/seg00000.ts"), 0, "one variant only");
        assert_eq!(server.hits("ladder/mid/seg00003.ts"), 1);
        // Audio renditions and subtitles come with it.
        let alt = keep("e-alt", &want(&server.url(common::HLS_ALT_AUDIO), None));
        assert_eq!(server.hits("audio-es/index.m3u8"), 1);
        assert_eq!(server.hits("subs-en/sub1.vtt"), 1);
        let mp4 = keep("e-mp4", &want(&server.url(common::MP4_FASTSTART), None));
        [ladder_ep, alt, mp4]
        // The server goes: nothing below touches a network.
    };
    let master = std::fs::read_to_string(root.join("e-ladder/index.m3u8")).unwrap();
    assert_eq!(master.matches("#EXT-X-STREAM-INF").count(), 1, "{master}");
    assert!(!master.contains("http"), "{master}");
    for k in &kept {
        for (name, size) in &k.files {
            let on_disk = std::fs::metadata(root.join(&k.dir).join(name))
                .unwrap()
                .len();
            assert_eq!(on_disk, *size, "{name}");
        }
    }
    assert_eq!(play_offline(root, &kept[0].url()), LADDER_FRAMES);
    assert_eq!(play_offline(root, &kept[1].url()), FRAMES);
    assert_eq!(play_offline(root, &kept[2].url()), FRAMES);
    // A name that is not a kept file is an error, not a read elsewhere.
    let mut config = test_config(true, Some((90, 160)));
    config.net.stored_root = Some(root.to_owned());
    config.net.policy.allow_stored = true;
    let (mut p, events) = common::player(config);
    let (result, _) = common::play_to_end(&mut p, &events, "stored://episodes/e-gone/index.m3u8");
    assert!(result.is_err());
}

#[test]
fn a_kept_encrypted_episode_keeps_its_key_private_and_plays_offline() {
    use std::os::unix::fs::PermissionsExt;
    let served = tempfile::tempdir().unwrap();
    let src = media().root.join("fmp4");
    let dir = served.path().join("enc");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let key = [0x42u8; 16];
    pillarbox::demo::protect::encrypt_hls(&dir, &key, [3; 16], "key.bin").unwrap();
    // The key comes from the grant's key URL, with its headers.
    std::fs::write(served.path().join("grant-key"), key).unwrap();
    let server = TestServer::start(served.path());
    let store = tempfile::tempdir().unwrap();
    let net = net(None);
    let mut w = want(&server.url("enc/index.m3u8"), None);
    w.source.key_url = Some(server.url("grant-key"));
    let mut headers = RequestHeaders::new();
    headers.push("X-Key-Token", "t1").unwrap();
    w.source.key_headers = headers;
    let kept = net
        .block_on(download(net.fetcher(), store.path(), "e-enc", &w, u64::MAX))
        .unwrap();
    assert_eq!(
        server.hits("enc/key.bin"),
        0,
        "the grant's key URL, not the playlist's"
    );
    let asked = server.seen("grant-key");
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0].headers.get("x-key-token").map(String::as_str),
        Some("t1")
    );
    let (key_file, _) = kept.files.iter().find(|(n, _)| n.starts_with('k')).unwrap();
    let path = store.path().join("e-enc").join(key_file);
    assert_eq!(std::fs::read(&path).unwrap(), key);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "keys are the box's alone");
    drop(server);
    assert_eq!(play_offline(store.path(), &kept.url()), FRAMES);
}

#[test]
fn a_download_cut_at_every_byte_offset_resumes_to_the_same_bytes() {
    let server = RangeServer::start(None);
    let content = noise(1500, 7);
    server.put("f.mp4", content.clone(), "v1");
    let net = net(None);
    let url = url::Url::parse(&server.url("f.mp4")).unwrap();
    let get = file_get(&url);
    let dir = tempfile::tempdir().unwrap();
    for cut in 0..content.len() {
        let part = dir.path().join(format!("f{cut}.part"));
        *server.files.cut_next.lock().unwrap() = Some(cut);
        let got = net
            .block_on(
                net.fetcher()
                    .download_to(&get, &part, &FetchStats::default()),
            )
            .unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(got.size, content.len() as u64);
        assert_eq!(std::fs::read(&part).unwrap(), content, "cut at {cut}");
        let log = server.log();
        match cut {
            // Nothing came: asked again whole.
            0 => assert_eq!(log[1].1, None, "{log:?}"),
            // All came but the end: nothing left to ask, or the rest.
            n => assert_eq!(
                log[1].1.as_deref(),
                Some(format!("bytes={n}-").as_str()),
                "{log:?}"
            ),
        }
        if cut > 0 {
            assert_eq!(log[1].2.as_deref(), Some("\"v1\""), "under If-Range");
        }
    }
}

#[test]
fn a_file_changed_under_a_range_request_is_fetched_again_whole() {
    let server = RangeServer::start(None);
    let (v1, v2) = (noise(4000, 1), noise(5000, 2));
    let net = net(None);
    let url = url::Url::parse(&server.url("f.mp4")).unwrap();
    let get = file_get(&url);
    let dir = tempfile::tempdir().unwrap();
    // A server that honours If-Range answers the whole new file; one that
    // does not answers a range of it, under a new ETag: either way the
    // result is the new file, never the old one's start spliced to it.
    for ignore in [false, true] {
        server.put("f.mp4", v1.clone(), "v1");
        *server.files.cut_next.lock().unwrap() = Some(1000);
        *server.files.then.lock().unwrap() = Some(File {
            bytes: v2.clone().into(),
            etag: "\"v2\"".into(),
        });
        server
            .files
            .ignore_if_range
            .store(ignore, std::sync::atomic::Ordering::SeqCst);
        let part = dir.path().join(format!("f-{ignore}.part"));
        let got = net
            .block_on(
                net.fetcher()
                    .download_to(&get, &part, &FetchStats::default()),
            )
            .unwrap();
        assert_eq!(got.size, v2.len() as u64);
        assert_eq!(
            std::fs::read(&part).unwrap(),
            v2,
            "ignore If-Range: {ignore}"
        );
        assert_eq!(got.validators.etag.as_deref(), Some("\"v2\""));
        let log = server.log();
        assert_eq!(log[1].2.as_deref(), Some("\"v1\""), "{log:?}");
    }
}

#[test]
fn a_wrong_hash_or_a_budget_too_small_keeps_nothing() {
    let server = TestServer::start(&media().root);
    let store = tempfile::tempdir().unwrap();
    let net = net(None);
    let mut w = want(&server.url(common::MP4_FASTSTART), None);
    w.sha256 = Some([0; 32]);
    let e = net
        .block_on(download(net.fetcher(), store.path(), "e1", &w, u64::MAX))
        .unwrap_err();
    assert!(e.to_string().contains("SHA-256"), "{e}");
    assert!(!store.path().join("e1/video.mp4").exists());
    let bytes = std::fs::read(media().root.join(common::MP4_FASTSTART)).unwrap();
    use sha2::Digest;
    w.sha256 = Some(sha2::Sha256::digest(&bytes).into());
    net.block_on(download(net.fetcher(), store.path(), "e1", &w, u64::MAX))
        .unwrap();
    let e = net
        .block_on(download(
            net.fetcher(),
            store.path(),
            "e2",
            &want(&server.url("ladder/master.m3u8"), None),
            100_000,
        ))
        .unwrap_err();
    assert!(e.is_space(), "{e}");
}

/// `pillarbox keep` for the ladder's top rung from `server`, into `state`,
/// with `limit` bytes the largest file it may write (RLIMIT_FSIZE: past
/// it, writes fail as on a full disk).
fn keep_command(server: &str, state: &Path, episode: u32, limit: Option<u64>) -> Command {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(env!("CARGO_BIN_EXE_pillarbox"));
    c.args([
        "keep",
        "--series",
        "s",
        "--episode",
        &episode.to_string(),
        "--state-dir",
    ])
    .arg(state)
    .arg(format!("{server}ladder/master.m3u8"))
    .env("RUST_LOG", "warn");
    if let Some(limit) = limit {
        // SAFETY: async-signal-safe calls only, between fork and exec.
        unsafe {
            c.pre_exec(move || {
                // Ignored through exec: the write fails (EFBIG), the
                // process lives on, as with a full disk.
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    c
}

/// Runs a `pillarbox keep` that must succeed.
fn kept(command: &mut Command) {
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
}

/// Checks that what is kept of the ladder's top rung is its bytes.
fn same_as_served(root: &Path) {
    let index = StoredIndex::load(root);
    let kept = &index.episodes[0];
    let dir = root.join(&kept.dir);
    let local = std::fs::read_to_string(dir.join("v.m3u8")).unwrap();
    let served = std::fs::read_to_string(media().root.join("ladder/top/index.m3u8")).unwrap();
    let names = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let pairs: Vec<_> = names(&local).into_iter().zip(names(&served)).collect();
    assert_eq!(pairs.len(), 4);
    for (mine, theirs) in pairs {
        let a = std::fs::read(dir.join(&mine)).unwrap();
        let b = std::fs::read(media().root.join("ladder/top").join(&theirs)).unwrap();
        assert!(a == b, "{mine} differs from {theirs}");
    }
}

#[test]
fn a_disk_that_fills_up_mid_download_keeps_what_was_kept_and_resumes_later() {
    common::ladder();
    let server = RangeServer::start(Some(media().root.clone()));
    let state = tempfile::tempdir().unwrap();
    let root = state.path().join(STORED_DIR);
    // A first episode, kept whole.
    kept(keep_command(&server.base, state.path(), 1, None).args(["--max-bitrate", "1"]));
    let before = StoredIndex::load(&root);
    assert_eq!(before.episodes.len(), 1);
    // The top rung's segments are larger than the file size allowed now.
    let out = keep_command(&server.base, state.path(), 2, Some(60_000))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("File too large"), "{stdout}");
    assert!(stdout.contains("cannot write"), "{stdout}");
    // What was kept is intact, and nothing half done is listed.
    assert_eq!(StoredIndex::load(&root), before);
    let parts: Vec<_> = std::fs::read_dir(root.join(dir_name("s", 2)))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .map(|e| e.metadata().unwrap().len())
        .collect();
    assert_eq!(parts.len(), 1, "the file being written stays, to resume");
    // Room again: the same command finishes, from what was kept.
    server.log();
    kept(&mut keep_command(&server.base, state.path(), 2, None));
    let index = StoredIndex::load(&root);
    assert_eq!(index.episodes.len(), 2);
    let resumed = server.log().iter().any(|(_, range, _)| range.is_some());
    assert!(resumed, "the cut file resumed with a Range request");
}

#[test]
fn kill_9_mid_download_leaves_a_store_that_resumes_to_the_same_bytes() {
    common::ladder();
    let server = RangeServer::start(Some(media().root.clone()));
    // About 1.5 s for the top rung: killed at several points along it.
    server
        .files
        .throttle
        .store(500_000, std::sync::atomic::Ordering::SeqCst);
    let state = tempfile::tempdir().unwrap();
    let root = state.path().join(STORED_DIR);
    for after_ms in [150, 400, 600, 800] {
        let mut child = keep_command(&server.base, state.path(), 1, None)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(after_ms));
        // SIGKILL: no chance to tidy anything.
        child.kill().unwrap();
        child.wait().unwrap();
        // The index names no half-kept episode.
        // (Loading checks every listed file against the disk.)
        let index = StoredIndex::load(&root);
        assert!(index.episodes.is_empty(), "{index:?}");
    }
    server
        .files
        .throttle
        .store(0, std::sync::atomic::Ordering::SeqCst);
    kept(&mut keep_command(&server.base, state.path(), 1, None));
    same_as_served(&root);
    let kept = StoredIndex::load(&root).episodes[0].clone();
    assert_eq!(play_offline(&root, &kept.url()), LADDER_FRAMES);
}
