//! pillarbox: a micro-drama player for smart TVs and set-top boxes.
//!
//! Features: `tv` (the default: the TV app and the CLI) needs `player` (the
//! playback core, the network stack, catalog fetching, demo, board
//! profiles); without either the library is the catalog format alone.

pub mod ads;
#[cfg(feature = "tv")]
pub mod app;
pub mod catalog;
#[cfg(feature = "player")]
pub mod default_route;
#[cfg(feature = "player")]
pub mod demo;
#[cfg(feature = "player")]
pub mod elements;
pub mod episode;
pub mod guide;
pub mod hls;
#[cfg(feature = "tv")]
pub mod i18n;
#[cfg(feature = "keymap")]
pub mod input;
#[cfg(feature = "player")]
pub mod insight;
pub mod language;
pub mod net;
#[cfg(feature = "player")]
pub mod platform;
#[cfg(feature = "player")]
pub mod playback;
#[cfg(feature = "tv")]
pub mod probe;
#[cfg(feature = "qa")]
pub mod qa;
#[cfg(feature = "qa")]
pub mod soak;
#[cfg(feature = "player")]
pub mod store;
#[cfg(feature = "player")]
pub mod stored;
#[cfg(feature = "tv")]
pub mod tv;
pub mod unlock;
#[cfg(feature = "tv")]
pub mod view;
pub mod webvtt;
