//! The target state of one episode's pipeline, decided in one place under
//! one lock: the feeder starts it, the player activates a preloaded episode
//! or pauses it, the monitor pauses it while it rebuffers. Without the lock
//! a preload could fail, or the feeder start the pipeline, between the
//! player's check and its state change.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::Notify;

/// How long decoded streams with no video among them wait for one before
/// an episode plays as audio only (decodebin3 adds its streams one by one).
const NO_VIDEO_WAIT: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Flags {
    /// Playing for the viewer (not a preload).
    active: bool,
    /// Paused by the viewer.
    paused: bool,
    /// Paused by the monitor while data is missing.
    rebuffering: bool,
    /// The feeder linked appsrc and started the pipeline.
    started: bool,
    /// A preload failed before it was activated: it will never play.
    failed: bool,
    /// Started for the viewer, held in PAUSED until its first frame is
    /// prerolled (see [`Control::start`]); or, after a rebuffer, until the
    /// frame it goes on with is.
    awaiting_preroll: bool,
    /// The preroll awaited is a rebuffer's end: the sinks are linked, so
    /// a pipeline prerolled with no frame to time (an audio-only stream,
    /// the end of the stream) simply plays on.
    resuming: bool,
    /// Since when the pipeline has decoded streams but no video among them.
    no_video_since: Option<Instant>,
}

impl Flags {
    fn preroll_done(&mut self) {
        self.awaiting_preroll = false;
        self.resuming = false;
    }
}

pub struct Control {
    pipeline: gst::Pipeline,
    flags: Mutex<Flags>,
    /// The video sink's notes: the running time of the prerolled frame.
    /// Not in the flags: the sink writes it on its streaming thread while a
    /// state change may hold the flags' lock. (It holds no pipeline: what
    /// the pipeline's callbacks hold must not hold the pipeline.)
    frames: Arc<super::pipeline::frames::Frames>,
    /// Wakes a preload feeder waiting for activation.
    pub activated: Notify,
}

