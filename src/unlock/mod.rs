//! Unlocking episodes: the partner's unlock API (docs/unlock.md), its
//! client, and the signed entitlement documents it hands out.
//!
//! Pairing with a phone is the OAuth 2.0 Device Authorization Grant
//! (RFC 8628); coins are spent with an idempotency key; what the account
//! may watch comes back as an Ed25519-signed document the box checks and
//! caches. The app core sees only [`UnlockCommand`]s it sends and
//! [`UnlockReport`]s it gets back. Entitlement documents need no media
//! stack (their fuzz target builds them alone); the client needs the
//! network stack.

#[cfg(feature = "player")]
pub mod client;
pub mod entitlements;
#[cfg(feature = "player")]
pub mod service;

#[cfg(feature = "player")]
pub use client::{DeviceAuthorization, TokenPoll, UnlockClient, UnlockError};
pub use entitlements::{EntitlementError, Entitlements, SignedEntitlements};

use crate::catalog::model::UnlockApi;

/// The token file in the state directory.
pub const TOKEN_FILE: &str = "unlock-token.json";
/// The last good entitlement envelope, as the server signed it.
pub const ENTITLEMENTS_FILE: &str = "entitlements.json";

/// What the app core asks of the unlock service.
#[derive(Debug, Clone, PartialEq)]
pub enum UnlockCommand {
    /// The catalog names this API: use the cached entitlements, refresh them.
    Connect(UnlockApi),
    /// Show a code to finish on a phone, for this episode.
    Pair { series: String, episode: u32 },
    /// The viewer left the pairing screen.
    StopPairing,
    /// Spend coins on an episode (the price the viewer confirmed).
    Purchase {
        series: String,
        episode: u32,
        price: u64,
    },
}

/// What the unlock service tells the app core.
#[derive(Debug, Clone, PartialEq)]
pub enum UnlockReport {
    /// The viewer's entitlements (checked; kept offline until they
    /// expire), and whether the box holds a token (coins can be spent).
    Entitlements {
        doc: Option<std::sync::Arc<Entitlements>>,
        paired: bool,
    },
    /// A code to show: open `uri` and type `user_code`, or scan `uri_complete`.
    Pairing {
        user_code: String,
        uri: String,
        uri_complete: Option<String>,
        expires_in_s: u64,
    },
    /// The phone approved; entitlements follow.
    Paired,
    PairingFailed(Failure),
    /// Coins spent: the episode is unlocked (entitlements came first).
    Purchased {
        series: String,
        episode: u32,
    },
    PurchaseFailed(Failure),
}

/// Why pairing or a purchase did not happen, as the viewer is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The code ran out before the phone finished.
    Expired,
    /// Refused on the phone.
    Denied,
    /// Fewer coins than the price.
    NotEnoughCoins { balance: u64, price: u64 },
    /// The server no longer knows this box's token: pair again.
    SignedOut,
    /// Not paired yet: coins need an account.
    NotPaired,
    /// No answer, or the server failed (5xx after retries): nothing spent.
    Network(String),
    /// The server answered something the box cannot use.
    Server(String),
}
