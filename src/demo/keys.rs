//! Where the demo's partner API lives and the key it signs entitlements
//! with: the demo catalog names them, the demo partner uses them. The key
//! is public (this file): it protects nothing but the demo, and shows
//! partners what a box checks.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;

/// Where the API lives under the demo server.
pub const API_PATH: &str = "api/unlock/v1/";

/// The demo's signing key's seed.
pub(super) const DEMO_SEED: [u8; 32] = *b"pillarbox demo entitlements key!";

/// The demo key's public half, as a catalog's `unlock_api.key`.
pub fn public_key() -> String {
    STANDARD.encode(
        SigningKey::from_bytes(&DEMO_SEED)
            .verifying_key()
            .as_bytes(),
    )
}
