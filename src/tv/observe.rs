//! What a QA run watches of a session (the `qa` feature): the first frame
//! of each episode, where each started, the audio each played in, what the
//! spoken UI said and the subtitle cues shown. The box build has none of it.

use std::sync::{Arc, Mutex};

use super::speech::{Spoken, SpokenLog};
use crate::view::subtitles::{ShownCue, SubtitleSlot};

/// What the episodes of a session did.
#[derive(Debug, Default, Clone)]
pub struct Played {
    /// Play command to first frame of each episode started, ms.
    pub first_frame_ms: Vec<f64>,
    /// The audio language each episode that ended played in.
    pub audio_languages: Vec<Option<String>>,
    /// Where in its episode each play command started, ms (resuming).
    pub start_ms: Vec<u64>,
    /// Frames each episode that ended dropped.
    pub dropped_frames: Vec<u64>,
    /// Stalls for data in each episode that ended, as the player counted.
    pub rebuffers: Vec<u64>,
    /// The ads played (their VAST `Ad id`, else their media URL).
    pub ads: Vec<String>,
    /// The ad trackers fired, in order: "impression", "start", "error:401", ...
    pub ad_trackers: Vec<String>,
    /// Partner insight: the events queued for the collectors, in order
    /// (what the viewer allowed).
    pub insight: Vec<String>,
    /// Home's previews that showed their first frame: their series.
    pub previews: Vec<String>,
}

/// Entries of each list kept: enough for hours of episodes.
const KEPT: usize = 10_000;

/// Shared by the effects (which write) and the QA runner (which reads).
#[derive(Clone, Default)]
pub struct Observer {
    played: Arc<Mutex<Played>>,
    pub(super) spoken: SpokenLog,
    pub(super) subtitles: SubtitleSlot,
}

impl Observer {
    /// An observer of a session whose subtitles show in `slot`.
    pub fn new(subtitles: SubtitleSlot) -> Observer {
        Observer {
            subtitles,
            ..Default::default()
        }
    }

    /// Notes something in what was played (each list bounded).
    pub(super) fn played(&self, note: impl FnOnce(&mut Played)) {
        if let Ok(mut p) = self.played.lock() {
            let full = p
                .first_frame_ms
                .len()
                .max(p.audio_languages.len())
                .max(p.start_ms.len())
                .max(p.ad_trackers.len())
                .max(p.insight.len())
                .max(p.previews.len());
            if full < KEPT {
                note(&mut p);
            }
        }
    }

    pub fn played_so_far(&self) -> Played {
        self.played.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn spoken(&self) -> Vec<Spoken> {
        self.spoken.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn subtitle_cues(&self) -> Vec<ShownCue> {
        self.subtitles.shown()
    }
}
