//! Board profiles (`platform/boards/*.toml`): which hardware decoders a box
//! should prefer, which Slint backend and renderer suit it, and environment
//! its drivers need. Picked from the device tree's compatible strings or
//! /proc/cpuinfo, or named with `--board`; applying one sets GStreamer
//! element ranks in code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gstreamer as gst;
use gstreamer::prelude::*;
use serde::Deserialize;

/// The profiles shipped with pillarbox, also installed under
/// /usr/share/pillarbox/boards by the packages.
const BUILTIN: &[(&str, &str)] = &[
    ("rpi4", include_str!("../platform/boards/rpi4.toml")),
    ("rpi5", include_str!("../platform/boards/rpi5.toml")),
    ("rk3588", include_str!("../platform/boards/rk3588.toml")),
    (
        "amlogic-s905x",
        include_str!("../platform/boards/amlogic-s905x.toml"),
    ),
    ("imx8", include_str!("../platform/boards/imx8.toml")),
    (
        "generic-x86",
        include_str!("../platform/boards/generic-x86.toml"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    pub name: String,
    pub description: String,
    #[serde(default, rename = "match")]
    pub matching: Matching,
    /// Element name → GStreamer rank (0 none, 64 marginal, 128 secondary,
    /// 256 primary; above primary wins over the software decoders).
    #[serde(default)]
    pub decoders: BTreeMap<String, u32>,
    #[serde(default)]
    pub slint: SlintChoice,
    #[serde(default)]
    pub video: VideoChoice,
    /// Set before GStreamer and Slint start, unless already set.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matching {
    /// Any of these in /proc/device-tree/compatible.
    #[serde(default)]
    pub compatible: Vec<String>,
    /// Any of these in /proc/cpuinfo.
    #[serde(default)]
    pub cpuinfo: Vec<String>,
    /// The CPU architecture (`std::env::consts::ARCH`), for generic profiles.
    #[serde(default)]
    pub arch: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlintChoice {
    /// "winit" or "linuxkms"; empty: Slint's own choice (SLINT_BACKEND wins).
    #[serde(default)]
    pub backend: Option<String>,
    /// "femtovg", "software" (or "skia" where built with it).
    #[serde(default)]
    pub renderer: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoChoice {
    /// How frames reach the screen.
    #[serde(default)]
    pub path: VideoPath,
}

/// How decoded frames reach the screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "tv", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum VideoPath {
    /// Copied once into the UI's memory (any renderer).
    #[default]
    Cpu,
    /// Kept on the GPU as textures when the renderer draws with OpenGL over
    /// EGL; the CPU copy otherwise.
    Gl,
}

impl std::fmt::Display for VideoPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VideoPath::Cpu => "cpu",
            VideoPath::Gl => "gl",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error("board profile {origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("no board profile named {0:?} (known: {1})")]
    Unknown(String, String),
    #[error("board profiles in {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// Why a profile was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    Named,
    Compatible(String),
    CpuInfo(String),
    Arch(String),
}

impl std::fmt::Display for Matched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Matched::Named => write!(f, "named with --board"),
            Matched::Compatible(c) => write!(f, "device tree compatible {c:?}"),
            Matched::CpuInfo(c) => write!(f, "/proc/cpuinfo mentions {c:?}"),
            Matched::Arch(a) => write!(f, "architecture {a}"),
        }
    }
}

pub fn parse(text: &str, origin: &str) -> Result<Board, BoardError> {
    toml::from_str(text).map_err(|e| BoardError::Parse {
        origin: origin.into(),
        message: e.to_string(),
    })
}

/// The built-in profiles, then those in `extra_dir` (a file there with a
/// built-in name replaces it). A file there that cannot be read or parsed
/// is set aside with a warning (and listed in `set_aside`): the built-in
/// profiles still apply, and the box still starts.
pub fn profiles(extra_dir: Option<&Path>) -> Result<Profiles, BoardError> {
    let mut boards: Vec<Board> = BUILTIN
        .iter()
        .map(|(name, text)| parse(text, &format!("built-in {name}")))
        .collect::<Result<_, _>>()?;
    let mut set_aside = Vec::new();
    if let Some(dir) = extra_dir.filter(|d| d.is_dir()) {
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect(),
            Err(source) => {
                set_aside.push(
                    BoardError::Read {
                        path: dir.display().to_string(),
                        source,
                    }
                    .to_string(),
                );
                Vec::new()
            }
        };
        paths.sort();
        for path in paths {
            let board = std::fs::read_to_string(&path)
                .map_err(|source| BoardError::Read {
                    path: path.display().to_string(),
                    source,
                })
                .and_then(|text| parse(&text, &path.display().to_string()));
            match board {
                Ok(board) => {
                    boards.retain(|b| b.name != board.name);
                    boards.push(board);
                }
                Err(e) => set_aside.push(e.to_string()),
            }
        }
    }
    for why in &set_aside {
        tracing::warn!(problem = %why, "board profile set aside");
    }
    Ok(Profiles { boards, set_aside })
}

