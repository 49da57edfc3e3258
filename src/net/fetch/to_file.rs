//! Downloading a file to disk, to keep (episodes stored ahead): what a cut
//! download left is resumed with a Range request under `If-Range`, so a file
//! changed on the server since comes again whole instead of being spliced
//! onto the old one's start. The validators the bytes on disk came under,
//! and how many of them are known to be on the disk (synced every
//! [`SYNC_EVERY`] bytes), are kept beside them (`<part>.v`): after a power
//! cut the download resumes from what was synced, never from a tail the
//! disk may not have kept.

use std::io::Write;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use reqwest::header::{IF_RANGE, RANGE};

use super::{Attempt, FetchStats, Fetcher, MediaGet, Validators, count_chunk, error_chain};
use crate::net::config::NetError;
use crate::net::ranges::content_range;

/// The most a validators file may hold.
const VALIDATORS_BYTES: u64 = 8 << 10;
/// What is downloaded is synced to disk, and counted as kept, this often.
pub const SYNC_EVERY: u64 = 1 << 20;

/// What `<part>.v` keeps.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct PartState {
    #[serde(flatten)]
    validators: Validators,
    /// Bytes of the part known to be on the disk.
    synced: u64,
}

/// A file downloaded whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Downloaded {
    pub size: u64,
    /// Those of the response the last bytes came in.
    pub validators: Validators,
}

/// Where the validators of `part`'s bytes are kept.
fn validators_path(part: &Path) -> PathBuf {
    let mut name = part.as_os_str().to_owned();
    name.push(".v");
    PathBuf::from(name)
}

fn disk(path: &Path, e: std::io::Error) -> Attempt {
    Attempt::Disk(path.display().to_string(), e.to_string())
}

/// What is kept of `part`; nothing when absent or unreadable (the
/// download then starts over: nothing is spliced on a guess).
fn held_state(part: &Path) -> PartState {
    crate::store::read_bounded(&validators_path(part), VALIDATORS_BYTES)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn keep_state(part: &Path, validators: &Validators, synced: u64) -> Result<(), Attempt> {
    let path = validators_path(part);
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(Attempt::Disk(path.display().to_string(), "no name".into()));
    };
    let state = PartState {
        validators: validators.clone(),
        synced,
    };
    let bytes = serde_json::to_vec(&state).unwrap_or_default();
    crate::store::write_atomic(dir, &name.to_string_lossy(), &bytes).map_err(|e| disk(&path, e))
}

/// What the server can be asked with `If-Range`: a strong ETag, else the
/// date (RFC 9110 13.1.5: a weak ETag cannot).
fn if_range(v: &Validators) -> Option<&str> {
    v.etag
        .as_deref()
        .filter(|e| !e.starts_with("W/"))
        .or(v.last_modified.as_deref())
}

impl Fetcher {
    /// Downloads `get.url` into the file `part` (created if need be), with
    /// retries; after a cut, from the bytes already there when the server
    /// says (`If-Range`) the file has not changed, else from its start.
    /// The file ends up holding the whole resource, synced to disk; the
    /// caller renames it. `get.range` is ignored.
    pub async fn download_to(
        &self,
        get: &MediaGet<'_>,
        part: &Path,
        stats: &FetchStats,
    ) -> Result<Downloaded, NetError> {
        self.config.policy.check(get.url)?;
        self.with_retries(get.what, get.url, stats, get.max_bytes, false, || {
            self.download_once(get, part, stats)
        })
        .await
    }

