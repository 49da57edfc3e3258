//! One episode's GStreamer pipeline:
//! `appsrc ! decodebin3`, then per decoded stream
//! video: `videoconvert ! I420 ! appsink`, scaled and converted to RGBA
//! [WxH] in the sink (rgba.rs) and handed to the FrameSink,
//! or on the GL path `glsinkbin` (upload, convert to RGBA) into an appsink
//! of GL memory (textures to the FrameSink),
//! audio: `audioconvert ! audioresample ! autoaudiosink|fakesink`,
//! anything else: `fakesink`.
//! A monitor thread watches the bus, reports events, measures QoE and
//! pauses the pipeline while it starves for data (a rebuffer).
//!
//! An episode starts either playing, or as a preload: fetching within a
//! byte budget and prerolled (first frame decoded, held by the sink), so
//! that activating it shows that frame at once.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_gl as gst_gl;
use gstreamer_gl::prelude::*;
use gstreamer_video as gst_video;
use url::Url;

use super::abr::BandwidthEstimator;
use super::containment;
use super::control::Control;
use super::feeder::{self, FEED_ERROR_MESSAGE, FeedConfig, FeedState, SUBTITLES_MESSAGE};
use super::rgba::RgbaPictures;
use super::{
    AudioOutput, EpisodeId, FrameSink, GlHandles, PlaybackError, PlayerConfig, PlayerEvent, Qoe,
    RgbaFrame,
};
use crate::net::Net;

/// Frame-side counters, written on the streaming thread. Times are in
/// nanoseconds since `origin`, the episode's creation.
struct FrameStats {
    origin: Instant,
    /// When the viewer asked for this episode (its activation, for a preload).
    requested_ns: AtomicU64,
    /// When the previous episode's last frame stopped being shown.
    previous_end: Mutex<Option<Instant>>,
    /// Gap from `previous_end` to the first frame, in µs; u64::MAX if none.
    switch_gap_us: AtomicU64,
    frames: AtomicU64,
    /// Time of the latest frame; 0 before the first.
    last_frame_ns: AtomicU64,
    first_frame_ms: AtomicU64,
    width: AtomicU32,
    height: AtomicU32,
    /// Frame duration from the caps, for stall detection and switch gaps.
    frame_ns: AtomicU64,
    /// Running time of the prerolled frame; u64::MAX until there is one.
    preroll_rt_ns: Arc<AtomicU64>,
    /// Highest PTS of the video frames out of the parser, and whether the
    /// parser has seen the end of the stream: from these the sink knows
    /// which frame is the last one, ahead of the EOS event.
    parsed_video_max_pts_ns: AtomicU64,
    parsed_video_complete: AtomicBool,
    /// When the last frame stops being shown; 0 until it is shown.
    video_end_ns: AtomicU64,
    /// Where in the episode its first frame is, ns (a resumed episode).
    start_ns: AtomicU64,
    /// Decoded streams linked to sinks, and whether one of them is video:
    /// an episode started for the viewer waits for its video to preroll.
    branches: AtomicU32,
    video_branch: AtomicBool,
}

impl FrameStats {
    fn new(origin: Instant) -> FrameStats {
        FrameStats {
            origin,
            requested_ns: AtomicU64::new(0),
            previous_end: Mutex::new(None),
            switch_gap_us: AtomicU64::new(u64::MAX),
            frames: AtomicU64::new(0),
            last_frame_ns: AtomicU64::new(0),
            first_frame_ms: AtomicU64::new(0),
            width: AtomicU32::new(0),
            height: AtomicU32::new(0),
            frame_ns: AtomicU64::new(0),
            preroll_rt_ns: Arc::new(AtomicU64::new(u64::MAX)),
            parsed_video_max_pts_ns: AtomicU64::new(0),
            parsed_video_complete: AtomicBool::new(false),
            video_end_ns: AtomicU64::new(0),
            start_ns: AtomicU64::new(0),
            branches: AtomicU32::new(0),
            video_branch: AtomicBool::new(false),
        }
    }

    fn since_origin(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.origin).as_nanos() as u64
    }

    /// When the latest frame stops being shown: its time plus one frame.
    fn last_frame_end(&self) -> Option<Instant> {
        match self.last_frame_ns.load(Ordering::Relaxed) {
            0 => None,
            t => {
                Some(self.origin + Duration::from_nanos(t + self.frame_ns.load(Ordering::Relaxed)))
            }
        }
    }
}

/// Posted by the video sink when the last frame has been shown.
const VIDEO_EOS_MESSAGE: &str = "pillarbox-video-eos";

