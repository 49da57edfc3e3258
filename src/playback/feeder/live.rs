//! Live HLS (a broadcaster's channel): the media playlist reloaded at its
//! target duration, joined three target durations from its live edge,
//! followed by media sequence number through a sliding window. Numbers
//! that jump or restart send the feed back to the broadcast time it had
//! reached (by the playlist's dates); a window that slid past it, a stall
//! that left it far behind, or an undated playlist, to the edge. A playlist
//! that stops growing is reported (the screen says so) while the feed
//! keeps trying; a failed reload (a 404 once) is tried again.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};

use gstreamer_app as gst_app;
use tokio::time::Instant;
use url::Url;

use super::source::Media;
use super::{FeedState, push};
use crate::hls::{self, MediaPlan, Parsed};
use crate::playback::PlaybackError;

/// How many target durations from the live edge a feed joins (RFC 8216
/// 6.3.3: not closer than three).
const JOIN_FROM_EDGE: u32 = 3;

/// Target durations without a new segment before the broadcast is said to
/// have stalled.
const STALLED_AFTER: u32 = 3;

/// Fewest time between two reloads, whatever the playlist says.
const MIN_RELOAD: Duration = Duration::from_millis(500);

/// Segments a feed's timeline remembers: far more than the pipeline
/// holds between what is pushed and what is on screen.
const TIMELINE_SEGMENTS: usize = 64;

/// Where a live feed's stream time meets the broadcast's clock: for each
/// segment pushed, where it starts in the stream (the durations pushed
/// before it: the pipeline's position counts from the first, whatever
/// was skipped between) and its EXT-X-PROGRAM-DATE-TIME. The guide is
/// read at the time of the frame on screen, which plays some target
/// durations behind live and on the broadcaster's clock, not the box's.
#[derive(Debug, Default)]
pub struct OnAirTimeline {
    segments: VecDeque<Anchor>,
    pushed: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Anchor {
    starts: Duration,
    lasts: Duration,
    on_air: Option<DateTime<Utc>>,
}

impl OnAirTimeline {
    /// A segment of `lasts` went to the pipeline after the others; the
    /// playlist dated it `on_air` (none: nothing is known of its time).
    pub(super) fn pushed(&mut self, lasts: Duration, on_air: Option<DateTime<Utc>>) {
        if self.segments.len() == TIMELINE_SEGMENTS {
            self.segments.pop_front();
        }
        self.segments.push_back(Anchor {
            starts: self.pushed,
            lasts,
            on_air,
        });
        self.pushed = self.pushed.saturating_add(lasts);
    }

    /// The broadcast's time at `position` in the stream: the date of the
    /// segment that holds it, plus how far into it. None when that
    /// segment has no date, or `position` is not in a segment remembered
    /// (the timeline then knows nothing for sure).
    pub fn at(&self, position: Duration) -> Option<DateTime<Utc>> {
        let i = self.segments.partition_point(|a| a.starts <= position);
        let anchor = self.segments.get(i.checked_sub(1)?)?;
        let into = position - anchor.starts;
        // A frame a little past its segment's end (a duration rounded in
        // the playlist) is still its; further, the mapping is lost.
        if into > anchor.lasts + Duration::from_secs(1) {
            return None;
        }
        hls::date_after(anchor.on_air?, into)
    }

    /// The broadcast time the feed has reached: when the last segment
    /// pushed ends, if the playlist dated it.
    pub(super) fn reached(&self) -> Option<DateTime<Utc>> {
        let last = self.segments.back()?;
        hls::date_after(last.on_air?, last.lasts)
    }
}

/// The segment a feed joins `plan` at: the one holding the moment three
/// target durations before the end (the first when the window is
/// shorter).
pub(super) fn edge(plan: &MediaPlan) -> usize {
    let back = plan.target_duration * JOIN_FROM_EDGE;
    let mut from_end = Duration::ZERO;
    for (i, seg) in plan.segments.iter().enumerate().rev() {
        from_end += seg.duration;
        if from_end >= back {
            return i;
        }
    }
    0
}

/// What a reloaded playlist means for a feed that wants segment `next`
/// (by media sequence number) next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Follow {
    /// Go on from this index of the playlist.
    From(usize),
    /// Nothing new yet.
    Nothing,
    /// The feed lost its place (a stall left it far behind, the window
    /// slid past it, or the numbers jumped or restarted): see
    /// [`rejoin_at`].
    Rejoin,
}

