//! "Leave pillarbox?": Back on Home asks before the app closes.

use crate::i18n::tr;
use crate::input::Action;

use crate::app::context::{Ctx, join};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitChoice {
    Stay,
    Exit,
}

/// How a key left the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveOutcome {
    Open,
    Stay,
    Exit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaveDialog {
    /// Stay has the focus first: one stray OK must not close the app.
    pub choice: ExitChoice,
}

impl Default for LeaveDialog {
    fn default() -> LeaveDialog {
        LeaveDialog {
            choice: ExitChoice::Stay,
        }
    }
}

impl LeaveDialog {
    pub fn on_action(&mut self, action: Action) -> LeaveOutcome {
        match action {
            Action::Left | Action::Right => {
                self.choice = match self.choice {
                    ExitChoice::Stay => ExitChoice::Exit,
                    ExitChoice::Exit => ExitChoice::Stay,
                };
                LeaveOutcome::Open
            }
            Action::Ok if self.choice == ExitChoice::Exit => LeaveOutcome::Exit,
            Action::Ok | Action::Back => LeaveOutcome::Stay,
            _ => LeaveOutcome::Open,
        }
    }

    /// "Leave <partner>?", the name as the catalog gives it.
    pub fn question(ctx: &Ctx) -> String {
        let name = Some(ctx.channel_name())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "pillarbox".into());
        tr(ctx.lang(), "leave-app", &[("name", name.into())])
    }

    pub fn describe(&self, ctx: &Ctx) -> String {
        let button = match self.choice {
            ExitChoice::Stay => "stay",
            ExitChoice::Exit => "exit",
        };
        join(&[Self::question(ctx), tr(ctx.lang(), button, &[])])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stay_has_the_focus_and_one_stray_ok_closes_nothing() {
        let mut d = LeaveDialog::default();
        assert_eq!(d.on_action(Action::Ok), LeaveOutcome::Stay);
        assert_eq!(d.on_action(Action::Right), LeaveOutcome::Open);
        assert_eq!(d.choice, ExitChoice::Exit);
        assert_eq!(d.on_action(Action::Down), LeaveOutcome::Open);
        assert_eq!(d.on_action(Action::Ok), LeaveOutcome::Exit);
        let mut d = LeaveDialog::default();
        assert_eq!(d.on_action(Action::Back), LeaveOutcome::Stay);
    }
}
