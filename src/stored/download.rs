//! Downloading one episode to keep: an MP4 as one file; an HLS episode as
//! one variant (the highest the viewer's data setting allows) with its
//! audio and subtitle renditions, every segment, init section and key a
//! file, and its playlists rewritten to name those files. Files already
//! whole are not fetched again; a file cut short resumes
//! ([`Fetcher::download_to`]).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use url::Url;

use super::{MAX_FILES, StoreError, StoredEpisode, hex};
use crate::hls::{self, Parsed, PlaylistError};
use crate::net::{FetchStats, Fetcher, MediaGet, NetError, Opened, RequestHeaders, UrlPolicy};
use crate::playback::StreamSource;

/// The playlist the player opens.
const ENTRY_PLAYLIST: &str = "index.m3u8";
/// The file an MP4 episode is kept in.
const ENTRY_MP4: &str = "video.mp4";
/// Bytes asked first, to tell a playlist from an MP4.
const SNIFF_BYTES: usize = 4096;
/// The largest MP4 kept.
const MAX_MP4_BYTES: usize = 4 << 30;
/// Downloads stop while the disk has less than this free.
pub const DISK_RESERVE: u64 = 64 << 20;

/// An episode to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct Want {
    pub series: String,
    pub episode: u32,
    pub source: StreamSource,
    /// The highest variant bandwidth to keep, bit/s; None: the top one.
    pub max_bitrate: Option<u64>,
    /// When it must go (a paid episode's grant says); None: kept while
    /// wanted.
    pub keep_until: Option<DateTime<Utc>>,
    /// SHA-256 of an MP4 episode, as the catalog gives it.
    pub sha256: Option<[u8; 32]>,
}

/// Why an episode could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Playlist(#[from] PlaylistError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Unusable(String),
    /// What it takes is more than the space it may have.
    #[error("over the space for kept episodes: {used} bytes, {budget} allowed")]
    Budget { used: u64, budget: u64 },
    /// The disk has (almost) no space left.
    #[error("the disk is full: {free} bytes free")]
    DiskFull { free: u64 },
    #[error("{file}: SHA-256 {got}, the catalog says {want}")]
    Hash {
        file: String,
        got: String,
        want: String,
    },
}

impl DownloadError {
    /// Whether the disk, not the episode or the network, stopped it.
    pub fn is_space(&self) -> bool {
        match self {
            DownloadError::Budget { .. } | DownloadError::DiskFull { .. } => true,
            DownloadError::Net(NetError::Disk { cause, .. }) => {
                cause.contains("No space") || cause.contains("too large")
            }
            _ => false,
        }
    }

    /// Whether trying again later may work (the network, the disk).
    pub fn is_passing(&self) -> bool {
        matches!(
            self,
            DownloadError::Net(
                NetError::Network { .. } | NetError::Unreachable { .. } | NetError::Http { .. }
            )
        ) || self.is_space()
    }
}

/// A file of the episode to fetch: from where, under which name, how.
struct Resource {
    url: Url,
    name: String,
    key: bool,
}

