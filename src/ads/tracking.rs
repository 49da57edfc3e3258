//! Which trackers an ad fires as it plays: impressions, creativeView and
//! start as the first frame shows, quartiles and progress offsets as the
//! position passes them (caught up in order if it jumps), complete, skip
//! or closeLinear once at the end, pause and resume at each pause and
//! resume, error URLs with their code. Each tracker fires at most once per
//! occurrence, and nothing after the ad has ended.

use std::time::Duration;

use super::chain::PlayableAd;
use super::vast::{ErrorCode, Event, Offset};

/// What the player saw happen to an ad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdEvent {
    /// The ad's first frame is on screen.
    Shown,
    /// The ad is at this point (the shell's tick).
    Position(Duration),
    Paused,
    Resumed,
    /// The viewer chose "Skip ad".
    Skipped,
    /// The viewer left the ad (Back).
    Closed,
    /// It played to its end.
    Completed,
    /// It could not be played.
    Failed(ErrorCode),
}

/// A URL to request, what for, and the macro values it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beacon {
    /// "impression", "error", or the tracking event's name.
    pub what: &'static str,
    pub url: String,
    pub playhead: Duration,
    pub error: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Due,
    Playing,
    Paused,
    Ended,
}

/// One ad's trackers and what has fired.
#[derive(Debug, Clone, PartialEq)]
pub struct AdTracker {
    ad: PlayableAd,
    phase: Phase,
    /// Indexes into `ad.tracking` already fired (time-driven events).
    fired: Vec<bool>,
    position: Duration,
}

impl AdTracker {
    pub fn new(ad: PlayableAd) -> AdTracker {
        let fired = vec![false; ad.tracking.len()];
        AdTracker {
            ad,
            phase: Phase::Due,
            fired,
            position: Duration::ZERO,
        }
    }

    pub fn ad(&self) -> &PlayableAd {
        &self.ad
    }

    pub fn ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// The beacons `event` fires, in the order to send them.
    pub fn on(&mut self, event: AdEvent) -> Vec<Beacon> {
        let mut out = Vec::new();
        if self.phase == Phase::Ended {
            return out;
        }
        match event {
            AdEvent::Shown => {
                if self.phase == Phase::Due {
                    self.phase = Phase::Playing;
                    for url in &self.ad.impressions {
                        out.push(self.beacon("impression", url.clone(), None));
                    }
                    self.fire_event(Event::CreativeView, &mut out);
                    self.fire_event(Event::Start, &mut out);
                    if self.ad.interactive {
                        self.fire_errors(ErrorCode::InteractiveNotExecuted, &mut out);
                    }
                }
            }
            AdEvent::Position(at) => {
                if self.phase != Phase::Due {
                    self.advance(at, &mut out);
                }
            }
            AdEvent::Paused => {
                if self.phase == Phase::Playing {
                    self.phase = Phase::Paused;
                    self.fire_each(Event::Pause, &mut out);
                }
            }
            AdEvent::Resumed => {
                if self.phase == Phase::Paused {
                    self.phase = Phase::Playing;
                    self.fire_each(Event::Resume, &mut out);
                }
            }
            AdEvent::Completed => {
                if self.phase != Phase::Due {
                    self.advance(self.ad.duration, &mut out);
                    self.fire_event(Event::Complete, &mut out);
                    self.phase = Phase::Ended;
                }
            }
            AdEvent::Skipped => {
                if self.phase != Phase::Due {
                    self.fire_event(Event::Skip, &mut out);
                    self.phase = Phase::Ended;
                }
            }
            AdEvent::Closed => {
                if self.phase != Phase::Due {
                    self.fire_event(Event::Close, &mut out);
                }
                self.phase = Phase::Ended;
            }
            AdEvent::Failed(code) => {
                self.fire_errors(code, &mut out);
                self.phase = Phase::Ended;
            }
        }
        out
    }

    /// Quartiles and progress offsets up to `at`, in the order they fall.
    fn advance(&mut self, at: Duration, out: &mut Vec<Beacon>) {
        let at = at.min(self.ad.duration);
        self.position = self.position.max(at);
        let duration = self.ad.duration;
        let mut due: Vec<(Duration, usize)> = Vec::new();
        for (i, t) in self.ad.tracking.iter().enumerate() {
            if self.fired[i] {
                continue;
            }
            let point = match (t.event, t.offset) {
                (Event::FirstQuartile, _) => Offset::Percent(25),
                (Event::Midpoint, _) => Offset::Percent(50),
                (Event::ThirdQuartile, _) => Offset::Percent(75),
                (Event::Progress, Some(o)) => o,
                _ => continue,
            }
            .within(duration);
            if point <= self.position {
                due.push((point, i));
            }
        }
        // Stable: equal points keep the document's order.
        due.sort_by_key(|(point, _)| *point);
        for (_, i) in due {
            self.fired[i] = true;
            let t = &self.ad.tracking[i];
            out.push(self.beacon(t.event.name(), t.url.clone(), None));
        }
    }

