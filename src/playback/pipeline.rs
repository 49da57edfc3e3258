//! One episode's GStreamer pipeline:
//! `appsrc ! decodebin3`, then per decoded stream
//! video: `videoconvertscale ! RGBA [WxH] ! appsink` (frames to the FrameSink),
//! audio: `audioconvert ! audioresample ! autoaudiosink|fakesink`,
//! anything else: `fakesink`.
//! A monitor thread watches the bus, reports events, measures QoE and
//! pauses the pipeline while it starves for data (a rebuffer).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;
use url::Url;

use super::feeder::{self, FEED_ERROR_MESSAGE, FeedConfig, FeedState};
use super::fetch::Fetcher;
use super::{
    AudioOutput, EpisodeId, FrameSink, PlaybackError, PlayerConfig, PlayerEvent, Qoe, RgbaFrame,
};

/// Frame-side counters, written on the streaming thread.
#[derive(Default)]
struct FrameStats {
    frames: AtomicU64,
    /// Nanoseconds since the play request of the latest frame; 0 before the first.
    last_frame_ns: AtomicU64,
    first_frame_ms: AtomicU64,
    width: AtomicU32,
    height: AtomicU32,
    /// Frame duration in ns from the caps, for stall detection.
    frame_ns: AtomicU64,
}

/// What every episode of one player shares.
#[derive(Clone)]
pub struct EpisodeDeps {
    pub fetcher: Arc<Fetcher>,
    pub runtime: tokio::runtime::Handle,
    pub frames_out: Arc<dyn FrameSink>,
    pub events: Sender<PlayerEvent>,
}

pub struct Episode {
    pub id: EpisodeId,
    pipeline: gst::Pipeline,
    feed: Arc<FeedState>,
    feed_task: tokio::task::JoinHandle<()>,
    monitor: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    user_paused: Arc<AtomicBool>,
}

impl Episode {
    pub fn start(
        id: EpisodeId,
        url: Url,
        config: &PlayerConfig,
        deps: EpisodeDeps,
        requested_at: Instant,
    ) -> Result<Episode, PlaybackError> {
        let EpisodeDeps {
            fetcher,
            runtime,
            frames_out,
            events,
        } = deps;
        let pipeline = gst::Pipeline::with_name(&format!("episode-{id}"));
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

        let stats = Arc::new(FrameStats::default());
        let pipeline_weak = pipeline.downgrade();
        let branch_cfg = BranchConfig {
            video_size: config.video_size,
            audio: config.audio,
            fast: config.fast,
        };
        {
            let stats = stats.clone();
            let events = events.clone();
            decodebin.connect_pad_added(move |_, pad| {
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
                    requested_at,
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

        let feed = Arc::new(FeedState::default());
        let user_paused = Arc::new(AtomicBool::new(false));
        let feed_task = runtime.spawn(feeder::run(
            fetcher,
            url.clone(),
            appsrc.clone(),
            pipeline.clone(),
            user_paused.clone(),
            feed.clone(),
            FeedConfig {
                max_bitrate: config.max_bitrate,
                chunk_bytes: config.chunk_bytes,
                buffer_bytes: config.buffer_bytes,
            },
        ));

        let stop = Arc::new(AtomicBool::new(false));
        let monitor = Monitor {
            id,
            pipeline: pipeline.clone(),
            appsrc,
            feed: feed.clone(),
            stats,
            events,
            stop: stop.clone(),
            user_paused: user_paused.clone(),
            fast: config.fast,
            stall_threshold: config.stall_threshold,
            position_interval: config.position_interval,
            resume_bytes: config.chunk_bytes.min(1 << 20),
            requested_at,
        };
        let monitor = std::thread::Builder::new()
            .name(format!("pillarbox-ep{id}"))
            .spawn(move || monitor.run())
            .map_err(|e| PlaybackError::Decode(format!("cannot start monitor thread: {e}")))?;

        Ok(Episode {
            id,
            pipeline,
            feed,
            feed_task,
            monitor: Some(monitor),
            stop,
            user_paused,
        })
    }

    pub fn set_paused(&self, paused: bool) {
        self.user_paused.store(paused, Ordering::SeqCst);
        // Before the feeder started the pipeline, the flag is enough.
        if self.pipeline.current_state() >= gst::State::Paused
            || self.pipeline.pending_state() >= gst::State::Paused
        {
            let _ = self.pipeline.set_state(if paused {
                gst::State::Paused
            } else {
                gst::State::Playing
            });
        }
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
    }
}

fn make(factory: &str) -> Result<gst::Element, PlaybackError> {
    gst::ElementFactory::make(factory).build().map_err(|_| {
        PlaybackError::Config(format!(
            "GStreamer element {factory} is missing (install the GStreamer plugins)"
        ))
    })
}

#[derive(Clone, Copy)]
struct BranchConfig {
    video_size: Option<(u32, u32)>,
    audio: AudioOutput,
    fast: bool,
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
    requested_at: Instant,
) -> Result<(), PlaybackError> {
    let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
    let kind = caps
        .structure(0)
        .map(|s| s.name().to_string())
        .unwrap_or_default();
    let elements: Vec<gst::Element> = if kind.starts_with("video/") {
        let mut chain = Vec::new();
        // videoconvertscale (1.22+) converts and scales in one pass.
        match gst::ElementFactory::make("videoconvertscale").build() {
            Ok(e) => chain.push(e),
            Err(_) => {
                chain.push(make("videoconvert")?);
                chain.push(make("videoscale")?);
            }
        }
        let mut out_caps = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::Rgba)
            .pixel_aspect_ratio(gst::Fraction::new(1, 1));
        if let Some((w, h)) = cfg.video_size {
            out_caps = out_caps.width(w as i32).height(h as i32);
        }
        let sink = gst_app::AppSink::builder()
            .caps(&out_caps.build())
            .sync(!cfg.fast)
            .qos(!cfg.fast)
            .max_lateness(if cfg.fast { -1 } else { 20_000_000 })
            .enable_last_sample(false)
            .build();
        sink.set_callbacks(frame_callbacks(
            id,
            stats.clone(),
            frames_out.clone(),
            events.clone(),
            requested_at,
        ));
        chain.push(sink.upcast());
        chain
    } else if kind.starts_with("audio/") {
        let sink = match (cfg.audio, cfg.fast) {
            (AudioOutput::Default, false) => make("autoaudiosink")?,
            _ => {
                let s = make("fakesink")?;
                s.set_property("sync", !cfg.fast);
                s
            }
        };
        vec![make("audioconvert")?, make("audioresample")?, sink]
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
    Ok(())
}

fn frame_callbacks(
    id: EpisodeId,
    stats: Arc<FrameStats>,
    out: Arc<dyn FrameSink>,
    events: Sender<PlayerEvent>,
    requested_at: Instant,
) -> gst_app::AppSinkCallbacks {
    let mut info: Option<(gst::Caps, gst_video::VideoInfo)> = None;
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
            let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, vi)
                .map_err(|_| gst::FlowError::Error)?;
            let elapsed = requested_at.elapsed();
            let n = stats.frames.fetch_add(1, Ordering::Relaxed) + 1;
            stats
                .last_frame_ns
                .store(elapsed.as_nanos().max(1) as u64, Ordering::Relaxed);
            if n == 1 {
                stats
                    .first_frame_ms
                    .store(elapsed.as_millis() as u64, Ordering::Relaxed);
                stats.width.store(vi.width(), Ordering::Relaxed);
                stats.height.store(vi.height(), Ordering::Relaxed);
                let _ = events.send(PlayerEvent::FirstFrame {
                    episode: id,
                    since_play: elapsed,
                    width: vi.width(),
                    height: vi.height(),
                });
            }
            let data = frame.plane_data(0).map_err(|_| gst::FlowError::Error)?;
            out.frame(
                id,
                &RgbaFrame {
                    width: vi.width(),
                    height: vi.height(),
                    stride: frame.plane_stride()[0] as usize,
                    pts: buffer.pts().map(Duration::from),
                    data,
                },
            );
            Ok(gst::FlowSuccess::Ok)
        })
        .build()
}

