//! Catalog parsing and validation: every problem found, each with the JSON
//! path it is at (and, for syntax errors, the line and column).

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use serde_json::Value;

use super::model::{Catalog, FORMAT_MAJOR, FORMAT_NAME, Localized, RailRule};
use crate::net::UrlPolicy;

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
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        vec![Problem {
            path: "$".into(),
            message: format!("not valid JSON: {}", strip_position(&e)),
            line: Some(e.line()),
            column: Some(e.column()),
        }]
    })?;
    check_header(&value)?;
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
fn check_header(value: &Value) -> Result<(), Vec<Problem>> {
    let Some(root) = value.as_object() else {
        return Err(vec![Problem::at("$", "the catalog must be a JSON object")]);
    };
    match root.get("format").and_then(Value::as_str) {
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
    let version = root.get("version").and_then(Value::as_str).unwrap_or("");
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

struct Checker<'a> {
    policy: &'a UrlPolicy,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn push(&mut self, path: String, message: impl Into<String>) {
        self.problems.push(Problem::at(path, message));
    }

    fn url(&mut self, path: String, url: &str) {
        if let Err(e) = self.policy.parse(url) {
            self.push(path, e.to_string());
        }
    }

    fn text(&mut self, path: String, text: &Localized) {
        if text.is_empty() || text.values().all(|t| t.trim().is_empty()) {
            self.push(path, "needs a text in at least one language");
        }
    }

    fn non_empty(&mut self, path: String, value: &str, what: &str) {
        if value.trim().is_empty() {
            self.push(path, format!("{what} is empty"));
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
    if let Some(logo) = &c.channel.logo {
        k.url("$.channel.logo".into(), logo);
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

    let mut series_ids = HashSet::new();
    let mut episode_ids = HashSet::new();
    for (si, s) in c.series.iter().enumerate() {
        let p = format!("$.series[{si}]");
        k.non_empty(format!("{p}.id"), &s.id, "id");
        if !series_ids.insert(s.id.as_str()) {
            k.push(format!("{p}.id"), format!("duplicate series id {:?}", s.id));
        }
        k.text(format!("{p}.title"), &s.title);
        k.url(format!("{p}.poster.url"), &s.poster.url);
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
            if !(e.duration.is_finite() && e.duration > 0.0) {
                k.push(
                    format!("{p}.duration"),
                    format!("{} is not a duration in seconds", e.duration),
                );
            }
            if e.streams.is_empty() {
                k.push(
                    format!("{p}.streams"),
                    "an episode needs at least one stream",
                );
            }
            for (i, st) in e.streams.iter().enumerate() {
                k.url(format!("{p}.streams[{i}].url"), &st.url);
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
                for (i, id) in ids.iter().enumerate() {
                    if !series_ids.contains(id.as_str()) {
                        k.push(
                            format!("{p}.series[{i}]"),
                            format!("no series has id {id:?}"),
                        );
                    }
                }
            }
            (None, Some(RailRule::Genre { genre, .. })) => {
                k.non_empty(format!("{p}.rule.genre"), genre, "genre");
            }
            (None, Some(RailRule::New { .. })) => {}
            _ => k.push(
                p,
                "a rail has either \"series\" or \"rule\", not both or neither",
            ),
        }
    }
    k.problems
}
