//! Feeds one episode's bytes into appsrc, and tells the monitor what it
//! cannot push ([`FeedEvent`]): a failure, the subtitles it loaded. It
//! builds no elements: the pipeline links its inputs ([`Inputs`]).
//!
//! - HLS ([`hls`]): playlist(s) first, then the init segment and segments
//!   in order, pushed as whole segments (stream mode), so a failed segment
//!   is retried whole and nothing half-fetched reaches the demuxer; audio
//!   and subtitle renditions beside them ([`renditions`]).
//! - Progressive with byte ranges ([`progressive`]): appsrc in
//!   random-access (pull) mode so qtdemux can read a moov at the end; a
//!   read-ahead cache of aligned chunks is filled by range requests and
//!   served from `need-data`.
//! - Progressive without byte ranges: the one response streamed as it comes.

mod hls;
mod live;
mod progressive;
mod renditions;
pub mod source;

pub use live::OnAirTimeline;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gstreamer as gst;
use gstreamer_app as gst_app;
use tokio::sync::Notify;

use super::PlaybackError;
use super::abr::BandwidthEstimator;
use super::control::Control;
use crate::hls::SubtitleRendition;
use crate::net::cmcd::{CmcdData, ObjectType};
use crate::net::{FetchStats, Net, Opened};
use crate::webvtt::{Track, TrackError};
use source::{Access, Media};

/// How many bytes of the episode URL the first request asks for.
const HEAD_BYTES: usize = 64 << 10;

/// A subtitle rendition's cues in media time (0 = the first frame), or why
/// it cannot be shown.
pub type SubtitlesLoaded = Result<Arc<Track>, TrackError>;

/// What the feeder tells the episode's monitor.
#[derive(Debug)]
pub enum FeedEvent {
    /// The feed stopped on this error: the episode ends with it.
    Failed(PlaybackError),
    /// A subtitle rendition loaded (its language and track, or why not).
    Subtitles(SubtitleRendition, SubtitlesLoaded),
}

/// How the pipeline takes the feeder's bytes: the pipeline builds and
/// links the elements, the feeder says when and which.
pub trait Inputs: Send + Sync {
    /// Links the main input (random access: pulled by the demuxer; else a
    /// stream typefind looks at) and starts the pipeline.
    fn start(&self, random_access: bool) -> Result<(), PlaybackError>;
    /// A second input, for an audio rendition with its own playlist, which
    /// holds at most `max_bytes`; added before `start`.
    fn add_audio(&self, max_bytes: u64) -> Result<gst_app::AppSrc, PlaybackError>;
}

/// Everything one episode's feeder works with.
pub struct Feed {
    pub net: Net,
    /// Its URL, the grant's headers and key URL, its keys.
    pub access: Arc<Access>,
    pub appsrc: gst_app::AppSrc,
    pub inputs: Arc<dyn Inputs>,
    pub control: Arc<Control>,
    pub state: Arc<FeedState>,
    pub config: FeedConfig,
    pub events: Sender<FeedEvent>,
}

/// State shared between the feeder task, appsrc callbacks and the bus thread.
#[derive(Default)]
pub struct FeedState {
    pub stats: FetchStats,
    /// Bytes handed to appsrc so far.
    pub pushed_bytes: AtomicU64,
    /// Everything was handed over and EOS signalled.
    pub done: AtomicBool,
    /// Bandwidth of the HLS variant played last, and the average over
    /// the segments played, weighted by duration.
    pub variant_bandwidth: AtomicU64,
    pub average_bandwidth: AtomicU64,
    pub variant_switches: AtomicU64,
    /// Playback position, kept current by the monitor (for buffer levels).
    pub position_ms: AtomicU64,
    /// Set on teardown; blocking waits return.
    pub cancelled: AtomicBool,
    /// No connection can be made for the next request: the feeder keeps
    /// trying (the monitor tells the app while the episode plays).
    pub offline: AtomicBool,
    /// Language of the HLS audio rendition played, when one was chosen.
    pub audio_language: Mutex<Option<String>>,
    /// The first timestamp of the first video segment (90 kHz), once
    /// pushed: `None` inside when the segments are not MPEG-TS.
    pub init_pts: std::sync::OnceLock<Option<u64>>,
    /// Random-access mode: appsrc is blocked waiting for bytes not yet fetched.
    pub waiting: AtomicBool,
    /// Where the bytes pushed start in the episode, ms: the start of the
    /// HLS segment a resumed episode begins with (0 from the beginning).
    pub media_offset_ms: AtomicU64,
    /// What the streams must skip after their first frame to reach the
    /// resume point, ns (decoded, then dropped: the accurate part).
    pub skip_ns: AtomicU64,
    /// A live broadcast's playlist has stopped growing (the feed keeps
    /// trying; the screen says so).
    pub live_stalled: AtomicBool,
    /// A live broadcast's segments pushed, with their on-air dates.
    pub on_air: Mutex<OnAirTimeline>,
    // Stream-mode backpressure: set by enough-data, cleared by need-data.
    full: AtomicBool,
    room: Notify,
}

