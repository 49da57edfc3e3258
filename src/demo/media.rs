//! Vertical test and demo episodes, encoded with GStreamer on this machine:
//! H.264 + AAC as HLS with MPEG-TS segments, HLS with fMP4 (CMAF-style)
//! segments, or a progressive MP4.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;

use super::error::MediaError;
use super::fmp4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    HlsTs,
    HlsFmp4,
    /// Progressive MP4; `faststart` puts the moov box first.
    Mp4 {
        faststart: bool,
    },
}

#[derive(Debug, Clone)]
pub struct EpisodeSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub frames: u32,
    pub segment_seconds: u32,
    pub container: Container,
    /// videotestsrc pattern name (smpte, ball, snow, ...).
    pub pattern: String,
    /// Drawn on the picture when the textoverlay element is present.
    pub label: Option<String>,
    pub audio: bool,
    /// Target video bitrate in kbit/s.
    pub bitrate_kbps: u32,
}

impl EpisodeSpec {
    /// A 1080x1920 25 fps episode of `seconds` in `container`.
    pub fn vertical(container: Container, seconds: u32) -> EpisodeSpec {
        EpisodeSpec {
            width: 1080,
            height: 1920,
            fps: 25,
            frames: seconds * 25,
            segment_seconds: 2,
            container,
            pattern: "ball".into(),
            label: None,
            audio: true,
            bitrate_kbps: 2500,
        }
    }

    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.frames as f64 / self.fps as f64)
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    pub dir: PathBuf,
    /// The file to play, relative to `dir`: `index.m3u8` or `episode.mp4`.
    pub entry: String,
    pub frames: u32,
    pub duration: Duration,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MediaError + '_ {
    move |source| MediaError::Io {
        path: path.to_owned(),
        source,
    }
}

fn have(element: &str) -> bool {
    gst::ElementFactory::find(element).is_some()
}

fn aac_encoder() -> &'static str {
    ["avenc_aac", "fdkaacenc", "voaacenc"]
        .into_iter()
        .find(|e| have(e))
        .unwrap_or("avenc_aac")
}

