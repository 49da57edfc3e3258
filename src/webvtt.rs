//! WebVTT subtitles (W3C WebVTT, the parts a TV player shows): cues with
//! their times, text with italic, bold and underline kept, line breaks,
//! and the placement hints that fit a pillarboxed picture (top or bottom,
//! text alignment). Regions, styles and notes are skipped. The
//! `X-TIMESTAMP-MAP` header of HLS subtitle segments is read.
//!
//! Subtitle files come from servers we do not control: every count and
//! number is bounded, and a parse fails with the line it failed at, never
//! panics. Cues with unreadable timings are skipped (and counted), as the
//! specification asks. Needs no media stack: fuzzed on its own.

use std::time::Duration;

/// Cues one file may hold.
pub const MAX_CUES: usize = 20_000;
/// Lines one cue may show, and characters per cue.
pub const MAX_LINES: usize = 8;
pub const MAX_CUE_CHARS: usize = 1_000;
/// Highest timestamp read: 100 hours.
pub const MAX_HOURS: u64 = 100;

/// Why a file is not WebVTT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VttError {
    #[error("not WebVTT: the file does not start with \"WEBVTT\"")]
    NoSignature,
    #[error("line {line}: {reason}")]
    Invalid { line: usize, reason: String },
    #[error("more than {MAX_CUES} cues")]
    TooManyCues,
}

/// Why a subtitle track (a file, or a stream's rendition) cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackError {
    /// It could not be fetched: the network's error, as it said it.
    #[error("{0}")]
    Fetch(String),
    #[error("not UTF-8 text")]
    NotText,
    #[error(transparent)]
    Vtt(#[from] VttError),
    #[error("{what}: {source}")]
    Part {
        what: String,
        #[source]
        source: VttError,
    },
    #[error("more than {0} bytes of subtitles")]
    TooLarge(usize),
    #[error("the subtitle playlist: {0}")]
    Playlist(String),
    #[error("cancelled")]
    Cancelled,
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    pub text: String,
    pub italic: bool,
    pub bold: bool,
    pub underline: bool,
}

/// Where a cue asks to be: at the bottom (the default) or the top, and how
/// its lines align.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placement {
    pub top: bool,
    pub align: Align,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    Start,
    #[default]
    Center,
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub start: Duration,
    pub end: Duration,
    /// The cue's lines, each a list of styled spans.
    pub lines: Vec<Vec<Span>>,
    pub placement: Placement,
}

impl Cue {
    /// The text without styling, lines joined with '\n'.
    pub fn plain(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.iter().map(|s| s.text.as_str()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `X-TIMESTAMP-MAP=MPEGTS:<90 kHz>,LOCAL:<cue time>`: cue time `local`
/// is media time `mpegts / 90000 s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampMap {
    pub mpegts: u64,
    pub local: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Track {
    /// In start order.
    pub cues: Vec<Cue>,
    pub timestamp_map: Option<TimestampMap>,
    /// Cues left out for unreadable timings or an end before the start.
    pub skipped: usize,
}

impl Track {
    /// The cues showing at `t`.
    pub fn at(&self, t: Duration) -> impl Iterator<Item = &Cue> {
        // Cues are sorted by start: none after the first that starts later.
        let upto = self.cues.partition_point(|c| c.start <= t);
        self.cues[..upto].iter().filter(move |c| t < c.end)
    }
}

/// Parses a WebVTT file.
pub fn parse(text: &str) -> Result<Track, VttError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.first().copied().unwrap_or("");
    let ok_signature = first == "WEBVTT"
        || first
            .strip_prefix("WEBVTT")
            .is_some_and(|rest| rest.starts_with([' ', '\t']));
    if !ok_signature {
        return Err(VttError::NoSignature);
    }
    let mut track = Track::default();
    let mut i = 1;
    // Header: up to the first blank line.
    while i < lines.len() && !lines[i].trim().is_empty() {
        if let Some(map) = lines[i].trim().strip_prefix("X-TIMESTAMP-MAP=") {
            track.timestamp_map = Some(timestamp_map(map).map_err(|e| VttError::Invalid {
                line: i + 1,
                reason: e.to_string(),
            })?);
        }
        i += 1;
    }
    while i < lines.len() {
        // Blank lines between blocks.
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        if i >= lines.len() {
            break;
        }
        let block_start = i;
        let mut end = i;
        while end < lines.len() && !lines[end].trim().is_empty() {
            end += 1;
        }
        let block = &lines[block_start..end];
        i = end;
        let first = block[0];
        if first.starts_with("NOTE") || first == "STYLE" || first == "REGION" {
            continue;
        }
        // An optional identifier, then the timing line.
        let (timing, payload) = if first.contains("-->") {
            (first, &block[1..])
        } else if block.len() > 1 && block[1].contains("-->") {
            (block[1], &block[2..])
        } else {
            track.skipped += 1;
            continue;
        };
        match cue(timing, payload) {
            Some(c) => {
                if track.cues.len() >= MAX_CUES {
                    return Err(VttError::TooManyCues);
                }
                track.cues.push(c);
            }
            None => track.skipped += 1,
        }
    }
    track.cues.sort_by_key(|c| c.start);
    Ok(track)
}

/// What is wrong with an `X-TIMESTAMP-MAP`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum MapProblem {
    #[error("MPEGTS {0:?} is not a 33-bit number")]
    Mpegts(String),
    #[error("LOCAL {0:?} is not a time")]
    Local(String),
    #[error("{0:?} in X-TIMESTAMP-MAP")]
    Unknown(String),
    #[error("X-TIMESTAMP-MAP needs MPEGTS and LOCAL")]
    Incomplete,
}

fn timestamp_map(text: &str) -> Result<TimestampMap, MapProblem> {
    let mut mpegts = None;
    let mut local = None;
    for part in text.split(',') {
        match part.trim().split_once(':') {
            Some(("MPEGTS", v)) => {
                mpegts = Some(
                    v.trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|v| *v < 1 << 33)
                        .ok_or_else(|| MapProblem::Mpegts(v.to_owned()))?,
                )
            }
            Some(("LOCAL", v)) => {
                local = Some(timestamp(v.trim()).ok_or_else(|| MapProblem::Local(v.to_owned()))?)
            }
            _ => return Err(MapProblem::Unknown(part.to_owned())),
        }
    }
    match (mpegts, local) {
        (Some(mpegts), Some(local)) => Ok(TimestampMap { mpegts, local }),
        _ => Err(MapProblem::Incomplete),
    }
}

