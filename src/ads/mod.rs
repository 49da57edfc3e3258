//! Ads (IAB VAST 4.x): reading ad servers' answers, following wrappers to
//! the ads a break plays, choosing what the box plays of each, firing the
//! trackers as it plays, sending them off the UI thread, and how often a
//! box shows ads (the ledger of breaks and rewarded ads).
//!
//! Everything but the fetching and sending is plain data and logic, built
//! without the `player` feature too: the VAST fuzz target uses it so.

pub mod chain;
pub mod choose;
pub mod ledger;
pub mod macros;
pub mod model;
#[cfg(feature = "player")]
pub mod sender;
pub mod tracking;
pub mod vast;
pub mod xml;

#[cfg(test)]
#[cfg(feature = "player")]
mod served;
