//! Key repeat for remotes read through libinput (linuxkms), which sends a
//! press and a release but no repeats: held, an arrow moves again after
//! `delay_ms`, then every `interval_ms`, as TV remotes do.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::Action;

/// `[repeat]` in a keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepeatConfig {
    /// From the press to the first repeat.
    pub delay_ms: u64,
    /// Between repeats.
    pub interval_ms: u64,
}

impl Default for RepeatConfig {
    fn default() -> RepeatConfig {
        RepeatConfig {
            delay_ms: 400,
            interval_ms: 100,
        }
    }
}

impl RepeatConfig {
    /// Why these values are not usable, if they are not.
    pub fn problem(&self) -> Option<String> {
        if !(100..=2000).contains(&self.delay_ms) {
            return Some(format!(
                "[repeat] delay_ms = {}: between 100 and 2000",
                self.delay_ms
            ));
        }
        if !(30..=1000).contains(&self.interval_ms) {
            return Some(format!(
                "[repeat] interval_ms = {}: between 30 and 1000",
                self.interval_ms
            ));
        }
        None
    }
}

/// The key held down, if it repeats.
#[derive(Debug, Default)]
pub struct Repeater {
    config: RepeatConfig,
    held: Option<Held>,
}

#[derive(Debug)]
struct Held {
    code: u32,
    action: Action,
    next: Instant,
}

impl Repeater {
    pub fn new(config: RepeatConfig) -> Repeater {
        Repeater { config, held: None }
    }

    /// Only moves repeat: a held OK or Back must not fire twice.
    pub fn repeats(action: Action) -> bool {
        matches!(
            action,
            Action::Up | Action::Down | Action::Left | Action::Right
        )
    }

    /// A key went down at `now`; true if it will repeat while held.
    pub fn press(&mut self, code: u32, action: Action, now: Instant) -> bool {
        self.held = Self::repeats(action).then(|| Held {
            code,
            action,
            next: now + Duration::from_millis(self.config.delay_ms),
        });
        self.held.is_some()
    }

    /// A key went up: if it is the one held, repeats stop.
    pub fn release(&mut self, code: u32) {
        if self.held.as_ref().is_some_and(|h| h.code == code) {
            self.held = None;
        }
    }

    /// The action to repeat at `now`, if one is due (at most one per call:
    /// a late timer does not burst).
    pub fn due(&mut self, now: Instant) -> Option<Action> {
        let held = self.held.as_mut()?;
        if now < held.next {
            return None;
        }
        held.next = now + Duration::from_millis(self.config.interval_ms);
        Some(held.action)
    }

    pub fn holding(&self) -> bool {
        self.held.is_some()
    }

    pub fn config(&self) -> RepeatConfig {
        self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_arrow_repeats_after_the_delay_and_stops_on_release() {
        let mut r = Repeater::new(RepeatConfig {
            delay_ms: 400,
            interval_ms: 100,
        });
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(r.press(103, Action::Up, t0));
        assert_eq!(r.due(at(399)), None);
        assert_eq!(r.due(at(400)), Some(Action::Up));
        assert_eq!(r.due(at(450)), None);
        assert_eq!(r.due(at(500)), Some(Action::Up));
        // A timer that wakes late gives one repeat, not a burst.
        assert_eq!(r.due(at(2000)), Some(Action::Up));
        assert_eq!(r.due(at(2010)), None);
        // Another key's release changes nothing; this one's stops it.
        r.release(108);
        assert!(r.holding());
        r.release(103);
        assert_eq!(r.due(at(3000)), None);
        // OK does not repeat.
        assert!(!r.press(0x160, Action::Ok, t0));
        assert_eq!(r.due(at(5000)), None);
        assert!(RepeatConfig::default().problem().is_none());
        let bad = RepeatConfig {
            delay_ms: 5,
            interval_ms: 100,
        };
        assert!(bad.problem().unwrap().contains("delay_ms = 5"));
    }
}
