//! Atomic persistence in the state directory: a crash mid-write leaves the
//! old file readable.

use std::io::Write;
use std::path::{Path, PathBuf};

#[cfg(feature = "tv")]
use crate::app::history::History;

#[cfg(feature = "tv")]
const HISTORY_FILE: &str = "history.json";

/// Writes `dir/name` through a temporary file, fsync and rename.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    // The rename itself must reach the disk too.
    std::fs::File::open(dir)?.sync_all()
}

/// The box's state directory: `$STATE_DIRECTORY` under systemd, else
/// `$XDG_STATE_HOME/pillarbox`, else `~/.local/state/pillarbox`.
pub fn default_state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STATE_DIRECTORY") {
        // systemd may list several, separated by colons; the first is ours.
        if let Some(first) = dir.to_string_lossy().split(':').next() {
            return PathBuf::from(first);
        }
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(dir).join("pillarbox");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".local/state/pillarbox")
}

/// Regenerable files (demo media): `$XDG_CACHE_HOME/pillarbox`, else
/// `~/.cache/pillarbox`, else a folder in the temporary directory.
pub fn default_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("pillarbox")
}

/// Viewing history and other state of the viewer, one JSON file each.
#[cfg(feature = "tv")]
pub struct Store {
    dir: PathBuf,
}

#[cfg(feature = "tv")]
impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Store> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Store { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The saved history; a missing file is an empty history, an unreadable
    /// one is set aside as `history.json.bad` (kept for support) and
    /// replaced by an empty history rather than stopping the app.
    pub fn load_history(&self) -> History {
        let path = self.dir.join(HISTORY_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return History::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read the history");
                return History::default();
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "history unreadable; set aside");
                let _ = std::fs::rename(&path, self.dir.join("history.json.bad"));
                History::default()
            }
        }
    }

    pub fn save_history(&self, history: &History) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(history).map_err(std::io::Error::other)?;
        write_atomic(&self.dir, HISTORY_FILE, &json)
    }
}

#[cfg(all(test, feature = "tv"))]
mod tests {
    use super::*;

    #[test]
    fn history_round_trips_and_a_corrupt_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path()).unwrap();
        assert_eq!(store.load_history(), History::default());
        let mut h = History::default();
        h.record_position("s1", 3, 4_000, 60_000);
        h.mark_watched("s1", 2);
        store.save_history(&h).unwrap();
        assert_eq!(store.load_history(), h);

        std::fs::write(dir.path().join(HISTORY_FILE), b"{\"series\": [").unwrap();
        assert_eq!(store.load_history(), History::default());
        assert!(dir.path().join("history.json.bad").exists());
    }
}