/// Downloads `want` into `root/dir` (created), using at most `budget`
/// bytes for it. Returns the episode whole, every file synced.
pub async fn download(
    fetcher: &Fetcher,
    root: &Path,
    dir: &str,
    want: &Want,
    budget: u64,
) -> Result<StoredEpisode, DownloadError> {
    let path = root.join(dir);
    make_dir(&path)?;
    let policy = fetcher.policy().remote();
    let url = policy.parse(&want.source.url).map_err(NetError::from)?;
    let headers = &want.source.headers;
    let stats = FetchStats::default();
    let head = match fetcher
        .open(&url, headers, SNIFF_BYTES, false, &stats)
        .await?
    {
        Opened::Ranged { head, .. } | Opened::Whole { head, .. } => head,
    };
    let mut episode = StoredEpisode {
        series: want.series.clone(),
        episode: want.episode,
        dir: dir.to_owned(),
        entry: ENTRY_MP4.into(),
        files: Vec::new(),
        keep_until: want.keep_until,
        bandwidth: 0,
    };
    if !hls::looks_like_playlist(&head) {
        let size = fetch_file(
            fetcher,
            &path,
            &url,
            ENTRY_MP4,
            headers,
            MAX_MP4_BYTES,
            budget,
        )
        .await?;
        if let Some(sha) = want.sha256 {
            // A whole file read: off the network runtime's workers.
            let file = path.join(ENTRY_MP4);
            tokio::task::spawn_blocking(move || check_hash(&file, &sha))
                .await
                .map_err(|_| DownloadError::Unusable("the hash check was cancelled".into()))??;
        }
        episode.files.push((ENTRY_MP4.into(), size));
        return Ok(episode);
    }
    let limits = fetcher.limits();
    fn get<'a>(u: &'a Url, max_bytes: usize, headers: &'a RequestHeaders) -> MediaGet<'a> {
        MediaGet {
            what: "playlist",
            url: u,
            range: None,
            max_bytes,
            cmcd: None,
            headers,
            missing_is_final: false,
        }
    }
    let get = |u| get(u, limits.playlist_bytes, headers);
    let text = fetcher.get_media(&get(&url), &stats).await?;
    // The media playlists to keep: (local name, URL); and the master.
    let mut lists: Vec<(String, Url)> = Vec::new();
    let mut master = None;
    match hls::parse(&text, &url, &policy)? {
        Parsed::Master {
            variants,
            audio,
            subtitles,
        } => {
            let v = choose_variant(&variants, want.max_bitrate).ok_or_else(|| {
                DownloadError::Unusable("a master playlist with no variant".into())
            })?;
            episode.bandwidth = v.bandwidth;
            lists.push(("v.m3u8".into(), v.url.clone()));
            let group = |g: &Option<String>, of: &Option<String>| g.is_some() && g == of;
            for (i, a) in audio
                .iter()
                .filter(|a| group(&Some(a.group.clone()), &v.audio_group))
                .enumerate()
            {
                if let Some(u) = &a.url {
                    lists.push((format!("a{i}.m3u8"), u.clone()));
                }
            }
            for (i, s) in subtitles
                .iter()
                .filter(|s| group(&Some(s.group.clone()), &v.subtitle_group))
                .enumerate()
            {
                lists.push((format!("s{i}.m3u8"), s.url.clone()));
            }
            master = Some((
                text.clone(),
                v.url.clone(),
                v.audio_group.clone(),
                v.subtitle_group.clone(),
            ));
        }
        Parsed::Media(_) => lists.push((ENTRY_PLAYLIST.into(), url.clone())),
    }
    // Every media playlist's files.
    let key_url = want
        .source
        .key_url
        .as_deref()
        .map(|u| policy.parse(u))
        .transpose()
        .map_err(NetError::from)?;
    let mut resources: Vec<Resource> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut playlists: Vec<(String, String)> = Vec::new();
    for (name, list_url) in &lists {
        let text = fetcher.get_media(&get(list_url), &stats).await?;
        let Parsed::Media(plan) = hls::parse(&text, list_url, &policy)? else {
            return Err(DownloadError::Unusable(format!(
                "{list_url}: a master playlist where a media playlist should be"
            )));
        };
        let sources = plan
            .inits
            .iter()
            .map(|i| (&i.source.url, &i.key))
            .chain(plan.segments.iter().map(|s| (&s.source.url, &s.key)));
        for (u, key) in sources {
            add(&mut resources, &mut names, u, false)?;
            if let Some(k) = key {
                add(
                    &mut resources,
                    &mut names,
                    key_url.as_ref().unwrap_or(&k.key),
                    true,
                )?;
                if let Some(ku) = &key_url {
                    names.insert(k.key.to_string(), names[ku.as_str()].clone());
                }
            }
        }
        let text = String::from_utf8_lossy(&text);
        playlists.push((
            name.clone(),
            rewrite_media(&text, list_url, &policy, &names)?,
        ));
    }
    let key_headers = headers.merged(&want.source.key_headers);
    for r in &resources {
        let size = if r.key {
            fetch_key(fetcher, &path, &r.url, &r.name, &key_headers).await?
        } else {
            let used: u64 = episode.files.iter().map(|(_, n)| n).sum();
            fetch_file(
                fetcher,
                &path,
                &r.url,
                &r.name,
                headers,
                limits.segment_bytes,
                budget.saturating_sub(used),
            )
            .await?
        };
        episode.files.push((r.name.clone(), size));
    }
    if let Some((text, chosen, audio, subs)) = master {
        let text = String::from_utf8_lossy(&text);
        let local: HashMap<String, String> = lists
            .iter()
            .map(|(n, u)| (u.to_string(), n.clone()))
            .collect();
        let rewritten = rewrite_master(&text, &url, &policy, &chosen, [audio, subs], &local)?;
        playlists.push((ENTRY_PLAYLIST.into(), rewritten));
    }
    for (name, text) in &playlists {
        episode.files.push((name.clone(), text.len() as u64));
    }
    // Written (and synced) off the network runtime's workers.
    tokio::task::spawn_blocking(move || {
        for (name, text) in &playlists {
            crate::store::write_atomic(&path, name, text.as_bytes()).map_err(|source| {
                StoreError::Io {
                    what: "cannot write",
                    path: path.join(name),
                    source,
                }
            })?;
        }
        Ok::<_, StoreError>(())
    })
    .await
    .map_err(|_| DownloadError::Unusable("writing the playlists was cancelled".into()))??;
    episode.entry = ENTRY_PLAYLIST.into();
    Ok(episode)
}

