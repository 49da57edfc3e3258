//! The built-in demo: vertical episodes generated on this machine with
//! GStreamer, cached on disk, served from an in-process loopback server.

pub mod ads;
pub mod catalog;
pub mod collector;
mod error;
pub mod fmp4;
pub mod keys;
pub mod live;
pub mod media;
pub mod partner;
pub mod protect;
pub mod server;

use std::path::{Path, PathBuf};

pub use error::MediaError;
pub use media::{Container, EpisodeSpec, Generated};
pub use server::DemoServer;

/// The folder, in a cache directory, that the demo server keeps what it
/// generates in: renamed whenever what it generates changes, so that no
/// machine serves files made the old way.
pub const MEDIA_DIR: &str = "demo-v2";

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
    // A name of its own: processes sharing the cache (tests, a box's
    // service and a QA run) may make the same file at the same time, and
    // one must never clear the other's half-written copy.
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp: PathBuf = parent.join(format!(".{name}.{}.{unique}.partial", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_file(&tmp);
    if let Err(e) = write(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    match std::fs::rename(&tmp, target) {
        Ok(()) => Ok(()),
        // A folder another writer put in place first (rename does not
        // replace a non-empty folder): theirs is as good as ours.
        Err(_) if target.is_dir() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(())
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod concurrent_write_tests {
    use super::*;

    #[test]
    fn two_writers_of_one_folder_both_leave_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("media/ep1");
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let target = target.clone();
                std::thread::spawn(move || {
                    write_into_place(&target, |tmp| {
                        std::fs::create_dir_all(tmp).unwrap();
                        for i in 0..20 {
                            std::fs::write(tmp.join(format!("seg{i}.ts")), [w as u8; 1000])
                                .unwrap();
                            std::thread::sleep(std::time::Duration::from_millis(2));
                        }
                        Ok(())
                    })
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap().expect("both writers succeed");
        }
        let files = std::fs::read_dir(&target).unwrap().count();
        assert_eq!(files, 20);
        // No half-written copies left beside it.
        let beside: Vec<_> = std::fs::read_dir(dir.path().join("media"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(beside, ["ep1"]);
    }
}
