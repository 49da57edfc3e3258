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

/// The demo's media secret: signs its media URLs (HMAC-SHA256) and derives
/// its episodes' AES-128 keys. Public like the signing key: the demo shows
/// how a partner protects episodes, it protects nothing of value.
pub(super) const MEDIA_SECRET: [u8; 32] = *b"pillarbox demo media url secret!";

/// The demo series whose episodes from this number on are protected:
/// encrypted, served only under signed URLs, granted to accounts that own
/// them.
pub const PROTECTED: &[(&str, u32)] = &[("ceo-secret", 9)];

/// Whether episode `n` of `series` is protected in the demo.
pub fn protected(series: &str, n: u32) -> bool {
    PROTECTED.iter().any(|(s, from)| *s == series && n >= *from)
}
