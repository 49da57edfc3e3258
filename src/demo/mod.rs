//! The built-in demo: vertical episodes generated on this machine with
//! GStreamer, cached on disk, served from an in-process loopback server.

pub mod catalog;
mod error;
pub mod fmp4;
pub mod media;
pub mod server;

use std::path::{Path, PathBuf};

pub use error::MediaError;
pub use media::{Container, EpisodeSpec, Generated};
pub use server::DemoServer;

/// Patterns that tell the demo episodes apart at a glance.
const PATTERNS: [&str; 5] = ["ball", "smpte", "pinwheel", "spokes", "circular"];

/// Makes sure `count` demo episodes exist under `dir` (generating the
/// missing ones) and returns their paths relative to `dir`.
///
/// Each episode is encoded into a temporary folder and renamed into place,
/// so an interrupted run never leaves a half-written episode behind.
pub fn prepare(dir: &Path, count: usize, seconds: u32) -> Result<Vec<String>, MediaError> {
    std::fs::create_dir_all(dir).map_err(|source| MediaError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut entries = Vec::new();
    for n in 1..=count {
        let name = format!("ep{n:02}");
        let final_dir = dir.join(&name);
        if !final_dir.join("index.m3u8").exists() {
            write_into_place(&final_dir, |tmp| {
                let mut spec = EpisodeSpec::vertical(Container::HlsTs, seconds);
                spec.pattern = PATTERNS[(n - 1) % PATTERNS.len()].into();
                spec.label = Some(format!("EP {n}"));
                tracing::info!(episode = n, "generating demo episode");
                media::generate(&spec, tmp).map(|_| ())
            })?;
        }
        entries.push(format!("{name}/index.m3u8"));
    }
    Ok(entries)
}

/// Has `write` produce `target` (a file or a folder) under a temporary
/// name beside it, then renames it into place, so an interrupted run never
/// leaves half of it behind.
pub fn write_into_place(
    target: &Path,
    write: impl FnOnce(&Path) -> Result<(), MediaError>,
) -> Result<(), MediaError> {
    let io = |source| MediaError::Io {
        path: target.to_owned(),
        source,
    };
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = parent.join(format!(".{name}.partial"));
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_file(&tmp);
    write(&tmp)?;
    std::fs::rename(&tmp, target).map_err(io)
}
