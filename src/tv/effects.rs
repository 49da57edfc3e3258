//! The TV's effects: the app core's commands carried out with the player,
//! the video sink, the history writer and the event loop.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;

use crate::app::history::History;
use crate::app::settings::{SETTINGS_FILE, Settings};
use crate::app::{Command, Event, PlayToken, Playback};
use crate::net::Net;
use crate::playback::{EpisodeId, Player, PlayerConfig, PlayerEvent};
use crate::store::Store;
use crate::view::video::VideoSink;

use super::shell::{Effects, Input, post};

/// What the episodes of a session did (QA, benches).
#[derive(Debug, Default, Clone)]
pub struct Played {
    /// Play command to first frame of each episode started, ms.
    pub first_frame_ms: Vec<f64>,
    /// The audio language each episode that ended played in.
    pub audio_languages: Vec<Option<String>>,
    /// Where in its episode each play command started, ms (resuming).
    pub start_ms: Vec<u64>,
}

pub type PlayedLog = Arc<std::sync::Mutex<Played>>;

/// The file the viewing history is kept in, in the state directory.
pub const HISTORY_FILE: &str = "history.json";

pub struct TvEffects {
    player: Option<Player>,
    config: PlayerConfig,
    net: Net,
    video: VideoSink,
    /// The episode the last play command started, and that command's token.
    playing: Option<(EpisodeId, PlayToken)>,
    /// Play command to first frame of each episode played, ms (QA, benches).
    played: PlayedLog,
    history: Option<(Sender<Saved>, Option<JoinHandle<()>>)>,
    speaker: super::speech::Speaker,
    unlock: super::unlock::UnlockService,
}

/// What the store thread writes.
enum Saved {
    History(History),
    Settings(Settings),
}

impl TvEffects {
    pub fn new(
        config: PlayerConfig,
        net: Net,
        video: VideoSink,
        store: Store,
        played: PlayedLog,
        spoken: super::speech::SpokenLog,
    ) -> TvEffects {
        TvEffects {
            speaker: super::speech::Speaker::new(config.audio, config.duck.clone(), spoken),
            unlock: super::unlock::UnlockService::new(net.clone(), store.dir().to_owned()),
            player: None,
            config,
            net,
            video,
            playing: None,
            played,
            history: Some(history_writer(store)),
        }
    }

    /// The player, started on first use (GStreamer is slow to load).
    fn player(&mut self) -> Option<&mut Player> {
        if self.player.is_none() {
            match Player::new(self.config.clone(), &self.net, Arc::new(self.video.clone())) {
                Ok((player, events)) => {
                    forward_player_events(events);
                    self.player = Some(player);
                }
                Err(e) => tracing::error!(error = %e, "cannot start the player"),
            }
        }
        self.player.as_mut()
    }

    /// The player could not take a play command: the app hears it as a
    /// failure of that episode.
    fn failed(token: PlayToken, why: String) {
        post(Input::App(Event::Playback {
            token,
            report: Playback::Failed(why),
        }));
    }
}

impl Effects for TvEffects {
    fn warm_up(&mut self, video_height: u32) {
        if self.player.is_none() {
            self.config.video_size = Some(super::pillarbox_size(video_height));
            tracing::info!(size = ?self.config.video_size, "video scaled to");
        }
        self.player();
    }

    fn run(&mut self, command: Command) {
        match command {
            Command::Play {
                token,
                url,
                series,
                episode,
                start_ms,
            } => {
                self.video.stop();
                self.playing = None;
                if let Ok(mut p) = self.played.lock()
                    && p.start_ms.len() < 10_000
                {
                    p.start_ms.push(start_ms);
                }
                let Some(player) = self.player() else {
                    Self::failed(token, "the player could not start".into());
                    return;
                };
                let start = std::time::Duration::from_millis(start_ms);
                match player.play_at(&url, resume_at(start_ms)) {
                    Ok(id) => {
                        tracing::info!(series, episode, id, token, start_ms, "play");
                        self.playing = Some((id, token));
                        self.video.show(id, start);
                    }
                    Err(e) => Self::failed(token, e.to_string()),
                }
            }
            Command::Preload { url, start_ms } => {
                if let Some(player) = self.player()
                    && let Err(e) = player.preload_at(&url, resume_at(start_ms))
                {
                    tracing::warn!(url, error = %e, "preload refused");
                }
            }
            Command::CancelPreload => {
                if let Some(p) = self.player.as_mut() {
                    p.cancel_preload();
                }
            }
            Command::Stop => {
                self.video.stop();
                self.playing = None;
                if let Some(p) = self.player.as_mut() {
                    p.stop();
                }
            }
            Command::SetPaused(paused) => {
                if let Some(p) = self.player.as_ref() {
                    p.set_paused(paused);
                }
            }
            Command::SaveHistory(history) => {
                if let Some((tx, _)) = &self.history {
                    let _ = tx.send(Saved::History(history));
                }
            }
            Command::SaveSettings(settings) => {
                if let Some((tx, _)) = &self.history {
                    let _ = tx.send(Saved::Settings(settings));
                }
            }
            Command::Speak {
                text,
                lang,
                rate,
                volume,
            } => self.speaker.say(&text, &lang, rate, volume),
            Command::Languages { audio, subtitles } => {
                self.config.audio_language = Some(audio.clone());
                self.config.subtitle_language = Some(subtitles.clone());
                if let Some(p) = self.player.as_mut() {
                    p.set_languages(&audio, &subtitles);
                }
            }
            Command::Unlock(command) => self.unlock.run(command),
            Command::Fade(level) => self.config.duck.set_fade(level),
            Command::Exit => {
                let _ = slint::quit_event_loop();
            }
        }
    }

