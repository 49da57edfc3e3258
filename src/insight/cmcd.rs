//! CMCD v2 event reports (CTA-5004-B, event mode): one report per line, an
//! RFC 8941 dictionary with its keys in alphabetical order and no spaces,
//! as CMCD writes it. Values go through `sfv`, which escapes strings and
//! checks tokens; the collector reads lines back with the same crate.

use std::collections::BTreeMap;

use sfv::{Integer, ItemSerializer, ListEntry, Parser, StringRef, TokenRef};

/// Our keys: CMCD's custom keys carry a reverse-domain prefix and a hyphen.
pub mod key {
    /// The random id of this box for partner insight (only with consent).
    pub const DEVICE: &str = "com.pillarbox-did";
    /// The account, only when the box is paired and the viewer consented.
    pub const ACCOUNT: &str = "com.pillarbox-acct";
    pub const SERIES: &str = "com.pillarbox-series";
    pub const EPISODE: &str = "com.pillarbox-ep";
    /// A play's number in the session: the reports of one play share it.
    pub const PLAY: &str = "com.pillarbox-play";
    /// How a play or an ad ended (`completed`, `left`, ...).
    pub const HOW: &str = "com.pillarbox-how";
    /// Milliseconds of picture a play showed (stalls and pauses not counted).
    pub const WATCHED: &str = "com.pillarbox-watched";
    /// Stalls in a play.
    pub const REBUFFERS: &str = "com.pillarbox-rbc";
    /// How an episode was unlocked (`coins`, `phone`, `ad`, `vip`).
    pub const METHOD: &str = "com.pillarbox-method";
    /// Ads an ad server's answer held.
    pub const ADS: &str = "com.pillarbox-ads";
    /// The ad's VAST id.
    pub const AD: &str = "com.pillarbox-ad";
    /// A setting's name and value.
    pub const NAME: &str = "com.pillarbox-name";
    pub const VALUE: &str = "com.pillarbox-value";
    /// The box's network: `wired`, `wifi` or `other`.
    pub const NET: &str = "com.pillarbox-net";
    /// The UI language.
    pub const LANG: &str = "com.pillarbox-lang";
    /// The app's version.
    pub const VERSION: &str = "com.pillarbox-ver";
    /// Milliseconds since the app started (home shown).
    pub const SINCE_START: &str = "com.pillarbox-ms";
}

/// Longest string value sent; longer ones are cut.
const MAX_STRING: usize = 128;

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Str(String),
    Token(&'static str),
    List(Vec<String>),
}

/// One report, built key by key.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    keys: BTreeMap<&'static str, Value>,
}

impl Report {
    /// A report of CMCD event type `e` (`ps`, `e`, `as`, `ae`, `ce`) at
    /// `ts_ms` (Unix epoch milliseconds), CMCD version 2.
    pub fn new(e: &'static str, ts_ms: i64) -> Report {
        let mut r = Report {
            keys: BTreeMap::new(),
        };
        r.keys.insert("e", Value::Token(e));
        r.keys.insert("ts", Value::Int(ts_ms));
        r.keys.insert("v", Value::Int(2));
        r
    }

    /// A custom event (`e=ce`) named `name`.
    pub fn custom(name: &str, ts_ms: i64) -> Report {
        Report::new("ce", ts_ms).string("cen", name)
    }

    pub fn int(mut self, key: &'static str, v: i64) -> Report {
        self.keys.insert(key, Value::Int(v));
        self
    }

    pub fn string(mut self, key: &'static str, v: &str) -> Report {
        self.keys.insert(key, Value::Str(clean(v)));
        self
    }

    pub fn token(mut self, key: &'static str, v: &'static str) -> Report {
        self.keys.insert(key, Value::Token(v));
        self
    }

    pub fn strings(mut self, key: &'static str, v: &[&str]) -> Report {
        self.keys
            .insert(key, Value::List(v.iter().map(|s| clean(s)).collect()));
        self
    }

    /// When it happened, Unix ms.
    pub fn ts(&self) -> i64 {
        match self.keys.get("ts") {
            Some(Value::Int(t)) => *t,
            _ => 0,
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.keys.contains_key(key)
    }

    /// The event's name (docs/analytics.md), as the collector derives it.
    pub fn name(&self) -> &'static str {
        let text = |k| match self.keys.get(k) {
            Some(Value::Token(t)) => Some(*t),
            _ => None,
        };
        let cen = match self.keys.get("cen") {
            Some(Value::Str(s)) => Some(s.as_str()),
            _ => None,
        };
        event_name(
            text("e").unwrap_or(""),
            text("sta"),
            cen,
            self.has("msd"),
            self.has("bsd"),
        )
    }

    /// The report as one line of CMCD.
    pub fn line(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.keys {
            if !out.is_empty() {
                out.push(',');
            }
            out.push_str(k);
            out.push('=');
            match v {
                Value::Int(n) => push_int(&mut out, *n),
                Value::Str(s) => push_string(&mut out, s),
                Value::Token(t) => match TokenRef::from_str(t) {
                    Ok(t) => {
                        let _ = ItemSerializer::with_buffer(&mut out).bare_item(t);
                    }
                    Err(_) => push_string(&mut out, t),
                },
                Value::List(items) => {
                    out.push('(');
                    for (i, s) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        push_string(&mut out, s);
                    }
                    out.push(')');
                }
            }
        }
        out
    }
}

