//! pillarbox: a micro-drama player for smart TVs and set-top boxes.

pub mod catalog;
pub mod demo;
pub mod playback;
