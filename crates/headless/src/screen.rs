//! The buffer the software renderer draws the screen into, with the two
//! shortcuts a playing episode needs. Each video frame redraws the
//! picture's column (1/3 of the screen, 25 times a second), and Slint's
//! own loops would first fill it with the background and then copy the
//! picture over it pixel by pixel through its scaler. Here the background
//! is filled line by line only where something else draws first, and a
//! picture shown one pixel a pixel whose rows are opaque is copied as
//! rows. Everything else (scaled or rotated images, tiles, translucent
//! rows, gradients) is left to Slint, so the pixels are the same.

use std::ops::Range;

use i_slint_renderer_software::{
    DrawTextureArgs, PhysicalRegion, PremultipliedRgbaColor, RenderingRotation, TargetPixel,
    TargetPixelBuffer, TexturePixelFormat,
};
use slint::Brush;

/// A rectangle of the region waiting for the background.
struct Waiting {
    lines: Range<usize>,
    columns: Range<usize>,
}

pub struct Screen<'a> {
    pixels: &'a mut [PremultipliedRgbaColor],
    width: usize,
    background: PremultipliedRgbaColor,
    waiting: Vec<Waiting>,
    /// Per line: part of `waiting` is not yet filled on it.
    unfilled: Vec<bool>,
}

impl<'a> Screen<'a> {
    /// `pixels` holds lines of `width` pixels.
    pub fn new(pixels: &'a mut [PremultipliedRgbaColor], width: usize) -> Screen<'a> {
        let lines = pixels.len() / width.max(1);
        Screen {
            pixels,
            width,
            background: PremultipliedRgbaColor::background(),
            waiting: Vec::new(),
            unfilled: vec![false; lines],
        }
    }

    /// Fills what nothing drew over: call once the renderer is done.
    pub fn finish(mut self) {
        for line in 0..self.unfilled.len() {
            self.settle(line, 0..0);
        }
    }

    /// Fills line `line`'s waiting parts with the background, except
    /// `covered`, which the caller is about to overwrite.
    fn settle(&mut self, line: usize, covered: Range<usize>) {
        if !self.unfilled.get(line).copied().unwrap_or(false) {
            return;
        }
        self.unfilled[line] = false;
        let row = &mut self.pixels[line * self.width..(line + 1) * self.width];
        for w in self.waiting.iter().filter(|w| w.lines.contains(&line)) {
            let (a, b) = (w.columns.start, w.columns.end);
            row[a..b.min(covered.start).max(a)].fill(self.background);
            row[a.max(covered.end).min(b)..b].fill(self.background);
        }
    }
}

impl TargetPixelBuffer for Screen<'_> {
    type TargetPixel = PremultipliedRgbaColor;

    fn line_slice(&mut self, line: usize) -> &mut [PremultipliedRgbaColor] {
        // Slint draws into this line: the background goes under it first.
        self.settle(line, 0..0);
        &mut self.pixels[line * self.width..(line + 1) * self.width]
    }

    fn num_lines(&self) -> usize {
        self.unfilled.len()
    }

    fn fill_background(&mut self, brush: &Brush, region: &PhysicalRegion) -> bool {
        let Brush::SolidColor(color) = brush else {
            return false;
        };
        // As Slint fills it: its background pixel with the colour over it.
        let mut background = PremultipliedRgbaColor::background();
        background.blend((*color).into());
        self.background = background;
        self.waiting.clear();
        let lines = self.unfilled.len();
        for (origin, size) in region.iter() {
            let (x, y) = (origin.x.max(0) as usize, origin.y.max(0) as usize);
            let columns = x.min(self.width)..(x + size.width as usize).min(self.width);
            let rows = y.min(lines)..(y + size.height as usize).min(lines);
            for line in rows.clone() {
                self.unfilled[line] = true;
            }
            self.waiting.push(Waiting {
                lines: rows,
                columns,
            });
        }
        true
    }

