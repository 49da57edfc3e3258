//! Video frames from the playback core into the UI. On the CPU path, one
//! copy per frame, from the GStreamer buffer (already scaled to the size
//! shown) into a `SharedPixelBuffer`; on the GL path, the buffer's texture,
//! picked up by the renderer (`gl_video`). Frames that arrive while the UI
//! is busy replace each other instead of queueing up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer_gl as gst_gl;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;
use slint::{ComponentHandle, Image, Rgba8Pixel, SharedPixelBuffer};

use crate::playback::{EpisodeId, FrameSink, RgbaFrame};

use super::subtitles::SubtitleSlot;
use super::{AppWindow, PlayerPage};

/// Size of the blurred backdrop behind the pillarbox, and its blur.
const BACKDROP: (u32, u32) = (128, 72);
const BLUR_RADIUS: usize = 5;
/// How often the backdrop is checked against the picture (and at each
/// episode's first frame): a new one goes up only if it looks different
/// (each change redraws both sides of the screen).
const BACKDROP_EVERY: Duration = Duration::from_secs(2);
/// A new backdrop looks different from the one up when its pixels differ
/// by this much on average (the largest of each pixel's three channels,
/// of 255, already dimmed): a cut or a new scene does, a face talking in
/// the same room does not.
const BACKDROP_CHANGE: u32 = 3;
/// The backdrop is dimmed as a veil of black at this opacity (of 255)
/// would: baked in here, so that no veil is drawn over it.
const VEIL: u32 = 0xb0;

/// Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct VideoSink {
    inner: Arc<Inner>,
}

struct Inner {
    ui: slint::Weak<AppWindow>,
    /// The id of the episode on screen (the shell says it before the
    /// player starts it); 0 for none. Frames of any other episode (a
    /// replaced one's last, in flight) are dropped.
    showing: AtomicU64,
    latest: Mutex<Option<(Frame, Option<Duration>)>>,
    /// Timestamp of the first frame shown of the episode on screen: frame
    /// timestamps minus it are the media time subtitles are timed in.
    first_pts: Mutex<Option<Duration>>,
    /// Where in the episode its first frame shown is (a resumed episode),
    /// ns: added to media times.
    start_ns: AtomicU64,
    /// Subtitles of the episode on screen, and the text last put up.
    subtitles: std::sync::OnceLock<SubtitleSlot>,
    subtitle_shown: Mutex<String>,
    backdrop: Mutex<BackdropState>,
    /// The pictures the converter writes frames into, in turn: while one
    /// is on screen the next is written (a picture the UI still holds is
    /// copied before it is written, never changed under it).
    pictures: Mutex<([Option<SharedPixelBuffer<Rgba8Pixel>>; 2], usize)>,
    scheduled: AtomicBool,
    /// GL path: the frame for the renderer to pick up before it draws, and
    /// the one on screen, mapped (its texture is valid) while it shows.
    gl_next: Mutex<Option<(gst::Buffer, gst_video::VideoInfo)>>,
    gl_current: Mutex<Option<gst_gl::GLVideoFrame<gst_gl::gl_video_frame::Readable>>>,
    gl_shown: AtomicU64,
}

/// The backdrop as the streaming thread follows it.
#[derive(Default)]
struct BackdropState {
    /// When it was last checked against the picture.
    checked: Option<Instant>,
    /// A new one for the UI to put up.
    pending: Option<Backdrop>,
    /// The one last given to the UI.
    shown: Option<Backdrop>,
}

enum Frame {
    Cpu(SharedPixelBuffer<Rgba8Pixel>),
    Gl(gst::Buffer, gst_video::VideoInfo),
}

impl VideoSink {
    pub fn new(ui: slint::Weak<AppWindow>) -> VideoSink {
        VideoSink {
            inner: Arc::new(Inner {
                ui,
                showing: AtomicU64::new(0),
                latest: Mutex::new(None),
                first_pts: Mutex::new(None),
                start_ns: AtomicU64::new(0),
                subtitles: std::sync::OnceLock::new(),
                subtitle_shown: Mutex::new(String::new()),
                backdrop: Mutex::new(BackdropState::default()),
                pictures: Mutex::new((Default::default(), 0)),
                scheduled: AtomicBool::new(false),
                gl_next: Mutex::new(None),
                gl_current: Mutex::new(None),
                gl_shown: AtomicU64::new(0),
            }),
        }
    }