fn make_dir(path: &Path) -> Result<(), StoreError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(StoreError::Io {
            what: "not a directory",
            path: path.to_owned(),
            source: std::io::ErrorKind::AlreadyExists.into(),
        }),
        Err(_) => std::fs::create_dir_all(path).map_err(|source| StoreError::Io {
            what: "cannot create",
            path: path.to_owned(),
            source,
        }),
    }
}

/// The highest variant at most `max` bit/s; the lowest when none is.
fn choose_variant(variants: &[hls::Variant], max: Option<u64>) -> Option<&hls::Variant> {
    let cap = max.unwrap_or(u64::MAX);
    variants
        .iter()
        .filter(|v| v.bandwidth <= cap)
        .max_by_key(|v| v.bandwidth)
        .or_else(|| variants.iter().min_by_key(|v| v.bandwidth))
}

/// The local name of the `n`th resource of an episode: its place (the
/// playlists' order, the same under every grant: docs/unlock.md) and a
/// hash of where it is, its query aside (a signed URL's changes with every
/// grant, and a file half fetched under one grant resumes under the next),
/// with its extension.
fn local_name(n: usize, url: &Url, key: bool) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(url.host_str().unwrap_or("").as_bytes());
    h.update(url.path().as_bytes());
    let hash = hex(&h.finalize()[..4]);
    if key {
        return format!("k{n:04}-{hash}");
    }
    let ext = url
        .path()
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| (1..=5).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric()));
    match ext {
        Some(e) => format!("m{n:04}-{hash}.{e}"),
        None => format!("m{n:04}-{hash}"),
    }
}

fn add(
    resources: &mut Vec<Resource>,
    names: &mut HashMap<String, String>,
    url: &Url,
    key: bool,
) -> Result<(), DownloadError> {
    if names.contains_key(url.as_str()) {
        return Ok(());
    }
    if resources.len() >= MAX_FILES {
        return Err(DownloadError::Unusable(format!(
            "more than {MAX_FILES} files"
        )));
    }
    let name = local_name(resources.len(), url, key);
    names.insert(url.to_string(), name.clone());
    resources.push(Resource {
        url: url.clone(),
        name,
        key,
    });
    Ok(())
}

/// Fetches `url` into `dir/name` unless it is there whole already; its size.
async fn fetch_file(
    fetcher: &Fetcher,
    dir: &Path,
    url: &Url,
    name: &str,
    headers: &RequestHeaders,
    max_bytes: usize,
    budget: u64,
) -> Result<u64, DownloadError> {
    let path = dir.join(name);
    if let Ok(m) = std::fs::symlink_metadata(&path)
        && m.is_file()
    {
        return Ok(m.len());
    }
    let free = super::free_space(dir);
    if free < DISK_RESERVE {
        return Err(DownloadError::DiskFull { free });
    }
    if budget == 0 {
        return Err(DownloadError::Budget { used: 0, budget });
    }
    let part = dir.join(format!("{name}.part"));
    let get = MediaGet {
        what: "stored file",
        url,
        range: None,
        max_bytes: max_bytes.min(budget.min(usize::MAX as u64) as usize),
        cmcd: None,
        headers,
        missing_is_final: false,
    };
    let got = fetcher
        .download_to(&get, &part, &FetchStats::default())
        .await
        .map_err(|e| match e {
            NetError::TooLarge { .. } if (budget as usize) < max_bytes => DownloadError::Budget {
                used: budget,
                budget,
            },
            e => e.into(),
        })?;
    std::fs::rename(&part, &path).map_err(|source| StoreError::Io {
        what: "cannot rename",
        path: part.clone(),
        source,
    })?;
    crate::net::fetch::remove_part(&part);
    Ok(got.size)
}

