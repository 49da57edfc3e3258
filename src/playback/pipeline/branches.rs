//! The branches a decoded stream is linked to: video scaled and converted
//! to RGBA for the frame sink (or GL textures on the GL path), audio to the
//! speakers through a volume the spoken UI ducks, anything else to a
//! fakesink. The video sink's callbacks note each frame in the episode's
//! [`Frames`] and report its first one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_gl as gst_gl;
use gstreamer_gl::prelude::*;
use gstreamer_video as gst_video;

use super::frames::Frames;
use super::{Identity, make};
use crate::playback::rgba::RgbaPictures;
use crate::playback::{AudioOutput, FrameSink, GlHandles, PlaybackError, PlayerEvent, ReportSink};

/// Posted by the video sink when the last frame has been shown.
pub const VIDEO_EOS_MESSAGE: &str = "pillarbox-video-eos";

#[derive(Clone)]
pub struct BranchConfig {
    pub video_size: Option<(u32, u32)>,
    pub wide_size: Option<(u32, u32)>,
    pub audio: AudioOutput,
    pub fast: bool,
    /// Set when the UI shared its GL context before this episode started.
    pub gl: Option<GlHandles>,
    pub duck: crate::playback::duck::Duck,
}

/// What links one episode's decoded streams.
pub struct Branches {
    pub config: BranchConfig,
    pub identity: Arc<Identity>,
    pub frames: Arc<Frames>,
    pub frames_out: Arc<dyn FrameSink>,
    pub reports: Arc<dyn ReportSink>,
}

impl Branches {
    /// Links decodebin3's new `pad` to the branch its caps call for.
    pub fn link(&self, pipeline: &gst::Pipeline, pad: &gst::Pad) -> Result<(), PlaybackError> {
        link_branch(pipeline, pad, self)
    }
}

fn link_branch(
    pipeline: &gst::Pipeline,
    pad: &gst::Pad,
    b: &Branches,
) -> Result<(), PlaybackError> {
    let cfg = &b.config;
    let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
    let kind = caps
        .structure(0)
        .map(|s| s.name().to_string())
        .unwrap_or_default();
    let elements: Vec<gst::Element> = if kind.starts_with("video/") {
        video_chain(b)?
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
    let mut s = b.frames.lock();
    s.video_branch |= kind.starts_with("video/");
    s.branches += 1;
    Ok(())
}

/// The video branch: on the CPU path `videoconvert ! I420 ! appsink`, each
/// frame scaled and converted to one RGBA picture in memory; on the GL path `glsinkbin`
/// around an appsink of RGBA textures: the picture is uploaded once (or
/// imported, from a hardware decoder) and stays on the GPU, and the
/// renderer scales it when it draws.
fn video_chain(b: &Branches) -> Result<Vec<gst::Element>, PlaybackError> {
    let (cfg, frames_out) = (&b.config, &b.frames_out);
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
                Box::new(RgbaPictures::new(cfg.video_size, cfg.wide_size)),
            ),
        ),
    };
    let sink = video_appsink(caps, cfg.fast);
    sink.set_callbacks(frame_callbacks(b, out));
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

/// What the video sink's callbacks share: the episode's frame notes and
/// where its pictures go.
struct Shower {
    identity: Arc<Identity>,
    frames: Arc<Frames>,
    reports: Arc<dyn ReportSink>,
    out: Arc<dyn FrameSink>,
    /// Without RGBA pictures to make, frames go out as GL buffers.
    pictures: Option<Mutex<Box<RgbaPictures>>>,
    info: Mutex<Option<(gst::Caps, gst_video::VideoInfo)>>,
    fast: bool,
}

