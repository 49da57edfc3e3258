//! Any text given to the WebVTT parser yields a track or an error, never a
//! panic; every cue in a track is within the parser's bounds, in order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pillarbox::webvtt::{self, MAX_CUES, MAX_LINES};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(track) = webvtt::parse(text) {
        assert!(track.cues.len() <= MAX_CUES);
        for pair in track.cues.windows(2) {
            assert!(pair[0].start <= pair[1].start);
        }
        for cue in &track.cues {
            assert!(cue.start < cue.end && cue.lines.len() <= MAX_LINES);
            let _ = cue.plain();
            let _ = track.at(cue.start).count();
        }
    }
});
