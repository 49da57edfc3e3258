//! A live channel's programme guide (XMLTV): what is on now and next.
//! Read as a stream with quick-xml and bounded like every input: the
//! document's size, the elements read, their depth, the programmes kept
//! and their titles' length. A `<!DOCTYPE>` is refused (no entity can be
//! declared). Programmes are kept by channel, in time order.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// The largest guide read (a week of one channel is some tens of KiB; a
/// broadcaster's guide of every channel for a day stays under this).
pub const MAX_GUIDE_BYTES: usize = 4 << 20;
/// Elements read in one guide.
pub const MAX_ELEMENTS: usize = 200_000;
/// Elements nested deeper than this are refused (XMLTV's deepest is 4).
pub const MAX_DEPTH: usize = 16;
/// Programmes kept, all channels together (a week of 50 channels'
/// half-hours is under this).
pub const MAX_PROGRAMMES: usize = 20_000;
/// Characters of a title kept.
pub const MAX_TITLE: usize = 200;

/// One programme of the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub start: DateTime<Utc>,
    pub stop: Option<DateTime<Utc>>,
    pub title: String,
}

/// One channel's programmes, by start time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guide {
    programmes: Vec<Programme>,
}

/// A guide document: its channels' programmes, by channel id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guides {
    channels: std::collections::HashMap<String, Guide>,
}

impl Guides {
    /// Channel `id`'s programmes (none when the guide does not list it).
    pub fn channel(&self, id: &str) -> Guide {
        self.channels.get(id).cloned().unwrap_or_default()
    }
}

/// Why a guide could not be read: what was wrong, and at which byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("programme guide, at byte {offset}: {problem}")]
pub struct GuideError {
    pub offset: u64,
    pub problem: String,
}

impl Guide {
    /// What is on at `at`, and what follows it.
    pub fn now_next(&self, at: DateTime<Utc>) -> (Option<&Programme>, Option<&Programme>) {
        let i = self.programmes.partition_point(|p| p.start <= at);
        let now = i
            .checked_sub(1)
            .map(|k| &self.programmes[k])
            .filter(|p| p.stop.is_none_or(|stop| at < stop));
        (now, self.programmes.get(i))
    }

    pub fn len(&self) -> usize {
        self.programmes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.programmes.is_empty()
    }
}

