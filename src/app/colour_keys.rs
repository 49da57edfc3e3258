//! The colour keys, the same on every screen: green turns subtitles off or
//! on, yellow steps through the episode's audio languages, blue turns the
//! spoken UI on or off (red opens Settings: see the App).

use crate::i18n::tr;

use super::context::Ctx;
use super::settings::SubtitleMode;
use super::{App, Command, Screen, ScreenState};
use crate::language::same_language;

impl App {
    /// The green key: subtitles off, or on (from off).
    pub(super) fn toggle_subtitles(&mut self, out: &mut Vec<Command>) {
        let ctx = &mut self.ctx;
        ctx.settings.subtitles = match ctx.settings.subtitles {
            SubtitleMode::Off => SubtitleMode::On,
            _ => SubtitleMode::Off,
        };
        let id = match ctx.settings.subtitles {
            SubtitleMode::Off => "toast-subtitles-off",
            _ => "toast-subtitles-on",
        };
        ctx.show_toast(tr(ctx.lang(), id, &[]));
        out.push(Command::SaveSettings(ctx.settings.clone()));
    }

    /// The yellow key: the next audio language of the episode on screen
    /// (or of the focused series); the episode starts again in it.
    pub(super) fn next_audio_language(&mut self, out: &mut Vec<Command>) {
        let ctx = &self.ctx;
        let series = match self.top() {
            ScreenState::Player(_) | ScreenState::Locked(_) => {
                self.player().and_then(|p| ctx.series(&p.series))
            }
            ScreenState::Series(p) => ctx.series(&p.id),
            _ => self.home().focused_series(ctx),
        };
        let Some(series) = series else { return };
        let episode = self
            .player()
            .and_then(|p| series.episodes.iter().find(|e| e.number == p.episode));
        let languages = match episode {
            Some(e) if !e.audio_languages.is_empty() => e.audio_languages.clone(),
            _ => series.languages.audio.clone(),
        };
        if languages.len() < 2 {
            let only = languages.first().map(|l| crate::i18n::language_name(l));
            let text = tr(
                ctx.lang(),
                "toast-audio-only",
                &[("language", only.unwrap_or_default().into())],
            );
            self.ctx.show_toast(text);
            return;
        }
        let next = next_language(ctx, &languages);
        let name = crate::i18n::language_name(&next);
        self.ctx.settings.audio_language = Some(next);
        let toast = tr(self.ctx.lang(), "toast-audio", &[("language", name.into())]);
        self.ctx.show_toast(toast);
        out.push(Command::SaveSettings(self.ctx.settings.clone()));
        out.push(self.ctx.languages_command());
        if self.screen() == Screen::Player
            && let Some(p) = self.player()
        {
            let (series, episode) = (p.series.clone(), p.episode);
            self.start_episode(&series, episode, out);
        }
    }

    /// The blue key: spoken UI on or off (saying so either way).
    pub(super) fn toggle_spoken(&mut self, out: &mut Vec<Command>) {
        let spoken = &mut self.ctx.settings.spoken;
        spoken.on = !spoken.on;
        let id = if spoken.on {
            "toast-spoken-on"
        } else {
            "toast-spoken-off"
        };
        let text = tr(self.ctx.lang(), id, &[]);
        if !self.ctx.settings.spoken.on {
            // The last thing said: that it stops.
            out.push(self.speak_command(text.clone()));
        }
        self.ctx.show_toast(text);
        out.push(Command::SaveSettings(self.ctx.settings.clone()));
    }
}

/// The language after the one the viewer hears now, in `languages`.
fn next_language(ctx: &Ctx, languages: &[String]) -> String {
    let now = languages
        .iter()
        .position(|l| same_language(l, ctx.audio_language()))
        .map_or(0, |i| (i + 1) % languages.len());
    languages[now].clone()
}