fn push_int(out: &mut String, n: i64) {
    let n = n.clamp(Integer::MIN.into(), Integer::MAX.into());
    let n = Integer::try_from(n).unwrap_or(Integer::MAX);
    let _ = ItemSerializer::with_buffer(out).bare_item(n);
}

fn push_string(out: &mut String, s: &str) {
    // `clean` left printable ASCII only, which an sf-string always takes.
    if let Ok(s) = StringRef::from_str(s) {
        let _ = ItemSerializer::with_buffer(out).bare_item(s);
    } else {
        out.push_str("\"\"");
    }
}

/// Printable ASCII only (an sf-string's alphabet), at most MAX_STRING.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '_' })
        .take(MAX_STRING)
        .collect()
}

/// An event's name from its CMCD type and keys (docs/analytics.md's table).
pub fn event_name(
    e: &str,
    sta: Option<&str>,
    cen: Option<&str>,
    msd: bool,
    bsd: bool,
) -> &'static str {
    match (e, sta) {
        ("ce", _) => cen
            .and_then(|c| {
                crate::catalog::model::EVENT_NAMES
                    .iter()
                    .find(|n| **n == c)
                    .copied()
            })
            .unwrap_or("custom"),
        ("ps", Some("p")) if msd => "episode_start",
        ("ps", Some("p")) if bsd => "rebuffer_end",
        ("ps", Some("p")) => "resume",
        ("ps", Some("r")) => "rebuffer",
        ("ps", Some("a")) => "pause",
        ("ps", Some("e" | "q" | "f")) => "episode_end",
        ("ps", _) => "play_state",
        ("e", _) => "error",
        ("as", _) => "ad_start",
        ("ae", _) => "ad_end",
        _ => "other",
    }
}

/// Why a line is not a CMCD report.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LineError {
    #[error("not an RFC 8941 dictionary: {0}")]
    Syntax(String),
    #[error("no event type (`e`)")]
    NoEvent,
}

/// A report read back (the collector): its keys as JSON values, strings
/// and tokens as strings, inner lists as arrays, a bare key as `true`.
pub fn parse_line(line: &str) -> Result<BTreeMap<String, serde_json::Value>, LineError> {
    use serde_json::Value as J;
    let dict: sfv::Dictionary = Parser::new(line)
        .parse()
        .map_err(|e: sfv::Error| LineError::Syntax(e.to_string()))?;
    let bare = |b: &sfv::BareItem| -> J {
        match b {
            sfv::BareItem::Integer(n) => J::from(i64::from(*n)),
            sfv::BareItem::Decimal(d) => serde_json::Number::from_f64(f64::from(*d))
                .map(J::Number)
                .unwrap_or(J::Null),
            sfv::BareItem::String(s) => J::from(s.as_str()),
            sfv::BareItem::Token(t) => J::from(t.as_str()),
            sfv::BareItem::Boolean(b) => J::from(*b),
            sfv::BareItem::DisplayString(s) => J::from(s.as_str()),
            sfv::BareItem::ByteSequence(_) | sfv::BareItem::Date(_) => J::Null,
        }
    };
    let mut out = BTreeMap::new();
    for (k, v) in &dict {
        let value = match v {
            ListEntry::Item(item) => bare(&item.bare_item),
            ListEntry::InnerList(list) => {
                J::Array(list.items.iter().map(|i| bare(&i.bare_item)).collect())
            }
        };
        out.insert(k.as_str().to_owned(), value);
    }
    if !out.contains_key("e") {
        return Err(LineError::NoEvent);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_cmcd_lines_in_key_order_and_read_back() {
        let r = Report::new("ps", 1_733_400_000_123)
            .token("sta", "p")
            .int("msd", 120)
            .string("cid", "ceo-secret/1")
            .string(key::SERIES, "ceo-secret")
            .int(key::EPISODE, 1)
            .string("sid", "a\"b\\c\u{e9}");
        assert_eq!(
            r.line(),
            "cid=\"ceo-secret/1\",com.pillarbox-ep=1,com.pillarbox-series=\"ceo-secret\",\
             e=ps,msd=120,sid=\"a\\\"b\\\\c_\",sta=p,ts=1733400000123,v=2"
        );
        assert_eq!(r.name(), "episode_start");
        let back = parse_line(&r.line()).unwrap();
        assert_eq!(back["sid"], "a\"b\\c_");
        assert_eq!(back["msd"], 120);
        assert_eq!(back["e"], "ps");
        let e = Report::new("e", 1).strings("ec", &["network", "x y"]);
        assert_eq!(e.line(), "e=e,ec=(\"network\" \"x y\"),ts=1,v=2");
        assert_eq!(parse_line(&e.line()).unwrap()["ec"][1], "x y");
        // Out-of-range numbers are clamped to what RFC 8941 allows.
        let big = Report::new("ce", i64::MAX).string("cen", "unlock");
        assert!(big.line().contains("ts=999999999999999"), "{}", big.line());
        assert_eq!(big.name(), "unlock");
    }

    #[test]
    fn hostile_lines_fail_without_panicking() {
        for bad in ["", "e=", "=1", "e=ps,,", "e=\"unterminated", "cen=\"x\""] {
            assert!(parse_line(bad).is_err(), "{bad:?}");
        }
        let long = format!("e=ps,x=\"{}\"", "a".repeat(100_000));
        assert!(parse_line(&long).is_ok());
    }
}