pub(super) fn follow(plan: &MediaPlan, next: u64) -> Follow {
    let (Some(first), Some(last)) = (plan.segments.first(), plan.segments.last()) else {
        return Follow::Nothing;
    };
    let (first, last) = (first.sequence, last.sequence);
    if (first..=last).contains(&next) {
        let i = (next - first) as usize;
        // A stall left the feed far behind the edge: it joins the edge
        // again rather than stay that late.
        if far_behind(plan, i) {
            return Follow::Rejoin;
        }
        return Follow::From(i);
    }
    if next == last + 1 {
        return Follow::Nothing;
    }
    // A reload a little behind the last (another CDN edge answered) is
    // stale, not new: nothing until it catches up. Further back than its
    // window, the numbering restarted.
    let window = plan.segments.len() as u64;
    if next > last && next - last <= window {
        return Follow::Nothing;
    }
    Follow::Rejoin
}

/// Whether what is still to come in `plan` from segment `i` on is more
/// than twice the joining distance.
fn far_behind(plan: &MediaPlan, i: usize) -> bool {
    let behind: Duration = plan.segments[i..].iter().map(|s| s.duration).sum();
    behind > plan.target_duration * (2 * JOIN_FROM_EDGE)
}

/// Where a feed that lost its place takes up again in `plan`: at the
/// broadcast time it had reached (`until`, when its last segment ended,
/// by the playlist's dates), so that numbers that jumped or restarted
/// neither repeat what was shown nor skip what was not; at the edge when
/// the playlist dates nothing, when what followed `until` is gone from
/// the window, or when that point is more than twice the joining
/// distance behind. `plan.segments.len()` when everything listed
/// was shown already: the next reload brings the continuation; but dates
/// that never reach that point (the broadcaster's clock put back) hold
/// the feed no longer than a stall (`quiet`, the time since a segment
/// last came): then the edge.
pub(super) fn rejoin_at(plan: &MediaPlan, until: Option<DateTime<Utc>>, quiet: Duration) -> usize {
    let Some(until) = until else {
        return edge(plan);
    };
    // The first segment mostly after `until` (dates are rounded).
    let found = plan.segments.iter().position(|s| {
        s.program_date_time
            .and_then(|at| hls::date_after(at, s.duration / 2))
            .is_some_and(|middle| middle > until)
    });
    let Some(i) = found else {
        let dated = plan.segments.iter().any(|s| s.program_date_time.is_some());
        return if dated && !stalled(plan.target_duration, quiet) {
            plan.segments.len()
        } else {
            edge(plan)
        };
    };
    // What followed `until` left the window: something is skipped
    // anyway, so the feed joins where a start would (not at the window's
    // tail, the next to slide out).
    let first = &plan.segments[i];
    let missed = first
        .program_date_time
        .is_some_and(|at| hls::date_after(until, first.duration / 2).is_some_and(|late| at > late));
    if missed || far_behind(plan, i) {
        edge(plan)
    } else {
        i
    }
}

/// How long to wait before reloading: a target duration after a reload
/// that brought something, half of one after one that did not (RFC 8216
/// 6.3.4).
pub(super) fn reload_in(target: Duration, changed: bool) -> Duration {
    if changed { target } else { target / 2 }.max(MIN_RELOAD)
}

/// Whether a broadcast with nothing new for `quiet` has stalled.
pub(super) fn stalled(target: Duration, quiet: Duration) -> bool {
    quiet >= target * STALLED_AFTER
}

