//! Hero previews on Home: once the focus has rested on a series for
//! [`PREVIEW_DWELL_MS`], its preview clip (else its first episode) plays
//! without sound in the hero; it stops as the focus moves, and OK goes on
//! into the episode from the frame on screen, with sound, as a preloaded
//! episode would: the same playback, no new start.

use super::screens::player::Player;
use super::screens::{Screen, ScreenState};
use super::{App, Command, Playback};
use crate::app::context::StreamFor;
use crate::episode::EpisodeId;
use crate::input::Action;
use crate::playback::StreamSource;

/// How long the focus rests on a series before its preview plays: longer
/// than scrolling past takes, so that moving along a row stays still.
pub const PREVIEW_DWELL_MS: u64 = 2_000;

/// What a preview plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewOf {
    /// The catalog's `preview` clip.
    Clip(String),
    /// This episode from its start (the series' first).
    Episode(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub series: String,
    pub of: PreviewOf,
    since_ms: u64,
    /// The id it plays under, once asked for.
    pub id: Option<EpisodeId>,
    /// Its first frame came: the hero shows it.
    pub showing: bool,
    /// It ended or failed: it is not played again until the focus moves.
    done: bool,
    position_ms: u64,
}

impl App {
    /// The preview on Home, while it plays.
    pub fn preview(&self) -> Option<&Preview> {
        self.preview.as_ref().filter(|p| p.id.is_some() && !p.done)
    }

    /// What Home would preview now: the focused series' clip, else its
    /// first episode when that plays with no unlocking and no PIN. None
    /// when previews are off or anything but Home's rows has the focus.
    fn preview_wanted(&self) -> Option<(String, PreviewOf)> {
        if !self.ctx.settings.previews_on()
            || self.overlay.is_some()
            || self.stack.len() > 1
            || self.home().settings_focused()
        {
            return None;
        }
        let series = self.home().focused_series(&self.ctx)?;
        if self.ctx.parental_locked(series) {
            return None;
        }
        if let Some(url) = &series.preview {
            return Some((series.id.clone(), PreviewOf::Clip(url.clone())));
        }
        let first = series.episodes.iter().map(|e| e.number).min()?;
        if !self.ctx.playable(series, first)
            || !matches!(self.ctx.stream_for(&series.id, first), StreamFor::Ready(_))
        {
            return None;
        }
        Some((series.id.clone(), PreviewOf::Episode(first)))
    }

    /// Starts the preview once the focus has rested, stops it when the
    /// focus moves or Home is left. Runs before preload on intent: a
    /// preview's play drops the player's preload, which intent then makes
    /// again.
    pub(super) fn follow_preview(&mut self, out: &mut Vec<Command>) {
        let wanted = self.preview_wanted();
        let same = match (&self.preview, &wanted) {
            (Some(p), Some((series, of))) => &p.series == series && &p.of == of,
            (None, None) => true,
            _ => false,
        };
        if !same {
            if let Some(id) = self.preview.take().and_then(|p| p.id.filter(|_| !p.done)) {
                out.push(Command::StopPreview { id });
            }
            self.preview = wanted.map(|(series, of)| Preview {
                series,
                of,
                since_ms: self.ctx.now_ms,
                id: None,
                showing: false,
                done: false,
                position_ms: 0,
            });
        }
        let now = self.ctx.now_ms;
        let Self {
            preview,
            ctx,
            intent,
            ..
        } = self;
        let Some(p) = preview.as_mut() else {
            return;
        };
        if p.id.is_some() || p.done || now.saturating_sub(p.since_ms) < PREVIEW_DWELL_MS {
            return;
        }
        let source = match &p.of {
            PreviewOf::Clip(url) => StreamSource::plain(url.clone()),
            PreviewOf::Episode(n) => match ctx.stream_for(&p.series, *n) {
                StreamFor::Ready(source) => source,
                StreamFor::NeedsGrant | StreamFor::Missing => {
                    p.done = true;
                    return;
                }
            },
        };
        let id = ctx.new_episode_id();
        p.id = Some(id);
        out.push(Command::Preview {
            id,
            source,
            series: p.series.clone(),
        });
        // Its play took the player's preload, unless it was that episode
        // from its start: intent preloads what OK would play again.
        let same_start = match p.of {
            PreviewOf::Episode(n) => Some((p.series.as_str(), n, 0)),
            PreviewOf::Clip(_) => None,
        };
        if let Some(i) = intent.as_mut() {
            i.preload_again_unless(same_start);
        }
    }

    /// A report about the preview `id`, if it is the one on Home (true:
    /// it was, and is dealt with).
    pub(super) fn on_preview_playback(
        &mut self,
        id: EpisodeId,
        report: &Playback,
        out: &mut Vec<Command>,
    ) -> bool {
        let Some(p) = self.preview.as_mut().filter(|p| p.id == Some(id)) else {
            return false;
        };
        match report {
            Playback::Started => p.showing = true,
            Playback::Position { position_ms, .. } => p.position_ms = *position_ms,
            Playback::Ended | Playback::Failed { .. } => {
                if let Playback::Failed { message, .. } = report {
                    tracing::warn!(series = p.series, %message, "preview failed");
                }
                // The poster again; no second try while the focus stays.
                p.done = true;
                p.showing = false;
                out.push(Command::StopPreview { id });
            }
            Playback::Buffering(_)
            | Playback::Connection(_)
            | Playback::Broadcast(_)
            | Playback::OnAir(_)
            | Playback::Subtitles(_) => {}
        }
        true
    }

    /// OK (or Play) on Home while a preview plays: an episode's preview
    /// goes on in the player from where it is, with sound; a clip's gives
    /// way to the series' resume episode (preloaded on intent). False when
    /// there is no preview to go on from: Home handles the key.
    pub(super) fn continue_preview(&mut self, action: Action, out: &mut Vec<Command>) -> bool {
        if !matches!(action, Action::Ok | Action::Play | Action::PlayPause)
            || self.screen() != Screen::Home
        {
            return false;
        }
        let Some(p) = self.preview().cloned() else {
            return false;
        };
        let Some(id) = p.id else {
            return false;
        };
        self.preview = None;
        match p.of {
            PreviewOf::Clip(_) => {
                out.push(Command::StopPreview { id });
                self.open_series(&p.series, true, out);
            }
            PreviewOf::Episode(n) => {
                self.open_series(&p.series, false, out);
                self.focus_in_series(&p.series, n);
                let player =
                    Player::continued(&self.ctx, id, &p.series, n, p.position_ms, p.showing);
                out.push(Command::Continue {
                    id,
                    series: p.series.clone(),
                    episode: n,
                    start_ms: p.position_ms,
                    subtitles: player.subtitles.clone(),
                });
                self.stack.push(ScreenState::Player(Box::new(player)));
            }
        }
        true
    }
}
