//! I420 pictures scaled and converted to RGBA in one pass: pillarbox's CPU
//! video path, where a decoded 1080x1920 episode becomes the 608x1080 RGBA
//! picture the renderer draws.
//!
//! GStreamer's `videoscale ! videoconvert` does the same in two elements,
//! but its 8-bit bilinear scaler runs as scalar C (its ORC program does not
//! compile on x86-64) over every *input* row, and the converted picture is
//! written to a buffer pool of its own. Here each output row is made from
//! its two source rows (vertical blend first, so the scalar horizontal
//! sampling runs over output rows only), then converted and packed straight
//! into the caller's RGBA buffer. The arithmetic is written to vectorise.
//!
//! A crate of its own so that debug builds (the test suite) still compile it
//! optimised: at opt-level 0 a 1080x1920 picture takes longer than a frame.
//!
//! Sampling: bilinear luma and chroma (8-bit weights, as GStreamer's
//! bilinear), chroma shared by each 2x2 block of output pixels (as
//! videoconvert's I420 fast paths). Colour: BT.601, BT.709 or BT.2020
//! matrices, limited or full range.

use thiserror::Error;

/// The YCbCr to RGB matrix of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matrix {
    Bt601,
    Bt709,
    Bt2020,
}

/// How the source's samples are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    pub matrix: Matrix,
    /// Full range (0-255) rather than limited (16-235, 16-240).
    pub full_range: bool,
}

/// A picture in I420: full-size luma, chroma at half width and height
/// (rounded up).
#[derive(Debug, Clone, Copy)]
pub struct I420<'a> {
    pub width: usize,
    pub height: usize,
    pub y: &'a [u8],
    pub y_stride: usize,
    pub u: &'a [u8],
    pub u_stride: usize,
    pub v: &'a [u8],
    pub v_stride: usize,
}

/// Where the picture goes inside the output: the rest is black.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum Error {
    #[error("empty or oversized picture: {0}x{1} (at most {MAX_SIDE} a side)")]
    Size(usize, usize),
    #[error("the picture's {plane} plane is {len} bytes, {need} needed")]
    Plane {
        plane: &'static str,
        len: usize,
        need: usize,
    },
    #[error("the output buffer is {len} bytes, {need} needed")]
    Output { len: usize, need: usize },
}

/// Longest side accepted, in or out (8K is 7680): a stream claiming more is
/// refused before a buffer is sized for it.
pub const MAX_SIDE: usize = 8_192;

/// One source sample and its neighbour, blended with `w` of 256 for the
/// neighbour.
#[derive(Debug, Clone, Copy)]
struct Tap {
    at: u32,
    w: u16,
}

/// Taps mapping `dst` samples onto `src` samples, centres aligned.
fn taps(src: usize, dst: usize) -> Vec<Tap> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|i| {
            let pos = ((i as f64 + 0.5) * scale - 0.5).clamp(0.0, (src - 1) as f64);
            let at = (pos.floor() as usize).min(src - 1);
            let w = ((pos - at as f64) * 256.0).round() as u16;
            // The last sample has no neighbour: `at + 1` is a padding copy.
            Tap { at: at as u32, w }
        })
        .collect()
}

/// Fixed-point (13 bits) conversion coefficients.
#[derive(Debug, Clone, Copy)]
struct Coefficients {
    y_offset: i32,
    y: i32,
    r_v: i32,
    g_u: i32,
    g_v: i32,
    b_u: i32,
}

