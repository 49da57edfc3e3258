//! HLS: the ladder from a master playlist (or one media playlist), then
//! segment after segment at the rung the ABR picks, init segments when
//! they change, the resume point's segment first.

use std::sync::atomic::Ordering;
use std::time::Duration;

use gstreamer_app as gst_app;
use url::Url;

use super::source::Media;
use super::{AheadOf, FeedConfig, FeedState, finish, push, wait_preload};
use crate::hls::{self, AudioRendition, MediaPlan, Parsed, SubtitleRendition, Variant};
use crate::net::cmcd::{CmcdData, ObjectType};
use crate::net::link::LinkMeter;
use crate::playback::PlaybackError;
use crate::playback::abr;
use crate::playback::control::Control;

/// The renditions an HLS episode can play from, lowest bandwidth first.
pub(super) struct Rendition {
    variant: Option<Variant>,
    plan: Option<MediaPlan>,
}

/// The video ladder, and the audio and subtitle renditions to play with
/// it, if the master playlist has them.
pub(super) fn load_ladder(
    url: &Url,
    text: &[u8],
    policy: &crate::net::UrlPolicy,
    config: &FeedConfig,
) -> Result<Ladder, PlaybackError> {
    Ok(match hls::parse(text, url, policy)? {
        Parsed::Media(plan) => (
            vec![Rendition {
                variant: None,
                plan: Some(plan),
            }],
            None,
            None,
        ),
        Parsed::Master {
            mut variants,
            audio,
            subtitles,
        } => {
            capped_ladder(&mut variants, config.max_bitrate);
            // Variants of one episode share their audio group (a ladder that
            // changes audio with the bitrate is not supported: its first
            // rung's group is kept).
            let group = variants.first().and_then(|v| v.audio_group.clone());
            let chosen = choose_audio(&audio, group.as_deref(), config.audio_language.as_deref());
            let subtitle_group = variants.first().and_then(|v| v.subtitle_group.clone());
            let subtitles = choose_subtitles(
                &subtitles,
                subtitle_group.as_deref(),
                config.subtitle_language.as_deref(),
                chosen.and_then(|a| a.language.as_deref()),
            );
            (
                variants
                    .into_iter()
                    .map(|v| Rendition {
                        variant: Some(v),
                        plan: None,
                    })
                    .collect(),
                chosen.cloned(),
                subtitles.cloned(),
            )
        }
    })
}

/// `variants` lowest bandwidth first, capped at `max_bitrate` (the
/// lowest rung always stays).
pub(super) fn capped_ladder(variants: &mut Vec<Variant>, max_bitrate: Option<u64>) {
    variants.sort_by_key(|v| v.bandwidth);
    if let Some(max) = max_bitrate {
        let keep = variants
            .iter()
            .filter(|v| v.bandwidth <= max)
            .count()
            .max(1);
        variants.truncate(keep);
    }
}

pub(super) type Ladder = (
    Vec<Rendition>,
    Option<AudioRendition>,
    Option<SubtitleRendition>,
);

async fn load_plan(media: Media<'_>, rendition: &mut Rendition) -> Result<(), PlaybackError> {
    if rendition.plan.is_some() {
        return Ok(());
    }
    let Some(variant) = &rendition.variant else {
        return Ok(());
    };
    let fetcher = media.fetcher;
    let text = media
        .get(
            "variant playlist",
            &variant.url,
            None,
            fetcher.limits().playlist_bytes,
            None,
        )
        .await?;
    match hls::parse(&text, &variant.url, fetcher.policy())? {
        Parsed::Media(plan) => {
            rendition.plan = Some(plan);
            Ok(())
        }
        Parsed::Master { .. } => Err(PlaybackError::Malformed {
            url: variant.url.to_string(),
            reason: "a variant of a master playlist is itself a master playlist".into(),
        }),
    }
}

