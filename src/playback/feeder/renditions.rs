//! Renditions beside the video: the audio in the viewer's language (its own
//! playlist fed through a second input) and the subtitles, loaded whole
//! and handed to the monitor.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::time::Duration;

use gstreamer_app as gst_app;
use url::Url;

use super::hls::{reload, segment_at};
use super::source::{Access, Media};
use super::{FeedConfig, FeedEvent, FeedState, finish, push, wait_preload};
use crate::hls::{self, MediaPlan, Parsed, SubtitleRendition};
use crate::net::{FetchStats, Net};
use crate::playback::PlaybackError;
use crate::playback::control::Control;
use crate::webvtt::{self, Track, TrackError};

/// Bytes of one subtitle rendition, all its segments.
const SUBTITLE_BYTES: usize = 4 << 20;

/// Loads a subtitle rendition: its playlist, then every WebVTT segment
/// (within [`SUBTITLE_BYTES`]), cues moved to media time by their
/// `X-TIMESTAMP-MAP` against the video's first timestamp, then hands the
/// track to the monitor.
pub(super) async fn feed_subtitles(
    net: Net,
    access: Arc<Access>,
    rendition: SubtitleRendition,
    state: Arc<FeedState>,
    events: Sender<FeedEvent>,
) {
    let stats = FetchStats::default();
    let media = Media {
        fetcher: net.fetcher(),
        access: &access,
        stats: &stats,
        feed: None,
    };
    let loaded = load_subtitles(media, &rendition, &state).await;
    if state.cancelled.load(Ordering::SeqCst) {
        return;
    }
    if let Err(why) = &loaded {
        tracing::warn!(url = %rendition.url, error = %why, "subtitle rendition not shown");
    }
    let _ = events.send(FeedEvent::Subtitles(rendition, loaded.map(Arc::new)));
}