impl Coefficients {
    fn new(colour: Colour) -> Coefficients {
        // Kr and Kb of each matrix; the rest follows.
        let (kr, kb) = match colour.matrix {
            Matrix::Bt601 => (0.299, 0.114),
            Matrix::Bt709 => (0.2126, 0.0722),
            Matrix::Bt2020 => (0.2627, 0.0593),
        };
        let kg = 1.0 - kr - kb;
        let (y_scale, c_scale, y_offset) = if colour.full_range {
            (1.0, 1.0, 0)
        } else {
            (255.0 / 219.0, 255.0 / 224.0, 16)
        };
        let r_v = 2.0 * (1.0 - kr) * c_scale;
        let b_u = 2.0 * (1.0 - kb) * c_scale;
        let g_u = 2.0 * (1.0 - kb) * kb / kg * c_scale;
        let g_v = 2.0 * (1.0 - kr) * kr / kg * c_scale;
        let fix = |f: f64| (f * f64::from(1 << 13)).round() as i32;
        Coefficients {
            y_offset,
            y: fix(y_scale),
            r_v: fix(r_v),
            g_u: fix(g_u),
            g_v: fix(g_v),
            b_u: fix(b_u),
        }
    }
}

/// Scales and converts pictures of one size to RGBA pictures of another.
/// Keeps its tables and scratch rows: make one per stream, not per frame.
pub struct Converter {
    src: (usize, usize),
    out: (usize, usize),
    picture: Rect,
    coefficients: Coefficients,
    luma_h: Vec<Tap>,
    luma_v: Vec<Tap>,
    chroma_h: Vec<Tap>,
    chroma_v: Vec<Tap>,
    /// One source row blended vertically (+1 padding sample).
    blended: Vec<u16>,
    /// One output row of luma, and of each chroma plane at full width.
    row_y: Vec<u16>,
    row_u: Vec<u16>,
    row_v: Vec<u16>,
    /// Chroma at half the picture's width, before widening.
    half_u: Vec<u16>,
    half_v: Vec<u16>,
}

fn check_side(w: usize, h: usize) -> Result<(), Error> {
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(Error::Size(w, h));
    }
    Ok(())
}

/// The largest even-sized rectangle of the source's display aspect that
/// fits `out`, centred. `aspect`: the source's display width over height.
pub fn fit(aspect: f64, out: (usize, usize)) -> Rect {
    let (ow, oh) = out;
    let (mut w, mut h) = if !aspect.is_finite() || aspect <= 0.0 {
        (ow, oh)
    } else if ow as f64 / oh as f64 > aspect {
        (((oh as f64) * aspect).round() as usize, oh)
    } else {
        (ow, ((ow as f64) / aspect).round() as usize)
    };
    // Within a pixel of the whole output: fill it (no hairline borders).
    if ow.abs_diff(w) <= 1 {
        w = ow;
    }
    if oh.abs_diff(h) <= 1 {
        h = oh;
    }
    let even = |v: usize, max: usize| {
        if v == max {
            v
        } else {
            (v & !1).max(2).min(max)
        }
    };
    let (w, h) = (even(w, ow), even(h, oh));
    Rect {
        x: ((ow - w) / 2) & !1,
        y: ((oh - h) / 2) & !1,
        width: w,
        height: h,
    }
}

impl Converter {
    /// `src`: the source's size; `out`: the RGBA picture's; `picture`: where
    /// the source goes inside it (see [`fit`]).
    pub fn new(
        src: (usize, usize),
        out: (usize, usize),
        picture: Rect,
        colour: Colour,
    ) -> Result<Converter, Error> {
        check_side(src.0, src.1)?;
        check_side(out.0, out.1)?;
        check_side(picture.width, picture.height)?;
        if picture.x + picture.width > out.0 || picture.y + picture.height > out.1 {
            return Err(Error::Size(picture.width, picture.height));
        }
        let (cw, ch) = (src.0.div_ceil(2), src.1.div_ceil(2));
        let (pcw, pch) = (picture.width.div_ceil(2), picture.height.div_ceil(2));
        Ok(Converter {
            src,
            out,
            picture,
            coefficients: Coefficients::new(colour),
            luma_h: taps(src.0, picture.width),
            luma_v: taps(src.1, picture.height),
            chroma_h: taps(cw, pcw),
            chroma_v: taps(ch, pch),
            blended: vec![0; src.0 + 1],
            row_y: vec![0; picture.width],
            row_u: vec![0; pcw * 2],
            row_v: vec![0; pcw * 2],
            half_u: vec![0; pcw],
            half_v: vec![0; pcw],
        })
    }

