//! The playback core: our own fetcher ([`feeder`]) feeds bytes into
//! `appsrc ! decodebin3` ([`pipeline`]), video comes out scaled, as RGBA,
//! to a [`FrameSink`] (or as GL textures on the GL path), and everything
//! that happens is reported as [`PlayerEvent`]s to the [`ReportSink`] the
//! [`Player`]'s owner gives it. Episodes run under the owner's ids.

pub mod abr;
pub mod binge;
mod containment;
mod control;
pub mod duck;
mod feeder;
pub mod libavcodec;
mod pipeline;
mod player;
mod prewarm;
mod rgba;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use gstreamer as gst;
use gstreamer_gl as gst_gl;
use gstreamer_video as gst_video;
use serde::Serialize;

pub use containment::{CONTAINERS, DEMUXERS, restrict_registry};
pub use feeder::source::decrypt;
pub use player::Player;
pub use prewarm::prewarm;

use crate::net::NetError;

/// The `pillarbox` debug category: `GST_DEBUG=pillarbox:5` shows the
/// player's own messages among GStreamer's.
pub static CAT: std::sync::LazyLock<gst::DebugCategory> = std::sync::LazyLock::new(|| {
    gst::DebugCategory::new(
        "pillarbox",
        gst::DebugColorFlags::empty(),
        Some("pillarbox player: episodes, preload, errors"),
    )
});

pub use crate::episode::EpisodeId;
use crate::net::RequestHeaders;

/// What an episode is fetched from: its URL, and what a playback grant
/// adds (headers for each of its requests, a URL for its AES-128 keys).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamSource {
    pub url: String,
    pub headers: RequestHeaders,
    /// Keys are fetched here, in place of the playlist's key URIs.
    pub key_url: Option<String>,
    /// Sent with key requests only (after `headers`).
    pub key_headers: RequestHeaders,
    /// A 404 or 410 is final, not retried: an ad, which a break would
    /// rather skip at once than wait for.
    pub missing_is_final: bool,
    /// A broadcaster's live channel: its playlist is live (reloaded,
    /// joined near its edge); an episode's must be VOD.
    pub live: bool,
}

impl StreamSource {
    /// A URL alone: a free episode, or one signed by other means.
    pub fn plain(url: impl Into<String>) -> StreamSource {
        StreamSource {
            url: url.into(),
            ..Default::default()
        }
    }

    /// An ad's media file: as [`StreamSource::plain`], with a missing file
    /// final at its first answer.
    pub fn ad(url: impl Into<String>) -> StreamSource {
        StreamSource {
            missing_is_final: true,
            ..StreamSource::plain(url)
        }
    }
}

/// Where the player's reports go: called on the player's threads, returns
/// at once (the shell queues them for its event loop; the CLI sends them
/// down a channel).
pub trait ReportSink: Send + Sync + 'static {
    fn report(&self, event: PlayerEvent);
}

impl ReportSink for std::sync::mpsc::Sender<PlayerEvent> {
    fn report(&self, event: PlayerEvent) {
        let _ = self.send(event);
    }
}

