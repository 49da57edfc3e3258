//! Where an episode's bytes come from, and how they are opened: its URL
//! and the headers a playback grant adds (replaced in place when the grant
//! is refreshed mid-episode), and AES-128 keys (RFC 8216 4.3.2.4) fetched
//! once per episode, held in memory only, wiped when dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use bytes::{Bytes, BytesMut};
use url::Url;
use zeroize::Zeroizing;

use crate::hls::Encryption;
use crate::net::cmcd::CmcdData;
use crate::net::{FetchStats, Fetcher, MediaGet, RequestHeaders};
use crate::playback::PlaybackError;

/// With no connection to be had, a request is tried again this often (on
/// top of the fetcher's own retries) while what is buffered plays...
const OFFLINE_RETRY: Duration = Duration::from_secs(3);
/// ...for this long at most; then the episode fails as before.
const OFFLINE_GIVE_UP: Duration = Duration::from_secs(600);

/// An AES-128 key is this long, exactly.
pub const KEY_BYTES: usize = 16;
/// Keys of one episode held at once (a playlist rotating keys every
/// segment holds the latest ones).
const MAX_KEYS: usize = 32;

/// An episode's source, checked by the URL policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub url: Url,
    /// Sent with every request of the episode.
    pub headers: RequestHeaders,
    /// Where AES-128 keys are fetched, in place of the playlist's key URIs.
    pub key_url: Option<Url>,
    /// Sent with key requests only.
    pub key_headers: RequestHeaders,
    /// A 404 or 410 is not retried ([`crate::playback::StreamSource`]).
    pub missing_is_final: bool,
    /// A live channel's playlist ([`crate::playback::StreamSource`]).
    pub live: bool,
}

/// The source in force, and how often it was replaced.
pub struct SourceCell {
    current: Mutex<Arc<Source>>,
    generation: AtomicU64,
}

impl SourceCell {
    pub fn new(source: Source) -> SourceCell {
        SourceCell {
            current: Mutex::new(Arc::new(source)),
            generation: AtomicU64::new(0),
        }
    }

    pub fn get(&self) -> Arc<Source> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// 0 at first; one more with each [`replace`](Self::replace).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// A refreshed grant: requests from now on go to `source`'s URLs.
    pub fn replace(&self, source: Source) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(source);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

type Key = Zeroizing<[u8; KEY_BYTES]>;

/// The keys of one episode, by the URL they came from.
#[derive(Default)]
struct Keys {
    held: tokio::sync::Mutex<Vec<(Url, Key)>>,
}

/// One episode's way to its bytes: the source in force and its keys.
pub struct Access {
    pub source: SourceCell,
    keys: Keys,
}

impl Access {
    pub fn new(source: Source) -> Access {
        Access {
            source: SourceCell::new(source),
            keys: Keys::default(),
        }
    }
}

/// Fetches for one episode: through `fetcher`, with the access's headers
/// and keys, counted in `stats`.
#[derive(Clone, Copy)]
pub struct Media<'a> {
    pub fetcher: &'a Fetcher,
    pub access: &'a Access,
    pub stats: &'a FetchStats,
    /// The episode's feed: a request that finds no connection is tried
    /// again until one comes back (its `offline` says so meanwhile), or
    /// the feed is cancelled. None: it fails at once (subtitles, which
    /// the episode plays without).
    pub feed: Option<&'a super::FeedState>,
}

