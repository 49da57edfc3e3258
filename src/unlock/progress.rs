//! The account's progress across devices (docs/unlock.md): a paired box
//! reports where the viewer is (`POST progress`, batched, from a bounded
//! queue kept in the state directory, so nothing is lost offline) and
//! reads the account's (`GET progress`) at pairing and at start. Every
//! item read is checked and bounded; a bad document is refused whole,
//! naming the field.

use serde::{Deserialize, Serialize};

#[cfg(feature = "player")]
use super::client::{Body, UnlockClient, UnlockError, error_reply, refused};

/// Items in one `GET progress` answer, at most.
pub const MAX_ITEMS: usize = 2_000;
/// Items sent in one `POST progress`.
pub const BATCH: usize = 50;
/// Items waiting to be sent, at most (one per series: the latest).
pub const MAX_QUEUE: usize = 200;
/// The longest position or duration taken, ms (a day).
const MAX_MS: u64 = 24 * 3600 * 1000;
const MAX_ID: usize = 256;
const MAX_EPISODE: u32 = 100_000;
const MAX_PROGRESS_BYTES: usize = 1 << 20;

/// Where the viewer is in one series, as boxes report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressItem {
    pub series: String,
    pub episode: u32,
    pub position_ms: u64,
    #[serde(default)]
    pub duration_ms: u64,
    /// The episode was played to its end.
    #[serde(default)]
    pub watched: bool,
    /// When, RFC 3339 in UTC (`2026-12-04T10:00:00.000Z`).
    pub at: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgressDoc {
    items: Vec<ProgressItem>,
}

#[cfg(feature = "player")]
#[derive(Serialize)]
struct ProgressReport<'a> {
    device: &'a str,
    items: &'a [ProgressItem],
}