    /// Shows the frames of `episode` from now on (called before the
    /// player starts it); `start` is where in the episode its first frame
    /// is.
    pub fn show(&self, episode: EpisodeId, start: Duration) {
        self.inner
            .start_ns
            .store(start.as_nanos() as u64, Ordering::SeqCst);
        if let Ok(mut f) = self.inner.first_pts.lock() {
            *f = None;
        }
        // The new episode's first frame gives the backdrop at once.
        if let Ok(mut b) = self.inner.backdrop.lock() {
            *b = BackdropState::default();
        }
        self.inner.showing.store(episode.0, Ordering::SeqCst);
    }

    /// Where in `episode` its first frame really is (a resumed episode
    /// starts at a segment's start, before the point asked for).
    pub fn set_start(&self, episode: EpisodeId, start: Duration) {
        if self.inner.showing.load(Ordering::SeqCst) == episode.0 {
            self.inner
                .start_ns
                .store(start.as_nanos() as u64, Ordering::SeqCst);
        }
    }

    /// Where the subtitles of the episode on screen are found: checked at
    /// every frame shown. Set once.
    pub fn set_subtitles(&self, slot: SubtitleSlot) {
        let _ = self.inner.subtitles.set(slot);
    }

    /// Shows nothing, and clears the picture, until the next `show`.
    pub fn stop(&self) {
        self.inner.showing.store(0, Ordering::SeqCst);
        self.clear();
    }

    fn clear(&self) {
        if let Ok(mut l) = self.inner.latest.lock() {
            *l = None;
        }
        if let Ok(mut f) = self.inner.first_pts.lock() {
            *f = None;
        }
        if let Ok(mut shown) = self.inner.subtitle_shown.lock() {
            shown.clear();
        }
        if let Ok(mut g) = self.inner.gl_next.lock() {
            *g = None;
        }
        let inner = self.inner.clone();
        let _ = self.inner.ui.upgrade_in_event_loop(move |ui| {
            ui.global::<PlayerPage>().set_video_frame(Image::default());
            ui.global::<PlayerPage>()
                .set_subtitle(slint::StyledText::default());
            // The picture no longer uses the texture: let the buffer go.
            if let Ok(mut c) = inner.gl_current.lock() {
                *c = None;
            }
        });
    }

    /// How many GL frames the renderer has put on screen.
    pub fn gl_frames_shown(&self) -> u64 {
        self.inner.gl_shown.load(Ordering::Relaxed)
    }

    /// Called by the renderer, with its GL context current, before it
    /// draws: the newest GL frame as an image of its texture, if one came.
    pub(super) fn take_gl_frame(&self, context: &gst_gl::GLContext) -> Option<Image> {
        use gstreamer_gl::prelude::*;
        let (buffer, info) = self.inner.gl_next.lock().ok()?.take()?;
        if let Some(meta) = buffer.meta::<gst_gl::GLSyncMeta>() {
            meta.wait(context);
        }
        let frame = match gst_gl::GLVideoFrame::from_buffer_readable(buffer, &info) {
            Ok(f) => f,
            Err(_) => {
                tracing::warn!("cannot map a GL video frame");
                return None;
            }
        };
        let texture = frame
            .texture_id(0)
            .ok()
            .and_then(std::num::NonZeroU32::new)?;
        let size = slint::PhysicalSize::new(frame.width(), frame.height());
        // SAFETY: the texture belongs to a context shared with the
        // renderer's, and stays valid while `gl_current` holds its frame,
        // which is replaced only by the next frame or a cleared picture.
        let image = unsafe {
            slint::BorrowedOpenGLTextureBuilder::new_gl_2d_rgba_texture(
                texture,
                [size.width, size.height].into(),
            )
            .build()
        };
        if let Ok(mut c) = self.inner.gl_current.lock() {
            *c = Some(frame);
        }
        self.inner.gl_shown.fetch_add(1, Ordering::Relaxed);
        Some(image)
    }

