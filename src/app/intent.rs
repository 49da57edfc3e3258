//! Preload on intent: what OK would play from where the focus rests, and
//! its preload once the focus has rested there a moment.

use super::overlays::Overlay;
use super::screens::{Screen, ScreenState};
use super::subtitles::subtitles_for;
use super::{App, Command, INTENT_DWELL_MS};
use crate::app::context::stream_url;
use crate::catalog::model::SubtitleTrack;

/// The episode the focus points at, and since when.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Intent {
    url: String,
    start_ms: u64,
    subtitles: Option<SubtitleTrack>,
    since_ms: u64,
    /// The preload command went out.
    sent: bool,
}

impl App {
    /// The stream OK would play from where the focus is: on Home the
    /// focused series' resume episode, on a series page the Play button's
    /// or the focused episode. None elsewhere, or when it is locked.
    fn intended(&self) -> Option<Intent> {
        if matches!(self.overlay, Some(Overlay::Leave(_))) {
            return None;
        }
        let (series, number) = match self.top() {
            ScreenState::Home(h) => h.intended(&self.ctx)?,
            ScreenState::Series(p) => p.intended(&self.ctx)?,
            _ => return None,
        };
        let (s, e) = self.ctx.episode(&series, number)?;
        if !self.ctx.playable(s, number) || self.ctx.parental_locked(s) {
            return None;
        }
        Some(Intent {
            url: stream_url(e)?,
            start_ms: self.ctx.history.resume_position(&series, number),
            subtitles: subtitles_for(s, e, &self.ctx.subtitle_prefs()).cloned(),
            since_ms: self.ctx.now_ms,
            sent: false,
        })
    }

    /// Preload on intent: once the focus has rested on an episode for
    /// [`INTENT_DWELL_MS`], preload it, so that OK shows its first frame at
    /// once; when the focus moves on, drop that preload (but not when the
    /// viewer pressed OK: playing it activates the preload).
    pub(super) fn follow_intent(&mut self, out: &mut Vec<Command>) {
        let wanted = self.intended();
        let same = |a: &Option<Intent>, b: &Option<Intent>| {
            a.as_ref().map(|i| (&i.url, i.start_ms)) == b.as_ref().map(|i| (&i.url, i.start_ms))
        };
        if !same(&self.intent, &wanted) {
            let old = std::mem::replace(&mut self.intent, wanted);
            let playing = self.screen() == Screen::Player;
            if old.is_some_and(|o| o.sent) && !playing {
                out.push(Command::CancelPreload);
            }
        }
        let now = self.ctx.now_ms;
        if let Some(i) = &mut self.intent
            && !i.sent
            && now.saturating_sub(i.since_ms) >= INTENT_DWELL_MS
        {
            i.sent = true;
            out.push(Command::Preload {
                url: i.url.clone(),
                start_ms: i.start_ms,
                subtitles: i.subtitles.clone(),
            });
        }
    }
}