/// Starts a live channel from its playlist `text` (at `url`): a media
/// playlist, or the variant of a master playlist the link carries best
/// (within `max_bitrate`), whose own audio plays (renditions with
/// playlists of their own are not supported live). Returns the media
/// playlist's URL and first reading.
pub(super) async fn start(
    media: Media<'_>,
    url: &Url,
    text: &[u8],
    config: &super::FeedConfig,
) -> Result<(Url, MediaPlan), PlaybackError> {
    let policy = media.fetcher.policy();
    let (mut variants, audio) = match hls::parse_live(text, url, policy)? {
        Parsed::Media(plan) => return Ok((url.clone(), plan)),
        Parsed::Master {
            variants, audio, ..
        } => (variants, audio),
    };
    if audio.iter().any(|a| a.url.is_some()) {
        return Err(PlaybackError::Unsupported(format!(
            "{url}: a live channel with audio renditions in playlists of their own"
        )));
    }
    super::hls::capped_ladder(&mut variants, config.max_bitrate);
    let bandwidths: Vec<u64> = variants.iter().map(|v| v.bandwidth).collect();
    let estimate = config.bandwidth.lock().map(|e| e.estimate()).unwrap_or(0);
    let pick = crate::playback::abr::choose(
        &bandwidths,
        estimate,
        media.fetcher.link().ttfb(),
        None,
        None,
        Duration::ZERO,
        config.min_buffer_up,
    );
    let Some(variant) = variants.get(pick) else {
        return Err(PlaybackError::Malformed {
            url: url.to_string(),
            reason: "master playlist lists no playable variant".into(),
        });
    };
    let plan = reload(media, &variant.url).await?;
    Ok((variant.url.clone(), plan))
}

/// Feeds a live media playlist at `url` (first read as `plan`) until the
/// broadcast ends (EXT-X-ENDLIST) or the feed is cancelled.
pub(super) async fn feed_live(
    media: Media<'_>,
    appsrc: &gst_app::AppSrc,
    state: &FeedState,
    url: &Url,
    mut plan: MediaPlan,
) -> Result<(), PlaybackError> {
    let max = media.fetcher.limits().segment_bytes;
    let mut at = edge(&plan);
    let mut next = plan.segments.get(at).map_or(0, |s| s.sequence);
    tracing::info!(segment = next, target = ?plan.target_duration, "joining live");
    let mut last_new = Instant::now();
    // Whether the last reload brought segments (the next comes sooner
    // when it did not).
    let mut brought = true;
    loop {
        // What the playlist has from `next` on.
        while let Some(seg) = plan.segments.get(at) {
            if state.cancelled.load(Ordering::SeqCst) {
                return Ok(());
            }
            let what = format!("live segment {}", seg.sequence);
            let data = media
                .get(&what, &seg.source.url, seg.source.range, max, None)
                .await?;
            let data = media
                .open(seg.key.as_ref(), seg.sequence, &what, data)
                .await?;
            state.wait_room().await;
            push(appsrc, state, data, None)?;
            if let Ok(mut timeline) = state.on_air.lock() {
                timeline.pushed(seg.duration, seg.program_date_time);
            }
            next = seg.sequence + 1;
            at += 1;
        }
        if !plan.live {
            super::finish(appsrc, state);
            return Ok(());
        }
        tokio::time::sleep(reload_in(plan.target_duration, brought)).await;
        if state.cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        match reload(media, url).await {
            Ok(fresh) => match follow(&fresh, next) {
                Follow::From(i) => {
                    plan = fresh;
                    at = i;
                    last_new = Instant::now();
                    brought = true;
                }
                Follow::Nothing => {
                    at = fresh.segments.len();
                    plan = fresh;
                    brought = false;
                }
                Follow::Rejoin => {
                    let reached = state.on_air.lock().ok().and_then(|t| t.reached());
                    let i = rejoin_at(&fresh, reached, last_new.elapsed());
                    tracing::warn!(
                        wanted = next,
                        first = fresh.segments.first().map(|s| s.sequence),
                        at = fresh.segments.get(i).map(|s| s.sequence),
                        "live: lost our place in the playlist; joining again"
                    );
                    brought = i < fresh.segments.len();
                    if brought {
                        last_new = Instant::now();
                    }
                    plan = fresh;
                    at = i;
                }
            },
            // Tried again at the next reload: the broadcast may come back.
            Err(error) => {
                tracing::warn!(%error, "live playlist reload failed");
                brought = false;
            }
        }
        state.set_stalled(stalled(plan.target_duration, last_new.elapsed()));
    }
}