/// The board profiles in force, and the files set aside as invalid.
#[derive(Debug, Clone)]
pub struct Profiles {
    pub boards: Vec<Board>,
    pub set_aside: Vec<String>,
}

/// What identifies this machine.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub compatible: Vec<String>,
    pub cpuinfo: String,
    pub arch: String,
}

impl Identity {
    pub fn of_this_machine() -> Identity {
        let compatible = std::fs::read("/proc/device-tree/compatible")
            .map(|b| {
                b.split(|c| *c == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Identity {
            compatible,
            cpuinfo: std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default(),
            arch: std::env::consts::ARCH.into(),
        }
    }
}

/// The profile for `identity`: named, else the first whose device tree or
/// cpuinfo matches, else the first whose architecture matches.
pub fn pick<'a>(
    boards: &'a [Board],
    named: Option<&str>,
    identity: &Identity,
) -> Result<Option<(&'a Board, Matched)>, BoardError> {
    if let Some(name) = named {
        return boards
            .iter()
            .find(|b| b.name == name)
            .map(|b| Some((b, Matched::Named)))
            .ok_or_else(|| {
                let known: Vec<&str> = boards.iter().map(|b| b.name.as_str()).collect();
                BoardError::Unknown(name.into(), known.join(", "))
            });
    }
    for b in boards {
        if let Some(c) = b
            .matching
            .compatible
            .iter()
            .find(|c| identity.compatible.contains(c))
        {
            return Ok(Some((b, Matched::Compatible(c.clone()))));
        }
        if let Some(c) = b
            .matching
            .cpuinfo
            .iter()
            .find(|c| identity.cpuinfo.contains(c.as_str()))
        {
            return Ok(Some((b, Matched::CpuInfo(c.clone()))));
        }
    }
    Ok(boards.iter().find_map(|b| {
        b.matching
            .arch
            .contains(&identity.arch)
            .then(|| (b, Matched::Arch(identity.arch.clone())))
    }))
}

impl Board {
    /// Sets the profile's environment variables that are not set yet. Call
    /// before any thread starts (GStreamer, Slint, tokio).
    pub fn apply_env(&self) {
        for (k, v) in &self.env {
            if std::env::var_os(k).is_none() {
                // SAFETY: called from main before any other thread exists.
                unsafe { std::env::set_var(k, v) };
            }
        }
    }

    /// Gives the profile's decoders their ranks; returns those this
    /// GStreamer does not have.
    pub fn apply_ranks(&self) -> Vec<String> {
        if gst::init().is_err() {
            return self.decoders.keys().cloned().collect();
        }
        let mut missing = Vec::new();
        for (name, rank) in &self.decoders {
            match gst::ElementFactory::find(name) {
                Some(f) => {
                    f.set_rank(gst::Rank::from(*rank as i32));
                    tracing::info!(element = %name, rank, "decoder rank from board profile");
                }
                None => missing.push(name.clone()),
            }
        }
        missing
    }
}

/// A video decoder GStreamer has for some caps, with its rank.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Decoder {
    pub name: String,
    pub rank: i32,
    pub hardware: bool,
}

/// Decoders that accept `caps` ("video/x-h264"), best rank first: the first
/// is what decodebin3 picks.
pub fn decoders_for(caps: &str) -> Vec<Decoder> {
    if gst::init().is_err() {
        return Vec::new();
    }
    // The ranks the player sees: our libavcodec decoders in.
    crate::playback::restrict_registry();
    let Ok(caps) = caps.parse::<gst::Caps>() else {
        return Vec::new();
    };
    let factories = gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER | gst::ElementFactoryType::MEDIA_VIDEO,
        gst::Rank::MARGINAL,
    );
    let mut found: Vec<Decoder> = factories
        .iter()
        .filter(|f| f.can_sink_any_caps(&caps))
        .map(|f| Decoder {
            name: f.name().to_string(),
            rank: gstreamer::glib::translate::IntoGlib::into_glib(f.rank()),
            hardware: f
                .metadata(gst::ELEMENT_METADATA_KLASS)
                .is_some_and(|k| k.contains("Hardware")),
        })
        .collect();
    found.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.name.cmp(&b.name)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(compatible: &[&str], cpuinfo: &str, arch: &str) -> Identity {
        Identity {
            compatible: compatible.iter().map(|s| s.to_string()).collect(),
            cpuinfo: cpuinfo.into(),
            arch: arch.into(),
        }
    }