impl Control {
    pub fn new(
        pipeline: gst::Pipeline,
        active: bool,
        frames: Arc<super::pipeline::frames::Frames>,
    ) -> Control {
        Control {
            pipeline,
            frames,
            flags: Mutex::new(Flags {
                active,
                ..Flags::default()
            }),
            activated: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies the state the flags call for; a preload only prerolls.
    fn apply(&self, f: &Flags) -> bool {
        if !f.started {
            return true;
        }
        let target = if f.active && !f.paused && !f.rebuffering && !f.awaiting_preroll {
            gst::State::Playing
        } else {
            gst::State::Paused
        };
        self.pipeline.set_state(target).is_ok()
    }

    pub fn pipeline(&self) -> &gst::Pipeline {
        &self.pipeline
    }

    pub fn is_active(&self) -> bool {
        self.lock().active
    }

    pub fn is_paused(&self) -> bool {
        self.lock().paused
    }

    /// Held in PAUSED until the frame it starts or goes on with prerolls.
    pub fn is_awaiting_preroll(&self) -> bool {
        self.lock().awaiting_preroll
    }

    /// The feeder linked appsrc: start the pipeline. A preload only
    /// prerolls; so does an episode started for the viewer, which then
    /// plays from its prerolled frame as an activated preload does
    /// ([`Control::prerolled`]). Set straight to PLAYING, the pipeline has
    /// no sinks yet (decodebin3 adds its streams later), reaches PLAYING at
    /// once, and the sinks join a clock already running: the first frames,
    /// decoded meanwhile, came late and were dropped.
    pub fn start(&self) -> bool {
        let mut f = self.lock();
        f.started = true;
        f.awaiting_preroll = f.active && !f.paused && !f.rebuffering;
        self.apply(&f)
    }

    /// The monitor checks in: an episode waiting for its preroll plays from
    /// its first frame once that is held. `streams`: decoded streams are
    /// linked; `video`: one of them is video. Streams with no video among
    /// them for [`NO_VIDEO_WAIT`] (audio only) play without a frame.
    pub fn prerolled(&self, streams: bool, video: bool) {
        let mut f = self.lock();
        if !f.awaiting_preroll {
            return;
        }
        if self.start_from_preroll(&f) {
            f.preroll_done();
            return;
        }
        if f.resuming && !f.paused && self.is_prerolled() {
            f.preroll_done();
            self.apply(&f);
            return;
        }
        if streams && !video {
            let since = *f.no_video_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= NO_VIDEO_WAIT {
                f.preroll_done();
                self.apply(&f);
            }
        }
    }

    /// A preload that failed before it was activated (it will never play).
    pub fn failed(&self) -> bool {
        self.lock().failed
    }

    /// Turns a preload into the playing episode. False if it already failed.
    pub fn activate(&self) -> bool {
        let mut f = self.lock();
        if f.failed {
            return false;
        }
        f.active = true;
        f.preroll_done();
        let ok = self.start_from_preroll(&f) || self.apply(&f);
        drop(f);
        self.activated.notify_waiters();
        ok
    }

    /// Starts a prerolled pipeline so that its prerolled frame is due now.
    /// Streams rarely start at running time 0 (audio often leads video by
    /// the AAC priming), and a plain PLAYING would hold the first frame back
    /// by that much. Audio before the first frame (priming) is clipped.
    fn start_from_preroll(&self, f: &Flags) -> bool {
        let Some(rt) = self.frames.lock().preroll_rt_ns else {
            return false;
        };
        if !f.started || f.paused || f.rebuffering || !self.is_prerolled() {
            return false;
        }
        let clock = gst::SystemClock::obtain();
        let now = clock.time();
        let rt = gst::ClockTime::from_nseconds(rt);
        self.pipeline.use_clock(Some(&clock));
        self.pipeline.set_start_time(gst::ClockTime::NONE);
        self.pipeline.set_base_time(now.saturating_sub(rt));
        let ok = self.pipeline.set_state(gst::State::Playing).is_ok();
        // Back to automatic base times, so later pauses resume correctly.
        self.pipeline.set_start_time(gst::ClockTime::ZERO);
        ok
    }

    /// PAUSED, with every sink holding its first buffer (or the end).
    fn is_prerolled(&self) -> bool {
        self.pipeline.current_state() == gst::State::Paused
            && self.pipeline.pending_state() == gst::State::VoidPending
    }

    /// Plays from the prerolled frame when one is awaited and may play
    /// now; else applies the state the flags call for.
    fn apply_or_start(&self, f: &mut Flags) {
        if f.awaiting_preroll && self.start_from_preroll(f) {
            f.preroll_done();
        } else {
            self.apply(f);
        }
    }

    pub fn set_paused(&self, paused: bool) {
        let mut f = self.lock();
        f.paused = paused;
        self.apply_or_start(&mut f);
    }

    /// Pauses the pipeline while data is missing; at the rebuffer's end,
    /// plays on from the next frame once it is prerolled, as an episode
    /// starts. Resumed as a plain pause is, the pipeline's clock would
    /// take up where it was paused, which is the rebuffer's detection
    /// time after the last frame: every frame after it would come that
    /// late, and be dropped. An episode then skips ahead to catch up, but
    /// a live broadcast arrives only as fast as it plays: frames that
    /// came a segment late stayed late, and the picture stood still.
    pub fn set_rebuffering(&self, rebuffering: bool) {
        let mut f = self.lock();
        if rebuffering {
            // What prerolls next is the frame it goes on with.
            self.frames.lock().preroll_rt_ns = None;
        } else if f.rebuffering && f.active {
            f.awaiting_preroll = true;
            f.resuming = true;
        }
        f.rebuffering = rebuffering;
        self.apply_or_start(&mut f);
    }

    /// On a terminal error: marks an inactive preload failed (it stays
    /// silent and is replaced on play). Returns true when it was a preload.
    pub fn fail_if_preload(&self) -> bool {
        let mut f = self.lock();
        if !f.active {
            f.failed = true;
        }
        !f.active
    }
}