/// What every episode of one player shares.
#[derive(Clone)]
pub struct EpisodeDeps {
    pub net: Net,
    pub frames_out: Arc<dyn FrameSink>,
    pub events: Sender<PlayerEvent>,
    /// Raised while the playing episode rebuffers; preloads hold back.
    pub starving: Arc<AtomicBool>,
    /// Episodes of this player not yet torn down (leak checks).
    pub live: Arc<AtomicUsize>,
    /// Throughput estimate carried from episode to episode.
    pub bandwidth: Arc<Mutex<BandwidthEstimator>>,
    /// CMCD session id: one per player.
    pub cmcd_session: String,
}

pub struct Episode {
    pub id: EpisodeId,
    live: Arc<AtomicUsize>,
    pipeline: gst::Pipeline,
    control: Arc<Control>,
    stats: Arc<FrameStats>,
    feed: Arc<FeedState>,
    feed_task: tokio::task::JoinHandle<()>,
    monitor: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Episode {
    /// `start`: where in the episode to begin (a resume point).
    pub fn start(
        id: EpisodeId,
        url: Url,
        start: super::Start,
        config: &PlayerConfig,
        deps: EpisodeDeps,
        preload: bool,
        origin: Instant,
    ) -> Result<Episode, PlaybackError> {
        let EpisodeDeps {
            net,
            frames_out,
            events,
            starving,
            live,
            bandwidth,
            cmcd_session,
        } = deps;
        let pipeline = gst::Pipeline::with_name(&format!("episode-{id}"));
        gst::info!(
            super::CAT,
            obj = &pipeline,
            "episode {id}: {url} (preload: {preload})"
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
        // appsrc is linked by the feeder once it knows the scheduling mode.
        let stats = Arc::new(FrameStats::new(origin));
        let feed = Arc::new(FeedState::default());
        {
            let stats = stats.clone();
            let feed = feed.clone();
            let pipeline_weak = pipeline.downgrade();
            let url = url.clone();
            pipeline.connect_deep_element_added(move |_, _, element| {
                tune_decoder(element);
                if start != super::Start::Beginning {
                    skip_to_start(element, &feed, &stats);
                }
                watch_video_parser(element, &stats);
                let (feed, pipeline_weak, url) = (feed.clone(), pipeline_weak.clone(), url.clone());
                containment::guard_typefind(element, move |found| {
                    refuse_type(&url, &found, &feed, &pipeline_weak);
                });
            });
        }

        let pipeline_weak = pipeline.downgrade();
        let branch_cfg = BranchConfig {
            video_size: config.video_size,
            audio: config.audio,
            fast: config.fast,
            gl: config.gl.as_ref().and_then(|g| g.get()).cloned(),
            duck: config.duck.clone(),
        };
        {
            let stats = stats.clone();
            let events = events.clone();
            decodebin.connect_pad_added(move |_, pad| {
                // Inputs requested for audio renditions are pads added too.
                if pad.direction() != gst::PadDirection::Src {
                    return;
                }
                let Some(pipeline) = pipeline_weak.upgrade() else {
                    return;
                };
                if let Err(e) = link_branch(
                    &pipeline,
                    pad,
                    &branch_cfg,
                    id,
                    &stats,
                    &frames_out,
                    &events,
                ) {
                    tracing::error!(episode = id, error = %e, "cannot link decoded stream");
                    let _ = pipeline.post_message(
                        gst::message::Application::builder(gst::Structure::new_empty(
                            FEED_ERROR_MESSAGE,
                        ))
                        .build(),
                    );
                }
            });
        }
        pipeline
            .set_state(gst::State::Ready)
            .map_err(|_| PlaybackError::Decode("the pipeline cannot start".into()))?;

        let control = Arc::new(Control::new(
            pipeline.clone(),
            !preload,
            stats.preroll_rt_ns.clone(),
        ));
        let feed_task = net.spawn(feeder::run(
            net.clone(),
            url.clone(),
            appsrc.clone(),
            control.clone(),
            feed.clone(),
            FeedConfig {
                max_bitrate: config.max_bitrate,
                chunk_bytes: config.chunk_bytes,
                buffer_bytes: config.buffer_bytes,
                preload_bytes: config.preload_bytes,
                starving: starving.clone(),
                bandwidth,
                min_buffer_up: config.min_buffer_up,
                cmcd_session,
                cmcd_content: content_id(&url),
                audio_language: config.audio_language.clone(),
                subtitle_language: config.subtitle_language.clone(),
                start,
            },
        ));
        live.fetch_add(1, Ordering::SeqCst);

        let stop = Arc::new(AtomicBool::new(false));
        let monitor = Monitor {
            id,
            pipeline: pipeline.clone(),
            appsrc,
            feed: feed.clone(),
            stats: stats.clone(),
            control: control.clone(),
            events,
            starving,
            stop: stop.clone(),
            fast: config.fast,
            stall_threshold: config.stall_threshold,
            position_interval: config.position_interval,
            resume_bytes: config.chunk_bytes.min(1 << 20),
        };
        let monitor = std::thread::Builder::new()
            .name(format!("pillarbox-ep{id}"))
            .spawn(move || monitor.run())
            .map_err(|e| PlaybackError::Decode(format!("cannot start monitor thread: {e}")))?;

        Ok(Episode {
            id,
            live,
            pipeline,
            control,
            stats,
            feed,
            feed_task,
            monitor: Some(monitor),
            stop,
        })
    }

    /// Starts showing the episode: at once from its preroll for a preload.
    /// `previous_end` is when the previous episode's last frame stopped
    /// being shown, for the switch gap. False if the preload had failed.
    pub fn activate(&self, requested_at: Instant, previous_end: Option<Instant>) -> bool {
        self.stats
            .requested_ns
            .store(self.stats.since_origin(requested_at), Ordering::SeqCst);
        *self
            .stats
            .previous_end
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = previous_end;
        self.control.activate()
    }

    /// For an episode started playing (not preloaded).
    pub fn set_previous_end(&self, previous_end: Option<Instant>) {
        *self
            .stats
            .previous_end
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = previous_end;
    }

    pub fn set_paused(&self, paused: bool) {
        self.control.set_paused(paused);
    }

    /// When this episode's latest frame stops being shown.
    pub fn last_frame_end(&self) -> Option<Instant> {
        self.stats.last_frame_end()
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

/// Ends the episode: typefind found `found`, which is not a container we
/// play. The first error recorded wins (a feed failure may come first).
fn refuse_type(
    url: &Url,
    found: &str,
    feed: &FeedState,
    pipeline: &gst::glib::WeakRef<gst::Pipeline>,
) {
    tracing::warn!(%url, found, "refused: not a media type pillarbox plays");
    {
        let mut error = feed.error.lock().unwrap_or_else(|e| e.into_inner());
        if error.is_none() {
            *error = Some(PlaybackError::Unsupported(format!(
                "{url}: the stream is {found}, not media pillarbox plays (MP4 or MPEG-TS, plain or in HLS)"
            )));
        }
    }
    if let Some(pipeline) = pipeline.upgrade() {
        let _ = pipeline.post_message(
            gst::message::Application::builder(gst::Structure::new_empty(FEED_ERROR_MESSAGE))
                .build(),
        );
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
fn watch_video_parser(element: &gst::Element, stats: &Arc<FrameStats>) {
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
    let stats = stats.clone();
    src.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |_, info| {
            match &info.data {
                Some(gst::PadProbeData::Buffer(b)) => {
                    if let Some(pts) = b.pts() {
                        stats
                            .parsed_video_max_pts_ns
                            .fetch_max(pts.nseconds(), Ordering::SeqCst);
                    }
                }
                Some(gst::PadProbeData::Event(e)) if e.type_() == gst::EventType::Eos => {
                    stats.parsed_video_complete.store(true, Ordering::SeqCst);
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
fn skip_to_start(element: &gst::Element, feed: &Arc<FeedState>, stats: &Arc<FrameStats>) {
    let is_decoder = element
        .factory()
        .is_some_and(|f| f.klass().contains("Decoder"));
    let Some(pad) = element.static_pad("sink").filter(|_| is_decoder) else {
        return;
    };
    let (feed, stats) = (feed.clone(), stats.clone());
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
                    stats.start_ns.store(target, Ordering::SeqCst);
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

/// A short stable id for an episode URL (CMCD `cid`): FNV-1a of the URL.
fn content_id(url: &Url) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in url.as_str().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn make(factory: &str) -> Result<gst::Element, PlaybackError> {
    gst::ElementFactory::make(factory).build().map_err(|_| {
        PlaybackError::Config(format!(
            "GStreamer element {factory} is missing (install the GStreamer plugins)"
        ))
    })
}

#[derive(Clone)]
struct BranchConfig {
    video_size: Option<(u32, u32)>,
    audio: AudioOutput,
    fast: bool,
    /// Set when the UI shared its GL context before this episode started.
    gl: Option<GlHandles>,
    duck: super::duck::Duck,
}

#[allow(clippy::too_many_arguments)]
fn link_branch(
    pipeline: &gst::Pipeline,
    pad: &gst::Pad,
    cfg: &BranchConfig,
    id: EpisodeId,
    stats: &Arc<FrameStats>,
    frames_out: &Arc<dyn FrameSink>,
    events: &Sender<PlayerEvent>,
) -> Result<(), PlaybackError> {
    let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
    let kind = caps
        .structure(0)
        .map(|s| s.name().to_string())
        .unwrap_or_default();
    let elements: Vec<gst::Element> = if kind.starts_with("video/") {
        video_chain(cfg, id, stats, frames_out, events)?
    } else if kind.starts_with("audio/") {
        let sink = match (cfg.audio, cfg.fast) {
            (AudioOutput::Default, false) => make("autoaudiosink")?,
            _ => {
                let s = make("fakesink")?;
                s.set_property("sync", !cfg.fast);
                s
            }
        };
        // Lowered while the UI speaks.
        let volume = make("volume")?;
        cfg.duck.register(&volume);
        vec![make("audioconvert")?, volume, make("audioresample")?, sink]
    } else {
        let s = make("fakesink")?;
        s.set_property("sync", false);
        s.set_property("async", false);
        vec![s]
    };
    pipeline
        .add_many(&elements)
        .map_err(|e| PlaybackError::Decode(e.to_string()))?;
    gst::Element::link_many(&elements).map_err(|e| PlaybackError::Decode(e.to_string()))?;
    for e in &elements {
        e.sync_state_with_parent()
            .map_err(|e| PlaybackError::Decode(e.to_string()))?;
    }
    let sinkpad = elements[0]
        .static_pad("sink")
        .ok_or_else(|| PlaybackError::Decode("branch has no sink pad".into()))?;
    pad.link(&sinkpad)
        .map_err(|e| PlaybackError::Decode(format!("cannot link {kind}: {e:?}")))?;
    if kind.starts_with("video/") {
        stats.video_branch.store(true, Ordering::SeqCst);
    }
    stats.branches.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

/// The video branch: on the CPU path `videoconvert ! I420 ! appsink`, each
/// frame scaled and converted to one RGBA picture in memory; on the GL path `glsinkbin`
/// around an appsink of RGBA textures: the picture is uploaded once (or
/// imported, from a hardware decoder) and stays on the GPU, and the
/// renderer scales it when it draws.
fn video_chain(
    cfg: &BranchConfig,
    id: EpisodeId,
    stats: &Arc<FrameStats>,
    frames_out: &Arc<dyn FrameSink>,
    events: &Sender<PlayerEvent>,
) -> Result<Vec<gst::Element>, PlaybackError> {
    let (caps, out) = match &cfg.gl {
        Some(_) => (
            gst_video::VideoCapsBuilder::new()
                .features([gst_gl::CAPS_FEATURE_MEMORY_GL_MEMORY])
                .format(gst_video::VideoFormat::Rgba)
                .field("texture-target", "2D")
                .build(),
            FrameOut::Gl(frames_out.clone()),
        ),
        None => (
            gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .build(),
            FrameOut::Cpu(
                frames_out.clone(),
                Box::new(RgbaPictures::new(cfg.video_size)),
            ),
        ),
    };
    let sink = video_appsink(caps, cfg.fast);
    sink.set_callbacks(frame_callbacks(
        id,
        stats.clone(),
        out,
        events.clone(),
        cfg.fast,
    ));
    let Some(gl) = &cfg.gl else {
        // The decoder's I420 goes to the sink as it is, scaled and converted
        // to RGBA there in one pass (see rgba.rs): measured on 1080x1920
        // H.264 to 608x1080, about a third less CPU for the whole pipeline
        // than videoscale ! videoconvert. videoconvert passes I420 through
        // and converts anything else (NV12 from hardware decoders, 10-bit).
        return Ok(vec![make("videoconvert")?, sink.upcast()]);
    };
    let bin = gst::ElementFactory::make("glsinkbin")
        .property("sink", &sink)
        .build()
        .map_err(|_| PlaybackError::Decode("GStreamer element glsinkbin is missing".into()))?;
    // The UI's display and context, so that GStreamer's GL context shares
    // textures with the renderer's. Set on the bin, which hands them to
    // the GL elements inside before they look for a display of their own.
    let mut display = gst::Context::new(gst_gl::GL_DISPLAY_CONTEXT_TYPE, true);
    display
        .get_mut()
        .expect("a new context is writable")
        .set_gl_display(Some(&gl.display));
    let mut app = gst::Context::new("gst.gl.app_context", true);
    app.get_mut()
        .expect("a new context is writable")
        .structure_mut()
        .set("context", &gl.context);
    bin.set_context(&display);
    bin.set_context(&app);
    Ok(vec![bin])
}

fn video_appsink(caps: gst::Caps, fast: bool) -> gst_app::AppSink {
    gst_app::AppSink::builder()
        .caps(&caps)
        .sync(!fast)
        .qos(!fast)
        .max_lateness(if fast { -1 } else { 20_000_000 })
        .enable_last_sample(false)
        .build()
}

/// Where a video appsink's frames go: converted to RGBA in memory, or as
/// GL buffers.
enum FrameOut {
    Cpu(Arc<dyn FrameSink>, Box<RgbaPictures>),
    Gl(Arc<dyn FrameSink>),
}

fn frame_callbacks(
    id: EpisodeId,
    stats: Arc<FrameStats>,
    out: FrameOut,
    events: Sender<PlayerEvent>,
    fast: bool,
) -> gst_app::AppSinkCallbacks {
    // Without RGBA pictures to make, frames go out as GL buffers.
    // Shared with the preroll callback, which converts the prerolled frame
    // ahead of its showing.
    let (out, pictures) = match out {
        FrameOut::Cpu(out, pictures) => (out, Some(Arc::new(Mutex::new(pictures)))),
        FrameOut::Gl(out) => (out, None),
    };
    let pictures_for_preroll = pictures.clone();
    let mut info: Option<(gst::Caps, gst_video::VideoInfo)> = None;
    let stats_for_preroll = stats.clone();
    gst_app::AppSinkCallbacks::builder()
        .new_sample(move |sink| {
            let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
            let caps = sample.caps().ok_or(gst::FlowError::NotNegotiated)?;
            if info.as_ref().is_none_or(|(c, _)| c.as_ref() != caps) {
                let vi = gst_video::VideoInfo::from_caps(caps)
                    .map_err(|_| gst::FlowError::NotNegotiated)?;
                let fps = vi.fps();
                if fps.numer() > 0 {
                    stats.frame_ns.store(
                        1_000_000_000u64 * fps.denom() as u64 / fps.numer() as u64,
                        Ordering::Relaxed,
                    );
                }
                info = Some((caps.to_owned(), vi));
            }
            let Some((_, vi)) = info.as_ref() else {
                return Err(gst::FlowError::NotNegotiated);
            };
            let buffer = sample.buffer().ok_or(gst::FlowError::Error)?;
            let mut pictures = pictures
                .as_ref()
                .map(|p| p.lock().unwrap_or_else(|e| e.into_inner()));
            let rgba = match pictures.as_mut() {
                Some(pictures) => Some(pictures.convert(caps, vi, buffer).map_err(|e| {
                    gst::element_error!(sink, gst::StreamError::Format, ["{}", e]);
                    gst::FlowError::Error
                })?),
                None => None,
            };
            let (width, height) = rgba
                .as_ref()
                .map_or((vi.width(), vi.height()), |(w, h, _)| (*w, *h));
            let now = Instant::now();
            let now_ns = stats.since_origin(now).max(1);
            let n = stats.frames.fetch_add(1, Ordering::Relaxed) + 1;
            stats.last_frame_ns.store(now_ns, Ordering::Relaxed);
            if n == 1 {
                let elapsed = Duration::from_nanos(
                    now_ns.saturating_sub(stats.requested_ns.load(Ordering::SeqCst)),
                );
                stats
                    .first_frame_ms
                    .store(elapsed.as_millis() as u64, Ordering::Relaxed);
                let previous_end = *stats.previous_end.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(end) = previous_end {
                    stats.switch_gap_us.store(
                        now.saturating_duration_since(end).as_micros() as u64,
                        Ordering::Relaxed,
                    );
                }
                stats.width.store(width, Ordering::Relaxed);
                stats.height.store(height, Ordering::Relaxed);
                let _ = events.send(PlayerEvent::FirstFrame {
                    episode: id,
                    since_play: elapsed,
                    width,
                    height,
                    start: Duration::from_nanos(stats.start_ns.load(Ordering::SeqCst)),
                });
            }
            if stats.parsed_video_complete.load(Ordering::SeqCst)
                && let Some(pts) = buffer.pts()
            {
                let duration = buffer
                    .duration()
                    .map(|d| d.nseconds())
                    .unwrap_or_else(|| stats.frame_ns.load(Ordering::Relaxed));
                if pts.nseconds() >= stats.parsed_video_max_pts_ns.load(Ordering::SeqCst) {
                    // The last frame: the picture ends one frame from now.
                    let shown_for = if fast { 0 } else { duration };
                    stats
                        .video_end_ns
                        .store(now_ns + shown_for, Ordering::SeqCst);
                }
            }
            match rgba {
                Some((width, height, data)) => {
                    out.frame(
                        id,
                        &RgbaFrame {
                            width,
                            height,
                            stride: width as usize * 4,
                            pts: buffer.pts().map(Duration::from),
                            data,
                        },
                    );
                }
                None => {
                    let mut buffer = buffer.to_owned();
                    set_gl_sync_point(&mut buffer)?;
                    out.gl_frame(id, buffer, vi);
                }
            }
            Ok(gst::FlowSuccess::Ok)
        })
        .new_preroll({
            let stats = stats_for_preroll;
            move |sink| {
                if let Ok(sample) = sink.pull_preroll()
                    && let (Some(buffer), Some(segment)) = (sample.buffer(), sample.segment())
                    && let Some(segment) = segment.downcast_ref::<gst::ClockTime>()
                    && let Some(rt) = segment.to_running_time(buffer.pts())
                {
                    stats.preroll_rt_ns.store(rt.nseconds(), Ordering::SeqCst);
                    // Converted now, shown at activation without waiting
                    // for it; an error shows again when the frame plays.
                    if let Some(pictures) = &pictures_for_preroll
                        && let Some(caps) = sample.caps()
                        && let Ok(info) = gst_video::VideoInfo::from_caps(caps)
                    {
                        let mut pictures = pictures.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = pictures.convert(caps, &info, buffer);
                    }
                }
                Ok(gst::FlowSuccess::Ok)
            }
        })
        .eos(|sink| {
            // The picture is over: the episode ends here, not when the audio
            // tail (AAC priming and padding, tens of ms) has played out.
            let _ = sink.post_message(
                gst::message::Application::builder(gst::Structure::new_empty(VIDEO_EOS_MESSAGE))
                    .src(sink)
                    .build(),
            );
        })
        .build()
}

/// Marks where GStreamer's GL commands for this frame end, so that the
/// renderer's context waits for them before it samples the texture.
fn set_gl_sync_point(buffer: &mut gst::Buffer) -> Result<(), gst::FlowError> {
    let context = (buffer.n_memory() > 0)
        .then(|| buffer.peek_memory(0))
        .and_then(|m| {
            m.downcast_memory_ref::<gst_gl::GLBaseMemory>()
                .map(|m| m.context().clone())
        })
        .ok_or(gst::FlowError::NotNegotiated)?;
    if let Some(meta) = buffer.meta::<gst_gl::GLSyncMeta>() {
        meta.set_sync_point(&context);
    } else {
        let meta = gst_gl::GLSyncMeta::add(buffer.make_mut(), &context);
        meta.set_sync_point(&context);
    }
    Ok(())
}

struct Monitor {
    id: EpisodeId,
    pipeline: gst::Pipeline,
    appsrc: gst_app::AppSrc,
    feed: Arc<FeedState>,
    stats: Arc<FrameStats>,
    control: Arc<Control>,
    events: Sender<PlayerEvent>,
    starving: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    fast: bool,
    stall_threshold: Duration,
    position_interval: Duration,
    resume_bytes: u64,
}

struct Rebuffer {
    started: Instant,
    downloaded_at_start: u64,
    pushed_at_start: u64,
}

impl Monitor {
    fn run(self) {
        let Some(bus) = self.pipeline.bus() else {
            return;
        };
        let mut dropped: HashMap<String, u64> = HashMap::new();
        let mut last_position = Instant::now();
        let mut position_ms = 0u64;
        let mut rebuffer: Option<Rebuffer> = None;
        let mut rebuffer_count = 0u64;
        let mut rebuffer_total = Duration::ZERO;
        let qoe = |position_ms: u64, dropped: &HashMap<String, u64>, count, total: Duration| Qoe {
            first_frame_ms: match self.stats.frames.load(Ordering::Relaxed) {
                0 => None,
                _ => Some(self.stats.first_frame_ms.load(Ordering::Relaxed)),
            },
            frames: self.stats.frames.load(Ordering::Relaxed),
            dropped_frames: dropped.values().sum(),
            rebuffer_count: count,
            rebuffer_ms: total.as_millis() as u64,
            width: nonzero(self.stats.width.load(Ordering::Relaxed)),
            height: nonzero(self.stats.height.load(Ordering::Relaxed)),
            position_ms,
            bytes: self.feed.stats.bytes.load(Ordering::Relaxed),
            requests: self.feed.stats.requests.load(Ordering::Relaxed),
            retries: self.feed.stats.retries.load(Ordering::Relaxed),
            variant_bandwidth: match self.feed.variant_bandwidth.load(Ordering::Relaxed) {
                0 => None,
                b => Some(b),
            },
            bitrate_kbps: match self.feed.average_bandwidth.load(Ordering::Relaxed) {
                0 => None,
                b => Some(b / 1000),
            },
            variant_switches: self.feed.variant_switches.load(Ordering::Relaxed),
            audio_language: self.feed.audio_language.lock().ok().and_then(|l| l.clone()),
            subtitle_language: None,
            subtitle_cues: None,
            switch_gap_ms: match self.stats.switch_gap_us.load(Ordering::Relaxed) {
                u64::MAX => None,
                us => Some((us as f64 / 100.0).round() / 10.0),
            },
        };

        while !self.stop.load(Ordering::SeqCst) {
            // Wake exactly when the last frame's time is up.
            let mut wait = Duration::from_millis(20);
            let video_end = self.stats.video_end_ns.load(Ordering::SeqCst);
            let mut terminal: Option<Result<(), PlaybackError>> = None;
            if video_end != 0 {
                let now = self.stats.since_origin(Instant::now());
                if now >= video_end {
                    terminal = Some(Ok(()));
                } else {
                    wait = wait.min(Duration::from_nanos(video_end - now));
                }
            }
            let msg = if terminal.is_some() {
                None
            } else {
                bus.timed_pop(gst::ClockTime::from_nseconds(wait.as_nanos() as u64))
            };
            // An episode started for the viewer plays once prerolled.
            self.control.prerolled(
                self.stats.branches.load(Ordering::SeqCst) > 0,
                self.stats.video_branch.load(Ordering::SeqCst),
            );
            if let Some(msg) = msg {
                use gst::MessageView;
                match msg.view() {
                    MessageView::Eos(_) => terminal = Some(Ok(())),
                    MessageView::Application(a)
                        if a.structure().is_some_and(|s| s.name() == VIDEO_EOS_MESSAGE) =>
                    {
                        terminal = Some(Ok(()));
                    }
                    MessageView::Error(e) => {
                        let src = e
                            .src()
                            .map(|s| s.name().to_string())
                            .unwrap_or_else(|| "pipeline".into());
                        let details = e.debug().map(|d| d.to_string()).unwrap_or_default();
                        tracing::warn!(episode = self.id, %src, error = %e.error(), %details, "pipeline error");
                        gst::warning!(
                            super::CAT,
                            obj = &self.pipeline,
                            "{src}: {} ({details})",
                            e.error()
                        );
                        // A feed failure also makes the demuxer fail: report the cause.
                        let feed_err = self.feed.error.lock().ok().and_then(|g| g.clone());
                        let from_typefind = e
                            .src()
                            .and_then(|s| s.downcast_ref::<gst::Element>())
                            .and_then(|el| el.factory())
                            .is_some_and(|f| f.name() == "typefind");
                        terminal = Some(Err(feed_err.unwrap_or_else(|| {
                            if from_typefind {
                                // Bytes that are no known format at all.
                                PlaybackError::Unsupported(format!(
                                    "the stream is not media pillarbox plays: {}",
                                    e.error()
                                ))
                            } else {
                                PlaybackError::Decode(format!("{src}: {}", e.error()))
                            }
                        })));
                    }
                    MessageView::Application(a)
                        if a.structure()
                            .is_some_and(|s| s.name() == FEED_ERROR_MESSAGE) =>
                    {
                        let feed_err = self.feed.error.lock().ok().and_then(|g| g.clone());
                        terminal = Some(Err(feed_err.unwrap_or_else(|| {
                            PlaybackError::Decode("a decoded stream could not be linked".into())
                        })));
                    }
                    MessageView::Application(a)
                        if a.structure().is_some_and(|s| s.name() == SUBTITLES_MESSAGE) =>
                    {
                        let loaded = self.feed.subtitles.lock().ok().and_then(|mut s| s.take());
                        if let Some((rendition, track)) = loaded {
                            let _ = self.events.send(PlayerEvent::Subtitles {
                                episode: self.id,
                                language: rendition.language,
                                forced: rendition.forced,
                                track,
                            });
                        }
                    }
                    MessageView::Qos(q) => {
                        let (_, d) = q.stats();
                        if let (Some(src), Ok(d)) = (q.src(), u64::try_from(d.value())) {
                            dropped.insert(src.path_string().to_string(), d);
                        }
                    }
                    MessageView::Warning(w) => {
                        tracing::warn!(episode = self.id, warning = %w.error(), "pipeline warning");
                    }
                    _ => {}
                }
            }
            if last_position.elapsed() >= self.position_interval || terminal.is_some() {
                last_position = Instant::now();
                if let Some(pos) = self.pipeline.query_position::<gst::ClockTime>() {
                    position_ms = pos.mseconds();
                    self.feed.position_ms.store(position_ms, Ordering::Relaxed);
                    if terminal.is_none() && self.control.is_active() {
                        let _ = self.events.send(PlayerEvent::Position {
                            episode: self.id,
                            position: pos.into(),
                            duration: self
                                .pipeline
                                .query_duration::<gst::ClockTime>()
                                .map(Into::into),
                        });
                    }
                }
            }
            if terminal.is_none() && !self.fast && self.control.is_active() {
                self.watch_stall(&mut rebuffer, &mut rebuffer_count, &mut rebuffer_total);
            }
            if let Some(outcome) = terminal {
                if self.control.fail_if_preload() {
                    // A preload that fails stays silent: playing it starts afresh.
                    tracing::info!(episode = self.id, outcome = ?outcome.err(), "preload failed");
                    self.feed.cancel();
                    let _ = self.pipeline.set_state(gst::State::Null);
                    return;
                }
                if let Some(r) = rebuffer.take() {
                    rebuffer_total += r.started.elapsed();
                    self.starving.store(false, Ordering::SeqCst);
                }
                let qoe = qoe(position_ms, &dropped, rebuffer_count, rebuffer_total);
                let event = match outcome {
                    Ok(()) => PlayerEvent::Ended {
                        episode: self.id,
                        qoe,
                    },
                    Err(error) => {
                        gst::error!(
                            super::CAT,
                            obj = &self.pipeline,
                            "episode {} failed: {error}",
                            self.id
                        );
                        // Written only where GST_DEBUG_DUMP_DOT_DIR is set.
                        self.pipeline.debug_to_dot_file_with_ts(
                            gst::DebugGraphDetails::all(),
                            format!("pillarbox-episode-{}-error", self.id),
                        );
                        PlayerEvent::Error {
                            episode: self.id,
                            error,
                            qoe,
                        }
                    }
                };
                // Tell first: the listener starts the next episode while this
                // one is torn down.
                self.feed.cancel();
                let _ = self.events.send(event);
                let _ = self.pipeline.set_state(gst::State::Null);
                return;
            }
        }
    }

    /// Pauses the pipeline while it starves for data and resumes it when
    /// enough arrived, counting each such stall as a rebuffer.
    fn watch_stall(&self, rebuffer: &mut Option<Rebuffer>, count: &mut u64, total: &mut Duration) {
        let done = self.feed.done.load(Ordering::SeqCst);
        let downloaded = self.feed.stats.bytes.load(Ordering::Relaxed);
        let pushed = self.feed.pushed_bytes.load(Ordering::Relaxed);
        if let Some(r) = rebuffer {
            let enough = done
                || downloaded.saturating_sub(r.downloaded_at_start) >= self.resume_bytes
                || (self.appsrc.stream_type() == gst_app::AppStreamType::Stream
                    && pushed > r.pushed_at_start);
            if enough {
                *total += r.started.elapsed();
                *rebuffer = None;
                self.starving.store(false, Ordering::SeqCst);
                self.control.set_rebuffering(false);
                let _ = self.events.send(PlayerEvent::Buffering {
                    episode: self.id,
                    percent: 100,
                });
            }
            return;
        }
        let last = self.stats.last_frame_ns.load(Ordering::Relaxed);
        if last == 0 || done || self.control.is_paused() {
            return;
        }
        let since_frame = self
            .stats
            .origin
            .elapsed()
            .saturating_sub(Duration::from_nanos(last));
        let threshold = self.stall_threshold.max(Duration::from_nanos(
            self.stats.frame_ns.load(Ordering::Relaxed) * 3,
        ));
        let starving = match self.appsrc.stream_type() {
            gst_app::AppStreamType::RandomAccess => self.feed.waiting.load(Ordering::SeqCst),
            _ => self.appsrc.current_level_bytes() == 0,
        };
        if since_frame > threshold && starving {
            tracing::info!(episode = self.id, ?since_frame, "rebuffering");
            *count += 1;
            // The stall began when the last frame was shown, not now.
            *total += since_frame.saturating_sub(self.stats_frame_duration());
            *rebuffer = Some(Rebuffer {
                started: Instant::now(),
                downloaded_at_start: downloaded,
                pushed_at_start: pushed,
            });
            self.starving.store(true, Ordering::SeqCst);
            self.control.set_rebuffering(true);
            let _ = self.events.send(PlayerEvent::Buffering {
                episode: self.id,
                percent: 0,
            });
        }
    }

    fn stats_frame_duration(&self) -> Duration {
        Duration::from_nanos(self.stats.frame_ns.load(Ordering::Relaxed))
    }
}

fn nonzero(v: u32) -> Option<u32> {
    (v != 0).then_some(v)
}