impl FeedState {
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.room.notify_waiters();
    }

    /// The pipeline holds all it may: pushing waits for room.
    pub(super) fn is_full(&self) -> bool {
        self.full.load(Ordering::SeqCst)
    }

    pub(super) fn set_stalled(&self, stalled: bool) {
        if self.live_stalled.swap(stalled, Ordering::SeqCst) != stalled {
            tracing::info!(stalled, "live playlist");
        }
    }

    pub(super) async fn wait_room(&self) {
        while self.full.load(Ordering::SeqCst) && !self.cancelled.load(Ordering::SeqCst) {
            // Bounded wait: need-data may race with the check above.
            let _ = tokio::time::timeout(Duration::from_millis(50), self.room.notified()).await;
        }
    }
}

pub struct FeedConfig {
    pub max_bitrate: Option<u64>,
    pub chunk_bytes: u64,
    pub buffer_bytes: u64,
    /// What a preload may download before it is activated.
    pub preload_bytes: u64,
    /// Set while the playing episode rebuffers: preloads wait then.
    pub starving: Arc<AtomicBool>,
    /// How far ahead the playing episode's download is.
    pub playing_ahead: Arc<PlayingAhead>,
    /// Throughput estimate, shared by the player's episodes.
    pub bandwidth: Arc<Mutex<BandwidthEstimator>>,
    /// Media buffered ahead needed before stepping up a variant.
    pub min_buffer_up: Duration,
    /// CMCD session id (the player's) and content id (the episode's).
    pub cmcd_session: String,
    pub cmcd_content: String,
    /// Preferred language of HLS audio renditions (BCP 47).
    pub audio_language: Option<String>,
    /// Language of HLS subtitle renditions to show (forced ones only when
    /// the audio played is in it).
    pub subtitle_language: Option<String>,
    /// Where in the episode to start (resume).
    pub start: super::Start,
}

impl FeedConfig {
    /// After a segment download: the estimate takes what the link
    /// carried since its last sample.
    pub(super) fn measure_link(&self, fetcher: &crate::net::Fetcher) {
        if let Ok(mut e) = self.bandwidth.lock() {
            e.update(fetcher.link().reading());
        }
    }

    pub(super) fn cmcd(&self, ot: ObjectType) -> CmcdData {
        CmcdData {
            br: None,
            bl: None,
            cid: Some(self.cmcd_content.clone()),
            d: None,
            mtp: self.bandwidth.lock().ok().map(|e| e.estimate() / 1000),
            ot,
            sf: None,
            sid: self.cmcd_session.clone(),
            su: false,
        }
    }
}

/// Media the playing episode must have downloaded ahead of its position
/// before a preload may share the link with it.
pub const PRELOAD_AHEAD: Duration = Duration::from_secs(8);

/// How far ahead of its position the playing HLS episode has downloaded,
/// as the time its buffer would run out: a preload downloading beside an
/// episode that is short takes half of a slow link from it and makes it
/// stall. Set by the playing episode's feed, cleared when it has nothing
/// left to fetch (or fails, or is torn down).
#[derive(Debug, Default)]
pub struct PlayingAhead {
    /// The feed that set it (its state's address), and when its buffer
    /// runs out if nothing more comes.
    until: Mutex<Option<(usize, Instant)>>,
}

impl PlayingAhead {
    pub(super) fn set(&self, feed: usize, runs_out: Instant) {
        if let Ok(mut u) = self.until.lock() {
            *u = Some((feed, runs_out));
        }
    }

    /// Only the feed that set it clears it: a newly playing episode may
    /// have set it already.
    pub(super) fn clear(&self, feed: usize) {
        if let Ok(mut u) = self.until.lock()
            && u.is_some_and(|(f, _)| f == feed)
        {
            *u = None;
        }
    }

    /// Whether the playing episode has `margin` of media downloaded
    /// ahead, or nothing more to download.
    pub fn has_room(&self, now: Instant, margin: Duration) -> bool {
        self.until
            .lock()
            .ok()
            .and_then(|u| *u)
            .is_none_or(|(_, runs_out)| runs_out.saturating_duration_since(now) >= margin)
    }
}

/// The playing feed's entry in [`PlayingAhead`], cleared when it ends.
pub(super) struct AheadOf<'a> {
    ahead: &'a PlayingAhead,
    feed: usize,
}

