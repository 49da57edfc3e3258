//! The demo protects its paid episodes as a partner would: a crawl of the
//! catalog and of every URL reachable from it, without a token, gets no
//! frame of a paid episode; a grant's signed URL stops working when it
//! expires; keys go only to a grant's key token.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use pillarbox::demo::partner::{self, API_PATH};
use pillarbox::demo::server::{DemoOptions, DemoServer};
use pillarbox::net::{ApiCall, FetchStats, Net, NetConfig, NetError, UrlPolicy};
use pillarbox::playback::{
    NullFrameSink, PlaybackError, Player, PlayerConfig, PlayerEvent, Start, StreamSource,
};
use pillarbox::unlock::{TokenPoll, UnlockClient};
use url::Url;

use crate::common::TestServer;

const DEVICE: &str = "0123456789abcdef";

fn net() -> Net {
    Net::new(NetConfig {
        policy: UrlPolicy::loopback(),
        ..NetConfig::default()
    })
    .expect("net")
}

fn get(net: &Net, url: &Url) -> Result<bytes::Bytes, NetError> {
    net.block_on(
        net.fetcher()
            .get("crawl", url, None, 16 << 20, &FetchStats::default()),
    )
}

fn status(e: &NetError) -> Option<u16> {
    match e {
        NetError::Http { status, .. } => Some(*status),
        _ => None,
    }
}

/// Every URL in a JSON value.
fn urls_in(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if s.starts_with("http") => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| urls_in(v, out)),
        serde_json::Value::Object(o) => o.values().for_each(|v| urls_in(v, out)),
        _ => {}
    }
}

/// A POST to the demo API, form-encoded, with an optional token.
fn call(
    net: &Net,
    base: &Url,
    name: &str,
    form: &[(&str, &str)],
    bearer: Option<&str>,
) -> (u16, serde_json::Value) {
    let url = base.join(&format!("{API_PATH}{name}")).unwrap();
    let call = ApiCall {
        url: &url,
        form: Some(form),
        json: None,
        bearer,
        headers: &[],
        max_bytes: 1 << 20,
    };
    let reply = net
        .block_on(net.fetcher().call(name, &call, &FetchStats::default()))
        .expect("an answer");
    let v = serde_json::from_slice(&reply.body).unwrap_or(serde_json::Value::Null);
    (reply.status, v)
}

/// Pairs as a box would, the phone buying episode 9: the token.
fn paired_token(net: &Net, base: &Url) -> String {
    let client = UnlockClient::new(net.clone(), base.join(API_PATH).unwrap().as_str()).unwrap();
    let auth = net
        .block_on(client.device_code("ceo-secret", 9, DEVICE))
        .unwrap();
    let page = base.join(partner::PAGE_PATH).unwrap();
    let form = [("user_code", auth.user_code.as_str()), ("action", "buy")];
    let call = ApiCall {
        url: &page,
        form: Some(&form),
        json: None,
        bearer: None,
        headers: &[],
        max_bytes: 1 << 20,
    };
    let reply = net
        .block_on(net.fetcher().call("page", &call, &FetchStats::default()))
        .unwrap();
    assert!(String::from_utf8_lossy(&reply.body).contains("id=\"done\""));
    loop {
        std::thread::sleep(Duration::from_secs(2));
        match net.block_on(client.poll_token(&auth.device_code)).unwrap() {
            TokenPoll::Granted(t) => return t,
            TokenPoll::Pending | TokenPoll::SlowDown => {}
            other => panic!("{other:?}"),
        }
    }
}

/// Plays `playlist` (an HLS media playlist text) over the single segment
/// `segment`, both served from a folder of their own: the frames GStreamer
/// decoded, or the error.
fn decode(segment: &[u8]) -> Result<u64, PlaybackError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("seg.ts"), segment).unwrap();
    std::fs::write(
        dir.path().join("index.m3u8"),
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    let server = TestServer::start(dir.path());
    let net = net();
    let (tx, rx) = std::sync::mpsc::channel();
    let config = PlayerConfig {
        fast: true,
        video_size: Some((54, 96)),
        audio: pillarbox::playback::AudioOutput::Discard,
        ..PlayerConfig::default()
    };
    let mut player = Player::new(config, &net, Arc::new(NullFrameSink), Arc::new(tx)).unwrap();
    let id = pillarbox::episode::EpisodeId(1);
    player
        .play(
            id,
            &StreamSource::plain(server.url("index.m3u8")),
            Start::Beginning,
        )
        .unwrap();
    loop {
        match rx.recv_timeout(Duration::from_secs(30)).expect("an event") {
            PlayerEvent::Ended { qoe, .. } => return Ok(qoe.frames),
            PlayerEvent::Error { error, qoe, .. } => {
                assert_eq!(qoe.frames, 0, "frames decoded before the error");
                return Err(error);
            }
            _ => {}
        }
    }
}

