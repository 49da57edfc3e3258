//! Preload on intent: what OK would play from where the focus rests, and
//! its preload once the focus has rested there a moment.

use super::overlays::Overlay;
use super::screens::{Screen, ScreenState};
use super::subtitles::subtitles_for;
use super::{App, Command, INTENT_DWELL_MS};
use crate::app::context::StreamFor;
use crate::catalog::model::SubtitleTrack;

/// The episode the focus points at, and since when.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Intent {
    series: String,
    number: u32,
    start_ms: u64,
    subtitles: Option<SubtitleTrack>,
    since_ms: u64,
    /// The preload command went out.
    sent: bool,
    /// Its grant was asked for (it needs one).
    asked: bool,
    /// A drama channel's episode on air (the channel's index): preloaded
    /// from where the channel is when the preload goes out.
    channel: Option<usize>,
}

impl App {
    /// The stream OK would play from where the focus is: on Home the
    /// focused series' resume episode, on a series page the Play button's
    /// or the focused episode. None elsewhere, or when it is locked.
    fn intended(&self) -> Option<Intent> {
        if matches!(self.overlay, Some(Overlay::Question(_))) {
            return None;
        }
        if let ScreenState::Home(h) = self.top()
            && let Some(channel) = h.focused_channel(&self.ctx)
        {
            return self.channel_intended(channel);
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
        if self.ctx.stream_for(&series, number) == StreamFor::Missing {
            return None;
        }
        Some(Intent {
            start_ms: self.ctx.history.resume_position(&series, number),
            subtitles: subtitles_for(s, e, &self.ctx.subtitle_prefs()).cloned(),
            series,
            number,
            since_ms: self.ctx.now_ms,
            sent: false,
            asked: false,
            channel: None,
        })
    }

    /// What OK on a channel's card would play: the episode it has on air
    /// (its start decided when the preload goes out).
    fn channel_intended(&self, channel: usize) -> Option<Intent> {
        let on = self.ctx.on_air(channel, 0)?;
        let (s, e) = self.ctx.episode(&on.series, on.episode)?;
        if !self.ctx.on_air_playable(&on.series, on.episode)
            || self.ctx.stream_for(&on.series, on.episode) == StreamFor::Missing
        {
            return None;
        }
        Some(Intent {
            start_ms: 0,
            subtitles: subtitles_for(s, e, &self.ctx.subtitle_prefs()).cloned(),
            series: on.series,
            number: on.episode,
            since_ms: self.ctx.now_ms,
            sent: false,
            asked: false,
            channel: Some(channel),
        })
    }

    /// The episode whose grant the focus holds (asked for on intent).
    pub(super) fn intent_grant(&self) -> Option<(String, u32)> {
        let i = self.intent.as_ref().filter(|i| i.asked)?;
        Some((i.series.clone(), i.number))
    }

    /// Preload on intent: once the focus has rested on an episode for
    /// [`INTENT_DWELL_MS`], preload it, so that OK shows its first frame at
    /// once; when the focus moves on, drop that preload (but not when the
    /// viewer pressed OK: playing it activates the preload).
    pub(super) fn follow_intent(&mut self, out: &mut Vec<Command>) {
        let wanted = self.intended();
        let same = |a: &Option<Intent>, b: &Option<Intent>| {
            let key = |i: &Intent| (i.series.clone(), i.number, i.start_ms);
            a.as_ref().map(key) == b.as_ref().map(key)
        };
        if !same(&self.intent, &wanted) {
            let old = std::mem::replace(&mut self.intent, wanted);
            let playing = self.screen() == Screen::Player;
            if old.is_some_and(|o| o.sent) && !playing {
                out.push(Command::CancelPreload);
            }
        }
        let now = self.ctx.now_ms;
        let Self {
            intent,
            ctx,
            channel_preload,
            ..
        } = self;
        if let Some(i) = intent
            && !i.sent
            && now.saturating_sub(i.since_ms) >= INTENT_DWELL_MS
        {
            // A channel's episode: from where the channel is now (if it
            // still has it on air).
            let start_ms = match i.channel {
                Some(ch) => match ctx.on_air(ch, 0) {
                    Some(on) if on.series == i.series && on.episode == i.number => on.offset_ms,
                    _ => return,
                },
                None => i.start_ms,
            };
            // A granted episode: its grant first, then (on a later event,
            // once it came) the preload.
            match ctx.stream_for(&i.series, i.number) {
                StreamFor::Ready(source) => {
                    i.sent = true;
                    out.push(Command::Preload {
                        source,
                        start_ms,
                        subtitles: i.subtitles.clone(),
                        beside: false,
                    });
                    if i.channel.is_some() {
                        *channel_preload = Some((i.series.clone(), i.number, start_ms));
                    }
                }
                StreamFor::NeedsGrant if !i.asked => {
                    i.asked = true;
                    out.extend(ctx.grants.ask(&i.series, i.number));
                }
                StreamFor::NeedsGrant | StreamFor::Missing => {}
            }
        }
    }
}

impl Intent {
    /// The player's preload was taken (a preview played): made again on
    /// the next event, unless the preview was of this very episode and
    /// start, `(series, number, start_ms)`, which then plays as it is.
    pub(super) fn preload_again_unless(&mut self, same: Option<(&str, u32, u64)>) {
        if same != Some((self.series.as_str(), self.number, self.start_ms)) {
            self.sent = false;
        }
    }
}