impl<'a> AheadOf<'a> {
    pub(super) fn new(ahead: &'a PlayingAhead, state: &FeedState) -> AheadOf<'a> {
        AheadOf {
            ahead,
            feed: std::ptr::from_ref(state) as usize,
        }
    }

    /// The playing episode has `buffered` of media past its position.
    pub(super) fn report(&self, buffered: Duration) {
        self.ahead.set(self.feed, Instant::now() + buffered);
    }

    /// The playing episode holds all it may and fetches nothing until it
    /// plays some: the link is free meanwhile.
    pub(super) fn idle(&self) {
        self.ahead.clear(self.feed);
    }
}

impl Drop for AheadOf<'_> {
    fn drop(&mut self) {
        self.ahead.clear(self.feed);
    }
}

/// Holds a preload back while the playing episode starves or has less
/// than [`PRELOAD_AHEAD`] downloaded, and once the preload used its
/// budget (a preload's `first` segment is always allowed, enough to
/// preroll); returns at once for the playing episode.
pub(super) async fn wait_preload(
    control: &Control,
    state: &FeedState,
    config: &FeedConfig,
    first: bool,
) {
    loop {
        if control.is_active() || state.cancelled.load(Ordering::SeqCst) {
            return;
        }
        let spent = state.stats.bytes.load(Ordering::Relaxed);
        if (first || spent < config.preload_bytes)
            && !config.starving.load(Ordering::SeqCst)
            && config.playing_ahead.has_room(Instant::now(), PRELOAD_AHEAD)
        {
            return;
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), control.activated.notified()).await;
    }
}

/// Runs the feeder for one episode; a failure goes to the monitor as a
/// [`FeedEvent::Failed`], which ends the episode.
pub async fn run(feed: Feed) {
    let result = feed_episode(&feed).await;
    if let Err(error) = result {
        if feed.state.cancelled.load(Ordering::SeqCst) {
            return;
        }
        tracing::warn!(url = %feed.access.source.get().url, %error, "episode feed failed");
        let _ = feed.events.send(FeedEvent::Failed(error));
    }
}

async fn feed_episode(feed: &Feed) -> Result<(), PlaybackError> {
    let Feed {
        net,
        access,
        appsrc,
        inputs,
        control,
        state,
        config,
        events,
    } = feed;
    let fetcher = net.fetcher();
    // Progressive files are read from their start; the streams skip to
    // the resume point after decoding (HLS narrows this to one segment).
    state
        .skip_ns
        .store(config.start.point().as_nanos() as u64, Ordering::SeqCst);
    let media = Media {
        fetcher,
        access,
        stats: &state.stats,
        feed: Some(state),
    };
    let source = access.source.get();
    let url = &source.url;
    // The first request waits out a lost connection too: the viewer sees
    // "Connection lost" rather than an error while the box is offline.
    let opened = media
        .waiting_out(|| {
            fetcher.open(
                url,
                &source.headers,
                HEAD_BYTES,
                source.missing_is_final,
                &state.stats,
            )
        })
        .await?;
    let (head, complete) = match &opened {
        Opened::Ranged { head, total } => (head, *total == Some(head.len() as u64)),
        Opened::Whole { head, rest, .. } => (head, rest.is_none()),
    };
    if crate::hls::looks_like_playlist(head) {
        let text = if complete {
            head.clone()
        } else {
            drop(opened);
            media
                .get("playlist", url, None, fetcher.limits().playlist_bytes, None)
                .await?
        };
        if source.live {
            let (media_url, plan) = live::start(media, url, &text, config).await?;
            appsrc.set_stream_type(gst_app::AppStreamType::Stream);
            install_stream_callbacks(appsrc, state);
            inputs.start(false)?;
            return live::feed_live(media, appsrc, state, &media_url, plan).await;
        }
        let (ladder, audio, subtitles) = hls::load_ladder(url, &text, fetcher.policy(), config)?;
        if let Some(rendition) = subtitles {
            // On its own: subtitles never hold the picture back, and a
            // failure leaves the episode playing.
            net.spawn(renditions::feed_subtitles(
                net.clone(),
                access.clone(),
                rendition,
                state.clone(),
                events.clone(),
            ));
        }
        appsrc.set_stream_type(gst_app::AppStreamType::Stream);
        install_stream_callbacks(appsrc, state);
        if let Some(a) = &audio {
            tracing::info!(language = ?a.language, name = %a.name, "audio rendition");
            *state
                .audio_language
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = a.language.clone();
        }
        // A rendition with its own playlist comes in through a second input.
        let audio_input = match audio.and_then(|a| a.url) {
            Some(audio_url) => {
                let src = inputs.add_audio((config.buffer_bytes / 4).max(1 << 20))?;
                let audio_state = Arc::new(FeedState::default());
                install_stream_callbacks(&src, &audio_state);
                Some(((src, audio_state), audio_url))
            }
            None => None,
        };
        inputs.start(false)?;
        let video = hls::feed_hls(media, appsrc, control, state, config, ladder);
        return match audio_input {
            None => video.await,
            Some(((audio_src, audio_state), audio_url)) => {
                let audio = renditions::feed_audio(
                    media,
                    &audio_src,
                    control,
                    state,
                    &audio_state,
                    config,
                    &audio_url,
                );
                tokio::try_join!(video, audio).map(|_| ())
            }
        };
    }
    if source.live {
        return Err(PlaybackError::Unsupported(format!(
            "{url}: a live channel must be an HLS playlist"
        )));
    }
    match opened {
        Opened::Ranged {
            head,
            total: Some(total),
        } => {
            appsrc.set_stream_type(gst_app::AppStreamType::RandomAccess);
            appsrc.set_size(total as i64);
            let cache = Arc::new(progressive::RangeCache::new(
                total,
                config.chunk_bytes,
                config.buffer_bytes,
                head,
            ));
            progressive::install_random_access_callbacks(appsrc, state, &cache);
            inputs.start(true)?;
            let result = progressive::fill_range_cache(media, control, state, config, &cache).await;
            if let Err(e) = &result {
                cache.fail(e.clone());
            }
            result
        }
        Opened::Ranged { total: None, .. } => Err(PlaybackError::Unsupported(format!(
            "{url}: the server answered a Range request without the total size"
        ))),
        Opened::Whole {
            head,
            rest,
            content_length,
        } => {
            appsrc.set_stream_type(gst_app::AppStreamType::Stream);
            if let Some(n) = content_length {
                appsrc.set_size(n as i64);
            }
            install_stream_callbacks(appsrc, state);
            inputs.start(false)?;
            push(appsrc, state, head, None)?;
            if let Some(mut body) = rest {
                while let Some(chunk) = body.chunk().await? {
                    state
                        .stats
                        .bytes
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    state.wait_room().await;
                    push(appsrc, state, chunk, None)?;
                }
            }
            finish(appsrc, state);
            Ok(())
        }
    }
}

