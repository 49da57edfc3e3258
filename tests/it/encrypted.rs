//! AES-128 HLS (RFC 8216 4.3.2.4) through the player: streams encrypted
//! by ffmpeg (`-hls_key_info_file`) and by our own code (fMP4 with an
//! encrypted init section, key rotation), keys fetched with a grant's
//! headers, a wrong key length, a key refused mid-episode, a grant
//! refreshed mid-episode, and `play --header`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use pillarbox::demo::protect;
use pillarbox::net::RequestHeaders;
use pillarbox::playback::{PlaybackError, PlayerEvent, Start, StreamSource};

use crate::common::{self, FRAMES, Fault, TestServer, media, player, test_config};

const KEY: [u8; 16] = *b"0123456789abcdef";
const KEY_B: [u8; 16] = *b"fedcba9876543210";

struct Encrypted {
    root: PathBuf,
    _dir: tempfile::TempDir,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn seal(plain: &[u8], key: &[u8; 16], iv: [u8; 16]) -> Vec<u8> {
    cbc::Encryptor::<aes::Aes128>::new(key.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plain)
}

/// The encrypted test episodes, made once per test binary from the clear
/// ones: `ffmpeg/` (ffmpeg's AES-128, IV from the sequence number),
/// `fmp4/` (ours: init section and segments, explicit IV on the init),
/// `rotate/` (two keys, the second with an explicit IV), `badkey/` (its
/// second key 20 bytes long), and two copies of `ffmpeg/` for refreshes.
fn encrypted() -> &'static Encrypted {
    static E: OnceLock<Encrypted> = OnceLock::new();
    E.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let clear = &media().root;

        let out = root.join("ffmpeg");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("key.bin"), KEY).unwrap();
        let info = root.join("keyinfo");
        std::fs::write(&info, format!("key.bin\n{}\n", out.join("key.bin").display())).unwrap();
        let status = Command::new("ffmpeg")
            .args(["-loglevel", "error", "-y", "-i"])
            .arg(clear.join(common::HLS_TS))
            .args(["-c", "copy", "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod"])
            .arg("-hls_key_info_file")
            .arg(&info)
            .arg("-hls_segment_filename")
            .arg(out.join("s%03d.ts"))
            .arg(out.join("index.m3u8"))
            .status()
            .expect("ffmpeg runs (make deps installs it)");
        assert!(status.success());
        let playlist = std::fs::read_to_string(out.join("index.m3u8")).unwrap();
        assert!(playlist.contains("METHOD=AES-128"), "{playlist}");
        for copy in ["refresh-a", "refresh-b"] {
            copy_dir(&out, &root.join(copy));
        }

        let fmp4 = root.join("fmp4");
        copy_dir(&clear.join("fmp4"), &fmp4);
        std::fs::write(fmp4.join("key.bin"), KEY).unwrap();
        protect::encrypt_hls(&fmp4, &KEY, [7; 16], "key.bin").unwrap();

        // Two segments, two keys: the first's IV its media sequence number
        // (5), the second's an IV of its own.
        for (name, second_key) in [("rotate", KEY_B.to_vec()), ("badkey", vec![1; 20])] {
            let dir = root.join(name);
            copy_dir(&clear.join("ts"), &dir);
            for (seg, key, iv) in [
                ("seg00000.ts", &KEY, 5u128.to_be_bytes()),
                ("seg00001.ts", &KEY_B, 9u128.to_be_bytes()),
            ] {
                let plain = std::fs::read(dir.join(seg)).unwrap();
                std::fs::write(dir.join(seg), seal(&plain, key, iv)).unwrap();
            }
            std::fs::write(dir.join("ka.bin"), KEY).unwrap();
            std::fs::write(dir.join("kb.bin"), second_key).unwrap();
            let text = std::fs::read_to_string(dir.join("index.m3u8")).unwrap();
            assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:0"), "{text}");
            let text = text
                .replacen("#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-MEDIA-SEQUENCE:5", 1)
                .replacen("#EXTINF", "#EXT-X-KEY:METHOD=AES-128,URI=\"ka.bin\"\n#EXTINF", 1)
                .replacen(
                    "seg00000.ts\n",
                    "seg00000.ts\n#EXT-X-KEY:METHOD=AES-128,URI=\"kb.bin\",IV=0x00000000000000000000000000000009\n",
                    1,
                );
            std::fs::write(dir.join("index.m3u8"), text).unwrap();
        }
        Encrypted { root, _dir: dir }
    })
}

fn ended(r: &Result<pillarbox::playback::Qoe, (PlaybackError, pillarbox::playback::Qoe)>) -> u64 {
    match r {
        Ok(q) => q.frames,
        Err((e, q)) => panic!("{e} after {} frames", q.frames),
    }
}

