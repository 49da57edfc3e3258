//! Entitlement documents: what the viewer's account may watch, signed by
//! the partner with Ed25519 and checked on the box, so that editing the
//! cached copy in the state directory unlocks nothing.
//!
//! On the wire and on disk a document is an envelope:
//! `{"entitlements": "<base64 of the JSON payload>", "signature": "<base64>"}`,
//! the signature over the payload's exact bytes (docs/unlock.md).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::verify::{CatalogKey, SignatureError};

/// The payload's `format` field.
pub const FORMAT: &str = "pillarbox-entitlements";
/// Envelopes larger than this are refused unread.
pub const MAX_ENVELOPE_BYTES: usize = 512 << 10;
/// Series named in one document (whole series plus series with episodes).
pub const MAX_SERIES: usize = 10_000;
/// Episode numbers in one document, over all series.
pub const MAX_EPISODES: usize = 200_000;
/// Ids are catalog ids: short.
const MAX_ID: usize = 256;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EntitlementError {
    #[error("entitlements: {0} bytes, more than the limit of {MAX_ENVELOPE_BYTES}")]
    TooLarge(usize),
    #[error("entitlements: not a signed envelope: {0}")]
    Envelope(String),
    #[error("entitlements: {0}")]
    Signature(#[from] SignatureError),
    #[error("entitlements: payload at {path}: {message}")]
    Payload { path: String, message: String },
    #[error("entitlements: issued to account {got:?}, this box is paired with {expected:?}")]
    OtherAccount { expected: String, got: String },
    #[error("entitlements: issued for device {got:?}, not this box ({expected:?})")]
    OtherDevice { expected: String, got: String },
    #[error("entitlements: issued {got}, before the document held ({held}): an old answer")]
    Older { held: String, got: String },
}

/// The envelope as received and cached: the payload stays in its signed bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedEntitlements {
    pub entitlements: String,
    pub signature: String,
}

/// A checked payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entitlements {
    pub format: String,
    /// The account the document is for.
    pub account: String,
    /// The device it is for: the box's device id, as the box sent it.
    pub device: String,
    /// RFC 3339.
    pub issued: String,
    /// RFC 3339: after this a cached copy unlocks nothing (the box fetches
    /// a new one when it can).
    pub expires: String,
    /// Coin balance when issued.
    #[serde(default)]
    pub coins: u64,
    /// RFC 3339: every episode plays until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip_until: Option<String>,
    /// Series unlocked whole.
    #[serde(default)]
    pub series: BTreeSet<String>,
    /// Unlocked episode numbers by series id.
    #[serde(default)]
    pub episodes: BTreeMap<String, BTreeSet<u32>>,
}

impl SignedEntitlements {
    /// Parses an envelope from outside (network or state directory).
    pub fn parse(bytes: &[u8]) -> Result<SignedEntitlements, EntitlementError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EntitlementError::TooLarge(bytes.len()));
        }
        serde_json::from_slice(bytes).map_err(|e| EntitlementError::Envelope(e.to_string()))
    }

    /// Checks the signature with `key`, then the payload; `account`, when
    /// the box knows its own, and `device` must match.
    pub fn open(
        &self,
        key: &CatalogKey,
        account: Option<&str>,
        device: &str,
    ) -> Result<Entitlements, EntitlementError> {
        let payload = STANDARD
            .decode(self.entitlements.trim())
            .map_err(|e| EntitlementError::Envelope(format!("entitlements is not base64: {e}")))?;
        key.verify(&payload, self.signature.as_bytes())?;
        let mut de = serde_json::Deserializer::from_slice(&payload);
        let e: Entitlements =
            serde_path_to_error::deserialize(&mut de).map_err(|err| EntitlementError::Payload {
                path: format!("$.{}", err.path()),
                message: err.inner().to_string(),
            })?;
        e.check()?;
        if let Some(expected) = account
            && expected != e.account
        {
            return Err(EntitlementError::OtherAccount {
                expected: expected.into(),
                got: e.account,
            });
        }
        if e.device != device {
            return Err(EntitlementError::OtherDevice {
                expected: device.into(),
                got: e.device,
            });
        }
        Ok(e)
    }
}

fn bad(path: &str, message: impl Into<String>) -> EntitlementError {
    EntitlementError::Payload {
        path: path.into(),
        message: message.into(),
    }
}

fn time(path: &str, text: &str) -> Result<DateTime<Utc>, EntitlementError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| bad(path, format!("{text:?} is not an RFC 3339 time")))
}

impl Entitlements {
    fn check(&self) -> Result<(), EntitlementError> {
        if self.format != FORMAT {
            return Err(bad(
                "$.format",
                format!("{:?}, expected {FORMAT:?}", self.format),
            ));
        }
        if self.account.is_empty() || self.account.len() > MAX_ID {
            return Err(bad("$.account", "empty or longer than 256 bytes"));
        }
        if self.device.is_empty() || self.device.len() > MAX_ID {
            return Err(bad("$.device", "empty or longer than 256 bytes"));
        }
        time("$.issued", &self.issued)?;
        time("$.expires", &self.expires)?;
        if let Some(v) = &self.vip_until {
            time("$.vip_until", v)?;
        }
        if self.series.len() + self.episodes.len() > MAX_SERIES {
            return Err(bad("$.series", format!("more than {MAX_SERIES} series")));
        }
        let numbers: usize = self.episodes.values().map(BTreeSet::len).sum();
        if numbers > MAX_EPISODES {
            return Err(bad(
                "$.episodes",
                format!("more than {MAX_EPISODES} episodes"),
            ));
        }
        let ids = self.series.iter().chain(self.episodes.keys());
        if let Some(id) = ids
            .into_iter()
            .find(|id| id.is_empty() || id.len() > MAX_ID)
        {
            return Err(bad(
                "$.series",
                format!(
                    "series id {:?} empty or too long",
                    id.chars().take(40).collect::<String>()
                ),
            ));
        }
        Ok(())
    }

