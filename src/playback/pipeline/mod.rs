//! One episode's GStreamer pipeline: `appsrc ! decodebin3`, then per
//! decoded stream a branch ([`branches`]): video scaled and converted to
//! RGBA for the [`FrameSink`] (or GL textures on the GL path), audio to the
//! speakers (or discarded), anything else to a fakesink. A monitor thread
//! ([`monitor`]) watches the bus and the feeder, reports events, measures
//! QoE and pauses the pipeline while it starves for data (a rebuffer).
//! The pipeline builds every element; the feeder only pushes bytes.
//!
//! An episode starts either playing, or as a preload: fetching within a
//! byte budget and prerolled (first frame decoded, held by the sink), so
//! that activating it shows that frame at once. A preload has no id until
//! the play that activates it gives it one.

mod branches;
pub mod frames;
mod monitor;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use url::Url;

use super::abr::BandwidthEstimator;
use super::containment;
use super::control::Control;
use super::feeder::source::{Access, Source};
use super::feeder::{self, FeedConfig, FeedEvent, FeedState, Inputs, PlayingAhead};
use super::{FrameSink, PlaybackError, PlayerConfig, ReportSink};
use crate::episode::EpisodeId;
use crate::net::Net;
use frames::Frames;

/// The id an episode runs under: set when it starts for the viewer, or
/// when the play that activates a preload gives it one (0 until then).
/// Read by every event and frame it sends.
#[derive(Default)]
pub struct Identity(AtomicU64);

impl Identity {
    pub fn get(&self) -> EpisodeId {
        EpisodeId(self.0.load(Ordering::SeqCst))
    }

    fn set(&self, id: EpisodeId) {
        self.0.store(id.0, Ordering::SeqCst);
    }
}

/// What every episode of one player shares.
#[derive(Clone)]
pub struct EpisodeDeps {
    pub net: Net,
    pub frames_out: Arc<dyn FrameSink>,
    pub reports: Arc<dyn ReportSink>,
    /// Raised while the playing episode rebuffers; preloads hold back.
    pub starving: Arc<AtomicBool>,
    /// How far ahead the playing episode's download is; preloads keep off
    /// the link while it is short.
    pub playing_ahead: Arc<PlayingAhead>,
    /// Episodes of this player not yet torn down (leak checks).
    pub live: Arc<AtomicUsize>,
    /// Throughput estimate carried from episode to episode.
    pub bandwidth: Arc<Mutex<BandwidthEstimator>>,
    /// CMCD session id: one per player.
    pub cmcd_session: String,
}

