//! The demo's collector: what boxes send to `POST /collect` (CMCD v2
//! event reports, docs/analytics.md), written as JSON lines in the shape
//! ClickHouse's `JSONEachRow` reads, one row per report, to
//! `collected/events.jsonl` under the demo's folder. A partner's own
//! collector does the same with the table definitions the docs give.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use crate::insight::cmcd::{event_name, key, parse_line};

/// The most a batch may be, as sent and once unzipped, and in lines.
const MAX_BODY: usize = 1 << 20;
const MAX_UNZIPPED: u64 = 8 << 20;
const MAX_LINES: usize = 10_000;
const MAX_LINE: usize = 8 << 10;

/// Where the rows go, relative to the demo's folder.
pub const EVENTS_FILE: &str = "collected/events.jsonl";

#[derive(Clone)]
struct Collector {
    file: PathBuf,
    /// One batch written at a time: rows of two batches never interleave.
    writing: Arc<tokio::sync::Mutex<()>>,
}

/// `POST /collect` on the demo server.
pub fn router(dir: &Path) -> axum::Router {
    let state = Collector {
        file: dir.join(EVENTS_FILE),
        writing: Default::default(),
    };
    axum::Router::new()
        .route("/collect", axum::routing::post(collect))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// The demo folder's collected rows.
pub fn events_file(dir: &Path) -> PathBuf {
    dir.join(EVENTS_FILE)
}

async fn collect(State(c): State<Collector>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let gzip = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let text = if gzip {
        let mut out = Vec::new();
        let read = flate2::read::GzDecoder::new(&body[..])
            .take(MAX_UNZIPPED + 1)
            .read_to_end(&mut out);
        if read.is_err() || out.len() as u64 > MAX_UNZIPPED {
            return StatusCode::BAD_REQUEST;
        }
        out
    } else {
        body.to_vec()
    };
    let Ok(text) = String::from_utf8(text) else {
        return StatusCode::BAD_REQUEST;
    };
    let received = chrono::Utc::now();
    let mut rows = String::new();
    let (mut good, mut bad) = (0, 0);
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(MAX_LINES)
    {
        match (line.len() <= MAX_LINE).then(|| parse_line(line)) {
            Some(Ok(report)) => {
                rows.push_str(&row(&report, received).to_string());
                rows.push('\n');
                good += 1;
            }
            _ => bad += 1,
        }
    }
    if bad > 0 {
        tracing::warn!(
            bad,
            good,
            "collector: reports that are not CMCD were dropped"
        );
    }
    let _one_at_a_time = c.writing.lock().await;
    let path = c.file.clone();
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?
            .write_all(rows.as_bytes())
    })
    .await;
    match written {
        Ok(Ok(())) if good > 0 || bad == 0 => StatusCode::NO_CONTENT,
        Ok(Ok(())) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// One report as a row of the `pillarbox_events` table (docs/analytics.md).
pub fn row(
    report: &std::collections::BTreeMap<String, Value>,
    received: chrono::DateTime<chrono::Utc>,
) -> Value {
    let text = |k: &str| report.get(k).and_then(Value::as_str).map(str::to_owned);
    let int = |k: &str| report.get(k).and_then(Value::as_i64).filter(|n| *n >= 0);
    let time = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .format("%Y-%m-%d %H:%M:%S%.3f")
            .to_string()
    };
    let e = text("e").unwrap_or_default();
    let sta = text("sta");
    let event = event_name(
        &e,
        sta.as_deref(),
        text("cen").as_deref(),
        report.contains_key("msd"),
        report.contains_key("bsd"),
    );
    let mut row = Map::new();
    row.insert("ts".into(), json!(time(int("ts").unwrap_or(0))));
    row.insert("received".into(), json!(time(received.timestamp_millis())));
    row.insert("event".into(), json!(event));
    row.insert("e".into(), json!(e));
    let strings = [
        ("sta", "sta"),
        ("sid", "sid"),
        ("cid", "cid"),
        ("device", key::DEVICE),
        ("account", key::ACCOUNT),
        ("series", key::SERIES),
        ("how", key::HOW),
        ("method", key::METHOD),
        ("ad", key::AD),
        ("name", key::NAME),
        ("value", key::VALUE),
        ("net", key::NET),
        ("lang", key::LANG),
        ("version", key::VERSION),
    ];
    for (column, k) in strings {
        if let Some(v) = text(k) {
            row.insert(column.into(), json!(v));
        }
    }
    let numbers = [
        ("episode", key::EPISODE),
        ("play", key::PLAY),
        ("msd", "msd"),
        ("bsd", "bsd"),
        ("watched", key::WATCHED),
        ("rebuffers", key::REBUFFERS),
        ("br", "br"),
        ("pt", "pt"),
        ("ads", key::ADS),
        ("since_start_ms", key::SINCE_START),
    ];
    for (column, k) in numbers {
        if let Some(n) = int(k).and_then(|n| u32::try_from(n).ok()) {
            row.insert(column.into(), json!(n));
        }
    }
    if let Some(Value::Array(codes)) = report.get("ec") {
        let codes: Vec<&str> = codes.iter().filter_map(Value::as_str).collect();
        row.insert("ec".into(), json!(codes));
    }
    Value::Object(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::cmcd::Report;

    #[test]
    fn a_report_becomes_a_row_with_its_event_name() {
        let line = Report::new("ps", 1_764_892_800_250)
            .token("sta", "p")
            .int("msd", 95)
            .string(key::SERIES, "ceo-secret")
            .int(key::EPISODE, 2)
            .string(key::DEVICE, "d1")
            .token(key::NET, "wired")
            .line();
        let r = row(&parse_line(&line).unwrap(), chrono::Utc::now());
        assert_eq!(r["event"], "episode_start");
        assert_eq!(r["ts"], "2025-12-05 00:00:00.250");
        assert_eq!(
            (r["msd"].as_u64(), r["episode"].as_u64()),
            (Some(95), Some(2))
        );
        assert_eq!(
            (&r["series"], &r["device"], &r["net"]),
            (&json!("ceo-secret"), &json!("d1"), &json!("wired"))
        );
        // Absent keys stay absent (NULL or the column's default).
        assert!(r.get("bsd").is_none() && r.get("account").is_none());
    }
}
