//! Every GStreamer element the code names, what it is for, and the Debian
//! package that brings it, so that `pillarbox probe` can say what is
//! missing and how to get it, and a test fails before a box ships without
//! one. `make deps` installs every package named here.

use gstreamer as gst;
use serde::Serialize;

/// What an element is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Playing episodes: without it nothing plays.
    Playback,
    /// The GL video path; without it video takes the CPU path.
    GlVideo,
    /// Generating the built-in demo's episodes and posters.
    Demo,
    /// Spoken UI (espeak-ng): without it the UI does not speak.
    Speech,
}

/// One element the code names.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Needed {
    pub element: &'static str,
    pub role: Role,
    /// The Debian package that installs it.
    pub package: &'static str,
}

const fn need(element: &'static str, role: Role, package: &'static str) -> Needed {
    Needed {
        element,
        role,
        package,
    }
}

const CORE: &str = "libgstreamer1.0-0";
const BASE: &str = "gstreamer1.0-plugins-base";
const GOOD: &str = "gstreamer1.0-plugins-good";
const BAD: &str = "gstreamer1.0-plugins-bad";
const UGLY: &str = "gstreamer1.0-plugins-ugly";
const LIBAV: &str = "gstreamer1.0-libav";

/// The elements named in `playback/`, `view/` and `demo/`.
pub const NEEDED: &[Needed] = &[
    need("appsrc", Role::Playback, BASE),
    need("typefind", Role::Playback, CORE),
    need("decodebin3", Role::Playback, BASE),
    need("parsebin", Role::Playback, BASE),
    need("multiqueue", Role::Playback, CORE),
    need("tsdemux", Role::Playback, BAD),
    need("qtdemux", Role::Playback, GOOD),
    need("h264parse", Role::Playback, BAD),
    need("h265parse", Role::Playback, BAD),
    need("aacparse", Role::Playback, GOOD),
    need("avdec_h264", Role::Playback, LIBAV),
    need("avdec_aac", Role::Playback, LIBAV),
    need("videoconvert", Role::Playback, BASE),
    need("audioconvert", Role::Playback, BASE),
    need("audioresample", Role::Playback, BASE),
    need("volume", Role::Playback, BASE),
    need("autoaudiosink", Role::Playback, GOOD),
    need("appsink", Role::Playback, BASE),
    need("fakesink", Role::Playback, CORE),
    need("espeak", Role::Speech, "gstreamer1.0-espeak"),
    need("glsinkbin", Role::GlVideo, "gstreamer1.0-gl"),
    need("glcolorconvert", Role::GlVideo, "gstreamer1.0-gl"),
    need("videotestsrc", Role::Demo, BASE),
    need("audiotestsrc", Role::Demo, BASE),
    need("x264enc", Role::Demo, UGLY),
    need("avenc_aac", Role::Demo, LIBAV),
    need("hlssink2", Role::Demo, BAD),
    need("mp4mux", Role::Demo, GOOD),
    need("filesink", Role::Demo, CORE),
    need("pngenc", Role::Demo, GOOD),
    // Titles on the demo's posters and episodes (pango).
    need("textoverlay", Role::Demo, "gstreamer1.0-x"),
];

/// The needed elements this machine lacks (all of them if GStreamer itself
/// cannot start).
pub fn missing() -> Vec<Needed> {
    if gst::init().is_err() {
        return NEEDED.to_vec();
    }
    NEEDED
        .iter()
        .filter(|n| gst::ElementFactory::find(n.element).is_none())
        .copied()
        .collect()
}

/// A GStreamer element the code needs that is not installed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the GStreamer element {element} is not installed (Debian package {package})")]
pub struct Missing {
    pub element: String,
    pub package: &'static str,
}

/// Whether `element` is installed; names one that is not with its package.
pub fn require(element: &str) -> Result<(), Missing> {
    if gst::init().is_ok() && gst::ElementFactory::find(element).is_some() {
        return Ok(());
    }
    let package = NEEDED
        .iter()
        .find(|n| n.element == element)
        .map_or("a GStreamer plugin package", |n| n.package);
    Err(Missing {
        element: element.into(),
        package,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_needed_element_is_named_once() {
        let mut names: Vec<_> = NEEDED.iter().map(|n| n.element).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
