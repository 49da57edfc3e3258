//! Caps on what a catalog may hold (validation refuses more). Catalogs
//! come from servers we do not control; without caps a small file can
//! expand into more rows, posters and text than a box has memory for.
//! Documented in docs/catalog.md.

pub const SERIES: usize = 2_000;
/// Episodes a series may list, and its highest `episode_count`.
pub const EPISODES_PER_SERIES: usize = 500;
/// Episodes listed in the whole catalog.
pub const EPISODES: usize = 20_000;
pub const RAILS: usize = 50;
/// Series in one rail (listed, or a rule's `limit`).
pub const RAIL_ITEMS: usize = 100;
/// A rule without `limit` fills its rail with at most this many series.
pub const DEFAULT_RULE_LIMIT: usize = 30;
/// Streams and subtitle tracks of one episode.
pub const STREAMS: usize = 8;
/// Drama channels, the slots of one's schedule, and the episodes of
/// one cycle of it.
pub const CHANNELS: usize = 50;
pub const SCHEDULE_SLOTS: usize = 200;
pub const CYCLE_EPISODES: usize = 5_000;
/// `series[].poster.sizes`, and each one's width in pixels.
pub const POSTER_SIZES: usize = 8;
pub const POSTER_WIDTH: std::ops::RangeInclusive<u32> = 1..=4096;
pub const SUBTITLES: usize = 32;
/// Genres, tags and language lists.
pub const LIST: usize = 32;
/// Languages one localized text is given in.
pub const LANGUAGES: usize = 32;
/// Characters of ids, language tags, genres and other short strings.
pub const SHORT_TEXT: usize = 128;
/// Characters of a title or name.
pub const TITLE: usize = 200;
/// Characters of a synopsis.
pub const SYNOPSIS: usize = 2_000;
pub const URL: usize = 2_048;
/// Longest episode, seconds (4 hours).
pub const EPISODE_SECONDS: f64 = 4.0 * 3600.0;
/// `ads.breaks.every_free_episodes`.
pub const BREAK_EVERY: std::ops::RangeInclusive<u32> = 1..=100;
/// `ads.breaks.max_per_hour`.
pub const BREAKS_PER_HOUR: std::ops::RangeInclusive<u32> = 1..=12;
/// `ads.breaks.max_seconds`: a VAST ad's own limit.
pub const BREAK_SECONDS: std::ops::RangeInclusive<u32> = 5..=600;
/// `ads.rewarded.episodes_per_ad`.
pub const REWARD_EPISODES: std::ops::RangeInclusive<u32> = 1..=10;
/// `ads.rewarded.per_day`.
pub const REWARDS_PER_DAY: std::ops::RangeInclusive<u32> = 1..=50;
/// `analytics.targets`.
pub const ANALYTICS_TARGETS: std::ops::RangeInclusive<usize> = 1..=4;
/// `analytics.targets[].interval_s`.
pub const ANALYTICS_INTERVAL: std::ops::RangeInclusive<u32> = 5..=3600;