/// How the player is set up. The defaults suit a TV box.
#[derive(Debug, Clone)]
pub struct PlayerConfig {
    /// Size to scale video frames to, in pixels; `None` keeps the episode's own.
    /// The aspect ratio is kept, with borders where it does not match.
    pub video_size: Option<(u32, u32)>,
    /// Size to fit a picture wider than tall into instead (the TV app: the
    /// whole 16:9 screen, where a vertical picture gets the 9:16 column),
    /// without borders: the frame is the fitted picture. `None`: as any other.
    pub wide_size: Option<(u32, u32)>,
    /// Where audio goes.
    pub audio: AudioOutput,
    /// Decode as fast as possible with no clock sync (QA and tests).
    pub fast: bool,
    /// Upper bound on the variants played from an HLS master playlist.
    pub max_bitrate: Option<u64>,
    /// Preferred language of HLS audio renditions (BCP 47: `es` finds
    /// `es-MX`); without it, or without a match, the playlist's DEFAULT.
    pub audio_language: Option<String>,
    /// Language of HLS subtitle renditions to load (forced ones only when
    /// the audio played is in it); none: no subtitle renditions.
    pub subtitle_language: Option<String>,
    /// Throughput assumed before the first segment was measured, bit/s.
    pub initial_bitrate: u64,
    /// Media buffered ahead needed before switching to a higher variant.
    pub min_buffer_up: Duration,
    /// How many bytes may wait in appsrc before the fetcher pauses.
    pub buffer_bytes: u64,
    /// Byte-range request size for progressive files.
    pub chunk_bytes: u64,
    /// What a preloaded episode may download before it plays.
    pub preload_bytes: u64,
    /// No new frame for this long while data is missing counts as a rebuffer.
    pub stall_threshold: Duration,
    /// How often the monitor reads the position (for buffer levels).
    pub position_interval: Duration,
    /// The GL path: once the UI's renderer shares its GL context here,
    /// video goes to the frame sink as textures ([`FrameSink::gl_frame`]);
    /// until then, and without it, as RGBA in memory.
    pub gl: Option<GlShare>,
    /// The programme's audio level, lowered while the UI speaks.
    pub duck: duck::Duck,
}

impl Default for PlayerConfig {
    fn default() -> Self {
        PlayerConfig {
            video_size: None,
            wide_size: None,
            audio: AudioOutput::Default,
            fast: false,
            max_bitrate: None,
            audio_language: None,
            subtitle_language: None,
            initial_bitrate: 2_000_000,
            min_buffer_up: Duration::from_secs(2),
            buffer_bytes: 8 << 20,
            chunk_bytes: 1 << 20,
            preload_bytes: 4 << 20,
            stall_threshold: Duration::from_millis(250),
            position_interval: Duration::from_millis(250),
            duck: duck::Duck::default(),
            gl: None,
        }
    }
}

/// How long an episode plays before the next one is preloaded: not at its
/// first frame, where the two compete for the CPU while this one's decoder
/// fills its pipeline (a first episode's opening frames then came late and
/// were dropped), and by then the previous episode's pipeline is gone (two
/// in memory at most, not three). The app core waits as long
/// (`NEXT_PRELOAD_AFTER_MS` of its player screen).
pub const NEXT_PRELOAD_AFTER: Duration = Duration::from_secs(1);

/// Whether the next episode is due for preloading once this one has played
/// `played` of `duration`: after [`NEXT_PRELOAD_AFTER`], or half of a
/// shorter episode.
pub fn next_preload_due(played: Duration, duration: Option<Duration>) -> bool {
    played >= duration.map_or(NEXT_PRELOAD_AFTER, |d| NEXT_PRELOAD_AFTER.min(d / 2))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioOutput {
    /// The system's default audio output (autoaudiosink).
    Default,
    /// Decoded and discarded, still clocked unless `fast` is set (headless).
    Discard,
}

/// A decoded, scaled video frame, borrowed for the duration of the call.
pub struct RgbaFrame<'a> {
    pub width: u32,
    pub height: u32,
    /// Bytes per row; may exceed `width * 4`.
    pub stride: usize,
    pub pts: Option<Duration>,
    pub data: &'a [u8],
}

