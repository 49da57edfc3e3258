//! How the demo protects its paid episodes, as a partner's packager and
//! CDN would: segments encrypted with AES-128 (RFC 8216 4.3.2.4, one key
//! per episode), and media served only under signed URLs (an HMAC-SHA256
//! of the path and an expiry, in the query, as CDNs' token auth does).
//! Playlists are signed again as they are served, so that every URI in
//! them carries its own signature with the grant's expiry.

use std::path::Path;

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::MediaError;
use super::keys::MEDIA_SECRET;

/// The AES-128 key of a demo episode: derived from the demo's secret, so
/// that generated media and the key server agree without storing keys.
pub fn episode_key(series: &str, episode: u32) -> [u8; 16] {
    let mut mac = mac();
    mac.update(format!("aes-128:{series}:{episode}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    let mut key = [0; 16];
    key.copy_from_slice(&bytes[..16]);
    key
}

fn mac() -> Hmac<Sha256> {
    // HMAC takes a key of any length: this cannot fail.
    Hmac::<Sha256>::new_from_slice(&MEDIA_SECRET).unwrap_or_else(|_| unreachable!())
}

/// The signature of `path` (as the URL has it, from its first '/') good
/// until `exp` (Unix seconds): 32 hex digits.
pub fn signature(path: &str, exp: u64) -> String {
    let mut mac = mac();
    mac.update(format!("{path}\n{exp}").as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `?exp=…&sig=…` for `path`.
pub fn signed_query(path: &str, exp: u64) -> String {
    format!("exp={exp}&sig={}", signature(path, exp))
}

/// Whether `query` signs `path` and has not expired at `now` (Unix s).
pub fn verify(path: &str, query: Option<&str>, now: u64) -> bool {
    let Some(query) = query else {
        return false;
    };
    let mut exp = None;
    let mut sig = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "exp" => exp = v.parse::<u64>().ok(),
            "sig" => sig = Some(v.into_owned()),
            _ => {}
        }
    }
    let (Some(exp), Some(sig)) = (exp, sig) else {
        return false;
    };
    // Compared in constant time: the signature is a secret until it is right.
    let expected = signature(path, exp);
    let same = expected.len() == sig.len()
        && expected
            .bytes()
            .zip(sig.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same && now < exp
}

/// A playlist served under a signed URL: every URI in it (segments, init
/// sections, variant playlists) signed until `exp`, relative to `dir`
/// (the URL path of the playlist's folder, ending with '/'); each
/// `EXT-X-KEY`'s URI replaced by `key_url`.
pub fn sign_playlist(text: &str, dir: &str, exp: u64, key_url: &str) -> String {
    let sign = |uri: &str| -> String {
        if uri.contains("://") || uri.starts_with('/') {
            return uri.to_owned();
        }
        let path = format!("{dir}{uri}");
        format!("{uri}?{}", signed_query(&path, exp))
    };
    let mut out = String::with_capacity(text.len() * 2);
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("#EXT-X-KEY:") {
            out.push_str(&replace_uri(t, |_| key_url.to_owned()));
        } else if t.starts_with("#EXT-X-MAP:") || t.starts_with("#EXT-X-MEDIA:") {
            out.push_str(&replace_uri(t, sign));
        } else if !t.is_empty() && !t.starts_with('#') {
            out.push_str(&sign(t));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// `line` with its `URI="…"` attribute changed by `f`.
fn replace_uri(line: &str, f: impl FnOnce(&str) -> String) -> String {
    let Some(start) = line.find("URI=\"") else {
        return line.to_owned();
    };
    let from = start + 5;
    let Some(len) = line[from..].find('"') else {
        return line.to_owned();
    };
    format!(
        "{}{}{}",
        &line[..from],
        f(&line[from..from + len]),
        &line[from + len..]
    )
}

/// Encrypts the HLS media playlist in `dir` (`index.m3u8`, its segments
/// and init section) in place with `key`, as a packager does: whole
/// segments, AES-128-CBC, PKCS7; segments take their media sequence
/// number as IV (no IV attribute), an init section the explicit `init_iv`
/// (RFC 8216 4.3.2.5 requires one). `key_uri` goes in the `EXT-X-KEY`.
pub fn encrypt_hls(
    dir: &Path,
    key: &[u8; 16],
    init_iv: [u8; 16],
    key_uri: &str,
) -> Result<(), MediaError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| MediaError::Io { path, source }
    };
    let playlist = dir.join("index.m3u8");
    let text = std::fs::read_to_string(&playlist).map_err(io(&playlist))?;
    let seal = |name: &str, iv: [u8; 16]| -> Result<(), MediaError> {
        let path = dir.join(name);
        let plain = std::fs::read(&path).map_err(io(&path))?;
        let sealed = cbc::Encryptor::<aes::Aes128>::new(key.into(), &iv.into())
            .encrypt_padded_vec_mut::<Pkcs7>(&plain);
        std::fs::write(&path, sealed).map_err(io(&path))
    };
    let mut sequence = 0u64;
    let mut keyed = false;
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("#EXT-X-MEDIA-SEQUENCE:") {
            sequence = rest.trim().parse().unwrap_or(0);
        }
        if t.starts_with("#EXT-X-MAP:") {
            let iv_hex: String = init_iv.iter().map(|b| format!("{b:02x}")).collect();
            out.push_str(&format!(
                "#EXT-X-KEY:METHOD=AES-128,URI=\"{key_uri}\",IV=0x{iv_hex}\n"
            ));
            keyed = true;
            let uri = t
                .split("URI=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_default()
                .to_owned();
            seal(&uri, init_iv)?;
            // The segments after it take their sequence numbers as IVs:
            // the key again, without the init section's IV.
            out.push_str(line);
            out.push('\n');
            out.push_str(&format!("#EXT-X-KEY:METHOD=AES-128,URI=\"{key_uri}\"\n"));
            continue;
        } else if t.starts_with("#EXTINF") && !keyed {
            // The key goes before the first segment's tags.
            out.push_str(&format!("#EXT-X-KEY:METHOD=AES-128,URI=\"{key_uri}\"\n"));
            keyed = true;
        } else if !t.is_empty() && !t.starts_with('#') {
            seal(t, u128::from(sequence).to_be_bytes())?;
            sequence += 1;
        }
        out.push_str(line);
        out.push('\n');
    }
    std::fs::write(&playlist, out).map_err(io(&playlist))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_path_and_expiry() {
        let q = signed_query("/media/s/9/seg00001.ts", 1000);
        assert!(verify("/media/s/9/seg00001.ts", Some(&q), 999));
        assert!(!verify("/media/s/9/seg00001.ts", Some(&q), 1000), "expired");
        assert!(
            !verify("/media/s/9/seg00002.ts", Some(&q), 10),
            "another path"
        );
        let longer = q.replace("exp=1000", "exp=9999");
        assert!(
            !verify("/media/s/9/seg00001.ts", Some(&longer), 10),
            "edited expiry"
        );
        assert!(!verify("/media/s/9/seg00001.ts", None, 10));
    }

    #[test]
    fn served_playlists_sign_every_uri() {
        let text = "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"key\"\n#EXTINF:2,\nseg00000.ts\n#EXT-X-ENDLIST\n";
        let signed = sign_playlist(text, "/media/s/9/", 50, "https://k.example/key/s/9");
        assert!(
            signed.contains("URI=\"https://k.example/key/s/9\""),
            "{signed}"
        );
        let line = signed.lines().find(|l| l.starts_with("seg")).unwrap();
        let (path, query) = line.split_once('?').unwrap();
        assert!(verify(&format!("/media/s/9/{path}"), Some(query), 49));
    }
}