async fn load_subtitles(
    media: Media<'_>,
    rendition: &SubtitleRendition,
    state: &FeedState,
) -> Result<Track, TrackError> {
    let fetcher = media.fetcher;
    let text = media
        .get(
            "subtitle playlist",
            &rendition.url,
            None,
            fetcher.limits().playlist_bytes,
            None,
        )
        .await
        .map_err(|e| TrackError::Fetch(e.to_string()))?;
    let plan = match hls::parse(&text, &rendition.url, fetcher.policy())
        .map_err(|e| TrackError::Playlist(e.to_string()))?
    {
        Parsed::Media(plan) => plan,
        Parsed::Master { .. } => {
            return Err(TrackError::Playlist("it is a master playlist".into()));
        }
    };
    // The video's first timestamp, which the segments' maps count against.
    let init_pts = loop {
        if state.cancelled.load(Ordering::SeqCst) {
            return Err(TrackError::Cancelled);
        }
        if let Some(pts) = state.init_pts.get() {
            break *pts;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut track = Track::default();
    let mut total = 0usize;
    for (i, seg) in plan.segments.iter().enumerate() {
        let what = format!("subtitle segment {} of {}", i + 1, plan.segments.len());
        let bytes = media
            .get(
                &what,
                &seg.source.url,
                seg.source.range,
                SUBTITLE_BYTES,
                None,
            )
            .await
            .map_err(|e| TrackError::Fetch(e.to_string()))?;
        let bytes = media
            .open(seg.key.as_ref(), seg.sequence, &what, bytes)
            .await
            .map_err(|e| TrackError::Fetch(e.to_string()))?;
        total += bytes.len();
        if total > SUBTITLE_BYTES {
            return Err(TrackError::TooLarge(SUBTITLE_BYTES));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| TrackError::NotText)?;
        let part = webvtt::parse(text).map_err(|source| TrackError::Part {
            what: what.clone(),
            source,
        })?;
        // Cue time `local` is MPEG-TS time `mpegts`; media time 0 is the
        // video's first timestamp. Without a map, cue time is media time.
        // A resumed episode's first segment is not the episode's: its
        // zero is that much before the first timestamp fed.
        let offset = Duration::from_millis(state.media_offset_ms.load(Ordering::SeqCst));
        let (ahead, behind) = match (part.timestamp_map, init_pts) {
            (Some(map), Some(init)) => {
                let ts = Duration::from_micros(map.mpegts.saturating_mul(100) / 9);
                let first =
                    Duration::from_micros(init.saturating_mul(100) / 9).saturating_sub(offset);
                (
                    ts.saturating_sub(first),
                    map.local + first.saturating_sub(ts),
                )
            }
            (Some(map), None) => (Duration::ZERO, map.local),
            (None, _) => (Duration::ZERO, Duration::ZERO),
        };
        for mut cue in part.cues {
            cue.start = (cue.start + ahead).saturating_sub(behind);
            cue.end = (cue.end + ahead).saturating_sub(behind);
            // A cue repeated in the next segment is one cue.
            let repeat = track
                .cues
                .iter()
                .rev()
                .take(8)
                .any(|c| c.start == cue.start && c.lines == cue.lines);
            if cue.end > cue.start && !repeat && track.cues.len() < webvtt::MAX_CUES {
                track.cues.push(cue);
            }
        }
        track.skipped += part.skipped;
    }
    track.cues.sort_by_key(|c| c.start);
    Ok(track)
}

/// An audio rendition's media playlist.
async fn audio_plan(media: Media<'_>, url: &Url) -> Result<MediaPlan, PlaybackError> {
    let fetcher = media.fetcher;
    let text = media
        .get(
            "audio playlist",
            url,
            None,
            fetcher.limits().playlist_bytes,
            None,
        )
        .await?;
    match hls::parse(&text, url, fetcher.policy())? {
        Parsed::Media(plan) => Ok(plan),
        Parsed::Master { .. } => Err(PlaybackError::Malformed {
            url: url.to_string(),
            reason: "an audio rendition is itself a master playlist".into(),
        }),
    }
}

/// The audio rendition's playlist under a refreshed grant: the master
/// playlist again from the new URL, the same rendition in it, its
/// playlist, with as many segments as `old`.
async fn refreshed_audio_plan(
    media: Media<'_>,
    config: &FeedConfig,
    old: &MediaPlan,
) -> Result<MediaPlan, PlaybackError> {
    let (master, (_, audio, _)) = reload(media, config).await?;
    let not_same = |reason: &str| PlaybackError::Malformed {
        url: master.to_string(),
        reason: format!("the playlist of the refreshed grant {reason}"),
    };
    let url = audio
        .and_then(|a| a.url)
        .ok_or_else(|| not_same("has no audio rendition"))?;
    let plan = audio_plan(media, &url).await?;
    if plan.segments.len() != old.segments.len() {
        return Err(not_same("has other audio segments"));
    }
    Ok(plan)
}

/// Feeds an audio rendition's segments, in order, into its own input. Its
/// bytes count towards the episode's (`state`) preload budget.
pub(super) async fn feed_audio(
    media: Media<'_>,
    appsrc: &gst_app::AppSrc,
    control: &Control,
    state: &FeedState,
    audio_state: &FeedState,
    config: &FeedConfig,
    url: &Url,
) -> Result<(), PlaybackError> {
    let mut generation = media.access.source.generation();
    let mut plan = audio_plan(media, url).await?;
    let max = media.fetcher.limits().segment_bytes;
    // The video's first segment goes in first: decodebin3 (1.22) can miss
    // the video stream when the second input's collection comes first.
    while state.pushed_bytes.load(Ordering::SeqCst) == 0 {
        if state.cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // A resumed episode: the audio segment where the video's first one
    // starts (renditions are cut at the same times).
    let offset = Duration::from_millis(state.media_offset_ms.load(Ordering::SeqCst));
    let first = segment_at(&plan, offset).0;
    let mut current_init: Option<usize> = None;
    for i in first..plan.segments.len() {
        if media.access.source.generation() != generation {
            generation = media.access.source.generation();
            plan = refreshed_audio_plan(media, config, &plan).await?;
        }
        let seg = &plan.segments[i];
        if let Some(k) = seg.init.filter(|k| Some(*k) != current_init) {
            let section = &plan.inits[k];
            let src = &section.source;
            let data = media
                .get("audio init segment", &src.url, src.range, max, None)
                .await?;
            let data = media
                .open(section.key.as_ref(), 0, "audio init segment", data)
                .await?;
            audio_state.wait_room().await;
            push(appsrc, audio_state, data, None)?;
            current_init = Some(k);
        }
        wait_preload(control, state, config, i == first).await;
        let what = format!("audio segment {} of {}", i + 1, plan.segments.len());
        let data = media
            .get(&what, &seg.source.url, seg.source.range, max, None)
            .await?;
        // The link the video shares: its bytes count in the estimate too.
        config.measure_link(media.fetcher);
        let data = media
            .open(seg.key.as_ref(), seg.sequence, &what, data)
            .await?;
        audio_state.wait_room().await;
        if state.cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        push(appsrc, audio_state, data, None)?;
    }
    finish(appsrc, audio_state);
    Ok(())
}