/// Receives video frames on GStreamer's streaming thread. Implementations
/// copy at most once (into a UI image) and return quickly. Frames carry
/// their episode's id; a frame of an episode older than one already shown
/// (a replaced episode's last, in flight) is to be dropped.
pub trait FrameSink: Send + Sync + 'static {
    fn frame(&self, episode: EpisodeId, frame: &RgbaFrame<'_>);

    /// Lends memory for the next frame, so that it is converted straight
    /// into what the UI shows (no copy): `fill` writes a `width` x
    /// `height` RGBA picture there (rows `width * 4` bytes apart) and says
    /// whether it could. False when the sink lends none (then [`frame`]
    /// gets the picture) or `fill` failed.
    ///
    /// [`frame`]: FrameSink::frame
    fn fill_frame(
        &self,
        episode: EpisodeId,
        width: u32,
        height: u32,
        pts: Option<Duration>,
        fill: &mut dyn FnMut(&mut [u8]) -> bool,
    ) -> bool {
        let _ = (episode, width, height, pts, fill);
        false
    }

    /// On the GL path: a frame in GL memory (an RGBA 2D texture), with a
    /// sync point set; the sink keeps the buffer while the texture shows.
    fn gl_frame(&self, episode: EpisodeId, buffer: gst::Buffer, info: &gst_video::VideoInfo) {
        let _ = (episode, buffer, info);
    }
}

/// The GL display and context the UI renders with, filled in by the view
/// when its renderer starts; pipelines built after that upload into it.
#[derive(Clone, Default)]
pub struct GlShare(Arc<OnceLock<GlHandles>>);

#[derive(Clone)]
pub struct GlHandles {
    pub display: gst_gl::GLDisplay,
    /// The UI's own context, wrapped: GStreamer's contexts share with it.
    pub context: gst_gl::GLContext,
}

impl GlShare {
    pub fn get(&self) -> Option<&GlHandles> {
        self.0.get()
    }

    /// Set once; a second renderer start keeps the first context.
    pub fn set(&self, handles: GlHandles) -> bool {
        self.0.set(handles).is_ok()
    }
}

impl std::fmt::Debug for GlShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.get().is_some() {
            "GlShare(ready)"
        } else {
            "GlShare(waiting)"
        })
    }
}

/// Drops every frame: headless playback and QA.
pub struct NullFrameSink;

impl FrameSink for NullFrameSink {
    fn frame(&self, _: EpisodeId, _: &RgbaFrame<'_>) {}
}

/// Quality-of-experience counters of one episode.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Qoe {
    /// From the play request to the first frame handed to the frame sink.
    pub first_frame_ms: Option<u64>,
    pub frames: u64,
    pub dropped_frames: u64,
    pub rebuffer_count: u64,
    pub rebuffer_ms: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Media position reached.
    pub position_ms: u64,
    pub bytes: u64,
    pub requests: u64,
    pub retries: u64,
    /// Bandwidth of the HLS variant played last, from the master playlist.
    pub variant_bandwidth: Option<u64>,
    /// Bandwidth of the variants played, averaged over the segments by
    /// duration, in kbit/s.
    pub bitrate_kbps: Option<u64>,
    /// How often playback moved to another variant.
    pub variant_switches: u64,
    /// Language of the HLS audio rendition played (EXT-X-MEDIA TYPE=AUDIO),
    /// when the episode has renditions.
    pub audio_language: Option<String>,
    /// Language of the HLS subtitle rendition loaded, and how many of its
    /// cues the episode reached (set by binge playback, which sees both).
    pub subtitle_language: Option<String>,
    pub subtitle_cues: Option<u64>,
    /// From the moment the previous episode's last frame stopped being
    /// shown (its display time plus one frame) to this one's first frame.
    /// None for the first episode or after a stop.
    pub switch_gap_ms: Option<f64>,
}

/// Where an episode starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    #[default]
    Beginning,
    /// Exactly here: HLS from the segment that holds it, the frames before
    /// it decoded and dropped; progressive files decode up to it.
    At(Duration),
    /// The start of the HLS segment that holds this point (a resume: the
    /// first frame as fast as a cold start); progressive files: exactly.
    Near(Duration),
}

impl Start {
    pub fn point(self) -> Duration {
        match self {
            Start::Beginning => Duration::ZERO,
            Start::At(t) | Start::Near(t) => t,
        }
    }
}