/// Fetches an AES-128 key into `dir/name` (mode 0600), unless there.
async fn fetch_key(
    fetcher: &Fetcher,
    dir: &Path,
    url: &Url,
    name: &str,
    headers: &RequestHeaders,
) -> Result<u64, DownloadError> {
    let path = dir.join(name);
    if let Ok(m) = std::fs::symlink_metadata(&path)
        && m.is_file()
        && m.len() == 16
    {
        return Ok(16);
    }
    let get = MediaGet {
        what: "key",
        url,
        range: None,
        max_bytes: 16,
        cmcd: None,
        headers,
        missing_is_final: false,
    };
    let key = fetcher.get_media(&get, &FetchStats::default()).await?;
    if key.len() != 16 {
        return Err(DownloadError::Unusable(format!(
            "key {url}: {} bytes, not 16",
            key.len()
        )));
    }
    // write_atomic's temporary file is created 0600, and so stays.
    crate::store::write_atomic(dir, name, &key).map_err(|source| StoreError::Io {
        what: "cannot write",
        path: path.clone(),
        source,
    })?;
    Ok(16)
}

fn check_hash(path: &Path, want: &[u8; 32]) -> Result<(), DownloadError> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let io = |source| StoreError::Io {
        what: "cannot read",
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let got: [u8; 32] = h.finalize().into();
    if &got != want {
        let _ = std::fs::remove_file(path);
        return Err(DownloadError::Hash {
            file: path.display().to_string(),
            got: hex(&got),
            want: hex(want),
        });
    }
    Ok(())
}

/// The value of attribute `name` in a tag's attribute list (quotes off),
/// read as the playlist parser reads attribute lists.
fn attribute(line: &str, name: &str) -> Option<String> {
    let list = line.split_once(':')?.1;
    crate::hls::keys::attributes(list)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// `line` with its `URI="…"` naming `names`' local file for it.
fn with_local_uri(
    line: &str,
    base: &Url,
    policy: &UrlPolicy,
    names: &HashMap<String, String>,
) -> Result<Option<String>, DownloadError> {
    let Some(uri) = attribute(line, "URI") else {
        return Ok(Some(line.to_owned()));
    };
    let url = policy.join(base, &uri).map_err(NetError::from)?;
    Ok(names
        .get(url.as_str())
        .map(|local| line.replacen(&format!("URI=\"{uri}\""), &format!("URI=\"{local}\""), 1)))
}

/// A media playlist naming the local files.
fn rewrite_media(
    text: &str,
    base: &Url,
    policy: &UrlPolicy,
    names: &HashMap<String, String>,
) -> Result<String, DownloadError> {
    let missing = |what: &str| DownloadError::Unusable(format!("{base}: {what} not kept"));
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim();
        let kept = if line.starts_with("#EXT-X-KEY") || line.starts_with("#EXT-X-MAP") {
            with_local_uri(line, base, policy, names)?.ok_or_else(|| missing(line))?
        } else if line.is_empty() || line.starts_with('#') {
            line.to_owned()
        } else {
            let url = policy.join(base, line).map_err(NetError::from)?;
            names
                .get(url.as_str())
                .cloned()
                .ok_or_else(|| missing(line))?
        };
        out.push_str(&kept);
        out.push('\n');
    }
    Ok(out)
}

