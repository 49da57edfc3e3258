//! The catalog as typed data (format 1.x, documented in docs/catalog.md).
//! Every object keeps the fields it does not know in `extra`, so a catalog
//! written for a newer 1.x player loads here and round-trips unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The major version of the format this player reads.
pub const FORMAT_MAJOR: u32 = 1;
/// The value of the root `format` field.
pub const FORMAT_NAME: &str = "pillarbox-catalog";

/// Text in several languages: BCP 47 tag to text.
pub type Localized = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Always "pillarbox-catalog".
    pub format: String,
    /// "MAJOR.MINOR" of the format.
    pub version: String,
    /// Increases with every publication; a lower one than seen before is a rollback.
    pub catalog_version: u64,
    pub provider: String,
    /// Language of the texts shown when the viewer's is missing.
    pub default_language: String,
    pub channel: Channel,
    /// RFC 3339 time after which the box says the catalog is out of date
    /// (it still shows it: an old catalog beats none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default)]
    pub rails: Vec<Rail>,
    pub series: Vec<Series>,
    /// How boxes with parental control on treat ratings they do not know.
    #[serde(default, skip_serializing_if = "ParentalPolicy::is_default")]
    pub parental: ParentalPolicy,
    /// The partner's unlock API (docs/unlock.md): where a box pairs, buys
    /// and fetches entitlements, and the key that signs them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_api: Option<UnlockApi>,
    /// Ads (docs/ads.md): breaks between free episodes, rewarded ads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ads: Option<Ads>,
    /// Partner insight (docs/analytics.md): where boxes whose viewers agree
    /// report viewing and QoE events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics: Option<Analytics>,
    /// When boxes fetch the episodes they keep ahead (docs/catalog.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_ahead: Option<KeepAhead>,
    /// Drama channels: series played one episode after another on a
    /// schedule, as broadcast TV plays (docs/catalog.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<TvChannel>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A drama channel: its schedule of series repeats from `start`, the same
/// for every box, so that everyone on it sees the same episode at the same
/// moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TvChannel {
    pub id: String,
    pub title: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// A drama channel: RFC 3339, when the schedule's first episode
    /// began; the schedule repeats from there, end to end. Empty for a
    /// live channel.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub start: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<ScheduleSlot>,
    /// A broadcaster's live channel (no start, no schedule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveFeed>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A live channel's stream and guide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveFeed {
    /// Its live HLS playlist (a media playlist, or a master playlist of
    /// them).
    pub url: String,
    /// An XMLTV guide whose `<programme channel="...">` entries carry the
    /// channel's id: what is on now and next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Episodes `from..=to` of a series, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSlot {
    pub series: String,
    /// The first episode; 1 when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u32>,
    /// The last episode; the last listed when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u32>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// When boxes download the episodes they keep ready: a night window (local
/// hours, `from` inclusive, `to` exclusive, wrapping past midnight), and
/// whether boxes keep to it unless their viewer says otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeepAhead {
    pub night_from: u8,
    pub night_to: u8,
    #[serde(default)]
    pub night_only: bool,
}

/// Where the box reports CMCD v2 events, and on what terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analytics {
    /// Collectors: each gets every event, in batches.
    pub targets: Vec<AnalyticsTarget>,
    /// ISO 3166-1 alpha-2 code of the law the partner's processing falls
    /// under ("KE", "DE", "US").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// Sharing is on until the viewer turns it off: accepted only for a
    /// jurisdiction where that is lawful (docs/analytics.md).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default_consent: bool,
    /// Events sent without consent, as strictly necessary for the service
    /// (none unless listed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub necessary: Vec<String>,
}

/// One collector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsTarget {
    /// Where batches are POSTed.
    pub url: String,
    /// Seconds between batches.
    #[serde(default = "default_interval")]
    pub interval_s: u32,
}

fn default_interval() -> u32 {
    30
}