/// The segment of `plan` that holds `at` (the last one that starts at or
/// before it; the last segment past the end), and where it starts.
pub(super) fn segment_at(plan: &MediaPlan, at: Duration) -> (usize, Duration) {
    let mut start = Duration::ZERO;
    for (i, seg) in plan.segments.iter().enumerate() {
        let end = start + seg.duration;
        // A millisecond of slack: EXTINF sums are not exact.
        if at + Duration::from_millis(1) < end || i + 1 == plan.segments.len() {
            return (i, start);
        }
        start = end;
    }
    (0, Duration::ZERO)
}

/// Index of the segment of `plan` that continues playback at `at` seconds
/// (segment `index` of the rendition played so far, when counts match:
/// aligned ladders, the norm).
fn next_segment(plan: &MediaPlan, index: usize, at: f64, aligned: bool) -> Option<usize> {
    if aligned {
        return (index < plan.segments.len()).then_some(index);
    }
    let mut start = 0.0;
    for (i, seg) in plan.segments.iter().enumerate() {
        let d = seg.duration.as_secs_f64();
        if start + d / 2.0 > at {
            return Some(i);
        }
        start += d;
    }
    None
}

/// The episode's playlist fetched again from the source in force (a
/// refreshed grant: new signed URLs for the same media), read as at the
/// start; with the URL it came from.
pub(super) async fn reload(
    media: Media<'_>,
    config: &FeedConfig,
) -> Result<(Url, Ladder), PlaybackError> {
    let source = media.access.source.get();
    let fetcher = media.fetcher;
    let text = media
        .get(
            "refreshed playlist",
            &source.url,
            None,
            fetcher.limits().playlist_bytes,
            None,
        )
        .await?;
    let ladder = load_ladder(&source.url, &text, fetcher.policy(), config)?;
    Ok((source.url.clone(), ladder))
}

/// [`reload`], as a ladder of the same shape as `old`: same variants,
/// same segments.
async fn reload_ladder(
    media: Media<'_>,
    config: &FeedConfig,
    old: &[Rendition],
) -> Result<Vec<Rendition>, PlaybackError> {
    let (url, (ladder, _, _)) = reload(media, config).await?;
    let segments = |l: &[Rendition]| -> Vec<Option<usize>> {
        l.iter()
            .map(|r| r.plan.as_ref().map(|p| p.segments.len()))
            .collect()
    };
    // A media playlist alone (no master): its segments are all there is.
    let alone = |l: &[Rendition]| l.first().is_some_and(|r| r.variant.is_none());
    let same_segments = !alone(&ladder) || segments(&ladder) == segments(old);
    if ladder.len() != old.len() || alone(&ladder) != alone(old) || !same_segments {
        return Err(PlaybackError::Malformed {
            url: url.to_string(),
            reason: "the playlist of the refreshed grant is not the same episode (other variants or segments)".into(),
        });
    }
    tracing::info!("playlist refreshed: requests go to the new grant's URLs");
    Ok(ladder)
}

