//! VAST documents (IAB VAST 4.x, and the 2.0 and 3.0 documents ad servers
//! still send): what a box plays of them, read from the bounded element
//! tree of [`super::xml`]. Linear video ads only: non-linear and companion
//! creatives are not read, ad verification (OMID) and SIMID are not run.
//!
//! Every count, length and time read is bounded; a document outside the
//! bounds is refused with the IAB error code a player reports for it and
//! the place in the document that was wrong.

use std::time::Duration;

pub use super::model::{
    Ad, AdBody, Creative, Delivery, ErrorCode, Event, InLine, Linear, MediaFile, Offset, Reporting,
    Tracking, Vast, VastError, Wrapper,
};
use super::xml::{self, Element};

/// Ads in one document (a pod of five is a long break).
pub const MAX_ADS: usize = 16;
/// Creatives in one ad.
pub const MAX_CREATIVES: usize = 8;
/// Media files in one linear creative (real ones list 3 to 15 renditions).
pub const MAX_MEDIA_FILES: usize = 32;
/// Tracking URLs of one linear creative, all events together.
pub const MAX_TRACKING: usize = 64;
/// Impression, error or click-tracking URLs of one ad or creative.
pub const MAX_URLS: usize = 16;
/// The longest URL kept.
pub const MAX_URL: usize = 4096;
/// The longest ad: anything longer is not an ad a box plays.
pub const MAX_AD_DURATION: Duration = Duration::from_secs(600);
/// The largest picture size and bitrate believed (pixels, kbit/s).
pub const MAX_SIDE: u32 = 8192;
pub const MAX_KBPS: u32 = 200_000;

fn schema(at: &str, problem: impl Into<String>) -> VastError {
    VastError {
        code: ErrorCode::Schema,
        at: at.to_owned(),
        problem: problem.into(),
    }
}

/// Reads a VAST document.
pub fn parse(text: &str) -> Result<Vast, VastError> {
    let root = xml::parse(text).map_err(|e| VastError {
        code: ErrorCode::Xml,
        at: "document".into(),
        problem: e.to_string(),
    })?;
    if root.name == "VideoAdServingTemplate" {
        return Err(VastError {
            code: ErrorCode::Version,
            at: "document".into(),
            problem: "VAST 1 (<VideoAdServingTemplate>) is not supported (2.0 to 4.x are)".into(),
        });
    }
    if root.name != "VAST" {
        return Err(schema(
            "document",
            format!("the root element is <{}>, not <VAST>", root.name),
        ));
    }
    let version = root.attribute("version").unwrap_or("").trim().to_owned();
    let major = version.split('.').next().unwrap_or("");
    if !matches!(major, "2" | "3" | "4") {
        return Err(VastError {
            code: ErrorCode::Version,
            at: "VAST".into(),
            problem: format!("version {version:?} is not supported (2.0 to 4.x are)"),
        });
    }
    let mut ads = Vec::new();
    for (i, ad) in children(&root, "Ad", MAX_ADS, "ads", "VAST")?.enumerate() {
        ads.push(read_ad(ad, &format!("VAST/Ad[{}]", i + 1))?);
    }
    Ok(Vast {
        version,
        ads,
        errors: urls(&root, "Error", "VAST")?,
    })
}

fn read_ad(ad: &Element, at: &str) -> Result<Ad, VastError> {
    let sequence = match ad.attribute("sequence") {
        Some(s) => Some(number(s, &format!("{at} sequence"), 1, 1000)?),
        None => None,
    };
    let body = match (ad.first("InLine"), ad.first("Wrapper")) {
        (Some(inline), None) => AdBody::InLine(read_inline(inline, &format!("{at}/InLine"))?),
        (None, Some(wrapper)) => AdBody::Wrapper(read_wrapper(wrapper, &format!("{at}/Wrapper"))?),
        _ => return Err(schema(at, "an ad has exactly one <InLine> or <Wrapper>")),
    };
    Ok(Ad {
        id: ad.attribute("id").map(str::to_owned),
        sequence,
        body,
    })
}

fn reporting(e: &Element, at: &str) -> Result<Reporting, VastError> {
    Ok(Reporting {
        impressions: urls(e, "Impression", at)?,
        errors: urls(e, "Error", at)?,
    })
}

