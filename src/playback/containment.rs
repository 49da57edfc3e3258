//! What GStreamer may do with bytes from the network. Our fetcher alone
//! talks to servers, under the URL policy and pins; inside the pipeline
//! only the demuxers and decoders we mean to use may be plugged:
//!
//! - every demuxer but qtdemux, tsdemux and id3demux is ranked out of the
//!   registry. That removes the adaptive demuxers (`hlsdemux2`,
//!   `dashdemux2`, `mssdemux*`), which would fetch the URLs inside a
//!   playlist with their own HTTP client, `sdpdemux`, which opens sockets,
//!   and the long tail of libav demuxers nobody audits for hostile input;
//! - decoders for codecs episodes do not use are ranked out too;
//! - the type found by typefind must be one of [`CONTAINERS`]; anything
//!   else (an MPD, a playlist, an HTML login page, a JSON error) ends the
//!   episode with an `unsupported` error naming the type.

use std::sync::OnceLock;

use gstreamer as gst;
use gstreamer::prelude::*;

/// Media types a stream may be found to be, by typefind.
pub const CONTAINERS: &[&str] = &[
    "video/quicktime",
    "audio/x-m4a",
    "application/x-3gp",
    "video/mpegts",
    // Packed audio (HLS audio renditions): ID3 tag, then ADTS AAC or MP3.
    "application/x-id3",
    "audio/mpeg",
];

/// The only demuxers that may be plugged.
pub const DEMUXERS: &[&str] = &["qtdemux", "tsdemux", "id3demux"];

/// Codecs a kept decoder handles (any one of its sink caps).
const CODECS: &[&str] = &[
    "video/x-h264",
    "video/x-h265",
    "video/x-av1",
    "video/x-vp9",
    "audio/mpeg",
    "audio/x-opus",
    "audio/x-ac3",
    "audio/x-eac3",
];

/// Ranks out every demuxer and decoder we do not use, once per process.
/// Returns the names of the factories ranked out (for the log and tests).
pub fn restrict_registry() -> &'static [String] {
    static RANKED_OUT: OnceLock<Vec<String>> = OnceLock::new();
    RANKED_OUT.get_or_init(|| {
        match super::libavcodec::register() {
            Ok(()) => gst::info!(super::CAT, "H.264, H.265 and AAC by libavcodec directly"),
            Err(why) => gst::info!(super::CAT, "gst-libav decodes: {why}"),
        }
        let mut out = Vec::new();
        for factory in gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DEMUXER | gst::ElementFactoryType::DECODER,
            gst::Rank::NONE,
        ) {
            if factory.rank() == gst::Rank::NONE || keep(&factory) {
                continue;
            }
            factory.set_rank(gst::Rank::NONE);
            out.push(factory.name().to_string());
        }
        gst::info!(
            super::CAT,
            "ranked out {} demuxers and decoders: {}",
            out.len(),
            out.join(" ")
        );
        out
    })
}

fn keep(factory: &gst::ElementFactory) -> bool {
    let klass = factory.klass();
    if klass.contains("Demux") || factory.has_type(gst::ElementFactoryType::DEMUXER) {
        return DEMUXERS.contains(&factory.name().as_str());
    }
    // A decoder: kept when it decodes one of our codecs.
    factory.static_pad_templates().iter().any(|t| {
        t.direction() == gst::PadDirection::Sink
            && t.caps().iter().any(|s| CODECS.contains(&s.name().as_str()))
    })
}

/// A media type typefind found that we do not play.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct NotOurs(pub String);

/// Whether typefind's `caps` name a container we play.
pub fn allowed_type(caps: &gst::CapsRef) -> Result<(), NotOurs> {
    match caps.structure(0).map(|s| s.name().to_string()) {
        Some(name) if CONTAINERS.contains(&name.as_str()) => Ok(()),
        Some(name) => Err(NotOurs(name)),
        None => Err(NotOurs("an unknown type".into())),
    }
}

/// Calls `refuse` with the media type when typefind `element` finds one we
/// do not play. Runs on the streaming thread, before data flows on.
pub fn guard_typefind(element: &gst::Element, refuse: impl Fn(String) + Send + Sync + 'static) {
    if element.factory().is_none_or(|f| f.name() != "typefind") {
        return;
    }
    element.connect("have-type", false, move |args| {
        if let Some(caps) = args.get(2).and_then(|v| v.get::<gst::Caps>().ok())
            && let Err(NotOurs(found)) = allowed_type(&caps)
        {
            refuse(found);
        }
        None
    });
}
