//! Posters and the partner's logo on screen: the decoded pictures the view
//! holds (a bounded cache, the oldest not on screen dropped first), which
//! ones it still wants fetched, and the decoder the shell's loader uses:
//! limits checked before decoding, scaled to the size shown.

use std::collections::{HashMap, HashSet, VecDeque};

use slint::{Image, Rgba8Pixel, SharedPixelBuffer};

/// Largest picture decoded, each side, and the most memory one decode may
/// take: a small compressed file can declare a huge picture.
pub const MAX_SIDE: u32 = 4096;
pub const MAX_DECODE_BYTES: u64 = 64 << 20;
/// Posters are kept at this size (the hero's, the largest shown); a 9:16
/// poster at 405x720 RGBA is 1.1 MiB.
pub const POSTER_SIZE: (u32, u32) = (405, 720);
/// The poster picture fetched is the catalog's smallest at least this wide.
pub const POSTER_WIDTH: u32 = POSTER_SIZE.0;
/// Posters kept decoded: at 405x720 RGBA about 1.1 MiB each.
pub const POSTERS_KEPT: usize = 64;

/// A decoded picture.
pub type Pixels = SharedPixelBuffer<Rgba8Pixel>;

/// Why a picture is not shown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PictureError {
    #[error("cannot read: {0}")]
    Unreadable(String),
    #[error("{0} images are not shown (PNG or JPEG only)")]
    Format(String),
    #[error("{w}x{h} pixels, larger than {MAX_SIDE}x{MAX_SIDE}: not decoded")]
    TooLarge { w: u32, h: u32 },
    #[error("cannot decode: {0}")]
    Undecodable(String),
}

/// The posters the view holds and wants.
#[derive(Default)]
pub struct Posters {
    cache: HashMap<String, Image>,
    /// Cache insertion order, oldest first, to bound its memory.
    order: VecDeque<String>,
    /// The render pass that last showed each poster.
    used: HashMap<String, u64>,
    pass: u64,
    /// Asked for (and not dropped since).
    requested: HashSet<String>,
    /// Asked for by this render, not yet handed to the shell.
    to_fetch: Vec<String>,
}

impl Posters {
    /// A render starts: what it shows counts as in use.
    pub fn new_pass(&mut self) {
        self.pass += 1;
    }

    /// The poster of `url`, asked for if it is not cached yet.
    pub fn get(&mut self, url: &str) -> Image {
        let image = self.cached(url);
        if !self.cache.contains_key(url) && self.requested.insert(url.to_owned()) {
            self.to_fetch.push(url.to_owned());
        }
        image
    }

    /// The poster of `url` if cached; far off-screen posters are not asked for.
    pub fn cached(&mut self, url: &str) -> Image {
        self.used.insert(url.to_owned(), self.pass);
        self.cache.get(url).cloned().unwrap_or_default()
    }

    pub fn take_requests(&mut self) -> Vec<String> {
        std::mem::take(&mut self.to_fetch)
    }

    /// Keeps at most [`POSTERS_KEPT`] posters, more only while on screen;
    /// the oldest not shown by the last render go first (and are fetched
    /// again if they come back).
    pub fn ready(&mut self, url: &str, image: Image) {
        if self.cache.insert(url.to_owned(), image).is_none() {
            self.order.push_back(url.to_owned());
        }
        while self.order.len() > POSTERS_KEPT {
            let (pass, used) = (self.pass, &self.used);
            let Some(i) = self
                .order
                .iter()
                .position(|u| used.get(u).is_none_or(|p| *p < pass))
            else {
                break;
            };
            if let Some(old) = self.order.remove(i) {
                self.cache.remove(&old);
                self.used.remove(&old);
                self.requested.remove(&old);
            }
        }
    }

    pub fn cached_count(&self) -> usize {
        self.cache.len()
    }

    pub fn pending(&self) -> usize {
        self.requested
            .iter()
            .filter(|u| !self.cache.contains_key(*u))
            .count()
    }
}

/// PNG or JPEG bytes → RGBA, scaled down to fit `max` (never up) as soon
/// as decoded, so only the small copy is kept. Pictures over [`MAX_SIDE`]
/// or needing more than [`MAX_DECODE_BYTES`] are refused before decoding.
pub fn decode(bytes: &[u8], max: (u32, u32)) -> Result<Pixels, PictureError> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::Unreadable(e.to_string()))?;
    match reader.format() {
        Some(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
        Some(other) => return Err(PictureError::Format(format!("{other:?}"))),
        None => return Err(PictureError::Format("unknown".into())),
    }
    // Reading the header allocates nothing: the size is checked first, to
    // name it in the message.
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| PictureError::Unreadable(e.to_string()))?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(PictureError::TooLarge { w, h });
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::Unreadable(e.to_string()))?;
    reader.limits(limits_for_decode());
    let img = reader
        .decode()
        .map_err(|e| PictureError::Undecodable(e.to_string()))?;
    let img = if img.width() > max.0 || img.height() > max.1 {
        img.resize(max.0, max.1, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let rgba = img.to_rgba8();
    Ok(SharedPixelBuffer::clone_from_slice(
        rgba.as_raw(),
        rgba.width(),
        rgba.height(),
    ))
}

fn limits_for_decode() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG that declares `w`x`h` grey pixels, all black: tiny compressed.
    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().unwrap();
            let mut stream = writer.stream_writer().unwrap();
            let row = vec![0u8; w as usize];
            for _ in 0..h {
                std::io::Write::write_all(&mut stream, &row).unwrap();
            }
            stream.finish().unwrap();
        }
        out
    }

    #[test]
    fn a_picture_bomb_is_refused_before_decoding() {
        let bomb = png(11_000, 11_000);
        assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
        let err = decode(&bomb, POSTER_SIZE).unwrap_err().to_string();
        assert!(err.contains("11000x11000"), "{err}");
        // Within the side limit but over the memory one.
        let wide = png(4096, 4096);
        assert!(decode(&wide, POSTER_SIZE).is_ok());
    }

    #[test]
    fn posters_are_kept_at_the_size_shown() {
        let big = png(1080, 1920);
        let img = decode(&big, POSTER_SIZE).unwrap();
        assert!(img.width() <= POSTER_SIZE.0 && img.height() <= POSTER_SIZE.1);
        assert!(decode(b"GIF89a....", POSTER_SIZE).is_err());
        assert!(decode(b"<html>login</html>", POSTER_SIZE).is_err());
    }
}
