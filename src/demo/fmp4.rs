//! Splits a fragmented MP4 (mp4mux fragment-duration=...) into an init
//! segment and media segments, each starting at a video fragment, and
//! writes an HLS playlist for them (EXT-X-MAP + EXTINF).

use std::path::Path;

use super::error::MediaError;

#[derive(Clone, Copy)]
struct Mp4Box {
    kind: [u8; 4],
    start: usize,
    /// Where the content starts (after size/type/largesize).
    body: usize,
    end: usize,
}

/// A box that does not fit the file.
#[derive(Debug, thiserror::Error)]
enum BoxError {
    #[error("truncated largesize at {0}")]
    Truncated(usize),
    #[error("box {kind} at {pos} has size {size} past the end {end}")]
    PastEnd {
        kind: String,
        pos: usize,
        size: usize,
        end: usize,
    },
}

fn boxes(data: &[u8], mut pos: usize, end: usize) -> Result<Vec<Mp4Box>, BoxError> {
    let mut out = Vec::new();
    while pos + 8 <= end {
        let size32 = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap_or_default()) as usize;
        let kind: [u8; 4] = data[pos + 4..pos + 8].try_into().unwrap_or_default();
        let (size, header) = match size32 {
            0 => (end - pos, 8),
            1 => {
                let large = data
                    .get(pos + 8..pos + 16)
                    .ok_or(BoxError::Truncated(pos))?;
                (
                    u64::from_be_bytes(large.try_into().unwrap_or_default()) as usize,
                    16,
                )
            }
            n => (n, 8),
        };
        if size < header || pos + size > end {
            return Err(BoxError::PastEnd {
                kind: String::from_utf8_lossy(&kind).into_owned(),
                pos,
                size,
                end,
            });
        }
        out.push(Mp4Box {
            kind,
            start: pos,
            body: pos + header,
            end: pos + size,
        });
        pos += size;
    }
    Ok(out)
}

fn child(data: &[u8], parent: &Mp4Box, kind: &[u8; 4]) -> Option<Mp4Box> {
    boxes(data, parent.body, parent.end)
        .ok()?
        .into_iter()
        .find(|b| &b.kind == kind)
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn be64(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

/// (track id, timescale) of the video track in `moov`.
fn video_track(data: &[u8], moov: &Mp4Box) -> Option<(u32, u32)> {
    for trak in boxes(data, moov.body, moov.end)
        .ok()?
        .iter()
        .filter(|b| &b.kind == b"trak")
    {
        let tkhd = child(data, trak, b"tkhd")?;
        let version = *data.get(tkhd.body)?;
        let track_id = be32(data, tkhd.body + if version == 1 { 20 } else { 12 })?;
        let mdia = child(data, trak, b"mdia")?;
        let hdlr = child(data, &mdia, b"hdlr")?;
        if data.get(hdlr.body + 8..hdlr.body + 12)? != b"vide" {
            continue;
        }
        let mdhd = child(data, &mdia, b"mdhd")?;
        let version = *data.get(mdhd.body)?;
        let timescale = be32(data, mdhd.body + if version == 1 { 20 } else { 12 })?;
        return Some((track_id, timescale));
    }
    None
}

/// (track id, base media decode time) of a moof's first traf.
fn fragment_time(data: &[u8], moof: &Mp4Box) -> Option<(u32, u64)> {
    let traf = child(data, moof, b"traf")?;
    let tfhd = child(data, &traf, b"tfhd")?;
    let track_id = be32(data, tfhd.body + 4)?;
    let tfdt = child(data, &traf, b"tfdt")?;
    let time = if *data.get(tfdt.body)? == 1 {
        be64(data, tfdt.body + 4)?
    } else {
        be32(data, tfdt.body + 4)? as u64
    };
    Some((track_id, time))
}

/// Writes `init.mp4`, `seg00000.m4s`... and `index.m3u8` into `dir`.
pub fn split_for_hls(source: &Path, dir: &Path, segment_seconds: f64) -> Result<(), MediaError> {
    let err = |reason: String| MediaError::Fmp4 {
        path: source.to_owned(),
        reason,
    };
    let data = std::fs::read(source).map_err(|e| MediaError::Io {
        path: source.to_owned(),
        source: e,
    })?;
    let top = boxes(&data, 0, data.len()).map_err(|e| err(e.to_string()))?;
    let first_moof = top
        .iter()
        .position(|b| &b.kind == b"moof")
        .ok_or_else(|| err("no moof: not a fragmented MP4".into()))?;
    let moov = top[..first_moof]
        .iter()
        .find(|b| &b.kind == b"moov")
        .ok_or_else(|| err("no moov before the first moof".into()))?;
    let (video_id, timescale) =
        video_track(&data, moov).ok_or_else(|| err("no video track in moov".into()))?;
    let init_end = top[first_moof].start;

    // Fragments: a moof with everything up to the next moof, except mfra.
    let mut segments: Vec<(f64, usize, usize)> = Vec::new(); // (start time, from, to)
    let mut seg_start_time = 0.0;
    for (i, b) in top.iter().enumerate().skip(first_moof) {
        if &b.kind != b"moof" {
            continue;
        }
        let end = top[i + 1..]
            .iter()
            .find(|n| &n.kind == b"moof" || &n.kind == b"mfra")
            .map(|n| n.start)
            .unwrap_or(data.len());
        let (track, time) = fragment_time(&data, b)
            .ok_or_else(|| err(format!("moof at {} lacks tfhd/tfdt", b.start)))?;
        let t = time as f64 / timescale as f64;
        let starts_segment = track == video_id
            && (segments.is_empty() || t >= seg_start_time + segment_seconds - 0.001);
        match segments.last_mut() {
            Some(last) if !starts_segment => last.2 = end,
            _ => {
                if track == video_id {
                    seg_start_time = t;
                }
                segments.push((
                    if track == video_id { t } else { seg_start_time },
                    b.start,
                    end,
                ));
            }
        }
    }
    let total = {
        // The last video fragment's end is unknown without trun parsing: take
        // the duration from mvhd (movie timescale).
        let mvhd = child(&data, moov, b"mvhd").ok_or_else(|| err("no mvhd".into()))?;
        let v = *data
            .get(mvhd.body)
            .ok_or_else(|| err("short mvhd".into()))?;
        let (ts, dur) = if v == 1 {
            (be32(&data, mvhd.body + 20), be64(&data, mvhd.body + 24))
        } else {
            (
                be32(&data, mvhd.body + 12),
                be32(&data, mvhd.body + 16).map(u64::from),
            )
        };
        match (ts, dur) {
            (Some(ts), Some(d)) if ts > 0 && d > 0 && d != u32::MAX as u64 => d as f64 / ts as f64,
            _ => segments
                .last()
                .map(|s| s.0 + segment_seconds)
                .unwrap_or(0.0),
        }
    };
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| MediaError::Io { path: p, source: e })
    };
    write("init.mp4", &data[..init_end])?;
    let mut playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{}\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n",
        segment_seconds.ceil() as u64
    );
    for (i, (start, from, to)) in segments.iter().enumerate() {
        let next = segments
            .get(i + 1)
            .map(|s| s.0)
            .unwrap_or(total.max(*start));
        let name = format!("seg{i:05}.m4s");
        write(&name, &data[*from..*to])?;
        playlist.push_str(&format!(
            "#EXTINF:{:.3},\n{name}\n",
            (next - start).max(0.0)
        ));
    }
    playlist.push_str("#EXT-X-ENDLIST\n");
    write("index.m3u8", playlist.as_bytes())
}
