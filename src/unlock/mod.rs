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
pub mod grant;
pub mod progress;
#[cfg(feature = "player")]
pub mod reward;
#[cfg(feature = "player")]
pub mod service;
#[cfg(feature = "player")]
pub mod state;

#[cfg(feature = "player")]
pub use client::{DeviceAuthorization, PurchaseAttempt, TokenPoll, UnlockClient, UnlockError};
pub use entitlements::{EntitlementError, Entitlements, SignedEntitlements};
#[cfg(feature = "player")]
pub use grant::Grant;

use crate::catalog::model::UnlockApi;

/// The token file in the state directory.
pub const TOKEN_FILE: &str = "unlock-token.json";
/// The last good entitlement envelope, as the server signed it.
pub const ENTITLEMENTS_FILE: &str = "entitlements.json";
/// This install's device id (random; a new one after "Sign out").
pub const DEVICE_FILE: &str = "device.json";
/// The latest time the box knows has passed (documents' `issued`, servers'
/// `Date`): a clock set back does not revive an expired document.
pub const CLOCK_FLOOR_FILE: &str = "clock-floor.json";
/// Purchases confirmed and not yet answered for good, with their keys.
pub const PURCHASES_FILE: &str = "purchases.json";
/// Progress waiting to be sent to the account.
pub const PROGRESS_FILE: &str = "progress-queue.json";
/// The last good entitlement envelope made for this device alone (what
/// rewarded ads unlocked while the box was not paired).
pub const DEVICE_ENTITLEMENTS_FILE: &str = "device-entitlements.json";

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
    /// A playback grant for an episode (to play or preload it).
    Grant { series: String, episode: u32 },
    /// A rewarded ad was watched to its end: ask for what it unlocks.
    #[cfg(feature = "player")]
    Reward(reward::RewardClaim),
    /// Where the viewer is, for the account (sent once paired, kept
    /// until sent).
    #[cfg(feature = "player")]
    Progress(progress::ProgressItem),
    /// Forget the token, the cached documents and pending purchases, and
    /// take a new device id ("Sign out of this TV").
    SignOut,
}

/// What the unlock service tells the app core.
#[derive(Debug, Clone, PartialEq)]
pub enum UnlockReport {
    /// The viewer's entitlements (checked; kept offline until they
    /// expire), and whether the box holds a token (coins can be spent).
    Entitlements {
        doc: Option<std::sync::Arc<Entitlements>>,
        paired: bool,
        /// The latest time the box knows has passed: documents are judged
        /// by it when the box's clock is behind.
        floor: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// A code to show: open `uri` and type `user_code`, or scan `uri_complete`.
    Pairing {
        user_code: String,
        uri: String,
        /// `uri`'s host, shown in plain letters (where the phone goes).
        host: String,
        uri_complete: Option<String>,
        expires_in_s: u64,
    },
    /// What rewarded ads unlocked for this device while it was not
    /// paired (checked; kept offline until it expires).
    DeviceEntitlements(Option<std::sync::Arc<Entitlements>>),
    /// The phone approved; entitlements follow.
    Paired,
    PairingFailed(Failure),
    /// Coins spent: the episode is unlocked (entitlements came first).
    Purchased {
        series: String,
        episode: u32,
    },
    PurchaseFailed(Failure),
    /// A rewarded ad unlocked the episode (entitlements came first).
    Rewarded {
        series: String,
        episode: u32,
    },
    /// The partner gave nothing for the ad: why.
    RewardFailed(Failure),
    /// The account's progress from all its devices (at pairing and at
    /// start): merged into the history by time.
    #[cfg(feature = "player")]
    Progress(Vec<progress::ProgressItem>),
    /// The answer to a grant request.
    #[cfg(feature = "player")]
    Granted {
        series: String,
        episode: u32,
        grant: Result<Grant, Failure>,
    },
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
    /// The account does not own the episode (a grant refused, HTTP 403).
    NotEntitled,
    /// The partner does not offer the episode now (HTTP 404).
    Unavailable,
    /// No answer, or the server failed (5xx after retries): nothing spent.
    Network(String),
    /// The server answered something the box cannot use.
    Server(String),
}