/// An XMLTV time: `YYYYMMDDhhmmss` and an optional `±hhmm` (UTC without).
fn xmltv_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let (digits, zone) = match s.split_once(' ') {
        Some((d, z)) => (d, Some(z.trim())),
        None => (s, None),
    };
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok()?;
    let offset = match zone {
        None => 0,
        Some(z) => {
            let (sign, hm) = match z.as_bytes().first()? {
                b'+' => (1, &z[1..]),
                b'-' => (-1, &z[1..]),
                _ => return None,
            };
            if hm.len() != 4 || !hm.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let (h, m): (i32, i32) = (hm[..2].parse().ok()?, hm[2..].parse().ok()?);
            if h > 14 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let zone = FixedOffset::east_opt(offset)?;
    Some(zone.from_local_datetime(&naive).single()?.to_utc())
}

/// The programmes of `channel` in the XMLTV document `xml`.
pub fn read(xml: &str, channel: &str) -> Result<Guide, GuideError> {
    read_all(xml).map(|g| g.channel(channel))
}

/// An XMLTV document's bytes (UTF-8), as [`read_all`] reads them.
pub fn decode(bytes: &[u8]) -> Result<Guides, GuideError> {
    let xml = std::str::from_utf8(bytes).map_err(|e| GuideError {
        offset: e.valid_up_to() as u64,
        problem: "not UTF-8".into(),
    })?;
    read_all(xml)
}

/// Every channel's programmes in the XMLTV document `xml`.
pub fn read_all(xml: &str) -> Result<Guides, GuideError> {
    if xml.len() > MAX_GUIDE_BYTES {
        return Err(GuideError {
            offset: MAX_GUIDE_BYTES as u64,
            problem: format!("{} bytes, over the limit of {MAX_GUIDE_BYTES}", xml.len()),
        });
    }
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut elements = 0usize;
    // The channel's programme being read: its times, and whether its
    // first title is being read.
    let mut current: Option<(String, Programme)> = None;
    let mut in_title = false;
    let mut channels: std::collections::HashMap<String, Vec<Programme>> = Default::default();
    let mut kept = 0usize;
    let mut root_seen = false;
    loop {
        let at = reader.buffer_position();
        let fail = |problem: String| GuideError {
            offset: at,
            problem,
        };
        match reader.read_event().map_err(|e| fail(e.to_string()))? {
            Event::Start(e) => {
                elements += 1;
                depth += 1;
                if elements > MAX_ELEMENTS {
                    return Err(fail(format!("more than {MAX_ELEMENTS} elements")));
                }
                if depth > MAX_DEPTH {
                    return Err(fail(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                if depth == 1 {
                    if e.local_name().as_ref() != b"tv" {
                        return Err(fail("the root element is not <tv>".into()));
                    }
                    root_seen = true;
                }
                match e.local_name().as_ref() {
                    b"programme" if depth == 2 => {
                        current = Some(programme(&e).map_err(fail)?);
                    }
                    b"title" if depth == 3 => {
                        in_title = current.as_ref().is_some_and(|(_, p)| p.title.is_empty());
                    }
                    _ => {}
                }
            }
            Event::Empty(_) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(fail(format!("more than {MAX_ELEMENTS} elements")));
                }
                if depth == 0 {
                    return Err(fail("the root element is not <tv>".into()));
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match e.local_name().as_ref() {
                    b"title" => in_title = false,
                    b"programme" if depth == 1 => {
                        if let Some((of, p)) = current.take().filter(|(_, p)| !p.title.is_empty()) {
                            kept += 1;
                            if kept > MAX_PROGRAMMES {
                                return Err(fail(format!("more than {MAX_PROGRAMMES} programmes")));
                            }
                            channels.entry(of).or_default().push(p);
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_title => {
                let s = t.xml10_content().map_err(|e| fail(e.to_string()))?;
                add_title(&mut current, &s);
            }
            Event::CData(t) if in_title => {
                let s = t.xml10_content().map_err(|e| fail(e.to_string()))?;
                add_title(&mut current, &s);
            }
            Event::GeneralRef(r) if in_title => {
                let name = r.decode().map_err(|e| fail(e.to_string()))?;
                let s = match r.resolve_char_ref().map_err(|e| fail(e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_xml_entity(&name)
                        .ok_or_else(|| fail(format!("unknown entity &{name};")))?
                        .to_owned(),
                };
                add_title(&mut current, &s);
            }
            Event::DocType(_) => {
                return Err(fail(
                    "a document type declaration (<!DOCTYPE>) is not accepted".into(),
                ));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root_seen {
        return Err(GuideError {
            offset: 0,
            problem: "no <tv> element".into(),
        });
    }
    Ok(Guides {
        channels: channels
            .into_iter()
            .map(|(id, mut programmes)| {
                programmes.sort_by_key(|p| p.start);
                (id, Guide { programmes })
            })
            .collect(),
    })
}

/// A `<programme>`: its channel, and its times checked.
fn programme(e: &BytesStart) -> Result<(String, Programme), String> {
    let mut of = None;
    let (mut start, mut stop) = (None, None);
    for a in e.attributes() {
        let a = a.map_err(|e| format!("<programme>: {e}"))?;
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("<programme>: {e}"))?;
        match a.key.local_name().as_ref() {
            b"channel" => of = Some(value.into_owned()),
            b"start" => start = Some(value.into_owned()),
            b"stop" => stop = Some(value.into_owned()),
            _ => {}
        }
    }
    let of = of.ok_or("a <programme> without channel")?;
    let start = start.ok_or("a <programme> without start")?;
    let start = xmltv_time(&start).ok_or(format!("<programme start={start:?}> is not a time"))?;
    let stop = match stop {
        None => None,
        Some(s) => Some(xmltv_time(&s).ok_or(format!("<programme stop={s:?}> is not a time"))?),
    };
    if stop.is_some_and(|stop| stop <= start) {
        return Err(format!(
            "a <programme> that stops before it starts ({start})"
        ));
    }
    Ok((
        of,
        Programme {
            start,
            stop,
            title: String::new(),
        },
    ))
}

fn add_title(current: &mut Option<(String, Programme)>, s: &str) {
    if let Some((_, p)) = current {
        let room = MAX_TITLE.saturating_sub(p.title.chars().count());
        p.title.extend(s.chars().take(room));
        let trimmed = p.title.trim_start();
        if trimmed.len() != p.title.len() {
            p.title = trimmed.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<tv generator-info-name="test">
  <channel id="news"><display-name>News</display-name></channel>
  <programme channel="news" start="20261206100000 +0000" stop="20261206103000 +0000">
    <title lang="en">Morning &amp; More</title>
    <title lang="sw">Asubuhi</title>
  </programme>
  <programme channel="other" start="20261206100000 +0000" stop="20261206110000 +0000">
    <title>Not ours</title>
  </programme>
  <programme channel="news" start="20261206123000 +0200" stop="20261206113000 +0000">
    <title><![CDATA[Drama hour]]></title>
  </programme>
</tv>"#;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn now_and_next_of_the_channel() {
        let g = read(GUIDE, "news").unwrap();
        assert_eq!(g.len(), 2);
        let (now, next) = g.now_next(at("2026-12-06T10:10:00Z"));
        assert_eq!(now.unwrap().title, "Morning & More");
        // 12:30 at +02:00 is 10:30 UTC.
        assert_eq!(next.unwrap().title, "Drama hour");
        assert_eq!(next.unwrap().start, at("2026-12-06T10:30:00Z"));
        // Between programmes nothing is on; after the last, nothing next.
        let (now, next) = g.now_next(at("2026-12-06T11:45:00Z"));
        assert!(now.is_none() && next.is_none());
        let (now, next) = g.now_next(at("2026-12-06T09:00:00Z"));
        assert!(now.is_none());
        assert_eq!(next.unwrap().title, "Morning & More");
    }

    #[test]
    fn hostile_guides_fail_naming_what_and_where() {
        let cases = [
            (
                "<tv><programme channel=\"news\" start=\"yesterday\"><title>x</title></programme></tv>",
                "not a time",
            ),
            (
                "<tv><programme channel=\"news\" start=\"20261206100000 +2500\"><title>x</title></programme></tv>",
                "not a time",
            ),
            (
                "<tv><programme channel=\"news\" start=\"20261206100000\" stop=\"20261206090000\"><title>x</title></programme></tv>",
                "stops before",
            ),
            ("<!DOCTYPE tv [<!ENTITY a \"b\">]><tv/>", "DOCTYPE"),
            ("<html/>", "not <tv>"),
            ("<tv><programme></tv>", "at byte"),
            ("", "no <tv>"),
        ];
        for (xml, says) in cases {
            let e = read(xml, "news").unwrap_err();
            assert!(e.to_string().contains(says), "{xml}: {e}");
        }
        let deep = format!("<tv>{}{}</tv>", "<a>".repeat(40), "</a>".repeat(40));
        assert!(read(&deep, "news").unwrap_err().problem.contains("deeper"));
        let many: String = (0..MAX_PROGRAMMES + 1)
            .map(|i| format!("<programme channel=\"news\" start=\"2026120610{:02}00\"><title>p</title></programme>", i % 60))
            .collect();
        let e = read(&format!("<tv>{many}</tv>"), "news").unwrap_err();
        assert!(e.problem.contains("programmes"), "{e}");
        let long = format!(
            "<tv><programme channel=\"news\" start=\"20261206100000\"><title>{}</title></programme></tv>",
            "x".repeat(10_000)
        );
        let g = read(&long, "news").unwrap();
        assert_eq!(g.programmes[0].title.chars().count(), MAX_TITLE);
        let huge = " ".repeat(MAX_GUIDE_BYTES + 1);
        assert!(
            read(&huge, "news")
                .unwrap_err()
                .problem
                .contains("over the limit")
        );
    }
}
