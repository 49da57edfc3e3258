//! Feeds one episode's bytes into appsrc.
//!
//! - HLS: playlist(s) first, then the init segment and segments in order,
//!   pushed as whole segments (stream mode), so a failed segment is retried
//!   whole and nothing half-fetched reaches the demuxer.
//! - Progressive with byte ranges: appsrc in random-access (pull) mode so
//!   qtdemux can read a moov at the end; a read-ahead cache of aligned chunks
//!   is filled by range requests and served from `need-data`.
//! - Progressive without byte ranges: the one response streamed as it comes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::Notify;
use url::Url;

use super::PlaybackError;
use super::abr::{self, BandwidthEstimator};
use super::control::Control;
use crate::hls::{self, AudioRendition, ByteSource, MediaPlan, Parsed, SubtitleRendition, Variant};
use crate::net::cmcd::{CmcdData, ObjectType};
use crate::net::{FetchStats, Fetcher, Net, Opened};
use crate::webvtt::{self, Track};

/// How many bytes of the episode URL the first request asks for.
const HEAD_BYTES: usize = 64 << 10;

/// Name of the application message that tells the bus thread the feeder failed.
pub const FEED_ERROR_MESSAGE: &str = "pillarbox-feed-error";
/// Name of the application message that says a subtitle rendition loaded.
pub const SUBTITLES_MESSAGE: &str = "pillarbox-subtitles";

/// A subtitle rendition's cues in media time (0 = the first frame), or why
/// it cannot be shown.
pub type SubtitlesLoaded = Result<Arc<Track>, String>;

/// Bytes of one subtitle rendition, all its segments.
const SUBTITLE_BYTES: usize = 4 << 20;

/// State shared between the feeder task, appsrc callbacks and the bus thread.
#[derive(Default)]
pub struct FeedState {
    pub stats: FetchStats,
    /// Bytes handed to appsrc so far.
    pub pushed_bytes: AtomicU64,
    /// Everything was handed over and EOS signalled.
    pub done: AtomicBool,
    pub error: Mutex<Option<PlaybackError>>,
    /// Bandwidth of the HLS variant played last, and the average over
    /// the segments played, weighted by duration.
    pub variant_bandwidth: AtomicU64,
    pub average_bandwidth: AtomicU64,
    pub variant_switches: AtomicU64,
    /// Playback position, kept current by the monitor (for buffer levels).
    pub position_ms: AtomicU64,
    /// Set on teardown; blocking waits return.
    pub cancelled: AtomicBool,
    /// Language of the HLS audio rendition played, when one was chosen.
    pub audio_language: Mutex<Option<String>>,
    /// The first timestamp of the first video segment (90 kHz), once
    /// pushed: `None` inside when the segments are not MPEG-TS.
    pub init_pts: std::sync::OnceLock<Option<u64>>,
    /// A subtitle rendition loaded (its language and track, or why not),
    /// waiting for the bus thread to report it.
    pub subtitles: Mutex<Option<(SubtitleRendition, SubtitlesLoaded)>>,
    /// Random-access mode: appsrc is blocked waiting for bytes not yet fetched.
    pub waiting: AtomicBool,
    /// Where the bytes pushed start in the episode, ms: the start of the
    /// HLS segment a resumed episode begins with (0 from the beginning).
    pub media_offset_ms: AtomicU64,
    /// What the streams must skip after their first frame to reach the
    /// resume point, ns (decoded, then dropped: the accurate part).
    pub skip_ns: AtomicU64,
    // Stream-mode backpressure: set by enough-data, cleared by need-data.
    full: AtomicBool,
    room: Notify,
}

