//! The player: one episode on screen, pillarboxed, with its controls, what
//! plays next, its subtitles, and the error panel when it breaks. It hears
//! the playback reports of its own episode (the [`App`](crate::app::App)
//! drops the others), saves the viewer's place, and asks for the next
//! episode to be preloaded, then played.

use crate::catalog::model::SubtitleTrack;
use crate::episode::EpisodeId;
use crate::i18n::tr;
use crate::input::Action;

use super::Nav;
use crate::ads::tracking::AdEvent;
use crate::app::ad_break::AdBreak;
use crate::app::context::{Ctx, StreamFor, next_episode, previous_episode};
use crate::app::overlays::error::{ErrorChoice, ErrorOutcome, ErrorPanel};
use crate::app::subtitles::{LoadedSubtitles, SubtitleSource, subtitles_for};
use crate::app::{Command, Playback};

mod breaks;
mod channel;
mod next;
pub mod rewarded;

pub use channel::{Banner, Tuned};
pub use next::UpNext;

/// How long the player's controls stay up after the last key.
pub const CONTROLS_MS: u64 = 5_000;
/// The "Next in N s" countdown starts this close to an episode's end.
pub const COUNTDOWN_MS: u64 = 5_000;
/// How often the position is saved while playing.
const SAVE_EVERY_MS: u64 = 10_000;
/// How long an episode plays before the next one is preloaded: not at its
/// first frame, where the two would compete for the CPU while this one's
/// decoder fills its pipeline, and by then the previous episode's pipeline
/// is gone (two in memory at most, not three).
pub const NEXT_PRELOAD_AFTER_MS: u64 = 1_000;

/// The player's buttons, in screen order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerButton {
    Previous,
    PlayPause,
    Next,
    /// The sleep timer: OK steps through 15/30/60/90 min and off.
    Sleep,
}

impl PlayerButton {
    pub const ALL: [PlayerButton; 4] = [
        PlayerButton::Previous,
        PlayerButton::PlayPause,
        PlayerButton::Next,
        PlayerButton::Sleep,
    ];
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Loading,
    Playing,
    Failed(ErrorPanel),
}

/// Whether the episode after `number` of `series` can play now (Next is
/// offered only then).
fn next_plays(ctx: &Ctx, series: &str, number: u32) -> bool {
    ctx.series(series).is_some_and(|s| {
        next_episode(s, number).is_some_and(|n| ctx.playable(s, n.number))
            && !ctx.parental_locked(s)
    })
}

