//! HLS playlists: parsed with m3u8-rs, turned into a flat plan of byte
//! fetches, with every URL inside checked by the URL policy and every
//! number bounded. Needs no media stack, so it is fuzzed on its own.

use std::time::Duration;

use m3u8_rs::Playlist;
use url::Url;

use crate::net::{PolicyError, UrlPolicy};

pub mod keys;

pub use keys::Encryption;

/// Why a playlist cannot be played. Messages name the playlist's URL.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaylistError {
    #[error("malformed playlist {url}: {reason}")]
    Malformed { url: String, reason: String },
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("refused: {0}")]
    Refused(#[from] PolicyError),
}

impl PlaylistError {
    /// A short stable name for the kind of error, as the player reports it.
    pub fn kind(&self) -> &'static str {
        match self {
            PlaylistError::Malformed { .. } => "malformed",
            PlaylistError::Unsupported(_) => "unsupported",
            PlaylistError::Refused(_) => "refused",
        }
    }
}

/// Bounds on what a playlist may declare. An episode is minutes long; these
/// leave room for hours, and keep every number below what overflows.
pub const MAX_VARIANTS: usize = 64;
pub const MAX_SEGMENTS: usize = 20_000;
/// Longest segment, and longest playlist, in seconds.
pub const MAX_SEGMENT_SECONDS: f32 = 600.0;
pub const MAX_PLAYLIST_SECONDS: f64 = 6.0 * 3600.0;
/// Highest BANDWIDTH accepted, bit/s (1 Tbit/s: anything above is a lie).
pub const MAX_BANDWIDTH: u64 = 1_000_000_000_000;
/// Largest offset or length of an EXT-X-BYTERANGE (1 TiB).
pub const MAX_RANGE_BYTES: u64 = 1 << 40;
/// Longest EXT-X-TARGETDURATION of a live playlist, seconds: the box
/// reloads it this often, and calls a broadcast stalled after three.
pub const MAX_TARGET_DURATION_S: u64 = 30;

/// One variant of a master playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub url: Url,
    pub bandwidth: u64,
    pub resolution: Option<(u64, u64)>,
    pub codecs: Option<String>,
    /// `AUDIO=`: the group of audio renditions played with it.
    pub audio_group: Option<String>,
    /// `SUBTITLES=`: the group of subtitle renditions shown with it.
    pub subtitle_group: Option<String>,
}

/// An `EXT-X-MEDIA:TYPE=SUBTITLES` rendition: segmented WebVTT.
#[derive(Debug, Clone, PartialEq)]
pub struct SubtitleRendition {
    pub group: String,
    pub language: Option<String>,
    pub name: String,
    pub url: Url,
    pub default: bool,
    /// Only what the audio does not say (signs, foreign lines).
    pub forced: bool,
}

/// An `EXT-X-MEDIA:TYPE=AUDIO` rendition: a dubbed (or original) audio
/// track played with the video of a variant.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioRendition {
    pub group: String,
    pub language: Option<String>,
    pub name: String,
    /// Its own media playlist; none when the audio is in the variant.
    pub url: Option<Url>,
    pub default: bool,
}

/// A resource, or a byte range of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteSource {
    pub url: Url,
    /// (offset, length) for EXT-X-BYTERANGE.
    pub range: Option<(u64, u64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub source: ByteSource,
    pub duration: Duration,
    /// Index into [`MediaPlan::inits`] of the EXT-X-MAP in force.
    pub init: Option<usize>,
    pub discontinuity: bool,
    /// Its media sequence number (the IV of an AES-128 segment without one).
    pub sequence: u64,
    /// The AES-128 key in force, if the segment is encrypted.
    pub key: Option<Encryption>,
    /// When its first frame was (or is) on air: its own
    /// EXT-X-PROGRAM-DATE-TIME, else the last one's plus the durations
    /// since.
    pub program_date_time: Option<chrono::DateTime<chrono::Utc>>,
}

/// An `EXT-X-MAP` init section, and the key in force at its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitSection {
    pub source: ByteSource,
    pub key: Option<Encryption>,
}

/// Everything needed to play a media playlist, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaPlan {
    pub inits: Vec<InitSection>,
    pub segments: Vec<Segment>,
    /// A live playlist (no EXT-X-ENDLIST): more segments come on reloads.
    pub live: bool,
    /// EXT-X-TARGETDURATION (checked for live playlists: 1 to
    /// [`MAX_TARGET_DURATION_S`]).
    pub target_duration: Duration,
}