impl Media<'_> {
    /// A media request with the source's headers.
    pub async fn get(
        &self,
        what: &str,
        url: &Url,
        range: Option<(u64, u64)>,
        max_bytes: usize,
        cmcd: Option<&CmcdData>,
    ) -> Result<Bytes, PlaybackError> {
        self.waiting_out(|| async move {
            let source = self.access.source.get();
            let get = MediaGet {
                what,
                url,
                range,
                max_bytes,
                cmcd,
                headers: &source.headers,
                missing_is_final: source.missing_is_final,
            };
            self.fetcher.get_media(&get, self.stats).await
        })
        .await
    }

    /// Makes `request` until it finds a connection: one that finds none
    /// (after the fetcher's own retries) is made again every
    /// [`OFFLINE_RETRY`] for up to [`OFFLINE_GIVE_UP`], the feed's
    /// `offline` saying so meanwhile, unless the feed is cancelled.
    /// Without a feed, once.
    pub async fn waiting_out<T, F>(
        &self,
        mut request: impl FnMut() -> F,
    ) -> Result<T, PlaybackError>
    where
        F: std::future::Future<Output = Result<T, crate::net::NetError>>,
    {
        let started = Instant::now();
        loop {
            let result = request().await;
            let Some(feed) = self.feed else {
                return Ok(result?);
            };
            match result {
                Err(e @ crate::net::NetError::Unreachable { .. }) => {
                    let cancelled = feed.cancelled.load(Ordering::SeqCst);
                    if cancelled || started.elapsed() >= OFFLINE_GIVE_UP {
                        feed.offline.store(false, Ordering::SeqCst);
                        return Err(e.into());
                    }
                    if !feed.offline.swap(true, Ordering::SeqCst) {
                        tracing::warn!(error = %e, "connection lost: trying again");
                    }
                    tokio::time::sleep(OFFLINE_RETRY).await;
                }
                result => {
                    if feed.offline.swap(false, Ordering::SeqCst) {
                        tracing::info!(lost_for = ?started.elapsed(), "connection back");
                    }
                    return Ok(result?);
                }
            }
        }
    }

    /// Decrypts `data` (a segment or init section) encrypted as `how` says;
    /// `sequence` is the segment's media sequence number (its IV when the
    /// playlist names none). Data in the clear passes through.
    pub async fn open(
        &self,
        how: Option<&Encryption>,
        sequence: u64,
        what: &str,
        data: Bytes,
    ) -> Result<Bytes, PlaybackError> {
        let Some(how) = how else {
            return Ok(data);
        };
        let key = self.key(&how.key).await?;
        decrypt(data, &key, &how.iv_for(sequence)).map_err(|reason| PlaybackError::Decrypt {
            what: what.to_owned(),
            reason,
        })
    }

    /// The key at `url` (or at the grant's key URL), fetched once.
    async fn key(&self, url: &Url) -> Result<Key, PlaybackError> {
        let current = self.access.source.get();
        let url = current.key_url.as_ref().unwrap_or(url);
        let mut held = self.access.keys.held.lock().await;
        if let Some((_, key)) = held.iter().find(|(u, _)| u == url) {
            return Ok(key.clone());
        }
        // A little room over 16 bytes, to say how long a wrong key was.
        let headers = current.headers.merged(&current.key_headers);
        let get = MediaGet {
            what: "key",
            url,
            range: None,
            max_bytes: 1024,
            cmcd: None,
            headers: &headers,
            missing_is_final: current.missing_is_final,
        };
        let bytes = self.fetcher.get_media(&get, self.stats).await?;
        let bytes = Zeroizing::new(bytes.to_vec());
        if bytes.len() != KEY_BYTES {
            return Err(PlaybackError::Decrypt {
                what: format!("key {url}"),
                reason: DecryptError::KeyLength(bytes.len()),
            });
        }
        let mut key: Key = Zeroizing::new([0; KEY_BYTES]);
        key.copy_from_slice(&bytes);
        if held.len() >= MAX_KEYS {
            held.remove(0);
        }
        held.push((url.clone(), key.clone()));
        Ok(key)
    }
}

/// Why a segment did not decrypt.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecryptError {
    #[error("{0} bytes, not a whole number of AES blocks (wrong key, or not encrypted)")]
    NotBlocks(usize),
    #[error("bad padding after decryption (wrong key or IV)")]
    Padding,
    #[error("{0} bytes; an AES-128 key is {KEY_BYTES}")]
    KeyLength(usize),
}

/// AES-128-CBC with PKCS7 padding over the whole of `data`.
pub fn decrypt(data: Bytes, key: &[u8; KEY_BYTES], iv: &[u8; 16]) -> Result<Bytes, DecryptError> {
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return Err(DecryptError::NotBlocks(data.len()));
    }
    let mut buf = data
        .try_into_mut()
        .unwrap_or_else(|shared| BytesMut::from(&shared[..]));
    let decryptor = cbc::Decryptor::<aes::Aes128>::new(key.into(), iv.into());
    let len = decryptor
        .decrypt_padded_mut::<Pkcs7>(&mut buf)
        .map_err(|_| DecryptError::Padding)?
        .len();
    buf.truncate(len);
    Ok(buf.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockEncryptMut;

    fn encrypt(plain: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> Vec<u8> {
        cbc::Encryptor::<aes::Aes128>::new(key.into(), iv.into())
            .encrypt_padded_vec_mut::<Pkcs7>(plain)
    }

    #[test]
    fn whole_segments_decrypt_and_wrong_keys_fail_cleanly() {
        let (key, iv) = ([7u8; 16], [9u8; 16]);
        for len in [0usize, 1, 15, 16, 17, 188 * 7] {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = encrypt(&plain, &key, &iv);
            assert_eq!(sealed.len() % 16, 0);
            let opened = decrypt(Bytes::from(sealed.clone()), &key, &iv).unwrap();
            assert_eq!(&opened[..], &plain[..]);
            // The wrong key: an error (padding), never a panic.
            let _ = decrypt(Bytes::from(sealed), &[8u8; 16], &iv);
        }
        assert!(decrypt(Bytes::from_static(&[0; 15]), &key, &iv).is_err());
        assert!(decrypt(Bytes::new(), &key, &iv).is_err());
    }
}