impl Shower {
    /// Notes `sample`'s frame (the first one reported), and hands it to
    /// the frame sink. A `prerolled` frame is shown ahead of playing: it
    /// counts as played when it comes again as a sample.
    fn show(
        &self,
        sink: &gst_app::AppSink,
        sample: &gst::Sample,
        prerolled: bool,
    ) -> Result<(), gst::FlowError> {
        let caps = sample.caps().ok_or(gst::FlowError::NotNegotiated)?;
        let vi = {
            let mut info = self.info.lock().unwrap_or_else(|e| e.into_inner());
            if info.as_ref().is_none_or(|(c, _)| c.as_ref() != caps) {
                let vi = gst_video::VideoInfo::from_caps(caps)
                    .map_err(|_| gst::FlowError::NotNegotiated)?;
                let fps = vi.fps();
                if fps.numer() > 0 {
                    self.frames.lock().frame_ns =
                        1_000_000_000u64 * fps.denom() as u64 / fps.numer() as u64;
                }
                *info = Some((caps.to_owned(), vi));
            }
            info.as_ref()
                .map(|(_, vi)| vi.clone())
                .ok_or(gst::FlowError::NotNegotiated)?
        };
        let buffer = sample.buffer().ok_or(gst::FlowError::Error)?;
        let mut pictures = self
            .pictures
            .as_ref()
            .map(|p| p.lock().unwrap_or_else(|e| e.into_inner()));
        let fail = |e: crate::playback::rgba::RgbaError| {
            gst::element_error!(sink, gst::StreamError::Format, ["{}", e]);
            gst::FlowError::Error
        };
        let (width, height) = match pictures.as_mut() {
            Some(pictures) => pictures.prepare(caps, &vi).map_err(fail)?,
            None => (vi.width(), vi.height()),
        };
        let now = Instant::now();
        let frames = &self.frames;
        let now_ns = frames.since_origin(now).max(1);
        let id = self.identity.get();
        let first = {
            let mut s = frames.lock();
            // A prerolled picture is not playing yet: stall detection
            // starts from the first frame played.
            if !prerolled {
                s.frames += 1;
                s.last_frame_ns = now_ns;
            }
            let first = !s.first_shown;
            s.first_shown = true;
            if first {
                let elapsed = Duration::from_nanos(now_ns.saturating_sub(s.requested_ns));
                s.first_frame_ms = elapsed.as_millis() as u64;
                if let Some(end) = s.previous_end {
                    s.switch_gap_us = Some(now.saturating_duration_since(end).as_micros() as u64);
                }
                s.width = width;
                s.height = height;
            }
            if s.parsed_video_complete
                && let Some(pts) = buffer.pts()
                && pts.nseconds() >= s.parsed_video_max_pts_ns
            {
                // The last frame: the picture ends one frame from now.
                let duration = buffer
                    .duration()
                    .map(|d| d.nseconds())
                    .unwrap_or(s.frame_ns);
                s.video_end_ns = now_ns + if self.fast { 0 } else { duration };
            }
            first.then(|| {
                (
                    Duration::from_nanos(now_ns.saturating_sub(s.requested_ns)),
                    Duration::from_nanos(s.start_ns),
                )
            })
        };
        if let Some((since_play, start)) = first {
            self.reports.report(PlayerEvent::FirstFrame {
                episode: id,
                since_play,
                width,
                height,
                start,
            });
        }
        match pictures.as_mut() {
            Some(pictures) => pictures
                .deliver(self.out.as_ref(), id, caps, &vi, buffer)
                .map_err(fail)?,
            None => {
                let mut buffer = buffer.to_owned();
                set_gl_sync_point(&mut buffer)?;
                self.out.gl_frame(id, buffer, &vi);
            }
        }
        Ok(())
    }
}

fn frame_callbacks(b: &Branches, out: FrameOut) -> gst_app::AppSinkCallbacks {
    let (out, pictures) = match out {
        FrameOut::Cpu(out, pictures) => (out, Some(Mutex::new(pictures))),
        FrameOut::Gl(out) => (out, None),
    };
    let shower = Arc::new(Shower {
        identity: b.identity.clone(),
        frames: b.frames.clone(),
        reports: b.reports.clone(),
        out,
        pictures,
        info: Mutex::new(None),
        fast: b.config.fast,
    });
    let on_preroll = shower.clone();
    gst_app::AppSinkCallbacks::builder()
        .new_sample(move |sink| {
            let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
            shower.show(sink, &sample, false)?;
            Ok(gst::FlowSuccess::Ok)
        })
        .new_preroll(move |sink| {
            let Ok(sample) = sink.pull_preroll() else {
                return Ok(gst::FlowSuccess::Ok);
            };
            if let (Some(buffer), Some(segment)) = (sample.buffer(), sample.segment())
                && let Some(segment) = segment.downcast_ref::<gst::ClockTime>()
                && let Some(rt) = segment.to_running_time(buffer.pts())
            {
                on_preroll.frames.lock().preroll_rt_ns = Some(rt.nseconds());
            }
            let s = &on_preroll;
            // An episode the viewer started (not a preload, whose id comes
            // at activation) shows its first frame as soon as it is
            // decoded: at once when it then plays, and as the still picture
            // of an episode paused before it started (a pause right after
            // a seek). The same frame comes again as the first sample when
            // it plays; it counts then.
            let nothing_shown = !s.frames.lock().first_shown;
            if s.identity.get().0 != 0 && nothing_shown {
                s.show(sink, &sample, true)?;
            } else if let Some(pictures) = &s.pictures
                && let (Some(caps), Some(buffer)) = (sample.caps(), sample.buffer())
                && let Ok(info) = gst_video::VideoInfo::from_caps(caps)
            {
                // Converted now, shown at activation without waiting for
                // it; an error shows again when the frame plays.
                let mut pictures = pictures.lock().unwrap_or_else(|e| e.into_inner());
                let _ = pictures.convert(caps, &info, buffer);
            }
            Ok(gst::FlowSuccess::Ok)
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