    #[test]
    fn builtin_profiles_parse_and_match_their_boards() {
        let boards = profiles(None).unwrap().boards;
        assert_eq!(boards.len(), BUILTIN.len());
        let name = |id: &Identity| {
            pick(&boards, None, id)
                .unwrap()
                .map(|(b, _)| b.name.clone())
        };
        let rpi4 = identity(&["raspberrypi,4-model-b", "brcm,bcm2711"], "", "aarch64");
        assert_eq!(name(&rpi4).as_deref(), Some("rpi4"));
        let rpi5 = identity(&["raspberrypi,5-model-b", "brcm,bcm2712"], "", "aarch64");
        assert_eq!(name(&rpi5).as_deref(), Some("rpi5"));
        let rock5 = identity(&["radxa,rock-5b", "rockchip,rk3588"], "", "aarch64");
        assert_eq!(name(&rock5).as_deref(), Some("rk3588"));
        let s905x = identity(
            &["amlogic,p212", "amlogic,s905x", "amlogic,meson-gxl"],
            "",
            "aarch64",
        );
        assert_eq!(name(&s905x).as_deref(), Some("amlogic-s905x"));
        let imx = identity(&["fsl,imx8mq-evk", "fsl,imx8mq"], "", "aarch64");
        assert_eq!(name(&imx).as_deref(), Some("imx8"));
        let pc = identity(&[], "model name : Intel(R) Xeon(R)", "x86_64");
        let (b, why) = pick(&boards, None, &pc).unwrap().unwrap();
        assert_eq!(
            (b.name.as_str(), why),
            ("generic-x86", Matched::Arch("x86_64".into()))
        );
        let unknown_arm = identity(&["acme,box"], "", "aarch64");
        assert!(pick(&boards, None, &unknown_arm).unwrap().is_none());
        // Named wins over detection; an unknown name lists the known ones.
        let (b, why) = pick(&boards, Some("rpi5"), &rpi4).unwrap().unwrap();
        assert_eq!((b.name.as_str(), why), ("rpi5", Matched::Named));
        let e = pick(&boards, Some("rpi9"), &rpi4).unwrap_err().to_string();
        assert!(e.contains("rpi9") && e.contains("rk3588"), "{e}");
        // GL textures where the renderer is femtovg; a copy elsewhere.
        let path = |n: &str| boards.iter().find(|b| b.name == n).unwrap().video.path;
        for n in ["rpi4", "rpi5", "rk3588", "imx8"] {
            assert_eq!(path(n), VideoPath::Gl, "{n}");
        }
        assert_eq!(path("amlogic-s905x"), VideoPath::Cpu);
        assert_eq!(path("generic-x86"), VideoPath::Cpu);
        let e = parse(
            "name = \"t\"\ndescription = \"t\"\n[video]\npath = \"gpu\"\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("t.toml") && e.contains("gpu"), "{e}");
    }

    #[test]
    fn a_profile_in_the_extra_folder_replaces_the_builtin_and_a_bad_one_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("rpi4.toml"),
            "name = \"rpi4\"\ndescription = \"patched\"\n[decoders]\nv4l2h264dec = 300\n",
        )
        .unwrap();
        let boards = profiles(Some(dir.path())).unwrap().boards;
        let rpi4 = boards.iter().find(|b| b.name == "rpi4").unwrap();
        assert_eq!(rpi4.description, "patched");
        std::fs::write(dir.path().join("bad.toml"), "name = \"x\"\nranks = 3\n").unwrap();
        std::fs::write(dir.path().join("junk.toml"), [0xff, 0xfe, 0x00]).unwrap();
        let p = profiles(Some(dir.path())).unwrap();
        // The good files and the built-ins still apply.
        assert!(p.boards.iter().any(|b| b.description == "patched"));
        assert_eq!(p.boards.len(), BUILTIN.len());
        assert_eq!(p.set_aside.len(), 2, "{:?}", p.set_aside);
        assert!(
            p.set_aside[0].contains("bad.toml") && p.set_aside[0].contains("ranks"),
            "{:?}",
            p.set_aside
        );
        assert!(p.set_aside[1].contains("junk.toml"), "{:?}", p.set_aside);
    }

    #[test]
    fn ranks_are_applied_in_gstreamer() {
        gst::init().unwrap();
        crate::playback::restrict_registry();
        let before = gst::ElementFactory::find("avdec_h264").unwrap().rank();
        let board = parse(
            "name = \"t\"\ndescription = \"t\"\n[decoders]\navdec_h264 = 300\nnosuchdec = 512\n",
            "test",
        )
        .unwrap();
        assert_eq!(board.apply_ranks(), ["nosuchdec"]);
        let h264 = decoders_for("video/x-h264");
        assert_eq!(
            h264.first().map(|d| (d.name.as_str(), d.rank)),
            Some(("avdec_h264", 300))
        );
        gst::ElementFactory::find("avdec_h264")
            .unwrap()
            .set_rank(before);
    }
}
