//! What a QA run reports (`pillarbox qa`'s JSON): screens, timings,
//! memory, playback, speech, subtitles, faults, ads and partner insight.

use serde::Serialize;

use super::process;

#[derive(Debug, Default, Clone, Serialize)]
pub struct QaReport {
    /// Process start to the first frame drawn showing the home screen.
    pub home_drawn_ms: Option<u64>,
    /// Process start to the home screen with all its posters drawn.
    pub home_complete_ms: Option<u64>,
    /// Render time of the first frame after each key press, ms.
    pub redraw_after_key_ms: Vec<f64>,
    /// Resident memory at each `rss` step, KiB.
    pub rss_kib: Vec<(String, u64)>,
    /// At each `cpu` step: its label, the CPU time the process had used,
    /// and the time since it started, ms.
    pub cpu_ms: Vec<(String, u64, u64)>,
    /// Frames each episode that ended dropped (late, or decoded and not
    /// shown).
    pub dropped_frames: Vec<u64>,
    /// Stalls for data in each episode (or ad) that ended, as the player
    /// counted them.
    pub rebuffers: Vec<u64>,
    /// Memory, threads and open files at each `sample` step.
    pub samples: Vec<process::Sample>,
    /// The screen at the end: home, series, player, locked or settings.
    pub screen: String,
    /// The notice line at the end (offline catalog, ...), if any.
    pub notice: Option<String>,
    /// Why no catalog could be shown, when none could (home then says
    /// "Programmes can't be shown right now").
    pub catalog_problem: Option<String>,
    /// Video frames the renderer drew from GL textures (the GL path).
    pub gl_frames: u64,
    /// Play command to first frame of each episode played, ms: a few ms
    /// when the focus rested on it long enough to preload it.
    pub first_frame_ms: Vec<f64>,
    /// Where in its episode each play started, ms: 0, or a resume point.
    pub start_ms: Vec<u64>,
    /// The audio language each episode that ended played in (dubbed
    /// episodes: the rendition chosen; null: the variant's own audio).
    pub audio_languages: Vec<Option<String>>,
    /// What the spoken UI said, with the audio samples each utterance made.
    pub speech: Vec<crate::tv::speech::Spoken>,
    /// Every subtitle cue shown: its text, its start in the episode and the
    /// media time of the frame it first appeared with, ms.
    pub subtitle_cues: Vec<crate::view::subtitles::ShownCue>,
    /// Why the episode's subtitles are not shown, at the end, if they are not.
    pub subtitle_note: Option<String>,
    /// The account's coins at the end, once paired.
    pub coins: Option<u64>,
    /// What the Locked screen says at the end (paid, not enough coins, ...).
    pub locked_message: Option<String>,
    /// Network runtimes and HTTP clients the process built: one each.
    pub net_runtimes: usize,
    pub http_clients: usize,
    /// Scenario runs: how long each step took, ms, in order.
    pub step_ms: Vec<u64>,
    /// The injected network faults that acted, on which URLs.
    pub faults: Vec<crate::net::faults::Fired>,
    /// Ad breaks: the ads played and the trackers fired.
    pub ads: AdsReport,
    /// Partner insight: the events sent to the catalog's collectors, in
    /// order (docs/analytics.md); none without the viewer's consent but
    /// those the catalog marks as necessary.
    pub insight: Vec<String>,
    /// Home's previews that showed their first frame, in order: their
    /// series' ids.
    pub previews: Vec<String>,
    /// Each card a channel showed in place of an episode the box may not
    /// play, in order: `series/episode`.
    pub channel_cards: Vec<String>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct AdsReport {
    /// Each ad started, in order: its VAST `Ad id` (else its media URL).
    pub played: Vec<String>,
    /// Each tracker fired, in order: `impression`, `start`,
    /// `firstQuartile`, ..., `skip`, `error:401` (with its error code).
    pub trackers: Vec<String>,
}