/// `text` as the box writes times: RFC 3339, UTC, milliseconds, `Z`.
pub fn normal_time(text: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(
        t.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

impl ProgressItem {
    /// Checks the item's fields (`at` is where it sits in its document),
    /// its time made the box's form.
    fn checked(mut self, at: &str) -> Result<ProgressItem, ProgressProblem> {
        if self.series.is_empty() || self.series.len() > MAX_ID {
            return Err(problem(
                format!("{at}.series"),
                format!("empty or longer than {MAX_ID} bytes"),
            ));
        }
        if !(1..=MAX_EPISODE).contains(&self.episode) {
            return Err(problem(
                format!("{at}.episode"),
                format!("{} is not 1 to {MAX_EPISODE}", self.episode),
            ));
        }
        if self.position_ms > MAX_MS || self.duration_ms > MAX_MS {
            return Err(problem(
                format!("{at}.position_ms"),
                "more than a day".into(),
            ));
        }
        self.at = normal_time(&self.at).ok_or_else(|| {
            problem(
                format!("{at}.at"),
                format!("{:?} is not an RFC 3339 time", self.at),
            )
        })?;
        Ok(self)
    }
}

/// What is wrong in a progress document, and where in it (a JSON path).
#[derive(Debug, thiserror::Error)]
#[error("{at}: {why}")]
pub struct ProgressProblem {
    pub at: String,
    pub why: String,
}

fn problem(at: String, why: String) -> ProgressProblem {
    ProgressProblem { at, why }
}

/// A `GET progress` answer, checked.
pub fn parse(bytes: &[u8]) -> Result<Vec<ProgressItem>, ProgressProblem> {
    if bytes.len() > MAX_PROGRESS_BYTES {
        return Err(problem(
            "$".into(),
            format!("more than {MAX_PROGRESS_BYTES} bytes"),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let doc: ProgressDoc = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| problem(format!("$.{}", e.path()), e.inner().to_string()))?;
    if doc.items.len() > MAX_ITEMS {
        return Err(problem("$.items".into(), format!("more than {MAX_ITEMS}")));
    }
    doc.items
        .into_iter()
        .enumerate()
        .map(|(i, item)| item.checked(&format!("$.items[{i}]")))
        .collect()
}

/// `item` into the queue: one per series (the latest), the oldest dropped
/// past [`MAX_QUEUE`].
pub fn enqueue(queue: &mut Vec<ProgressItem>, item: ProgressItem) {
    queue.retain(|q| q.series != item.series || q.at > item.at);
    if !queue.iter().any(|q| q.series == item.series) {
        queue.push(item);
    }
    queue.sort_by(|a, b| a.at.cmp(&b.at));
    let excess = queue.len().saturating_sub(MAX_QUEUE);
    queue.drain(..excess);
}

#[cfg(feature = "player")]
impl UnlockClient {
    /// Sends a batch of progress for this device.
    pub async fn post_progress(
        &self,
        token: &str,
        device: &str,
        items: &[ProgressItem],
    ) -> Result<(), UnlockError> {
        const WHAT: &str = "progress report";
        let body = serde_json::to_vec(&ProgressReport { device, items }).map_err(|e| {
            UnlockError::Malformed {
                what: WHAT.into(),
                reason: e.to_string(),
            }
        })?;
        let reply = self
            .call(
                WHAT,
                "progress",
                Body::Json(&body),
                Some(token),
                &[],
                64 << 10,
            )
            .await?;
        match reply.status {
            200 | 204 => Ok(()),
            _ => Err(refused(WHAT, &reply, error_reply(&reply))),
        }
    }

    /// The account's progress, from all its devices.
    pub async fn get_progress(&self, token: &str) -> Result<Vec<ProgressItem>, UnlockError> {
        const WHAT: &str = "progress";
        let reply = self
            .call(
                WHAT,
                "progress",
                Body::None,
                Some(token),
                &[],
                MAX_PROGRESS_BYTES,
            )
            .await?;
        if reply.status != 200 {
            return Err(refused(WHAT, &reply, error_reply(&reply)));
        }
        parse(&reply.body).map_err(|p| UnlockError::Malformed {
            what: WHAT.into(),
            reason: p.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(series: &str, at: &str) -> ProgressItem {
        ProgressItem {
            series: series.into(),
            episode: 3,
            position_ms: 1_000,
            duration_ms: 60_000,
            watched: false,
            at: at.into(),
        }
    }

    #[test]
    fn documents_are_checked_and_bad_fields_named() {
        let ok = parse(br#"{"items":[{"series":"s","episode":2,"position_ms":5,"at":"2026-12-04T10:00:00+01:00"}]}"#)
            .unwrap();
        assert_eq!(ok[0].at, "2026-12-04T09:00:00.000Z");
        for (doc, want) in [
            (
                r#"{"items":[{"series":"s","episode":0,"position_ms":5,"at":"2026-12-04T10:00:00Z"}]}"#,
                "$.items[0].episode",
            ),
            (
                r#"{"items":[{"series":"s","episode":1,"position_ms":5,"at":"yesterday"}]}"#,
                "$.items[0].at",
            ),
            (
                r#"{"items":[{"series":"","episode":1,"position_ms":5,"at":"2026-12-04T10:00:00Z"}]}"#,
                "$.items[0].series",
            ),
            (
                r#"{"items":[{"series":"s","episode":1,"position_ms":-5,"at":"2026-12-04T10:00:00Z"}]}"#,
                "position_ms",
            ),
            (r#"{"items":{}}"#, "$.items"),
        ] {
            let e = parse(doc.as_bytes()).unwrap_err();
            assert!(e.to_string().contains(want), "{doc}: {e}");
        }
        let many: Vec<String> = (0..=MAX_ITEMS)
            .map(|i| {
                format!(
                    r#"{{"series":"s{i}","episode":1,"position_ms":5,"at":"2026-12-04T10:00:00Z"}}"#
                )
            })
            .collect();
        let e = parse(format!(r#"{{"items":[{}]}}"#, many.join(",")).as_bytes()).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
    }

    #[test]
    fn the_queue_keeps_the_latest_per_series_and_is_bounded() {
        let mut q = Vec::new();
        enqueue(&mut q, item("a", "2026-01-01T00:00:01.000Z"));
        enqueue(&mut q, item("a", "2026-01-01T00:00:02.000Z"));
        enqueue(&mut q, item("a", "2026-01-01T00:00:00.000Z"));
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].at, "2026-01-01T00:00:02.000Z");
        for i in 0..(MAX_QUEUE + 10) {
            enqueue(
                &mut q,
                item(
                    &format!("s{i:04}"),
                    &format!("2026-02-01T00:{:02}:{:02}.000Z", i / 60, i % 60),
                ),
            );
        }
        assert_eq!(q.len(), MAX_QUEUE);
        assert!(!q.iter().any(|i| i.series == "a"), "the oldest went first");
    }
}
