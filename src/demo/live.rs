//! The demo's live channel: a broadcast the demo server makes from a
//! generated clip looped at wall time. Its playlist is a sliding window of
//! the last [`WINDOW`] segments (EXT-X-MEDIA-SEQUENCE counting 2 s
//! segments since the channel began, EXT-X-PROGRAM-DATE-TIME on each,
//! EXT-X-DISCONTINUITY where the clip starts again), and its XMLTV guide
//! has a programme every [`PROGRAMME_MINUTES`] minutes.

use chrono::{DateTime, TimeDelta, Timelike, Utc};

/// The channel's id in the catalog and in its guide.
pub const CHANNEL: &str = "demo-news";
/// Where it is served, under the demo server's base URL.
pub const PLAYLIST_PATH: &str = "live/news/index.m3u8";
pub const GUIDE_PATH: &str = "live/news/guide.xml";
/// The clip's folder (generated on demand, as episodes are).
pub const CLIP_DIR: &str = "live/clip";

/// Seconds of each segment, segments in the clip, and in the window.
pub const SEGMENT_SECONDS: u64 = 2;
pub const CLIP_SEGMENTS: u64 = 6;
pub const WINDOW: u64 = 6;
const PROGRAMME_MINUTES: i64 = 10;

/// When the broadcast began (its segment 0).
fn began() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// The live playlist at `now`: the window of the segments whole by then.
pub fn playlist(now: DateTime<Utc>) -> String {
    let since = (now - began()).num_seconds().max(0) as u64;
    let edge = since / SEGMENT_SECONDS;
    let first = edge.saturating_sub(WINDOW);
    let mut text = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}\n\
         #EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-DISCONTINUITY-SEQUENCE:{}\n",
        first / CLIP_SEGMENTS
    );
    for n in first..edge {
        if n % CLIP_SEGMENTS == 0 && n != first {
            text.push_str("#EXT-X-DISCONTINUITY\n");
        }
        let at = began() + TimeDelta::seconds((n * SEGMENT_SECONDS) as i64);
        text.push_str(&format!(
            "#EXT-X-PROGRAM-DATE-TIME:{}\n#EXTINF:{SEGMENT_SECONDS}.000,\n../clip/seg{:05}.ts\n",
            at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            n % CLIP_SEGMENTS
        ));
    }
    text
}

/// The programme titles the guide cycles through.
const PROGRAMMES: [&str; 4] = [
    "Morning Headlines",
    "Drama Talk",
    "Behind the Episode",
    "Evening Round-up",
];

/// The XMLTV guide: a programme every ten minutes from an hour before
/// `now` to a day after.
pub fn guide(now: DateTime<Utc>) -> String {
    let minute = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let slot = minute.minute() as i64 / PROGRAMME_MINUTES;
    let from = minute
        - TimeDelta::minutes(minute.minute() as i64 - slot * PROGRAMME_MINUTES)
        - TimeDelta::hours(1);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv generator-info-name=\"pillarbox demo\">\n\
         <channel id=\"{CHANNEL}\"><display-name>Drama Shorts News</display-name></channel>\n"
    );
    let time = |t: DateTime<Utc>| t.format("%Y%m%d%H%M%S +0000").to_string();
    for i in 0..(25 * 60 / PROGRAMME_MINUTES) {
        let start = from + TimeDelta::minutes(i * PROGRAMME_MINUTES);
        let stop = start + TimeDelta::minutes(PROGRAMME_MINUTES);
        let title = PROGRAMMES[((start.timestamp() / 600) % 4) as usize];
        xml.push_str(&format!(
            "<programme channel=\"{CHANNEL}\" start=\"{}\" stop=\"{}\"><title lang=\"en\">{title}</title></programme>\n",
            time(start),
            time(stop)
        ));
    }
    xml.push_str("</tv>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hls::{self, Parsed};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_window_slides_with_the_clock_and_marks_the_clip_looping() {
        let url = url::Url::parse("http://127.0.0.1:1/live/news/index.m3u8").unwrap();
        let policy = crate::net::UrlPolicy::loopback();
        let read = |t| match hls::parse_live(playlist(t).as_bytes(), &url, &policy) {
            Ok(Parsed::Media(plan)) => plan,
            other => panic!("{other:?}"),
        };
        let a = read(at("2026-12-06T10:00:02Z"));
        let b = read(at("2026-12-06T10:00:04Z"));
        assert!(a.live);
        assert_eq!(a.segments.len(), WINDOW as usize);
        assert_eq!(b.segments[0].sequence, a.segments[0].sequence + 1);
        assert_eq!(
            b.segments.last().unwrap().program_date_time,
            Some(at("2026-12-06T10:00:02Z"))
        );
        // Each time the clip starts again: a discontinuity.
        let loops = a.segments.iter().filter(|s| s.discontinuity).count();
        assert_eq!(loops, 1);
    }

    #[test]
    fn the_guide_says_what_is_on_now_and_next() {
        let now = at("2026-12-06T10:14:00Z");
        let g = crate::guide::read(&guide(now), CHANNEL).unwrap();
        let (on, next) = g.now_next(now);
        assert_eq!(on.unwrap().start, at("2026-12-06T10:10:00Z"));
        assert_eq!(next.unwrap().start, at("2026-12-06T10:20:00Z"));
        assert_ne!(on.unwrap().title, next.unwrap().title);
    }
}