pub struct Episode {
    pub identity: Arc<Identity>,
    /// Where its bytes come from: replaced when its grant is refreshed.
    access: Arc<Access>,
    live: Arc<AtomicUsize>,
    pipeline: gst::Pipeline,
    control: Arc<Control>,
    frames: Arc<Frames>,
    feed: Arc<FeedState>,
    feed_task: tokio::task::JoinHandle<()>,
    monitor: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Episode {
    /// Starts `source` from `start` (a resume point): playing under `id`,
    /// or as a preload when there is none yet.
    pub fn start(
        id: Option<EpisodeId>,
        source: Source,
        start: super::Start,
        config: &PlayerConfig,
        deps: EpisodeDeps,
        origin: Instant,
    ) -> Result<Episode, PlaybackError> {
        let EpisodeDeps {
            net,
            frames_out,
            reports,
            starving,
            playing_ahead,
            live,
            bandwidth,
            cmcd_session,
        } = deps;
        let identity = Arc::new(Identity::default());
        if let Some(id) = id {
            identity.set(id);
        }
        let preload = id.is_none();
        let url = source.url.clone();
        let access = Arc::new(Access::new(source));
        let pipeline = gst::Pipeline::with_name(&format!("episode-{}", fastrand::u32(..)));
        gst::info!(
            super::CAT,
            obj = &pipeline,
            "episode {id:?}: {url} (preload: {preload})"
        );
        let appsrc = gst_app::AppSrc::builder()
            .name("src")
            .format(gst::Format::Bytes)
            .max_bytes(config.buffer_bytes)
            .block(false)
            .build();
        let decodebin = make("decodebin3")?;
        decodebin.set_property("name", "decoder");
        pipeline
            .add_many([appsrc.upcast_ref(), &decodebin])
            .map_err(|e| PlaybackError::Decode(e.to_string()))?;
        // appsrc is linked (Inputs::start) once the feeder knows the
        // scheduling mode.
        let frames = Arc::new(Frames::new(origin));
        let feed = Arc::new(FeedState::default());
        let (events_tx, events_rx) = std::sync::mpsc::channel::<FeedEvent>();
        {
            let (frames, feed, events) = (frames.clone(), feed.clone(), events_tx.clone());
            let url = url.clone();
            pipeline.connect_deep_element_added(move |_, _, element| {
                tune_decoder(element);
                if start != super::Start::Beginning {
                    skip_to_start(element, &feed, &frames);
                }
                watch_video_parser(element, &frames);
                let (events, url) = (events.clone(), url.clone());
                containment::guard_typefind(element, move |found| {
                    tracing::warn!(%url, found, "refused: not a media type pillarbox plays");
                    let _ = events.send(FeedEvent::Failed(PlaybackError::Unsupported(format!(
                        "{url}: the stream is {found}, not media pillarbox plays (MP4 or MPEG-TS, plain or in HLS)"
                    ))));
                });
            });
        }
        let control = Arc::new(Control::new(pipeline.clone(), !preload, frames.clone()));
        let branch = branches::Branches {
            config: branches::BranchConfig {
                video_size: config.video_size,
                wide_size: config.wide_size,
                audio: config.audio,
                fast: config.fast,
                gl: config.gl.as_ref().and_then(|g| g.get()).cloned(),
                duck: config.duck.clone(),
            },
            identity: identity.clone(),
            frames: frames.clone(),
            frames_out,
            reports: reports.clone(),
        };
        {
            let pipeline_weak = pipeline.downgrade();
            let events = events_tx.clone();
            decodebin.connect_pad_added(move |_, pad| {
                // Inputs requested for audio renditions are pads added too.
                if pad.direction() != gst::PadDirection::Src {
                    return;
                }
                let Some(pipeline) = pipeline_weak.upgrade() else {
                    return;
                };
                if let Err(e) = branch.link(&pipeline, pad) {
                    tracing::error!(error = %e, "cannot link decoded stream");
                    let _ = events.send(FeedEvent::Failed(e));
                }
            });
        }
        pipeline
            .set_state(gst::State::Ready)
            .map_err(|_| PlaybackError::Decode("the pipeline cannot start".into()))?;

        let inputs = Arc::new(PipelineInputs {
            control: control.clone(),
            appsrc: appsrc.clone(),
        });
        let feed_task = net.spawn(feeder::run(feeder::Feed {
            net: net.clone(),
            access: access.clone(),
            appsrc: appsrc.clone(),
            inputs,
            control: control.clone(),
            state: feed.clone(),
            config: FeedConfig {
                max_bitrate: config.max_bitrate,
                chunk_bytes: config.chunk_bytes,
                buffer_bytes: config.buffer_bytes,
                preload_bytes: config.preload_bytes,
                starving: starving.clone(),
                playing_ahead,
                bandwidth,
                min_buffer_up: config.min_buffer_up,
                cmcd_session,
                cmcd_content: content_id(&url),
                audio_language: config.audio_language.clone(),
                subtitle_language: config.subtitle_language.clone(),
                start,
            },
            events: events_tx,
        }));
        live.fetch_add(1, Ordering::SeqCst);

        let stop = Arc::new(AtomicBool::new(false));
        let monitor = monitor::Monitor {
            identity: identity.clone(),
            pipeline: pipeline.clone(),
            appsrc,
            feed: feed.clone(),
            feed_events: events_rx,
            frames: frames.clone(),
            control: control.clone(),
            reports,
            starving,
            stop: stop.clone(),
            fast: config.fast,
            stall_threshold: config.stall_threshold,
            position_interval: config.position_interval,
            resume_bytes: config.chunk_bytes.min(1 << 20),
        };
        let monitor = std::thread::Builder::new()
            .name("pillarbox-episode".into())
            .spawn(move || monitor.run())
            .map_err(|e| PlaybackError::Decode(format!("cannot start monitor thread: {e}")))?;

        Ok(Episode {
            identity,
            access,
            live,
            pipeline,
            control,
            frames,
            feed,
            feed_task,
            monitor: Some(monitor),
            stop,
        })
    }

    pub fn id(&self) -> EpisodeId {
        self.identity.get()
    }

    /// Requests from now on go to `source` (a refreshed grant's URLs for
    /// the same media); playlists are fetched again from its URL.
    pub fn refresh(&self, source: Source) {
        self.access.source.replace(source);
    }

    /// Starts showing a preloaded episode under `id`: at once from its
    /// preroll. `previous_end` is when the previous episode's last frame
    /// stopped being shown, for the switch gap. False if the preload had
    /// failed.
    /// Whether this preload failed for good before it was activated.
    pub fn failed(&self) -> bool {
        self.control.failed()
    }

    pub fn activate(
        &self,
        id: EpisodeId,
        requested_at: Instant,
        previous_end: Option<Instant>,
    ) -> bool {
        self.identity.set(id);
        {
            let mut s = self.frames.lock();
            s.requested_ns = self.frames.since_origin(requested_at);
            s.previous_end = previous_end;
        }
        self.control.activate()
    }

    /// For an episode started playing (not preloaded).
    pub fn set_previous_end(&self, previous_end: Option<Instant>) {
        self.frames.lock().previous_end = previous_end;
    }

    pub fn set_paused(&self, paused: bool) {
        self.control.set_paused(paused);
    }

    /// When this episode's latest frame stops being shown.
    pub fn last_frame_end(&self) -> Option<Instant> {
        self.frames.last_frame_end()
    }

    /// Where the episode is, and its duration once known.
    pub fn position(&self) -> Option<(std::time::Duration, Option<std::time::Duration>)> {
        let position = self.pipeline.query_position::<gst::ClockTime>()?;
        let duration = self.pipeline.query_duration::<gst::ClockTime>();
        Some((position.into(), duration.map(Into::into)))
    }

    /// A live broadcast's time at `position` (its playlist's
    /// EXT-X-PROGRAM-DATE-TIME), when the playlist dates its segments.
    pub fn on_air(&self, position: std::time::Duration) -> Option<chrono::DateTime<chrono::Utc>> {
        self.feed.on_air.lock().ok()?.at(position)
    }
}

impl Drop for Episode {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.feed.cancel();
        self.feed_task.abort();
        if let Some(t) = self.monitor.take() {
            let _ = t.join();
        }
        let _ = self.pipeline.set_state(gst::State::Null);
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

/// libav's frame threading holds decoded frames back by one per thread and
/// releases the last ones only when the decoder drains at EOS: the last
/// frame of an episode then comes late, and the next episode with it. Slice
/// threading outputs every frame as soon as it is decoded.
fn tune_decoder(element: &gst::Element) {
    let Some(factory) = element.factory() else {
        return;
    };
    if factory.name().starts_with("avdec_") && element.has_property("thread-type") {
        element.set_property_from_str("thread-type", "slice");
    }
    // gst-libav 1.22's direct rendering rebuilds its buffer pool on every
    // frame when the coded size is not the shown one (1080 wide is coded
    // 1088): a fresh 3 MB buffer a frame, five times the page faults and
    // about a tenth more CPU. libav's own buffers are reused; the copy out
    // of them happens either way.
    if factory.name().starts_with("avdec_") && element.has_property("direct-rendering") {
        element.set_property("direct-rendering", false);
    }
}

/// Tracks what the video parser lets through: decodebin3 (1.22) holds a
/// stream's EOS until every stream ended, so the end of the picture would
/// otherwise wait for the audio tail.
fn watch_video_parser(element: &gst::Element, frames: &Arc<Frames>) {
    let Some(factory) = element.factory() else {
        return;
    };
    let klass = factory.klass();
    if !(klass.contains("Parser") && klass.contains("Video")) {
        return;
    }
    let Some(src) = element.static_pad("src") else {
        return;
    };
    let frames = frames.clone();
    src.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |_, info| {
            match &info.data {
                Some(gst::PadProbeData::Buffer(b)) => {
                    if let Some(pts) = b.pts() {
                        let mut s = frames.lock();
                        s.parsed_video_max_pts_ns = s.parsed_video_max_pts_ns.max(pts.nseconds());
                    }
                }
                Some(gst::PadProbeData::Event(e)) if e.type_() == gst::EventType::Eos => {
                    frames.lock().parsed_video_complete = true;
                }
                _ => {}
            }
            gst::PadProbeReturn::Ok
        },
    );
}

/// A resumed episode, the accurate part: each decoder's segment starts past
/// the frames before the resume point (the feeder says how far past its
/// first frame that is), so the decoder drops those frames once decoded
/// (later ones refer to them) instead of pushing them (sinks would count
/// them late); the first frame shown and the clock start at the resume
/// point, and positions count from the episode's start (the segment's time
/// is the resume point).
fn skip_to_start(element: &gst::Element, feed: &Arc<FeedState>, frames: &Arc<Frames>) {
    let is_decoder = element
        .factory()
        .is_some_and(|f| f.klass().contains("Decoder"));
    let Some(pad) = element.static_pad("sink").filter(|_| is_decoder) else {
        return;
    };
    let (feed, frames) = (feed.clone(), frames.clone());
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |_, info| {
            match &mut info.data {
                // Segments before the first frame are the ones that count
                // (qtdemux updates its segment once, before the first frame).
                Some(gst::PadProbeData::Buffer(_)) => return gst::PadProbeReturn::Remove,
                Some(gst::PadProbeData::Event(event))
                    if event.type_() == gst::EventType::Segment =>
                {
                    let gst::EventView::Segment(s) = event.view() else {
                        return gst::PadProbeReturn::Ok;
                    };
                    let Some(segment) = s.segment().downcast_ref::<gst::ClockTime>() else {
                        return gst::PadProbeReturn::Ok;
                    };
                    let mut segment = segment.clone();
                    let skip = feed.skip_ns.load(Ordering::SeqCst);
                    let offset = feed.media_offset_ms.load(Ordering::SeqCst) * 1_000_000;
                    // Where the first frame kept is in the episode.
                    let target = offset + skip;
                    frames.lock().start_ns = target;
                    let skip = gst::ClockTime::from_nseconds(skip);
                    let first = segment.start().unwrap_or(gst::ClockTime::ZERO);
                    segment.set_start(first + skip);
                    segment.set_position(first + skip);
                    segment.set_time(gst::ClockTime::from_nseconds(target));
                    let seqnum = event.seqnum();
                    *event = gst::event::Segment::builder(&segment)
                        .seqnum(seqnum)
                        .build();
                }
                _ => {}
            }
            gst::PadProbeReturn::Ok
        },
    );
}

