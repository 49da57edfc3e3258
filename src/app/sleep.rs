//! The sleep timer, set from the player's controls: the programme fades out
//! over its last half minute (sound and picture), then stops.

use crate::i18n::tr;

use super::Command;
use super::context::Ctx;

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

#[derive(Debug, Clone, PartialEq)]
pub struct Sleep {
    timer: Option<SleepTimer>,
    /// The last fade level sent.
    fade_sent: f64,
}

impl Default for Sleep {
    fn default() -> Sleep {
        Sleep {
            timer: None,
            fade_sent: 1.0,
        }
    }
}

/// What a tick of the timer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SleepTick {
    Running,
    /// Time is up: the episode stops.
    Done,
}

impl Sleep {
    pub fn timer(&self) -> Option<SleepTimer> {
        self.timer
    }

    /// The programme's level under a fade: 1 until the last [`FADE_MS`],
    /// then down to 0.
    pub fn fade(&self, now_ms: u64) -> f64 {
        match self.timer {
            Some(t) => (t.until_ms.saturating_sub(now_ms) as f64 / FADE_MS as f64).min(1.0),
            None => 1.0,
        }
    }

    /// The sleep control's label: "Sleep timer" or "Sleep in 12 min".
    pub fn label(&self, ctx: &Ctx) -> String {
        match self.timer {
            Some(t) => {
                let left = t.until_ms.saturating_sub(ctx.now_ms).div_ceil(60_000);
                tr(ctx.lang(), "sleep-in", &[("minutes", left.into())])
            }
            None => tr(ctx.lang(), "sleep-off", &[]),
        }
    }

    /// OK on the sleep control: the next choice, then off; says which.
    pub fn step(&mut self, ctx: &mut Ctx, out: &mut Vec<Command>) {
        let next = match self.timer {
            None => Some(SLEEP_MINUTES[0]),
            Some(t) => SLEEP_MINUTES.iter().copied().find(|&m| m > t.minutes),
        };
        let was_fading = self.fade(ctx.now_ms) < 1.0;
        self.timer = next.map(|minutes| SleepTimer {
            minutes,
            until_ms: ctx.now_ms + u64::from(minutes) * 60_000,
        });
        if was_fading {
            self.fade_sent = 1.0;
            out.push(Command::Fade(1.0));
        }
        let toast = match next {
            Some(m) => tr(ctx.lang(), "toast-sleep", &[("minutes", m.into())]),
            None => tr(ctx.lang(), "toast-sleep-off", &[]),
        };
        ctx.show_toast(toast);
    }

    /// Every tick: the fade over the last half minute while an episode is
    /// on (`playing`), and the end.
    pub fn tick(&mut self, ctx: &Ctx, playing: bool, out: &mut Vec<Command>) -> SleepTick {
        let Some(timer) = self.timer else {
            return SleepTick::Running;
        };
        if ctx.now_ms >= timer.until_ms {
            self.timer = None;
            out.push(Command::Fade(1.0));
            self.fade_sent = 1.0;
            return if playing {
                SleepTick::Done
            } else {
                SleepTick::Running
            };
        }
        if playing && timer.until_ms - ctx.now_ms <= FADE_MS {
            // Twenty steps over the fade: smooth enough, few commands.
            let level = (self.fade(ctx.now_ms) * 20.0).ceil() / 20.0;
            if level != self.fade_sent {
                self.fade_sent = level;
                out.push(Command::Fade(level));
            }
            return SleepTick::Running;
        }
        self.fade_sent = 1.0;
        SleepTick::Running
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::history::History;
    use crate::app::settings::Settings;

    #[test]
    fn the_timer_steps_fades_in_twenty_steps_and_ends() {
        let mut ctx = Ctx::new("en", Settings::default(), History::default());
        let mut sleep = Sleep::default();
        let mut out = Vec::new();
        sleep.step(&mut ctx, &mut out);
        assert_eq!(sleep.timer().map(|t| t.minutes), Some(15));
        assert_eq!(ctx.toast(), Some("Sleep timer: 15 minutes"));
        let end = 15 * 60_000;
        ctx.now_ms = end - FADE_MS / 2;
        assert_eq!(sleep.tick(&ctx, true, &mut out), SleepTick::Running);
        assert_eq!(out, [Command::Fade(0.5)]);
        out.clear();
        // The same level is not sent again.
        ctx.now_ms += 100;
        sleep.tick(&ctx, true, &mut out);
        assert!(out.is_empty(), "{out:?}");
        ctx.now_ms = end;
        assert_eq!(sleep.tick(&ctx, true, &mut out), SleepTick::Done);
        assert_eq!(out, [Command::Fade(1.0)]);
        assert_eq!(sleep.timer(), None);
        // Stepping past the last choice turns it off.
        for _ in 0..5 {
            sleep.step(&mut ctx, &mut out);
        }
        assert_eq!(sleep.timer(), None);
    }
}
