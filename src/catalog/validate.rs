//! Catalog parsing and validation: every problem found, each with the JSON
//! path it is at (and, for syntax errors, the line and column).

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use super::model::{Catalog, FORMAT_MAJOR, FORMAT_NAME, Localized, RailRule};
use crate::net::UrlPolicy;

mod channels;

pub use super::limits;

/// One thing wrong with a catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON path, `$` for the root: `$.series[2].episodes[0].streams[0].url`.
    pub path: String,
    pub message: String,
    /// For syntax errors: where in the text, 1-based.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Problem {
    fn at(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => {
                write!(f, "{} (line {l}, column {c}): {}", self.path, self.message)
            }
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Parses and validates `bytes`. On failure, every problem found.
pub fn parse(bytes: &[u8], policy: &UrlPolicy) -> Result<Catalog, Vec<Problem>> {
    // Only the header is read first (the rest is skipped, not kept): the
    // whole catalog is held once, typed, not twice.
    let header: Header = serde_json::from_slice(bytes).map_err(|e| {
        vec![Problem {
            path: "$".into(),
            message: if e.is_data() {
                "the catalog must be a JSON object".into()
            } else {
                format!("not valid JSON: {}", strip_position(&e))
            },
            line: Some(e.line()),
            column: Some(e.column()),
        }]
    })?;
    // serde reads a struct from an array too: the root must be an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(vec![Problem::at("$", "the catalog must be a JSON object")]);
    }
    check_header(&header)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let catalog: Catalog = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        vec![Problem {
            path: json_path(&e.path().to_string()),
            message: strip_position(inner),
            line: Some(inner.line()),
            column: Some(inner.column()),
        }]
    })?;
    let problems = validate(&catalog, policy);
    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(problems)
    }
}

/// serde_json's message without its " at line L column C" tail, which the
/// Problem carries separately.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// serde_path_to_error's `series[2].id` as `$.series[2].id`.
fn json_path(p: &str) -> String {
    if p.is_empty() || p == "." {
        "$".into()
    } else {
        format!("$.{p}")
    }
}

/// The format name and major version come first: a newer major version is
/// refused before its contents are read as if they were 1.x.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<Value>,
    #[serde(default)]
    version: Option<Value>,
}

fn check_header(header: &Header) -> Result<(), Vec<Problem>> {
    match header.format.as_ref().and_then(Value::as_str) {
        Some(FORMAT_NAME) => {}
        Some(other) => {
            return Err(vec![Problem::at(
                "$.format",
                format!("is {other:?}, expected {FORMAT_NAME:?}"),
            )]);
        }
        None => {
            return Err(vec![Problem::at(
                "$.format",
                format!("missing: a catalog starts with \"format\": {FORMAT_NAME:?}"),
            )]);
        }
    }
    let version = header
        .version
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or("");
    let major = version
        .split_once('.')
        .and_then(|(m, n)| Some((m.parse::<u32>().ok()?, n.parse::<u32>().ok()?)))
        .map(|(m, _)| m);
    match major {
        None => Err(vec![Problem::at(
            "$.version",
            format!("{version:?} is not a \"MAJOR.MINOR\" version"),
        )]),
        Some(m) if m > FORMAT_MAJOR => Err(vec![Problem::at(
            "$.version",
            format!(
                "format {version} is newer than this player reads ({FORMAT_MAJOR}.x): update the player"
            ),
        )]),
        Some(m) if m < FORMAT_MAJOR => Err(vec![Problem::at(
            "$.version",
            format!("format {version} is older than {FORMAT_MAJOR}.0 and not supported"),
        )]),
        Some(_) => Ok(()),
    }
}

