//! The public player: one episode playing at a time under its owner's id,
//! the next one preloaded beside it, reports to the owner's sink, the
//! position read on demand.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gstreamer as gst;

use super::abr::BandwidthEstimator;
use super::feeder::source::Source;
use super::pipeline::{Episode, EpisodeDeps};
use super::{EpisodeId, FrameSink, PlaybackError, PlayerConfig, ReportSink, Start, StreamSource};
use crate::net::Net;

struct Preload {
    source: Source,
    /// Where in the episode it starts (a resume point).
    start: Start,
    episode: Episode,
}

/// Where the episode on screen is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub episode: EpisodeId,
    pub position: Duration,
    pub duration: Option<Duration>,
    /// A live channel's broadcast time of the frame on screen (from its
    /// playlist's EXT-X-PROGRAM-DATE-TIME), when the playlist dates it.
    pub on_air: Option<chrono::DateTime<chrono::Utc>>,
}

pub struct Player {
    config: PlayerConfig,
    deps: EpisodeDeps,
    current: Option<Episode>,
    /// Episodes ready to play, the one preloaded last at the end: one,
    /// or two kept beside each other (see [`Player::preload_beside`]).
    preloads: Vec<Preload>,
    /// Tears down replaced episodes off the caller's thread, so a switch
    /// does not wait for the old pipeline to stop.
    reaper: Option<(Sender<Episode>, JoinHandle<()>)>,
    prewarm: Option<JoinHandle<()>>,
}

impl Player {
    /// Creates a player fetching through `net`, its frames to `frames`, its
    /// reports to `reports`.
    pub fn new(
        config: PlayerConfig,
        net: &Net,
        frames: Arc<dyn FrameSink>,
        reports: Arc<dyn ReportSink>,
    ) -> Result<Player, PlaybackError> {
        gst::init().map_err(|e| PlaybackError::Config(format!("GStreamer init: {e}")))?;
        super::restrict_registry();
        // Plugin loading overlaps whatever the caller does before the first play.
        let prewarm = std::thread::Builder::new()
            .name("pillarbox-prewarm".into())
            .spawn(super::prewarm)
            .ok();
        let (reap_tx, reap_rx) = mpsc::channel::<Episode>();
        let reaper = std::thread::Builder::new()
            .name("pillarbox-reaper".into())
            .spawn(move || {
                for episode in reap_rx {
                    drop(episode);
                }
            })
            .map_err(|e| PlaybackError::Config(format!("reaper thread: {e}")))?;
        let deps = EpisodeDeps {
            net: net.clone(),
            frames_out: frames,
            reports,
            starving: Arc::new(AtomicBool::new(false)),
            playing_ahead: Arc::default(),
            live: Arc::new(AtomicUsize::new(0)),
            bandwidth: Arc::new(Mutex::new(BandwidthEstimator::new(config.initial_bitrate))),
            cmcd_session: crate::net::cmcd::new_session_id(),
        };
        Ok(Player {
            config,
            deps,
            current: None,
            preloads: Vec::new(),
            reaper: Some((reap_tx, reaper)),
            prewarm,
        })
    }

    pub fn config(&self) -> &PlayerConfig {
        &self.config
    }

    /// What the link carried, as the ABR estimates it from the downloads
    /// so far (None before any), bit/s.
    pub fn measured_bandwidth(&self) -> Option<u64> {
        self.deps.bandwidth.lock().ok()?.measured()
    }

    fn reap(&self, episode: Option<Episode>) {
        if let Some(ep) = episode {
            match &self.reaper {
                Some((tx, _)) => {
                    if let Err(mpsc::SendError(ep)) = tx.send(ep) {
                        drop(ep);
                    }
                }
                None => drop(ep),
            }
        }
    }

    /// `stream`'s URLs checked by the URL policy.
    fn source(&self, stream: &StreamSource) -> Result<Source, PlaybackError> {
        let policy = self.deps.net.policy();
        Ok(Source {
            url: policy.parse_episode(&stream.url)?,
            headers: stream.headers.clone(),
            key_url: stream
                .key_url
                .as_deref()
                .map(|u| policy.parse(u))
                .transpose()?,
            key_headers: stream.key_headers.clone(),
            missing_is_final: stream.missing_is_final,
            live: stream.live,
        })
    }

    /// Stops whatever plays and starts `stream` under `id`: at once from
    /// its preroll if it was preloaded (from the same start). A URL the
    /// policy refuses is an error here, with no events; every later
    /// failure arrives as [`super::PlayerEvent::Error`].
    pub fn play(
        &mut self,
        id: EpisodeId,
        stream: &StreamSource,
        start: Start,
    ) -> Result<(), PlaybackError> {
        let requested_at = Instant::now();
        let source = self.source(stream)?;
        if let Some(warming) = self.prewarm.take() {
            let _ = warming.join();
        }
        let previous = self.current.take();
        let previous_end = previous.as_ref().and_then(|e| e.last_frame_end());
        let chosen = self.take_preload(&source, start);
        // Whatever else was preloaded is of no use now.
        self.keep_latest_preloads(0);
        if let Some(p) = chosen {
            if p.episode.activate(id, requested_at, previous_end) {
                self.current = Some(p.episode);
                self.reap(previous);
                return Ok(());
            }
            // The preload failed: start afresh, the network may be back.
            self.reap(Some(p.episode));
        }
        self.reap(previous);
        let episode = Episode::start(
            Some(id),
            source,
            start,
            &self.config,
            self.deps.clone(),
            requested_at,
        )?;
        episode.set_previous_end(previous_end);
        self.current = Some(episode);
        Ok(())
    }