/// Where `analytics.default_consent` may be true: places where pseudonymous
/// audience measurement needs no opt-in (docs/analytics.md says why, and
/// why nowhere else: GDPR and ePrivacy in the EU, EEA and UK, Kenya's Data
/// Protection Act 2019 and most other laws ask for consent first).
pub const DEFAULT_ON_JURISDICTIONS: &[&str] = &["US"];

/// Whether sharing may be on before the viewer chooses, under `jurisdiction`.
pub fn may_default_on(jurisdiction: Option<&str>) -> bool {
    jurisdiction.is_some_and(|j| DEFAULT_ON_JURISDICTIONS.contains(&j))
}

/// The events a box reports (docs/analytics.md), by the names the
/// collector, the QA report and `analytics.necessary` use.
pub const EVENT_NAMES: &[&str] = &[
    "app_start",
    "home_shown",
    "series_opened",
    "episode_start",
    "episode_end",
    "rebuffer",
    "rebuffer_end",
    "pause",
    "resume",
    "error",
    "locked_shown",
    "unlock",
    "ad_request",
    "ad_start",
    "ad_end",
    "setting",
];

/// The catalog's ad placements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ads {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaks: Option<AdBreaks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewarded: Option<RewardedAds>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Ad breaks between free episodes: never inside an episode, never for a
/// VIP viewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdBreaks {
    /// The VAST tag URL, with macros (`[CACHEBUSTING]`, `[CONTENTID]`, ...).
    pub vast: String,
    /// A break after this many free episodes.
    pub every_free_episodes: u32,
    /// At most this many breaks in any hour.
    pub max_per_hour: u32,
    /// The longest break: ads beyond it are not played.
    pub max_seconds: u32,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// "Watch an ad to unlock": one ad, watched to its end, unlocks episodes
/// through the partner's `POST reward` (docs/ads.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardedAds {
    /// The VAST tag URL, with macros.
    pub vast: String,
    /// Episodes one ad unlocks: the one asked for and those after it.
    pub episodes_per_ad: u32,
    /// Rewarded ads one box may play in a day.
    pub per_day: u32,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockApi {
    /// Base URL; endpoint paths are joined to it ("device/code", ...).
    pub url: String,
    /// The Ed25519 public key (32 bytes, base64) that signs entitlements.
    pub key: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentalPolicy {
    /// A rating system the box does not know, or a value not on its scale.
    #[serde(default)]
    pub unknown_ratings: UnknownRatings,
}

impl ParentalPolicy {
    fn is_default(&self) -> bool {
        *self == ParentalPolicy::default()
    }
}

/// Series with a rating the box cannot place, while a PIN is set: locked
/// (the PIN opens them; the default) or allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownRatings {
    #[default]
    Locked,
    Allowed,
}

impl Series {
    /// Whether episode `number` plays only under a playback grant.
    pub fn granted(&self, episode: &Episode) -> bool {
        episode.granted || self.granted_from.is_some_and(|n| episode.number >= n)
    }
}