fn read_inline(e: &Element, at: &str) -> Result<InLine, VastError> {
    let creatives = match e.first("Creatives") {
        Some(c) => read_creatives(c, &format!("{at}/Creatives"), true)?,
        None => Vec::new(),
    };
    Ok(InLine {
        ad_system: e
            .first("AdSystem")
            .map(|s| s.text.clone())
            .unwrap_or_default(),
        title: e
            .first("AdTitle")
            .map(|s| s.text.clone())
            .unwrap_or_default(),
        reporting: reporting(e, at)?,
        creatives,
    })
}

fn read_wrapper(e: &Element, at: &str) -> Result<Wrapper, VastError> {
    let tag = e
        .first("VASTAdTagURI")
        .ok_or_else(|| schema(at, "a wrapper has no <VASTAdTagURI>"))?;
    let tag_uri = url(&tag.text, &format!("{at}/VASTAdTagURI"))?;
    let mut tracking = Vec::new();
    let mut click_tracking = Vec::new();
    if let Some(creatives) = e.first("Creatives") {
        for creative in read_creatives(creatives, &format!("{at}/Creatives"), false)? {
            if let Some(linear) = creative.linear {
                tracking.extend(linear.tracking);
                click_tracking.extend(linear.click_tracking);
            }
        }
    }
    if tracking.len() > MAX_TRACKING {
        return Err(schema(at, format!("over {MAX_TRACKING} tracking URLs")));
    }
    click_tracking.truncate(MAX_URLS);
    Ok(Wrapper {
        tag_uri,
        reporting: reporting(e, at)?,
        tracking,
        click_tracking,
        follow_additional_wrappers: e.attribute("followAdditionalWrappers") != Some("false"),
    })
}

fn read_creatives(e: &Element, at: &str, inline: bool) -> Result<Vec<Creative>, VastError> {
    let mut creatives = Vec::new();
    for (i, c) in children(e, "Creative", MAX_CREATIVES, "creatives", at)?.enumerate() {
        let here = format!("{at}/Creative[{}]", i + 1);
        let linear = match c.first("Linear") {
            Some(l) => Some(read_linear(l, &format!("{here}/Linear"), inline)?),
            None => None,
        };
        let sequence = match c.attribute("sequence") {
            Some(s) => Some(number(s, &format!("{here} sequence"), 1, 1000)?),
            None => None,
        };
        let universal_ad_id = c.first("UniversalAdId").map(|u| {
            (
                u.attribute("idRegistry").unwrap_or("unknown").to_owned(),
                u.text.clone(),
            )
        });
        creatives.push(Creative {
            id: c.attribute("id").map(str::to_owned),
            ad_id: c
                .attribute("adId")
                .or_else(|| c.attribute("AdID"))
                .map(str::to_owned),
            universal_ad_id,
            sequence,
            linear,
        });
    }
    Ok(creatives)
}

fn read_linear(e: &Element, at: &str, inline: bool) -> Result<Linear, VastError> {
    let duration = match e.first("Duration") {
        Some(d) => {
            let here = format!("{at}/Duration");
            let t = time(&d.text, &here)?;
            if t.is_zero() || t > MAX_AD_DURATION {
                return Err(schema(
                    &here,
                    format!(
                        "{:?} is not an ad's length (over 0, at most {MAX_AD_DURATION:?})",
                        d.text
                    ),
                ));
            }
            t
        }
        // A wrapper's linear carries trackers only.
        None if !inline => Duration::ZERO,
        None => return Err(schema(at, "a linear creative has no <Duration>")),
    };
    let skip_offset = match e.attribute("skipoffset") {
        Some(s) => Some(offset(s, &format!("{at} skipoffset"))?),
        None => None,
    };
    let mut media_files = Vec::new();
    let mut interactive = false;
    if let Some(files) = e.first("MediaFiles") {
        let found = children(files, "MediaFile", MAX_MEDIA_FILES, "media files", at)?;
        for (i, f) in found.enumerate() {
            media_files.push(media_file(
                f,
                &format!("{at}/MediaFiles/MediaFile[{}]", i + 1),
            )?);
        }
        interactive = files.first("InteractiveCreativeFile").is_some();
    }
    let mut tracking = Vec::new();
    if let Some(events) = e.first("TrackingEvents") {
        let found = children(events, "Tracking", MAX_TRACKING, "tracking URLs", at)?;
        for (i, t) in found.enumerate() {
            let here = format!("{at}/TrackingEvents/Tracking[{}]", i + 1);
            let name = t.attribute("event").unwrap_or("");
            // Events a box never has (fullscreen, acceptInvitation, ...).
            let Some(event) = Event::named(name) else {
                continue;
            };
            let offset = match (event, t.attribute("offset")) {
                (Event::Progress, Some(o)) => Some(offset(o, &format!("{here} offset"))?),
                (Event::Progress, None) => {
                    return Err(schema(&here, "a progress event has no offset"));
                }
                _ => None,
            };
            tracking.push(Tracking {
                event,
                offset,
                url: url(&t.text, &here)?,
            });
        }
    }
    let click_tracking = match e.first("VideoClicks") {
        Some(v) => urls(v, "ClickTracking", &format!("{at}/VideoClicks"))?,
        None => Vec::new(),
    };
    Ok(Linear {
        duration,
        skip_offset,
        media_files,
        tracking,
        click_tracking,
        interactive,
    })
}

