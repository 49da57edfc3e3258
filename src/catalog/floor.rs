//! Rollback floors: the highest `catalog_version` accepted, per catalog
//! (its signing key when it is signed, else its URL), in a file of its own
//! beside the cache. Deleting or damaging the cache, or moving the catalog
//! to another URL under the same key, does not lower it: an old catalog
//! replayed by an attacker stays refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::store::write_atomic;

/// Floors kept: a box follows one catalog; this bounds the file.
const MAX_ENTRIES: usize = 64;

pub struct Floors {
    file: PathBuf,
}

impl Floors {
    pub fn new(file: impl Into<PathBuf>) -> Floors {
        Floors { file: file.into() }
    }

    /// The floor of catalog `id`; 0 when none was recorded. A damaged file
    /// is logged and read as empty (it is written atomically, so only
    /// tampering damages it).
    pub fn get(&self, id: &str) -> u64 {
        self.read().get(id).copied().unwrap_or(0)
    }

    /// Raises the floor of `id` to `version` (never lowers it).
    pub fn raise(&self, id: &str, version: u64) -> std::io::Result<()> {
        let mut all = self.read();
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

    fn read(&self) -> BTreeMap<String, u64> {
        let bytes = match std::fs::read(&self.file) {
            Ok(b) => b,
            Err(_) => return BTreeMap::new(),
        };
        match serde_json::from_slice::<BTreeMap<String, u64>>(&bytes) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(file = %self.file.display(), error = %e, "rollback floors damaged; read as empty");
                BTreeMap::new()
            }
        }
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
        assert_eq!(f.get("key:abc"), 0);
        f.raise("key:abc", 20261121).unwrap();
        f.raise("key:abc", 5).unwrap();
        f.raise("url:https://a.example/c.json", 7).unwrap();
        let again = Floors::new(&file);
        assert_eq!(again.get("key:abc"), 20261121);
        assert_eq!(again.get("url:https://a.example/c.json"), 7);
        std::fs::write(&file, b"{not json").unwrap();
        assert_eq!(Floors::new(&file).get("key:abc"), 0);
    }
}