    fn draw_texture(&mut self, args: &DrawTextureArgs, clip: &PhysicalRegion) -> bool {
        if args.colorize.is_some()
            || args.alpha != u8::MAX
            || args.tiling.is_some()
            || !matches!(args.rotation, RenderingRotation::NoRotation)
        {
            return false;
        }
        let source = args.source();
        let bpp = match source.pixel_format {
            TexturePixelFormat::Rgb => 3,
            TexturePixelFormat::Rgba | TexturePixelFormat::RgbaPremultiplied => 4,
            _ => return false,
        };
        let (width, height) = (source.width as usize, source.height as usize);
        let needed = height.saturating_sub(1) * source.byte_stride + width * bpp;
        // One pixel a pixel only: a scaled image is Slint's to sample.
        if width != args.dst_width
            || height != args.dst_height
            || args.dst_x < 0
            || args.dst_y < 0
            || height == 0
            || source.data.len() < needed
        {
            return false;
        }
        let (dst_x, dst_y) = (args.dst_x as usize, args.dst_y as usize);
        let lines = self.unfilled.len();
        for (origin, size) in clip.iter() {
            let x0 = (origin.x.max(0) as usize).max(dst_x);
            let x1 = (origin.x.max(0) as usize + size.width as usize)
                .min(dst_x + args.dst_width)
                .min(self.width);
            let y0 = (origin.y.max(0) as usize).max(dst_y);
            let y1 = (origin.y.max(0) as usize + size.height as usize)
                .min(dst_y + args.dst_height)
                .min(lines);
            if x0 >= x1 {
                continue;
            }
            for line in y0..y1 {
                let start = (line - dst_y) * source.byte_stride + (x0 - dst_x) * bpp;
                let from = &source.data[start..start + (x1 - x0) * bpp];
                self.draw_row(line, x0..x1, from, source.pixel_format);
            }
        }
        true
    }
}

