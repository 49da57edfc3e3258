//! The target state of one episode's pipeline, decided in one place under
//! one lock: the feeder starts it, the player activates a preloaded episode
//! or pauses it, the monitor pauses it while it rebuffers. Without the lock
//! a preload could fail, or the feeder start the pipeline, between the
//! player's check and its state change.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::Notify;

/// How long an episode started for the viewer waits for a video frame to
/// preroll before it plays without one (an audio-only stream).
const PREROLL_WAIT: Duration = Duration::from_secs(2);

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
    /// prerolled (see [`Control::start`]); since when.
    awaiting_preroll: Option<Instant>,
}

pub struct Control {
    pipeline: gst::Pipeline,
    flags: Mutex<Flags>,
    /// Running time of the prerolled video frame (u64::MAX: none yet).
    preroll_rt_ns: Arc<AtomicU64>,
    /// Wakes a preload feeder waiting for activation.
    pub activated: Notify,
}

impl Control {
    pub fn new(pipeline: gst::Pipeline, active: bool, preroll_rt_ns: Arc<AtomicU64>) -> Control {
        Control {
            pipeline,
            preroll_rt_ns,
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
        let target = if f.active && !f.paused && !f.rebuffering && f.awaiting_preroll.is_none() {
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
        if f.active && !f.paused && !f.rebuffering {
            f.awaiting_preroll = Some(Instant::now());
        }
        self.apply(&f)
    }

    /// The pipeline finished a preroll (ASYNC_DONE), or the monitor checks
    /// in: an episode waiting for its preroll plays from its first frame.
    /// A pipeline with no video frame after [`PREROLL_WAIT`] (audio only)
    /// plays anyway.
    pub fn prerolled(&self) {
        let mut f = self.lock();
        let Some(since) = f.awaiting_preroll else {
            return;
        };
        if self.start_from_preroll(&f) {
            f.awaiting_preroll = None;
        } else if since.elapsed() >= PREROLL_WAIT {
            f.awaiting_preroll = None;
            self.apply(&f);
        }
    }

    /// Turns a preload into the playing episode. False if it already failed.
    pub fn activate(&self) -> bool {
        let mut f = self.lock();
        if f.failed {
            return false;
        }
        f.active = true;
        f.awaiting_preroll = None;
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
        let rt = self.preroll_rt_ns.load(Ordering::SeqCst);
        let prerolled = self.pipeline.current_state() == gst::State::Paused
            && self.pipeline.pending_state() == gst::State::VoidPending;
        if !f.started || f.paused || f.rebuffering || rt == u64::MAX || !prerolled {
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

    pub fn set_paused(&self, paused: bool) {
        let mut f = self.lock();
        f.paused = paused;
        if !paused && f.awaiting_preroll.is_some() && self.start_from_preroll(&f) {
            f.awaiting_preroll = None;
            return;
        }
        self.apply(&f);
    }

    pub fn set_rebuffering(&self, rebuffering: bool) {
        let mut f = self.lock();
        f.rebuffering = rebuffering;
        self.apply(&f);
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