/// What starting an episode asks of the shell (a Play, or a grant asked
/// for first), and the player state it opens.
pub struct Started {
    pub commands: Vec<Command>,
    pub player: Player,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Player {
    /// The id of the play command that started this episode.
    pub id: EpisodeId,
    pub series: String,
    pub episode: u32,
    pub phase: Phase,
    pub paused: bool,
    pub buffering: bool,
    /// Times the episode stalled for data after its first frame.
    pub rebuffers: u32,
    /// Its requests find no connection: the player keeps trying while the
    /// buffer plays ("Connection lost: trying again" on screen).
    pub connection_lost: bool,
    /// A live channel's broadcast stopped coming (the player keeps trying).
    pub broadcast_stalled: bool,
    pub position_ms: u64,
    pub duration_ms: Option<u64>,
    /// Controls are up until this tick.
    pub controls_until: Option<u64>,
    pub button: PlayerButton,
    /// The catalog's subtitle file chosen for the episode, if any.
    pub subtitles: Option<SubtitleTrack>,
    /// That file once loaded (or why it cannot be shown).
    pub sidecar: Option<LoadedSubtitles>,
    /// Subtitles that came with the stream (an HLS rendition): shown when
    /// the catalog lists none, if the viewer needs them.
    pub stream_subtitles: Option<LoadedSubtitles>,
    last_saved_ms: u64,
    /// When the next episode is to be preloaded.
    next_preload_at: Option<u64>,
    /// The next episode, once its preload was asked for (its grant may
    /// come first, and is refreshed while it waits).
    pub(crate) next_preload: Option<u32>,
    /// The episode waits for its playback grant before it plays.
    pub(crate) waiting_grant: bool,
    /// A grant was asked again after the server refused a request of the
    /// episode mid-way (once: a second refusal is an error).
    regranted: bool,
    /// Played to its end (marked watched: leaving records no position).
    pub(crate) ended: bool,
    /// The ad break after the episode: asked for, ready, or on screen.
    pub ad_break: Option<AdBreak>,
    /// A rewarded ad for the episode, instead of the episode: it plays
    /// once the partner says the ad unlocked it.
    pub reward: Option<rewarded::Reward>,
    /// The drama channel the episode is on, when it is on one.
    pub channel: Option<Tuned>,
}

impl Player {
    /// Starts episode `number` of `series` from `start_ms` (a resume
    /// point, or 0): the commands and the player showing it. An episode
    /// under a playback grant asks for one first (unless one is held) and
    /// plays when it comes; one with no stream the player can play opens
    /// on its error.
    pub fn start(ctx: &mut Ctx, series: &str, number: u32, start_ms: u64) -> Started {
        let found = ctx.episode(series, number);
        // The catalog's duration until the stream tells its own.
        let duration_ms = found
            .map(|(_, e)| (e.duration * 1000.0) as u64)
            .filter(|d| *d > 0);
        let subtitles =
            found.and_then(|(s, e)| subtitles_for(s, e, &ctx.subtitle_prefs()).cloned());
        let id = ctx.new_episode_id();
        let mut waiting_grant = false;
        let (phase, commands) = match ctx.stream_for(series, number) {
            StreamFor::Ready(source) => (
                Phase::Loading,
                vec![Command::Play {
                    id,
                    source,
                    series: series.into(),
                    episode: number,
                    start_ms,
                    subtitles: subtitles.clone(),
                }],
            ),
            StreamFor::NeedsGrant => {
                waiting_grant = true;
                // What played stops while the grant is asked for.
                let mut out = vec![Command::Stop];
                out.extend(ctx.grants.ask(series, number));
                (Phase::Loading, out)
            }
            StreamFor::Missing => {
                let message = tr(ctx.lang(), "no-stream", &[("number", number.into())]);
                let next = next_plays(ctx, series, number);
                // No stream, nothing to play: the shell stops what played.
                let panel = ErrorPanel::new(message, String::new(), next);
                (Phase::Failed(panel), vec![Command::Stop])
            }
        };
        let mut player = Player::idle(ctx, id, series, number);
        player.phase = phase;
        player.position_ms = start_ms;
        player.duration_ms = duration_ms;
        player.subtitles = subtitles;
        player.waiting_grant = waiting_grant;
        Started { commands, player }
    }

    /// Home's preview `id` of episode `number` goes on as the episode
    /// played, from `position_ms` (where the preview is): nothing starts
    /// again. `showing`: its first frame is on screen already.
    pub fn continued(
        ctx: &Ctx,
        id: EpisodeId,
        series: &str,
        number: u32,
        position_ms: u64,
        showing: bool,
    ) -> Player {
        let found = ctx.episode(series, number);
        let mut player = Player::idle(ctx, id, series, number);
        player.duration_ms = found
            .map(|(_, e)| (e.duration * 1000.0) as u64)
            .filter(|d| *d > 0);
        player.subtitles =
            found.and_then(|(s, e)| subtitles_for(s, e, &ctx.subtitle_prefs()).cloned());
        player.position_ms = position_ms;
        if showing {
            player.phase = Phase::Playing;
            player.next_preload_at = Some(ctx.now_ms + NEXT_PRELOAD_AFTER_MS);
        }
        player
    }

    /// A player for `number` of `series` that has shown nothing yet.
    fn idle(ctx: &Ctx, id: EpisodeId, series: &str, number: u32) -> Player {
        Player {
            id,
            series: series.into(),
            episode: number,
            phase: Phase::Loading,
            paused: false,
            buffering: false,
            rebuffers: 0,
            connection_lost: false,
            broadcast_stalled: false,
            position_ms: 0,
            duration_ms: None,
            controls_until: None,
            button: PlayerButton::PlayPause,
            subtitles: None,
            sidecar: None,
            stream_subtitles: None,
            last_saved_ms: ctx.now_ms,
            next_preload_at: None,
            next_preload: None,
            waiting_grant: false,
            regranted: false,
            ended: false,
            ad_break: None,
            reward: None,
            channel: None,
        }
    }