impl MediaPlan {
    pub fn duration(&self) -> Duration {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Master {
        variants: Vec<Variant>,
        audio: Vec<AudioRendition>,
        subtitles: Vec<SubtitleRendition>,
    },
    Media(MediaPlan),
}

/// `bytes` without a UTF-8 BOM and leading blanks, where #EXTM3U must stand.
fn playlist_start(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// True when `bytes` look like an m3u8 playlist (BOM and leading blanks allowed).
pub fn looks_like_playlist(bytes: &[u8]) -> bool {
    playlist_start(bytes).starts_with(b"#EXTM3U")
}

/// A playlist of an episode: live media playlists are refused.
pub fn parse(bytes: &[u8], url: &Url, policy: &UrlPolicy) -> Result<Parsed, PlaylistError> {
    parse_playlist(bytes, url, policy, false)
}

/// A playlist of a live channel: a live media playlist (or a master
/// playlist of them) is read as such.
pub fn parse_live(bytes: &[u8], url: &Url, policy: &UrlPolicy) -> Result<Parsed, PlaylistError> {
    parse_playlist(bytes, url, policy, true)
}

fn parse_playlist(
    bytes: &[u8],
    url: &Url,
    policy: &UrlPolicy,
    allow_live: bool,
) -> Result<Parsed, PlaylistError> {
    let malformed = |reason: String| PlaylistError::Malformed {
        url: url.to_string(),
        reason,
    };
    let b = playlist_start(bytes);
    if !b.starts_with(b"#EXTM3U") {
        return Err(malformed("does not start with #EXTM3U".into()));
    }
    if std::str::from_utf8(b).is_err() {
        return Err(malformed("not valid UTF-8".into()));
    }
    // Keys are read by a scan of our own (see keys.rs); m3u8-rs sees them
    // as comments.
    let text = std::str::from_utf8(b).unwrap_or_default();
    let scan = if keys::mentions_keys(text) {
        Some(keys::scan(text, url, policy)?)
    } else {
        None
    };
    let cleaned = scan.as_ref().map(|_| keys::without_keys(text));
    let b = cleaned.as_deref().map_or(b, str::as_bytes);
    let playlist = m3u8_rs::parse_playlist_res(b).map_err(|e| {
        let at = match &e {
            nom::Err::Error(e) | nom::Err::Failure(e) => line_of(b, e.input),
            nom::Err::Incomplete(_) => None,
        };
        match at {
            Some(line) => malformed(format!("syntax error at line {line}")),
            None => malformed("syntax error".into()),
        }
    })?;
    match playlist {
        Playlist::MasterPlaylist(master) => {
            let mut variants = Vec::new();
            let listed = master.variants.iter().filter(|v| !v.is_i_frame);
            if listed.clone().count() > MAX_VARIANTS {
                return Err(malformed(format!(
                    "master playlist lists more than {MAX_VARIANTS} variants"
                )));
            }
            for (i, v) in listed.enumerate() {
                if v.bandwidth > MAX_BANDWIDTH {
                    return Err(malformed(format!(
                        "variant {}: BANDWIDTH {} is above {MAX_BANDWIDTH}",
                        i + 1,
                        v.bandwidth
                    )));
                }
                let url = policy.join(url, &v.uri)?;
                variants.push(Variant {
                    url,
                    bandwidth: v.bandwidth,
                    resolution: v.resolution.map(|r| (r.width, r.height)),
                    codecs: v.codecs.clone(),
                    audio_group: v.audio.clone(),
                    subtitle_group: v.subtitles.clone(),
                });
            }
            let mut audio = Vec::new();
            let mut subtitles = Vec::new();
            for m in &master.alternatives {
                if audio.len() + subtitles.len() >= MAX_VARIANTS {
                    return Err(malformed(format!(
                        "master playlist lists more than {MAX_VARIANTS} renditions"
                    )));
                }
                if m.media_type == m3u8_rs::AlternativeMediaType::Subtitles {
                    let Some(uri) = m.uri.as_deref() else {
                        return Err(malformed(format!(
                            "subtitle rendition {:?} has no URI",
                            m.name
                        )));
                    };
                    subtitles.push(SubtitleRendition {
                        group: m.group_id.clone(),
                        language: m.language.clone(),
                        name: m.name.clone(),
                        url: policy.join(url, uri)?,
                        default: m.default,
                        forced: m.forced,
                    });
                    continue;
                }
                if m.media_type != m3u8_rs::AlternativeMediaType::Audio {
                    continue;
                }
                if audio.len() >= MAX_VARIANTS {
                    return Err(malformed(format!(
                        "master playlist lists more than {MAX_VARIANTS} audio renditions"
                    )));
                }
                audio.push(AudioRendition {
                    group: m.group_id.clone(),
                    language: m.language.clone(),
                    name: m.name.clone(),
                    url: m.uri.as_deref().map(|u| policy.join(url, u)).transpose()?,
                    default: m.default,
                });
            }
            if variants.is_empty() {
                return Err(malformed(
                    "master playlist lists no playable variant".into(),
                ));
            }
            Ok(Parsed::Master {
                variants,
                audio,
                subtitles,
            })
        }
        Playlist::MediaPlaylist(media) => {
            // m3u8-rs is lenient; check what it glosses over, with line numbers.
            check_media_lines(b).map_err(|e| malformed(e.to_string()))?;
            if media.segments.is_empty() {
                return Err(malformed("media playlist lists no segments".into()));
            }
            let live =
                !media.end_list && media.playlist_type != Some(m3u8_rs::MediaPlaylistType::Vod);
            if live && !allow_live {
                return Err(PlaylistError::Unsupported(format!(
                    "{url} is a live playlist (no #EXT-X-ENDLIST): episodes must be VOD"
                )));
            }
            if live && !(1..=MAX_TARGET_DURATION_S).contains(&media.target_duration) {
                return Err(malformed(format!(
                    "EXT-X-TARGETDURATION {} of a live playlist is not 1 to {MAX_TARGET_DURATION_S} s",
                    media.target_duration
                )));
            }
            if media
                .media_sequence
                .checked_add(media.segments.len() as u64)
                .is_none()
            {
                return Err(malformed(format!(
                    "EXT-X-MEDIA-SEQUENCE {} leaves no numbers for its segments",
                    media.media_sequence
                )));
            }
            if media.segments.len() > MAX_SEGMENTS {
                return Err(malformed(format!(
                    "media playlist lists {} segments, more than {MAX_SEGMENTS}",
                    media.segments.len()
                )));
            }
            let mut total_seconds = 0.0f64;
            let mut plan = MediaPlan {
                inits: Vec::new(),
                segments: Vec::new(),
                live,
                target_duration: Duration::from_secs(
                    media.target_duration.min(MAX_SEGMENT_SECONDS as u64),
                ),
            };
            // The date and time on air carried from the last
            // EXT-X-PROGRAM-DATE-TIME.
            let mut on_air: Option<chrono::DateTime<chrono::Utc>> = None;
            let mut current_init = None;
            let scan = scan.unwrap_or_default();
            if !scan.segments.is_empty() && scan.segments.len() != media.segments.len() {
                return Err(malformed(format!(
                    "{} segment lines but {} segments",
                    scan.segments.len(),
                    media.segments.len()
                )));
            }
            let mut maps_seen = 0usize;
            // EXT-X-BYTERANGE without an offset continues where the previous
            // range of the same resource ended.
            let mut last_end: Option<(Url, u64)> = None;
            for (i, seg) in media.segments.iter().enumerate() {
                let n = i + 1;
                if let Some(map) = &seg.map {
                    let range = match &map.byte_range {
                        Some(r) => Some(
                            checked_range(r.offset.unwrap_or(0), r.length).map_err(|why| {
                                malformed(format!("segment {n}: EXT-X-MAP {why}"))
                            })?,
                        ),
                        None => None,
                    };
                    let key = scan.maps.get(maps_seen).cloned().flatten();
                    maps_seen += 1;
                    if key.as_ref().is_some_and(|k| k.iv.is_none()) {
                        // RFC 8216 4.3.2.5: an init section has no sequence number.
                        return Err(malformed(format!(
                            "segment {n}: the EXT-X-MAP is encrypted but its EXT-X-KEY has no IV"
                        )));
                    }
                    let src = InitSection {
                        source: ByteSource {
                            url: policy.join(url, &map.uri)?,
                            range,
                        },
                        key,
                    };
                    current_init = Some(match plan.inits.iter().position(|s| *s == src) {
                        Some(idx) => idx,
                        None => {
                            plan.inits.push(src);
                            plan.inits.len() - 1
                        }
                    });
                }
                if !seg.duration.is_finite()
                    || seg.duration < 0.0
                    || seg.duration > MAX_SEGMENT_SECONDS
                {
                    return Err(malformed(format!(
                        "segment {n} has an invalid duration {} (0 to {MAX_SEGMENT_SECONDS} s)",
                        seg.duration
                    )));
                }
                total_seconds += f64::from(seg.duration);
                if total_seconds > MAX_PLAYLIST_SECONDS {
                    return Err(malformed(format!(
                        "segments up to {n} last more than {MAX_PLAYLIST_SECONDS} s"
                    )));
                }
                if seg.uri.trim().is_empty() {
                    return Err(malformed(format!("segment {n} has no URI")));
                }
                let seg_url = policy.join(url, seg.uri.trim())?;
                let range = match &seg.byte_range {
                    None => None,
                    Some(r) => {
                        let offset = match r.offset {
                            Some(o) => o,
                            None => match &last_end {
                                Some((u, end)) if *u == seg_url => *end,
                                _ => {
                                    return Err(malformed(format!(
                                        "segment {n}: EXT-X-BYTERANGE without offset does not follow a range of the same URI"
                                    )));
                                }
                            },
                        };
                        let (offset, length) = checked_range(offset, r.length).map_err(|why| {
                            malformed(format!("segment {n}: EXT-X-BYTERANGE {why}"))
                        })?;
                        last_end = Some((seg_url.clone(), offset + length));
                        Some((offset, length))
                    }
                };
                if live && seg.duration > media.target_duration as f32 + 0.5 {
                    // RFC 8216 4.3.3.1: the reload pace is set by it.
                    return Err(malformed(format!(
                        "segment {n} lasts {} s, more than EXT-X-TARGETDURATION {}",
                        seg.duration, media.target_duration
                    )));
                }
                let duration = Duration::from_secs_f32(seg.duration);
                if let Some(at) = seg.program_date_time {
                    on_air = Some(at.to_utc());
                }
                plan.segments.push(Segment {
                    source: ByteSource {
                        url: seg_url,
                        range,
                    },
                    duration,
                    init: current_init,
                    discontinuity: seg.discontinuity,
                    sequence: media.media_sequence + i as u64,
                    key: scan.segments.get(i).cloned().flatten(),
                    program_date_time: on_air,
                });
                on_air = on_air.and_then(|t| date_after(t, duration));
            }
            Ok(Parsed::Media(plan))
        }
    }
}

/// The first PES timestamp (PTS) of an MPEG-TS segment, in 90 kHz units:
/// what an `X-TIMESTAMP-MAP`'s `MPEGTS` is counted against. `None` when
/// the bytes are not MPEG-TS or carry no timestamp.
pub fn ts_first_pts(bytes: &[u8]) -> Option<u64> {
    for packet in bytes.chunks_exact(188) {
        if packet[0] != 0x47 {
            return None;
        }
        let start = packet[1] & 0x40 != 0;
        let control = (packet[3] >> 4) & 3;
        if !start || control & 1 == 0 {
            continue;
        }
        let mut at = 4;
        if control & 2 != 0 {
            at += 1 + packet[4] as usize;
        }
        let pes = packet.get(at..)?;
        // A PES header with a PTS: 00 00 01, stream id, length, flags.
        if pes.len() < 14 || pes[..3] != [0, 0, 1] || pes[7] & 0x80 == 0 {
            continue;
        }
        let b = &pes[9..14];
        let pts = (u64::from(b[0] >> 1) & 7) << 30
            | u64::from(b[1]) << 22
            | u64::from(b[2] >> 1) << 15
            | u64::from(b[3]) << 7
            | u64::from(b[4] >> 1);
        return Some(pts);
    }
    None
}

/// The date `by` after `at` (None past chrono's range): how program
/// date-times run on through segments.
pub fn date_after(
    at: chrono::DateTime<chrono::Utc>,
    by: Duration,
) -> Option<chrono::DateTime<chrono::Utc>> {
    at.checked_add_signed(chrono::TimeDelta::from_std(by).ok()?)
}

/// What a check of a playlist's lines found wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum LineProblem {
    #[error("{length}@{offset} is out of bounds (1 to {MAX_RANGE_BYTES} bytes)")]
    Range { offset: u64, length: u64 },
    #[error("line {line}: #EXTINF duration {duration:?} is not a number of seconds")]
    Duration { line: usize, duration: String },
    #[error("line {line}: segment {uri:?} has no #EXTINF before it")]
    NoExtinf { line: usize, uri: String },
}

/// A byte range within [`MAX_RANGE_BYTES`], not empty.
fn checked_range(offset: u64, length: u64) -> Result<(u64, u64), LineProblem> {
    if length == 0 || length > MAX_RANGE_BYTES || offset > MAX_RANGE_BYTES {
        return Err(LineProblem::Range { offset, length });
    }
    Ok((offset, length))
}

/// Every segment URI must follow an #EXTINF with a numeric duration.
fn check_media_lines(text: &[u8]) -> Result<(), LineProblem> {
    let text = String::from_utf8_lossy(text);
    let mut have_extinf = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("#EXTINF:") {
            let duration = rest.split(',').next().unwrap_or("").trim();
            match duration.parse::<f64>() {
                Ok(d) if d.is_finite() && d >= 0.0 => have_extinf = true,
                _ => {
                    return Err(LineProblem::Duration {
                        line: n,
                        duration: duration.to_owned(),
                    });
                }
            }
        } else if !line.is_empty() && !line.starts_with('#') {
            if !have_extinf {
                return Err(LineProblem::NoExtinf {
                    line: n,
                    uri: line.to_owned(),
                });
            }
            have_extinf = false;
        }
    }
    Ok(())
}

fn line_of(all: &[u8], rest: &[u8]) -> Option<usize> {
    let offset = (rest.as_ptr() as usize).checked_sub(all.as_ptr() as usize)?;
    let prefix = all.get(..offset)?;
    Some(prefix.iter().filter(|&&c| c == b'\n').count() + 1)
}

#[cfg(test)]
mod tests;