pub(super) fn push(
    appsrc: &gst_app::AppSrc,
    state: &FeedState,
    data: Bytes,
    offset: Option<u64>,
) -> Result<(), PlaybackError> {
    if state.cancelled.load(Ordering::SeqCst) {
        return Err(PlaybackError::Decode("cancelled".into()));
    }
    let len = data.len() as u64;
    let mut buffer = gst::Buffer::from_slice(data);
    if let Some(off) = offset
        && let Some(b) = buffer.get_mut()
    {
        b.set_offset(off);
        b.set_offset_end(off + len);
    }
    match appsrc.push_buffer(buffer) {
        Ok(_) => {
            state.pushed_bytes.fetch_add(len, Ordering::Relaxed);
            Ok(())
        }
        // Flushing or EOS: the pipeline is going away; the bus thread reports why.
        Err(flow) => Err(PlaybackError::Decode(format!(
            "appsrc refused data: {flow:?}"
        ))),
    }
}

pub(super) fn finish(appsrc: &gst_app::AppSrc, state: &FeedState) {
    let _ = appsrc.end_of_stream();
    state.done.store(true, Ordering::SeqCst);
}

pub(super) fn install_stream_callbacks(appsrc: &gst_app::AppSrc, state: &Arc<FeedState>) {
    let s_need = state.clone();
    let s_enough = state.clone();
    appsrc.set_callbacks(
        gst_app::AppSrcCallbacks::builder()
            .need_data(move |_, _| {
                s_need.full.store(false, Ordering::SeqCst);
                s_need.room.notify_waiters();
            })
            .enough_data(move |_| s_enough.full.store(true, Ordering::SeqCst))
            .build(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preloads_wait_for_the_playing_episode_to_be_ahead() {
        let ahead = PlayingAhead::default();
        let t0 = Instant::now();
        let s = Duration::from_secs;
        assert!(ahead.has_room(t0, PRELOAD_AHEAD), "nothing playing");
        ahead.set(1, t0 + s(3));
        assert!(!ahead.has_room(t0, PRELOAD_AHEAD));
        ahead.set(1, t0 + s(10));
        assert!(ahead.has_room(t0, PRELOAD_AHEAD));
        assert!(
            !ahead.has_room(t0 + s(5), PRELOAD_AHEAD),
            "the buffer drains"
        );
        // A feed that stopped playing does not clear the next one's entry.
        ahead.set(2, t0 + s(1));
        ahead.clear(1);
        assert!(!ahead.has_room(t0, PRELOAD_AHEAD));
        ahead.clear(2);
        assert!(ahead.has_room(t0, PRELOAD_AHEAD), "nothing left to fetch");
    }
}
