//! The programme's audio level, lowered while the UI speaks, faded by a
//! sleep timer, silent for a preview: every episode's audio branch has a
//! `volume` element registered here.

use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Duck(Arc<Mutex<State>>);

#[derive(Debug)]
struct State {
    level: f64,
    /// A sleep timer's fade, on top of the duck level.
    fade: f64,
    /// A preview on Home plays without sound.
    muted: bool,
    volumes: Vec<glib::WeakRef<gst::Element>>,
}

impl Default for State {
    fn default() -> State {
        State {
            level: 1.0,
            fade: 1.0,
            muted: false,
            volumes: Vec::new(),
        }
    }
}

impl State {
    fn volume(&self) -> f64 {
        if self.muted {
            0.0
        } else {
            self.level * self.fade
        }
    }

    fn apply(&mut self) {
        self.volumes.retain(|w| w.upgrade().is_some());
        for v in self.volumes.iter().filter_map(|w| w.upgrade()) {
            v.set_property("volume", self.volume());
        }
    }
}

impl Duck {
    /// A new audio branch's volume: at the current level from the start.
    pub fn register(&self, volume: &gst::Element) {
        if let Ok(mut s) = self.0.lock() {
            volume.set_property("volume", s.volume());
            s.volumes.retain(|w| w.upgrade().is_some());
            s.volumes.push(volume.downgrade());
        }
    }

    /// Every programme's audio to `level` (1.0: as it is), from any thread.
    pub fn set(&self, level: f64) {
        if let Ok(mut s) = self.0.lock() {
            s.level = level.clamp(0.0, 1.0);
            s.apply();
        }
    }

    /// A sleep timer's fade (1.0: none), multiplied with the duck level.
    pub fn set_fade(&self, fade: f64) {
        if let Ok(mut s) = self.0.lock() {
            s.fade = fade.clamp(0.0, 1.0);
            s.apply();
        }
    }

    /// Silence (a preview) or sound again, on top of level and fade.
    pub fn set_muted(&self, muted: bool) {
        if let Ok(mut s) = self.0.lock()
            && s.muted != muted
        {
            s.muted = muted;
            s.apply();
        }
    }

    pub fn level(&self) -> f64 {
        self.0.lock().map_or(1.0, |s| s.level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_volume_follows_the_level() {
        gst::init().unwrap();
        let duck = Duck::default();
        let a = gst::ElementFactory::make("volume").build().unwrap();
        duck.register(&a);
        duck.set(0.25);
        // One that comes while ducked starts ducked.
        let b = gst::ElementFactory::make("volume").build().unwrap();
        duck.register(&b);
        for v in [&a, &b] {
            assert_eq!(v.property::<f64>("volume"), 0.25);
        }
        drop(a);
        duck.set(1.0);
        assert_eq!(b.property::<f64>("volume"), 1.0);
        // A fade multiplies with the duck level.
        duck.set_fade(0.5);
        duck.set(0.5);
        assert_eq!(b.property::<f64>("volume"), 0.25);
        duck.set_fade(1.0);
        assert_eq!(b.property::<f64>("volume"), 0.5);
        assert_eq!(duck.level(), 0.5);
        // Muted is silent whatever the level, and gives it back after.
        duck.set_muted(true);
        assert_eq!(b.property::<f64>("volume"), 0.0);
        let c = gst::ElementFactory::make("volume").build().unwrap();
        duck.register(&c);
        assert_eq!(c.property::<f64>("volume"), 0.0);
        duck.set_muted(false);
        assert_eq!(b.property::<f64>("volume"), 0.5);
    }
}
