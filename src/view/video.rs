//! Video frames from the playback core into the UI: one copy per frame,
//! from the GStreamer buffer (already scaled to the size shown) into a
//! `SharedPixelBuffer`, handed to the UI thread; frames that arrive while
//! the UI is busy replace each other instead of queueing up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Image, Rgba8Pixel, SharedPixelBuffer};

use crate::playback::{EpisodeId, FrameSink, RgbaFrame};

use super::{Api, AppWindow};

/// Size of the blurred backdrop behind the pillarbox, and its blur.
const BACKDROP: (u32, u32) = (128, 72);
const BLUR_RADIUS: usize = 5;
const BACKDROP_EVERY: Duration = Duration::from_millis(500);

/// Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct VideoSink {
    inner: Arc<Inner>,
}

struct Inner {
    ui: slint::Weak<AppWindow>,
    /// The episode on screen; `u64::MAX` for none.
    showing: AtomicU64,
    /// The latest frame of an episode not (yet) on screen: a just-started
    /// episode can send its first frame before `show` learns its id.
    stray: Mutex<Option<(EpisodeId, SharedPixelBuffer<Rgba8Pixel>)>>,
    latest: Mutex<Option<SharedPixelBuffer<Rgba8Pixel>>>,
    backdrop: Mutex<(Option<Instant>, Option<SharedPixelBuffer<Rgba8Pixel>>)>,
    scheduled: AtomicBool,
}

impl VideoSink {
    pub fn new(ui: slint::Weak<AppWindow>) -> VideoSink {
        VideoSink {
            inner: Arc::new(Inner {
                ui,
                showing: AtomicU64::new(u64::MAX),
                stray: Mutex::new(None),
                latest: Mutex::new(None),
                backdrop: Mutex::new((None, None)),
                scheduled: AtomicBool::new(false),
            }),
        }
    }

    /// Shows the frames of `episode` (and its latest frame, if it came
    /// early).
    pub fn show(&self, episode: EpisodeId) {
        self.inner.showing.store(episode, Ordering::SeqCst);
        let early = self.inner.stray.lock().ok().and_then(|mut s| s.take());
        if let Some((id, frame)) = early
            && id == episode
        {
            if let Ok(mut l) = self.inner.latest.lock() {
                *l = Some(frame);
            }
            self.deliver();
        }
    }

    /// Shows nothing, and clears the picture, until the next `show`.
    pub fn stop(&self) {
        self.inner.showing.store(u64::MAX, Ordering::SeqCst);
        if let Ok(mut s) = self.inner.stray.lock() {
            *s = None;
        }
        self.clear();
    }

    fn clear(&self) {
        if let Ok(mut l) = self.inner.latest.lock() {
            *l = None;
        }
        let _ = self.inner.ui.upgrade_in_event_loop(|ui| {
            ui.global::<Api>().set_video_frame(Image::default());
        });
    }

    fn deliver(&self) {
        if self.inner.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = self.inner.clone();
        let _ = self.inner.ui.upgrade_in_event_loop(move |ui| {
            inner.scheduled.store(false, Ordering::Release);
            let api = ui.global::<Api>();
            let frame = inner.latest.lock().ok().and_then(|mut l| l.take());
            if let Some(frame) = frame {
                api.set_video_frame(Image::from_rgba8(frame));
            }
            let backdrop = inner.backdrop.lock().ok().and_then(|mut b| b.1.take());
            if let Some(b) = backdrop {
                api.set_backdrop(Image::from_rgba8(b));
            }
        });
    }
}

impl FrameSink for VideoSink {
    fn frame(&self, episode: EpisodeId, frame: &RgbaFrame<'_>) {
        let inner = &self.inner;
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
        if episode != inner.showing.load(Ordering::SeqCst) {
            if let Ok(mut s) = inner.stray.lock() {
                *s = Some((episode, buf));
            }
            return;
        }
        if let Ok(mut b) = inner.backdrop.lock() {
            let due = b.0.is_none_or(|t| t.elapsed() >= BACKDROP_EVERY);
            if due {
                b.0 = Some(Instant::now());
                b.1 = Some(backdrop(&buf));
            }
        }
        if let Ok(mut l) = inner.latest.lock() {
            *l = Some(buf);
        }
        self.deliver();
    }
}

/// A small, blurred copy of the frame's middle band: stretched over the
/// screen behind a dark veil it reads as a soft glow of the picture. Blurred
/// here because renderers may scale it up without filtering.
pub fn backdrop(frame: &SharedPixelBuffer<Rgba8Pixel>) -> SharedPixelBuffer<Rgba8Pixel> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let (bw, bh) = (BACKDROP.0 as usize, BACKDROP.1 as usize);
    let px = frame.as_slice();
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
                    if let Some(p) = px.get(y.min(h - 1) * w + x.min(w - 1)) {
                        sum[0] += p.r as u32;
                        sum[1] += p.g as u32;
                        sum[2] += p.b as u32;
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
    for (dst, [r, g, b]) in out.make_mut_slice().iter_mut().zip(rgb) {
        *dst = Rgba8Pixel {
            r: r as u8,
            g: g as u8,
            b: b as u8,
            a: 255,
        };
    }
    out
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
