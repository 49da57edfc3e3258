//! The first-run screen: what an elderly viewer may need before anything
//! (language, text size, contrast, spoken UI), then "Start watching". Shown
//! once; it is the Settings screen with fewer rows.

use crate::input::Action;

use super::Nav;
use super::settings::{setting_text, step};
use crate::app::Command;
use crate::app::context::Ctx;
use crate::app::settings::{SettingRow, WELCOME};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Welcome {
    row: usize,
}

impl Welcome {
    pub fn rows(&self) -> &'static [SettingRow] {
        &WELCOME
    }

    pub fn row(&self) -> SettingRow {
        WELCOME[self.focused_index()]
    }

    pub fn focused_index(&self) -> usize {
        self.row.min(WELCOME.len() - 1)
    }

    pub fn on_action(&mut self, ctx: &mut Ctx, action: Action, out: &mut Vec<Command>) -> Nav {
        match action {
            Action::Ok | Action::Right | Action::Left if self.row() == SettingRow::Done => {
                return Nav::Back;
            }
            Action::Up => self.row = self.row.saturating_sub(1),
            Action::Down => self.row = (self.row + 1).min(WELCOME.len() - 1),
            Action::Left | Action::Right | Action::Ok => step(ctx, self.row(), action, out),
            Action::Back | Action::Red => return Nav::Back,
            _ => {}
        }
        Nav::Stay
    }

    /// Gone through: not shown again.
    pub fn leave(&self, ctx: &mut Ctx, out: &mut Vec<Command>) {
        ctx.settings.welcomed = true;
        out.push(Command::SaveSettings(ctx.settings.clone()));
    }

    pub fn describe(&self, ctx: &Ctx) -> String {
        let (label, value) = setting_text(ctx, self.row());
        crate::app::context::join(&[label, value])
    }
}