/// A master playlist with only the `chosen` variant and the renditions of
/// its `[audio, subtitles]` groups, naming the local playlists.
fn rewrite_master(
    text: &str,
    base: &Url,
    policy: &UrlPolicy,
    chosen: &Url,
    groups: [Option<String>; 2],
    local: &HashMap<String, String>,
) -> Result<String, DownloadError> {
    let mut out = String::new();
    let mut inf: Option<&str> = None;
    let mut emitted = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("#EXTM3U")
            || line.starts_with("#EXT-X-VERSION")
            || line.starts_with("#EXT-X-INDEPENDENT-SEGMENTS")
            || line.starts_with("#EXT-X-START")
        {
            out.push_str(line);
            out.push('\n');
        } else if line.starts_with("#EXT-X-MEDIA:") {
            let wanted = match attribute(line, "TYPE").as_deref() {
                Some("AUDIO") => groups[0].as_deref(),
                Some("SUBTITLES") => groups[1].as_deref(),
                _ => None,
            };
            if wanted.is_some()
                && attribute(line, "GROUP-ID").as_deref() == wanted
                && let Some(l) = with_local_uri(line, base, policy, local)?
            {
                out.push_str(&l);
                out.push('\n');
            }
        } else if line.starts_with("#EXT-X-STREAM-INF:") {
            inf = Some(line);
        } else if !line.is_empty() && !line.starts_with('#') {
            let url = policy.join(base, line).map_err(NetError::from)?;
            if let Some(tag) = inf.take()
                && !emitted
                && url == *chosen
            {
                out.push_str(tag);
                out.push('\n');
                out.push_str(&local[chosen.as_str()]);
                out.push('\n');
                emitted = true;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playlists_are_rewritten_to_the_files_kept() {
        let policy = UrlPolicy::default();
        let base = Url::parse("https://cdn.example/ep/v1/index.m3u8?sig=1").unwrap();
        let media = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/k1\",IV=0x01\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2.0,\nseg0.m4s?sig=1\n#EXTINF:2.0,\nseg1.m4s?sig=1\n#EXT-X-ENDLIST\n";
        let mut names = HashMap::new();
        let mut res = Vec::new();
        for u in ["init.mp4", "seg0.m4s?sig=1", "seg1.m4s?sig=1"] {
            add(&mut res, &mut names, &base.join(u).unwrap(), false).unwrap();
        }
        add(
            &mut res,
            &mut names,
            &Url::parse("https://keys.example/k1").unwrap(),
            true,
        )
        .unwrap();
        let out = rewrite_media(media, &base, &policy, &names).unwrap();
        assert!(!out.contains("https://"), "{out}");
        assert!(
            out.contains(&format!("URI=\"{}\",IV=0x01", res[3].name)),
            "{out}"
        );
        assert!(out.contains(&format!("\n{}\n", res[1].name)), "{out}");
        assert!(res[1].name.ends_with(".m4s") && res[3].name.starts_with('k'));
        // A file not kept is an error, not a remote URL left in place.
        names.remove(base.join("seg1.m4s?sig=1").unwrap().as_str());
        assert!(rewrite_media(media, &base, &policy, &names).is_err());

        let master = "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"a/en.m3u8\"\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"b\",NAME=\"es\",URI=\"b/es.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=500000,AUDIO=\"a\"\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=900000,AUDIO=\"a\"\nhigh.m3u8\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"if.m3u8\"\n";
        let chosen = base.join("high.m3u8").unwrap();
        let local: HashMap<String, String> = [
            (chosen.to_string(), "v.m3u8".to_owned()),
            (
                base.join("a/en.m3u8").unwrap().to_string(),
                "a0.m3u8".to_owned(),
            ),
        ]
        .into();
        let out = rewrite_master(
            master,
            &base,
            &policy,
            &chosen,
            [Some("a".into()), None],
            &local,
        )
        .unwrap();
        assert_eq!(
            out,
            "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"a0.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=900000,AUDIO=\"a\"\nv.m3u8\n"
        );
    }

    #[test]
    fn names_follow_the_place_and_the_path_not_the_signature() {
        let url = |t: &str| Url::parse(t).unwrap();
        let a = url("https://cdn.example/ep/seg.ts?n=1");
        // Files told apart by their query only are two files...
        assert_ne!(
            local_name(0, &a, false),
            local_name(1, &url("https://cdn.example/ep/seg.ts?n=2"), false)
        );
        // ...a new grant's signature is the same file...
        assert_eq!(
            local_name(0, &a, false),
            local_name(0, &url("https://cdn.example/ep/seg.ts?sig=new"), false)
        );
        // ...and a file moved elsewhere is not.
        assert_ne!(
            local_name(0, &a, false),
            local_name(0, &url("https://cdn.example/ep2/seg.ts?n=1"), false)
        );
        assert!(crate::net::stored::valid_name(&local_name(3999, &a, true)));
    }

    #[test]
    fn the_kept_variant_is_the_highest_the_data_setting_allows() {
        let v = |b| hls::Variant {
            url: Url::parse(&format!("https://x.example/{b}.m3u8")).unwrap(),
            bandwidth: b,
            resolution: None,
            codecs: None,
            audio_group: None,
            subtitle_group: None,
        };
        let all = [v(500), v(1500), v(3000)];
        assert_eq!(choose_variant(&all, None).unwrap().bandwidth, 3000);
        assert_eq!(choose_variant(&all, Some(2000)).unwrap().bandwidth, 1500);
        assert_eq!(choose_variant(&all, Some(1)).unwrap().bandwidth, 500);
    }

    #[test]
    fn attributes_are_read_with_quotes_and_commas() {
        let l = "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a,b\",NAME=\"x\",URI=\"u.m3u8\"";
        assert_eq!(attribute(l, "GROUP-ID").as_deref(), Some("a,b"));
        assert_eq!(attribute(l, "URI").as_deref(), Some("u.m3u8"));
        assert_eq!(attribute(l, "TYPE").as_deref(), Some("AUDIO"));
        assert_eq!(attribute(l, "NONE"), None);
        assert_eq!(attribute("#EXT-X-MEDIA:URI=\"unterminated", "URI"), None);
    }
}
