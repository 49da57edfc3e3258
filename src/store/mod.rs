//! Atomic persistence in the state directory: a crash mid-write leaves the
//! old file readable.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Writes `dir/name` through a temporary file, fsync and rename.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    // The rename itself must reach the disk too.
    std::fs::File::open(dir)?.sync_all()
}

/// A state file's bytes, at most `max` of them (a larger file is an
/// error, not read), without following a symbolic link at the end of the
/// path: a file swapped for a link to something else is not read.
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// The most a state file may hold: history and settings are kilobytes.
pub const MAX_STATE_BYTES: u64 = 4 << 20;

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

/// `bytes` random bytes as lowercase hex: the ids and keys the box makes.
pub fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

/// A random id kept in `dir/name` as `{"id": "…"}`: the one there when
/// `valid` takes it, else a new one (16 random bytes as hex), written.
pub fn kept_id(dir: &Path, name: &str, valid: impl Fn(&str) -> bool) -> String {
    #[derive(Default, serde::Serialize, serde::Deserialize)]
    struct IdFile {
        id: Option<String>,
    }
    let Ok(store) = Store::new(dir) else {
        return random_hex(16);
    };
    let file: IdFile = store.load(name);
    match file.id {
        Some(id) if valid(&id) => id,
        _ => {
            let id = random_hex(16);
            if let Err(e) = store.save(
                name,
                &IdFile {
                    id: Some(id.clone()),
                },
            ) {
                tracing::error!(file = name, error = %e, "cannot keep an id");
            }
            id
        }
    }
}

/// The viewer's state (history, settings, ...): one JSON file per value
/// in the state directory, written atomically. It knows no app types.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Store> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Store { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The value saved as `name`; a missing file is the default value, an
    /// unreadable one is set aside as `NAME.bad` (kept for support) and
    /// replaced by the default rather than stopping the app.
    pub fn load<T: DeserializeOwned + Default>(&self, name: &str) -> T {
        let path = self.dir.join(name);
        let bytes = match read_bounded(&path, MAX_STATE_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return T::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read saved state");
                return T::default();
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "saved state unreadable; set aside");
                let _ = std::fs::rename(&path, self.dir.join(format!("{name}.bad")));
                T::default()
            }
        }
    }

    /// Saves `value` as `name`: a crash mid-write leaves the old file.
    pub fn save<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
        write_atomic(&self.dir, name, &json)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn values_round_trip_and_a_corrupt_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path()).unwrap();
        let empty: BTreeMap<String, u32> = store.load("state.json");
        assert!(empty.is_empty());
        let value = BTreeMap::from([("s1".to_string(), 3u32), ("s2".to_string(), 9)]);
        store.save("state.json", &value).unwrap();
        assert_eq!(store.load::<BTreeMap<String, u32>>("state.json"), value);

        std::fs::write(dir.path().join("state.json"), b"{\"s1\": [").unwrap();
        assert!(store.load::<BTreeMap<String, u32>>("state.json").is_empty());
        assert!(dir.path().join("state.json.bad").exists());
        // The old file's bytes are kept for support, not lost.
        assert_eq!(
            std::fs::read(dir.path().join("state.json.bad")).unwrap(),
            b"{\"s1\": ["
        );
    }
}
