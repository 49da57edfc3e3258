//! What follows the episode on screen: the break or the next episode
//! preloaded while it plays, the "Next in N s" countdown and Up Next.

use super::{COUNTDOWN_MS, Phase, Player};
use crate::app::Command;
use crate::app::ad_break::{self, AdBreak};
use crate::app::context::{Ctx, StreamFor, next_episode};
use crate::app::subtitles::subtitles_for;

/// An episode of the series after the one on screen, as Up Next shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct UpNext {
    pub number: u32,
    pub title: String,
    pub locked: bool,
}

impl Player {
    /// What follows this episode, prepared while it plays: an ad break
    /// when one is due (asked for now, its first ad preloaded when the
    /// answer comes), else the next episode.
    pub(super) fn preload_next(&mut self, ctx: &mut Ctx, out: &mut Vec<Command>) {
        // A break already prepared (the episode was restarted at another
        // point): its first ad preloaded again, the ad server not asked again.
        match &self.ad_break {
            Some(AdBreak::Ready { ads }) => {
                out.extend(ads.first().map(ad_break::preload));
                return;
            }
            Some(AdBreak::Asked { .. }) => return,
            Some(AdBreak::Empty) => return self.preload_episode(ctx, out),
            Some(AdBreak::Playing(_)) | None => {}
        }
        if let Some(ask) = ad_break::due(ctx, &self.series, self.episode) {
            let request = ctx.new_episode_id();
            out.push(Command::AskBreak {
                request,
                tag: ask.tag,
                content_id: ask.content_id,
            });
            self.ad_break = Some(AdBreak::Asked { request });
            return;
        }
        self.preload_episode(ctx, out);
    }

    /// The next episode, preloaded while this one (or the break after it)
    /// plays: its grant asked for first when it needs one.
    pub(crate) fn preload_episode(&mut self, ctx: &mut Ctx, out: &mut Vec<Command>) {
        let Some(s) = ctx.series(&self.series) else {
            return;
        };
        let Some(next) = next_episode(s, self.episode).map(|e| e.number) else {
            return;
        };
        if !ctx.playable(s, next) {
            return;
        }
        self.next_preload = Some(next);
        match ctx.stream_for(&self.series, next) {
            StreamFor::Ready(source) => out.push(self.preload_command(ctx, next, source)),
            StreamFor::NeedsGrant => out.extend(ctx.grants.ask(&self.series, next)),
            StreamFor::Missing => {}
        }
    }

    pub(super) fn preload_command(
        &self,
        ctx: &Ctx,
        next: u32,
        source: crate::playback::StreamSource,
    ) -> Command {
        let subtitles = ctx
            .episode(&self.series, next)
            .and_then(|(s, e)| subtitles_for(s, e, &ctx.subtitle_prefs()).cloned());
        Command::Preload {
            source,
            start_ms: ctx.history.resume_position(&self.series, next),
            subtitles,
            beside: false,
        }
    }

    /// Seconds left on the "Next in N s" countdown ("Ad in N s" before a
    /// break that is ready), while it runs.
    pub fn countdown(&self, ctx: &Ctx) -> Option<u64> {
        if self.phase != Phase::Playing || self.ad().is_some() || self.on_channel() {
            return None;
        }
        let series = ctx.series(&self.series)?;
        let next = next_episode(series, self.episode)?;
        if !ctx.playable(series, next.number) {
            return None;
        }
        let left = self.duration_ms?.saturating_sub(self.position_ms);
        (left <= COUNTDOWN_MS).then(|| left.div_ceil(1000).max(1))
    }

    /// The next three episodes of the series.
    pub fn up_next(&self, ctx: &Ctx) -> Vec<UpNext> {
        let Some(series) = ctx.series(&self.series).filter(|_| !self.on_channel()) else {
            return Vec::new();
        };
        let mut list = Vec::new();
        let mut n = self.episode;
        while list.len() < 3 {
            let Some(next) = next_episode(series, n) else {
                break;
            };
            n = next.number;
            list.push(UpNext {
                number: next.number,
                title: ctx.text(&next.title),
                locked: !ctx.playable(series, next.number),
            });
        }
        list
    }
}
