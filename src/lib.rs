//! pillarbox: a micro-drama player for smart TVs and set-top boxes.

#[cfg(feature = "tv")]
pub mod app;
pub mod catalog;
pub mod demo;
pub mod elements;
#[cfg(feature = "tv")]
pub mod input;
pub mod net;
pub mod platform;
pub mod playback;
pub mod probe;
#[cfg(feature = "tv")]
pub mod qa;
pub mod store;
#[cfg(feature = "tv")]
pub mod tv;
#[cfg(feature = "tv")]
pub mod view;