/// A short stable id for an episode URL (CMCD `cid`): FNV-1a of the URL
/// without its query, which signed URLs change with every grant.
fn content_id(url: &Url) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let stable = &url[..url::Position::AfterPath];
    for b in stable.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub(super) fn make(factory: &str) -> Result<gst::Element, PlaybackError> {
    gst::ElementFactory::make(factory).build().map_err(|_| {
        PlaybackError::Config(format!(
            "GStreamer element {factory} is missing (install the GStreamer plugins)"
        ))
    })
}

/// The feeder's inputs into this pipeline.
struct PipelineInputs {
    control: Arc<Control>,
    appsrc: gst_app::AppSrc,
}

impl Inputs for PipelineInputs {
    /// Links appsrc to the decoder, then starts the pipeline. decodebin3
    /// (1.22) decides at link time between pull mode and waiting for caps:
    /// random access links directly (pull, so qtdemux can read a moov at
    /// the end); stream mode goes through typefind, whose caps tell
    /// decodebin3 what arrives.
    fn start(&self, random_access: bool) -> Result<(), PlaybackError> {
        let fail =
            |what: String| PlaybackError::Decode(format!("cannot start the pipeline: {what}"));
        let pipeline = self.control.pipeline();
        let decoder = pipeline
            .by_name("decoder")
            .ok_or_else(|| fail("no decoder".into()))?;
        if random_access {
            self.appsrc
                .link(&decoder)
                .map_err(|e| fail(e.to_string()))?;
        } else {
            let typefind = make("typefind")?;
            pipeline.add(&typefind).map_err(|e| fail(e.to_string()))?;
            gst::Element::link_many([self.appsrc.upcast_ref(), &typefind, &decoder])
                .map_err(|e| fail(e.to_string()))?;
            typefind
                .sync_state_with_parent()
                .map_err(|e| fail(e.to_string()))?;
        }
        if self.control.start() {
            Ok(())
        } else {
            Err(fail("state change refused".into()))
        }
    }

    /// `appsrc ! typefind ! decodebin3.sink_%u`, with its own
    /// backpressure. Added while the pipeline is still in READY.
    fn add_audio(&self, max_bytes: u64) -> Result<gst_app::AppSrc, PlaybackError> {
        let fail =
            |what: String| PlaybackError::Decode(format!("cannot add the audio rendition: {what}"));
        let pipeline = self.control.pipeline();
        let decoder = pipeline
            .by_name("decoder")
            .ok_or_else(|| fail("no decoder".into()))?;
        let src = gst_app::AppSrc::builder()
            .name("audio-src")
            .format(gst::Format::Bytes)
            .stream_type(gst_app::AppStreamType::Stream)
            .max_bytes(max_bytes)
            .block(false)
            .build();
        let typefind = make("typefind")?;
        typefind.set_property("name", "audio-typefind");
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
        for e in [src.upcast_ref::<gst::Element>(), &typefind] {
            e.sync_state_with_parent()
                .map_err(|e| fail(e.to_string()))?;
        }
        Ok(src)
    }
}
