//! Posters and the partner's logo: fetched through the process's network
//! stack (URL policy, TLS, pins), decoded and scaled off the UI thread, and
//! handed to whoever asked (the TV shell, which gives them to the view).

use std::sync::Arc;

use slint::{Rgba8Pixel, SharedPixelBuffer};

use crate::net::{FetchStats, Net};

/// Posters larger than this are refused rather than decoded.
const MAX_BYTES: usize = 8 << 20;
/// Posters are kept at this size (the hero's, the largest shown); a 9:16
/// poster at 405x720 RGBA is 1.1 MiB.
pub const POSTER_SIZE: (u32, u32) = (405, 720);

/// A decoded poster, or why it cannot be shown.
pub type Loaded = Result<SharedPixelBuffer<Rgba8Pixel>, String>;

/// Where a loaded poster goes, on whatever thread it finished.
pub type Deliver = Arc<dyn Fn(String, Loaded) + Send + Sync>;

#[derive(Clone)]
pub struct PosterLoader {
    net: Net,
    deliver: Deliver,
}

impl PosterLoader {
    pub fn new(net: Net, deliver: Deliver) -> PosterLoader {
        PosterLoader { net, deliver }
    }

    /// Fetches and decodes `url` in the background.
    pub fn request(&self, url: &str) {
        let net = self.net.clone();
        let deliver = self.deliver.clone();
        let text = url.to_owned();
        self.net.spawn(async move {
            let loaded = load(&net, &text).await;
            if let Err(why) = &loaded {
                tracing::warn!(url = %text, error = %why, "poster not shown");
            }
            deliver(text, loaded);
        });
    }
}

async fn load(net: &Net, text: &str) -> Loaded {
    let url = url::Url::parse(text).map_err(|e| format!("bad URL: {e}"))?;
    let bytes = net
        .fetcher()
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