    fn tag(&mut self, event: PlayerEvent) -> Option<Event> {
        let episode = event.episode();
        let (_, token) = self.playing.filter(|(id, _)| *id == episode)?;
        let report = match event {
            PlayerEvent::FirstFrame {
                since_play, start, ..
            } => {
                // Subtitles count from where the episode really started.
                self.video.set_start(episode, start);
                let ms = since_play.as_secs_f64() * 1000.0;
                tracing::info!(episode, first_frame_ms = ms, "first frame");
                if let Ok(mut p) = self.played.lock()
                    && p.first_frame_ms.len() < 10_000
                {
                    p.first_frame_ms.push(ms);
                }
                Playback::Started
            }
            PlayerEvent::Buffering { percent, .. } => Playback::Buffering(percent < 100),
            PlayerEvent::Subtitles {
                language,
                forced,
                track,
                ..
            } => Playback::Subtitles {
                language,
                forced,
                track,
            },
            PlayerEvent::Position {
                position, duration, ..
            } => Playback::Position {
                position_ms: position.as_millis() as u64,
                duration_ms: duration.map(|d| d.as_millis() as u64),
            },
            PlayerEvent::Ended { qoe, .. } => {
                tracing::info!(episode, ?qoe, "episode ended");
                if let Ok(mut p) = self.played.lock()
                    && p.audio_languages.len() < 10_000
                {
                    p.audio_languages.push(qoe.audio_language.clone());
                }
                Playback::Ended
            }
            PlayerEvent::Error { error, .. } => {
                tracing::warn!(episode, error = %error, "episode failed");
                Playback::Failed(error.to_string())
            }
        };
        Some(Event::Playback { token, report })
    }

    fn shutdown(&mut self) {
        self.speaker.stop();
        self.unlock.run(crate::unlock::UnlockCommand::StopPairing);
        if let Some(mut p) = self.player.take() {
            p.stop();
        }
        if let Some((tx, writer)) = self.history.take() {
            drop(tx);
            if let Some(w) = writer {
                let _ = w.join();
            }
        }
    }
}

/// Where a play or preload command starts: a resume point is played from
/// the segment that holds it, which starts as fast as the episode's
/// beginning.
fn resume_at(start_ms: u64) -> crate::playback::Start {
    match start_ms {
        0 => crate::playback::Start::Beginning,
        ms => crate::playback::Start::Near(std::time::Duration::from_millis(ms)),
    }
}

/// Writes history and settings on their own thread: an fsync on a slow
/// flash card must not stall the picture. Snapshots that queue up are
/// coalesced (the latest of each kind is written).
fn history_writer(store: Store) -> (Sender<Saved>, Option<JoinHandle<()>>) {
    let (tx, rx): (Sender<Saved>, Receiver<Saved>) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("pillarbox-store".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let (mut history, mut settings) = (None, None);
                for saved in std::iter::once(first).chain(rx.try_iter()) {
                    match saved {
                        Saved::History(h) => history = Some(h),
                        Saved::Settings(s) => settings = Some(s),
                    }
                }
                let results = [
                    history.map(|h| (HISTORY_FILE, store.save(HISTORY_FILE, &h))),
                    settings.map(|s| (SETTINGS_FILE, store.save(SETTINGS_FILE, &s))),
                ];
                for (file, result) in results.into_iter().flatten() {
                    if let Err(e) = result {
                        tracing::error!(dir = %store.dir().display(), file, error = %e, "cannot save");
                    }
                }
            }
        });
    match spawned {
        Ok(handle) => (tx, Some(handle)),
        Err(e) => {
            tracing::error!(error = %e, "no history writer; history will not be saved");
            (tx, None)
        }
    }
}

/// Player events into the shell's queue, where [`TvEffects::tag`] names
/// the play command each belongs to.
fn forward_player_events(events: Receiver<PlayerEvent>) {
    let spawned = std::thread::Builder::new()
        .name("pillarbox-events".into())
        .spawn(move || {
            while let Ok(event) = events.recv() {
                post(Input::Player(Box::new(event)));
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot forward player events");
    }
}
