//! Roku Direct Publisher JSON feeds, converted to a pillarbox catalog, so a
//! partner with a Roku feed need not write a second one.
//!
//! Series (with `seasons` or `episodes`) keep their episodes, numbered 1..N
//! across seasons; `shortFormVideos`, `movies` and `tvSpecials` become
//! one-episode series; `categories` become rails (a playlist, or a genre /
//! most-recent rule); `captions` become subtitle tracks; HLS and MP4 videos
//! become streams (DASH and Smooth are left out). Roku has no licence numbers
//! and no paywall: the licence comes from a `licence` field the partner adds
//! to a series or from the options, and every episode is free.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::Value;

use super::model::{
    Availability, Catalog, Channel, Episode, FORMAT_NAME, Languages, Localized, Poster, Rail,
    RailRule, Rating, Series, Stream, StreamType, SubtitleKind, SubtitleTrack,
};

/// What the feed cannot say.
#[derive(Debug, Clone, Default)]
pub struct RokuOptions {
    /// Licence/filing number for series that carry none.
    pub licence: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Feed {
    provider_name: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    last_updated: Option<String>,
    #[serde(default)]
    series: Vec<RokuSeries>,
    #[serde(default)]
    short_form_videos: Vec<Video>,
    #[serde(default)]
    movies: Vec<Video>,
    #[serde(default)]
    tv_specials: Vec<Video>,
    #[serde(default)]
    categories: Vec<Category>,
    #[serde(default)]
    playlists: Vec<Playlist>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RokuSeries {
    #[serde(flatten)]
    item: Item,
    #[serde(default)]
    seasons: Vec<Season>,
    #[serde(default)]
    episodes: Vec<Video>,
}

/// What series and videos have alike.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: String,
    title: String,
    #[serde(default)]
    genres: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    thumbnail: Option<String>,
    #[serde(default)]
    release_date: Option<String>,
    #[serde(default)]
    short_description: Option<String>,
    #[serde(default)]
    long_description: Option<String>,
    #[serde(default)]
    rating: Option<RokuRating>,
    /// Not Roku's: a partner may add it for pillarbox.
    #[serde(default, alias = "license")]
    licence: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Season {
    #[serde(default)]
    episodes: Vec<Video>,
}

/// An episode, short-form video, movie or special: the same fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Video {
    #[serde(flatten)]
    item: Item,
    content: Content,
    #[serde(default)]
    episode_number: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    #[serde(default)]
    videos: Vec<RokuVideoFile>,
    duration: f64,
    #[serde(default)]
    captions: Vec<Caption>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    validity_period_start: Option<String>,
    #[serde(default)]
    validity_period_end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RokuVideoFile {
    url: String,
    video_type: String,
    /// kbit/s.
    #[serde(default)]
    bitrate: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Caption {
    url: String,
    language: String,
    #[serde(default)]
    caption_type: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct RokuRating {
    rating: String,
    rating_source: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Category {
    name: String,
    #[serde(default)]
    playlist_name: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    order: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Playlist {
    name: String,
    #[serde(default)]
    item_ids: Vec<String>,
}

/// True when `value` looks like a Roku Direct Publisher feed.
pub fn is_roku_feed(value: &Value) -> bool {
    value.get("providerName").is_some() && value.get("format").is_none()
}

/// The result of a conversion: the catalog and what the feed could not say.
pub struct Imported {
    pub catalog: Catalog,
    pub warnings: Vec<String>,
}

fn primary_language(tag: Option<&str>) -> String {
    tag.and_then(|t| t.split(['-', '_']).next())
        .filter(|t| !t.is_empty())
        .unwrap_or("en")
        .to_lowercase()
}

fn text(lang: &str, s: &str) -> Localized {
    BTreeMap::from([(lang.to_owned(), s.to_owned())])
}

/// Roku's lastUpdated (ISO 8601) as a number that grows with it.
fn version_from(last_updated: Option<&str>) -> u64 {
    last_updated
        .map(|t| {
            t.chars()
                .filter(char::is_ascii_digit)
                .take(14)
                .collect::<String>()
        })
        .and_then(|d| d.parse().ok())
        .unwrap_or(1)
}

/// A Roku feed that cannot be converted: the JSON path of the field it
/// lacks or mistypes, and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Roku feed: $.{path}: {reason}")]
pub struct RokuError {
    pub path: String,
    pub reason: String,
}

/// Converts a parsed Roku feed. Errors name the JSON path of a field the
/// feed lacks or mistypes.
pub fn convert(value: &Value, options: &RokuOptions) -> Result<Imported, RokuError> {
    let feed: Feed = serde_path_to_error::deserialize(value).map_err(|e| RokuError {
        path: e.path().to_string(),
        reason: e.inner().to_string(),
    })?;
    let lang = primary_language(feed.language.as_deref());
    let mut warnings = Vec::new();
    let mut series = Vec::new();

    let episode = |v: &Video, number: u32, warnings: &mut Vec<String>| -> Option<Episode> {
        let streams: Vec<Stream> = v
            .content
            .videos
            .iter()
            .filter_map(|f| {
                let kind = match f.video_type.to_ascii_uppercase().as_str() {
                    "HLS" => StreamType::Hls,
                    "MP4" | "MOV" | "M4V" => StreamType::Mp4,
                    _ => return None,
                };
                Some(Stream {
                    url: f.url.clone(),
                    kind,
                    bitrate: f.bitrate.map(|k| k * 1000),
                    codecs: None,
                    sha256: None,
                    extra: BTreeMap::new(),
                })
            })
            .collect();
        if streams.is_empty() {
            warnings.push(format!(
                "video {:?} left out: no HLS or MP4 stream (DASH and Smooth are not played)",
                v.item.id
            ));
            return None;
        }
        let available = (v.content.validity_period_start.is_some()
            || v.content.validity_period_end.is_some())
        .then(|| Availability {
            from: v.content.validity_period_start.clone(),
            until: v.content.validity_period_end.clone(),
            extra: BTreeMap::new(),
        });
        Some(Episode {
            id: v.item.id.clone(),
            number,
            title: text(&lang, &v.item.title),
            duration: v.content.duration,
            streams,
            granted: false,
            subtitles: v
                .content
                .captions
                .iter()
                .map(|c| SubtitleTrack {
                    url: c.url.clone(),
                    language: primary_language(Some(&c.language)),
                    kind: match c.caption_type.as_deref() {
                        Some("CLOSED_CAPTION") => SubtitleKind::Captions,
                        _ => SubtitleKind::Subtitles,
                    },
                    extra: BTreeMap::new(),
                })
                .collect(),
            audio_languages: v
                .content
                .language
                .as_deref()
                .map(|l| vec![primary_language(Some(l))])
                .unwrap_or_default(),
            available,
            extra: BTreeMap::new(),
        })
    };

    let mut make_series = |m: &Item,
                           rating: Option<RokuRating>,
                           episodes: Vec<Episode>,
                           warnings: &mut Vec<String>| {
        if episodes.is_empty() {
            warnings.push(format!("series {:?} left out: no playable episode", m.id));
            return;
        }
        let thumbnail = m.thumbnail.clone().unwrap_or_default();
        if thumbnail.is_empty() {
            warnings.push(format!("series {:?} has no thumbnail: add a poster", m.id));
        }
        let rating = rating.map_or_else(
            || {
                warnings.push(format!("series {:?} has no rating: set to NR", m.id));
                Rating {
                    value: "NR".into(),
                    system: "unrated".into(),
                    extra: BTreeMap::new(),
                }
            },
            |r| Rating {
                value: r.rating,
                system: r.rating_source,
                extra: BTreeMap::new(),
            },
        );
        let licence = m
            .licence
            .clone()
            .or_else(|| options.licence.clone())
            .unwrap_or_default();
        let count = episodes.len() as u32;
        series.push(Series {
            granted_from: None,
            id: m.id.to_owned(),
            title: text(&lang, &m.title),
            synopsis: m
                .long_description
                .as_deref()
                .or(m.short_description.as_deref())
                .map(|s| text(&lang, s))
                .unwrap_or_default(),
            // Roku artwork is landscape; the vertical poster falls back to it
            // until the partner adds one.
            poster: Poster {
                url: thumbnail.clone(),
                aspect: "2:3".into(),
                sizes: Vec::new(),
                extra: BTreeMap::new(),
            },
            poster_wide: (!thumbnail.is_empty()).then_some(thumbnail),
            preview: None,
            genres: m.genres.iter().map(|g| g.to_lowercase()).collect(),
            tags: m.tags.clone(),
            rating,
            licence,
            languages: Languages::default(),
            episode_count: count,
            free_episodes: count,
            unlock: None,
            published: m
                .release_date
                .as_ref()
                .map(|d| d.chars().take(10).collect()),
            episodes,
            extra: BTreeMap::new(),
        });
    };

    for s in &feed.series {
        let mut videos: Vec<&Video> = s.seasons.iter().flat_map(|se| se.episodes.iter()).collect();
        videos.extend(s.episodes.iter());
        if s.seasons.is_empty() {
            videos.sort_by_key(|v| v.episode_number.unwrap_or(u32::MAX));
        }
        let mut eps = Vec::new();
        for v in videos {
            let n = eps.len() as u32 + 1;
            if let Some(e) = episode(v, n, &mut warnings) {
                eps.push(e);
            }
        }
        let rating = s
            .item
            .rating
            .clone()
            .or_else(|| s.episodes.iter().find_map(|e| e.item.rating.clone()))
            .or_else(|| {
                s.seasons
                    .iter()
                    .flat_map(|se| se.episodes.iter())
                    .find_map(|e| e.item.rating.clone())
            });
        make_series(&s.item, rating, eps, &mut warnings);
    }
    for v in feed
        .short_form_videos
        .iter()
        .chain(&feed.movies)
        .chain(&feed.tv_specials)
    {
        let eps: Vec<Episode> = episode(v, 1, &mut warnings).into_iter().collect();
        make_series(&v.item, v.item.rating.clone(), eps, &mut warnings);
    }

    let known: HashSet<&str> = series.iter().map(|s| s.id.as_str()).collect();
    let mut rails = Vec::new();
    for (i, c) in feed.categories.iter().enumerate() {
        let id = format!("category-{}", i + 1);
        let rail = |series, rule| Rail {
            id: id.clone(),
            title: text(&lang, &c.name),
            series,
            rule,
            extra: BTreeMap::new(),
        };
        if let Some(name) = &c.playlist_name {
            let Some(p) = feed.playlists.iter().find(|p| &p.name == name) else {
                warnings.push(format!(
                    "category {:?}: no playlist {name:?}; left out",
                    c.name
                ));
                continue;
            };
            let ids: Vec<String> = p
                .item_ids
                .iter()
                .filter(|id| known.contains(id.as_str()))
                .cloned()
                .collect();
            if ids.len() < p.item_ids.len() {
                warnings.push(format!(
                    "category {:?}: {} playlist items are not series here; left out",
                    c.name,
                    p.item_ids.len() - ids.len()
                ));
            }
            rails.push(rail(Some(ids), None));
        } else if c.order.as_deref() == Some("most_recent") && c.query.is_none() {
            rails.push(rail(None, Some(RailRule::New { limit: None })));
        } else if let Some(q) = &c.query {
            let genre = q
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_lowercase();
            if q.split_whitespace().count() > 1 {
                warnings.push(format!(
                    "category {:?}: query {q:?} reduced to the genre {genre:?}",
                    c.name
                ));
            }
            rails.push(rail(None, Some(RailRule::Genre { genre, limit: None })));
        }
    }

    Ok(Imported {
        catalog: Catalog {
            format: FORMAT_NAME.into(),
            version: "1.0".into(),
            catalog_version: version_from(feed.last_updated.as_deref()),
            provider: feed.provider_name.clone(),
            default_language: lang.clone(),
            channel: Channel {
                name: text(&lang, &feed.provider_name),
                logo: None,
                accent_color: None,
                extra: BTreeMap::new(),
            },
            expires: None,
            rails,
            series,
            parental: Default::default(),
            unlock_api: None,
            ads: None,
            analytics: None,
            keep_ahead: None,
            channels: Vec::new(),
            extra: BTreeMap::new(),
        },
        warnings,
    })
}
