//! Posters and the partner's logo: decoded with limits and scaled to the
//! size shown, through the view's [`Loader`](super::loader::Loader).

use slint::{Rgba8Pixel, SharedPixelBuffer};

use crate::net::Net;

/// Posters larger than this are refused rather than fetched whole.
const MAX_BYTES: usize = 8 << 20;
/// Largest picture decoded, each side, and the most memory one decode may
/// take: a small compressed file can declare a huge picture.
pub const MAX_SIDE: u32 = 4096;
pub const MAX_DECODE_BYTES: u64 = 64 << 20;
/// Decodes at once: each may take up to [`MAX_DECODE_BYTES`].
const DECODERS: usize = 2;
/// Posters are kept at this size (the hero's, the largest shown); a 9:16
/// poster at 405x720 RGBA is 1.1 MiB.
pub const POSTER_SIZE: (u32, u32) = (405, 720);

/// A decoded poster, or why it cannot be shown.
pub type Loaded = Result<SharedPixelBuffer<Rgba8Pixel>, String>;

/// Fetches posters and decodes them at [`POSTER_SIZE`], two at most at once.
pub type PosterLoader = super::loader::Loader<SharedPixelBuffer<Rgba8Pixel>>;

pub fn loader(
    net: Net,
    deliver: super::loader::Deliver<SharedPixelBuffer<Rgba8Pixel>>,
) -> PosterLoader {
    PosterLoader::new(
        net,
        "poster",
        MAX_BYTES,
        DECODERS,
        |bytes| decode(bytes, POSTER_SIZE),
        deliver,
    )
}

/// PNG or JPEG bytes → RGBA, scaled down to fit `max` (never up) as soon
/// as decoded, so only the small copy is kept. Pictures over [`MAX_SIDE`]
/// or needing more than [`MAX_DECODE_BYTES`] are refused before decoding.
pub fn decode(bytes: &[u8], max: (u32, u32)) -> Result<SharedPixelBuffer<Rgba8Pixel>, String> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?;
    match reader.format() {
        Some(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
        Some(other) => return Err(format!("{other:?} images are not shown (PNG or JPEG only)")),
        None => return Err("not a PNG or JPEG image".into()),
    }
    // Reading the header allocates nothing: the size is checked first, to
    // name it in the message.
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| format!("cannot read: {e}"))?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!(
            "{w}x{h} pixels, larger than {MAX_SIDE}x{MAX_SIDE}: not decoded"
        ));
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?;
    reader.limits(limits_for_decode());
    let img = reader.decode().map_err(|e| format!("cannot decode: {e}"))?;
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
        let err = decode(&bomb, POSTER_SIZE).unwrap_err();
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