    /// Drops the GL frames: the renderer's context is going away.
    pub(super) fn release_gl(&self) {
        if let Ok(mut g) = self.inner.gl_next.lock() {
            *g = None;
        }
        if let Ok(mut c) = self.inner.gl_current.lock() {
            *c = None;
        }
    }

    fn deliver(&self) {
        if self.inner.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = self.inner.clone();
        let _ = self.inner.ui.upgrade_in_event_loop(move |ui| {
            inner.scheduled.store(false, Ordering::Release);
            let api = ui.global::<PlayerPage>();
            let frame = inner.latest.lock().ok().and_then(|mut l| l.take());
            let pts = frame.as_ref().and_then(|(_, pts)| *pts);
            match frame.map(|(f, _)| f) {
                Some(Frame::Cpu(frame)) => api.set_video_frame(Image::from_rgba8(frame)),
                Some(Frame::Gl(buffer, info)) => {
                    // Only the renderer, with its context current, may turn
                    // it into a texture image: hand it over and redraw.
                    if let Ok(mut g) = inner.gl_next.lock() {
                        *g = Some((buffer, info));
                    }
                    ui.window().request_redraw();
                }
                None => {}
            }
            let backdrop = inner
                .backdrop
                .lock()
                .ok()
                .and_then(|mut b| b.pending.take());
            if let Some(b) = backdrop {
                api.set_backdrop(Image::from_rgba8(b));
            }
            if let Some(pts) = pts {
                inner.show_subtitles(&api, pts);
            }
        });
    }
}

impl Inner {
    /// Puts up the cues of the frame with timestamp `pts`, if they changed.
    fn show_subtitles(&self, api: &PlayerPage<'_>, pts: Duration) {
        let Some(slot) = self.subtitles.get() else {
            return;
        };
        let first = self.first_pts.lock().ok().and_then(|f| *f).unwrap_or(pts);
        let start = Duration::from_nanos(self.start_ns.load(Ordering::SeqCst));
        let (text, top) = slot
            .at(pts.saturating_sub(first) + start)
            .unwrap_or_default();
        let Ok(mut shown) = self.subtitle_shown.lock() else {
            return;
        };
        if *shown != text {
            let styled = slint::StyledText::from_markdown(&text)
                .unwrap_or_else(|_| slint::StyledText::from_plain_text(&text));
            api.set_subtitle(styled);
            api.set_subtitle_top(top);
            *shown = text;
        }
    }
}

impl VideoSink {
    /// Shows `frame` if it belongs to the episode on screen; `rgba` gives
    /// the picture for the backdrop when one is due.
    fn offer(
        &self,
        episode: EpisodeId,
        frame: Frame,
        pts: Option<Duration>,
        rgba: impl FnOnce() -> Option<Backdrop>,
    ) {
        let inner = &self.inner;
        if episode.0 != inner.showing.load(Ordering::SeqCst) || episode.0 == 0 {
            return;
        }
        if let Ok(mut f) = inner.first_pts.lock()
            && f.is_none()
        {
            *f = pts;
        }
        if let Ok(mut b) = inner.backdrop.lock() {
            let due = b.checked.is_none_or(|t| t.elapsed() >= BACKDROP_EVERY);
            if due {
                b.checked = Some(Instant::now());
                if let Some(new) = rgba()
                    && b.shown.as_ref().is_none_or(|up| looks_different(up, &new))
                {
                    b.shown = Some(new.clone());
                    b.pending = Some(new);
                }
            }
        }
        if let Ok(mut l) = inner.latest.lock() {
            *l = Some((frame, pts));
        }
        self.deliver();
    }
}

type Backdrop = SharedPixelBuffer<Rgba8Pixel>;

