//! What the unlock service keeps in the state directory, each file written
//! atomically: the token (with the API and key it was issued for), the
//! last good entitlement envelope, the device id, the time floor, and the
//! purchases confirmed but not yet answered for good.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::client::PurchaseAttempt;
use super::progress::ProgressItem;
use super::{
    CLOCK_FLOOR_FILE, DEVICE_ENTITLEMENTS_FILE, DEVICE_FILE, ENTITLEMENTS_FILE, Entitlements,
    PROGRESS_FILE, PURCHASES_FILE, SignedEntitlements, TOKEN_FILE,
};
use crate::catalog::model::UnlockApi;
use crate::catalog::verify::CatalogKey;
use crate::store::Store;

/// Purchases kept waiting for a final answer, at most (the oldest goes).
const MAX_PENDING_PURCHASES: usize = 16;

/// What the box keeps of its pairing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TokenFile {
    pub token: Option<String>,
    /// The account the first entitlements named: later ones must match.
    pub account: Option<String>,
    /// The API and key the token was issued by: it is sent nowhere else.
    #[serde(default)]
    pub api_url: Option<String>,
    #[serde(default)]
    pub api_key: Option<String>,
}

impl TokenFile {
    pub fn issued(token: String, api: &UnlockApi) -> TokenFile {
        TokenFile {
            token: Some(token),
            account: None,
            api_url: Some(api.url.clone()),
            api_key: Some(api.key.clone()),
        }
    }

