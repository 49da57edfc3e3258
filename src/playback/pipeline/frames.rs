//! What the video side of one episode's pipeline has done, in one state
//! behind one lock: written by the frame callbacks and the parser probe on
//! the streaming threads, read by the monitor and the player. Times are
//! nanoseconds since `origin`, the episode's creation.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct FrameState {
    /// When the viewer asked for this episode (its activation, for a preload).
    pub requested_ns: u64,
    /// When the previous episode's last frame stopped being shown.
    pub previous_end: Option<Instant>,
    /// Gap from `previous_end` to the first frame, µs.
    pub switch_gap_us: Option<u64>,
    /// Frames played; a prerolled picture shown ahead of playing counts
    /// when it plays.
    pub frames: u64,
    /// Whether a first picture is on screen (played or prerolled).
    pub first_shown: bool,
    /// Time of the latest frame; 0 before the first.
    pub last_frame_ns: u64,
    pub first_frame_ms: u64,
    pub width: u32,
    pub height: u32,
    /// Frame duration from the caps, for stall detection and switch gaps.
    pub frame_ns: u64,
    /// Highest PTS of the video frames out of the parser, and whether the
    /// parser has seen the end of the stream: from these the sink knows
    /// which frame is the last one, ahead of the EOS event.
    pub parsed_video_max_pts_ns: u64,
    pub parsed_video_complete: bool,
    /// When the last frame stops being shown; 0 until it is shown.
    pub video_end_ns: u64,
    /// Where in the episode its first frame is, ns (a resumed episode).
    pub start_ns: u64,
    /// Decoded streams linked to sinks, and whether one of them is video:
    /// an episode started for the viewer waits for its video to preroll.
    pub branches: u32,
    pub video_branch: bool,
    /// Running time of the prerolled video frame, ns, once there is one.
    pub preroll_rt_ns: Option<u64>,
}

pub struct Frames {
    origin: Instant,
    state: Mutex<FrameState>,
}

impl Frames {
    pub fn new(origin: Instant) -> Frames {
        Frames {
            origin,
            state: Mutex::new(FrameState::default()),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, FrameState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn since_origin(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.origin).as_nanos() as u64
    }

    /// Time since `origin`, ns.
    pub fn now_ns(&self) -> u64 {
        self.since_origin(Instant::now())
    }

    /// When the latest frame stops being shown: its time plus one frame.
    pub fn last_frame_end(&self) -> Option<Instant> {
        let s = self.lock();
        match s.last_frame_ns {
            0 => None,
            t => Some(self.origin + Duration::from_nanos(t + s.frame_ns)),
        }
    }

    /// How long since the latest frame was shown (since the start if none).
    pub fn since_last_frame(&self, last_frame_ns: u64) -> Duration {
        self.origin
            .elapsed()
            .saturating_sub(Duration::from_nanos(last_frame_ns))
    }
}
