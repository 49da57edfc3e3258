//! Progressive files with byte ranges: appsrc in random-access mode, fed
//! from a read-ahead cache of aligned chunks that range requests fill.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gstreamer_app as gst_app;
use tokio::sync::Notify;

use super::source::Media;
use super::{FeedConfig, FeedState, push, wait_preload};
use crate::net::cmcd::{CmcdData, ObjectType};
use crate::playback::PlaybackError;
use crate::playback::control::Control;

/// Aligned chunks of a progressive file, filled ahead of the read position.
pub(super) struct RangeCache {
    total: u64,
    chunk: u64,
    /// How many chunks ahead of the reader to keep.
    ahead: u64,
    inner: Mutex<CacheInner>,
    changed: Condvar,
    wake_fetcher: Notify,
}

struct CacheInner {
    chunks: BTreeMap<u64, Bytes>,
    /// Where appsrc reads next.
    read_pos: u64,
    error: Option<PlaybackError>,
}

impl RangeCache {
    pub(super) fn new(total: u64, chunk: u64, budget: u64, head: Bytes) -> RangeCache {
        let chunk = chunk.max(64 << 10);
        let mut chunks = BTreeMap::new();
        // The head request doubles as the first chunk when it covers it.
        if head.len() as u64 >= chunk.min(total) {
            chunks.insert(0, head.slice(..chunk.min(total) as usize));
        }
        RangeCache {
            total,
            chunk,
            ahead: (budget / chunk).max(2),
            inner: Mutex::new(CacheInner {
                chunks,
                read_pos: 0,
                error: None,
            }),
            changed: Condvar::new(),
            wake_fetcher: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn fail(&self, e: PlaybackError) {
        self.lock().error = Some(e);
        self.changed.notify_all();
    }

    /// The next chunk index the fetcher should get, if any, evicting chunks
    /// behind the reader so memory stays within budget.
    fn next_missing(&self) -> Option<u64> {
        let mut inner = self.lock();
        let first = inner.read_pos / self.chunk;
        let last_chunk = (self.total.saturating_sub(1)) / self.chunk;
        // Keep the chunk before the reader: demuxers step back a little.
        inner
            .chunks
            .retain(|&k, _| k + 1 >= first && k <= first + self.ahead);
        (first..=(first + self.ahead).min(last_chunk)).find(|k| !inner.chunks.contains_key(k))
    }

    /// Blocks the streaming thread until bytes at the read position arrive.
    fn read(&self, state: &FeedState, max_len: u64) -> Option<(u64, Bytes)> {
        let mut inner = self.lock();
        loop {
            let pos = inner.read_pos;
            if state.cancelled.load(Ordering::SeqCst) || inner.error.is_some() || pos >= self.total
            {
                state.waiting.store(false, Ordering::SeqCst);
                return None;
            }
            let k = pos / self.chunk;
            if let Some(data) = inner.chunks.get(&k) {
                let start = (pos - k * self.chunk) as usize;
                let end = (start as u64 + max_len).min(data.len() as u64) as usize;
                let slice = data.slice(start..end);
                inner.read_pos += slice.len() as u64;
                drop(inner);
                state.waiting.store(false, Ordering::SeqCst);
                self.wake_fetcher.notify_one();
                return Some((pos, slice));
            }
            state.waiting.store(true, Ordering::SeqCst);
            self.wake_fetcher.notify_one();
            inner = self
                .changed
                .wait_timeout(inner, Duration::from_millis(100))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

pub(super) fn install_random_access_callbacks(
    appsrc: &gst_app::AppSrc,
    state: &Arc<FeedState>,
    cache: &Arc<RangeCache>,
) {
    let (c_seek, c_need, s_need) = (cache.clone(), cache.clone(), state.clone());
    appsrc.set_callbacks(
        gst_app::AppSrcCallbacks::builder()
            .seek_data(move |_, offset| {
                c_seek.lock().read_pos = offset;
                c_seek.wake_fetcher.notify_one();
                offset <= c_seek.total
            })
            .need_data(move |src, len| {
                let len = if len == 0 { 4096 } else { len as u64 };
                match c_need.read(&s_need, len) {
                    Some((offset, data)) => {
                        let _ = push(src, &s_need, data, Some(offset));
                    }
                    None => {
                        let at_end = c_need.lock().read_pos >= c_need.total;
                        if at_end {
                            let _ = src.end_of_stream();
                            s_need.done.store(true, Ordering::SeqCst);
                        }
                    }
                }
            })
            .build(),
    );
}

pub(super) async fn fill_range_cache(
    media: Media<'_>,
    control: &Control,
    state: &FeedState,
    config: &FeedConfig,
    cache: &RangeCache,
) -> Result<(), PlaybackError> {
    let max = media.fetcher.limits().segment_bytes;
    loop {
        wait_preload(control, state, config, false).await;
        if state.cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        let Some(k) = cache.next_missing() else {
            // Nothing to fetch until the reader moves or seeks.
            let _ = tokio::time::timeout(Duration::from_millis(200), cache.wake_fetcher.notified())
                .await;
            continue;
        };
        let offset = k * cache.chunk;
        let len = cache.chunk.min(cache.total - offset);
        let what = format!("bytes {}-{}", offset, offset + len - 1);
        let cmcd = CmcdData {
            su: state.waiting.load(Ordering::SeqCst),
            ..config.cmcd(ObjectType::AudioVideo)
        };
        // The URL in force: a refreshed grant replaces it.
        let url = media.access.source.get().url.clone();
        let data = media
            .get(&what, &url, Some((offset, len)), max, Some(&cmcd))
            .await?;
        cache.lock().chunks.insert(k, data);
        cache.changed.notify_all();
    }
}
