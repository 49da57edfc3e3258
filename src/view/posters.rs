//! Posters and the partner's logo: fetched with the player's own HTTP
//! stack (URL policy, TLS, pins), decoded and scaled off the UI thread,
//! cached by the shell for the session.

use std::sync::Arc;

use slint::{Rgba8Pixel, SharedPixelBuffer};

use crate::playback::fetch::{FetchStats, Fetcher};

use super::PosterSource;

/// Posters larger than this are refused rather than decoded.
const MAX_BYTES: usize = 8 << 20;
/// Posters are kept at this size (the hero's, the largest shown); a 9:16
/// poster at 405x720 RGBA is 1.1 MiB.
pub const POSTER_SIZE: (u32, u32) = (405, 720);

pub struct PosterLoader {
    fetcher: Arc<Fetcher>,
    runtime: tokio::runtime::Handle,
}

impl PosterLoader {
    pub fn new(fetcher: Arc<Fetcher>, runtime: tokio::runtime::Handle) -> PosterLoader {
        PosterLoader { fetcher, runtime }
    }
}

impl PosterSource for PosterLoader {
    fn request(&self, url: &str) {
        let fetcher = self.fetcher.clone();
        let text = url.to_owned();
        self.runtime.spawn(async move {
            let loaded = load(&fetcher, &text).await;
            super::post(move |shell| match loaded {
                Ok(pixels) => shell.poster_ready(&text, pixels),
                Err(why) => {
                    tracing::warn!(url = %text, error = %why, "poster not shown");
                    shell.poster_failed(&text);
                }
            });
        });
    }
}

async fn load(fetcher: &Fetcher, text: &str) -> Result<SharedPixelBuffer<Rgba8Pixel>, String> {
    let url = url::Url::parse(text).map_err(|e| format!("bad URL: {e}"))?;
    let bytes = fetcher
        .get("poster", &url, None, MAX_BYTES, &FetchStats::default())
        .await
        .map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || decode(&bytes, POSTER_SIZE))
        .await
        .map_err(|e| e.to_string())?
}

/// PNG or JPEG bytes → RGBA, scaled down to fit `max` (never up).
pub fn decode(bytes: &[u8], max: (u32, u32)) -> Result<SharedPixelBuffer<Rgba8Pixel>, String> {
    let img = image::load_from_memory(bytes).map_err(|e| format!("cannot decode: {e}"))?;
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
