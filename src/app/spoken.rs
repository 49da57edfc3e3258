//! The spoken UI's side of the app core: what has the focus, as a
//! sentence in the UI language, said again only when it changes.

use super::overlays::Overlay;
use super::screens::ScreenState;
use super::{App, Command};

impl App {
    /// What the viewer's focus is on, as a sentence to read aloud: an
    /// overlay, a colour key's note, else the focused item.
    pub fn describe(&self) -> String {
        match &self.overlay {
            Some(Overlay::StillWatching(q)) => return q.describe(&self.ctx),
            Some(Overlay::Pin(d)) => return d.describe(&self.ctx),
            Some(Overlay::Question(d)) => return d.describe(&self.ctx),
            None => {}
        }
        if let Some(toast) = self.ctx.toast() {
            return toast.to_owned();
        }
        let ctx = &self.ctx;
        match self.top() {
            ScreenState::Home(s) => s.describe(ctx),
            ScreenState::Series(s) => s.describe(ctx),
            ScreenState::Player(p) => p.describe(ctx, &self.sleep.label(ctx)),
            ScreenState::Locked(s) => s.describe(ctx),
            ScreenState::Settings(s) => s.describe(ctx),
            ScreenState::Welcome(s) => s.describe(ctx),
        }
    }

    /// Spoken UI: after a key, what has the focus now, if it changed.
    pub(super) fn speak_focus(&mut self, out: &mut Vec<Command>) {
        if !self.ctx.settings.spoken.on {
            self.last_spoken.clear();
            return;
        }
        let text = self.describe();
        if !text.is_empty() && text != self.last_spoken {
            self.last_spoken = text.clone();
            out.push(self.speak_command(text));
        }
    }

    pub(super) fn speak_command(&self, text: String) -> Command {
        let spoken = &self.ctx.settings.spoken;
        Command::Speak {
            text,
            lang: self.ctx.lang().to_owned(),
            rate: spoken.rate,
            volume: spoken.volume,
        }
    }
}
