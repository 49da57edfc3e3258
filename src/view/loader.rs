//! What the UI shows beside the video (posters, the logo, subtitles):
//! fetched through the process's network stack (URL policy, TLS, pins, a
//! size cap), decoded off the UI thread with a bound on how many decode at
//! once, and handed to whoever asked (the TV shell, which gives them to
//! the view). A failure is logged once, with the URL, and handed over too.

use std::sync::Arc;

use crate::net::{FetchStats, Net};

/// Where a result goes, on whatever thread it finished.
pub type Deliver<T> = Arc<dyn Fn(String, Result<T, String>) + Send + Sync>;

pub struct Loader<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Loader<T> {
    fn clone(&self) -> Self {
        Loader {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<T> {
    net: Net,
    /// What is fetched, for logs and errors: "poster", "subtitles".
    what: &'static str,
    max_bytes: usize,
    decode: fn(&[u8]) -> Result<T, String>,
    decoding: tokio::sync::Semaphore,
    deliver: Deliver<T>,
}

impl<T: Send + 'static> Loader<T> {
    /// Fetches at most `max_bytes`, decodes with `decode`, at most
    /// `decoders` at once.
    pub fn new(
        net: Net,
        what: &'static str,
        max_bytes: usize,
        decoders: usize,
        decode: fn(&[u8]) -> Result<T, String>,
        deliver: Deliver<T>,
    ) -> Loader<T> {
        Loader {
            inner: Arc::new(Inner {
                net,
                what,
                max_bytes,
                decode,
                decoding: tokio::sync::Semaphore::new(decoders.max(1)),
                deliver,
            }),
        }
    }

    /// Fetches and decodes `url` in the background.
    pub fn request(&self, url: &str) {
        let inner = self.inner.clone();
        let text = url.to_owned();
        self.inner.net.spawn(async move {
            let loaded = inner.load(&text).await;
            if let Err(why) = &loaded {
                tracing::warn!(url = %text, error = %why, "{} not shown", inner.what);
            }
            (inner.deliver)(text, loaded);
        });
    }
}

impl<T: Send + 'static> Inner<T> {
    async fn load(&self, text: &str) -> Result<T, String> {
        let url = url::Url::parse(text).map_err(|e| format!("bad URL: {e}"))?;
        let bytes = self
            .net
            .fetcher()
            .get(
                self.what,
                &url,
                None,
                self.max_bytes,
                &FetchStats::default(),
            )
            .await
            .map_err(|e| e.to_string())?;
        let _permit = self.decoding.acquire().await.map_err(|e| e.to_string())?;
        let decode = self.decode;
        tokio::task::spawn_blocking(move || decode(&bytes))
            .await
            .map_err(|e| e.to_string())?
    }
}