pub(super) struct Checker<'a> {
    policy: &'a UrlPolicy,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    pub(super) fn push(&mut self, path: String, message: impl Into<String>) {
        self.problems.push(Problem::at(path, message));
    }

    pub(super) fn url(&mut self, path: String, url: &str) {
        if url.len() > limits::URL {
            self.push(
                path,
                format!("a URL of {} bytes, more than {}", url.len(), limits::URL),
            );
        } else if let Err(e) = self.policy.parse(url) {
            self.push(path, e.to_string());
        }
    }

    pub(super) fn text(&mut self, path: String, text: &Localized) {
        self.localized(path.clone(), text, limits::TITLE);
        if text.is_empty() || text.values().all(|t| t.trim().is_empty()) {
            self.push(path, "needs a text in at least one language");
        }
    }

    /// Language count and the length of each text.
    pub(super) fn localized(&mut self, path: String, text: &Localized, max_chars: usize) {
        if text.len() > limits::LANGUAGES {
            self.push(
                path,
                format!("{} languages, more than {}", text.len(), limits::LANGUAGES),
            );
            return;
        }
        for (lang, t) in text {
            self.length(format!("{path}.{lang}"), t, max_chars);
            if lang.len() > limits::SHORT_TEXT {
                self.push(path.clone(), "a language tag is too long");
            }
        }
    }

    pub(super) fn length(&mut self, path: String, value: &str, max_chars: usize) {
        // Bytes bound characters from above: count only when it matters.
        if value.len() > max_chars && value.chars().count() > max_chars {
            self.push(path, format!("longer than {max_chars} characters"));
        }
    }

    pub(super) fn non_empty(&mut self, path: String, value: &str, what: &str) {
        self.length(path.clone(), value, limits::SHORT_TEXT);
        if value.trim().is_empty() {
            self.push(path, format!("{what} is empty"));
        }
    }

    /// At most `max` items; false (and a problem) when over.
    pub(super) fn count(&mut self, path: String, n: usize, max: usize, what: &str) -> bool {
        if n > max {
            self.push(path, format!("{n} {what}, more than the {max} allowed"));
            false
        } else {
            true
        }
    }

    pub(super) fn range(&mut self, path: &str, n: u32, range: std::ops::RangeInclusive<u32>) {
        if !range.contains(&n) {
            let (lo, hi) = range.into_inner();
            self.push(path.into(), format!("{n} is outside {lo} to {hi}"));
        }
    }

    pub(super) fn list(&mut self, path: String, items: &[String], what: &str) {
        if self.count(path.clone(), items.len(), limits::LIST, what) {
            for (i, item) in items.iter().enumerate() {
                self.length(format!("{path}[{i}]"), item, limits::SHORT_TEXT);
            }
        }
    }
}

/// `analytics`: a few collectors, a sane interval, default consent only
/// where the law allows it, known event names.
fn check_analytics(k: &mut Checker<'_>, a: &super::model::Analytics) {
    let n = a.targets.len();
    if !limits::ANALYTICS_TARGETS.contains(&n) {
        k.push(
            "$.analytics.targets".into(),
            format!(
                "{n} targets; from {} to {}",
                limits::ANALYTICS_TARGETS.start(),
                limits::ANALYTICS_TARGETS.end()
            ),
        );
        return;
    }
    for (i, t) in a.targets.iter().enumerate() {
        k.url(format!("$.analytics.targets[{i}].url"), &t.url);
        k.range(
            &format!("$.analytics.targets[{i}].interval_s"),
            t.interval_s,
            limits::ANALYTICS_INTERVAL,
        );
    }
    match &a.jurisdiction {
        Some(j) if j.len() != 2 || !j.bytes().all(|b| b.is_ascii_uppercase()) => {
            k.push(
                "$.analytics.jurisdiction".into(),
                format!("{j:?} is not an ISO 3166-1 alpha-2 code such as \"KE\""),
            );
        }
        _ => {}
    }
    if a.default_consent && !crate::catalog::model::may_default_on(a.jurisdiction.as_deref()) {
        k.push(
            "$.analytics.default_consent".into(),
            format!(
                "sharing may be on by default only where the law allows it ({}); \
                 elsewhere the viewer must say yes first",
                crate::catalog::model::DEFAULT_ON_JURISDICTIONS.join(", ")
            ),
        );
    }
    if a.necessary.len() > limits::LIST {
        k.push(
            "$.analytics.necessary".into(),
            format!("more than {} event names", limits::LIST),
        );
        return;
    }
    for (i, name) in a.necessary.iter().enumerate() {
        if !crate::catalog::model::EVENT_NAMES.contains(&name.as_str()) {
            k.push(
                format!("$.analytics.necessary[{i}]"),
                format!("{name:?} is not an event the box sends (docs/analytics.md)"),
            );
        }
    }
}