    /// When the document was issued.
    pub fn issued_at(&self) -> Option<DateTime<Utc>> {
        time("", &self.issued).ok()
    }

    /// When the document stops unlocking anything.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        time("", &self.expires).ok()
    }

    /// Whether the document is still good at `now`.
    pub fn current(&self, now: DateTime<Utc>) -> bool {
        self.expires_at().is_some_and(|t| now < t)
    }

    /// The VIP pass's end, if it runs at `now`.
    pub fn vip(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let until = time("", self.vip_until.as_deref()?).ok()?;
        (now < until).then_some(until)
    }

    /// Whether episode `number` of `series` is unlocked at `now`.
    pub fn allows(&self, series: &str, number: u32, now: DateTime<Utc>) -> bool {
        self.current(now)
            && (self.vip(now).is_some()
                || self.series.contains(series)
                || self
                    .episodes
                    .get(series)
                    .is_some_and(|n| n.contains(&number)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn key() -> (SigningKey, CatalogKey) {
        let signing = SigningKey::from_bytes(&[3u8; 32]);
        let public = STANDARD.encode(signing.verifying_key().as_bytes());
        (signing, CatalogKey::from_base64(&public).expect("key"))
    }

    fn sign(signing: &SigningKey, payload: &str) -> SignedEntitlements {
        SignedEntitlements {
            entitlements: STANDARD.encode(payload),
            signature: STANDARD.encode(signing.sign(payload.as_bytes()).to_bytes()),
        }
    }

    const DOC: &str = r#"{"format":"pillarbox-entitlements","account":"a1","device":"d1","issued":"2026-01-01T00:00:00Z","expires":"2026-02-01T00:00:00Z","coins":71,"episodes":{"ceo":[9]}}"#;

    fn at(t: &str) -> DateTime<Utc> {
        time("", t).expect("time")
    }

    #[test]
    fn a_signed_document_unlocks_what_it_names_until_it_expires() {
        let (signing, key) = key();
        let e = sign(&signing, DOC)
            .open(&key, Some("a1"), "d1")
            .expect("valid");
        assert_eq!(e.coins, 71);
        assert!(e.allows("ceo", 9, at("2026-01-15T00:00:00Z")));
        assert!(!e.allows("ceo", 10, at("2026-01-15T00:00:00Z")));
        assert!(!e.allows("ceo", 9, at("2026-02-01T00:00:01Z")));
    }

    #[test]
    fn an_edited_document_is_refused() {
        let (signing, key) = key();
        let mut env = sign(&signing, DOC);
        env.entitlements = STANDARD.encode(DOC.replace("[9]", "[9,10,11]"));
        assert!(matches!(
            env.open(&key, None, "d1"),
            Err(EntitlementError::Signature(SignatureError::Mismatch))
        ));
        let other = SigningKey::from_bytes(&[4u8; 32]);
        assert!(sign(&other, DOC).open(&key, None, "d1").is_err());
    }

    #[test]
    fn another_accounts_document_is_refused() {
        let (signing, key) = key();
        assert!(matches!(
            sign(&signing, DOC).open(&key, Some("a2"), "d1"),
            Err(EntitlementError::OtherAccount { .. })
        ));
    }

    #[test]
    fn another_devices_document_is_refused() {
        let (signing, key) = key();
        assert!(matches!(
            sign(&signing, DOC).open(&key, Some("a1"), "d2"),
            Err(EntitlementError::OtherDevice { .. })
        ));
        let err = sign(&signing, &DOC.replace("\"device\":\"d1\",", ""))
            .open(&key, None, "d1")
            .expect_err("no device");
        assert!(err.to_string().contains("device"), "{err}");
    }

    #[test]
    fn malformed_payloads_name_where() {
        let (signing, key) = key();
        let err = sign(&signing, &DOC.replace("\"coins\":71", "\"coins\":-1"))
            .open(&key, None, "d1")
            .expect_err("negative coins");
        assert!(err.to_string().contains("$.coins"), "{err}");
        let err = sign(&signing, &DOC.replace("2026-02-01T00:00:00Z", "soon"))
            .open(&key, None, "d1")
            .expect_err("bad time");
        assert!(err.to_string().contains("$.expires"), "{err}");
        assert!(SignedEntitlements::parse(b"[1,2]").is_err());
        assert!(SignedEntitlements::parse(&vec![b' '; MAX_ENVELOPE_BYTES + 1]).is_err());
    }

    #[test]
    fn a_vip_pass_unlocks_everything_until_its_end() {
        let (signing, key) = key();
        let doc = DOC.replace(
            "\"coins\"",
            "\"vip_until\":\"2026-01-10T00:00:00Z\",\"coins\"",
        );
        let e = sign(&signing, &doc).open(&key, None, "d1").expect("valid");
        assert!(e.allows("any", 40, at("2026-01-09T00:00:00Z")));
        assert!(!e.allows("any", 40, at("2026-01-11T00:00:00Z")));
    }
}