    pub fn source_size(&self) -> (usize, usize) {
        self.src
    }

    pub fn output_size(&self) -> (usize, usize) {
        self.out
    }

    /// Writes the whole output picture into `rgba` (rows `stride` bytes
    /// apart): the source scaled into the picture rectangle, black around.
    pub fn convert(&mut self, src: &I420<'_>, rgba: &mut [u8], stride: usize) -> Result<(), Error> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.convert_avx2(src, rgba, stride) };
        }
        self.convert_any(src, rgba, stride)
    }

    /// The same loops compiled for AVX2: 8 lanes of 32-bit multiplies
    /// instead of SSE2's emulated 4, about twice as fast on x86-64 (the
    /// baseline target has SSE2 only). ARM's NEON needs no second copy.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn convert_avx2(
        &mut self,
        src: &I420<'_>,
        rgba: &mut [u8],
        stride: usize,
    ) -> Result<(), Error> {
        self.convert_any(src, rgba, stride)
    }

    #[inline(always)]
    fn convert_any(&mut self, src: &I420<'_>, rgba: &mut [u8], stride: usize) -> Result<(), Error> {
        let (sw, sh) = self.src;
        if (src.width, src.height) != (sw, sh) {
            return Err(Error::Size(src.width, src.height));
        }
        let (cw, ch) = (sw.div_ceil(2), sh.div_ceil(2));
        plane_fits("Y", src.y, src.y_stride, sw, sh)?;
        plane_fits("U", src.u, src.u_stride, cw, ch)?;
        plane_fits("V", src.v, src.v_stride, cw, ch)?;
        let (ow, oh) = self.out;
        let need = (oh - 1) * stride + ow * 4;
        if stride < ow * 4 || rgba.len() < need {
            return Err(Error::Output {
                len: rgba.len(),
                need,
            });
        }
        let p = self.picture;
        let black = [0u8, 0, 0, 255];
        for oy in 0..oh {
            let line = &mut rgba[oy * stride..oy * stride + ow * 4];
            if oy < p.y || oy >= p.y + p.height {
                fill(line, black);
                continue;
            }
            fill(&mut line[..p.x * 4], black);
            fill(&mut line[(p.x + p.width) * 4..], black);
            let r = oy - p.y;
            if r.is_multiple_of(2) {
                self.chroma_row(src, r / 2);
            }
            let tap = self.luma_v[r];
            let y0 = row(src.y, src.y_stride, tap.at as usize, sw);
            let y1 = row(src.y, src.y_stride, (tap.at as usize + 1).min(sh - 1), sw);
            blend_rows(y0, y1, tap.w, &mut self.blended);
            sample_row(&self.blended, &self.luma_h, &mut self.row_y);
            pack(
                &self.row_y,
                &self.row_u[..p.width],
                &self.row_v[..p.width],
                &self.coefficients,
                &mut line[p.x * 4..(p.x + p.width) * 4],
            );
        }
        Ok(())
    }

    /// Output chroma row `r` (of the picture's half height), widened to
    /// the picture's width.
    #[inline(always)]
    fn chroma_row(&mut self, src: &I420<'_>, r: usize) {
        let (cw, ch) = (self.src.0.div_ceil(2), self.src.1.div_ceil(2));
        let tap = self.chroma_v[r.min(self.chroma_v.len() - 1)];
        let (a, b) = (tap.at as usize, (tap.at as usize + 1).min(ch - 1));
        for (plane, stride, half) in [
            (src.u, src.u_stride, &mut self.half_u),
            (src.v, src.v_stride, &mut self.half_v),
        ] {
            blend_rows(
                row(plane, stride, a, cw),
                row(plane, stride, b, cw),
                tap.w,
                &mut self.blended,
            );
            sample_row(&self.blended[..cw + 1], &self.chroma_h, half);
        }
        widen(&self.half_u, &mut self.row_u);
        widen(&self.half_v, &mut self.row_v);
    }
}

