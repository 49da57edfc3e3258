//! Rollback floors: the highest `catalog_version` accepted, per catalog
//! (its signing key when it is signed, else its URL), in a file of its own
//! beside the cache. Deleting or damaging the cache, or moving the catalog
//! to another URL under the same key, does not lower it: an old catalog
//! replayed by an attacker stays refused. The file is written atomically,
//! so only tampering damages it: a damaged one is an error (no catalog is
//! taken until it is removed), never a floor of 0 that lets any old
//! catalog back in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::store::write_atomic;

/// Floors kept: a box follows one catalog; this bounds the file.
const MAX_ENTRIES: usize = 64;

pub struct Floors {
    file: PathBuf,
}

/// Floors that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: rollback floors unreadable ({reason}); remove the file to reset them")]
pub struct FloorError {
    pub file: String,
    pub reason: String,
}

/// The file, at most (64 entries take a few KiB).
const MAX_BYTES: u64 = 256 << 10;

impl Floors {
    pub fn new(file: impl Into<PathBuf>) -> Floors {
        Floors { file: file.into() }
    }

    /// The floor of catalog `id`; 0 when none was recorded (no file, or
    /// none for `id`).
    pub fn get(&self, id: &str) -> Result<u64, FloorError> {
        Ok(self.read()?.get(id).copied().unwrap_or(0))
    }

    /// Raises the floor of `id` to `version` (never lowers it); a damaged
    /// file is left as it is.
    pub fn raise(&self, id: &str, version: u64) -> std::io::Result<()> {
        let mut all = self.read().map_err(std::io::Error::other)?;
        let current = all.get(id).copied().unwrap_or(0);
        if version <= current && all.contains_key(id) {
            return Ok(());
        }
        all.insert(id.to_owned(), version.max(current));
        while all.len() > MAX_ENTRIES {
            let Some(other) = all.keys().find(|k| k.as_str() != id).cloned() else {
                break;
            };
            all.remove(&other);
        }
        let dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = self
            .file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("catalog-floors.json");
        let json = serde_json::to_vec_pretty(&all).map_err(std::io::Error::other)?;
        write_atomic(dir, name, &json)
    }

    fn read(&self) -> Result<BTreeMap<String, u64>, FloorError> {
        let err = |reason: String| FloorError {
            file: self.file.display().to_string(),
            reason,
        };
        let bytes = match crate::store::read_bounded(&self.file, MAX_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(err(e.to_string())),
        };
        serde_json::from_slice::<BTreeMap<String, u64>>(&bytes).map_err(|e| err(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_only_rise_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state/catalog-floors.json");
        let f = Floors::new(&file);
        assert_eq!(f.get("key:abc"), Ok(0));
        f.raise("key:abc", 20261121).unwrap();
        f.raise("key:abc", 5).unwrap();
        f.raise("url:https://a.example/c.json", 7).unwrap();
        let again = Floors::new(&file);
        assert_eq!(again.get("key:abc"), Ok(20261121));
        assert_eq!(again.get("url:https://a.example/c.json"), Ok(7));
        // Damaged: an error, not a floor of 0; and not written over.
        std::fs::write(&file, b"{not json").unwrap();
        let e = Floors::new(&file).get("key:abc").unwrap_err();
        assert!(e.to_string().contains("remove the file"), "{e}");
        assert!(Floors::new(&file).raise("key:abc", 1).is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"{not json");
    }
}