impl FrameSink for VideoSink {
    fn frame(&self, episode: EpisodeId, frame: &RgbaFrame<'_>) {
        let (w, h) = (frame.width as usize, frame.height as usize);
        let mut buf = SharedPixelBuffer::<Rgba8Pixel>::new(frame.width, frame.height);
        {
            // The one copy: row by row, since GStreamer pads rows.
            let dst = buf.make_mut_bytes();
            let row = w * 4;
            for y in 0..h {
                let src = &frame.data[y * frame.stride..y * frame.stride + row];
                dst[y * row..(y + 1) * row].copy_from_slice(src);
            }
        }
        self.offer(episode, Frame::Cpu(buf), frame.pts, || {
            Some(backdrop(frame))
        });
    }

    /// The converter writes straight into the next of two pictures: no
    /// allocation, no copy per frame.
    fn fill_frame(
        &self,
        episode: EpisodeId,
        width: u32,
        height: u32,
        pts: Option<Duration>,
        fill: &mut dyn FnMut(&mut [u8]) -> bool,
    ) -> bool {
        if episode.0 != self.inner.showing.load(Ordering::SeqCst) || episode.0 == 0 {
            // Not shown: converted all the same (the caller asked), and dropped.
            let mut scratch = vec![0; width as usize * height as usize * 4];
            return fill(&mut scratch);
        }
        let picture = {
            let Ok(mut ring) = self.inner.pictures.lock() else {
                return false;
            };
            let (slots, next) = &mut *ring;
            let i = *next;
            *next = (i + 1) % slots.len();
            let slot = &mut slots[i];
            if slot
                .as_ref()
                .is_none_or(|p| p.width() != width || p.height() != height)
            {
                *slot = Some(SharedPixelBuffer::new(width, height));
            }
            let Some(picture) = slot.as_mut() else {
                return false;
            };
            if !fill(picture.make_mut_bytes()) {
                return false;
            }
            picture.clone()
        };
        let stride = width as usize * 4;
        let rgba = || {
            Some(backdrop(&RgbaFrame {
                width,
                height,
                stride,
                pts,
                data: picture.as_bytes(),
            }))
        };
        self.offer(episode, Frame::Cpu(picture.clone()), pts, rgba);
        true
    }

    fn gl_frame(&self, episode: EpisodeId, buffer: gst::Buffer, info: &gst_video::VideoInfo) {
        // The backdrop needs the picture in memory: reading a texture back
        // costs a download, done here on the streaming thread, twice a second.
        let for_backdrop = buffer.clone();
        let read_back = move || {
            let frame =
                gst_video::VideoFrameRef::from_buffer_ref_readable(for_backdrop.as_ref(), info)
                    .ok()?;
            let data = frame.plane_data(0).ok()?;
            Some(backdrop(&RgbaFrame {
                width: frame.width(),
                height: frame.height(),
                stride: frame.plane_stride()[0] as usize,
                pts: None,
                data,
            }))
        };
        let pts = buffer.pts().map(Duration::from);
        self.offer(episode, Frame::Gl(buffer, info.clone()), pts, read_back);
    }
}

/// A small, blurred copy of the frame's middle band: stretched over the
/// screen behind a dark veil it reads as a soft glow of the picture. Blurred
/// here because renderers may scale it up without filtering.
pub fn backdrop(frame: &RgbaFrame<'_>) -> SharedPixelBuffer<Rgba8Pixel> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let (bw, bh) = (BACKDROP.0 as usize, BACKDROP.1 as usize);
    let pixel = |x: usize, y: usize| {
        let at = y * frame.stride + x * 4;
        frame.data.get(at..at + 3)
    };
    // The band of the vertical picture a 16:9 crop would show.
    let band_h = (w * 9 / 16).clamp(1, h.max(1));
    let top = (h - band_h) / 2;
    let mut rgb = vec![[0u32; 3]; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let mut sum = [0u32; 3];
            let mut n = 0;
            // A 3x3 sample grid inside each cell.
            for sy in 0..3 {
                let y = top + ((by * 3 + sy) * band_h + band_h / 2) / (bh * 3);
                for sx in 0..3 {
                    let x = ((bx * 3 + sx) * w + w / 2) / (bw * 3);
                    if let Some(p) = pixel(x.min(w - 1), y.min(h - 1)) {
                        sum[0] += p[0] as u32;
                        sum[1] += p[1] as u32;
                        sum[2] += p[2] as u32;
                        n += 1;
                    }
                }
            }
            let n = n.max(1);
            rgb[by * bw + bx] = [sum[0] / n, sum[1] / n, sum[2] / n];
        }
    }
    for _ in 0..2 {
        rgb = box_blur(&rgb, bw, bh, BLUR_RADIUS, true);
        rgb = box_blur(&rgb, bw, bh, BLUR_RADIUS, false);
    }
    let mut out = SharedPixelBuffer::<Rgba8Pixel>::new(BACKDROP.0, BACKDROP.1);
    let dim = |v: u32| ((v * (255 - VEIL) + 127) / 255) as u8;
    for (dst, [r, g, b]) in out.make_mut_slice().iter_mut().zip(rgb) {
        *dst = Rgba8Pixel {
            r: dim(r),
            g: dim(g),
            b: dim(b),
            a: 255,
        };
    }
    out
}

