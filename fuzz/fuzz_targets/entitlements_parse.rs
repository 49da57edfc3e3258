//! Any bytes given as an entitlement envelope yield a checked document or
//! an error, never a panic; any bytes signed as a payload (what a partner's
//! server, or a forger with the key, could send) are checked the same way,
//! and a document that passes stays within the parser's bounds.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;
use pillarbox::catalog::verify::CatalogKey;
use pillarbox::unlock::entitlements::{MAX_EPISODES, MAX_SERIES, SignedEntitlements};

/// The partner's key pair, made once.
static KEYS: std::sync::LazyLock<(SigningKey, CatalogKey)> = std::sync::LazyLock::new(|| {
    let signing = SigningKey::from_bytes(&[9u8; 32]);
    let key = CatalogKey::from_base64(&STANDARD.encode(signing.verifying_key().as_bytes()))
        .expect("a valid key");
    (signing, key)
});

fuzz_target!(|data: &[u8]| {
    let (signing, key) = &*KEYS;
    // As an envelope: parsed, then refused (nothing here is signed right)
    // unless the bytes happen to carry a good signature.
    if let Ok(envelope) = SignedEntitlements::parse(data) {
        let _ = envelope.open(key, Some("account"), "device");
    }
    // As a payload signed with the key: only the payload checks stand.
    let envelope = SignedEntitlements {
        entitlements: STANDARD.encode(data),
        signature: STANDARD.encode(signing.sign(data).to_bytes()),
    };
    if let Ok(doc) = envelope.open(key, None, "device") {
        assert!(doc.series.len() + doc.episodes.len() <= MAX_SERIES);
        assert!(doc.episodes.values().map(|e| e.len()).sum::<usize>() <= MAX_EPISODES);
        let now = chrono::Utc::now();
        let _ = doc.allows("s", 1, now);
        let _ = (doc.expires_at(), doc.vip(now), doc.current(now));
    }
});
