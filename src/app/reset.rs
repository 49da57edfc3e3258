//! "Reset this box" (Settings): everything the box keeps about the viewer
//! goes, in memory here and on disk through [`Command::ResetBox`], and the
//! box starts again as new, on the first-run screen in the box's language.
//! What is the box's and not the viewer's stays: the catalog (and the
//! place in it the catalog feed keeps), the clocks, the unlock API the
//! catalog names.

use super::screens::{Home, ScreenState, Welcome};
use super::settings::Settings;
use super::sleep::Sleep;
use super::{App, Command, Ctx};
use crate::i18n::tr;
use crate::unlock::UnlockCommand;

impl App {
    pub(super) fn reset_box(&mut self, out: &mut Vec<Command>) {
        // Nothing of the old screens is saved on the way out (a player
        // leaving would write the history again): the screens just go.
        out.push(Command::Stop);
        out.push(Command::CancelPreload);
        out.push(Command::Unlock(UnlockCommand::StopPairing));
        if self.sleep.timer().is_some() {
            out.push(Command::Fade(1.0));
        }
        self.sleep = Sleep::default();
        self.intent = None;
        self.keep_sent = None;
        self.overlay = None;
        self.last_spoken.clear();
        let languages = self.ctx.languages_command();
        self.ctx.forget_viewer();
        out.push(Command::ResetBox);
        let now = self.ctx.languages_command();
        if now != languages {
            out.push(now);
        }
        self.stack = vec![
            ScreenState::Home(Home::default()),
            ScreenState::Welcome(Welcome::default()),
        ];
        self.ctx.show_toast(tr(self.ctx.lang(), "toast-reset", &[]));
        tracing::info!("this box was reset");
    }
}

impl Ctx {
    /// The viewer's part of the context goes: settings (the UI language
    /// becomes the box's again), history, parental control and the series
    /// opened with the PIN, the ad ledger, pairing, entitlements, grants.
    fn forget_viewer(&mut self) {
        self.settings = Settings::default();
        self.history = Default::default();
        self.parental_unlocked.clear();
        self.ad_ledger = Default::default();
        self.paired = false;
        self.entitlements = None;
        self.device_entitlements = None;
        self.grants.clear();
        self.stored.clear();
        // What the old viewer did is not reported after the reset.
        self.insight.clear();
        self.language_changed();
    }
}