#[test]
fn aes_128_hls_from_ffmpeg_and_ours_plays_every_frame() {
    let server = TestServer::start(&encrypted().root);
    let (mut p, events) = player(test_config(true, Some((90, 160))));
    for path in ["ffmpeg/index.m3u8", "fmp4/index.m3u8", "rotate/index.m3u8"] {
        let (result, _) = common::play_to_end(&mut p, &events, &server.url(path));
        assert_eq!(ended(&result), FRAMES, "{path}");
    }
    // Each key fetched once per episode, not per segment.
    assert_eq!(server.hits("ffmpeg/key.bin"), 1);
    assert_eq!(server.hits("rotate/ka.bin"), 1);
    assert_eq!(server.hits("rotate/kb.bin"), 1);
}

#[test]
fn a_key_that_is_not_16_bytes_or_is_refused_stops_the_episode_with_why() {
    let server = TestServer::start(&encrypted().root);
    let (mut p, events) = player(test_config(true, Some((90, 160))));
    let (result, _) = common::play_to_end(&mut p, &events, &server.url("badkey/index.m3u8"));
    let (e, _) = result.expect_err("a 20-byte key");
    assert_eq!(e.kind(), "decrypt", "{e}");
    assert!(e.to_string().contains("20 bytes"), "{e}");
    // Never the key itself in the message.
    assert!(!e.to_string().contains("\\x01"), "{e}");

    // The second key refused mid-episode (a grant gone): an error the app
    // can tell from others (it asks for a new grant), after the first
    // segment went in with the first key.
    server.fault("rotate/kb.bin", Fault::Status(403), None);
    let (result, _) = common::play_to_end(&mut p, &events, &server.url("rotate/index.m3u8"));
    let (e, _) = result.expect_err("key refused");
    assert!(e.denied(), "{e}");
    assert_eq!(server.hits("rotate/ka.bin"), 1);
    assert_eq!(server.hits("rotate/seg00000.ts"), 1);
}

#[test]
fn a_grant_sends_its_headers_and_its_key_url_and_is_refreshed_mid_episode() {
    let server = TestServer::start(&encrypted().root);
    let (mut p, events) = player(test_config(true, Some((90, 160))));
    let mut headers = RequestHeaders::new();
    headers.push("X-Cdn-Token", "cdn-1").unwrap();
    let mut key_headers = RequestHeaders::new();
    key_headers.push("Authorization", "Bearer key-1").unwrap();
    let grant = |dir: &str| StreamSource {
        url: server.url(&format!("{dir}/index.m3u8")),
        headers: headers.clone(),
        key_url: Some(server.url(&format!("{dir}/key.bin"))),
        key_headers: key_headers.clone(),
        ..Default::default()
    };
    // The first segment waits a second: the grant is refreshed while it
    // comes, and the rest of the episode is fetched under the new one.
    server.fault(
        "refresh-a/s000.ts",
        Fault::Delay(Duration::from_secs(1)),
        None,
    );
    server.fault("refresh-a/s001.ts", Fault::Status(403), None);
    let id = p
        .play_source(&grant("refresh-a"), Start::Beginning)
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while server.hits("refresh-a/s000.ts") == 0 {
        assert!(std::time::Instant::now() < deadline, "no first segment");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(p.refresh(id, &grant("refresh-b")).unwrap());
    let frames = loop {
        match events
            .recv_timeout(Duration::from_secs(30))
            .expect("an event")
        {
            PlayerEvent::Ended { episode, qoe } if episode == id => break qoe.frames,
            PlayerEvent::Error { episode, error, .. } if episode == id => panic!("{error}"),
            _ => {}
        }
    };
    assert_eq!(frames, FRAMES);
    assert!(server.hits("refresh-b/index.m3u8") >= 1);
    assert!(server.hits("refresh-b/s001.ts") >= 1);
    assert_eq!(server.hits("refresh-a/s001.ts"), 0);
    // Every request carried the grant's headers; key requests alone its
    // key headers.
    for seen in server.seen(".ts").iter().chain(&server.seen(".m3u8")) {
        assert_eq!(
            seen.headers.get("x-cdn-token").map(String::as_str),
            Some("cdn-1")
        );
        assert!(!seen.headers.contains_key("authorization"), "{}", seen.path);
    }
    for seen in server.seen("key.bin") {
        assert_eq!(
            seen.headers.get("authorization").map(String::as_str),
            Some("Bearer key-1")
        );
    }
}

#[test]
fn play_sends_its_header_to_every_request() {
    let server = TestServer::start(&encrypted().root);
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(["play", "--headless", "--fast", "--json", "--size", "90x160"])
        .args(["--header", "X-Token: s3cret"])
        .arg(server.url("ffmpeg/index.m3u8"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = server.seen("");
    assert!(seen.len() >= 4, "{seen:?}");
    assert!(
        seen.iter()
            .all(|s| s.headers.get("x-token").map(String::as_str) == Some("s3cret"))
    );
    // A header pillarbox sets itself is refused, naming it.
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args(["play", "--headless", "--header", "Host: evil.example"])
        .arg(server.url("ffmpeg/index.m3u8"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("host"));
}