    /// Every tracker of a once-only event, if not fired yet.
    fn fire_event(&mut self, event: Event, out: &mut Vec<Beacon>) {
        for i in 0..self.ad.tracking.len() {
            if self.ad.tracking[i].event == event && !self.fired[i] {
                self.fired[i] = true;
                let url = self.ad.tracking[i].url.clone();
                out.push(self.beacon(event.name(), url, None));
            }
        }
    }

    /// Every tracker of an event that fires at each occurrence.
    fn fire_each(&self, event: Event, out: &mut Vec<Beacon>) {
        for t in self.ad.tracking.iter().filter(|t| t.event == event) {
            out.push(self.beacon(event.name(), t.url.clone(), None));
        }
    }

    fn fire_errors(&self, code: ErrorCode, out: &mut Vec<Beacon>) {
        for url in &self.ad.errors {
            out.push(self.beacon("error", url.clone(), Some(code.code())));
        }
    }

    fn beacon(&self, what: &'static str, url: String, error: Option<u16>) -> Beacon {
        Beacon {
            what,
            url,
            playhead: self.position,
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ads::chain::tests::playable;

    fn whats(beacons: &[Beacon]) -> Vec<String> {
        beacons
            .iter()
            .map(|b| format!("{} {}", b.what, b.url.rsplit('/').next().unwrap_or("")))
            .collect()
    }

    #[test]
    fn fires_each_tracker_once_in_order_through_pause_and_resume() {
        let mut t = AdTracker::new(playable(Duration::from_secs(20)));
        assert!(
            t.on(AdEvent::Position(Duration::from_secs(1))).is_empty(),
            "nothing before shown"
        );
        assert_eq!(
            whats(&t.on(AdEvent::Shown)),
            [
                "impression imp",
                "impression w-imp",
                "creativeView view",
                "start start",
                "start w-start"
            ]
        );
        assert!(t.on(AdEvent::Shown).is_empty());
        // A jump past two points fires both, in time order.
        assert_eq!(
            whats(&t.on(AdEvent::Position(Duration::from_secs(11)))),
            ["firstQuartile q1", "progress p5s", "midpoint mid"]
        );
        assert!(t.on(AdEvent::Position(Duration::from_secs(11))).is_empty());
        assert_eq!(whats(&t.on(AdEvent::Paused)), ["pause pause"]);
        assert!(
            t.on(AdEvent::Paused).is_empty(),
            "no second pause without a resume"
        );
        assert_eq!(whats(&t.on(AdEvent::Resumed)), ["resume resume"]);
        assert_eq!(whats(&t.on(AdEvent::Paused)), ["pause pause"]);
        assert_eq!(whats(&t.on(AdEvent::Resumed)), ["resume resume"]);
        // Going back (a clock that stepped back) fires nothing again.
        assert!(t.on(AdEvent::Position(Duration::from_secs(2))).is_empty());
        assert_eq!(
            whats(&t.on(AdEvent::Completed)),
            ["thirdQuartile q3", "complete done", "complete w-done"]
        );
        assert!(t.ended());
        for e in [
            AdEvent::Completed,
            AdEvent::Closed,
            AdEvent::Paused,
            AdEvent::Failed(ErrorCode::Linear),
        ] {
            assert!(t.on(e).is_empty());
        }
    }

    #[test]
    fn skip_close_and_errors_end_the_ad() {
        let mut t = AdTracker::new(playable(Duration::from_secs(20)));
        t.on(AdEvent::Shown);
        assert_eq!(whats(&t.on(AdEvent::Skipped)), ["skip skip"]);
        assert!(t.on(AdEvent::Completed).is_empty());

        let mut t = AdTracker::new(playable(Duration::from_secs(20)));
        t.on(AdEvent::Shown);
        assert_eq!(whats(&t.on(AdEvent::Closed)), ["closeLinear close"]);

        let mut t = AdTracker::new(playable(Duration::from_secs(20)));
        let e = t.on(AdEvent::Failed(ErrorCode::FileNotFound));
        assert_eq!(whats(&e), ["error err", "error w-err"]);
        assert!(e.iter().all(|b| b.error == Some(401)));
        assert!(t.on(AdEvent::Shown).is_empty());
    }
}
