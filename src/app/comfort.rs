//! Long sessions: "Are you still watching?" after a while without a key
//! press (time, not episodes: they last a minute or two), and a sleep timer
//! from the player's controls that fades the programme out and stops it.

use super::{App, Command, Control, Screen};
use crate::i18n::tr;
use crate::input::Action;

/// Sleep timer choices, minutes (OK on the control steps through them,
/// then off).
pub const SLEEP_MINUTES: &[u32] = &[15, 30, 60, 90];
/// The last stretch of a sleep timer, over which the sound fades out and
/// the picture dims.
pub const FADE_MS: u64 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SleepTimer {
    pub minutes: u32,
    /// The programme stops at this tick.
    pub until_ms: u64,
}

impl App {
    /// The sleep timer, while it runs.
    pub fn sleep_timer(&self) -> Option<SleepTimer> {
        self.sleep
    }

    /// "Are you still watching?" is up: `Some(true)` with Continue focused.
    pub fn still_watching(&self) -> Option<bool> {
        self.still_watching
    }

    /// The programme's level under a sleep timer's fade: 1 until the last
    /// [`FADE_MS`], then down to 0.
    pub fn fade(&self) -> f64 {
        match self.sleep {
            Some(t) => (t.until_ms.saturating_sub(self.now_ms) as f64 / FADE_MS as f64).min(1.0),
            None => 1.0,
        }
    }

    /// The sleep control's label: "Sleep timer" or "Sleep in 12 min".
    pub fn sleep_label(&self) -> String {
        match self.sleep {
            Some(t) => {
                let left = t.until_ms.saturating_sub(self.now_ms).div_ceil(60_000);
                tr(&self.lang, "sleep-in", &[("minutes", left.into())])
            }
            None => tr(&self.lang, "sleep-off", &[]),
        }
    }

    /// OK on the sleep control: the next choice, then off.
    pub(super) fn step_sleep_timer(&mut self, out: &mut Vec<Command>) {
        let next = match self.sleep {
            None => Some(SLEEP_MINUTES[0]),
            Some(t) => SLEEP_MINUTES.iter().copied().find(|&m| m > t.minutes),
        };
        let was_fading = self.fade() < 1.0;
        self.sleep = next.map(|minutes| SleepTimer {
            minutes,
            until_ms: self.now_ms + u64::from(minutes) * 60_000,
        });
        if was_fading {
            self.fade_sent = 1.0;
            out.push(Command::Fade(1.0));
        }
        let toast = match next {
            Some(m) => tr(&self.lang, "toast-sleep", &[("minutes", m.into())]),
            None => tr(&self.lang, "toast-sleep-off", &[]),
        };
        self.show_toast(toast);
    }

    /// Keys while "Are you still watching?" is up. True when it took them.
    pub(super) fn still_watching_action(&mut self, action: Action, out: &mut Vec<Command>) -> bool {
        let Some(continue_focused) = self.still_watching else {
            return false;
        };
        match action {
            Action::Left | Action::Right | Action::Up | Action::Down => {
                self.still_watching = Some(!continue_focused);
            }
            Action::Ok | Action::Play | Action::PlayPause if continue_focused => {
                self.still_watching = None;
                self.set_paused(false, out);
            }
            Action::Ok | Action::Back => {
                self.still_watching = None;
                self.stop_watching(out);
            }
            // Exit and Settings still work (leaving the player closes it).
            Action::Exit | Action::Red => return false,
            _ => {}
        }
        true
    }

    /// Leaves the player for the series page (the episode's place kept).
    fn stop_watching(&mut self, out: &mut Vec<Command>) {
        let Some(p) = self.player.clone() else {
            return;
        };
        self.leave_player(out);
        if self.screen() == &Screen::Player {
            self.stack.pop();
        }
        self.focus_episode_in_series(&p.series, p.episode);
    }

    /// Every tick: the question after the set time without a key, the sleep
    /// timer's fade and its end.
    pub(super) fn comfort_tick(&mut self, out: &mut Vec<Command>) {
        let playing = self.screen() == &Screen::Player
            && self
                .player
                .as_ref()
                .is_some_and(|p| !p.paused && p.phase == super::Phase::Playing);
        let limit_ms = u64::from(self.settings.still_watching_min) * 60_000;
        if playing
            && limit_ms > 0
            && self.still_watching.is_none()
            && self.now_ms.saturating_sub(self.last_key_ms) >= limit_ms
        {
            self.set_paused(true, out);
            self.still_watching = Some(true);
        }
        let Some(timer) = self.sleep else {
            return;
        };
        if self.now_ms >= timer.until_ms {
            self.sleep = None;
            out.push(Command::Fade(1.0));
            if self.player.is_some() {
                self.stop_watching(out);
                self.show_toast(tr(&self.lang, "toast-sleep-done", &[]));
            }
        } else if self.player.is_some() && timer.until_ms - self.now_ms <= FADE_MS {
            // Twenty steps over the fade: smooth enough, few commands.
            let level = (self.fade() * 20.0).ceil() / 20.0;
            if level != self.fade_sent {
                self.fade_sent = level;
                out.push(Command::Fade(level));
            }
            return;
        }
        self.fade_sent = 1.0;
    }

    /// The still-watching question read aloud.
    pub(super) fn describe_still_watching(&self) -> Option<String> {
        let focus = self.still_watching?;
        let l = self.lang.as_str();
        Some(format!(
            "{} {}",
            tr(l, "still-watching", &[]),
            tr(
                l,
                if focus {
                    "still-watching-continue"
                } else {
                    "still-watching-stop"
                },
                &[]
            )
        ))
    }

    /// The player's controls in screen order.
    pub fn controls() -> [Control; 4] {
        [
            Control::Previous,
            Control::PlayPause,
            Control::Next,
            Control::Sleep,
        ]
    }
}
