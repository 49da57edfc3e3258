//! Which media file of a linear ad the box plays: one the player can play
//! (H.264/AAC in MP4, or HLS), within the bitrate it plays, vertical first
//! (pillarboxed like the episodes around it), then the one nearest the
//! screen's height without going over, then the lightest.

use super::vast::{Delivery, MediaFile};

/// What the box can play.
#[derive(Debug, Clone, Copy)]
pub struct MediaCaps {
    /// The highest bitrate the box plays, kbit/s (HLS is chosen by its
    /// own variants, so this bounds progressive files only).
    pub max_kbps: u32,
    /// The screen's height in pixels: a taller picture buys nothing.
    pub screen_height: u32,
}

/// Why no media file was chosen: each file and what was wrong with it,
/// for the log (the ad reports error 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no media file this box plays: {}", refused.join("; "))]
pub struct NoMedia {
    pub refused: Vec<String>,
}

/// The kind of stream a chosen file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Mp4,
    Hls,
}

/// The file to play, by index into the list given.
pub fn choose(files: &[MediaFile], caps: MediaCaps) -> Result<(usize, Container), NoMedia> {
    let mut refused = Vec::new();
    let mut best: Option<(usize, Container, (bool, u32, u32))> = None;
    for (i, f) in files.iter().enumerate() {
        let container = match playable(f, caps) {
            Ok(c) => c,
            Err(why) => {
                refused.push(format!("{} ({}): {why}", i + 1, f.mime));
                continue;
            }
        };
        let vertical = f.height > f.width;
        // Nearest the screen without going over; an unknown size ranks last.
        let fit = if f.height == 0 || f.height > caps.screen_height {
            0
        } else {
            f.height
        };
        // Bigger is better for each part of the key: vertical, fit, then
        // the lighter file (bitrate inverted).
        let key = (vertical, fit, u32::MAX - f.bitrate.unwrap_or(u32::MAX - 1));
        if best.as_ref().is_none_or(|(_, _, k)| key > *k) {
            best = Some((i, container, key));
        }
    }
    best.map(|(i, c, _)| (i, c)).ok_or(NoMedia { refused })
}

fn playable(f: &MediaFile, caps: MediaCaps) -> Result<Container, String> {
    // Ad servers write all sorts here ("VAST", "OMID"); what needs
    // running code of the ad's own is VPAID.
    if let Some(api) = f
        .api_framework
        .as_ref()
        .filter(|a| a.to_ascii_lowercase().contains("vpaid"))
    {
        return Err(format!("it needs {api}, which a box does not run"));
    }
    let container = match f.mime.as_str() {
        "video/mp4" => Container::Mp4,
        "application/x-mpegurl" | "application/vnd.apple.mpegurl" | "audio/mpegurl" => {
            Container::Hls
        }
        "application/javascript" | "text/javascript" | "application/x-shockwave-flash" => {
            return Err("interactive creatives (VPAID) are not played".into());
        }
        other => return Err(format!("type {other:?} is not played (MP4 and HLS are)")),
    };
    if container == Container::Mp4 && f.delivery == Delivery::Streaming {
        return Err("streamed MP4 is not played (progressive MP4 and HLS are)".into());
    }
    // `codec` is free text in practice ("avc1.64001f", "H.264", "0"):
    // only a video codec known not to be H.264 is refused.
    if let Some(codec) = &f.codec {
        let other = codec.split(',').map(str::trim).find(|c| {
            let c = c.to_ascii_lowercase().replace(['.', '-', ' '], "");
            [
                "hvc1", "hev1", "hevc", "h265", "vp8", "vp9", "vp09", "av01", "av1", "theora",
            ]
            .iter()
            .any(|v| c.starts_with(v))
        });
        if let Some(other) = other {
            return Err(format!("codec {other:?} is not H.264"));
        }
    }
    if container == Container::Mp4 && f.bitrate.is_some_and(|b| b > caps.max_kbps) {
        return Err(format!(
            "{} kbit/s is over the {} the box plays",
            f.bitrate.unwrap_or(0),
            caps.max_kbps
        ));
    }
    Ok(container)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(mime: &str, w: u32, h: u32, kbps: Option<u32>) -> MediaFile {
        MediaFile {
            url: format!("https://cdn.example/{w}x{h}"),
            delivery: Delivery::Progressive,
            mime: mime.into(),
            width: w,
            height: h,
            bitrate: kbps,
            codec: None,
            api_framework: None,
        }
    }

    const CAPS: MediaCaps = MediaCaps {
        max_kbps: 4000,
        screen_height: 1080,
    };

    #[test]
    fn vertical_first_then_fit_then_lighter() {
        let files = [
            file("video/mp4", 1920, 1080, Some(3000)),
            file("video/mp4", 720, 1280, Some(2500)),
            file("video/mp4", 540, 960, Some(1500)),
            file("video/mp4", 540, 960, Some(900)),
        ];
        assert_eq!(choose(&files, CAPS).unwrap(), (3, Container::Mp4));
        // Without vertical files, the landscape one that fits.
        assert_eq!(choose(&files[..1], CAPS).unwrap(), (0, Container::Mp4));
    }

    #[test]
    fn refuses_what_a_box_does_not_play_and_says_why() {
        let mut vpaid = file("application/javascript", 1080, 1920, None);
        vpaid.api_framework = Some("VPAID".into());
        let mut hevc = file("video/mp4", 1080, 1920, Some(1000));
        hevc.codec = Some("hvc1.1.6.L93.B0".into());
        let mut streamed = file("video/mp4", 1080, 1920, Some(1000));
        streamed.delivery = Delivery::Streaming;
        let files = [
            vpaid,
            file("video/webm", 1080, 1920, Some(1000)),
            hevc,
            file("video/mp4", 1080, 1920, Some(9000)),
            streamed,
        ];
        let e = choose(&files, CAPS).unwrap_err();
        assert_eq!(e.refused.len(), 5, "{e}");
        assert!(
            e.to_string().contains("VPAID") && e.to_string().contains("9000"),
            "{e}"
        );
        // HLS is bounded by its own variants, not the MediaFile's bitrate.
        let hls = file("application/x-mpegurl", 1080, 1920, Some(9000));
        assert_eq!(choose(&[hls], CAPS).unwrap(), (0, Container::Hls));
    }
}