struct Monitor {
    id: EpisodeId,
    pipeline: gst::Pipeline,
    appsrc: gst_app::AppSrc,
    feed: Arc<FeedState>,
    stats: Arc<FrameStats>,
    events: Sender<PlayerEvent>,
    stop: Arc<AtomicBool>,
    user_paused: Arc<AtomicBool>,
    fast: bool,
    stall_threshold: Duration,
    position_interval: Duration,
    resume_bytes: u64,
    requested_at: Instant,
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
        };

        while !self.stop.load(Ordering::SeqCst) {
            let msg = bus.timed_pop(gst::ClockTime::from_mseconds(20));
            let mut terminal: Option<Result<(), PlaybackError>> = None;
            if let Some(msg) = msg {
                use gst::MessageView;
                match msg.view() {
                    MessageView::Eos(_) => terminal = Some(Ok(())),
                    MessageView::Error(e) => {
                        let src = e
                            .src()
                            .map(|s| s.name().to_string())
                            .unwrap_or_else(|| "pipeline".into());
                        let details = e.debug().map(|d| d.to_string()).unwrap_or_default();
                        tracing::warn!(episode = self.id, %src, error = %e.error(), %details, "pipeline error");
                        // A feed failure also makes the demuxer fail: report the cause.
                        let feed_err = self.feed.error.lock().ok().and_then(|g| g.clone());
                        terminal = Some(Err(feed_err.unwrap_or_else(|| {
                            PlaybackError::Decode(format!("{src}: {}", e.error()))
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
                    if terminal.is_none() {
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
            if terminal.is_none() && !self.fast {
                self.watch_stall(&mut rebuffer, &mut rebuffer_count, &mut rebuffer_total);
            }
            if let Some(outcome) = terminal {
                if let Some(r) = rebuffer.take() {
                    rebuffer_total += r.started.elapsed();
                }
                let qoe = qoe(position_ms, &dropped, rebuffer_count, rebuffer_total);
                let event = match outcome {
                    Ok(()) => PlayerEvent::Ended {
                        episode: self.id,
                        qoe,
                    },
                    Err(error) => PlayerEvent::Error {
                        episode: self.id,
                        error,
                        qoe,
                    },
                };
                // Stop fetching and decoding before telling anyone: the
                // listener may start the next episode right away.
                self.feed.cancel();
                let _ = self.pipeline.set_state(gst::State::Null);
                let _ = self.events.send(event);
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
                if !self.user_paused.load(Ordering::SeqCst) {
                    let _ = self.pipeline.set_state(gst::State::Playing);
                }
                let _ = self.events.send(PlayerEvent::Buffering {
                    episode: self.id,
                    percent: 100,
                });
            }
            return;
        }
        let last = self.stats.last_frame_ns.load(Ordering::Relaxed);
        if last == 0 || done || self.user_paused.load(Ordering::SeqCst) {
            return;
        }
        let since_frame = self
            .requested_at
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
            let _ = self.pipeline.set_state(gst::State::Paused);
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
