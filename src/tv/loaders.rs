//! What the UI shows beside the video (posters, the logo, subtitle files):
//! fetched through the process's network stack (URL policy, TLS, pins, a
//! size cap), decoded off the UI thread with a bound on how many decode at
//! once, and handed back to the shell's queue. A failure is logged once,
//! with the URL, and handed back too.

use std::sync::Arc;

use crate::net::{FetchStats, Net, NetError};
use crate::view::posters::{self, PictureError, Pixels};
use crate::webvtt::{Track, TrackError};

/// Why something the UI asked for could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError<E: std::error::Error + 'static> {
    #[error("bad URL: {0}")]
    Url(#[from] url::ParseError),
    #[error(transparent)]
    Net(NetError),
    #[error(transparent)]
    Decode(E),
    #[error("cancelled")]
    Cancelled,
}

/// Where a result goes, on whatever thread it finished.
pub type Deliver<T, E> = Arc<dyn Fn(String, Result<T, LoadError<E>>) + Send + Sync>;

pub struct Loader<T, E: std::error::Error + 'static> {
    inner: Arc<Inner<T, E>>,
}

impl<T, E: std::error::Error + 'static> Clone for Loader<T, E> {
    fn clone(&self) -> Self {
        Loader {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<T, E: std::error::Error + 'static> {
    net: Net,
    /// What is fetched, for logs and errors: "poster", "subtitles".
    what: &'static str,
    max_bytes: usize,
    decode: fn(&[u8]) -> Result<T, E>,
    decoding: tokio::sync::Semaphore,
    deliver: Deliver<T, E>,
}

impl<T: Send + 'static, E: std::error::Error + Send + Sync + 'static> Loader<T, E> {
    /// Fetches at most `max_bytes`, decodes with `decode`, at most
    /// `decoders` at once.
    pub fn new(
        net: Net,
        what: &'static str,
        max_bytes: usize,
        decoders: usize,
        decode: fn(&[u8]) -> Result<T, E>,
        deliver: Deliver<T, E>,
    ) -> Loader<T, E> {
        Loader {
            inner: Arc::new(Inner {
                net,
                what,
                max_bytes,
                decode,
                decoding: tokio::sync::Semaphore::new(decoders.max(1)),
                deliver,
            }),
        }
    }

    /// Fetches and decodes `url` in the background.
    pub fn request(&self, url: &str) {
        let inner = self.inner.clone();
        let text = url.to_owned();
        self.inner.net.spawn(async move {
            let loaded = inner.load(&text).await;
            if let Err(why) = &loaded {
                tracing::warn!(url = %text, error = %why, "{} not shown", inner.what);
            }
            (inner.deliver)(text, loaded);
        });
    }
}

impl<T: Send + 'static, E: std::error::Error + Send + Sync + 'static> Inner<T, E> {
    async fn load(&self, text: &str) -> Result<T, LoadError<E>> {
        let url = url::Url::parse(text)?;
        let bytes = self
            .net
            .fetcher()
            .get(
                self.what,
                &url,
                None,
                self.max_bytes,
                &FetchStats::default(),
            )
            .await
            .map_err(LoadError::Net)?;
        let _permit = self
            .decoding
            .acquire()
            .await
            .map_err(|_| LoadError::Cancelled)?;
        let decode = self.decode;
        tokio::task::spawn_blocking(move || decode(&bytes))
            .await
            .map_err(|_| LoadError::Cancelled)?
            .map_err(LoadError::Decode)
    }
}

/// Posters larger than this are refused rather than fetched whole.
const POSTER_BYTES: usize = 8 << 20;
/// Decodes at once: each may take up to [`posters::MAX_DECODE_BYTES`].
const POSTER_DECODERS: usize = 2;

pub type PosterLoader = Loader<Pixels, PictureError>;

/// Fetches posters and decodes them at [`posters::POSTER_SIZE`], two at
/// most at once.
pub fn posters(net: Net, deliver: Deliver<Pixels, PictureError>) -> PosterLoader {
    Loader::new(
        net,
        "poster",
        POSTER_BYTES,
        POSTER_DECODERS,
        |bytes| posters::decode(bytes, posters::POSTER_SIZE),
        deliver,
    )
}

/// Subtitle files larger than this are refused.
pub const SUBTITLE_BYTES: usize = 1 << 20;

pub type SubtitleLoader = Loader<Arc<Track>, TrackError>;

/// A parsed subtitle file, or why it cannot be shown.
pub type SubtitleFile = Result<Arc<Track>, TrackError>;

pub fn subtitles(net: Net, deliver: Deliver<Arc<Track>, TrackError>) -> SubtitleLoader {
    Loader::new(
        net,
        "subtitles",
        SUBTITLE_BYTES,
        1,
        parse_subtitles,
        deliver,
    )
}

/// Why a loaded subtitle file cannot be shown, whatever stopped it.
pub fn track_error(e: LoadError<TrackError>) -> TrackError {
    match e {
        LoadError::Decode(e) => e,
        LoadError::Net(e) => TrackError::Fetch(e.to_string()),
        LoadError::Url(e) => TrackError::Fetch(e.to_string()),
        LoadError::Cancelled => TrackError::Cancelled,
    }
}

fn parse_subtitles(bytes: &[u8]) -> Result<Arc<Track>, TrackError> {
    let text = std::str::from_utf8(bytes).map_err(|_| TrackError::NotText)?;
    let track = crate::webvtt::parse(text)?;
    if track.skipped > 0 {
        tracing::warn!(
            skipped = track.skipped,
            "subtitle cues with bad timings left out"
        );
    }
    Ok(Arc::new(track))
}

/// Programme guides larger than this are refused.
pub const GUIDE_BYTES: usize = crate::guide::MAX_GUIDE_BYTES;

pub type GuideLoader = Loader<crate::guide::Guides, crate::guide::GuideError>;

/// Fetches live channels' XMLTV guides, read one at a time.
pub fn guides(
    net: Net,
    deliver: Deliver<crate::guide::Guides, crate::guide::GuideError>,
) -> GuideLoader {
    Loader::new(
        net,
        "programme guide",
        GUIDE_BYTES,
        1,
        crate::guide::decode,
        deliver,
    )
}