#[test]
fn no_frame_of_a_paid_episode_is_reachable_without_a_grant_and_grants_expire() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The TV tests' cache: episodes are generated once per run.
    let media = crate::tv_app::shared_demo_dir();
    let options = DemoOptions {
        grant_seconds: 3,
        ..DemoOptions::default()
    };
    let server = DemoServer::start_with(&media, runtime.handle(), &options).unwrap();
    let base = server.base().clone();
    let net = net();

    // The crawl: the catalog, every URL in it, every URI in every playlist.
    let catalog: serde_json::Value =
        serde_json::from_slice(&get(&net, &server.catalog_url()).unwrap()).unwrap();
    let ceo = catalog["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "ceo-secret")
        .unwrap();
    assert_eq!(ceo["granted_from"], 9);
    for e in ceo["episodes"].as_array().unwrap() {
        let paid = e["number"].as_u64().unwrap() >= 9;
        assert_eq!(e["streams"].as_array().unwrap().is_empty(), paid, "{e}");
    }
    let mut queue: VecDeque<Url> = {
        let mut urls = Vec::new();
        urls_in(&catalog, &mut urls);
        urls.iter().filter_map(|u| Url::parse(u).ok()).collect()
    };
    let mut seen = BTreeSet::new();
    let paid_path = |u: &Url| {
        let parts: Vec<&str> = u.path().trim_start_matches('/').split('/').collect();
        matches!(parts.as_slice(), ["media", "ceo-secret", n, ..] if n.parse::<u32>().is_ok_and(|n| n >= 9))
    };
    while let Some(url) = queue.pop_front() {
        if !seen.insert(url.to_string()) {
            continue;
        }
        // Only the demo's own URLs (the catalog names no other).
        assert_eq!(url.origin(), base.origin(), "{url}");
        // The API's endpoints and the insight collector are POSTs (a GET
        // is refused); pages are HTML: only media is followed.
        if url.path().starts_with(&format!("/{API_PATH}")) || url.path() == "/collect" {
            continue;
        }
        let body = match get(&net, &url) {
            Ok(b) => b,
            Err(e) => {
                assert!(paid_path(&url), "{url}: {e}");
                continue;
            }
        };
        assert!(!paid_path(&url), "{url} answered without a grant");
        if url.path().ends_with(".m3u8") {
            for line in String::from_utf8_lossy(&body).lines() {
                let line = line.trim();
                if !line.is_empty() && !line.starts_with('#') {
                    queue.push_back(url.join(line).unwrap());
                }
            }
        }
    }
    assert!(seen.len() > 100, "crawled {}", seen.len());
    // Guessing a paid episode's paths gets nothing either.
    for path in [
        "media/ceo-secret/9/index.m3u8",
        "media/ceo-secret/24/seg00000.ts",
    ] {
        let e = get(&net, &base.join(path).unwrap()).unwrap_err();
        assert_eq!(status(&e), Some(403), "{path}: {e}");
    }

    // Grants: none without a token, none for another device, none for an
    // episode the account does not own.
    let grant = |token: Option<&str>, episode: &str, device: &str| {
        call(
            &net,
            &base,
            "playback",
            &[
                ("series", "ceo-secret"),
                ("episode", episode),
                ("device", device),
            ],
            token,
        )
    };
    assert_eq!(grant(None, "9", DEVICE).0, 401);
    let token = paired_token(&net, &base);
    assert_eq!(grant(Some(&token), "9", "another-box").0, 403);
    assert_eq!(grant(Some(&token), "10", DEVICE).0, 403);
    let (status_9, g) = grant(Some(&token), "9", DEVICE);
    assert_eq!(status_9, 200, "{g}");
    assert_eq!(g["expires_in"], 3);
    let url = Url::parse(g["url"].as_str().unwrap()).unwrap();
    let playlist = String::from_utf8(get(&net, &url).unwrap().to_vec()).unwrap();
    assert!(playlist.contains("METHOD=AES-128"), "{playlist}");
    let first = playlist
        .lines()
        .find(|l| !l.starts_with('#') && !l.is_empty())
        .unwrap();
    let segment = get(&net, &url.join(first).unwrap()).unwrap();

    // The segment as fetched does not decode; with the key it does.
    let e = decode(&segment).expect_err("an encrypted segment decodes to nothing");
    assert!(
        matches!(e.kind(), "decode" | "unsupported"),
        "{}: {e}",
        e.kind()
    );
    let key_url = Url::parse(g["key_url"].as_str().unwrap()).unwrap();
    let key_auth = g["key_headers"]["Authorization"]
        .as_str()
        .unwrap()
        .to_owned();
    let no_key = get(&net, &key_url).unwrap_err();
    assert_eq!(status(&no_key), Some(401));
    let key = {
        let mut headers = pillarbox::net::RequestHeaders::new();
        headers.push("Authorization", &key_auth).unwrap();
        let get = pillarbox::net::MediaGet {
            what: "key",
            url: &key_url,
            range: None,
            max_bytes: 64,
            cmcd: None,
            headers: &headers,
            missing_is_final: false,
        };
        net.block_on(net.fetcher().get_media(&get, &FetchStats::default()))
            .unwrap()
    };
    assert_eq!(key.len(), 16);
    let clear = pillarbox::playback::decrypt(
        segment.clone(),
        key[..].try_into().unwrap(),
        &0u128.to_be_bytes(),
    )
    .unwrap();
    assert!(decode(&clear).unwrap() > 0);

    // After its expiry the grant's URLs are refused.
    std::thread::sleep(Duration::from_secs(4));
    for u in [url.clone(), url.join(first).unwrap()] {
        let e = get(&net, &u).unwrap_err();
        assert_eq!(status(&e), Some(403), "{u}: {e}");
    }
}

#[test]
fn demo_serve_runs_the_demo_on_its_own_and_prints_its_catalog_url() {
    use std::io::BufRead;
    let cache = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(["demo", "serve", "--listen", "127.0.0.1:0", "--cache-dir"])
        .arg(cache.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = Url::parse(line.trim()).expect("a catalog URL on the first line");
    let net = net();
    let catalog: serde_json::Value = serde_json::from_slice(&get(&net, &url).unwrap()).unwrap();
    assert_eq!(catalog["format"], "pillarbox-catalog");
    assert!(
        catalog["unlock_api"]["url"]
            .as_str()
            .unwrap()
            .starts_with(url.origin().ascii_serialization().as_str())
    );
    let _ = child.kill();
    let _ = child.wait();
}
