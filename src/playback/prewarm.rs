//! Loads the GStreamer plugins an episode needs before the first one plays:
//! on a box, opening libav and friends costs a noticeable part of the first
//! episode's start when left to the first pipeline.

use gstreamer as gst;
use gstreamer::prelude::*;

/// Element factories every episode uses.
const ELEMENTS: &[&str] = &[
    "appsrc",
    "typefind",
    "decodebin3",
    "parsebin",
    "multiqueue",
    "tsdemux",
    "qtdemux",
    "h264parse",
    "h265parse",
    "aacparse",
    "videoconvert",
    "audioconvert",
    "audioresample",
    "appsink",
    "fakesink",
];

/// Loads the plugins behind [`ELEMENTS`] and the best-ranked H.264, H.265
/// and AAC decoders. Safe to call from any thread, any number of times.
pub fn prewarm() {
    if gst::init().is_err() {
        return;
    }
    // Our decoders registered and gst-libav's behind them, before choosing.
    super::restrict_registry();
    let registry = gst::Registry::get();
    for name in ELEMENTS {
        if let Some(feature) = registry.lookup_feature(name) {
            let _ = feature.load();
        }
    }
    for caps in [
        "video/x-h264",
        "video/x-h265",
        "audio/mpeg, mpegversion=(int)4",
    ] {
        let Ok(caps) = caps.parse::<gst::Caps>() else {
            continue;
        };
        let decoders = gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DECODER,
            gst::Rank::MARGINAL,
        );
        let best = decoders
            .iter()
            .filter(|f| f.can_sink_any_caps(&caps))
            .max_by_key(|f| f.rank());
        if let Some(f) = best {
            let _ = f.load();
        }
    }
    // typefindfunctions' finders only: loading every plugin with one would
    // load gst-libav and its hundred libraries for nothing (its finders
    // rank last and our containers are found before them).
    for f in gst::TypeFindFactory::factories() {
        if f.plugin_name().as_deref() == Some("typefindfunctions") {
            let _ = f.load();
        }
    }
}