impl FeedState {
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.room.notify_waiters();
    }

    async fn wait_room(&self) {
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
    fn cmcd(&self, ot: ObjectType) -> CmcdData {
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

/// Holds a preload back once it used its budget, or while the playing
/// episode starves; returns at once for the playing episode.
async fn wait_preload(control: &Control, state: &FeedState, config: &FeedConfig) {
    loop {
        if control.is_active() || state.cancelled.load(Ordering::SeqCst) {
            return;
        }
        let spent = state.stats.bytes.load(Ordering::Relaxed);
        if spent < config.preload_bytes && !config.starving.load(Ordering::SeqCst) {
            return;
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), control.activated.notified()).await;
    }
}

/// Runs the feeder for one episode. On failure, records the error and posts
/// an application message so the bus thread ends the episode.
pub async fn run(
    net: Net,
    url: Url,
    appsrc: gst_app::AppSrc,
    control: Arc<Control>,
    state: Arc<FeedState>,
    config: FeedConfig,
) {
    let result = feed(&net, &url, &appsrc, &control, &state, &config).await;
    if let Err(error) = result {
        if state.cancelled.load(Ordering::SeqCst) {
            return;
        }
        tracing::warn!(%url, %error, "episode feed failed");
        *state.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
        let msg = gst::message::Application::builder(gst::Structure::new_empty(FEED_ERROR_MESSAGE))
            .src(&appsrc)
            .build();
        let _ = appsrc.post_message(msg);
    }
}

/// Links appsrc to the decoder once the scheduling mode is known, then
/// starts the pipeline. decodebin3 (1.22) decides at link time between pull
/// mode and waiting for caps: random access links directly (pull, so qtdemux
/// can read a moov at the end); stream mode goes through typefind, whose caps
/// tell decodebin3 what arrives.
fn start_pipeline(
    control: &Control,
    appsrc: &gst_app::AppSrc,
    random_access: bool,
) -> Result<(), PlaybackError> {
    let fail = |what: String| PlaybackError::Decode(format!("cannot start the pipeline: {what}"));
    let pipeline = control.pipeline();
    let decoder = pipeline
        .by_name("decoder")
        .ok_or_else(|| fail("no decoder".into()))?;
    if random_access {
        appsrc.link(&decoder).map_err(|e| fail(e.to_string()))?;
    } else {
        let typefind = gst::ElementFactory::make("typefind")
            .build()
            .map_err(|e| fail(e.to_string()))?;
        pipeline.add(&typefind).map_err(|e| fail(e.to_string()))?;
        gst::Element::link_many([appsrc.upcast_ref(), &typefind, &decoder])
            .map_err(|e| fail(e.to_string()))?;
        typefind
            .sync_state_with_parent()
            .map_err(|e| fail(e.to_string()))?;
    }
    if control.start() {
        Ok(())
    } else {
        Err(fail("state change refused".into()))
    }
}

async fn feed(
    net: &Net,
    url: &Url,
    appsrc: &gst_app::AppSrc,
    control: &Control,
    state: &Arc<FeedState>,
    config: &FeedConfig,
) -> Result<(), PlaybackError> {
    let fetcher = net.fetcher();
    // Progressive files are read from their start; the streams skip to
    // the resume point after decoding (HLS narrows this to one segment).
    state
        .skip_ns
        .store(config.start.point().as_nanos() as u64, Ordering::SeqCst);
    let opened = fetcher.open(url, HEAD_BYTES, &state.stats).await?;
    let (head, complete) = match &opened {
        Opened::Ranged { head, total } => (head, *total == Some(head.len() as u64)),
        Opened::Whole { head, rest, .. } => (head, rest.is_none()),
    };
    if hls::looks_like_playlist(head) {
        let text = if complete {
            head.clone()
        } else {
            drop(opened);
            fetcher
                .get(
                    "playlist",
                    url,
                    None,
                    fetcher.limits().playlist_bytes,
                    &state.stats,
                )
                .await?
        };
        let (ladder, audio, subtitles) = load_ladder(url, &text, fetcher.policy(), config)?;
        if let Some(rendition) = subtitles {
            // On its own: subtitles never hold the picture back, and a
            // failure leaves the episode playing.
            net.spawn(feed_subtitles(
                net.clone(),
                rendition,
                appsrc.clone(),
                state.clone(),
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
            Some(audio_url) => Some((add_audio_input(control, config)?, audio_url)),
            None => None,
        };
        start_pipeline(control, appsrc, false)?;
        let video = feed_hls(fetcher, appsrc, control, state, config, ladder);
        return match audio_input {
            None => video.await,
            Some(((audio_src, audio_state), audio_url)) => {
                let audio = feed_audio(
                    fetcher,
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
    match opened {
        Opened::Ranged {
            head,
            total: Some(total),
        } => {
            appsrc.set_stream_type(gst_app::AppStreamType::RandomAccess);
            appsrc.set_size(total as i64);
            let cache = Arc::new(RangeCache::new(
                total,
                config.chunk_bytes,
                config.buffer_bytes,
                head,
            ));
            install_random_access_callbacks(appsrc, state, &cache);
            start_pipeline(control, appsrc, true)?;
            let result = fill_range_cache(fetcher, url, control, state, config, &cache).await;
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
            start_pipeline(control, appsrc, false)?;
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

/// The renditions an HLS episode can play from, lowest bandwidth first.
struct Rendition {
    variant: Option<Variant>,
    plan: Option<MediaPlan>,
}

/// The video ladder, and the audio and subtitle renditions to play with
/// it, if the master playlist has them.
fn load_ladder(
    url: &Url,
    text: &[u8],
    policy: &crate::net::UrlPolicy,
    config: &FeedConfig,
) -> Result<Ladder, PlaybackError> {
    Ok(match hls::parse(text, url, policy)? {
        Parsed::Media(plan) => (
            vec![Rendition {
                variant: None,
                plan: Some(plan),
            }],
            None,
            None,
        ),
        Parsed::Master {
            mut variants,
            audio,
            subtitles,
        } => {
            variants.sort_by_key(|v| v.bandwidth);
            // --max-bitrate caps the ladder; the lowest rung always stays.
            if let Some(max) = config.max_bitrate {
                let keep = variants
                    .iter()
                    .filter(|v| v.bandwidth <= max)
                    .count()
                    .max(1);
                variants.truncate(keep);
            }
            // Variants of one episode share their audio group (a ladder that
            // changes audio with the bitrate is not supported: its first
            // rung's group is kept).
            let group = variants.first().and_then(|v| v.audio_group.clone());
            let chosen = choose_audio(&audio, group.as_deref(), config.audio_language.as_deref());
            let subtitle_group = variants.first().and_then(|v| v.subtitle_group.clone());
            let subtitles = choose_subtitles(
                &subtitles,
                subtitle_group.as_deref(),
                config.subtitle_language.as_deref(),
                chosen.and_then(|a| a.language.as_deref()),
            );
            (
                variants
                    .into_iter()
                    .map(|v| Rendition {
                        variant: Some(v),
                        plan: None,
                    })
                    .collect(),
                chosen.cloned(),
                subtitles.cloned(),
            )
        }
    })
}

type Ladder = (
    Vec<Rendition>,
    Option<AudioRendition>,
    Option<SubtitleRendition>,
);

/// The subtitle rendition of `group` in `lang`: forced ones only when the
/// audio played is in that language, the others otherwise.
fn choose_subtitles<'a>(
    renditions: &'a [SubtitleRendition],
    group: Option<&str>,
    lang: Option<&str>,
    audio_language: Option<&str>,
) -> Option<&'a SubtitleRendition> {
    let (group, lang) = (group?, lang?);
    let understood = audio_language.is_some_and(|a| crate::language::same_language(a, lang));
    let wanted = renditions
        .iter()
        .filter(|r| r.group == group && r.forced == understood);
    crate::language::best_match(wanted, |r| r.language.as_deref(), lang)
}

/// Loads a subtitle rendition: its playlist, then every WebVTT segment
/// (within [`SUBTITLE_BYTES`]), cues moved to media time by their
/// `X-TIMESTAMP-MAP` against the video's first timestamp, then hands the
/// track to the bus thread.
async fn feed_subtitles(
    net: Net,
    rendition: SubtitleRendition,
    appsrc: gst_app::AppSrc,
    state: Arc<FeedState>,
) {
    let loaded = load_subtitles(&net, &rendition, &state).await;
    if state.cancelled.load(Ordering::SeqCst) {
        return;
    }
    if let Err(why) = &loaded {
        tracing::warn!(url = %rendition.url, error = %why, "subtitle rendition not shown");
    }
    *state.subtitles.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((rendition, loaded.map(Arc::new)));
    let msg = gst::message::Application::builder(gst::Structure::new_empty(SUBTITLES_MESSAGE))
        .src(&appsrc)
        .build();
    let _ = appsrc.post_message(msg);
}

async fn load_subtitles(
    net: &Net,
    rendition: &SubtitleRendition,
    state: &FeedState,
) -> Result<Track, String> {
    let fetcher = net.fetcher();
    let stats = FetchStats::default();
    let text = fetcher
        .get(
            "subtitle playlist",
            &rendition.url,
            None,
            fetcher.limits().playlist_bytes,
            &stats,
        )
        .await
        .map_err(|e| e.to_string())?;
    let plan =
        match hls::parse(&text, &rendition.url, fetcher.policy()).map_err(|e| e.to_string())? {
            Parsed::Media(plan) => plan,
            Parsed::Master { .. } => return Err("a subtitle rendition is a master playlist".into()),
        };
    // The video's first timestamp, which the segments' maps count against.
    let init_pts = loop {
        if state.cancelled.load(Ordering::SeqCst) {
            return Err("cancelled".into());
        }
        if let Some(pts) = state.init_pts.get() {
            break *pts;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut track = Track::default();
    let mut total = 0usize;
    for (i, seg) in plan.segments.iter().enumerate() {
        let what = format!("subtitle segment {} of {}", i + 1, plan.segments.len());
        let bytes = fetcher
            .get(
                &what,
                &seg.source.url,
                seg.source.range,
                SUBTITLE_BYTES,
                &stats,
            )
            .await
            .map_err(|e| e.to_string())?;
        total += bytes.len();
        if total > SUBTITLE_BYTES {
            return Err(format!("more than {SUBTITLE_BYTES} bytes of subtitles"));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| format!("{what}: not UTF-8"))?;
        let part = webvtt::parse(text).map_err(|e| format!("{what}: {e}"))?;
        // Cue time `local` is MPEG-TS time `mpegts`; media time 0 is the
        // video's first timestamp. Without a map, cue time is media time.
        // A resumed episode's first segment is not the episode's: its
        // zero is that much before the first timestamp fed.
        let offset = Duration::from_millis(state.media_offset_ms.load(Ordering::SeqCst));
        let (ahead, behind) = match (part.timestamp_map, init_pts) {
            (Some(map), Some(init)) => {
                let ts = Duration::from_micros(map.mpegts.saturating_mul(100) / 9);
                let first =
                    Duration::from_micros(init.saturating_mul(100) / 9).saturating_sub(offset);
                (
                    ts.saturating_sub(first),
                    map.local + first.saturating_sub(ts),
                )
            }
            (Some(map), None) => (Duration::ZERO, map.local),
            (None, _) => (Duration::ZERO, Duration::ZERO),
        };
        for mut cue in part.cues {
            cue.start = (cue.start + ahead).saturating_sub(behind);
            cue.end = (cue.end + ahead).saturating_sub(behind);
            // A cue repeated in the next segment is one cue.
            let repeat = track
                .cues
                .iter()
                .rev()
                .take(8)
                .any(|c| c.start == cue.start && c.lines == cue.lines);
            if cue.end > cue.start && !repeat && track.cues.len() < webvtt::MAX_CUES {
                track.cues.push(cue);
            }
        }
        track.skipped += part.skipped;
    }
    track.cues.sort_by_key(|c| c.start);
    Ok(track)
}

/// The rendition of `group` in the `preferred` language (`es` finds
/// `es-MX`), else the group's DEFAULT, else its first.
fn choose_audio<'a>(
    renditions: &'a [AudioRendition],
    group: Option<&str>,
    preferred: Option<&str>,
) -> Option<&'a AudioRendition> {
    let group = group?;
    let in_group = renditions.iter().filter(|r| r.group == group);
    preferred
        .and_then(|lang| {
            crate::language::best_match(in_group.clone(), |r| r.language.as_deref(), lang)
        })
        .or_else(|| in_group.clone().find(|r| r.default))
        .or_else(|| in_group.clone().next())
}

/// A second input into decodebin3 for an audio rendition with its own
/// playlist: `appsrc ! typefind ! decodebin3.sink_%u`, with its own
/// backpressure. Added while the pipeline is still in READY.
fn add_audio_input(
    control: &Control,
    config: &FeedConfig,
) -> Result<(gst_app::AppSrc, Arc<FeedState>), PlaybackError> {
    let fail =
        |what: String| PlaybackError::Decode(format!("cannot add the audio rendition: {what}"));
    let pipeline = control.pipeline();
    let decoder = pipeline
        .by_name("decoder")
        .ok_or_else(|| fail("no decoder".into()))?;
    let src = gst_app::AppSrc::builder()
        .name("audio-src")
        .format(gst::Format::Bytes)
        .stream_type(gst_app::AppStreamType::Stream)
        .max_bytes((config.buffer_bytes / 4).max(1 << 20))
        .block(false)
        .build();
    let typefind = gst::ElementFactory::make("typefind")
        .name("audio-typefind")
        .build()
        .map_err(|e| fail(e.to_string()))?;
    pipeline
        .add_many([src.upcast_ref(), &typefind])
        .map_err(|e| fail(e.to_string()))?;
    src.link(&typefind).map_err(|e| fail(e.to_string()))?;
    let sink = decoder
        .request_pad_simple("sink_%u")
        .ok_or_else(|| fail("decodebin3 gave no input pad".into()))?;
    typefind
        .static_pad("src")
        .ok_or_else(|| fail("typefind has no src pad".into()))?
        .link(&sink)
        .map_err(|e| fail(e.to_string()))?;
    let state = Arc::new(FeedState::default());
    install_stream_callbacks(&src, &state);
    for e in [src.upcast_ref::<gst::Element>(), &typefind] {
        e.sync_state_with_parent()
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok((src, state))
}

/// Feeds an audio rendition's segments, in order, into its own input. Its
/// bytes count towards the episode's (`state`) preload budget.
async fn feed_audio(
    fetcher: &Fetcher,
    appsrc: &gst_app::AppSrc,
    control: &Control,
    state: &FeedState,
    audio_state: &FeedState,
    config: &FeedConfig,
    url: &Url,
) -> Result<(), PlaybackError> {
    let text = fetcher
        .get(
            "audio playlist",
            url,
            None,
            fetcher.limits().playlist_bytes,
            &state.stats,
        )
        .await?;
    let plan = match hls::parse(&text, url, fetcher.policy())? {
        Parsed::Media(plan) => plan,
        Parsed::Master { .. } => {
            return Err(PlaybackError::Malformed {
                url: url.to_string(),
                reason: "an audio rendition is itself a master playlist".into(),
            });
        }
    };
    let max = fetcher.limits().segment_bytes;
    // The video's first segment goes in first: decodebin3 (1.22) can miss
    // the video stream when the second input's collection comes first.
    while state.pushed_bytes.load(Ordering::SeqCst) == 0 {
        if state.cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // A resumed episode: the audio segment where the video's first one
    // starts (renditions are cut at the same times).
    let offset = Duration::from_millis(state.media_offset_ms.load(Ordering::SeqCst));
    let first = segment_at(&plan, offset).0;
    let mut current_init: Option<ByteSource> = None;
    for (i, seg) in plan.segments.iter().enumerate().skip(first) {
        let init = seg.init.map(|k| plan.inits[k].clone());
        if let Some(src) = init.as_ref().filter(|_| init != current_init) {
            let data = fetcher
                .get("audio init segment", &src.url, src.range, max, &state.stats)
                .await?;
            audio_state.wait_room().await;
            push(appsrc, audio_state, data, None)?;
            current_init = init;
        }
        if i > first {
            wait_preload(control, state, config).await;
        }
        let what = format!("audio segment {} of {}", i + 1, plan.segments.len());
        let data = fetcher
            .get(&what, &seg.source.url, seg.source.range, max, &state.stats)
            .await?;
        audio_state.wait_room().await;
        if state.cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        push(appsrc, audio_state, data, None)?;
    }
    finish(appsrc, audio_state);
    Ok(())
}

async fn load_plan(
    fetcher: &Fetcher,
    state: &FeedState,
    rendition: &mut Rendition,
) -> Result<(), PlaybackError> {
    if rendition.plan.is_some() {
        return Ok(());
    }
    let Some(variant) = &rendition.variant else {
        return Ok(());
    };
    let text = fetcher
        .get(
            "variant playlist",
            &variant.url,
            None,
            fetcher.limits().playlist_bytes,
            &state.stats,
        )
        .await?;
    match hls::parse(&text, &variant.url, fetcher.policy())? {
        Parsed::Media(plan) => {
            rendition.plan = Some(plan);
            Ok(())
        }
        Parsed::Master { .. } => Err(PlaybackError::Malformed {
            url: variant.url.to_string(),
            reason: "a variant of a master playlist is itself a master playlist".into(),
        }),
    }
}

/// The segment of `plan` that holds `at` (the last one that starts at or
/// before it; the last segment past the end), and where it starts.
fn segment_at(plan: &MediaPlan, at: Duration) -> (usize, Duration) {
    let mut start = Duration::ZERO;
    for (i, seg) in plan.segments.iter().enumerate() {
        let end = start + seg.duration;
        // A millisecond of slack: EXTINF sums are not exact.
        if at + Duration::from_millis(1) < end || i + 1 == plan.segments.len() {
            return (i, start);
        }
        start = end;
    }
    (0, Duration::ZERO)
}

/// Index of the segment of `plan` that continues playback at `at` seconds
/// (segment `index` of the rendition played so far, when counts match:
/// aligned ladders, the norm).
fn next_segment(plan: &MediaPlan, index: usize, at: f64, aligned: bool) -> Option<usize> {
    if aligned {
        return (index < plan.segments.len()).then_some(index);
    }
    let mut start = 0.0;
    for (i, seg) in plan.segments.iter().enumerate() {
        let d = seg.duration.as_secs_f64();
        if start + d / 2.0 > at {
            return Some(i);
        }
        start += d;
    }
    None
}

async fn feed_hls(
    fetcher: &Fetcher,
    appsrc: &gst_app::AppSrc,
    control: &Control,
    state: &FeedState,
    config: &FeedConfig,
    mut ladder: Vec<Rendition>,
) -> Result<(), PlaybackError> {
    let max = fetcher.limits().segment_bytes;
    let bandwidths: Vec<u64> = ladder
        .iter()
        .map(|r| r.variant.as_ref().map_or(0, |v| v.bandwidth))
        .collect();
    let mut current: Option<usize> = None;
    let mut current_init: Option<ByteSource> = None;
    let mut index = 0usize;
    let mut at = 0.0f64;
    let mut weighted_bits = 0.0f64;
    // The first segment fed: 0, or the one a resumed episode starts in.
    let mut first: Option<usize> = None;
    loop {
        let buffered = Duration::from_secs_f64(
            (at - state.position_ms.load(Ordering::Relaxed) as f64 / 1000.0).max(0.0),
        );
        let estimate = config.bandwidth.lock().map(|e| e.estimate()).unwrap_or(0);
        let pick = abr::choose(
            &bandwidths,
            estimate,
            current,
            buffered,
            config.min_buffer_up,
        );
        load_plan(fetcher, state, &mut ladder[pick]).await?;
        let counts: Vec<Option<usize>> = ladder
            .iter()
            .map(|r| r.plan.as_ref().map(|p| p.segments.len()))
            .collect();
        let aligned = counts.iter().flatten().all(|&n| Some(n) == counts[pick]);
        let Some(plan) = ladder[pick].plan.as_ref() else {
            break;
        };
        if first.is_none() {
            let (k, offset) = segment_at(plan, config.start.point());
            let skip = match config.start {
                super::Start::At(t) => t.saturating_sub(offset),
                super::Start::Beginning | super::Start::Near(_) => Duration::ZERO,
            };
            state
                .media_offset_ms
                .store(offset.as_millis() as u64, Ordering::SeqCst);
            state
                .skip_ns
                .store(skip.as_nanos() as u64, Ordering::SeqCst);
            if k > 0 {
                tracing::info!(segment = k, ?offset, ?skip, "resuming");
            }
            (index, at) = (k, offset.as_secs_f64());
            first = Some(k);
        }
        let first = first.unwrap_or(0);
        let Some(i) = next_segment(plan, index, at, aligned) else {
            break;
        };
        if current.is_some_and(|c| c != pick) {
            state.variant_switches.fetch_add(1, Ordering::Relaxed);
            tracing::info!(from = ?current.map(|c| bandwidths[c]), to = bandwidths[pick], estimate, "variant switch");
        }
        current = Some(pick);
        if bandwidths[pick] > 0 {
            state
                .variant_bandwidth
                .store(bandwidths[pick], Ordering::Relaxed);
        }
        let seg = &plan.segments[i];
        let init = seg.init.map(|k| plan.inits[k].clone());
        if init.is_some() && init != current_init {
            let src = init.as_ref().map(|s| (s.url.clone(), s.range));
            if let Some((init_url, range)) = src {
                let cmcd = CmcdData {
                    sf: Some('h'),
                    su: index == first,
                    ..config.cmcd(ObjectType::Init)
                };
                let data = fetcher
                    .get_with_cmcd(
                        "init segment",
                        &init_url,
                        range,
                        max,
                        &state.stats,
                        Some(&cmcd),
                    )
                    .await?;
                state.wait_room().await;
                push(appsrc, state, data, None)?;
            }
            current_init = init;
        }
        if index > first {
            // A preload always gets its first segment, enough to preroll.
            wait_preload(control, state, config).await;
        }
        let what = format!("segment {} of {}", i + 1, plan.segments.len());
        let cmcd = CmcdData {
            br: (bandwidths[pick] > 0).then(|| bandwidths[pick] / 1000),
            bl: Some(buffered.as_millis() as u64),
            d: Some(seg.duration.as_millis() as u64),
            sf: Some('h'),
            su: index == first || config.starving.load(Ordering::Relaxed),
            ..config.cmcd(ObjectType::AudioVideo)
        };
        let started = Instant::now();
        let data = fetcher
            .get_with_cmcd(
                &what,
                &seg.source.url,
                seg.source.range,
                max,
                &state.stats,
                Some(&cmcd),
            )
            .await?;
        if let Ok(mut e) = config.bandwidth.lock() {
            e.sample(data.len() as u64, started.elapsed());
        }
        if index == first {
            // What subtitle segments' X-TIMESTAMP-MAP count against.
            let _ = state.init_pts.set(hls::ts_first_pts(&data));
        }
        state.wait_room().await;
        push(appsrc, state, data, None)?;
        let d = seg.duration.as_secs_f64();
        weighted_bits += bandwidths[pick] as f64 * d;
        at = if aligned {
            at + d
        } else {
            plan.segments[..=i]
                .iter()
                .map(|s| s.duration.as_secs_f64())
                .sum()
        };
        if at > 0.0 && bandwidths[pick] > 0 {
            state
                .average_bandwidth
                .store((weighted_bits / at) as u64, Ordering::Relaxed);
        }
        index = i + 1;
    }
    finish(appsrc, state);
    Ok(())
}

fn push(
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

fn finish(appsrc: &gst_app::AppSrc, state: &FeedState) {
    let _ = appsrc.end_of_stream();
    state.done.store(true, Ordering::SeqCst);
}

fn install_stream_callbacks(appsrc: &gst_app::AppSrc, state: &Arc<FeedState>) {
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

/// Aligned chunks of a progressive file, filled ahead of the read position.
struct RangeCache {
    total: u64,
    chunk: u64,
    /// How many chunks ahead of the reader to keep.
    ahead: u64,
    inner: Mutex<CacheInner>,
    changed: Condvar,
    wake_fetcher: Notify,
}

struct CacheInner {
    chunks: BTreeMap<u64, Bytes>,
    /// Where appsrc reads next.
    read_pos: u64,
    error: Option<PlaybackError>,
}

impl RangeCache {
    fn new(total: u64, chunk: u64, budget: u64, head: Bytes) -> RangeCache {
        let chunk = chunk.max(64 << 10);
        let mut chunks = BTreeMap::new();
        // The head request doubles as the first chunk when it covers it.
        if head.len() as u64 >= chunk.min(total) {
            chunks.insert(0, head.slice(..chunk.min(total) as usize));
        }
        RangeCache {
            total,
            chunk,
            ahead: (budget / chunk).max(2),
            inner: Mutex::new(CacheInner {
                chunks,
                read_pos: 0,
                error: None,
            }),
            changed: Condvar::new(),
            wake_fetcher: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fail(&self, e: PlaybackError) {
        self.lock().error = Some(e);
        self.changed.notify_all();
    }

    /// The next chunk index the fetcher should get, if any, evicting chunks
    /// behind the reader so memory stays within budget.
    fn next_missing(&self) -> Option<u64> {
        let mut inner = self.lock();
        let first = inner.read_pos / self.chunk;
        let last_chunk = (self.total.saturating_sub(1)) / self.chunk;
        // Keep the chunk before the reader: demuxers step back a little.
        inner
            .chunks
            .retain(|&k, _| k + 1 >= first && k <= first + self.ahead);
        (first..=(first + self.ahead).min(last_chunk)).find(|k| !inner.chunks.contains_key(k))
    }

    /// Blocks the streaming thread until bytes at the read position arrive.
    fn read(&self, state: &FeedState, max_len: u64) -> Option<(u64, Bytes)> {
        let mut inner = self.lock();
        loop {
            let pos = inner.read_pos;
            if state.cancelled.load(Ordering::SeqCst) || inner.error.is_some() || pos >= self.total
            {
                state.waiting.store(false, Ordering::SeqCst);
                return None;
            }
            let k = pos / self.chunk;
            if let Some(data) = inner.chunks.get(&k) {
                let start = (pos - k * self.chunk) as usize;
                let end = (start as u64 + max_len).min(data.len() as u64) as usize;
                let slice = data.slice(start..end);
                inner.read_pos += slice.len() as u64;
                drop(inner);
                state.waiting.store(false, Ordering::SeqCst);
                self.wake_fetcher.notify_one();
                return Some((pos, slice));
            }
            state.waiting.store(true, Ordering::SeqCst);
            self.wake_fetcher.notify_one();
            inner = self
                .changed
                .wait_timeout(inner, Duration::from_millis(100))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

fn install_random_access_callbacks(
    appsrc: &gst_app::AppSrc,
    state: &Arc<FeedState>,
    cache: &Arc<RangeCache>,
) {
    let (c_seek, c_need, s_need) = (cache.clone(), cache.clone(), state.clone());
    appsrc.set_callbacks(
        gst_app::AppSrcCallbacks::builder()
            .seek_data(move |_, offset| {
                c_seek.lock().read_pos = offset;
                c_seek.wake_fetcher.notify_one();
                offset <= c_seek.total
            })
            .need_data(move |src, len| {
                let len = if len == 0 { 4096 } else { len as u64 };
                match c_need.read(&s_need, len) {
                    Some((offset, data)) => {
                        let _ = push(src, &s_need, data, Some(offset));
                    }
                    None => {
                        let at_end = c_need.lock().read_pos >= c_need.total;
                        if at_end {
                            let _ = src.end_of_stream();
                            s_need.done.store(true, Ordering::SeqCst);
                        }
                    }
                }
            })
            .build(),
    );
}

async fn fill_range_cache(
    fetcher: &Fetcher,
    url: &Url,
    control: &Control,
    state: &FeedState,
    config: &FeedConfig,
    cache: &RangeCache,
) -> Result<(), PlaybackError> {
    let max = fetcher.limits().segment_bytes;
    loop {
        wait_preload(control, state, config).await;
        if state.cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        let Some(k) = cache.next_missing() else {
            // Nothing to fetch until the reader moves or seeks.
            let _ = tokio::time::timeout(Duration::from_millis(200), cache.wake_fetcher.notified())
                .await;
            continue;
        };
        let offset = k * cache.chunk;
        let len = cache.chunk.min(cache.total - offset);
        let what = format!("bytes {}-{}", offset, offset + len - 1);
        let cmcd = CmcdData {
            su: state.waiting.load(Ordering::SeqCst),
            ..config.cmcd(ObjectType::AudioVideo)
        };
        let data = fetcher
            .get_with_cmcd(
                &what,
                url,
                Some((offset, len)),
                max,
                &state.stats,
                Some(&cmcd),
            )
            .await?;
        cache.lock().chunks.insert(k, data);
        cache.changed.notify_all();
    }
}