pub(super) async fn feed_hls(
    media: Media<'_>,
    appsrc: &gst_app::AppSrc,
    control: &Control,
    state: &FeedState,
    config: &FeedConfig,
    mut ladder: Vec<Rendition>,
) -> Result<(), PlaybackError> {
    let max = media.fetcher.limits().segment_bytes;
    let mut generation = media.access.source.generation();
    let bandwidths: Vec<u64> = ladder
        .iter()
        .map(|r| r.variant.as_ref().map_or(0, |v| v.bandwidth))
        .collect();
    let mut current: Option<usize> = None;
    // The init section pushed last: its rendition and index (not its URL,
    // which a refreshed grant changes).
    let mut current_init: Option<(usize, usize)> = None;
    let mut index = 0usize;
    let mut at = 0.0f64;
    let mut weighted_bits = 0.0f64;
    // The first segment fed: 0, or the one a resumed episode starts in.
    let mut first: Option<usize> = None;
    let ahead = AheadOf::new(&config.playing_ahead, state);
    // The last segment asked for was given up: ask the lowest rung's.
    let mut give_up = false;
    loop {
        if media.access.source.generation() != generation {
            generation = media.access.source.generation();
            ladder = reload_ladder(media, config, &ladder).await?;
        }
        let buffered = Duration::from_secs_f64(
            (at - state.position_ms.load(Ordering::Relaxed) as f64 / 1000.0).max(0.0),
        );
        if control.is_active() {
            ahead.report(buffered);
        }
        let estimate = config.bandwidth.lock().map(|e| e.estimate()).unwrap_or(0);
        // The next segment's duration, from any rung's plan (ladders align).
        let segment = ladder
            .iter()
            .find_map(|r| r.plan.as_ref()?.segments.get(index))
            .map(|s| s.duration);
        let ttfb = media.fetcher.link().ttfb();
        let pick = if give_up {
            0
        } else {
            abr::choose(
                &bandwidths,
                estimate,
                ttfb,
                segment,
                current,
                buffered,
                config.min_buffer_up,
            )
        };
        load_plan(media, &mut ladder[pick]).await?;
        let counts: Vec<Option<usize>> = ladder
            .iter()
            .map(|r| r.plan.as_ref().map(|p| p.segments.len()))
            .collect();
        let aligned = counts.iter().flatten().all(|&n| Some(n) == counts[pick]);
        let Some(plan) = ladder[pick].plan.as_ref() else {
            break;
        };
        if first.is_none() {
            let (k, offset) = segment_at(plan, config.start.point());
            let skip = match config.start {
                crate::playback::Start::At(t) => t.saturating_sub(offset),
                crate::playback::Start::Beginning | crate::playback::Start::Near(_) => {
                    Duration::ZERO
                }
            };
            state
                .media_offset_ms
                .store(offset.as_millis() as u64, Ordering::SeqCst);
            state
                .skip_ns
                .store(skip.as_nanos() as u64, Ordering::SeqCst);
            if k > 0 {
                tracing::info!(segment = k, ?offset, ?skip, "resuming");
            }
            (index, at) = (k, offset.as_secs_f64());
            first = Some(k);
        }
        let first = first.unwrap_or(0);
        let Some(i) = next_segment(plan, index, at, aligned) else {
            break;
        };
        if current.is_some_and(|c| c != pick) {
            state.variant_switches.fetch_add(1, Ordering::Relaxed);
            tracing::info!(from = ?current.map(|c| bandwidths[c]), to = bandwidths[pick], estimate, "variant switch");
        }
        current = Some(pick);
        if bandwidths[pick] > 0 {
            state
                .variant_bandwidth
                .store(bandwidths[pick], Ordering::Relaxed);
        }
        let seg = &plan.segments[i];
        let init = seg.init.map(|k| (pick, k));
        if let Some((_, k)) = init
            && init != current_init
        {
            let section = &plan.inits[k];
            let cmcd = CmcdData {
                sf: Some('h'),
                su: index == first,
                ..config.cmcd(ObjectType::Init)
            };
            let src = &section.source;
            let data = media
                .get("init segment", &src.url, src.range, max, Some(&cmcd))
                .await?;
            // An init section's IV is always named (hls::parse checks).
            let data = media
                .open(section.key.as_ref(), 0, "init segment", data)
                .await?;
            state.wait_room().await;
            push(appsrc, state, data, None)?;
            current_init = init;
        }
        wait_preload(control, state, config, index == first).await;
        tracing::debug!(
            segment = i,
            bandwidth = bandwidths[pick],
            estimate,
            ?ttfb,
            ?buffered,
            playing = control.is_active(),
            "fetching"
        );
        let what = format!("segment {} of {}", i + 1, plan.segments.len());
        let cmcd = CmcdData {
            br: (bandwidths[pick] > 0).then(|| bandwidths[pick] / 1000),
            bl: Some(buffered.as_millis() as u64),
            d: Some(seg.duration.as_millis() as u64),
            sf: Some('h'),
            su: index == first || config.starving.load(Ordering::Relaxed),
            ..config.cmcd(ObjectType::AudioVideo)
        };
        let get = media.get(&what, &seg.source.url, seg.source.range, max, Some(&cmcd));
        // The playing episode gives a segment up for the lowest rung's when
        // the link falls under it (never the first: nothing plays yet).
        let bytes_of = |bandwidth: u64| bandwidth * seg.duration.as_millis() as u64 / 8000;
        let watch = (control.is_active() && pick > 0 && index > first).then(|| abr::InFlight {
            expected_bytes: bytes_of(bandwidths[pick]),
            lowest_bytes: bytes_of(bandwidths[0]),
            buffered,
        });
        let data = match watch {
            None => get.await?,
            Some(watch) => match unless_given_up(get, media.fetcher.link(), watch).await {
                Some(data) => data?,
                None => {
                    tracing::info!(
                        segment = i,
                        bandwidth = bandwidths[pick],
                        ?buffered,
                        "segment given up: the link fell under it"
                    );
                    give_up = true;
                    continue;
                }
            },
        };
        give_up = false;
        config.measure_link(media.fetcher);
        let data = media
            .open(seg.key.as_ref(), seg.sequence, &what, data)
            .await?;
        if index == first {
            // What subtitle segments' X-TIMESTAMP-MAP count against.
            let _ = state.init_pts.set(hls::ts_first_pts(&data));
        }
        if control.is_active() && state.is_full() {
            ahead.idle();
        }
        state.wait_room().await;
        push(appsrc, state, data, None)?;
        let d = seg.duration.as_secs_f64();
        weighted_bits += bandwidths[pick] as f64 * d;
        at = if aligned {
            at + d
        } else {
            plan.segments[..=i]
                .iter()
                .map(|s| s.duration.as_secs_f64())
                .sum()
        };
        if at > 0.0 && bandwidths[pick] > 0 {
            state
                .average_bandwidth
                .store((weighted_bits / at) as u64, Ordering::Relaxed);
        }
        index = i + 1;
    }
    finish(appsrc, state);
    Ok(())
}