    /// A grant came (or was refused) for `episode` of `series`: the
    /// episode waiting for it plays, the one playing goes on under it,
    /// the next one is preloaded with it. A refusal of the episode waiting
    /// opens the Locked screen saying why (a network failure is an error
    /// to retry).
    pub fn on_grant(
        &mut self,
        ctx: &mut Ctx,
        series: &str,
        episode: u32,
        refused: Option<&crate::unlock::Failure>,
        out: &mut Vec<Command>,
    ) -> Nav {
        use crate::unlock::Failure;
        if refused.is_none() {
            self.on_channel_grant(ctx, series, episode, out);
        }
        if series != self.series {
            return Nav::Stay;
        }
        let source = ctx.grants.get(series, episode, ctx.now_ms).cloned();
        if episode == self.episode && self.waiting_grant {
            self.waiting_grant = false;
            return match (refused, source) {
                (None, Some(source)) => {
                    out.push(Command::Play {
                        id: self.id,
                        source,
                        series: self.series.clone(),
                        episode,
                        start_ms: self.position_ms,
                        subtitles: self.subtitles.clone(),
                    });
                    Nav::Stay
                }
                (Some(f @ (Failure::Network(why) | Failure::Server(why))), _) => {
                    let message = crate::app::screens::locked::failure_text(ctx, f);
                    let next = next_plays(ctx, &self.series, self.episode);
                    self.phase = Phase::Failed(ErrorPanel::new(message, why.clone(), next));
                    Nav::Stay
                }
                (Some(f), _) => Nav::Refused {
                    series: series.into(),
                    episode,
                    message: crate::app::screens::locked::LockedMessage::Failed(f.clone()),
                },
                (None, None) => Nav::Stay,
            };
        }
        let Some(source) = source else {
            return Nav::Stay;
        };
        if episode == self.episode && !self.ended {
            // A refreshed grant: the rest of the episode comes under it.
            out.push(Command::Refresh {
                id: self.id,
                source,
            });
        } else if self.next_preload == Some(episode) {
            out.push(self.preload_command(ctx, episode, source));
        }
        Nav::Stay
    }

    /// The episodes whose grants this player uses now: its own while it
    /// plays, the next one's once asked for.
    pub fn grants_in_use(&self) -> Vec<(String, u32)> {
        let mut v = Vec::new();
        // A rewarded ad's episode is not unlocked yet: no grant for it.
        if self.reward.is_some() {
            return v;
        }
        if !self.ended && !self.waiting_grant && self.failed().is_none() {
            v.push((self.series.clone(), self.episode));
        }
        if let Some(n) = self.next_preload {
            v.push((self.series.clone(), n));
        }
        v.extend(self.channel.as_ref().and_then(|t| t.preloaded.clone()));
        v
    }

    pub fn controls_visible(&self, ctx: &Ctx) -> bool {
        self.controls_until.is_some_and(|until| ctx.now_ms < until)
    }

    pub fn failed(&self) -> Option<&ErrorPanel> {
        match &self.phase {
            Phase::Failed(panel) => Some(panel),
            _ => None,
        }
    }

    /// The error panel's title: what cannot play.
    pub fn failure_title(&self, lang: &str) -> String {
        let id = if self.is_live() {
            "cannot-play-live"
        } else {
            "cannot-play"
        };
        tr(lang, id, &[])
    }

