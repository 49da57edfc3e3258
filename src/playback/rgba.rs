//! The CPU video path's last step: a decoded I420 frame becomes the RGBA
//! picture handed to the frame sink, scaled to the size shown (the 9:16
//! picture at the screen's height; a picture wider than tall, such as a
//! 16:9 ad, across the screen) in the same pass, by `pillarbox-yuv`.
//! One converter per stream, rebuilt when the caps change; one output
//! buffer, reused from frame to frame.

use gstreamer as gst;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;
use pillarbox_yuv::{Colour, Converter, I420, Matrix, fit};

use super::{EpisodeId, FrameSink, RgbaFrame};

/// The picture a stream's frames become.
pub(super) struct RgbaPictures {
    /// The size asked for; `None`: the source's display size.
    size: Option<(u32, u32)>,
    /// The size a picture wider than tall is fitted into instead, if any.
    wide: Option<(u32, u32)>,
    converter: Option<(gst::Caps, Converter)>,
    buffer: Vec<u8>,
    /// The frame in `buffer` (its GstBuffer's address and PTS): the
    /// prerolled frame is converted while prerolling, and shown at
    /// activation without converting it again (a switch stays ~1 ms).
    last: Option<(usize, Option<gst::ClockTime>)>,
}

/// Why a frame could not be made RGBA.
#[derive(Debug, thiserror::Error)]
pub enum RgbaError {
    #[error("unexpected video format {0}")]
    Format(String),
    #[error("no converter")]
    NoConverter,
    #[error("cannot map the video frame")]
    Map,
    #[error("plane {plane}: {reason}")]
    Plane { plane: u32, reason: String },
    #[error("{0}")]
    Convert(String),
}

impl RgbaPictures {
    pub(super) fn new(size: Option<(u32, u32)>, wide: Option<(u32, u32)>) -> RgbaPictures {
        RgbaPictures {
            size,
            wide,
            converter: None,
            buffer: Vec::new(),
            last: None,
        }
    }

    /// Makes sure a converter for `caps` is ready; the picture's size.
    pub(super) fn prepare(
        &mut self,
        caps: &gst::CapsRef,
        info: &gst_video::VideoInfo,
    ) -> Result<(u32, u32), RgbaError> {
        if self
            .converter
            .as_ref()
            .is_none_or(|(c, _)| c.as_ref() != caps)
        {
            self.last = None;
            self.converter = Some((caps.to_owned(), self.converter_for(info)?));
        }
        let (_, converter) = self.converter.as_ref().ok_or(RgbaError::NoConverter)?;
        let (w, h) = converter.output_size();
        Ok((w as u32, h as u32))
    }

    /// Converts `buffer` (I420 as `caps` say); returns the RGBA picture's
    /// width, height and bytes (rows `width * 4` apart).
    pub(super) fn convert(
        &mut self,
        caps: &gst::CapsRef,
        info: &gst_video::VideoInfo,
        buffer: &gst::BufferRef,
    ) -> Result<(u32, u32, &[u8]), RgbaError> {
        let key = (buffer.as_ptr() as usize, buffer.pts());
        let (w, h) = self.prepare(caps, info)?;
        if self.last == Some(key) {
            return Ok((w, h, &self.buffer));
        }
        self.last = None;
        let mut out = std::mem::take(&mut self.buffer);
        out.resize(w as usize * h as usize * 4, 0);
        let converted = self.convert_into(info, buffer, &mut out);
        self.buffer = out;
        converted?;
        self.last = Some(key);
        Ok((w, h, &self.buffer))
    }