/// `[hh:]mm:ss.ttt`, hours bounded.
fn timestamp(text: &str) -> Option<Duration> {
    let (clock, millis) = text.split_once('.')?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let num = |s: &str, max_len: usize| -> Option<u64> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (h, m, s) = match parts.as_slice() {
        [m, s] => (0, num(m, 2)?, num(s, 2)?),
        [h, m, s] => (num(h, 3)?, num(m, 2)?, num(s, 2)?),
        _ => return None,
    };
    if m > 59 || s > 59 || h >= MAX_HOURS {
        return None;
    }
    let ms: u64 = millis.parse().ok()?;
    Some(Duration::from_millis(((h * 60 + m) * 60 + s) * 1000 + ms))
}

fn cue(timing: &str, payload: &[&str]) -> Option<Cue> {
    let (start, rest) = timing.split_once("-->")?;
    let start = timestamp(start.trim())?;
    let rest = rest.trim_start();
    let (end, settings) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    let end = timestamp(end.trim())?;
    if end <= start {
        return None;
    }
    let mut placement = Placement::default();
    for setting in settings.split_whitespace() {
        match setting.split_once(':') {
            Some(("line", v)) => {
                let v = v.split(',').next().unwrap_or("");
                placement.top = match v.strip_suffix('%') {
                    Some(p) => p.parse::<f32>().is_ok_and(|p| p < 50.0),
                    None => v.parse::<i32>().is_ok_and(|n| n >= 0),
                };
            }
            Some(("align", v)) => {
                placement.align = match v {
                    "start" | "left" => Align::Start,
                    "end" | "right" => Align::End,
                    _ => Align::Center,
                }
            }
            _ => {}
        }
    }
    let mut lines = Vec::new();
    let mut chars = 0;
    for line in payload.iter().take(MAX_LINES) {
        let spans = styled(line);
        chars += spans.iter().map(|s| s.text.chars().count()).sum::<usize>();
        if chars > MAX_CUE_CHARS {
            break;
        }
        lines.push(spans);
    }
    Some(Cue {
        start,
        end,
        lines,
        placement,
    })
}