    /// Keys in the player.
    pub fn on_action(&mut self, ctx: &mut Ctx, action: Action, out: &mut Vec<Command>) -> Nav {
        if self.reward.is_some() {
            return self.on_reward_action(ctx, action, out);
        }
        if self.ad().is_some() {
            return self.on_ad_action(ctx, action, out);
        }
        if action == Action::Back {
            return Nav::Back;
        }
        let tuned = self.channel.is_some();
        if let Phase::Failed(panel) = &mut self.phase {
            return match panel.on_action(action, crate::i18n::is_rtl(ctx.lang())) {
                ErrorOutcome::Open => Nav::Stay,
                // On a channel: tuned again, or the next channel.
                ErrorOutcome::Retry if tuned => Nav::ChannelStep(0),
                ErrorOutcome::Next if tuned => Nav::ChannelStep(1),
                ErrorOutcome::Previous if tuned => Nav::ChannelStep(-1),
                ErrorOutcome::Retry => Nav::Play {
                    series: self.series.clone(),
                    episode: self.episode,
                },
                ErrorOutcome::Next => self.skip(ctx, 1, out),
                ErrorOutcome::Previous => self.skip(ctx, -1, out),
            };
        }
        if let Some(nav) = self.on_channel_action(ctx, action, out) {
            return nav;
        }
        let visible = self.controls_visible(ctx);
        let nav = match action {
            Action::Next => return self.skip(ctx, 1, out),
            Action::Previous => return self.skip(ctx, -1, out),
            Action::PlayPause => self.set_paused(!self.paused, out),
            Action::Play => self.set_paused(false, out),
            Action::Pause => self.set_paused(true, out),
            Action::Ok if visible => match self.button {
                PlayerButton::Previous => return self.skip(ctx, -1, out),
                PlayerButton::Next => return self.skip(ctx, 1, out),
                PlayerButton::PlayPause => self.set_paused(!self.paused, out),
                PlayerButton::Sleep => Nav::Stay,
            },
            Action::Left | Action::Right if visible => {
                let order = PlayerButton::ALL;
                let i = order.iter().position(|c| *c == self.button).unwrap_or(1);
                let i = if ctx.toward_start(action) {
                    i.saturating_sub(1)
                } else {
                    (i + 1).min(order.len() - 1)
                };
                self.button = order[i];
                Nav::Stay
            }
            Action::Ok | Action::Up | Action::Down | Action::Left | Action::Right => {
                self.button = PlayerButton::PlayPause;
                Nav::Stay
            }
            _ => return Nav::Stay,
        };
        // Any key in the player brings the controls up, or keeps them up.
        self.controls_until = Some(ctx.now_ms + CONTROLS_MS);
        nav
    }

    /// OK on the sleep button (the App keeps the timer).
    pub fn sleep_pressed(&self, ctx: &Ctx, action: Action) -> bool {
        action == Action::Ok
            && self.failed().is_none()
            && self.controls_visible(ctx)
            && self.button == PlayerButton::Sleep
    }

    pub fn set_paused(&mut self, paused: bool, out: &mut Vec<Command>) -> Nav {
        if self.paused != paused {
            self.paused = paused;
            out.push(Command::SetPaused(paused));
        }
        Nav::Stay
    }

    /// Where the viewer is, in the history (saved), and for the account.
    pub fn record(&self, ctx: &mut Ctx, out: &mut Vec<Command>) {
        // A live channel is no episode: nothing to resume.
        if self.position_ms > 0 && !self.is_live() {
            let duration = self.duration_ms.unwrap_or(0);
            let at = ctx.wall_stamp();
            ctx.history.record_position_at(
                &self.series,
                self.episode,
                self.position_ms,
                duration,
                Some(at),
            );
            out.push(Command::SaveHistory(ctx.history.clone()));
            out.extend(ctx.progress_for_account(&self.series, self.episode, false));
        }
    }

    /// The player goes: playback stops, the viewer's place is kept.
    pub fn leave(&self, ctx: &mut Ctx, out: &mut Vec<Command>) {
        // An ad left by any way (Exit, the app closing) is closed; one
        // already ended (Back closed it) fires nothing more.
        if let Some(play) = self.ad() {
            play.clone()
                .track(AdEvent::Closed, &self.break_content_id(ctx), out);
        }
        out.push(Command::Stop);
        // A rewarded ad's position is not the episode's.
        if self.position_ms > 0 && !self.ended && self.reward.is_none() {
            self.record(ctx, out);
            ctx.rebuild_shelf();
        }
    }