impl Catalog {
    /// When the catalog expired, if `expires` is before `now`.
    pub fn expired(&self, now: std::time::SystemTime) -> Option<chrono::DateTime<chrono::Utc>> {
        let at = chrono::DateTime::parse_from_rfc3339(self.expires.as_deref()?).ok()?;
        let now: chrono::DateTime<chrono::Utc> = now.into();
        (at < now).then(|| at.with_timezone(&chrono::Utc))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub name: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// "#RRGGBB".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rail {
    pub id: String,
    pub title: Localized,
    /// Series ids, in order. Exactly one of `series` and `rule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RailRule>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A rail filled by the player from the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RailRule {
    /// Series with this genre, in catalog order.
    Genre {
        genre: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<usize>,
    },
    /// Series by `published`, newest first.
    New {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<usize>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub id: String,
    pub title: Localized,
    #[serde(default)]
    pub synopsis: Localized,
    pub poster: Poster,
    /// A 16:9 image for places a vertical poster does not fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster_wide: Option<String>,
    /// A short vertical clip (HLS or MP4) Home plays muted while the focus
    /// rests on the series; without it, Home previews the first episode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    #[serde(default)]
    pub genres: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub rating: Rating,
    /// Licence or filing number, shown with the title as regulators require.
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub languages: Languages,
    /// Episodes the series has or will have; `episodes` may list fewer.
    pub episode_count: u32,
    /// Episodes 1..=free_episodes play without unlocking.
    pub free_episodes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock: Option<Unlock>,
    /// Episodes from this number on are granted (see [`Episode::granted`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_from: Option<u32>,
    /// Date first published, "YYYY-MM-DD" (orders the "new" rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    pub episodes: Vec<Episode>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Poster {
    pub url: String,
    /// "2:3" or "9:16".
    pub aspect: String,
    /// The same picture at other widths: the box fetches the smallest at
    /// least as wide as it shows the poster (data and memory saved).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sizes: Vec<PosterSize>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosterSize {
    /// Pixels.
    pub width: u32,
    pub url: String,
}

impl Poster {
    /// The URL to fetch for showing the poster `width` pixels wide: the
    /// smallest of `sizes` at least that wide, else `url`.
    pub fn url_for(&self, width: u32) -> &str {
        self.sizes
            .iter()
            .filter(|s| s.width >= width)
            .min_by_key(|s| s.width)
            .map_or(&self.url, |s| &s.url)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// As the system writes it: "TV-14", "12", "PG".
    pub value: String,
    /// The rating system: "us-tv", "bbfc", "fsk", "cn-nrta", ...
    pub system: String,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Languages {
    #[serde(default)]
    pub audio: Vec<String>,
    #[serde(default)]
    pub subtitles: Vec<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unlock {
    /// In the smallest unit of `currency` (cents, coins).
    pub price: u64,
    /// ISO 4217 code, or "coins".
    pub currency: String,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    pub id: String,
    pub number: u32,
    #[serde(default)]
    pub title: Localized,
    /// Seconds.
    pub duration: f64,
    /// Where it plays from. A granted episode may list none, or unsigned
    /// URLs the grant replaces.
    #[serde(default)]
    pub streams: Vec<Stream>,
    /// Played only under a playback grant from the unlock API (short-lived
    /// signed URLs), asked for before it plays or is preloaded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub granted: bool,
    #[serde(default)]
    pub subtitles: Vec<SubtitleTrack>,
    #[serde(default)]
    pub audio_languages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<Availability>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stream {
    pub url: String,
    #[serde(rename = "type")]
    pub kind: StreamType,
    /// Peak bit/s, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    /// RFC 6381 codecs string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codecs: Option<String>,
    /// SHA-256 of an MP4 stream's file, 64 hexadecimal digits: a box that
    /// keeps the episode checks its copy against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamType {
    Hls,
    Mp4,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubtitleTrack {
    pub url: String,
    pub language: String,
    pub kind: SubtitleKind,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubtitleKind {
    Subtitles,
    Captions,
    Forced,
}

/// When an episode may be played; either end may be open. RFC 3339 times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poster_fetched_is_the_smallest_at_least_as_wide_as_shown() {
        let size = |width, url: &str| PosterSize {
            width,
            url: url.into(),
        };
        let mut p = Poster {
            url: "full".into(),
            aspect: "2:3".into(),
            sizes: vec![size(540, "540"), size(270, "270"), size(1080, "1080")],
            extra: BTreeMap::new(),
        };
        assert_eq!(p.url_for(405), "540");
        assert_eq!(p.url_for(270), "270");
        assert_eq!(
            p.url_for(2000),
            "full",
            "none wide enough: the catalog's own"
        );
        p.sizes.clear();
        assert_eq!(p.url_for(405), "full");
    }
}