    /// Hands `buffer`'s picture to `sink`: converted straight into memory
    /// the sink lends when it does (no copy), else into this converter's
    /// own buffer and copied by the sink. The prerolled frame, converted
    /// already, is handed over as it is.
    pub(super) fn deliver(
        &mut self,
        sink: &dyn FrameSink,
        episode: EpisodeId,
        caps: &gst::CapsRef,
        info: &gst_video::VideoInfo,
        buffer: &gst::BufferRef,
    ) -> Result<(), RgbaError> {
        let pts = buffer.pts().map(std::time::Duration::from);
        let key = (buffer.as_ptr() as usize, buffer.pts());
        let (w, h) = self.prepare(caps, info)?;
        if self.last != Some(key) {
            let mut failed = None;
            let lent = sink.fill_frame(episode, w, h, pts, &mut |dst| match self
                .convert_into(info, buffer, dst)
            {
                Ok(()) => true,
                Err(e) => {
                    failed = Some(e);
                    false
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            if lent {
                return Ok(());
            }
        }
        let (width, height, data) = self.convert(caps, info, buffer)?;
        sink.frame(
            episode,
            &RgbaFrame {
                width,
                height,
                stride: width as usize * 4,
                pts,
                data,
            },
        );
        Ok(())
    }

    /// Converts `buffer` into `out` (the output size, rows `width * 4` apart).
    fn convert_into(
        &mut self,
        info: &gst_video::VideoInfo,
        buffer: &gst::BufferRef,
        out: &mut [u8],
    ) -> Result<(), RgbaError> {
        let Some((_, converter)) = self.converter.as_mut() else {
            return Err(RgbaError::NoConverter);
        };
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, info)
            .map_err(|_| RgbaError::Map)?;
        let plane = |i: u32| {
            frame.plane_data(i).map_err(|e| RgbaError::Plane {
                plane: i,
                reason: e.to_string(),
            })
        };
        let strides = frame.plane_stride();
        let src = I420 {
            width: frame.width() as usize,
            height: frame.height() as usize,
            y: plane(0)?,
            y_stride: strides[0] as usize,
            u: plane(1)?,
            u_stride: strides[1] as usize,
            v: plane(2)?,
            v_stride: strides[2] as usize,
        };
        let (w, _) = converter.output_size();
        converter
            .convert(&src, out, w * 4)
            .map_err(|e| RgbaError::Convert(e.to_string()))
    }

    fn converter_for(&self, info: &gst_video::VideoInfo) -> Result<Converter, RgbaError> {
        if info.format() != gst_video::VideoFormat::I420 {
            return Err(RgbaError::Format(format!("{:?}", info.format())));
        }
        let (w, h) = (info.width() as usize, info.height() as usize);
        let par = info.par();
        let par = if par.numer() > 0 && par.denom() > 0 {
            f64::from(par.numer()) / f64::from(par.denom())
        } else {
            1.0
        };
        let aspect = w as f64 * par / h as f64;
        let out = match (self.size, self.wide) {
            // The fitted picture alone: the view centres it on the screen.
            (_, Some((ww, wh))) if aspect > 1.0 => {
                let r = fit(aspect, (ww as usize, wh as usize));
                (r.width, r.height)
            }
            (Some((ow, oh)), _) => (ow as usize, oh as usize),
            // Square pixels at the source's height.
            (None, _) => (((h as f64 * aspect).round() as usize).max(1), h),
        };
        let colorimetry = info.colorimetry();
        let matrix = match colorimetry.matrix() {
            gst_video::VideoColorMatrix::Bt601 | gst_video::VideoColorMatrix::Smpte240m => {
                Matrix::Bt601
            }
            gst_video::VideoColorMatrix::Bt2020 => Matrix::Bt2020,
            gst_video::VideoColorMatrix::Bt709 => Matrix::Bt709,
            // Unknown: by size, as GStreamer guesses (SD is BT.601).
            _ if h <= 576 => Matrix::Bt601,
            _ => Matrix::Bt709,
        };
        let colour = Colour {
            matrix,
            full_range: colorimetry.range() == gst_video::VideoColorRange::Range0_255,
        };
        Converter::new((w, h), out, fit(aspect, out), colour)
            .map_err(|e| RgbaError::Convert(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pillarbox_yuv::{Error, Rect};

    /// An I420 picture of `w`x`h` whose luma is `y(x, row)`, chroma flat.
    fn picture(w: usize, h: usize, y: impl Fn(usize, usize) -> u8, u: u8, v: u8) -> Vec<u8> {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let mut data = Vec::with_capacity(w * h + 2 * cw * ch);
        for r in 0..h {
            data.extend((0..w).map(|x| y(x, r)));
        }
        data.extend(std::iter::repeat_n(u, cw * ch));
        data.extend(std::iter::repeat_n(v, cw * ch));
        data
    }

    fn i420(data: &[u8], w: usize, h: usize) -> I420<'_> {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        I420 {
            width: w,
            height: h,
            y: &data[..w * h],
            y_stride: w,
            u: &data[w * h..w * h + cw * ch],
            u_stride: cw,
            v: &data[w * h + cw * ch..],
            v_stride: cw,
        }
    }

    fn convert_one(
        data: &[u8],
        src: (usize, usize),
        out: (usize, usize),
        colour: Colour,
    ) -> Vec<u8> {
        let rect = fit(src.0 as f64 / src.1 as f64, out);
        let mut c = Converter::new(src, out, rect, colour).unwrap();
        let mut rgba = vec![0; out.0 * out.1 * 4];
        c.convert(&i420(data, src.0, src.1), &mut rgba, out.0 * 4)
            .unwrap();
        rgba
    }

    const BT709: Colour = Colour {
        matrix: Matrix::Bt709,
        full_range: false,
    };

    fn close(got: &[u8], want: [u8; 4], what: &str) {
        for (g, w) in got.iter().zip(want) {
            assert!(g.abs_diff(w) <= 2, "{what}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn colours_follow_the_matrix_and_the_range() {
        let cases = [
            (BT709, (235, 128, 128), [255, 255, 255, 255], "709 white"),
            (BT709, (16, 128, 128), [0, 0, 0, 255], "709 black"),
            (BT709, (63, 102, 240), [255, 0, 0, 255], "709 red"),
            (BT709, (173, 42, 26), [0, 255, 0, 255], "709 green"),
            (BT709, (32, 240, 118), [0, 0, 255, 255], "709 blue"),
            (
                Colour {
                    matrix: Matrix::Bt601,
                    full_range: false,
                },
                (81, 90, 240),
                [255, 0, 0, 255],
                "601 red",
            ),
            (
                Colour {
                    matrix: Matrix::Bt709,
                    full_range: true,
                },
                (255, 128, 128),
                [255, 255, 255, 255],
                "full-range white",
            ),
        ];
        for (colour, (y, u, v), want, what) in cases {
            let data = picture(8, 8, |_, _| y, u, v);
            let rgba = convert_one(&data, (8, 8), (4, 4), colour);
            for px in rgba.chunks_exact(4) {
                close(px, want, what);
            }
        }
    }

    #[test]
    fn a_vertical_picture_fills_the_pillar_and_keeps_its_edges() {
        // 1080x1920, left half white and right half black, to 608x1080.
        let data = picture(1080, 1920, |x, _| if x < 540 { 235 } else { 16 }, 128, 128);
        let rgba = convert_one(&data, (1080, 1920), (608, 1080), BT709);
        for row in [0, 539, 1079] {
            let line = &rgba[row * 608 * 4..(row + 1) * 608 * 4];
            close(&line[..4], [255, 255, 255, 255], "left edge");
            close(
                &line[300 * 4..301 * 4],
                [255, 255, 255, 255],
                "left of the middle",
            );
            close(
                &line[307 * 4..308 * 4],
                [0, 0, 0, 255],
                "right of the middle",
            );
            close(&line[607 * 4..], [0, 0, 0, 255], "right edge");
        }
    }

    #[test]
    fn a_wide_picture_is_letterboxed_in_black() {
        let rect = fit(16.0 / 9.0, (608, 1080));
        assert_eq!(
            rect,
            Rect {
                x: 0,
                y: 368,
                width: 608,
                height: 342
            }
        );
        let data = picture(1920, 1080, |_, _| 235, 128, 128);
        let rgba = convert_one(&data, (1920, 1080), (608, 1080), BT709);
        let px = |x: usize, y: usize| &rgba[(y * 608 + x) * 4..(y * 608 + x) * 4 + 4];
        close(px(300, 0), [0, 0, 0, 255], "above");
        close(px(300, 367), [0, 0, 0, 255], "just above");
        close(px(300, 368), [255, 255, 255, 255], "top row");
        close(px(300, 709), [255, 255, 255, 255], "bottom row");
        close(px(300, 710), [0, 0, 0, 255], "just below");
    }

    #[test]
    fn short_planes_and_buffers_are_refused_by_name() {
        let data = picture(16, 16, |_, _| 100, 128, 128);
        let mut c = Converter::new((16, 16), (8, 8), fit(1.0, (8, 8)), BT709).unwrap();
        let mut rgba = vec![0; 8 * 8 * 4];
        let mut short = i420(&data, 16, 16);
        short.u = &short.u[..10];
        assert!(matches!(
            c.convert(&short, &mut rgba, 32),
            Err(Error::Plane { plane: "U", .. })
        ));
        let mut small = vec![0; 10];
        assert!(matches!(
            c.convert(&i420(&data, 16, 16), &mut small, 32),
            Err(Error::Output { .. })
        ));
        assert!(matches!(
            c.convert(&i420(&data[..64 * 3 / 2 * 2], 8, 8), &mut rgba, 32),
            Err(Error::Size(8, 8))
        ));
        assert!(Converter::new((0, 16), (8, 8), fit(1.0, (8, 8)), BT709).is_err());
        assert!(Converter::new((16, 16), (8, 8), fit(1.0, (8, 8)), BT709).is_ok());
    }

    #[test]
    fn gstreamer_frames_convert_at_the_size_asked_or_their_own() {
        gst::init().unwrap();
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, 64, 36)
            .build()
            .unwrap();
        let caps = info.to_caps().unwrap();
        let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
        {
            let b = buffer.get_mut().unwrap();
            let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(b, &info).unwrap();
            frame.plane_data_mut(0).unwrap().fill(235);
            frame.plane_data_mut(1).unwrap().fill(128);
            frame.plane_data_mut(2).unwrap().fill(128);
        }
        for (size, want) in [(Some((32, 18)), (32, 18)), (None, (64, 36))] {
            let mut pictures = RgbaPictures::new(size, None);
            let (w, h, data) = pictures.convert(&caps, &info, &buffer).unwrap();
            assert_eq!((w, h), want);
            assert_eq!(data.len(), (w * h * 4) as usize);
            for px in data.chunks_exact(4) {
                close(px, [255, 255, 255, 255], "white frame");
            }
        }
        // With a screen for wide pictures (the TV app): a picture wider than
        // tall is fitted to the screen with no borders of its own, any other
        // goes in the column.
        for (src, want) in [
            ((64, 36), (64, 36)),
            ((48, 36), (48, 36)),
            ((36, 64), (20, 36)),
        ] {
            let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, src.0, src.1)
                .build()
                .unwrap();
            let buffer = gst::Buffer::with_size(info.size()).unwrap();
            let mut pictures = RgbaPictures::new(Some((20, 36)), Some((64, 36)));
            let (w, h, _) = pictures
                .convert(&info.to_caps().unwrap(), &info, &buffer)
                .unwrap();
            assert_eq!((w, h), want, "{src:?}");
        }
        let nv12 = gst_video::VideoInfo::builder(gst_video::VideoFormat::Nv12, 64, 36)
            .build()
            .unwrap();
        let err = RgbaPictures::new(None, None)
            .convert(&nv12.to_caps().unwrap(), &nv12, &buffer)
            .unwrap_err();
        assert!(err.to_string().contains("Nv12"), "{err}");
    }
}