fn media_file(f: &Element, at: &str) -> Result<MediaFile, VastError> {
    let delivery = match f.attribute("delivery").map(str::trim) {
        Some("progressive") | None => Delivery::Progressive,
        Some("streaming") => Delivery::Streaming,
        Some(other) => {
            return Err(schema(
                at,
                format!("delivery {other:?} is neither progressive nor streaming"),
            ));
        }
    };
    let side = |name: &str| -> Result<u32, VastError> {
        match f.attribute(name) {
            Some(v) => number(v, &format!("{at} {name}"), 0, MAX_SIDE),
            None => Ok(0),
        }
    };
    let kbps = |name: &str| -> Result<Option<u32>, VastError> {
        match f.attribute(name) {
            Some(v) if !v.trim().is_empty() => {
                Ok(Some(number(v, &format!("{at} {name}"), 0, MAX_KBPS)?))
            }
            _ => Ok(None),
        }
    };
    let bitrate = match kbps("bitrate")? {
        Some(b) => Some(b),
        None => kbps("maxBitrate")?,
    };
    Ok(MediaFile {
        url: url(&f.text, at)?,
        delivery,
        mime: f
            .attribute("type")
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
        width: side("width")?,
        height: side("height")?,
        bitrate,
        codec: f.attribute("codec").map(|c| c.trim().to_owned()),
        api_framework: f
            .attribute("apiFramework")
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
    })
}

/// The children named `name`, refused when there are more than `max`
/// (`what` names them in the message).
fn children<'a>(
    e: &'a Element,
    name: &'a str,
    max: usize,
    what: &str,
    at: &str,
) -> Result<impl Iterator<Item = &'a Element> + 'a, VastError> {
    let count = e.all(name).count();
    if count > max {
        return Err(schema(
            at,
            format!("{count} {what}, over the limit of {max}"),
        ));
    }
    Ok(e.all(name))
}

/// Every child `name`'s text as a URL; empty ones (VAST 2 wrote
/// `<Impression/>` for none) are left out.
fn urls(e: &Element, name: &str, at: &str) -> Result<Vec<String>, VastError> {
    let mut found = Vec::new();
    for (i, u) in e.all(name).enumerate() {
        if u.text.is_empty() {
            continue;
        }
        if found.len() == MAX_URLS {
            return Err(schema(at, format!("over {MAX_URLS} <{name}> URLs")));
        }
        found.push(url(&u.text, &format!("{at}/{name}[{}]", i + 1))?);
    }
    Ok(found)
}

/// A URL's text: length-bounded here; scheme and host are the URL
/// policy's to judge, where it is fetched.
fn url(text: &str, at: &str) -> Result<String, VastError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(schema(at, "the URL is empty"));
    }
    if text.len() > MAX_URL {
        return Err(schema(
            at,
            format!(
                "the URL is {} characters, over the limit of {MAX_URL}",
                text.len()
            ),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(schema(at, "the URL has control characters in it"));
    }
    Ok(text.to_owned())
}

fn number(text: &str, at: &str, min: u32, max: u32) -> Result<u32, VastError> {
    match text.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(schema(
            at,
            format!("{text:?} is not a whole number from {min} to {max}"),
        )),
    }
}

