//! Subtitles on screen, in step with the picture: the app core chooses the
//! track (a catalog file the shell fetched, or the stream's rendition),
//! the view puts it in the [`SubtitleSlot`], and the video sink picks the
//! cues for the timestamp of each frame it puts on screen, so they follow
//! pauses and the switch to a preloaded episode without drifting.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::webvtt::{Cue, Track};

/// The track of the episode on screen, shared between the view (which
/// sets it) and the video sink (which reads it at every frame), and the
/// cues shown so far (QA reads them).
#[derive(Clone, Default)]
pub struct SubtitleSlot {
    inner: Arc<Mutex<SlotState>>,
}

#[derive(Default)]
struct SlotState {
    track: Option<Arc<Track>>,
    /// Counts the tracks set: cues are told apart per track.
    generation: u64,
    shown: Vec<ShownCue>,
    /// Media time of the last frame asked about, and its track.
    last_frame: Option<(u64, u64)>,
}

/// A cue as it first appeared: its text and the media time of the frame
/// it appeared with.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShownCue {
    /// Which track (1 for the first set, counting up): one per episode.
    pub track: u64,
    pub text: String,
    pub start_ms: u64,
    pub shown_at_ms: u64,
    /// Media time of the frame shown before (none: the first frame): in
    /// step with the picture, it is before the cue's start.
    pub previous_frame_ms: Option<u64>,
}

/// Cues remembered for QA: enough for hours of episodes.
const SHOWN_KEPT: usize = 10_000;

impl SubtitleSlot {
    pub fn set(&self, track: Option<Arc<Track>>) {
        if let Ok(mut s) = self.inner.lock()
            && !same(&s.track, &track)
        {
            if track.is_some() {
                s.generation += 1;
            }
            s.track = track;
        }
    }

    /// The cues showing at media time `t`, as styled text; notes each new
    /// cue in the shown list.
    pub fn at(&self, t: Duration) -> Option<(String, bool)> {
        let mut s = self.inner.lock().ok()?;
        let track = s.track.clone()?;
        let generation = s.generation;
        let now_ms = t.as_millis() as u64;
        let previous = s
            .last_frame
            .replace((generation, now_ms))
            .filter(|(g, _)| *g == generation)
            .map(|(_, ms)| ms);
        let cues: Vec<&Cue> = track.at(t).collect();
        if cues.is_empty() {
            return None;
        }
        for cue in &cues {
            let text = cue.plain();
            let start_ms = cue.start.as_millis() as u64;
            let known = s
                .shown
                .iter()
                .rev()
                .take(8)
                .any(|c| c.track == generation && c.start_ms == start_ms && c.text == text);
            if !known && s.shown.len() < SHOWN_KEPT {
                s.shown.push(ShownCue {
                    track: generation,
                    text,
                    start_ms,
                    shown_at_ms: now_ms,
                    previous_frame_ms: previous,
                });
            }
        }
        let top = cues.iter().all(|c| c.placement.top);
        Some((markdown(&cues), top))
    }

    pub fn shown(&self) -> Vec<ShownCue> {
        self.inner
            .lock()
            .map(|s| s.shown.clone())
            .unwrap_or_default()
    }
}

fn same(a: &Option<Arc<Track>>, b: &Option<Arc<Track>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Cues as the CommonMark subset Slint's StyledText reads: one paragraph
/// per line, `*italic*`, `**bold**`, `<u>underline</u>`, every other
/// markup character escaped.
pub fn markdown(cues: &[&Cue]) -> String {
    let mut lines = Vec::new();
    for cue in cues {
        for line in &cue.lines {
            let mut out = String::new();
            for span in line {
                let trimmed = span.text.trim();
                if trimmed.is_empty() {
                    out.push_str(&escape_markdown(&span.text));
                    continue;
                }
                let lead = &span.text[..span.text.len() - span.text.trim_start().len()];
                let trail = &span.text[span.text.trim_end().len()..];
                let marks = match (span.italic, span.bold) {
                    (true, true) => "***",
                    (false, true) => "**",
                    (true, false) => "*",
                    (false, false) => "",
                };
                // Punctuation at the span's ends goes outside the marks:
                // CommonMark does not take `*（低声）*不是` as emphasis (a
                // mark between punctuation and a letter), as CJK has no
                // spaces to put around it.
                let core = trimmed.trim_matches(|c: char| !c.is_alphanumeric());
                let at = trimmed.find(core).filter(|_| !core.is_empty());
                let (open, core, close, marks) = match at {
                    Some(at) => (&trimmed[..at], core, &trimmed[at + core.len()..], marks),
                    // Only punctuation: nothing to emphasise.
                    None => (trimmed, "", "", ""),
                };
                out.push_str(&escape_markdown(lead));
                out.push_str(&escape_markdown(open));
                if span.underline {
                    out.push_str("<u>");
                }
                out.push_str(marks);
                out.push_str(&escape_markdown(core));
                out.push_str(marks);
                if span.underline {
                    out.push_str("</u>");
                }
                out.push_str(&escape_markdown(close));
                out.push_str(&escape_markdown(trail));
            }
            lines.push(out);
        }
    }
    lines.join("\n")
}

/// `text` with every markup character escaped, for StyledText markdown.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Spaces that markdown would eat or turn into breaks stay spaces.
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_become_styled_text_that_slint_reads() {
        let track = crate::webvtt::parse(
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<i>Hello</i>, <b>*world*</b> <u>you</u>\n# not a heading\n",
        )
        .unwrap();
        let cues: Vec<&Cue> = track.at(Duration::from_millis(1500)).collect();
        let md = markdown(&cues);
        assert_eq!(
            md,
            "*Hello*\\, \\***world**\\* <u>you</u>\n\\# not a heading"
        );
        // CJK: the marks sit next to letters, so that CommonMark takes them.
        let track = crate::webvtt::parse(
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<i>（低声）</i>不是<b>每天晚上</b>打扫\n",
        )
        .unwrap();
        let cues: Vec<&Cue> = track.at(Duration::from_millis(1500)).collect();
        assert_eq!(markdown(&cues), "（*低声*）不是**每天晚上**打扫");
        let styled = slint::StyledText::from_markdown(&md).expect("valid markdown");
        assert_ne!(styled, slint::StyledText::default());
    }

    #[test]
    fn the_slot_notes_each_cue_once_with_when_it_appeared() {
        let slot = SubtitleSlot::default();
        assert_eq!(slot.at(Duration::from_secs(1)), None);
        let track = Arc::new(
            crate::webvtt::parse(
                "WEBVTT\n\n00:01.000 --> 00:02.000 line:0\nA\n\n00:03.000 --> 00:04.000\nB\n",
            )
            .unwrap(),
        );
        slot.set(Some(track));
        for ms in [1040, 1080, 2500, 3000, 3040] {
            slot.at(Duration::from_millis(ms));
        }
        let shown = slot.shown();
        assert_eq!(shown.len(), 2);
        assert_eq!((shown[0].text.as_str(), shown[0].shown_at_ms), ("A", 1040));
        assert_eq!((shown[1].text.as_str(), shown[1].shown_at_ms), ("B", 3000));
        assert_eq!(
            slot.at(Duration::from_millis(1500)).map(|(_, top)| top),
            Some(true)
        );
    }
}
