//! Episodes kept on the box ahead of need (the next ones of the series
//! being watched): downloaded while the box is idle, within a disk budget,
//! resumed after a cut, verified, and played by the player's one path from
//! `stored:` URLs ([`crate::net::stored`]).
//!
//! On disk, under the state directory's `stored/`: one directory per
//! episode (its media files, its playlists rewritten to name them, for a
//! paid episode its keys, mode 0600), and `index.json`, written atomically
//! once an episode is whole. A file is renamed to its name only when whole
//! and synced; what a cut left is `<name>.part` (see
//! [`crate::net::Fetcher::download_to`]). So after a power cut the index
//! names only whole episodes, and an episode half fetched resumes.

pub mod download;
pub mod keeper;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The store's directory, in the state directory.
pub const STORED_DIR: &str = "stored";
const INDEX_FILE: &str = "index.json";
const MAX_INDEX_BYTES: u64 = 4 << 20;
/// Episodes kept at most.
pub const MAX_EPISODES: usize = 400;
/// Files of one episode at most (segments, init sections, keys, playlists).
pub const MAX_FILES: usize = 4000;

/// One whole episode kept on the box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredEpisode {
    pub series: String,
    pub episode: u32,
    /// Its directory under the store.
    pub dir: String,
    /// The file the player opens: a playlist or the MP4.
    pub entry: String,
    /// Its files and their sizes.
    pub files: Vec<(String, u64)>,
    /// When it must go (a paid episode, as its grant said); None: kept
    /// while wanted.
    pub keep_until: Option<DateTime<Utc>>,
    /// The highest variant bandwidth kept, bit/s (0: not HLS).
    pub bandwidth: u64,
}

impl StoredEpisode {
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|(_, n)| n).sum()
    }

    /// The URL the player is given.
    pub fn url(&self) -> String {
        crate::net::stored::url_of(&self.dir, &self.entry).to_string()
    }

    /// Whether it may still be played at `now`.
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.keep_until.is_none_or(|t| now < t)
    }
}

/// What the app is told of an episode kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub series: String,
    pub episode: u32,
    pub url: String,
    pub bytes: u64,
    pub keep_until: Option<DateTime<Utc>>,
}

impl From<&StoredEpisode> for Kept {
    fn from(e: &StoredEpisode) -> Kept {
        Kept {
            series: e.series.clone(),
            episode: e.episode,
            url: e.url(),
            bytes: e.bytes(),
            keep_until: e.keep_until,
        }
    }
}

/// The directory of episode `episode` of `series`: a hash, so that no
/// series id reaches a path.
pub fn dir_name(series: &str, episode: u32) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(series.as_bytes());
    h.update([0]);
    h.update(episode.to_be_bytes());
    let d = h.finalize();
    format!("e{}", hex(&d[..10]))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A catalog's SHA-256 as bytes: 64 hexadecimal digits.
pub fn sha256_of(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// Keeps one episode now (`pillarbox keep`): downloaded into the store at
/// `root` within the automatic space, listed in its index in place of any
/// copy before.
pub async fn keep_one(
    fetcher: &crate::net::Fetcher,
    root: &Path,
    want: &download::Want,
) -> Result<StoredEpisode, download::DownloadError> {
    std::fs::create_dir_all(root).map_err(|source| StoreError::Io {
        what: "cannot create",
        path: root.to_owned(),
        source,
    })?;
    let mut index = StoredIndex::load(root);
    let dir = dir_name(&want.series, want.episode);
    index.episodes.retain(|e| e.dir != dir);
    let used = index.bytes();
    let free = free_space(root) + used;
    let budget = keeper::AUTO_BUDGET_MAX.min((free as f64 * keeper::AUTO_BUDGET_SHARE) as u64);
    let episode =
        download::download(fetcher, root, &dir, want, budget.saturating_sub(used)).await?;
    index.episodes.push(episode.clone());
    index.save(root)?;
    Ok(episode)
}

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The index of the episodes kept, as read back: every entry checked
/// against the disk (an entry whose files are not all there, whole, is
/// dropped with its directory).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredIndex {
    pub episodes: Vec<StoredEpisode>,
}

