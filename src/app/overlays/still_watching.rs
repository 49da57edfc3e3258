//! "Are you still watching?": after a while without a key press while an
//! episode plays (time, not episodes: they last a minute or two), the
//! episode pauses and the question comes up; Continue plays on, Stop (or
//! Back) leaves the player.

use crate::i18n::tr;
use crate::input::Action;

use crate::app::context::Ctx;

/// How a key left the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StillWatchingOutcome {
    Open,
    Continue,
    Stop,
    /// Not for the question: Exit and the red key still work (leaving the
    /// player closes it).
    PassOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StillWatching {
    /// Continue has the focus (else Stop).
    pub continue_focused: bool,
}

impl Default for StillWatching {
    fn default() -> StillWatching {
        StillWatching {
            continue_focused: true,
        }
    }
}

impl StillWatching {
    /// Whether to ask now: an episode plays, and no key came for the time
    /// the settings give (0: never).
    pub fn due(ctx: &Ctx) -> bool {
        let limit_ms = u64::from(ctx.settings.still_watching_min) * 60_000;
        limit_ms > 0 && ctx.now_ms.saturating_sub(ctx.last_key_ms) >= limit_ms
    }

    pub fn on_action(&mut self, action: Action) -> StillWatchingOutcome {
        match action {
            Action::Left | Action::Right | Action::Up | Action::Down => {
                self.continue_focused = !self.continue_focused;
                StillWatchingOutcome::Open
            }
            Action::Ok | Action::Play | Action::PlayPause if self.continue_focused => {
                StillWatchingOutcome::Continue
            }
            Action::Ok | Action::Back => StillWatchingOutcome::Stop,
            Action::Exit | Action::Red => StillWatchingOutcome::PassOn,
            _ => StillWatchingOutcome::Open,
        }
    }

    pub fn describe(&self, ctx: &Ctx) -> String {
        let l = ctx.lang();
        format!(
            "{} {}",
            tr(l, "still-watching", &[]),
            tr(
                l,
                if self.continue_focused {
                    "still-watching-continue"
                } else {
                    "still-watching-stop"
                },
                &[]
            )
        )
    }
}
