//! pillarbox: a micro-drama player for smart TVs and set-top boxes.

pub mod app;
pub mod catalog;
pub mod demo;
pub mod input;
pub mod platform;
pub mod playback;
pub mod probe;
pub mod qa;
pub mod store;
pub mod tv;
pub mod view;