    /// The episode `step` away (+1 next, -1 previous) in the same series.
    fn skip(&self, ctx: &mut Ctx, step: i32, out: &mut Vec<Command>) -> Nav {
        let Some(series) = ctx.series(&self.series) else {
            return Nav::Stay;
        };
        let target = if step > 0 {
            next_episode(series, self.episode)
        } else {
            previous_episode(series, self.episode)
        };
        let Some(target) = target.map(|e| e.number) else {
            return Nav::Stay;
        };
        self.record(ctx, out);
        Nav::Play {
            series: self.series.clone(),
            episode: target,
        }
    }

    /// A report about this episode.
    pub fn on_playback(&mut self, ctx: &mut Ctx, report: Playback, out: &mut Vec<Command>) -> Nav {
        if self.reward.is_some() {
            return self.on_reward_playback(ctx, report, out);
        }
        if self.ad().is_some() {
            return self.on_ad_playback(ctx, report, out);
        }
        match report {
            Playback::Started => {
                self.phase = Phase::Playing;
                self.next_preload_at = Some(ctx.now_ms + NEXT_PRELOAD_AFTER_MS);
            }
            Playback::Subtitles(loaded) => {
                // Kept either way: whether they show follows the settings
                // (see Player::shown_subtitles), which may change meanwhile.
                match loaded.source {
                    SubtitleSource::Sidecar => self.sidecar = Some(loaded),
                    SubtitleSource::Stream => self.stream_subtitles = Some(loaded),
                }
            }
            Playback::Position {
                position_ms,
                duration_ms,
            } => {
                self.position_ms = position_ms;
                if duration_ms.is_some() {
                    self.duration_ms = duration_ms;
                }
                if self.phase == Phase::Loading {
                    self.phase = Phase::Playing;
                }
                let preload_due = self.next_preload_at.is_some_and(|at| ctx.now_ms >= at);
                if preload_due && self.channel.is_some() {
                    self.channel_preloads(ctx, out);
                } else if preload_due {
                    self.next_preload_at = None;
                    self.preload_next(ctx, out);
                }
                if ctx.now_ms.saturating_sub(self.last_saved_ms) >= SAVE_EVERY_MS && !self.is_live()
                {
                    self.last_saved_ms = ctx.now_ms;
                    let d = self.duration_ms.unwrap_or(0);
                    let at = ctx.wall_stamp();
                    ctx.history.record_position_at(
                        &self.series,
                        self.episode,
                        position_ms,
                        d,
                        Some(at),
                    );
                    out.push(Command::SaveHistory(ctx.history.clone()));
                }
            }
            Playback::Buffering(on) => {
                self.rebuffers += u32::from(on && !self.buffering);
                self.buffering = on;
            }
            Playback::Connection(lost) => self.connection_lost = lost,
            Playback::Broadcast(stalled) => self.broadcast_stalled = stalled,
            Playback::OnAir(at) => {
                if let Some(t) = self.channel.as_mut().filter(|t| t.live) {
                    t.on_air = Some(at);
                }
            }
            Playback::Failed {
                message,
                denied,
                network,
            } => {
                let granted = ctx
                    .episode(&self.series, self.episode)
                    .is_some_and(|(s, e)| s.granted(e));
                if denied && granted && !self.regranted {
                    // The server refused a request mid-way (an expired
                    // grant): a new grant, and on from where it was.
                    tracing::info!(
                        series = self.series,
                        episode = self.episode,
                        "grant refused mid-way; asking again"
                    );
                    self.regranted = true;
                    self.waiting_grant = true;
                    ctx.grants.forget(&self.series, self.episode);
                    out.extend(ctx.grants.ask(&self.series, self.episode));
                    self.phase = Phase::Loading;
                } else {
                    // Plain words for the viewer; what failed behind Details.
                    let plain = tr(
                        ctx.lang(),
                        match (self.is_live(), network) {
                            (false, true) => "error-network",
                            (false, false) => "error-stream",
                            (true, true) => "error-live-network",
                            (true, false) => "error-live-stream",
                        },
                        &[],
                    );
                    let next = next_plays(ctx, &self.series, self.episode);
                    self.phase = Phase::Failed(ErrorPanel::new(plain, message, next));
                }
                self.buffering = false;
                self.connection_lost = false;
            }
            // The broadcast ended (its playlist did): back where the
            // viewer came from.
            Playback::Ended if self.is_live() => return Nav::Back,
            Playback::Ended => {
                let at = ctx.wall_stamp();
                ctx.history
                    .mark_watched_at(&self.series, self.episode, Some(at));
                out.push(Command::SaveHistory(ctx.history.clone()));
                out.extend(ctx.progress_for_account(&self.series, self.episode, true));
                ctx.rebuild_shelf();
                if self.channel.is_some() {
                    // The channel goes on: no break, no Up Next.
                    return Nav::ChannelNext;
                }
                if let Some(nav) = self.break_at_end(ctx, out) {
                    return nav;
                }
                // The next episode, or (the series is over) its page.
                return self.next_after_break(ctx);
            }
        }
        Nav::Stay
    }