/// Encodes one episode into `dir` (created if missing).
pub fn generate(spec: &EpisodeSpec, dir: &Path) -> Result<Generated, MediaError> {
    gst::init().map_err(|e| MediaError::Gst(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let gop = spec.fps * spec.segment_seconds.max(1);
    let overlay = match &spec.label {
        // A label asked for is drawn, or the episode is not made: the demo
        // never loses its titles silently.
        Some(text) => {
            crate::elements::require("textoverlay").map_err(|e| MediaError::Gst(e.to_string()))?;
            format!(
                "textoverlay text=\"{}\" font-desc=\"Sans Bold 72\" valignment=center halignment=center ! ",
                text.replace(['"', '\\'], "")
            )
        }
        None => String::new(),
    };
    let video = format!(
        "videotestsrc num-buffers={frames} pattern={pattern} ! \
         video/x-raw,width={w},height={h},framerate={fps}/1 ! {overlay}\
         x264enc speed-preset=ultrafast key-int-max={gop} bframes=0 bitrate={kbps} ! \
         video/x-h264,profile=constrained-baseline ! h264parse ! ",
        frames = spec.frames,
        pattern = spec.pattern,
        w = spec.width,
        h = spec.height,
        fps = spec.fps,
        kbps = spec.bitrate_kbps,
    );
    // One audio buffer per video frame, so both streams end together.
    let samples_per_frame = 48_000 / spec.fps.max(1);
    let audio_buffers = spec.frames;
    let audio = format!(
        "audiotestsrc num-buffers={audio_buffers} samplesperbuffer={samples_per_frame} wave=sine freq=440 volume=0.2 ! \
         audio/x-raw,rate=48000,channels=2 ! audioconvert ! {enc} ! aacparse ! ",
        enc = aac_encoder()
    );
    let q = |p: &Path| format!("\"{}\"", p.display());
    let (description, entry) = match spec.container {
        Container::HlsTs => (
            format!(
                "{video}hls.video {audio_branch} hlssink2 name=hls location={seg} \
                 playlist-location={pl} target-duration={td} max-files=0 playlist-length=0",
                audio_branch = if spec.audio {
                    format!("{audio}hls.audio")
                } else {
                    String::new()
                },
                seg = q(&dir.join("seg%05d.ts")),
                pl = q(&dir.join("index.m3u8")),
                td = spec.segment_seconds,
            ),
            "index.m3u8",
        ),
        Container::HlsFmp4 => (
            format!(
                "{video}mux. {audio_branch} mp4mux name=mux fragment-duration={fd} ! filesink location={out}",
                audio_branch = if spec.audio {
                    format!("{audio}mux.")
                } else {
                    String::new()
                },
                fd = spec.segment_seconds * 1000,
                out = q(&dir.join("fragmented.mp4")),
            ),
            "index.m3u8",
        ),
        Container::Mp4 { faststart } => (
            format!(
                "{video}mux. {audio_branch} mp4mux name=mux faststart={faststart} ! filesink location={out}",
                audio_branch = if spec.audio {
                    format!("{audio}mux.")
                } else {
                    String::new()
                },
                out = q(&dir.join("episode.mp4")),
            ),
            "episode.mp4",
        ),
    };
    run_to_eos(&description)?;
    match spec.container {
        Container::HlsTs => ensure_endlist(&dir.join("index.m3u8"))?,
        Container::HlsFmp4 => {
            let source = dir.join("fragmented.mp4");
            fmp4::split_for_hls(&source, dir, spec.segment_seconds as f64)?;
            std::fs::remove_file(&source).map_err(io(&source))?;
        }
        Container::Mp4 { .. } => {}
    }
    Ok(Generated {
        dir: dir.to_owned(),
        entry: entry.to_owned(),
        frames: spec.frames,
        duration: spec.duration(),
    })
}

/// An audio-only HLS rendition (AAC in MPEG-TS) of `seconds`: a sine at
/// `freq` Hz, for episodes whose audio comes as `EXT-X-MEDIA` renditions.
pub fn generate_audio_rendition(
    dir: &Path,
    seconds: u32,
    segment_seconds: u32,
    freq: u32,
) -> Result<(), MediaError> {
    gst::init().map_err(|e| MediaError::Gst(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let q = |p: &Path| format!("\"{}\"", p.display());
    // 1920 samples at 48 kHz: one buffer per 25 fps frame, as episodes.
    run_to_eos(&format!(
        "audiotestsrc num-buffers={buffers} samplesperbuffer=1920 wave=sine freq={freq} volume=0.2 ! \
         audio/x-raw,rate=48000,channels=2 ! audioconvert ! {enc} ! aacparse ! hls.audio \
         hlssink2 name=hls location={seg} playlist-location={pl} target-duration={td} \
         max-files=0 playlist-length=0",
        buffers = seconds * 25,
        enc = aac_encoder(),
        seg = q(&dir.join("seg%05d.ts")),
        pl = q(&dir.join("index.m3u8")),
        td = segment_seconds.max(1),
    ))?;
    ensure_endlist(&dir.join("index.m3u8"))
}

fn run_to_eos(description: &str) -> Result<(), MediaError> {
    let pipeline = gst::parse::launch(description)
        .map_err(|e| MediaError::Gst(format!("{e} in: {description}")))?;
    let bus = pipeline
        .bus()
        .ok_or_else(|| MediaError::Gst("pipeline without bus".into()))?;
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| MediaError::Gst(format!("cannot start encoder: {e}")))?;
    let result = loop {
        let Some(msg) = bus.timed_pop_filtered(
            gst::ClockTime::from_seconds(300),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        ) else {
            break Err(MediaError::Gst("encoding did not finish in 300 s".into()));
        };
        match msg.view() {
            gst::MessageView::Eos(_) => break Ok(()),
            gst::MessageView::Error(e) => {
                break Err(MediaError::Gst(format!(
                    "{}: {}",
                    e.error(),
                    e.debug().map(|d| d.to_string()).unwrap_or_default()
                )));
            }
            _ => {}
        }
    };
    let _ = pipeline.set_state(gst::State::Null);
    result
}

/// hlssink2 ends the playlist on EOS; make sure, as players refuse live playlists.
fn ensure_endlist(playlist: &Path) -> Result<(), MediaError> {
    let mut text = std::fs::read_to_string(playlist).map_err(io(playlist))?;
    if !text.contains("#EXT-X-ENDLIST") {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("#EXT-X-ENDLIST\n");
        std::fs::write(playlist, text).map_err(io(playlist))?;
    }
    Ok(())
}

/// A still PNG, `width`x`height`, of `rgb` with `title` written large in
/// the lower part and `caption` small at the top: a demo poster.
pub fn still(
    path: &Path,
    size: (u32, u32),
    rgb: u32,
    title: &str,
    caption: &str,
) -> Result<(), MediaError> {
    still_sized(path, size, rgb, title, caption, (size.0 / 12).max(8))
}

/// [`still`] with the title's size in points: a demo logo.
pub fn still_sized(
    path: &Path,
    (width, height): (u32, u32),
    rgb: u32,
    title: &str,
    caption: &str,
    big: u32,
) -> Result<(), MediaError> {
    gst::init().map_err(|e| MediaError::Gst(e.to_string()))?;
    let clean = |t: &str| t.replace(['"', '\\', '<', '>', '&'], "");
    let text = if !title.is_empty() || !caption.is_empty() {
        crate::elements::require("textoverlay").map_err(|e| MediaError::Gst(e.to_string()))?;
        let small = (width / 24).max(6);
        format!(
            "textoverlay text=\"{title}\" font-desc=\"Sans Bold {big}\" valignment=bottom \
             halignment=center line-alignment=center wrap-mode=word deltay=-{dy} ! \
             textoverlay text=\"{caption}\" font-desc=\"Sans {small}\" valignment=top \
             halignment=center deltay={dy2} ! ",
            title = clean(title),
            caption = clean(caption),
            dy = height / 10,
            dy2 = height / 30,
        )
    } else {
        String::new()
    };
    run_to_eos(&format!(
        "videotestsrc num-buffers=1 pattern=solid-color foreground-color={argb} ! \
         video/x-raw,width={width},height={height},format=BGRx ! {text}\
         videoconvert ! pngenc ! filesink location=\"{path}\"",
        argb = 0xff00_0000u32 | rgb,
        path = path.display(),
    ))
}