/// Whether backdrop `new` looks different from `up` (see BACKDROP_CHANGE).
fn looks_different(up: &Backdrop, new: &Backdrop) -> bool {
    if up.width() != new.width() || up.height() != new.height() {
        return true;
    }
    let pixels = up.as_slice().len().max(1) as u64;
    let total: u64 = up
        .as_slice()
        .iter()
        .zip(new.as_slice())
        .map(|(a, b)| {
            a.r.abs_diff(b.r)
                .max(a.g.abs_diff(b.g))
                .max(a.b.abs_diff(b.b)) as u64
        })
        .sum();
    total >= BACKDROP_CHANGE as u64 * pixels
}

/// One pass of a box blur along rows (`horizontal`) or columns, edges clamped.
fn box_blur(src: &[[u32; 3]], w: usize, h: usize, r: usize, horizontal: bool) -> Vec<[u32; 3]> {
    let mut out = vec![[0u32; 3]; src.len()];
    let (lines, len) = if horizontal { (h, w) } else { (w, h) };
    let at = |line: usize, i: usize| {
        if horizontal {
            line * w + i
        } else {
            i * w + line
        }
    };
    let n = (2 * r + 1) as u32;
    for line in 0..lines {
        for i in 0..len {
            let mut sum = [0u32; 3];
            for k in 0..=2 * r {
                let j = (i + k).saturating_sub(r).min(len - 1);
                let p = src[at(line, j)];
                sum[0] += p[0];
                sum[1] += p[1];
                sum[2] += p[2];
            }
            out[at(line, i)] = [sum[0] / n, sum[1] / n, sum[2] / n];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(rgb: impl Fn(usize, usize) -> [u8; 3]) -> Backdrop {
        let (w, h) = (64usize, 112usize);
        let mut data = vec![0u8; w * h * 4];
        for y in 0..h {
            for x in 0..w {
                let [r, g, b] = rgb(x, y);
                data[(y * w + x) * 4..][..4].copy_from_slice(&[r, g, b, 255]);
            }
        }
        backdrop(&RgbaFrame {
            width: w as u32,
            height: h as u32,
            stride: w * 4,
            pts: None,
            data: &data,
        })
    }

    #[test]
    fn a_new_backdrop_goes_up_for_a_new_scene_not_for_small_movement() {
        let room = |shift: usize| {
            move |x: usize, y: usize| {
                let x = x + shift;
                [
                    (x * 3) as u8,
                    (y * 2) as u8,
                    if (20..30).contains(&x) { 200 } else { 40 },
                ]
            }
        };
        let up = frame(room(0));
        assert!(!looks_different(&up, &frame(room(0))), "the same picture");
        assert!(
            !looks_different(&up, &frame(room(1))),
            "the same room, something moved a pixel"
        );
        assert!(
            looks_different(&up, &frame(|_, _| [230, 40, 30])),
            "a cut to a red scene"
        );
        assert!(
            looks_different(&up, &frame(|x, y| room(0)(x, y).map(|c| c / 2))),
            "the light went down"
        );
    }
}
