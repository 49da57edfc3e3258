//! The parental PIN dialog, over any screen: four digits typed with the
//! number keys, or chosen with Up/Down and taken with OK (remotes without
//! numbers); Left takes one back. Too many wrong PINs and the box waits.

use crate::i18n::tr;
use crate::input::Action;

use crate::app::context::{Ctx, join};
use crate::app::parental;

#[derive(Debug, Clone, PartialEq)]
pub enum PinPurpose {
    /// A new PIN, then the same again.
    Choose,
    Confirm(String),
    /// The PIN opens the parental settings, or a series above the limit
    /// (and plays it, if OK was to play).
    OpenSettings,
    OpenSeries {
        id: String,
        play: bool,
    },
    /// "Reset this box" would take the PIN away with everything else: the
    /// PIN first, then the question.
    ResetBox,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PinMessage {
    Wrong {
        left: u32,
    },
    Mismatch,
    /// Too many wrong PINs: wait until this tick.
    Wait {
        until_ms: u64,
    },
}

/// The dialog: what it is for and what was typed.
#[derive(Debug, Clone, PartialEq)]
pub struct PinDialog {
    pub purpose: PinPurpose,
    /// Digits typed so far.
    pub entered: String,
    /// The digit Up/Down choose before OK adds it.
    pub pending: u8,
    pub message: Option<PinMessage>,
    /// A PIN was checked since the App last saved (failures to keep).
    pub(crate) tried: bool,
}

/// How a key left the dialog.
#[derive(Debug, Clone, PartialEq)]
pub enum PinOutcome {
    /// Still open.
    Open,
    /// Closed with Back.
    Cancelled,
    /// A new PIN, chosen and confirmed: parental control is on.
    Chosen,
    /// The right PIN for this purpose.
    Accepted(PinPurpose),
}

impl PinDialog {
    /// The dialog for `purpose` (saying so if the box is still waiting
    /// after wrong PINs).
    pub fn new(ctx: &Ctx, purpose: PinPurpose) -> PinDialog {
        let message =
            ctx.settings
                .parental
                .wait_left(ctx.now_wall())
                .map(|left| PinMessage::Wait {
                    until_ms: ctx.now_ms + left,
                });
        PinDialog {
            purpose,
            entered: String::new(),
            pending: 0,
            message,
            tried: false,
        }
    }

    pub fn on_action(&mut self, ctx: &mut Ctx, action: Action) -> PinOutcome {
        let waiting = ctx.settings.parental.wait_left(ctx.now_wall()).is_some();
        match action {
            Action::Back => return PinOutcome::Cancelled,
            _ if waiting => return PinOutcome::Open,
            Action::Up => self.pending = (self.pending + 1) % 10,
            Action::Down => self.pending = (self.pending + 9) % 10,
            Action::Left => {
                self.entered.pop();
            }
            Action::Ok | Action::Right => {
                self.entered.push(char::from(b'0' + self.pending));
                self.pending = 0;
            }
            a => match a.digit() {
                Some(d) => self.entered.push(char::from(b'0' + d)),
                None => return PinOutcome::Open,
            },
        }
        if self.entered.len() < parental::PIN_LENGTH {
            return PinOutcome::Open;
        }
        let pin = std::mem::take(&mut self.entered);
        match self.purpose.clone() {
            PinPurpose::Choose => {
                self.purpose = PinPurpose::Confirm(pin);
                self.message = None;
                PinOutcome::Open
            }
            PinPurpose::Confirm(first) if first == pin => {
                ctx.settings.parental.set_pin(&pin);
                PinOutcome::Chosen
            }
            PinPurpose::Confirm(_) => {
                self.purpose = PinPurpose::Choose;
                self.message = Some(PinMessage::Mismatch);
                PinOutcome::Open
            }
            purpose => {
                self.tried = true;
                if ctx.settings.parental.check(&pin) {
                    ctx.settings.parental.succeeded();
                    return PinOutcome::Accepted(purpose);
                }
                let now = ctx.now_wall();
                self.message = Some(match ctx.settings.parental.failed(now) {
                    parental::Failed::Wait(ms) => PinMessage::Wait {
                        until_ms: ctx.now_ms + ms,
                    },
                    parental::Failed::Left(left) => PinMessage::Wrong { left },
                });
                PinOutcome::Open
            }
        }
    }

    /// The dialog's title and message (empty when none), in the UI
    /// language: shown by the view and read by the spoken UI.
    pub fn texts(&self, ctx: &Ctx) -> (String, String) {
        let lang = ctx.lang();
        let title = match self.purpose {
            PinPurpose::Choose => "pin-choose",
            PinPurpose::Confirm(_) => "pin-confirm",
            _ => "pin-enter",
        };
        let message = match self.message {
            Some(PinMessage::Wrong { left }) => tr(lang, "pin-wrong", &[("left", left.into())]),
            Some(PinMessage::Mismatch) => tr(lang, "pin-mismatch", &[]),
            Some(PinMessage::Wait { until_ms }) => {
                let seconds = until_ms.saturating_sub(ctx.now_ms).div_ceil(1000);
                tr(lang, "pin-wait", &[("seconds", seconds.into())])
            }
            None => String::new(),
        };
        (tr(lang, title, &[]), message)
    }

    pub fn describe(&self, ctx: &Ctx) -> String {
        let (title, message) = self.texts(ctx);
        join(&[
            message,
            title,
            tr(
                ctx.lang(),
                "spoken-digits",
                &[("count", self.entered.len().into())],
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::history::History;
    use crate::app::settings::Settings;

    #[test]
    fn a_pin_is_chosen_twice_then_checked_and_up_down_pick_digits() {
        let mut ctx = Ctx::new("en", Settings::default(), History::default());
        let mut d = PinDialog::new(&ctx, PinPurpose::Choose);
        for a in [Action::Digit1, Action::Digit2, Action::Digit3] {
            assert_eq!(d.on_action(&mut ctx, a), PinOutcome::Open);
        }
        assert_eq!(d.on_action(&mut ctx, Action::Digit4), PinOutcome::Open);
        assert!(matches!(d.purpose, PinPurpose::Confirm(_)));
        // Up twice and OK: a 2, not what was typed first: chosen again.
        for a in [Action::Digit1, Action::Digit2, Action::Digit3] {
            d.on_action(&mut ctx, a);
        }
        d.on_action(&mut ctx, Action::Up);
        d.on_action(&mut ctx, Action::Up);
        assert_eq!(d.pending, 2);
        assert_eq!(d.on_action(&mut ctx, Action::Ok), PinOutcome::Open);
        assert_eq!(d.message, Some(PinMessage::Mismatch));
        for a in [
            Action::Digit1,
            Action::Digit2,
            Action::Digit3,
            Action::Digit4,
        ] {
            d.on_action(&mut ctx, a);
        }
        for a in [Action::Digit1, Action::Digit2, Action::Digit3] {
            d.on_action(&mut ctx, a);
        }
        assert_eq!(d.on_action(&mut ctx, Action::Digit4), PinOutcome::Chosen);
        assert!(ctx.settings.parental.on());
        let mut d = PinDialog::new(&ctx, PinPurpose::OpenSettings);
        for a in [Action::Digit1, Action::Digit2, Action::Digit3] {
            d.on_action(&mut ctx, a);
        }
        assert_eq!(
            d.on_action(&mut ctx, Action::Digit4),
            PinOutcome::Accepted(PinPurpose::OpenSettings)
        );
        assert_eq!(d.on_action(&mut ctx, Action::Back), PinOutcome::Cancelled);
    }
}
