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
/// The series with a trailer (the catalog's `preview`), an MP4 this long:
/// Home previews the others' first episodes.
pub const PREVIEWED: &str = "midnight-bakery";
pub const PREVIEW_SECONDS: u32 = 8;
/// Coins a locked demo episode costs.
pub const PRICE: u64 = 49;

/// Series whose audio is not English, with subtitles in the UI languages,
/// so that a newcomer sees subtitles at once; and one in English with
/// subtitles for the other UI languages (`--lang es`, zh, ar, sw).
const SUBTITLED: &[(&str, &str, &[&str])] = &[
    ("ceo-secret", "zh", &["en", "es", "ar", "sw"]),
    ("midnight-bakery", "en", &["es", "zh", "ar", "sw"]),
];

/// Dubbed series: their audio comes as HLS audio renditions (EXT-X-MEDIA),
/// the original first, each a tone of its own pitch so that one can hear
/// which plays.
const DUBBED: &[(&str, &[(&str, u32)])] =
    &[("love-at-gate-9", &[("en", 440), ("es", 660), ("zh", 550)])];

/// The audio renditions of a dubbed demo series: language and tone, Hz.
pub fn dubs(series: &str) -> Option<&'static [(&'static str, u32)]> {
    DUBBED.iter().find(|(id, _)| *id == series).map(|(_, d)| *d)
}

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
    (
        "zh",
        [
            "第 {n} 集。这座大楼由谁掌管？",
            "<i>（低声）</i>不是角落办公室里的那个人。",
            "那么支票是谁签的？",
            "是<b>每天晚上</b>打扫地板的那个人。",
        ],
    ),
    (
        "ar",
        [
            "الحلقة {n}. من يدير هذا البرج؟",
            "<i>(همسًا)</i> ليس الرجل الذي في مكتب الزاوية.",
            "إذن من يوقّع الشيكات؟",
            "التي تنظّف الأرض <b>كل ليلة</b>.",
        ],
    ),
    (
        "sw",
        [
            "Sehemu ya {n}. Nani anaendesha jengo hili?",
            "<i>(akinong'ona)</i> Si yule mtu wa ofisi ya pembeni.",
            "Basi nani anasaini hundi?",
            "Yule anayesafisha sakafu <b>kila usiku</b>.",
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

/// Series titles in the other UI languages (the demo shows catalog texts in
/// the viewer's language; what is not here falls back to English).
const TITLES: &[(&str, [&str; 4])] = &[
    // zh, es, sw, ar
    (
        "ceo-secret",
        [
            "总裁的秘密",
            "El secreto del director",
            "Siri ya Mkurugenzi",
            "سرّ المدير",
        ],
    ),
    (
        "midnight-bakery",
        [
            "午夜面包店",
            "La panadería de medianoche",
            "Mikate ya Usiku wa Manane",
            "مخبز منتصف الليل",
        ],
    ),
    (
        "return-of-the-heir",
        [
            "继承人归来",
            "El regreso de la heredera",
            "Kurudi kwa Mrithi",
            "عودة الوريثة",
        ],
    ),
    (
        "love-at-gate-9",
        [
            "九号登机口之恋",
            "Amor en la puerta 9",
            "Mapenzi Lango la 9",
            "حبّ عند البوابة 9",
        ],
    ),
    (
        "the-last-letter",
        [
            "最后一封信",
            "La última carta",
            "Barua ya Mwisho",
            "الرسالة الأخيرة",
        ],
    ),
];
const OTHER_LANGUAGES: [&str; 4] = ["zh", "es", "sw", "ar"];

/// `en` and the other UI languages' texts, as a catalog's localized text.
fn texts(en: &str, others: [&str; 4]) -> Value {
    let mut map = serde_json::Map::new();
    map.insert("en".into(), en.into());
    for (lang, text) in OTHER_LANGUAGES.iter().zip(others) {
        map.insert((*lang).into(), text.into());
    }
    Value::Object(map)
}

pub fn series(id: &str) -> Option<&'static DemoSeries> {
    SERIES.iter().find(|s| s.id == id)
}

/// A break after this many free episodes.
pub const BREAK_EVERY: u32 = 3;
/// Episodes one rewarded ad unlocks in the demo.
pub const REWARD_EPISODES: u32 = 1;
/// Rewarded ads a box may watch a day in the demo.
pub const REWARDS_PER_DAY: u32 = 5;

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
            let audio: Vec<&str> = match dubs(s.id) {
                Some(dubs) => dubs.iter().map(|(lang, _)| *lang).collect(),
                None => vec![audio],
            };
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
                    // A protected episode's stream comes with its grant.
                    let streams = if super::keys::protected(s.id, n) {
                        json!([])
                    } else {
                        json!([{
                            "url": at(format!("media/{}/{n}/index.m3u8", s.id)),
                            "type": "hls",
                            "codecs": "avc1.42c01f,mp4a.40.2"
                        }])
                    };
                    json!({
                        "id": format!("{}-{n}", s.id),
                        "number": n,
                        "title": texts(&format!("Episode {n}"), [
                            &format!("第 {n} 集"),
                            &format!("Episodio {n}"),
                            &format!("Sehemu ya {n}"),
                            &format!("الحلقة {n}"),
                        ]),
                        "duration": EPISODE_SECONDS,
                        "streams": streams,
                        "subtitles": subtitles,
                        "audio_languages": audio
                    })
                })
                .collect();
            let mut series = json!({
                "id": s.id,
                "title": match TITLES.iter().find(|(id, _)| *id == s.id) {
                    Some((_, others)) => texts(s.title, *others),
                    None => json!({ "en": s.title }),
                },
                "synopsis": if s.id == "ceo-secret" {
                    texts(s.synopsis, [
                        "上海一座大楼的清洁工发现了公司真正的主人，以及他隐藏身份的原因。",
                        "Una limpiadora de una torre de Shanghái descubre quién dirige de verdad la empresa y por qué lo oculta.",
                        "Msafishaji katika jengo refu la Shanghai anagundua nani hasa anaendesha kampuni, na kwa nini anajificha.",
                        "عاملة نظافة في برج بشنغهاي تكتشف من يدير الشركة حقًا، ولماذا يُخفي ذلك.",
                    ])
                } else {
                    json!({ "en": s.synopsis })
                },
                "poster": { "url": at(format!("posters/{}.png", s.id)), "aspect": "9:16" },
                "genres": s.genres,
                "rating": { "value": "TV-PG", "system": "us-tv" },
                "licence": format!("(2026) Demo Filing No. {:04}", 101 + i),
                "languages": { "audio": audio, "subtitles": subtitle_langs },
                "episode_count": s.episodes,
                "free_episodes": s.free,
                "unlock": { "price": PRICE, "currency": "coins" },
                "granted_from": super::keys::PROTECTED
                    .iter()
                    .find(|(id, _)| *id == s.id)
                    .map(|(_, from)| *from),
                "published": s.published,
                "episodes": episodes
            });
            if s.id == PREVIEWED {
                series["preview"] = json!(at(format!("previews/{}/episode.mp4", s.id)));
            }
            series
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
            { "id": "featured", "title": texts("Featured", ["精选", "Destacados", "Zilizochaguliwa", "مختارات"]),
              "series": ["ceo-secret", "return-of-the-heir", "midnight-bakery", "love-at-gate-9", "the-last-letter"] },
            { "id": "new", "title": texts("New this week", ["本周新剧", "Novedades de la semana", "Mpya wiki hii", "جديد هذا الأسبوع"]),
              "rule": { "kind": "new", "limit": 3 } },
            { "id": "romance", "title": texts("Romance", ["爱情", "Romance", "Mapenzi", "رومانسي"]),
              "rule": { "kind": "genre", "genre": "romance" } },
            { "id": "drama", "title": texts("Drama", ["剧情", "Drama", "Drama", "دراما"]),
              "rule": { "kind": "genre", "genre": "drama" } }
        ],
        "series": series,
        // Two drama channels: one of romances, one of The CEO's Secret in
        // Chinese with subtitles, whose paid episodes show the card that
        // sends viewers to the series page.
        "channels": [
            { "id": "romance", "title": texts("Romance around the clock", ["全天浪漫剧场", "Romance a toda hora", "Mapenzi saa zote", "رومانسية على مدار الساعة"]),
              "start": "2026-01-01T00:00:00Z",
              "schedule": [
                  { "series": "love-at-gate-9" },
                  { "series": "midnight-bakery", "from": 1, "to": 6 },
                  { "series": "the-last-letter" }
              ] },
            { "id": "chinese-drama", "title": texts("Chinese drama", ["华语剧场", "Drama chino", "Drama ya Kichina", "دراما صينية"]),
              "start": "2026-01-01T00:00:00Z",
              "schedule": [{ "series": "ceo-secret", "from": 1, "to": 12 }] },
            // A broadcaster's live channel: the demo server's live stream
            // (a sliding window over a looped clip) and its XMLTV guide.
            { "id": super::live::CHANNEL, "title": texts("Drama Shorts News", ["剧集新闻", "Noticias de Drama Shorts", "Habari za Drama Shorts", "أخبار دراما شورتس"]),
              "live": { "url": at(super::live::PLAYLIST_PATH.into()), "guide": at(super::live::GUIDE_PATH.into()) } }
        ],
        "unlock_api": {
            "url": at(super::keys::API_PATH.into()),
            "key": super::keys::public_key()
        },
        // The demo's own ad server: a break of two short ads after every
        // third free episode, and one ad that unlocks a locked episode.
        "ads": {
            "breaks": {
                "vast": super::ads::AdServer::tag(base),
                "every_free_episodes": BREAK_EVERY,
                "max_per_hour": 12,
                "max_seconds": 30
            },
            "rewarded": {
                "vast": super::ads::AdServer::rewarded_tag(base),
                "episodes_per_ad": REWARD_EPISODES,
                "per_day": REWARDS_PER_DAY
            }
        },
        // The demo's collector (JSON lines for ClickHouse, docs/analytics.md):
        // a Kenyan broadcaster's, so the viewer is asked first.
        "analytics": {
            "targets": [{ "url": at("collect".into()), "interval_s": COLLECT_EVERY_S }],
            "jurisdiction": "KE"
        }
    })
}

/// Seconds between the demo box's batches to the demo collector.
pub const COLLECT_EVERY_S: u32 = 5;

/// The demo catalog as the app sees it: for tests and screenshots that do
/// not need the server.
pub fn catalog(base: &Url) -> crate::catalog::Catalog {
    let bytes = serde_json::to_vec(&json(base)).expect("JSON values serialise");
    crate::catalog::parse(&bytes, &crate::net::UrlPolicy::loopback())
        .expect("the demo catalog is valid")
}