    /// Whether the token came from `api` (a file from before tokens were
    /// bound to their API is not trusted with another).
    pub fn issued_by(&self, api: &UnlockApi) -> bool {
        self.api_url.as_deref() == Some(api.url.as_str())
            && self.api_key.as_deref() == Some(api.key.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FloorFile {
    floor: Option<String>,
}

fn store(dir: &Path) -> Option<Store> {
    Store::new(dir).ok()
}

pub fn load_token(dir: &Path) -> TokenFile {
    store(dir).map(|s| s.load(TOKEN_FILE)).unwrap_or_default()
}

pub fn save_token(dir: &Path, file: &TokenFile) -> std::io::Result<()> {
    Store::new(dir)?.save(TOKEN_FILE, file)
}

/// This install's device id: made (random) and kept the first time.
pub fn device_id(dir: &Path) -> String {
    crate::store::kept_id(dir, DEVICE_FILE, |id| {
        !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Forgets the token, the entitlements (the account's and the device's),
/// the pending purchases and the device id (the next one is new).
pub fn forget_account(dir: &Path) {
    for name in [
        TOKEN_FILE,
        ENTITLEMENTS_FILE,
        DEVICE_ENTITLEMENTS_FILE,
        PURCHASES_FILE,
        DEVICE_FILE,
        PROGRESS_FILE,
    ] {
        match std::fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::error!(file = name, error = %e, "cannot remove"),
        }
    }
}

/// Progress waiting to be sent.
pub fn progress_queue(dir: &Path) -> Vec<ProgressItem> {
    store(dir)
        .map(|s| s.load(PROGRESS_FILE))
        .unwrap_or_default()
}

pub fn save_progress_queue(dir: &Path, queue: &[ProgressItem]) -> std::io::Result<()> {
    Store::new(dir)?.save(PROGRESS_FILE, queue)
}

/// The time floor kept, if any.
pub fn clock_floor(dir: &Path) -> Option<DateTime<Utc>> {
    let file: FloorFile = store(dir)?.load(CLOCK_FLOOR_FILE);
    DateTime::parse_from_rfc3339(file.floor.as_deref()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn save_clock_floor(dir: &Path, floor: DateTime<Utc>) -> std::io::Result<()> {
    let file = FloorFile {
        floor: Some(floor.to_rfc3339()),
    };
    Store::new(dir)?.save(CLOCK_FLOOR_FILE, &file)
}

/// Keeps the account's envelope.
pub fn save_entitlements(dir: &Path, env: &SignedEntitlements) -> std::io::Result<()> {
    save_envelope(dir, ENTITLEMENTS_FILE, env)
}

/// Keeps `env` as `name` (the account's or the device's document).
pub fn save_envelope(dir: &Path, name: &str, env: &SignedEntitlements) -> std::io::Result<()> {
    let json = serde_json::to_vec(env).map_err(std::io::Error::other)?;
    crate::store::write_atomic(dir, name, &json)
}

/// The account's envelope in the state directory (see [`cached_envelope`]).
pub fn cached_entitlements(
    dir: &Path,
    key: &CatalogKey,
    account: Option<&str>,
    device: &str,
    now: DateTime<Utc>,
) -> Option<std::sync::Arc<Entitlements>> {
    cached_envelope(dir, ENTITLEMENTS_FILE, key, account, device, now)
}

/// The envelope `name` in the state directory, if it is there, signed by
/// `key` for `account` (when given) and `device`, and not expired at
/// `now`. A bad one is set aside.
pub fn cached_envelope(
    dir: &Path,
    name: &str,
    key: &CatalogKey,
    account: Option<&str>,
    device: &str,
    now: DateTime<Utc>,
) -> Option<std::sync::Arc<Entitlements>> {
    let path = dir.join(name);
    let bytes =
        crate::store::read_bounded(&path, super::entitlements::MAX_ENVELOPE_BYTES as u64).ok()?;
    let doc = SignedEntitlements::parse(&bytes).and_then(|env| env.open(key, account, device));
    match doc {
        Ok(doc) if doc.current(now) => Some(std::sync::Arc::new(doc)),
        Ok(_) => {
            tracing::info!("cached entitlements expired");
            None
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cached entitlements refused; set aside");
            let _ = std::fs::rename(&path, dir.join(format!("{name}.bad")));
            None
        }
    }
}

/// The attempt to send for this purchase: the one kept from an earlier
/// sending of the same purchase at the same price (no final answer came),
/// else a new one, saved before it is sent.
pub fn begin_purchase(dir: &Path, series: &str, episode: u32, price: u64) -> PurchaseAttempt {
    let Some(store) = store(dir) else {
        return PurchaseAttempt::new(series, episode, price);
    };
    let mut pending: Vec<PurchaseAttempt> = store.load(PURCHASES_FILE);
    if let Some(a) = pending
        .iter()
        .find(|a| a.series == series && a.episode == episode && a.price == price)
    {
        return a.clone();
    }
    let attempt = PurchaseAttempt::new(series, episode, price);
    pending.push(attempt.clone());
    if pending.len() > MAX_PENDING_PURCHASES {
        pending.remove(0);
    }
    if let Err(e) = store.save(PURCHASES_FILE, &pending) {
        tracing::error!(error = %e, "cannot keep the purchase attempt");
    }
    attempt
}

/// A final answer came for `attempt`: the next confirmation is a new one.
pub fn end_purchase(dir: &Path, attempt: &PurchaseAttempt) {
    let Some(store) = store(dir) else {
        return;
    };
    let mut pending: Vec<PurchaseAttempt> = store.load(PURCHASES_FILE);
    pending.retain(|a| a.key != attempt.key);
    if let Err(e) = store.save(PURCHASES_FILE, &pending) {
        tracing::error!(error = %e, "cannot update the purchase attempts");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use ed25519_dalek::{Signer, SigningKey};

    fn envelope(signing: &SigningKey, payload: &str) -> Vec<u8> {
        serde_json::to_vec(&SignedEntitlements {
            entitlements: STANDARD.encode(payload),
            signature: STANDARD.encode(signing.sign(payload.as_bytes()).to_bytes()),
        })
        .unwrap()
    }

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn an_edited_or_copied_cached_file_unlocks_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let signing = SigningKey::from_bytes(&[5u8; 32]);
        let key =
            CatalogKey::from_base64(&STANDARD.encode(signing.verifying_key().as_bytes())).unwrap();
        let doc = r#"{"format":"pillarbox-entitlements","account":"a1","device":"d1","issued":"2026-01-01T00:00:00Z","expires":"2026-03-01T00:00:00Z","coins":3,"episodes":{"s":[9]}}"#;
        let now = at("2026-02-01T00:00:00Z");
        let path = dir.path().join(ENTITLEMENTS_FILE);
        std::fs::write(&path, envelope(&signing, doc)).unwrap();
        let cached =
            cached_entitlements(dir.path(), &key, Some("a1"), "d1", now).expect("a good file");
        assert_eq!(cached.coins, 3);
        // Another account's, or another box's, file is refused.
        assert!(cached_entitlements(dir.path(), &key, Some("a2"), "d1", now).is_none());
        std::fs::write(&path, envelope(&signing, doc)).unwrap();
        assert!(cached_entitlements(dir.path(), &key, Some("a1"), "d2", now).is_none());
        std::fs::write(&path, envelope(&signing, doc)).unwrap();

        // Unlocking more by editing the payload breaks the signature.
        let text = std::fs::read_to_string(&path).unwrap();
        let env: SignedEntitlements = serde_json::from_str(&text).unwrap();
        let edited = String::from_utf8(STANDARD.decode(&env.entitlements).unwrap())
            .unwrap()
            .replace("[9]", "[9,10,11]");
        let forged = SignedEntitlements {
            entitlements: STANDARD.encode(edited),
            signature: env.signature,
        };
        std::fs::write(&path, serde_json::to_vec(&forged).unwrap()).unwrap();
        assert!(cached_entitlements(dir.path(), &key, Some("a1"), "d1", now).is_none());
        assert!(!path.exists());
        assert!(dir.path().join(format!("{ENTITLEMENTS_FILE}.bad")).exists());

        // An expired one is not used (and kept: the server may renew it);
        // a clock set back before the floor does not revive it.
        std::fs::write(&path, envelope(&signing, doc)).unwrap();
        assert!(
            cached_entitlements(dir.path(), &key, None, "d1", at("2026-04-01T00:00:00Z")).is_none()
        );
        assert!(path.exists());
        save_clock_floor(dir.path(), at("2026-04-01T00:00:00Z")).unwrap();
        let floor = clock_floor(dir.path()).unwrap();
        let box_clock = at("2026-02-01T00:00:00Z");
        assert!(cached_entitlements(dir.path(), &key, None, "d1", floor.max(box_clock)).is_none());
    }

    #[test]
    fn a_purchase_keeps_its_key_until_a_final_answer() {
        let dir = tempfile::tempdir().unwrap();
        let first = begin_purchase(dir.path(), "ceo", 9, 49);
        // A retry (or a resend after a crash) of the same purchase: same key.
        assert_eq!(begin_purchase(dir.path(), "ceo", 9, 49), first);
        // Another price is another purchase.
        assert_ne!(begin_purchase(dir.path(), "ceo", 9, 59).key, first.key);
        end_purchase(dir.path(), &first);
        // After a final answer (a 402, say), the next confirmation is new.
        assert_ne!(begin_purchase(dir.path(), "ceo", 9, 49).key, first.key);
    }

    #[test]
    fn the_device_id_is_kept_until_sign_out() {
        let dir = tempfile::tempdir().unwrap();
        let id = device_id(dir.path());
        assert_eq!(device_id(dir.path()), id);
        forget_account(dir.path());
        assert_ne!(device_id(dir.path()), id);
    }
}
