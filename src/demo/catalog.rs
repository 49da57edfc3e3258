//! The built-in demo catalog: a few made-up series whose episodes and
//! posters the demo server generates on first request.

use serde_json::{Value, json};
use url::Url;

/// One demo series; episodes are `seconds` long and numbered 1..=episodes.
pub struct DemoSeries {
    pub id: &'static str,
    pub title: &'static str,
    pub synopsis: &'static str,
    pub genres: &'static [&'static str],
    pub episodes: u32,
    pub free: u32,
    pub published: &'static str,
    /// videotestsrc pattern of its episodes and the colour of its poster.
    pub pattern: &'static str,
    pub poster_rgb: u32,
}

pub const EPISODE_SECONDS: u32 = 12;

/// Series whose audio is not English, with English and Spanish subtitles,
/// so that a newcomer sees subtitles at once; and one in English with
/// Spanish subtitles, for Spanish-speaking viewers (`--lang es`).
const SUBTITLED: &[(&str, &str, &[&str])] = &[
    ("ceo-secret", "zh", &["en", "es"]),
    ("midnight-bakery", "en", &["es"]),
];

/// The lines of each demo episode, in each subtitle language: made up,
/// numbered by episode so that a cue can be told from another.
const LINES: &[(&str, [&str; 4])] = &[
    (
        "en",
        [
            "Episode {n}. Who runs this tower?",
            "<i>(whispering)</i> Not the man in the corner office.",
            "Then who signs the cheques?",
            "The one who cleans the floor <b>every night</b>.",
        ],
    ),
    (
        "es",
        [
            "Episodio {n}. ¿Quién manda en esta torre?",
            "<i>(susurrando)</i> No el hombre del despacho de la esquina.",
            "¿Entonces quién firma los cheques?",
            "La que limpia el suelo <b>cada noche</b>.",
        ],
    ),
];

/// The WebVTT subtitles of episode `n` of `series` in `lang`, if the demo
/// has them: four cues spread over the episode.
pub fn vtt(series: &str, n: u32, lang: &str) -> Option<String> {
    let (_, _, langs) = SUBTITLED.iter().find(|(id, _, _)| *id == series)?;
    if !langs.contains(&lang) || !(1..=self::series(series)?.episodes).contains(&n) {
        return None;
    }
    let (_, lines) = LINES.iter().find(|(l, _)| *l == lang)?;
    let mut out = String::from("WEBVTT\n");
    for (i, line) in lines.iter().enumerate() {
        let start = 500 + i as u32 * 3000;
        let end = start + 2500;
        let at = |ms: u32| format!("00:{:02}.{:03}", ms / 1000, ms % 1000);
        out.push_str(&format!(
            "\n{}\n{} --> {}\n{}\n",
            i + 1,
            at(start),
            at(end),
            line.replace("{n}", &n.to_string())
        ));
    }
    Some(out)
}

pub const SERIES: &[DemoSeries] = &[
    DemoSeries {
        id: "ceo-secret",
        title: "The CEO's Secret",
        synopsis: "A cleaner at a Shanghai tower finds out who really runs the company, and why he hides it.",
        genres: &["romance", "drama"],
        episodes: 24,
        free: 8,
        published: "2026-11-14",
        pattern: "colors",
        poster_rgb: 0x8c1c2c,
    },
    DemoSeries {
        id: "midnight-bakery",
        title: "Midnight Bakery",
        synopsis: "Every night at twelve, a small bakery opens for customers who cannot sleep.",
        genres: &["comedy", "romance"],
        episodes: 12,
        free: 12,
        published: "2026-11-18",
        pattern: "pinwheel",
        poster_rgb: 0x7a4a12,
    },
    DemoSeries {
        id: "return-of-the-heir",
        title: "Return of the Heir",
        synopsis: "Thrown out of the family at eighteen, she comes back ten years later to take it all.",
        genres: &["drama", "revenge"],
        episodes: 16,
        free: 5,
        published: "2026-10-30",
        pattern: "spokes",
        poster_rgb: 0x1f3d6b,
    },
    DemoSeries {
        id: "love-at-gate-9",
        title: "Love at Gate 9",
        synopsis: "Two strangers, one delayed flight, and a night at the airport that changes both their lives.",
        genres: &["romance"],
        episodes: 10,
        free: 10,
        published: "2026-11-20",
        pattern: "smpte",
        poster_rgb: 0x5b2a6e,
    },
    DemoSeries {
        id: "the-last-letter",
        title: "The Last Letter",
        synopsis: "A postman delivers a letter thirty years late, and a village remembers what it chose to forget.",
        genres: &["drama"],
        episodes: 8,
        free: 8,
        published: "2026-09-02",
        pattern: "ball",
        poster_rgb: 0x2d5a3a,
    },
];