fn plane_fits(
    plane: &'static str,
    data: &[u8],
    stride: usize,
    w: usize,
    h: usize,
) -> Result<(), Error> {
    let need = (h - 1) * stride + w;
    if stride < w || data.len() < need {
        return Err(Error::Plane {
            plane,
            len: data.len(),
            need,
        });
    }
    Ok(())
}

fn row(plane: &[u8], stride: usize, r: usize, w: usize) -> &[u8] {
    &plane[r * stride..r * stride + w]
}

fn fill(line: &mut [u8], px: [u8; 4]) {
    for d in line.chunks_exact_mut(4) {
        d.copy_from_slice(&px);
    }
}

/// `out[i] = a[i] * (256 - w) + b[i] * w` (8.8 fixed point), then the last
/// sample repeated once as padding for the horizontal taps.
#[inline(always)]
fn blend_rows(a: &[u8], b: &[u8], w: u16, out: &mut [u16]) {
    let n = a.len();
    let (body, pad) = out.split_at_mut(n);
    if w == 0 {
        for (o, &x) in body.iter_mut().zip(a) {
            *o = u16::from(x) << 8;
        }
    } else {
        let wa = 256 - w;
        for ((o, &x), &y) in body.iter_mut().zip(a).zip(b) {
            *o = u16::from(x) * wa + u16::from(y) * w;
        }
    }
    pad[0] = body[n - 1];
}

/// Horizontal bilinear sampling of a blended row into 8-bit samples.
#[inline(always)]
fn sample_row(blended: &[u16], taps: &[Tap], out: &mut [u16]) {
    // Checked once here, not twice a sample: every tap and its neighbour
    // fall inside the row (taps() clamps to the source's last sample, and
    // blend_rows() writes one padding sample after it).
    // Taps only move right (taps() maps output to source monotonically):
    // the last is the furthest.
    let last = taps.last().map_or(0, |t| t.at as usize);
    assert!(last + 1 < blended.len(), "taps beyond the row");
    for (o, t) in out.iter_mut().zip(taps) {
        let i = t.at as usize;
        // SAFETY: i + 1 <= last + 1 < blended.len(), asserted above.
        let (a, b) = unsafe {
            (
                u32::from(*blended.get_unchecked(i)),
                u32::from(*blended.get_unchecked(i + 1)),
            )
        };
        let w = u32::from(t.w);
        // 8.8 blended samples times 8-bit weights: 16 fraction bits.
        *o = ((a * (256 - w) + b * w + (1 << 15)) >> 16) as u16;
    }
}

/// Each chroma sample for the two output pixels it covers.
#[inline(always)]
fn widen(half: &[u16], full: &mut [u16]) {
    for (pair, &c) in full.chunks_exact_mut(2).zip(half) {
        pair[0] = c;
        pair[1] = c;
    }
}

/// One row of Y, U, V samples to RGBA.
#[inline(always)]
fn pack(y: &[u16], u: &[u16], v: &[u16], k: &Coefficients, out: &mut [u8]) {
    let n = y.len();
    let (u, v) = (&u[..n], &v[..n]);
    for (((px, &y), &u), &v) in out.chunks_exact_mut(4).zip(y).zip(u).zip(v) {
        let c = (i32::from(y) - k.y_offset) * k.y + (1 << 12);
        let (d, e) = (i32::from(u) - 128, i32::from(v) - 128);
        let r = ((c + k.r_v * e) >> 13).clamp(0, 255) as u32;
        let g = ((c - k.g_u * d - k.g_v * e) >> 13).clamp(0, 255) as u32;
        let b = ((c + k.b_u * d) >> 13).clamp(0, 255) as u32;
        px.copy_from_slice(&(r | g << 8 | b << 16 | 0xff00_0000).to_le_bytes());
    }
}
