//! The one network stack of the process: one tokio runtime and one HTTP
//! client (reqwest over rustls), with the URL policy on every request and
//! redirect, optional SPKI pins, size limits and retries. The player, the
//! catalog loader, posters, the demo server and the CLI all share it.
//!
//! The URL policy alone is built without the `player` feature: catalog
//! validation checks every URL a catalog names with it.

#[cfg(feature = "player")]
pub mod cmcd;
#[cfg(feature = "player")]
mod config;
#[cfg(feature = "qa")]
mod counters;
#[cfg(feature = "qa")]
pub mod faults;
#[cfg(feature = "player")]
pub mod fetch;
#[cfg(feature = "player")]
pub mod headers;
#[cfg(feature = "player")]
pub mod link;
#[cfg(feature = "player")]
pub mod pinning;
pub mod policy;
#[cfg(feature = "player")]
mod ranges;
#[cfg(feature = "player")]
mod stack;
#[cfg(feature = "player")]
pub mod stored;

#[cfg(feature = "player")]
pub use config::{Limits, NetConfig, NetError, RetryPolicy};
#[cfg(feature = "qa")]
pub use counters::built;
#[cfg(feature = "player")]
pub use fetch::{
    ApiCall, ApiReply, Downloaded, FetchStats, Fetched, Fetcher, MediaGet, Opened, Validators,
};
#[cfg(feature = "player")]
pub use headers::{HeaderError, RequestHeaders};
pub use policy::{PolicyError, UrlPolicy};
#[cfg(feature = "player")]
pub use stack::Net;