/// The rules beyond types, on a parsed catalog.
pub fn validate(c: &Catalog, policy: &UrlPolicy) -> Vec<Problem> {
    let mut k = Checker {
        policy,
        problems: Vec::new(),
    };
    k.non_empty("$.provider".into(), &c.provider, "provider");
    k.non_empty(
        "$.default_language".into(),
        &c.default_language,
        "default_language",
    );
    k.text("$.channel.name".into(), &c.channel.name);
    if let Some(expires) = &c.expires
        && chrono::DateTime::parse_from_rfc3339(expires).is_err()
    {
        k.push(
            "$.expires".into(),
            format!("{expires:?} is not an RFC 3339 time"),
        );
    }
    if let Some(logo) = &c.channel.logo {
        k.url("$.channel.logo".into(), logo);
    }
    if let Some(api) = &c.unlock_api {
        k.url("$.unlock_api.url".into(), &api.url);
        if let Err(e) = super::verify::CatalogKey::from_base64(&api.key) {
            k.push("$.unlock_api.key".into(), e.to_string());
        }
    }
    if let Some(b) = c.ads.as_ref().and_then(|a| a.breaks.as_ref()) {
        k.url("$.ads.breaks.vast".into(), &b.vast);
        k.range(
            "$.ads.breaks.every_free_episodes",
            b.every_free_episodes,
            limits::BREAK_EVERY,
        );
        k.range(
            "$.ads.breaks.max_per_hour",
            b.max_per_hour,
            limits::BREAKS_PER_HOUR,
        );
        k.range(
            "$.ads.breaks.max_seconds",
            b.max_seconds,
            limits::BREAK_SECONDS,
        );
    }
    if let Some(r) = c.ads.as_ref().and_then(|a| a.rewarded.as_ref()) {
        k.url("$.ads.rewarded.vast".into(), &r.vast);
        k.range(
            "$.ads.rewarded.episodes_per_ad",
            r.episodes_per_ad,
            limits::REWARD_EPISODES,
        );
        k.range("$.ads.rewarded.per_day", r.per_day, limits::REWARDS_PER_DAY);
        if c.unlock_api.is_none() {
            k.push(
                "$.ads.rewarded".into(),
                "rewarded ads need unlock_api (the reward is asked of it)",
            );
        }
    }
    if let Some(a) = &c.analytics {
        check_analytics(&mut k, a);
    }
    if let Some(w) = &c.keep_ahead {
        k.range("$.keep_ahead.night_from", w.night_from.into(), 0..=23);
        k.range("$.keep_ahead.night_to", w.night_to.into(), 0..=23);
        if w.night_from == w.night_to {
            k.push(
                "$.keep_ahead".into(),
                "night_from and night_to are the same hour: an empty window",
            );
        }
    }
    if let Some(color) = &c.channel.accent_color {
        let ok = color.len() == 7
            && color.starts_with('#')
            && color[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        if !ok {
            k.push(
                "$.channel.accent_color".into(),
                format!("{color:?} is not #RRGGBB"),
            );
        }
    }

    // Over a cap, the items are not checked one by one: the catalog is
    // refused anyway, and the problem list stays short.
    let series_ok = k.count("$.series".into(), c.series.len(), limits::SERIES, "series");
    let rails_ok = k.count("$.rails".into(), c.rails.len(), limits::RAILS, "rails");
    if !(series_ok && rails_ok) {
        return k.problems;
    }
    let listed: usize = c.series.iter().map(|s| s.episodes.len()).sum();
    if !k.count(
        "$.series".into(),
        listed,
        limits::EPISODES,
        "episodes in all",
    ) {
        return k.problems;
    }
    let mut series_ids = HashSet::new();
    let mut episode_ids = HashSet::new();
    for (si, s) in c.series.iter().enumerate() {
        let p = format!("$.series[{si}]");
        k.localized(format!("{p}.synopsis"), &s.synopsis, limits::SYNOPSIS);
        k.list(format!("{p}.genres"), &s.genres, "genres");
        k.list(format!("{p}.tags"), &s.tags, "tags");
        k.list(
            format!("{p}.languages.audio"),
            &s.languages.audio,
            "languages",
        );
        k.list(
            format!("{p}.languages.subtitles"),
            &s.languages.subtitles,
            "languages",
        );
        k.length(format!("{p}.licence"), &s.licence, limits::SHORT_TEXT);
        if !k.count(
            format!("{p}.episodes"),
            s.episodes.len(),
            limits::EPISODES_PER_SERIES,
            "episodes",
        ) {
            continue;
        }
        if s.episode_count as usize > limits::EPISODES_PER_SERIES {
            k.push(
                format!("{p}.episode_count"),
                format!(
                    "{} is more than the {} episodes a series may have",
                    s.episode_count,
                    limits::EPISODES_PER_SERIES
                ),
            );
        }
        k.non_empty(format!("{p}.id"), &s.id, "id");
        if !series_ids.insert(s.id.as_str()) {
            k.push(format!("{p}.id"), format!("duplicate series id {:?}", s.id));
        }
        k.text(format!("{p}.title"), &s.title);
        k.url(format!("{p}.poster.url"), &s.poster.url);
        if k.count(
            format!("{p}.poster.sizes"),
            s.poster.sizes.len(),
            limits::POSTER_SIZES,
            "sizes",
        ) {
            for (i, size) in s.poster.sizes.iter().enumerate() {
                k.url(format!("{p}.poster.sizes[{i}].url"), &size.url);
                k.range(
                    &format!("{p}.poster.sizes[{i}].width"),
                    size.width,
                    limits::POSTER_WIDTH,
                );
            }
        }
        if !matches!(s.poster.aspect.as_str(), "2:3" | "9:16") {
            k.push(
                format!("{p}.poster.aspect"),
                format!(
                    "{:?}: a vertical poster is \"2:3\" or \"9:16\"",
                    s.poster.aspect
                ),
            );
        }
        if let Some(wide) = &s.poster_wide {
            k.url(format!("{p}.poster_wide"), wide);
        }
        if let Some(preview) = &s.preview {
            k.url(format!("{p}.preview"), preview);
        }
        k.non_empty(format!("{p}.rating.value"), &s.rating.value, "rating");
        k.non_empty(
            format!("{p}.rating.system"),
            &s.rating.system,
            "rating system",
        );
        if s.licence.trim().is_empty() {
            k.push(
                format!("{p}.licence"),
                "missing licence/filing number (regulators require it with every title)",
            );
        }
        if s.episode_count == 0 {
            k.push(
                format!("{p}.episode_count"),
                "a series has at least one episode",
            );
        }
        if s.free_episodes > s.episode_count {
            k.push(
                format!("{p}.free_episodes"),
                format!(
                    "{} free episodes but the series has {}",
                    s.free_episodes, s.episode_count
                ),
            );
        }
        if s.free_episodes < s.episode_count && s.unlock.is_none() {
            k.push(
                format!("{p}.unlock"),
                format!(
                    "episodes {}..{} are locked but nothing says how to unlock them",
                    s.free_episodes + 1,
                    s.episode_count
                ),
            );
        }
        if let Some(from) = s.granted_from
            && (from == 0 || from > s.episode_count)
        {
            k.push(
                format!("{p}.granted_from"),
                format!(
                    "{from} is not an episode number of the series (1..{})",
                    s.episode_count
                ),
            );
        }
        let granted = s.episodes.iter().any(|e| s.granted(e));
        if granted && c.unlock_api.is_none() {
            k.push(
                format!("{p}.granted_from"),
                "granted episodes need the unlock_api that grants them".to_owned(),
            );
        }
        if s.episodes.len() > s.episode_count as usize {
            k.push(
                format!("{p}.episodes"),
                format!(
                    "{} episodes listed but episode_count is {}",
                    s.episodes.len(),
                    s.episode_count
                ),
            );
        }
        if let Some(date) = &s.published
            && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err()
        {
            k.push(
                format!("{p}.published"),
                format!("{date:?} is not YYYY-MM-DD"),
            );
        }
        let numbers: BTreeSet<u32> = s.episodes.iter().map(|e| e.number).collect();
        let expected: BTreeSet<u32> = (1..=s.episodes.len() as u32).collect();
        if numbers != expected {
            let missing: Vec<u32> = expected.difference(&numbers).copied().collect();
            k.push(
                format!("{p}.episodes"),
                format!(
                    "episode numbers must be 1..{} without gaps or repeats (missing {missing:?})",
                    s.episodes.len()
                ),
            );
        }
        for (ei, e) in s.episodes.iter().enumerate() {
            let p = format!("{p}.episodes[{ei}]");
            k.non_empty(format!("{p}.id"), &e.id, "id");
            if !episode_ids.insert(e.id.as_str()) {
                k.push(
                    format!("{p}.id"),
                    format!("duplicate episode id {:?}", e.id),
                );
            }
            k.localized(format!("{p}.title"), &e.title, limits::TITLE);
            if !(e.duration.is_finite()
                && e.duration > 0.0
                && e.duration <= limits::EPISODE_SECONDS)
            {
                k.push(
                    format!("{p}.duration"),
                    format!(
                        "{} is not a duration in seconds (up to {})",
                        e.duration,
                        limits::EPISODE_SECONDS
                    ),
                );
            }
            k.list(
                format!("{p}.audio_languages"),
                &e.audio_languages,
                "languages",
            );
            if !k.count(
                format!("{p}.streams"),
                e.streams.len(),
                limits::STREAMS,
                "streams",
            ) || !k.count(
                format!("{p}.subtitles"),
                e.subtitles.len(),
                limits::SUBTITLES,
                "subtitle tracks",
            ) {
                continue;
            }
            if e.streams.is_empty() && !s.granted(e) {
                k.push(
                    format!("{p}.streams"),
                    "an episode needs at least one stream (or a playback grant: granted)",
                );
            }
            for (i, st) in e.streams.iter().enumerate() {
                k.url(format!("{p}.streams[{i}].url"), &st.url);
                if let Some(codecs) = &st.codecs {
                    k.length(
                        format!("{p}.streams[{i}].codecs"),
                        codecs,
                        limits::SHORT_TEXT,
                    );
                }
                if let Some(sha) = &st.sha256
                    && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()))
                {
                    k.push(
                        format!("{p}.streams[{i}].sha256"),
                        "not a SHA-256 (64 hexadecimal digits)",
                    );
                }
            }
            for (i, sub) in e.subtitles.iter().enumerate() {
                k.url(format!("{p}.subtitles[{i}].url"), &sub.url);
                k.non_empty(
                    format!("{p}.subtitles[{i}].language"),
                    &sub.language,
                    "language",
                );
            }
            if let Some(a) = &e.available {
                let parse = |t: &Option<String>| {
                    t.as_deref()
                        .map(chrono::DateTime::parse_from_rfc3339)
                        .transpose()
                };
                match (parse(&a.from), parse(&a.until)) {
                    (Err(_), _) => k.push(format!("{p}.available.from"), "not an RFC 3339 time"),
                    (_, Err(_)) => k.push(format!("{p}.available.until"), "not an RFC 3339 time"),
                    (Ok(Some(from)), Ok(Some(until))) if until <= from => {
                        k.push(format!("{p}.available"), "until is not after from")
                    }
                    _ => {}
                }
            }
        }
    }

    let mut rail_ids = HashSet::new();
    for (ri, r) in c.rails.iter().enumerate() {
        let p = format!("$.rails[{ri}]");
        k.non_empty(format!("{p}.id"), &r.id, "id");
        if !rail_ids.insert(r.id.as_str()) {
            k.push(format!("{p}.id"), format!("duplicate rail id {:?}", r.id));
        }
        k.text(format!("{p}.title"), &r.title);
        match (&r.series, &r.rule) {
            (Some(ids), None) => {
                if !k.count(
                    format!("{p}.series"),
                    ids.len(),
                    limits::RAIL_ITEMS,
                    "series in a rail",
                ) {
                    continue;
                }
                for (i, id) in ids.iter().enumerate() {
                    if !series_ids.contains(id.as_str()) {
                        k.push(
                            format!("{p}.series[{i}]"),
                            format!("no series has id {id:?}"),
                        );
                    }
                }
            }
            (None, Some(RailRule::Genre { genre, limit })) => {
                k.non_empty(format!("{p}.rule.genre"), genre, "genre");
                k.count(
                    format!("{p}.rule.limit"),
                    limit.unwrap_or(0),
                    limits::RAIL_ITEMS,
                    "series in a rail",
                );
            }
            (None, Some(RailRule::New { limit })) => {
                k.count(
                    format!("{p}.rule.limit"),
                    limit.unwrap_or(0),
                    limits::RAIL_ITEMS,
                    "series in a rail",
                );
            }
            _ => k.push(
                p,
                "a rail has either \"series\" or \"rule\", not both or neither",
            ),
        }
    }
    channels::check(&mut k, c);
    k.problems
}