impl Screen<'_> {
    /// Draws one row of a texture at `columns` of `line`, as Slint's own
    /// loop would (its `draw_texture_line` at a scale of one).
    fn draw_row(
        &mut self,
        line: usize,
        columns: Range<usize>,
        from: &[u8],
        format: TexturePixelFormat,
    ) {
        let opaque = match format {
            TexturePixelFormat::Rgb => true,
            // A fold over whole pixels rather than `all`: no early exit,
            // so it vectorises.
            _ => {
                from.chunks_exact(4).fold(u32::MAX, |a, p| {
                    a & u32::from_le_bytes([p[0], p[1], p[2], p[3]])
                }) >> 24
                    == 0xff
            }
        };
        if opaque {
            self.settle(line, columns.clone());
        } else {
            self.settle(line, 0..0);
        }
        let start = line * self.width;
        let row = &mut self.pixels[start + columns.start..start + columns.end];
        match format {
            TexturePixelFormat::Rgb => {
                for (d, s) in row.iter_mut().zip(from.chunks_exact(3)) {
                    *d = PremultipliedRgbaColor::from_rgb(s[0], s[1], s[2]);
                }
            }
            // Opaque: premultiplied or not, the bytes are the pixels.
            _ if opaque => bytemuck::cast_slice_mut::<_, u8>(row).copy_from_slice(from),
            TexturePixelFormat::RgbaPremultiplied => {
                for (d, s) in row.iter_mut().zip(from.chunks_exact(4)) {
                    d.blend(PremultipliedRgbaColor {
                        red: s[0],
                        green: s[1],
                        blue: s[2],
                        alpha: s[3],
                    });
                }
            }
            _ => {
                for (d, s) in row.iter_mut().zip(from.chunks_exact(4)) {
                    if s[3] == u8::MAX {
                        *d = PremultipliedRgbaColor::from_rgb(s[0], s[1], s[2]);
                    } else {
                        d.blend(slint::Color::from_argb_u8(s[3], s[0], s[1], s[2]).into());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The same scenes drawn by Slint's own `render` and through `Screen`
    //! must be the same bytes: first frames, and partial redraws as a new
    //! picture, a moved overlay and a translucent picture come.

    use std::cell::RefCell;
    use std::rc::Rc;

    use i_slint_renderer_software::{MinimalSoftwareWindow, RepaintBufferType};
    use slint::platform::{Platform, WindowAdapter};
    use slint::{Image, PlatformError, Rgba8Pixel, SharedPixelBuffer};

    use super::*;

    slint::slint! {
        export component Stage inherits Window {
            width: 96px;
            height: 64px;
            background: #203040;
            in property <image> picture;
            in property <image> overlay;
            in property <length> overlay-x: 60px;
            // Translucent, under the picture's lines (so that the picture
            // fills the background beside itself on them).
            Rectangle { x: 0px; y: 50px; width: 12px; height: 14px; background: #ff000080; }
            // Shown pixel for pixel: Screen copies it.
            Image { x: 14px; y: 6px; width: 24px; height: 40px; source: root.picture; }
            // Scaled: Slint's own loop, in both.
            Image { x: 40px; y: 30px; width: 50px; height: 30px; source: root.picture; image-fit: fill; }
            Image { x: root.overlay-x; y: 2px; width: 16px; height: 16px; source: root.overlay; }
            // Over the picture, as a subtitle's box is.
            Rectangle { x: 16px; y: 30px; width: 18px; height: 10px; border-radius: 3px; background: #00000090; }
            Text { x: 16px; y: 30px; text: "Hi"; color: white; font-size: 9px; }
        }
    }

    thread_local! {
        static WINDOWS: RefCell<Vec<Rc<MinimalSoftwareWindow>>> = const { RefCell::new(Vec::new()) };
    }

    /// A new window for each component, so that two stages keep their own
    /// record of what changed.
    struct Windows;

    impl Platform for Windows {
        fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
            let w = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
            WINDOWS.with(|ws| ws.borrow_mut().push(w.clone()));
            Ok(w)
        }
    }

    fn picture(seed: u8, alpha: impl Fn(u32, u32) -> u8) -> Image {
        let mut p = SharedPixelBuffer::<Rgba8Pixel>::new(24, 40);
        let width = p.width();
        for (i, px) in p.make_mut_slice().iter_mut().enumerate() {
            let (x, y) = (i as u32 % width, i as u32 / width);
            *px = Rgba8Pixel {
                r: (x * 10) as u8 ^ seed,
                g: (y * 6) as u8,
                b: seed.wrapping_mul(3),
                a: alpha(x, y),
            };
        }
        Image::from_rgba8(p)
    }

    fn overlay() -> Image {
        let mut p = SharedPixelBuffer::<Rgba8Pixel>::new(16, 16);
        for (i, px) in p.make_mut_slice().iter_mut().enumerate() {
            *px = Rgba8Pixel {
                r: 250,
                g: (i * 3) as u8,
                b: 40,
                a: [0, 255, 128, 7][i % 4],
            };
        }
        Image::from_rgba8(p)
    }

    /// What changes before a frame, and how the test names it.
    type Step = (&'static str, Box<dyn Fn(&Stage)>);

    #[test]
    fn screen_draws_the_bytes_slint_draws() {
        slint::platform::set_platform(Box::new(Windows)).unwrap();
        let by_slint = Stage::new().unwrap();
        let by_screen = Stage::new().unwrap();
        let windows = WINDOWS.with(|ws| ws.borrow().clone());
        let (slint_window, screen_window) = (windows[0].clone(), windows[1].clone());
        let (w, h) = (96usize, 64usize);
        slint_window.set_size(slint::PhysicalSize::new(w as u32, h as u32));
        screen_window.set_size(slint::PhysicalSize::new(w as u32, h as u32));
        let mut a = vec![PremultipliedRgbaColor::default(); w * h];
        let mut b = vec![PremultipliedRgbaColor::default(); w * h];

        let steps: Vec<Step> = vec![
            (
                "first frame",
                Box::new(|s: &Stage| {
                    s.set_picture(picture(1, |_, _| 255));
                    s.set_overlay(overlay());
                }),
            ),
            (
                "a new picture",
                Box::new(|s: &Stage| s.set_picture(picture(2, |_, _| 255))),
            ),
            (
                "the overlay moved",
                Box::new(|s: &Stage| s.set_overlay_x(30.0)),
            ),
            (
                "a picture with see-through rows",
                Box::new(|s: &Stage| {
                    s.set_picture(picture(
                        3,
                        |x, y| if y % 3 == 0 { (x * 11) as u8 } else { 255 },
                    ))
                }),
            ),
            (
                "opaque again",
                Box::new(|s: &Stage| s.set_picture(picture(4, |_, _| 255))),
            ),
        ];
        for (what, step) in steps {
            step(&by_slint);
            step(&by_screen);
            let drew_a = slint_window.draw_if_needed(|r| {
                r.render(&mut a, w);
            });
            let drew_b = screen_window.draw_if_needed(|r| {
                let mut screen = Screen::new(&mut b, w);
                r.render_into_buffer(&mut screen);
                screen.finish();
            });
            assert!(drew_a && drew_b, "{what}: both windows redraw");
            let (a, b): (&[u8], &[u8]) = (bytemuck::cast_slice(&a), bytemuck::cast_slice(&b));
            let first = a.iter().zip(b).position(|(x, y)| x != y);
            assert!(
                first.is_none(),
                "{what}: pixel {} differs ({:?} by Slint, {:?} through Screen)",
                first.unwrap_or(0) / 4,
                &a[first.unwrap_or(0) / 4 * 4..][..4],
                &b[first.unwrap_or(0) / 4 * 4..][..4],
            );
        }
    }
}