    async fn download_once(
        &self,
        get: &MediaGet<'_>,
        part: &Path,
        stats: &FetchStats,
    ) -> Result<Downloaded, Attempt> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_NOFOLLOW)
            .open(part)
            .map_err(|e| disk(part, e))?;
        let length = file.metadata().map_err(|e| disk(part, e))?.len();
        let PartState {
            validators: held,
            synced,
        } = held_state(part);
        // Only what was synced is trusted: a power cut may have lost the rest.
        let mut have = length.min(synced);
        if have < length {
            file.set_len(have).map_err(|e| disk(part, e))?;
        }
        let resume = if_range(&held).filter(|_| have > 0);
        let mut req = get.headers.apply(self.client.get(get.url.clone()));
        if let Some(validator) = resume {
            req = req
                .header(RANGE, format!("bytes={have}-"))
                .header(IF_RANGE, validator);
        }
        let (mut resp, shaping) = self.send_media(req, get.url).await?;
        let status = resp.status();
        let validators = Validators::of(&resp);
        let start_over = |file: &std::fs::File| file.set_len(0).map_err(|e| disk(part, e));
        let total = match status {
            StatusCode::PARTIAL_CONTENT if resume.is_some() => {
                let (start, end, total) = content_range(&resp)
                    .map_err(|e| Attempt::BadRange(e.to_string()))
                    .inspect_err(|_| drop(start_over(&file)))?;
                let changed = validators.etag.is_some() && validators.etag != held.etag;
                if start != have || total != Some(end + 1) || changed {
                    // Not the rest of the bytes held: start over next time.
                    start_over(&file)?;
                    return Err(Attempt::Failed(format!(
                        "asked bytes {have}- of an unchanged file, got {start}-{end}/{}{}",
                        total.map_or("*".into(), |t| t.to_string()),
                        if changed { " of a changed one" } else { "" }
                    )));
                }
                end + 1
            }
            StatusCode::RANGE_NOT_SATISFIABLE if resume.is_some() => {
                // Cut after the last byte, before it was kept: whole already.
                let total = resp
                    .headers()
                    .get(reqwest::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|t| t.strip_prefix("bytes */"))
                    .and_then(|t| t.trim().parse::<u64>().ok());
                if total == Some(have) {
                    return Ok(Downloaded {
                        size: have,
                        validators: held,
                    });
                }
                start_over(&file)?;
                return Err(Attempt::Failed(format!(
                    "bytes {have}- not satisfiable: the file changed"
                )));
            }
            s if s.is_success() && s != StatusCode::PARTIAL_CONTENT => {
                // The whole file: new, changed, or ranges not served.
                start_over(&file)?;
                have = 0;
                resp.content_length()
                    .ok_or_else(|| Attempt::Failed("no Content-Length".into()))?
            }
            s if s.is_success() => {
                return Err(Attempt::BadRange("206 to a request without Range".into()));
            }
            s => return Err(Attempt::Status(s)),
        };
        if total > get.max_bytes as u64 {
            return Err(Attempt::TooLarge);
        }
        if validators != held || have != synced {
            let (p, v) = (part.to_owned(), validators.clone());
            on_disk(move || keep_state(&p, &v, have)).await??;
        }
        let mut synced = have;
        use std::io::Seek;
        (&file)
            .seek(std::io::SeekFrom::Start(have))
            .map_err(|e| disk(part, e))?;
        let file = std::sync::Arc::new(file);
        let reading = self.link.body();
        // A cut connection keeps what came: synced, it is resumed from.
        let keep_what_came = |file: &std::fs::File, have: u64, e: Attempt| {
            if file.sync_data().is_ok() {
                let _ = keep_state(part, &validators, have);
            }
            e
        };
        while have < total {
            let chunk =
                match tokio::time::timeout(self.config.limits.stall_timeout, resp.chunk()).await {
                    Err(_) => Err(Attempt::Failed(format!(
                        "stalled: no data for {:?} at byte {have}",
                        self.config.limits.stall_timeout
                    ))),
                    Ok(Err(e)) => Err(Attempt::Failed(format!(
                        "connection broken at byte {have}: {}",
                        error_chain(&e.without_url())
                    ))),
                    Ok(Ok(c)) => Ok(c),
                }
                .map_err(|e| keep_what_came(&file, have, e))?;
            let Some(chunk) = chunk else { break };
            count_chunk(&reading, &shaping, stats, have as usize, chunk.len()).await?;
            if have + chunk.len() as u64 > total {
                start_over(&file)?;
                return Err(Attempt::Failed(format!(
                    "more than the {total} bytes announced"
                )));
            }
            // As far as the disk takes it: on a full disk what was written
            // is kept, synced, and resumed from.
            let f = file.clone();
            let (written, failed) = on_disk(move || write_what_fits(&f, &chunk)).await?;
            have += written as u64;
            if let Some(e) = failed {
                return Err(keep_what_came(&file, have, disk(part, e)));
            }
            if have - synced >= SYNC_EVERY {
                let (f, p, v) = (file.clone(), part.to_owned(), validators.clone());
                on_disk(move || {
                    f.sync_data().map_err(|e| disk(&p, e))?;
                    keep_state(&p, &v, have)
                })
                .await??;
                synced = have;
            }
        }
        if have < total {
            // What came is kept; the next attempt asks for the rest.
            let e = Attempt::Failed(format!("truncated: {have} of {total} bytes"));
            return Err(keep_what_came(&file, have, e));
        }
        let (f, p) = (file.clone(), part.to_owned());
        on_disk(move || f.sync_all().map_err(|e| disk(&p, e))).await??;
        Ok(Downloaded {
            size: have,
            validators,
        })
    }
}

/// Runs disk work on tokio's blocking threads: an fsync on slow flash must
/// not hold up the network runtime's workers (posters, playlists).
async fn on_disk<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Attempt> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|_| Attempt::Failed("disk work cancelled".into()))
}

/// Writes `data` at the file's position, as far as the disk takes it: the
/// bytes written, and why it stopped short.
fn write_what_fits(file: &std::fs::File, data: &[u8]) -> (usize, Option<std::io::Error>) {
    let mut written = 0;
    let mut rest = data;
    let mut f = file;
    while !rest.is_empty() {
        match f.write(rest) {
            Ok(0) => return (written, Some(std::io::ErrorKind::WriteZero.into())),
            Ok(n) => {
                written += n;
                rest = &rest[n..];
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (written, Some(e)),
        }
    }
    (written, None)
}

/// Removes `part` and what is kept beside it.
pub fn remove_part(part: &Path) {
    let _ = std::fs::remove_file(part);
    let _ = std::fs::remove_file(validators_path(part));
}