    /// The subtitle file as the settings now say; a new one is fetched.
    pub fn refresh_subtitles(&mut self, ctx: &Ctx, out: &mut Vec<Command>) {
        // A card plays nothing: no subtitles to fetch for it.
        if self.carded() {
            return;
        }
        let track = ctx
            .episode(&self.series, self.episode)
            .and_then(|(s, e)| subtitles_for(s, e, &ctx.subtitle_prefs()).cloned());
        if track != self.subtitles {
            self.sidecar = None;
            if let Some(t) = &track {
                out.push(Command::LoadSubtitles {
                    id: self.id,
                    track: t.clone(),
                });
            }
            self.subtitles = track;
        }
    }

    /// The subtitles shown now: the catalog's file once loaded, else the
    /// stream's own when the settings want them; `None` while a file loads
    /// or when there are none.
    pub fn shown_subtitles(&self, ctx: &Ctx) -> Option<&LoadedSubtitles> {
        // The episode's cues are timed to the episode, not to an ad.
        if self.ad().is_some() {
            return None;
        }
        if self.subtitles.is_some() {
            return self.sidecar.as_ref();
        }
        let stream = self.stream_subtitles.as_ref()?;
        let wanted = stream.forced
            || ctx
                .series(&self.series)
                .is_some_and(|s| ctx.wants_full_subtitles(s, self.episode));
        wanted.then_some(stream)
    }

    /// What has the focus, read aloud; `sleep_label` names the sleep
    /// button as it reads now.
    pub fn describe(&self, ctx: &Ctx, sleep_label: &str) -> String {
        let lang = ctx.lang();
        if self.reward.is_some() {
            return self.describe_reward(ctx);
        }
        if let Some(play) = self.ad() {
            return play.describe(ctx);
        }
        if let Some(said) = self
            .describe_channel(ctx)
            .filter(|_| self.failed().is_none())
        {
            return said;
        }
        if let Phase::Failed(panel) = &self.phase {
            let choice = match panel.choice {
                ErrorChoice::Retry => "retry",
                ErrorChoice::Next => "next-episode",
                ErrorChoice::Details => "details",
            };
            return crate::app::context::join(&[
                self.failure_title(lang),
                panel.message.clone(),
                tr(lang, choice, &[]),
            ]);
        }
        if self.controls_visible(ctx) {
            let id = match self.button {
                PlayerButton::Sleep => return sleep_label.to_owned(),
                PlayerButton::Previous => "previous",
                PlayerButton::Next => "next",
                PlayerButton::PlayPause if self.paused => "play",
                PlayerButton::PlayPause => "pause",
            };
            return tr(lang, id, &[]).trim_start_matches(['▶', ' ']).to_owned();
        }
        let episode = tr(lang, "spoken-episode", &[("number", self.episode.into())]);
        if self.connection_lost {
            return crate::app::context::join(&[tr(lang, "connection-lost", &[]), episode]);
        }
        if self.broadcast_stalled {
            return crate::app::context::join(&[tr(lang, "broadcast-stalled", &[]), episode]);
        }
        episode
    }
}