/// One payload line: `<i>`, `<b>`, `<u>` kept; `<c>`, `<v>`, `<lang>`,
/// `<ruby>` and timestamp tags dropped with their text kept; entities
/// decoded.
fn styled(line: &str) -> Vec<Span> {
    #[derive(Clone, Copy, Default, PartialEq)]
    struct Style {
        italic: u8,
        bold: u8,
        underline: u8,
    }
    fn flush(spans: &mut Vec<Span>, text: &mut String, style: Style) {
        if text.is_empty() {
            return;
        }
        let span = Span {
            text: std::mem::take(text),
            italic: style.italic > 0,
            bold: style.bold > 0,
            underline: style.underline > 0,
        };
        match spans.last_mut() {
            Some(last)
                if (last.italic, last.bold, last.underline)
                    == (span.italic, span.bold, span.underline) =>
            {
                last.text.push_str(&span.text)
            }
            _ => spans.push(span),
        }
    }
    let mut spans = Vec::new();
    let mut style = Style::default();
    let mut text = String::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let Some(close) = rest.find('>') else {
                // A lone '<' is text.
                text.push('<');
                rest = &rest[1..];
                continue;
            };
            let tag = &rest[1..close];
            rest = &rest[close + 1..];
            let (closing, name) = match tag.strip_prefix('/') {
                Some(n) => (true, n),
                None => (false, tag),
            };
            let name = name
                .split(['.', ' ', '\t'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let mut next = style;
            let counter = match name.as_str() {
                "i" => &mut next.italic,
                "b" => &mut next.bold,
                "u" => &mut next.underline,
                _ => continue,
            };
            *counter = if closing {
                counter.saturating_sub(1)
            } else {
                counter.saturating_add(1).min(16)
            };
            if next != style {
                flush(&mut spans, &mut text, style);
                style = next;
            }
        } else if c == '&' {
            let (decoded, used) = entity(rest);
            text.push_str(decoded);
            rest = &rest[used..];
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    flush(&mut spans, &mut text, style);
    spans
}

/// The character reference at the start of `text` ('&' first), decoded,
/// and how many bytes it took; an unknown one is a literal '&'.
fn entity(text: &str) -> (&'static str, usize) {
    for (name, value) in [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&nbsp;", "\u{a0}"),
        ("&lrm;", "\u{200e}"),
        ("&rlm;", "\u{200f}"),
        ("&quot;", "\""),
        ("&apos;", "'"),
    ] {
        if text.starts_with(name) {
            return (value, name.len());
        }
    }
    ("&", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_with_styles_settings_and_identifiers() {
        let t = parse(
            "WEBVTT - a title\nKind: captions\n\nNOTE a note\nspanning lines\n\n\
             intro\n00:01.000 --> 00:03.500 line:0 align:start\n<i>Hello</i> <b>world</b> &amp; <c.yellow>you</c>\n<v Mia>Second line\n\n\
             01:00:00.000 --> 01:00:02.000\n&lt;tag&gt; &nbsp;x\n",
        )
        .unwrap();
        assert_eq!(t.cues.len(), 2);
        let c = &t.cues[0];
        assert_eq!(
            (c.start, c.end),
            (Duration::from_millis(1000), Duration::from_millis(3500))
        );
        assert_eq!(
            c.placement,
            Placement {
                top: true,
                align: Align::Start
            }
        );
        assert_eq!(c.plain(), "Hello world & you\nSecond line");
        assert!(c.lines[0][0].italic && c.lines[0][0].text == "Hello");
        assert!(c.lines[0][2].bold && c.lines[0][2].text == "world");
        assert_eq!(t.cues[1].start, Duration::from_secs(3600));
        assert_eq!(t.cues[1].plain(), "<tag> \u{a0}x");
        assert_eq!(t.at(Duration::from_secs(2)).count(), 1);
        assert_eq!(t.at(Duration::from_millis(3500)).count(), 0);
    }

    #[test]
    fn timestamp_map_and_bad_input() {
        let t = parse("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n00:00.000 --> 00:01.000\nA\n").unwrap();
        assert_eq!(
            t.timestamp_map,
            Some(TimestampMap {
                mpegts: 900000,
                local: Duration::ZERO
            })
        );
        assert_eq!(
            parse("1\n00:00.000 --> 00:01.000\nA"),
            Err(VttError::NoSignature)
        );
        assert_eq!(parse("WEBVTTX\n"), Err(VttError::NoSignature));
        assert!(matches!(
            parse("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:99999999999999999999,LOCAL:00:00.000\n"),
            Err(VttError::Invalid { line: 2, .. })
        ));
        // Unreadable timings and ends before starts are skipped, counted.
        let t = parse(
            "WEBVTT\n\n00:00.000 --> 99:99.999\nbad\n\n00:05.000 --> 00:01.000\nbackwards\n\n\
             999999999:00:00.000 --> 999999999:00:01.000\nhuge\n\n00:01.000 --> 00:02.000\nfine\n",
        )
        .unwrap();
        assert_eq!((t.cues.len(), t.skipped), (1, 3));
        // Unclosed tags, lone brackets, unknown entities: text, no panic.
        let t = parse("WEBVTT\n\n00:00.000 --> 00:01.000\n<i>a < b &foo; <b\n").unwrap();
        assert_eq!(t.cues[0].plain(), "a < b &foo; <b");
    }
}