/// `HH:MM:SS` or `HH:MM:SS.mmm`, at most 99 hours (bounded before use).
pub fn time(text: &str, at: &str) -> Result<Duration, VastError> {
    let bad = || {
        schema(
            at,
            format!("{text:?} is not a time (HH:MM:SS or HH:MM:SS.mmm)"),
        )
    };
    let text = text.trim();
    let (hms, millis) = match text.split_once('.') {
        Some((hms, frac)) => {
            if frac.is_empty() || frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let scale = [100, 10, 1][frac.len() - 1];
            (hms, frac.parse::<u64>().map_err(|_| bad())? * scale)
        }
        None => (text, 0),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let field = |i: usize| parts[i].parse::<u64>().map_err(|_| bad());
    let (h, m, s) = (field(0)?, field(1)?, field(2)?);
    if m > 59 || s > 59 {
        return Err(bad());
    }
    Ok(Duration::from_millis(
        ((h * 60 + m) * 60 + s) * 1000 + millis,
    ))
}

/// A time or `n%` (0 to 100).
fn offset(text: &str, at: &str) -> Result<Offset, VastError> {
    let text = text.trim();
    match text.strip_suffix('%') {
        Some(p) => Ok(Offset::Percent(number(p, at, 0, 100)? as u8)),
        None => {
            let t = time(text, at)?;
            if t > MAX_AD_DURATION {
                return Err(schema(at, format!("{text:?} is beyond any ad's end")));
            }
            Ok(Offset::Time(t))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const INLINE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<VAST version="4.1">
  <Ad id="ad-1">
    <InLine>
      <AdSystem version="1">demo</AdSystem>
      <AdTitle>Tea</AdTitle>
      <Impression id="i"><![CDATA[https://t.example/imp?c=[CACHEBUSTING]]]></Impression>
      <Error><![CDATA[https://t.example/err?code=[ERRORCODE]]]></Error>
      <Creatives>
        <Creative id="cr-1" adId="a-1">
          <UniversalAdId idRegistry="ad-id.org">UAI-1</UniversalAdId>
          <Linear skipoffset="00:00:05">
            <Duration>00:00:15.500</Duration>
            <TrackingEvents>
              <Tracking event="start">https://t.example/start</Tracking>
              <Tracking event="progress" offset="10%">https://t.example/p10</Tracking>
              <Tracking event="fullscreen">https://t.example/fs</Tracking>
              <Tracking event="closeLinear">https://t.example/close</Tracking>
            </TrackingEvents>
            <VideoClicks><ClickTracking>https://t.example/click</ClickTracking></VideoClicks>
            <MediaFiles>
              <MediaFile delivery="progressive" type="video/mp4" width="1080" height="1920" bitrate="1800" codec="avc1.64001f">
                https://cdn.example/ad-v.mp4
              </MediaFile>
              <MediaFile delivery="streaming" type="application/x-mpegURL" width="1920" height="1080" maxBitrate="4000">https://cdn.example/ad.m3u8</MediaFile>
            </MediaFiles>
          </Linear>
        </Creative>
        <Creative><CompanionAds/></Creative>
      </Creatives>
    </InLine>
  </Ad>
</VAST>"#;

    #[test]
    fn reads_an_inline_ad() {
        let vast = parse(INLINE).unwrap();
        assert_eq!(vast.version, "4.1");
        let ad = &vast.ads[0];
        assert_eq!(ad.id.as_deref(), Some("ad-1"));
        let AdBody::InLine(inline) = &ad.body else {
            panic!()
        };
        assert_eq!(inline.title, "Tea");
        assert_eq!(
            inline.reporting.impressions,
            ["https://t.example/imp?c=[CACHEBUSTING]"]
        );
        assert_eq!(inline.creatives.len(), 2);
        assert!(inline.creatives[1].linear.is_none());
        let c = &inline.creatives[0];
        assert_eq!(c.id.as_deref(), Some("cr-1"));
        assert_eq!(
            c.universal_ad_id,
            Some(("ad-id.org".into(), "UAI-1".into()))
        );
        let l = c.linear.as_ref().unwrap();
        assert_eq!(l.duration, Duration::from_millis(15_500));
        assert_eq!(l.skip_offset, Some(Offset::Time(Duration::from_secs(5))));
        let events: Vec<_> = l.tracking.iter().map(|t| t.event).collect();
        assert_eq!(events, [Event::Start, Event::Progress, Event::Close]);
        assert_eq!(l.tracking[1].offset, Some(Offset::Percent(10)));
        assert_eq!(l.media_files[0].url, "https://cdn.example/ad-v.mp4");
        assert_eq!(
            (l.media_files[0].width, l.media_files[0].height),
            (1080, 1920)
        );
        assert_eq!(l.media_files[1].delivery, Delivery::Streaming);
        assert_eq!(l.media_files[1].mime, "application/x-mpegurl");
        assert_eq!(l.media_files[1].bitrate, Some(4000));
        assert_eq!(l.click_tracking, ["https://t.example/click"]);
    }

    #[test]
    fn reads_a_wrapper_and_no_fill() {
        let vast = parse(
            r#"<VAST version="4.0"><Ad id="w"><Wrapper followAdditionalWrappers="false">
            <AdSystem>x</AdSystem><VASTAdTagURI><![CDATA[ https://ads.example/next ]]></VASTAdTagURI>
            <Impression>https://w.example/imp</Impression><Impression/>
            <Creatives><Creative><Linear><TrackingEvents>
              <Tracking event="complete">https://w.example/done</Tracking>
            </TrackingEvents></Linear></Creative></Creatives>
            </Wrapper></Ad></VAST>"#,
        )
        .unwrap();
        let AdBody::Wrapper(w) = &vast.ads[0].body else {
            panic!()
        };
        assert_eq!(w.tag_uri, "https://ads.example/next");
        assert!(!w.follow_additional_wrappers);
        assert_eq!(w.reporting.impressions, ["https://w.example/imp"]);
        assert_eq!(w.tracking[0].event, Event::Complete);

        let empty =
            parse(r#"<VAST version="3.0"><Error>https://e.example/?c=[ERRORCODE]</Error></VAST>"#)
                .unwrap();
        assert!(empty.ads.is_empty());
        assert_eq!(empty.errors.len(), 1);
    }

    #[test]
    fn refuses_with_the_code_and_the_place() {
        let cases: &[(&str, u16, &str)] = &[
            ("<VAST version=\"4.1\"><Ad>", 100, "document"),
            ("<Vast version=\"4.1\"/>", 101, "document"),
            ("<VAST version=\"1.0\"/>", 102, "VAST"),
            ("<VideoAdServingTemplate/>", 102, "document"),
            ("<VAST version=\"4.1\"><Ad/></VAST>", 101, "VAST/Ad[1]"),
            (
                "<VAST version=\"4.1\"><Ad><InLine><Creatives><Creative><Linear><Duration>99:00:00</Duration></Linear></Creative></Creatives></InLine></Ad></VAST>",
                101,
                "VAST/Ad[1]/InLine/Creatives/Creative[1]/Linear/Duration",
            ),
            (
                "<VAST version=\"4.1\"><Ad><InLine><Creatives><Creative><Linear/></Creative></Creatives></InLine></Ad></VAST>",
                101,
                "VAST/Ad[1]/InLine/Creatives/Creative[1]/Linear",
            ),
            (
                "<VAST version=\"4.1\"><Ad><Wrapper><VASTAdTagURI> </VASTAdTagURI></Wrapper></Ad></VAST>",
                101,
                "VAST/Ad[1]/Wrapper/VASTAdTagURI",
            ),
        ];
        for (doc, code, at) in cases {
            let e = parse(doc).unwrap_err();
            assert_eq!((e.code.code(), e.at.as_str()), (*code, *at), "{doc}: {e}");
        }
        let many = format!(
            "<VAST version=\"4.0\">{}</VAST>",
            "<Ad><Wrapper><VASTAdTagURI>https://a/</VASTAdTagURI></Wrapper></Ad>"
                .repeat(MAX_ADS + 1)
        );
        assert!(parse(&many).unwrap_err().problem.contains("limit"));
        let long = format!(
            "<VAST version=\"4.0\"><Ad><Wrapper><VASTAdTagURI>https://a/{}</VASTAdTagURI></Wrapper></Ad></VAST>",
            "x".repeat(MAX_URL)
        );
        assert!(parse(&long).unwrap_err().problem.contains("characters"));
    }

    #[test]
    fn times_and_offsets() {
        assert_eq!(time("00:00:15", "t").unwrap(), Duration::from_secs(15));
        assert_eq!(
            time("01:02:03.4", "t").unwrap(),
            Duration::from_millis(3_723_400)
        );
        for bad in [
            "15",
            "00:60:00",
            "0:0",
            "00:00:1.",
            "00:00:01.1234",
            "aa:bb:cc",
            "-1:00:00",
            "",
        ] {
            assert!(time(bad, "t").is_err(), "{bad}");
        }
        assert_eq!(offset("25%", "o").unwrap(), Offset::Percent(25));
        assert!(offset("101%", "o").is_err());
        assert!(offset("20:00:00", "o").is_err());
        let d = Duration::from_secs(20);
        assert_eq!(Offset::Percent(50).within(d), Duration::from_secs(10));
        assert_eq!(Offset::Time(Duration::from_secs(30)).within(d), d);
    }
}
