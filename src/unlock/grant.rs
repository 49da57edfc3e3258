//! Playback grants: short-lived, signed URLs for one episode, asked of the
//! partner's unlock API (`POST playback`, docs/unlock.md) before a granted
//! episode plays or is preloaded. Held in memory only. Every field of an
//! answer is checked and bounded before use.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::client::{Body, UnlockClient, UnlockError, error_reply, refused};
use crate::net::RequestHeaders;
use crate::playback::StreamSource;

/// Grants shorter than this cannot be used (the box would refresh them
/// before the first segment); refused.
pub const MIN_GRANT_S: u64 = 10;
/// Longer grants are taken as this long (the box refreshes them sooner).
pub const MAX_GRANT_S: u64 = 86_400;
/// Longer keeping is taken as this long (the box asks again when it
/// plays the episode).
pub const MAX_KEEP_S: u64 = 30 * 86_400;
const MAX_URL: usize = 4096;
const MAX_GRANT_BYTES: usize = 64 << 10;

/// A field of a grant that cannot be used: its name and why.
#[derive(Debug, thiserror::Error)]
#[error("$.{field}: {why}")]
struct GrantProblem {
    field: &'static str,
    why: String,
}

/// What a grant gives: where the episode is fetched, for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub source: StreamSource,
    /// Seconds it is good for, from when it came.
    pub expires_in_s: u64,
    /// Seconds the box may keep the episode stored (and its keys), from
    /// when the grant came; None: it may not.
    pub keep_for_s: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantReply {
    url: String,
    #[serde(default)]
    key_url: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    key_headers: BTreeMap<String, String>,
    expires_in: u64,
    #[serde(default)]
    keep_for: Option<u64>,
}

impl UnlockClient {
    /// Asks for a grant to play `episode` of `series` on this device; with
    /// the box's token when it has one (free episodes may be granted
    /// without).
    pub async fn playback(
        &self,
        token: Option<&str>,
        series: &str,
        episode: u32,
        device: &str,
    ) -> Result<Grant, UnlockError> {
        const WHAT: &str = "playback grant";
        let episode_text = episode.to_string();
        let form = [
            ("series", series),
            ("episode", episode_text.as_str()),
            ("device", device),
        ];
        let reply = self
            .call(
                WHAT,
                "playback",
                Body::Form(&form),
                token,
                &[],
                MAX_GRANT_BYTES,
            )
            .await?;
        if reply.status != 200 {
            return Err(refused(WHAT, &reply, error_reply(&reply)));
        }
        let mut de = serde_json::Deserializer::from_slice(&reply.body);
        let r: GrantReply =
            serde_path_to_error::deserialize(&mut de).map_err(|e| UnlockError::Malformed {
                what: WHAT.into(),
                reason: format!("at $.{}: {}", e.path(), e.inner()),
            })?;
        self.check_grant(r).map_err(|p| UnlockError::Malformed {
            what: WHAT.into(),
            reason: p.to_string(),
        })
    }

    fn check_grant(&self, r: GrantReply) -> Result<Grant, GrantProblem> {
        let policy = self.net.policy();
        let bad = |field: &'static str, why: String| GrantProblem { field, why };
        let url = |field: &'static str, text: &str| -> Result<String, GrantProblem> {
            if text.len() > MAX_URL {
                return Err(bad(field, format!("over {MAX_URL} bytes")));
            }
            policy
                .parse(text)
                .map(|u| u.to_string())
                .map_err(|e| bad(field, e.to_string()))
        };
        let headers = |field: &'static str, map: &BTreeMap<String, String>| {
            let mut headers = RequestHeaders::new();
            for (name, value) in map {
                headers
                    .push(name, value)
                    .map_err(|e| bad(field, e.to_string()))?;
            }
            Ok::<_, GrantProblem>(headers)
        };
        if r.expires_in < MIN_GRANT_S {
            return Err(bad(
                "expires_in",
                format!(
                    "{} s, less than the {MIN_GRANT_S} s a grant must last",
                    r.expires_in
                ),
            ));
        }
        Ok(Grant {
            source: StreamSource {
                url: url("url", &r.url)?,
                headers: headers("headers", &r.headers)?,
                key_url: r
                    .key_url
                    .as_deref()
                    .map(|k| url("key_url", k))
                    .transpose()?,
                key_headers: headers("key_headers", &r.key_headers)?,
                missing_is_final: false,
                live: false,
            },
            expires_in_s: r.expires_in.min(MAX_GRANT_S),
            // 0 says "not kept", as no field does.
            keep_for_s: r.keep_for.filter(|s| *s > 0).map(|s| s.min(MAX_KEEP_S)),
        })
    }
}