#[derive(Debug, Clone)]
pub enum PlayerEvent {
    FirstFrame {
        episode: EpisodeId,
        since_play: Duration,
        width: u32,
        height: u32,
        /// Where in the episode this first frame is (0 unless resumed).
        start: Duration,
    },
    /// 0 when playback stalls for lack of data, 100 when it resumes.
    Buffering { episode: EpisodeId, percent: u8 },
    /// No connection could be made for the episode's next request (after
    /// the fetcher's own retries): `lost`, while the feeder keeps trying
    /// and what is buffered plays on; then not, when a request got through.
    Connection { episode: EpisodeId, lost: bool },
    /// A live channel's playlist stopped growing (`stalled`: the screen
    /// says so while the feeder keeps trying; what is buffered plays out),
    /// then grew again.
    Broadcast { episode: EpisodeId, stalled: bool },
    /// The episode's HLS subtitle rendition loaded: its cues in media time
    /// (0 at the first frame), or why it cannot be shown. The episode plays
    /// on either way.
    Subtitles {
        episode: EpisodeId,
        language: Option<String>,
        /// Forced subtitles: only what the audio does not say.
        forced: bool,
        track: Result<Arc<crate::webvtt::Track>, crate::webvtt::TrackError>,
    },
    /// The episode played to its end.
    Ended { episode: EpisodeId, qoe: Qoe },
    /// The episode stopped on an error; the player is ready for the next one.
    Error {
        episode: EpisodeId,
        error: PlaybackError,
        qoe: Qoe,
    },
}

impl PlayerEvent {
    pub fn episode(&self) -> EpisodeId {
        match self {
            PlayerEvent::FirstFrame { episode, .. }
            | PlayerEvent::Buffering { episode, .. }
            | PlayerEvent::Connection { episode, .. }
            | PlayerEvent::Broadcast { episode, .. }
            | PlayerEvent::Subtitles { episode, .. }
            | PlayerEvent::Ended { episode, .. }
            | PlayerEvent::Error { episode, .. } => *episode,
        }
    }
}

/// Why an episode could not be played. Messages name the resource and URL.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaybackError {
    /// Fetching the episode, a playlist or a segment failed.
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("malformed playlist {url}: {reason}")]
    Malformed { url: String, reason: String },
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("decode: {0}")]
    Decode(String),
    /// An AES-128 key or segment that cannot be used (never the key itself).
    #[error("decrypt: {what}: {reason}")]
    Decrypt {
        what: String,
        #[source]
        reason: feeder::source::DecryptError,
    },
    #[error("configuration: {0}")]
    Config(String),
}

impl From<crate::hls::PlaylistError> for PlaybackError {
    fn from(e: crate::hls::PlaylistError) -> Self {
        use crate::hls::PlaylistError;
        match e {
            PlaylistError::Malformed { url, reason } => PlaybackError::Malformed { url, reason },
            PlaylistError::Unsupported(what) => PlaybackError::Unsupported(what),
            PlaylistError::Refused(e) => PlaybackError::Net(NetError::Refused(e)),
        }
    }
}

impl From<crate::net::PolicyError> for PlaybackError {
    fn from(e: crate::net::PolicyError) -> Self {
        PlaybackError::Net(NetError::Refused(e))
    }
}

impl PlaybackError {
    /// A server refused a request of the episode (HTTP 401 or 403): a
    /// grant or signed URL that expired, or was revoked.
    pub fn denied(&self) -> bool {
        matches!(
            self,
            PlaybackError::Net(NetError::Http {
                status: 401 | 403,
                ..
            })
        )
    }

    /// A short stable name for the kind of error, for JSON and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            PlaybackError::Net(e) => e.kind(),
            PlaybackError::Malformed { .. } => "malformed",
            PlaybackError::Unsupported(_) => "unsupported",
            PlaybackError::Decode(_) => "decode",
            PlaybackError::Decrypt { .. } => "decrypt",
            PlaybackError::Config(_) => "config",
        }
    }
}
