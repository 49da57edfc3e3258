//! `pillarbox probe`: what this box can do, as pillarbox sees it.

use std::path::{Path, PathBuf};

use gstreamer as gst;
use serde::Serialize;

use crate::i18n::FontCoverage;

use crate::platform::{self, Board, Decoder};

#[derive(Debug, Serialize)]
pub struct Probe {
    pub pillarbox: String,
    pub arch: String,
    pub gstreamer: String,
    /// GStreamer elements the code names that are not installed, each
    /// with what it is for and the Debian package that brings it.
    pub missing_elements: Vec<crate::elements::Needed>,
    pub board: Option<BoardReport>,
    /// Why pillarbox's own libavcodec decoders are not used (gst-libav's
    /// are then), or null when they are.
    pub libavcodec_unused: Option<String>,
    /// Decoders for each codec, best first: the first is what plays.
    pub h264: Vec<Decoder>,
    pub h265: Vec<Decoder>,
    pub video_sinks: Vec<String>,
    pub audio_sinks: Vec<String>,
    pub slint: SlintReport,
    pub video: VideoReport,
    pub displays: Vec<Display>,
    pub state_dir: StateDir,
    pub catalog: CatalogReport,
    /// The UI languages' fonts (empty where the caller has no UI).
    pub fonts: Vec<FontCoverage>,
}