impl StoredIndex {
    /// Reads the index under `root`; a missing, unreadable or malformed one
    /// is empty (the episodes are fetched again: nothing is played that was
    /// not checked). Problems are logged.
    pub fn load(root: &Path) -> StoredIndex {
        let path = root.join(INDEX_FILE);
        let bytes = match crate::store::read_bounded(&path, MAX_INDEX_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return StoredIndex::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "stored episodes' index unreadable");
                return StoredIndex::default();
            }
        };
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let mut index: StoredIndex = match serde_path_to_error::deserialize(&mut de) {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(path = %path.display(), at = %e.path(), error = %e.inner(), "stored episodes' index malformed");
                return StoredIndex::default();
            }
        };
        index.episodes.truncate(MAX_EPISODES);
        index.episodes.retain(|e| match check_entry(root, e) {
            Ok(()) => true,
            Err(why) => {
                tracing::warn!(series = %e.series, episode = e.episode, why, "stored episode dropped");
                false
            }
        });
        index
    }

    pub fn save(&self, root: &Path) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        crate::store::write_atomic(root, INDEX_FILE, &bytes).map_err(|source| StoreError::Io {
            what: "cannot write",
            path: root.join(INDEX_FILE),
            source,
        })
    }

    pub fn get(&self, series: &str, episode: u32) -> Option<&StoredEpisode> {
        self.episodes
            .iter()
            .find(|e| e.series == series && e.episode == episode)
    }

    pub fn bytes(&self) -> u64 {
        self.episodes.iter().map(StoredEpisode::bytes).sum()
    }

    pub fn kept(&self) -> Vec<Kept> {
        self.episodes.iter().map(Kept::from).collect()
    }
}

/// Whether an index entry is what is on the disk: valid names, its files
/// there with their sizes, its entry among them.
fn check_entry(root: &Path, e: &StoredEpisode) -> Result<(), String> {
    use crate::net::stored::valid_name;
    if e.dir != dir_name(&e.series, e.episode) {
        return Err(format!("directory {:?} is not the episode's", e.dir));
    }
    if e.files.len() > MAX_FILES || !e.files.iter().any(|(n, _)| *n == e.entry) {
        return Err("its files do not name its entry".into());
    }
    for (name, size) in &e.files {
        if !valid_name(name) {
            return Err(format!("file name {name:?} is not valid"));
        }
        match std::fs::symlink_metadata(root.join(&e.dir).join(name)) {
            Ok(m) if m.is_file() && m.len() == *size => {}
            Ok(m) if m.is_file() => {
                return Err(format!("{name} is {} bytes, not {size}", m.len()));
            }
            _ => return Err(format!("{name} is missing")),
        }
    }
    Ok(())
}

/// Space left on the file system of `path`, bytes (0 when it cannot be told).
pub fn free_space(path: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return 0;
    };
    // SAFETY: statvfs is plain old data; all zeroes is a valid value.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid C string and a statvfs to fill.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return 0;
    }
    (s.f_bavail as u64).saturating_mul(s.f_frsize as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(root: &Path, series: &str, n: u32) -> StoredEpisode {
        let dir = dir_name(series, n);
        std::fs::create_dir_all(root.join(&dir)).unwrap();
        std::fs::write(root.join(&dir).join("index.m3u8"), b"#EXTM3U\n").unwrap();
        std::fs::write(root.join(&dir).join("s0.ts"), vec![0; 100]).unwrap();
        StoredEpisode {
            series: series.into(),
            episode: n,
            dir,
            entry: "index.m3u8".into(),
            files: vec![("index.m3u8".into(), 8), ("s0.ts".into(), 100)],
            keep_until: None,
            bandwidth: 0,
        }
    }

    #[test]
    fn the_index_keeps_only_entries_the_disk_holds_whole() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let whole = entry(root, "a", 1);
        let cut = entry(root, "a", 2);
        std::fs::write(root.join(&cut.dir).join("s0.ts"), vec![0; 60]).unwrap();
        let gone = entry(root, "b", 1);
        std::fs::remove_file(root.join(&gone.dir).join("s0.ts")).unwrap();
        let mut moved = entry(root, "c", 1);
        moved.dir = whole.dir.clone();
        let mut sneaky = entry(root, "d", 1);
        sneaky.files.push(("../../etc/passwd".into(), 1));
        let index = StoredIndex {
            episodes: vec![whole.clone(), cut, gone, moved, sneaky],
        };
        index.save(root).unwrap();
        let back = StoredIndex::load(root);
        assert_eq!(back.episodes, vec![whole]);
        assert_eq!(back.bytes(), 108);
        std::fs::write(root.join(INDEX_FILE), b"{\"episodes\": [{\"series\": 1}]}").unwrap();
        assert_eq!(StoredIndex::load(root), StoredIndex::default());
    }

    #[test]
    fn catalog_hashes_are_read_as_bytes() {
        let text = "00ff".repeat(16);
        let bytes = sha256_of(&text).unwrap();
        assert_eq!((bytes[0], bytes[1], bytes[31]), (0, 255, 255));
        assert!(sha256_of("00ff").is_none());
        assert!(sha256_of(&"zz".repeat(32)).is_none());
    }

    #[test]
    fn directories_are_named_by_a_hash_of_the_episode() {
        let a = dir_name("../x", 1);
        assert!(crate::net::stored::valid_name(&a));
        assert_ne!(a, dir_name("../x", 2));
        assert_eq!(a.len(), 21);
    }
}
