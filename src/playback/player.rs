//! The public player: one episode at a time, events on a channel.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Instant;

use gstreamer as gst;

use super::fetch::Fetcher;
use super::pipeline::{Episode, EpisodeDeps};
use super::{EpisodeId, FrameSink, PlaybackError, PlayerConfig, PlayerEvent};

pub struct Player {
    config: PlayerConfig,
    fetcher: Arc<Fetcher>,
    // Declared before the runtime: an episode's feeder task runs on it.
    current: Option<Episode>,
    runtime: tokio::runtime::Runtime,
    frames: Arc<dyn FrameSink>,
    events: Sender<PlayerEvent>,
    next_id: EpisodeId,
    prewarm: Option<std::thread::JoinHandle<()>>,
}

impl Player {
    /// Creates a player and the channel its events arrive on.
    pub fn new(
        config: PlayerConfig,
        frames: Arc<dyn FrameSink>,
    ) -> Result<(Player, Receiver<PlayerEvent>), PlaybackError> {
        gst::init().map_err(|e| PlaybackError::Config(format!("GStreamer init: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pillarbox-net")
            .enable_all()
            .build()
            .map_err(|e| PlaybackError::Config(format!("network runtime: {e}")))?;
        // reqwest's client must be built inside a runtime context.
        let fetcher = {
            let _guard = runtime.enter();
            Arc::new(Fetcher::new(config.net.clone())?)
        };
        // Plugin loading overlaps whatever the caller does before the first play.
        let prewarm = std::thread::Builder::new()
            .name("pillarbox-prewarm".into())
            .spawn(super::prewarm)
            .ok();
        let (tx, rx) = mpsc::channel();
        Ok((
            Player {
                config,
                fetcher,
                current: None,
                runtime,
                frames,
                events: tx,
                next_id: 1,
                prewarm,
            },
            rx,
        ))
    }

    pub fn config(&self) -> &PlayerConfig {
        &self.config
    }

    /// Stops whatever plays and starts `url`. A URL the policy refuses is
    /// an error here, with no events; every later failure arrives as
    /// [`PlayerEvent::Error`] for the returned id.
    pub fn play(&mut self, url: &str) -> Result<EpisodeId, PlaybackError> {
        let requested_at = Instant::now();
        let url = self.config.net.policy.parse(url)?;
        if let Some(warming) = self.prewarm.take() {
            let _ = warming.join();
        }
        self.stop();
        let id = self.next_id;
        self.next_id += 1;
        let episode = Episode::start(
            id,
            url,
            &self.config,
            EpisodeDeps {
                fetcher: self.fetcher.clone(),
                runtime: self.runtime.handle().clone(),
                frames_out: self.frames.clone(),
                events: self.events.clone(),
            },
            requested_at,
        )?;
        self.current = Some(episode);
        Ok(id)
    }

    /// Stops the current episode, if any. No event follows.
    pub fn stop(&mut self) {
        self.current = None;
    }

    pub fn set_paused(&self, paused: bool) {
        if let Some(ep) = &self.current {
            ep.set_paused(paused);
        }
    }

    pub fn current(&self) -> Option<EpisodeId> {
        self.current.as_ref().map(|e| e.id)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop();
    }
}