/// Runs `get` unless `watch` says, on the link's progress, to give it up
/// (`None`; the download is dropped).
async fn unless_given_up<T>(
    get: impl Future<Output = T>,
    link: &LinkMeter,
    watch: abr::InFlight,
) -> Option<T> {
    let mut get = std::pin::pin!(get);
    let ttfb = link.ttfb();
    let started = tokio::time::Instant::now();
    let from = link.reading().bytes;
    let mut tick =
        tokio::time::interval_at(started + abr::ABANDON_AFTER, Duration::from_millis(250));
    loop {
        tokio::select! {
            biased;
            out = &mut get => return Some(out),
            _ = tick.tick() => {
                let got = link.reading().bytes.saturating_sub(from);
                if watch.abandon(got, started.elapsed(), ttfb) {
                    return None;
                }
            }
        }
    }
}

/// The subtitle rendition of `group` in `lang`: forced ones only when the
/// audio played is in that language, the others otherwise.
fn choose_subtitles<'a>(
    renditions: &'a [SubtitleRendition],
    group: Option<&str>,
    lang: Option<&str>,
    audio_language: Option<&str>,
) -> Option<&'a SubtitleRendition> {
    let (group, lang) = (group?, lang?);
    let understood = audio_language.is_some_and(|a| crate::language::same_language(a, lang));
    let wanted = renditions
        .iter()
        .filter(|r| r.group == group && r.forced == understood);
    crate::language::best_match(wanted, |r| r.language.as_deref(), lang)
}

/// The rendition of `group` in the `preferred` language (`es` finds
/// `es-MX`), else the group's DEFAULT, else its first.
fn choose_audio<'a>(
    renditions: &'a [AudioRendition],
    group: Option<&str>,
    preferred: Option<&str>,
) -> Option<&'a AudioRendition> {
    let group = group?;
    let in_group = renditions.iter().filter(|r| r.group == group);
    preferred
        .and_then(|lang| {
            crate::language::best_match(in_group.clone(), |r| r.language.as_deref(), lang)
        })
        .or_else(|| in_group.clone().find(|r| r.default))
        .or_else(|| in_group.clone().next())
}