/// The live playlist again: a media playlist (bounded and checked as any).
async fn reload(media: Media<'_>, url: &Url) -> Result<MediaPlan, PlaybackError> {
    let text = media
        .get(
            "live playlist",
            url,
            None,
            media.fetcher.limits().playlist_bytes,
            None,
        )
        .await?;
    match hls::parse_live(&text, url, media.fetcher.policy())? {
        Parsed::Media(plan) => Ok(plan),
        Parsed::Master { .. } => Err(PlaybackError::Malformed {
            url: url.to_string(),
            reason: "a live media playlist became a master playlist".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::UrlPolicy;

    /// A live window of `n` 2 s segments from `first`.
    fn window(first: u64, n: u64) -> MediaPlan {
        window_dated(first, n, None)
    }

    /// Ten o'clock, and `s` seconds after.
    fn ten(s: i64) -> DateTime<Utc> {
        "2026-12-06T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::TimeDelta::seconds(s)
    }

    /// The same, its first segment on air at `on_air`.
    fn window_dated(first: u64, n: u64, on_air: Option<DateTime<Utc>>) -> MediaPlan {
        let mut text = format!("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:{first}\n");
        if let Some(at) = on_air {
            text.push_str(&format!("#EXT-X-PROGRAM-DATE-TIME:{}\n", at.to_rfc3339()));
        }
        for i in first..first + n {
            text.push_str(&format!("#EXTINF:2,\ns{i}.ts\n"));
        }
        let url = Url::parse("https://live.example/ch/index.m3u8").unwrap();
        match hls::parse_live(text.as_bytes(), &url, &UrlPolicy::default()).unwrap() {
            Parsed::Media(plan) => plan,
            Parsed::Master { .. } => unreachable!(),
        }
    }

    #[test]
    fn a_feed_joins_three_target_durations_from_the_edge() {
        // Ten 2 s segments: 6 s from the end is the eighth (index 7).
        assert_eq!(edge(&window(100, 10)), 7);
        // A window shorter than that: its first.
        assert_eq!(edge(&window(100, 2)), 0);
    }

    #[test]
    fn a_sliding_window_is_followed_by_sequence_number() {
        let w = window(100, 6);
        assert_eq!(follow(&w, 103), Follow::From(3));
        assert_eq!(follow(&w, 106), Follow::Nothing, "nothing new yet");
        // It slid on by two: the same segment is two places earlier.
        assert_eq!(follow(&window(102, 6), 103), Follow::From(1));
        // A stale answer from another edge, a segment behind: wait.
        assert_eq!(follow(&window(99, 6), 106), Follow::Nothing);
    }

    #[test]
    fn a_feed_left_far_behind_by_a_stall_rejoins_the_edge() {
        // Twelve 2 s segments: from the sixth, 14 s are still to come,
        // over twice the 6 s a feed joins at.
        let w = window(100, 12);
        assert_eq!(follow(&w, 105), Follow::Rejoin);
        assert_eq!(rejoin_at(&w, None, Duration::ZERO), 9);
        // From the seventh, 12 s: exactly twice, still followed.
        assert_eq!(follow(&w, 106), Follow::From(6));
    }

    #[test]
    fn a_lost_place_rejoins_the_edge() {
        // The window slid past the feed (a long stall).
        assert_eq!(follow(&window(200, 6), 103), Follow::Rejoin);
        // A huge jump in the numbers.
        assert_eq!(follow(&window(u64::MAX / 2, 6), 103), Follow::Rejoin);
        // The numbering restarted far below.
        assert_eq!(follow(&window(0, 6), 5_000), Follow::Rejoin);
        // Undated, the edge.
        assert_eq!(rejoin_at(&window(0, 6), None, Duration::ZERO), 3);
        assert_eq!(rejoin_at(&window(0, 6), Some(ten(4)), Duration::ZERO), 3);
    }

    #[test]
    fn a_dated_playlist_is_rejoined_where_the_broadcast_was() {
        // Numbers jumped; the window's segments went on air from 10:00:00,
        // 2 s each; the feed had shown up to 10:00:06 (a rounded date a
        // little off): it goes on with the fourth, nothing shown twice.
        let w = window_dated(1_000_000_000_000, 6, Some(ten(0)));
        assert_eq!(rejoin_at(&w, Some(ten(6)), Duration::ZERO), 3);
        let rounded = ten(6) + chrono::TimeDelta::milliseconds(400);
        assert_eq!(rejoin_at(&w, Some(rounded), Duration::ZERO), 3);
        // All of it shown already: the next reload brings what follows.
        let second = Duration::from_secs(1);
        assert_eq!(rejoin_at(&w, Some(ten(12)), second), 6);
        // Dates that never get there (the broadcaster's clock put back):
        // after a stall's worth of waiting (three target durations), the
        // edge.
        assert_eq!(rejoin_at(&w, Some(ten(3600)), 6 * second), 3);
        // The window slid past it (what followed is gone): the edge, not
        // the window's tail.
        assert_eq!(rejoin_at(&w, Some(ten(-4)), Duration::ZERO), 3);
        // Far behind (a long stall): the edge.
        let long = window_dated(1_000, 12, Some(ten(0)));
        assert_eq!(rejoin_at(&long, Some(ten(2)), Duration::ZERO), 9);
    }

    #[test]
    fn the_timeline_dates_a_position_by_the_segment_that_holds_it() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let mut t = OnAirTimeline::default();
        assert_eq!(t.at(Duration::ZERO), None, "nothing pushed");
        t.pushed(Duration::from_secs(2), Some(at("2026-12-06T10:00:00Z")));
        t.pushed(Duration::from_secs(2), Some(at("2026-12-06T10:00:02Z")));
        // A discontinuity: the broadcast's clock jumps (a rejoin, a
        // splice); the stream's time does not.
        t.pushed(Duration::from_secs(2), Some(at("2026-12-06T11:30:00Z")));
        // A segment with no date.
        t.pushed(Duration::from_secs(2), None);
        let ms = Duration::from_millis;
        assert_eq!(t.at(ms(500)), Some(at("2026-12-06T10:00:00.500Z")));
        assert_eq!(t.at(ms(3_250)), Some(at("2026-12-06T10:00:03.250Z")));
        assert_eq!(t.at(ms(4_000)), Some(at("2026-12-06T11:30:00Z")));
        assert_eq!(t.at(ms(5_999)), Some(at("2026-12-06T11:30:01.999Z")));
        assert_eq!(t.at(ms(7_000)), None, "undated");
        // Beyond what was pushed: not known.
        assert_eq!(t.at(ms(8_500)), None);
        assert_eq!(t.at(ms(20_000)), None);
        // Bounded: the oldest segments are forgotten.
        for _ in 0..TIMELINE_SEGMENTS {
            t.pushed(Duration::from_secs(2), Some(at("2026-12-06T12:00:00Z")));
        }
        assert_eq!(t.segments.len(), TIMELINE_SEGMENTS);
        assert_eq!(t.at(ms(500)), None, "forgotten");
        assert_eq!(t.at(ms(8_000)), Some(at("2026-12-06T12:00:00Z")));
        // Where the feed has reached: the end of the last segment pushed.
        assert_eq!(t.reached(), Some(at("2026-12-06T12:00:02Z")));
    }

    #[test]
    fn reloads_are_paced_and_a_quiet_playlist_is_a_stall() {
        let td = Duration::from_secs(2);
        assert_eq!(reload_in(td, true), td);
        assert_eq!(reload_in(td, false), Duration::from_secs(1));
        assert_eq!(reload_in(Duration::ZERO, false), MIN_RELOAD);
        assert!(!stalled(td, Duration::from_secs(5)));
        assert!(stalled(td, Duration::from_secs(6)));
    }
}