    /// Prepares `stream` to play next from `start`: fetches its start
    /// within `preload_bytes` and prerolls it, silently; [`Player::play`]
    /// of the same source and start then shows it at once. Replaces any
    /// other preload.
    pub fn preload(&mut self, stream: &StreamSource, start: Start) -> Result<(), PlaybackError> {
        self.preload_keeping(stream, start, 0)
    }

    /// As [`Player::preload`], but the preload made last stays beside it:
    /// a drama channel's next episode and the neighbouring channel's, so
    /// that both the channel going on and CH+ start at once. Two at most.
    pub fn preload_beside(
        &mut self,
        stream: &StreamSource,
        start: Start,
    ) -> Result<(), PlaybackError> {
        self.preload_keeping(stream, start, 1)
    }

    /// Preloads `stream` from `start`, keeping up to `others` of the
    /// preloads made before it (the latest).
    fn preload_keeping(
        &mut self,
        stream: &StreamSource,
        start: Start,
        others: usize,
    ) -> Result<(), PlaybackError> {
        let source = self.source(stream)?;
        let same = self.take_preload(&source, start);
        self.keep_latest_preloads(others);
        if let Some(same) = same {
            self.preloads.push(same);
            return Ok(());
        }
        let episode = Episode::start(
            None,
            source.clone(),
            start,
            &self.config,
            self.deps.clone(),
            Instant::now(),
        )?;
        self.preloads.push(Preload {
            source,
            start,
            episode,
        });
        Ok(())
    }

    /// The preload of `source` from `start`, taken out of the list.
    fn take_preload(&mut self, source: &Source, start: Start) -> Option<Preload> {
        let i = self
            .preloads
            .iter()
            .position(|p| p.source == *source && p.start == start)?;
        Some(self.preloads.remove(i))
    }

    /// Tears down all but the `n` latest preloads.
    fn keep_latest_preloads(&mut self, n: usize) {
        let drop = self.preloads.len().saturating_sub(n);
        let old: Vec<Preload> = self.preloads.drain(..drop).collect();
        for p in old {
            self.reap(Some(p.episode));
        }
    }

    /// A refreshed grant for the episode playing under `id`: its requests
    /// go to `stream`'s URLs from now on, without a break in the picture.
    /// False when `id` no longer plays.
    pub fn refresh(&mut self, id: EpisodeId, stream: &StreamSource) -> Result<bool, PlaybackError> {
        let source = self.source(stream)?;
        match &self.current {
            Some(episode) if episode.id() == id => {
                episode.refresh(source);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Episodes started from now on play their audio, and pick their
    /// subtitle rendition, in these languages; a preload made for others
    /// is dropped.
    pub fn set_languages(&mut self, audio: &str, subtitles: &str) {
        let changed = self.config.audio_language.as_deref() != Some(audio)
            || self.config.subtitle_language.as_deref() != Some(subtitles);
        self.config.audio_language = Some(audio.to_owned());
        self.config.subtitle_language = Some(subtitles.to_owned());
        if changed {
            self.cancel_preload();
        }
    }

    /// Episodes started from now on play variants up to `max` bit/s (the
    /// lowest always stays); a preload made under another cap is dropped.
    pub fn set_max_bitrate(&mut self, max: Option<u64>) {
        if self.config.max_bitrate != max {
            self.config.max_bitrate = max;
            self.cancel_preload();
        }
    }

    /// Drops the preloads, if any (the viewer left the series).
    pub fn cancel_preload(&mut self) {
        self.keep_latest_preloads(0);
    }

    /// Stops the current episode and drops the preloads. No event follows.
    pub fn stop(&mut self) {
        let current = self.current.take();
        self.reap(current);
        self.cancel_preload();
    }

    /// Stops the current episode if it is `id`; the preloads stay. No
    /// event follows.
    pub fn stop_episode(&mut self, id: EpisodeId) {
        if self.current.as_ref().is_some_and(|e| e.id() == id) {
            let current = self.current.take();
            self.reap(current);
        }
    }

    pub fn set_paused(&self, paused: bool) {
        if let Some(ep) = &self.current {
            ep.set_paused(paused);
        }
    }

    /// The episode playing, if any.
    pub fn current(&self) -> Option<EpisodeId> {
        self.current.as_ref().map(|e| e.id())
    }

    /// Where the episode playing is, read from its pipeline now.
    pub fn position(&self) -> Option<Position> {
        let episode = self.current.as_ref()?;
        let (position, duration) = episode.position()?;
        Some(Position {
            episode: episode.id(),
            position,
            duration,
            on_air: episode.on_air(position),
        })
    }

    /// Episodes (playing, preloaded, or being torn down) whose pipelines
    /// still exist: 0 some moments after `stop`, or a leak.
    pub fn live_episodes(&self) -> usize {
        self.deps.live.load(Ordering::SeqCst)
    }

    /// Whether the preload of `stream` failed (the network or the server
    /// refused it after its retries): a caller that would rather move on
    /// than try again (an ad) asks before [`Player::play`].
    pub fn preload_failed(&self, stream: &StreamSource) -> bool {
        let Ok(source) = self.source(stream) else {
            return false;
        };
        self.preloads
            .iter()
            .any(|p| p.source == source && p.episode.failed())
    }

    /// The URL preloaded last, if any.
    pub fn preloaded(&self) -> Option<&str> {
        self.preloads.last().map(|p| p.source.url.as_str())
    }

    /// The URLs preloaded, the last one at the end.
    pub fn preloads(&self) -> Vec<&str> {
        self.preloads
            .iter()
            .map(|p| p.source.url.as_str())
            .collect()
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop();
        // Every pipeline is down before the player's hold on the runtime goes.
        if let Some((tx, thread)) = self.reaper.take() {
            drop(tx);
            let _ = thread.join();
        }
    }
}