pub fn series(id: &str) -> Option<&'static DemoSeries> {
    SERIES.iter().find(|s| s.id == id)
}

/// The catalog JSON with every URL under `base` (the demo server).
pub fn json(base: &Url) -> Value {
    let at = |path: String| base.join(&path).map(|u| u.to_string()).unwrap_or(path);
    let series: Vec<Value> = SERIES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (audio, subtitle_langs) = SUBTITLED
                .iter()
                .find(|(id, _, _)| *id == s.id)
                .map(|(_, audio, langs)| (*audio, *langs))
                .unwrap_or(("en", &[]));
            let episodes: Vec<Value> = (1..=s.episodes)
                .map(|n| {
                    let subtitles: Vec<Value> = subtitle_langs
                        .iter()
                        .map(|l| {
                            json!({
                                "url": at(format!("subtitles/{}/{n}.{l}.vtt", s.id)),
                                "language": l,
                                "kind": "subtitles"
                            })
                        })
                        .collect();
                    json!({
                        "id": format!("{}-{n}", s.id),
                        "number": n,
                        "title": { "en": format!("Episode {n}") },
                        "duration": EPISODE_SECONDS,
                        "streams": [{
                            "url": at(format!("media/{}/{n}/index.m3u8", s.id)),
                            "type": "hls",
                            "codecs": "avc1.42c01f,mp4a.40.2"
                        }],
                        "subtitles": subtitles,
                        "audio_languages": [audio]
                    })
                })
                .collect();
            json!({
                "id": s.id,
                "title": { "en": s.title },
                "synopsis": { "en": s.synopsis },
                "poster": { "url": at(format!("posters/{}.png", s.id)), "aspect": "9:16" },
                "genres": s.genres,
                "rating": { "value": "TV-PG", "system": "us-tv" },
                "licence": format!("(2026) Demo Filing No. {:04}", 101 + i),
                "languages": { "audio": [audio], "subtitles": subtitle_langs },
                "episode_count": s.episodes,
                "free_episodes": s.free,
                "unlock": { "price": 49, "currency": "coins" },
                "published": s.published,
                "episodes": episodes
            })
        })
        .collect();
    json!({
        "format": "pillarbox-catalog",
        "version": "1.0",
        "catalog_version": 1,
        "provider": "pillarbox demo",
        "default_language": "en",
        "channel": {
            "name": { "en": "Drama Shorts" },
            "logo": at("logo.png".into()),
            "accent_color": "#F5A623"
        },
        "rails": [
            { "id": "featured", "title": { "en": "Featured" },
              "series": ["ceo-secret", "return-of-the-heir", "midnight-bakery", "love-at-gate-9", "the-last-letter"] },
            { "id": "new", "title": { "en": "New this week" }, "rule": { "kind": "new", "limit": 3 } },
            { "id": "romance", "title": { "en": "Romance" }, "rule": { "kind": "genre", "genre": "romance" } },
            { "id": "drama", "title": { "en": "Drama" }, "rule": { "kind": "genre", "genre": "drama" } }
        ],
        "series": series
    })
}

/// The demo catalog as the app sees it: for tests and screenshots that do
/// not need the server.
pub fn catalog(base: &Url) -> crate::catalog::Catalog {
    let bytes = serde_json::to_vec(&json(base)).expect("JSON values serialise");
    crate::catalog::parse(&bytes, &crate::net::UrlPolicy::loopback())
        .expect("the demo catalog is valid")
}
