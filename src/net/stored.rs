//! Episodes kept on the box, named `stored://episodes/<episode>/<file>`
//! and read from the store directory as if fetched: a stored episode plays
//! by the player's one path, with no network. Only names of letters,
//! digits, `-`, `_` and `.` (not leading) are read, and never through a
//! symbolic link.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use url::Url;

use super::config::NetError;

pub const SCHEME: &str = "stored";
const HOST: &str = "episodes";
/// The longest name of an episode's directory or file.
const MAX_NAME: usize = 64;

/// Whether `name` may name an episode's directory or one of its files.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The URL of `file` of the stored episode `episode`.
pub fn url_of(episode: &str, file: &str) -> Url {
    Url::parse(&format!("{SCHEME}://{HOST}/{episode}/{file}")).expect("a valid stored URL")
}

fn stored_error(url: &Url, cause: impl Into<String>) -> NetError {
    NetError::Stored {
        url: url.to_string(),
        cause: cause.into(),
    }
}

/// The file `url` names under `root`: exactly two valid names.
fn path_of(root: &Path, url: &Url) -> Result<PathBuf, NetError> {
    let names: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    let fits = url.scheme() == SCHEME
        && url.host_str() == Some(HOST)
        && url.query().is_none()
        && names.len() == 2
        && names.iter().all(|n| valid_name(n));
    if !fits {
        return Err(stored_error(url, "not the name of a stored episode's file"));
    }
    Ok(root.join(names[0]).join(names[1]))
}

/// Opens a stored file, and says its size.
fn open(root: &Path, url: &Url) -> Result<(std::fs::File, u64), NetError> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = path_of(root, url)?;
    let dir = path.parent().unwrap_or(root);
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {}
        _ => return Err(stored_error(url, "no such episode on this box")),
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| stored_error(url, e.to_string()))?;
    let size = file
        .metadata()
        .map_err(|e| stored_error(url, e.to_string()))?
        .len();
    Ok((file, size))
}

/// A stored file's bytes, or `range` (offset, length) of them: as a
/// server would answer, within `max_bytes`; a range past the end is short
/// at the end, as a 206 is.
pub fn read(
    root: &Path,
    url: &Url,
    range: Option<(u64, u64)>,
    max_bytes: usize,
) -> Result<Bytes, NetError> {
    let (mut file, size) = open(root, url)?;
    let (offset, len) = range.unwrap_or((0, size));
    if offset >= size && !(offset == 0 && size == 0) {
        return Err(stored_error(
            url,
            format!("bytes from {offset} asked of a {size}-byte file"),
        ));
    }
    let len = len.min(size - offset);
    if len > max_bytes as u64 {
        return Err(NetError::TooLarge {
            what: "stored file".into(),
            url: url.to_string(),
            limit: max_bytes,
        });
    }
    let mut buf = vec![0; len as usize];
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_exact(&mut buf))
        .map_err(|e| stored_error(url, e.to_string()))?;
    Ok(Bytes::from(buf))
}

/// The first `head_len` bytes of a stored file (fewer if it is shorter),
/// and its size.
pub fn head(root: &Path, url: &Url, head_len: usize) -> Result<(Bytes, u64), NetError> {
    let (file, size) = open(root, url)?;
    let mut buf = Vec::with_capacity(head_len.min(size as usize));
    file.take(head_len as u64)
        .read_to_end(&mut buf)
        .map_err(|e| stored_error(url, e.to_string()))?;
    Ok((Bytes::from(buf), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_two_plain_names_under_the_root_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ep1")).unwrap();
        std::fs::write(dir.path().join("ep1/s0.ts"), b"0123456789").unwrap();
        std::fs::write(dir.path().join("secret"), b"no").unwrap();
        let url = url_of("ep1", "s0.ts");
        assert_eq!(
            &read(dir.path(), &url, None, 100).unwrap()[..],
            b"0123456789"
        );
        assert_eq!(
            &read(dir.path(), &url, Some((8, 5)), 100).unwrap()[..],
            b"89"
        );
        assert!(read(dir.path(), &url, Some((10, 5)), 100).is_err());
        assert!(matches!(
            read(dir.path(), &url, None, 4),
            Err(NetError::TooLarge { .. })
        ));
        assert_eq!(
            head(dir.path(), &url, 4).unwrap(),
            (Bytes::from_static(b"0123"), 10)
        );
        for bad in [
            "stored://episodes/ep1/../secret",
            "stored://episodes/ep1/%2E%2E%2Fsecret",
            "stored://episodes/secret",
            "stored://episodes/ep1/s0.ts/x",
            "stored://other/ep1/s0.ts",
            "stored://episodes/ep1/.hidden",
            "stored://episodes/ep1/s0.ts?x=1",
        ] {
            let url = Url::parse(bad).unwrap();
            assert!(read(dir.path(), &url, None, 100).is_err(), "{bad}");
        }
        std::os::unix::fs::symlink(dir.path().join("secret"), dir.path().join("ep1/link")).unwrap();
        assert!(read(dir.path(), &url_of("ep1", "link"), None, 100).is_err());
        std::os::unix::fs::symlink(dir.path().join("ep1"), dir.path().join("ep2")).unwrap();
        assert!(read(dir.path(), &url_of("ep2", "s0.ts"), None, 100).is_err());
    }
}