#[derive(Debug, Serialize)]
pub struct BoardReport {
    pub name: String,
    pub description: String,
    pub matched: String,
    /// Profile decoders this GStreamer does not have.
    pub missing_decoders: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SlintReport {
    /// What the TV app asks Slint for (environment first, then the profile);
    /// "default" leaves the choice to Slint (winit with a window system,
    /// else linuxkms).
    pub backend: String,
    pub renderer: String,
    pub window_system: Option<String>,
    pub drm_devices: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct VideoReport {
    /// As asked for (`--video`, else the profile): "gl" takes effect only
    /// where the renderer draws with OpenGL over EGL.
    pub path: platform::VideoPath,
    /// GStreamer's GL elements the GL path needs that are not installed.
    pub missing_gl_elements: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Display {
    pub connector: String,
    /// The preferred mode, "1920x1080".
    pub mode: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StateDir {
    pub path: PathBuf,
    pub writable: bool,
}

#[derive(Debug, Serialize)]
pub struct CatalogReport {
    pub url: String,
    pub reachable: Option<bool>,
    pub detail: String,
}

/// Probes the machine; `board` as applied by the caller (ranks included).
pub fn probe(
    board: Option<(&Board, &platform::Matched, Vec<String>)>,
    state_dir: &Path,
    video_path: platform::VideoPath,
    catalog: CatalogReport,
    fonts: Vec<FontCoverage>,
) -> Probe {
    let _ = gst::init();
    let (major, minor, micro, nano) = gst::version();
    let env_or = |var: &str, profile: Option<&String>| {
        std::env::var(var)
            .ok()
            .or_else(|| profile.cloned())
            .unwrap_or_else(|| "default".into())
    };
    let profile_slint = board.as_ref().map(|(b, _, _)| &b.slint);
    Probe {
        missing_elements: crate::elements::missing(),
        pillarbox: env!("CARGO_PKG_VERSION").into(),
        arch: std::env::consts::ARCH.into(),
        gstreamer: format!(
            "{major}.{minor}.{micro}{}",
            if nano > 0 {
                format!(".{nano}")
            } else {
                String::new()
            }
        ),
        board: board.map(|(b, m, missing)| BoardReport {
            name: b.name.clone(),
            description: b.description.clone(),
            matched: m.to_string(),
            missing_decoders: missing,
        }),
        libavcodec_unused: crate::playback::libavcodec::register()
            .err()
            .map(|e| e.to_string()),
        h264: platform::decoders_for("video/x-h264"),
        h265: platform::decoders_for("video/x-h265"),
        video_sinks: sinks(gst::ElementFactoryType::MEDIA_VIDEO),
        audio_sinks: sinks(gst::ElementFactoryType::MEDIA_AUDIO),
        slint: SlintReport {
            backend: env_or(
                "SLINT_BACKEND",
                profile_slint.and_then(|s| s.backend.as_ref()),
            ),
            renderer: env_or(
                "SLINT_RENDERER",
                profile_slint.and_then(|s| s.renderer.as_ref()),
            ),
            window_system: std::env::var("WAYLAND_DISPLAY")
                .map(|d| format!("wayland {d}"))
                .or_else(|_| std::env::var("DISPLAY").map(|d| format!("x11 {d}")))
                .ok(),
            drm_devices: drm_cards(),
        },
        video: VideoReport {
            path: video_path,
            missing_gl_elements: ["glsinkbin", "glupload", "glcolorconvert"]
                .into_iter()
                .filter(|e| gst::ElementFactory::find(e).is_none())
                .map(String::from)
                .collect(),
        },
        displays: displays(),
        state_dir: StateDir {
            path: state_dir.to_owned(),
            writable: std::fs::create_dir_all(state_dir).is_ok()
                && tempfile::NamedTempFile::new_in(state_dir).is_ok(),
        },
        catalog,
        fonts,
    }
}

fn sinks(media: gst::ElementFactoryType) -> Vec<String> {
    let mut v: Vec<String> = gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::SINK | media,
        gst::Rank::NONE,
    )
    .iter()
    .map(|f| gst::prelude::GstObjectExt::name(f).to_string())
    .collect();
    v.sort();
    v
}

fn drm_cards() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/dev/dri")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("card"))
                .map(|n| format!("/dev/dri/{n}"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Connected DRM connectors and their preferred (first listed) mode.
fn displays() -> Vec<Display> {
    let Ok(dir) = std::fs::read_dir("/sys/class/drm") else {
        return Vec::new();
    };
    let mut v: Vec<Display> = dir
        .filter_map(|e| e.ok())
        .filter(|e| {
            std::fs::read_to_string(e.path().join("status")).is_ok_and(|s| s.trim() == "connected")
        })
        .map(|e| Display {
            connector: e.file_name().to_string_lossy().into_owned(),
            mode: std::fs::read_to_string(e.path().join("modes"))
                .ok()
                .and_then(|m| m.lines().next().map(str::to_owned)),
        })
        .collect();
    v.sort_by(|a, b| a.connector.cmp(&b.connector));
    v
}

impl Probe {
    /// The report for people.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let mut line = |l: String| {
            s.push_str(&l);
            s.push('\n');
        };
        line(format!("pillarbox {} on {}", self.pillarbox, self.arch));
        line(format!("GStreamer {}", self.gstreamer));
        if self.missing_elements.is_empty() {
            line("GStreamer elements: all installed".into());
        }
        for m in &self.missing_elements {
            let effect = match m.role {
                crate::elements::Role::Playback => "episodes cannot play",
                crate::elements::Role::GlVideo => "no GL video path",
                crate::elements::Role::Demo => "the demo cannot be generated",
                crate::elements::Role::Speech => "the UI cannot speak",
            };
            line(format!(
                "MISSING element {}: {effect}; install Debian package {}",
                m.element, m.package
            ));
        }
        match &self.board {
            Some(b) => {
                line(format!(
                    "board: {} — {} ({})",
                    b.name, b.description, b.matched
                ));
                if !b.missing_decoders.is_empty() {
                    line(format!(
                        "  profile decoders not installed: {}",
                        b.missing_decoders.join(", ")
                    ));
                }
            }
            None => line("board: no profile matches (GStreamer's own decoder ranks)".into()),
        }
        if let Some(why) = &self.libavcodec_unused {
            line(format!(
                "pillarbox's libavcodec decoders NOT USED ({why}): gst-libav decodes"
            ));
        }
        for (codec, list) in [("H.264", &self.h264), ("H.265", &self.h265)] {
            match list.first() {
                Some(first) => line(format!(
                    "{codec}: {} plays it; decoders: {}",
                    first.name,
                    list.iter()
                        .map(|d| format!(
                            "{} (rank {}{})",
                            d.name,
                            d.rank,
                            if d.hardware { ", hardware" } else { "" }
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                None => line(format!(
                    "{codec}: NO DECODER — episodes in {codec} cannot play"
                )),
            }
        }
        line(format!("video sinks: {}", self.video_sinks.join(", ")));
        line(format!("audio sinks: {}", self.audio_sinks.join(", ")));
        line(format!(
            "Slint: backend {}, renderer {}; window system: {}; DRM: {}",
            self.slint.backend,
            self.slint.renderer,
            self.slint.window_system.as_deref().unwrap_or("none"),
            if self.slint.drm_devices.is_empty() {
                "none".into()
            } else {
                self.slint.drm_devices.join(", ")
            }
        ));
        line(
            match (self.video.path, self.video.missing_gl_elements.is_empty()) {
                (platform::VideoPath::Cpu, _) => "video path: cpu (one copy per frame)".into(),
                (platform::VideoPath::Gl, true) => "video path: gl (textures when the renderer \
                draws with OpenGL over EGL, else cpu)"
                    .into(),
                (platform::VideoPath::Gl, false) => format!(
                    "video path: gl asked for, but GStreamer lacks {} (gstreamer1.0-gl): cpu",
                    self.video.missing_gl_elements.join(", ")
                ),
            },
        );
        if self.displays.is_empty() {
            line("displays: none connected (or no DRM driver)".into());
        }
        for d in &self.displays {
            line(format!(
                "display: {} {}",
                d.connector,
                d.mode.as_deref().unwrap_or("(no modes)")
            ));
        }
        line(format!(
            "state directory: {} ({})",
            self.state_dir.path.display(),
            if self.state_dir.writable {
                "writable"
            } else {
                "NOT WRITABLE"
            }
        ));
        line(format!(
            "catalog: {} — {}",
            self.catalog.url, self.catalog.detail
        ));
        for f in &self.fonts {
            match (f.installed, f.missing.is_empty()) {
                (true, true) => line(format!("UI language {}: font {}", f.language, f.font)),
                (false, true) => line(format!(
                    "UI language {}: font {} not installed; other fonts have its glyphs \
                     (Debian package {} is the one meant)",
                    f.language, f.font, f.package
                )),
                (_, false) => line(format!(
                    "MISSING font for UI language {}: no installed font has {:?}, shown as \
                     empty boxes; install Debian package {}",
                    f.language, f.missing, f.package
                )),
            }
        }
        s
    }
}

/// Whether the catalog at `url` (none: the built-in demo) is reachable
/// and valid, fetched as the app would.
pub fn catalog_report(
    url: Option<&str>,
    options: &crate::catalog::check::CheckOptions,
) -> CatalogReport {
    use crate::catalog::check::{CheckError, check};
    let Some(url) = url else {
        return CatalogReport {
            url: "built-in demo".into(),
            reachable: None,
            detail: "served on 127.0.0.1 while the app runs".into(),
        };
    };
    let (reachable, detail) = match check(url, options) {
        Ok(c) => (
            true,
            format!("reachable, valid: {}", crate::catalog::summary(&c.catalog)),
        ),
        Err(CheckError::Invalid(problems)) => (
            true,
            format!(
                "reachable but invalid ({} problems; see `pillarbox catalog check`)",
                problems.len()
            ),
        ),
        Err(CheckError::BadSignature(why)) => (true, format!("reachable but refused: {why}")),
        Err(CheckError::Unreadable(why)) => (false, why),
    };
    CatalogReport {
        url: url.to_owned(),
        reachable: Some(reachable),
        detail,
    }
}
