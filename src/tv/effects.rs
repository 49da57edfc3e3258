//! The TV's effects, the only place with I/O: the app core's commands
//! carried out with the player, the video sink, the store writer, the
//! speaker, the unlock service and the loaders of posters and subtitle
//! files; the player's reports turned into app events.

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

use crate::app::subtitles::{LoadedSubtitles, SubtitleSource};
use crate::app::{Command, Event, Playback};
use crate::catalog::model::SubtitleTrack;
use crate::episode::EpisodeId;
use crate::net::Net;
use crate::playback::{Player, PlayerConfig, PlayerEvent, ReportSink};
use crate::store::Store;
use crate::view::video::VideoSink;

use super::loaders::{self, LoadError, PosterLoader, SubtitleFile};
use super::shell::{Effects, Input, Position, ShellHandle};
use super::store_thread::{Saved, store_writer};
use super::subtitle_files::SubtitleFiles;

/// The highest bitrate of a progressive ad file, kbit/s.
const MAX_AD_KBPS: u32 = 8_000;

/// How long a reset waits for the store thread (a slow flash card's
/// fsyncs); past it the reset goes on, the marker left for the next start.
const RESET_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct TvEffects {
    player: Option<Player>,
    config: PlayerConfig,
    net: Net,
    video: VideoSink,
    shell: ShellHandle,
    store: Option<(Sender<Saved>, Option<JoinHandle<()>>)>,
    speaker: super::speech::Speaker,
    unlock: crate::unlock::service::UnlockService,
    posters: PosterLoader,
    subtitles: SubtitleFiles,
    /// Live channels' programme guides.
    guides: loaders::GuideLoader,
    /// Fires ad trackers (started with the first ad).
    beacons: Option<crate::ads::sender::BeaconSender>,
    /// Home's preview playing muted: not a play (no insight, no QA play
    /// entry) unless it is continued.
    previewing: Option<Previewing>,
    /// The data received this month.
    meter: super::data_used::Meter,
    /// The network the box is on, and what each network carried.
    network: Option<String>,
    /// The episode playing comes over that network (not from this box:
    /// the embedded demo's loopback says nothing about the link).
    over_network: bool,
    throughput: super::throughput::Throughput,
    /// Wakes the catalog feed for an attempt now (Retry).
    catalog_retry: Arc<tokio::sync::Notify>,
    /// Partner insight: consent, reports, their delivery.
    insight: crate::insight::Insight,
    /// Episodes kept ready on the box.
    keeper: crate::stored::keeper::Keeper,
    /// What a QA run watches.
    #[cfg(feature = "qa")]
    observer: Option<super::observe::Observer>,
}

/// Home's preview, playing without sound.
struct Previewing {
    id: EpisodeId,
    series: String,
    /// Its first frame came.
    shown: bool,
}

/// The player's reports into the shell's queue.
struct ShellReports(ShellHandle);

impl ReportSink for ShellReports {
    fn report(&self, event: PlayerEvent) {
        self.0.post(Input::Player(Box::new(event)));
    }
}

impl TvEffects {
    pub fn new(
        config: PlayerConfig,
        net: Net,
        video: VideoSink,
        store: Store,
        shell: ShellHandle,
        catalog_retry: Arc<tokio::sync::Notify>,
        #[cfg(feature = "qa")] observer: Option<super::observe::Observer>,
    ) -> TvEffects {
        #[cfg(feature = "qa")]
        let sent: Option<crate::insight::SentLog> = observer.clone().map(|o| {
            Arc::new(move |name: &str, _line: &str| {
                o.played(|p| p.insight.push(name.to_owned()));
            }) as crate::insight::SentLog
        });
        #[cfg(not(feature = "qa"))]
        let sent = None;
        // Episodes start on the rung this network's recent throughput
        // supports (the default guess on a network not seen lately).
        let mut config = config;
        let network = super::throughput::this_network();
        let throughput = store
            .load::<super::throughput::Throughput>(super::throughput::THROUGHPUT_FILE)
            .checked();
        let now = chrono::Utc::now().timestamp();
        if let Some(bps) = network
            .as_deref()
            .and_then(|n| throughput.start_bps(n, now))
        {
            config.initial_bitrate = bps;
        }
        tracing::info!(
            network,
            initial_bps = config.initial_bitrate,
            "throughput to start from"
        );
        let meter = super::data_used::Meter::new(
            store.load(super::data_used::DATA_USED_FILE),
            net.fetcher().bytes_received(),
        );
        let started = super::process_start();
        let insight =
            crate::insight::Insight::new(net.clone(), store.dir().to_owned(), started, sent);
        let posters = {
            let shell = shell.clone();
            loaders::posters(
                net.clone(),
                Arc::new(move |url, loaded| {
                    let loaded = loaded.map_err(|e| match e {
                        LoadError::Decode(e) => e,
                        other => crate::view::posters::PictureError::Unreadable(other.to_string()),
                    });
                    shell.post(Input::Poster { url, loaded });
                }),
            )
        };
        let subtitles = {
            let shell = shell.clone();
            loaders::subtitles(
                net.clone(),
                Arc::new(move |url, loaded: Result<_, _>| {
                    let loaded = loaded.map_err(loaders::track_error);
                    shell.post(Input::Subtitles { url, loaded })
                }),
            )
        };
        let guides = {
            let shell = shell.clone();
            loaders::guides(
                net.clone(),
                Arc::new(move |url, loaded: Result<_, LoadError<_>>| {
                    let guides = loaded.map(Arc::new).map_err(|e| e.to_string());
                    shell.post(Input::App(Event::Guide { url, guides }))
                }),
            )
        };
        let reports = {
            let shell = shell.clone();
            Arc::new(move |r| shell.post(Input::App(Event::Unlock(r))))
        };
        let keeper = {
            let shell = shell.clone();
            crate::stored::keeper::Keeper::start(
                store.dir().join(crate::stored::STORED_DIR),
                net.clone(),
                Box::new(move |kept| shell.post(Input::App(Event::Kept(kept)))),
            )
        };
        #[cfg(feature = "qa")]
        let spoken = observer.as_ref().map(|o| o.spoken.clone());
        #[cfg(not(feature = "qa"))]
        let spoken = None;
        TvEffects {
            speaker: super::speech::Speaker::new(config.audio, config.duck.clone(), spoken),
            unlock: crate::unlock::service::UnlockService::new(
                net.clone(),
                store.dir().to_owned(),
                reports,
            ),
            player: None,
            config,
            net,
            video,
            shell,
            store: Some(store_writer(store)),
            posters,
            guides,
            subtitles: SubtitleFiles::new(subtitles),
            catalog_retry,
            insight,
            keeper,
            beacons: None,
            previewing: None,
            meter,
            network,
            over_network: false,
            throughput,
            #[cfg(feature = "qa")]
            observer,
        }
    }

    /// What the link carried by now, for this network's next start.
    fn remember_throughput(&mut self) {
        if !self.over_network {
            return;
        }
        let (Some(network), Some(bps)) = (
            self.network.as_deref(),
            self.player.as_ref().and_then(Player::measured_bandwidth),
        ) else {
            return;
        };
        let now = chrono::Utc::now().timestamp();
        self.throughput.remember(network, bps, now);
        self.save(Saved::Throughput(self.throughput.clone()));
    }

    /// No preview plays any more: sound again.
    fn end_preview(&mut self) {
        if self.previewing.take().is_some() {
            self.config.duck.set_muted(false);
        }
    }

    /// A report of Home's preview: for the app core, not a play (no
    /// insight, no QA play entry; the QA report lists previews shown).
    fn preview_report(&mut self, id: EpisodeId, event: PlayerEvent) -> Option<Event> {
        let report = match event {
            PlayerEvent::FirstFrame { since_play, .. } => {
                let p = self.previewing.as_mut()?;
                p.shown = true;
                let ms = since_play.as_secs_f64() * 1000.0;
                tracing::info!(series = p.series, episode = %id, first_frame_ms = ms, "preview shown");
                #[cfg(feature = "qa")]
                if let Some(o) = &self.observer {
                    let series = p.series.clone();
                    o.played(|played| played.previews.push(series));
                }
                Playback::Started
            }
            PlayerEvent::Buffering { percent, .. } => Playback::Buffering(percent < 100),
            PlayerEvent::Subtitles { .. }
            | PlayerEvent::Connection { .. }
            | PlayerEvent::Broadcast { .. } => return None,
            PlayerEvent::Ended { .. } => Playback::Ended,
            PlayerEvent::Error { error, .. } => failure(&error),
        };
        Some(Event::Playback { id, report })
    }

    /// The player, started on first use (GStreamer is slow to load).
    fn player(&mut self) -> Option<&mut Player> {
        if self.player.is_none() {
            let reports = Arc::new(ShellReports(self.shell.clone()));
            match Player::new(
                self.config.clone(),
                &self.net,
                Arc::new(self.video.clone()),
                reports,
            ) {
                Ok(player) => self.player = Some(player),
                Err(e) => tracing::error!(error = %e, "cannot start the player"),
            }
        }
        self.player.as_mut()
    }

    /// Asks the ad server for a break, off the UI thread; the answer (no
    /// ads, if it failed) comes back as an event. The box's advertising id
    /// never goes out: there is no consent to tracking to ask for yet.
    fn ask_break(&self, request: EpisodeId, tag: String, content_id: String) {
        use crate::ads::chain::{ChainLimits, resolve};
        let caps = crate::ads::choose::MediaCaps {
            // What the box plays; "Data use" caps episodes' variants, not
            // an ad's choice of file (the lightest that fits is taken).
            max_kbps: MAX_AD_KBPS,
            screen_height: self.config.video_size.map_or(1080, |(_, h)| h),
        };
        let values = crate::ads::macros::MacroValues::new(None, Some(content_id));
        let (net, shell) = (self.net.clone(), self.shell.clone());
        tracing::info!(%request, "asking the ad server for a break");
        self.net.spawn(async move {
            let resolved =
                resolve(net.fetcher(), &tag, &values, caps, ChainLimits::default()).await;
            shell.post(Input::App(Event::AdBreak { request, resolved }));
        });
    }

    /// Episode or ad `id` is the one the video sink shows from `start`,
    /// with these subtitles: the player to play it, or (it could not
    /// start) `None`, the failure reported.
    fn show(
        &mut self,
        id: EpisodeId,
        start: std::time::Duration,
        subtitles: Option<SubtitleTrack>,
    ) -> Option<&mut Player> {
        self.video.show(id, start);
        let event = self.subtitles.want(id, subtitles);
        self.post(event);
        if self.player().is_none() {
            self.failed(id, "the player could not start".into());
        }
        self.player.as_mut()
    }

    /// To the store thread, which writes the latest of each kind.
    fn save(&self, saved: Saved) {
        if let Some((tx, _)) = &self.store {
            let _ = tx.send(saved);
        }
    }

    /// Forgets the viewer: the store thread drops what waits to be written
    /// and removes the files (waited for, so nothing written before the
    /// reset lands after it), then the unlock service forgets the pairing
    /// and takes a new device id. Subtitle files and posters kept in
    /// memory are the catalog's, not the viewer's.
    fn reset_box(&mut self) {
        self.speaker.stop();
        let (tx, rx) = std::sync::mpsc::channel();
        self.save(Saved::Reset(tx));
        if rx.recv_timeout(RESET_WAIT).is_err() {
            tracing::error!("the store did not finish the reset in time");
        }
        self.unlock.run(crate::unlock::UnlockCommand::SignOut);
        self.insight.reset();
        // Kept episodes follow the viewer's history (and, paid, grants).
        self.keeper.forget_all();
    }

    /// The player could not take a play command: the app hears it as a
    /// failure of that episode.
    fn failed(&self, id: EpisodeId, why: String) {
        self.shell.post(Input::App(Event::Playback {
            id,
            report: Playback::Failed {
                message: why,
                denied: false,
                network: false,
            },
        }));
    }

    fn post(&self, event: Option<Event>) {
        if let Some(e) = event {
            self.shell.post(Input::App(e));
        }
    }

    /// A subtitle file fetched and parsed, or why not: an event for the
    /// episode showing it.
    pub fn subtitles_arrived(&mut self, url: &str, file: SubtitleFile) -> Option<Event> {
        self.subtitles.arrived(url, file)
    }
}

impl Effects for TvEffects {
    fn warm_up(&mut self, video_height: u32) {
        if self.player.is_none() {
            self.config.video_size = Some(super::pillarbox_size(video_height));
            self.config.wide_size = Some(super::screen_size(video_height));
            tracing::info!(size = ?self.config.video_size, "video scaled to");
        }
        self.player();
    }

    fn run(&mut self, command: Command) {
        match command {
            Command::Play {
                id,
                source,
                series,
                episode,
                start_ms,
                subtitles,
            } => {
                #[cfg(feature = "qa")]
                if let Some(o) = &self.observer {
                    o.played(|p| p.start_ms.push(start_ms));
                }
                // A live channel is no episode: partner insight reports
                // episodes only.
                if !source.live {
                    let what = crate::insight::recorder::Played::Episode {
                        series: series.clone(),
                        episode,
                    };
                    self.insight.requested(id, what);
                }
                self.over_network = !super::throughput::on_this_box(&source.url);
                let start = std::time::Duration::from_millis(start_ms);
                let Some(player) = self.show(id, start, subtitles) else {
                    return;
                };
                let played = player.play(id, &source, resume_at(start_ms));
                self.end_preview();
                let kept = source.url.starts_with("stored:");
                match played {
                    Ok(()) => tracing::info!(series, episode, %id, start_ms, kept, "play"),
                    Err(e) => self.failed(id, e.to_string()),
                }
            }
            Command::Preview { id, source, series } => {
                // Silent from its first sample: muted before it starts.
                self.config.duck.set_muted(true);
                self.previewing = Some(Previewing {
                    id,
                    series: series.clone(),
                    shown: false,
                });
                let Some(player) = self.show(id, std::time::Duration::ZERO, None) else {
                    return;
                };
                match player.play(id, &source, crate::playback::Start::Beginning) {
                    Ok(()) => tracing::info!(series, %id, url = source.url, "preview"),
                    Err(e) => self.failed(id, e.to_string()),
                }
            }
            Command::StopPreview { id } => {
                if self.previewing.as_ref().is_some_and(|p| p.id == id) {
                    self.video.stop();
                    if let Some(p) = self.player.as_mut() {
                        p.stop_episode(id);
                    }
                    self.end_preview();
                }
            }
            Command::Continue {
                id,
                series,
                episode,
                start_ms,
                subtitles,
            } => {
                let Some(shown) = self
                    .previewing
                    .as_ref()
                    .filter(|p| p.id == id)
                    .map(|p| p.shown)
                else {
                    tracing::warn!(%id, "continue: no such preview");
                    return;
                };
                self.end_preview();
                tracing::info!(series, episode, %id, start_ms, "preview continued");
                let what = crate::insight::recorder::Played::Episode { series, episode };
                self.insight.requested(id, what);
                #[cfg(feature = "qa")]
                if let Some(o) = &self.observer {
                    o.played(|p| p.start_ms.push(start_ms));
                }
                if shown {
                    // On screen already: it started the moment OK came.
                    self.insight.first_frame(id, 0);
                    #[cfg(feature = "qa")]
                    if let Some(o) = &self.observer {
                        o.played(|p| p.first_frame_ms.push(0.0));
                    }
                }
                let event = self.subtitles.want(id, subtitles);
                self.post(event);
            }
            Command::Preload {
                source,
                start_ms,
                subtitles,
                beside,
            } => {
                if let Some(track) = subtitles {
                    self.subtitles.get(&track.url);
                }
                let start = resume_at(start_ms);
                if let Some(player) = self.player()
                    && let Err(e) = match beside {
                        true => player.preload_beside(&source, start),
                        false => player.preload(&source, start),
                    }
                {
                    tracing::warn!(url = source.url, error = %e, "preload refused");
                }
            }
            Command::Refresh { id, source } => {
                if let Some(player) = self.player.as_mut() {
                    match player.refresh(id, &source) {
                        Ok(true) => tracing::info!(%id, "grant refreshed"),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "refreshed grant refused"),
                    }
                }
            }
            Command::LoadGuide(url) => self.guides.request(&url),
            Command::LoadSubtitles { id, track } => {
                let event = self.subtitles.want(id, Some(track));
                self.post(event);
            }
            Command::CancelPreload => {
                if let Some(p) = self.player.as_mut() {
                    p.cancel_preload();
                }
            }
            Command::Stop => {
                self.video.stop();
                self.subtitles.none_shown();
                let position_ms = self
                    .player
                    .as_ref()
                    .and_then(|p| p.position())
                    .map(|p| p.position.as_millis() as u64);
                self.insight
                    .ended(None, crate::insight::recorder::Ending::Left { position_ms });
                if let Some(p) = self.player.as_mut() {
                    p.stop();
                }
                self.end_preview();
            }
            Command::SetPaused(paused) => {
                self.insight.paused(paused);
                if let Some(p) = self.player.as_ref() {
                    p.set_paused(paused);
                }
            }
            Command::SaveHistory(history) => self.save(Saved::History(history)),
            Command::ReloadCatalog => self.catalog_retry.notify_one(),
            Command::SaveAdLedger(ledger) => self.save(Saved::AdLedger(ledger)),
            Command::Keep { plan, idle } => {
                self.keeper.busy(!idle);
                self.keeper.plan(plan);
            }
            Command::AskBreak {
                request,
                tag,
                content_id,
            } => self.ask_break(request, tag, content_id),
            Command::PlayAd { id, url, ad_id } => {
                #[cfg(feature = "qa")]
                if let Some(o) = &self.observer {
                    // One start per play command, as for episodes: the
                    // ad's first frame is timed like theirs.
                    let name = ad_id.clone().unwrap_or_else(|| url.clone());
                    o.played(|p| {
                        p.start_ms.push(0);
                        p.ads.push(name);
                    });
                }
                let what = crate::insight::recorder::Played::Ad {
                    ad_id: ad_id.clone(),
                };
                self.insight.requested(id, what);
                let Some(player) = self.show(id, std::time::Duration::ZERO, None) else {
                    return;
                };
                let source = crate::playback::StreamSource::ad(url);
                // An ad whose preload already failed is not fetched again:
                // the break moves on at once rather than after new retries.
                if player.preload_failed(&source) {
                    player.cancel_preload();
                    self.failed(id, format!("{}: its preload failed", source.url));
                    return;
                }
                let played = player.play(id, &source, crate::playback::Start::Beginning);
                self.end_preview();
                match played {
                    Ok(()) => tracing::info!(url = source.url, ?ad_id, %id, "play ad"),
                    Err(e) => self.failed(id, e.to_string()),
                }
            }
            Command::AdBeacons {
                beacons,
                content_id,
            } => {
                #[cfg(feature = "qa")]
                if let Some(o) = &self.observer {
                    o.played(|p| {
                        p.ad_trackers.extend(beacons.iter().map(|b| match b.error {
                            Some(code) => format!("{}:{code}", b.what),
                            None => b.what.to_owned(),
                        }))
                    });
                }
                let values = crate::ads::macros::MacroValues::new(None, Some(content_id));
                self.beacons
                    .get_or_insert_with(|| crate::ads::sender::BeaconSender::start(&self.net))
                    .send(&beacons, &values);
            }
            Command::SaveSettings(settings) => self.save(Saved::Settings(settings)),
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
            Command::ResetBox => self.reset_box(),
            Command::Fade(level) => self.config.duck.set_fade(level),
            Command::MaxBitrate(max) => {
                tracing::info!(?max, "data use: variants capped");
                self.config.max_bitrate = max;
                if let Some(p) = self.player.as_mut() {
                    p.set_max_bitrate(max);
                }
            }
            Command::Exit => {
                let _ = slint::quit_event_loop();
            }
        }
    }

    fn report(&mut self, event: PlayerEvent) -> Option<Event> {
        let id = event.episode();
        if self.previewing.as_ref().is_some_and(|p| p.id == id) {
            return self.preview_report(id, event);
        }
        let report = match event {
            PlayerEvent::FirstFrame {
                since_play, start, ..
            } => {
                // Subtitles count from where the episode really started.
                self.video.set_start(id, start);
                let ms = since_play.as_secs_f64() * 1000.0;
                tracing::info!(episode = %id, first_frame_ms = ms, "first frame");
                self.insight.first_frame(id, ms.round() as u64);
                #[cfg(feature = "qa")]
                if let Some(o) = &self.observer {
                    o.played(|p| p.first_frame_ms.push(ms));
                }
                Playback::Started
            }
            PlayerEvent::Buffering { percent, .. } => {
                self.insight.buffering(id, percent < 100);
                Playback::Buffering(percent < 100)
            }
            PlayerEvent::Connection { lost, .. } => {
                tracing::info!(episode = %id, lost, "connection");
                Playback::Connection(lost)
            }
            PlayerEvent::Broadcast { stalled, .. } => {
                tracing::info!(episode = %id, stalled, "live broadcast");
                Playback::Broadcast(stalled)
            }
            PlayerEvent::Subtitles {
                language,
                forced,
                track,
                ..
            } => Playback::Subtitles(LoadedSubtitles {
                source: SubtitleSource::Stream,
                language,
                forced,
                track,
            }),
            PlayerEvent::Ended { qoe, .. } => {
                tracing::info!(episode = %id, ?qoe, "episode ended");
                self.remember_throughput();
                let ending = crate::insight::recorder::Ending::Completed {
                    bitrate_kbps: bitrate_kbps(&qoe),
                    position_ms: qoe.position_ms,
                };
                self.insight.ended(Some(id), ending);
                #[cfg(feature = "qa")]
                if let Some(o) = &self.observer {
                    o.played(|p| {
                        p.audio_languages.push(qoe.audio_language.clone());
                        p.dropped_frames.push(qoe.dropped_frames);
                        p.rebuffers.push(qoe.rebuffer_count);
                    });
                }
                Playback::Ended
            }
            PlayerEvent::Error { error, qoe, .. } => {
                tracing::warn!(episode = %id, error = %error, "episode failed");
                let ending = crate::insight::recorder::Ending::Failed {
                    kind: error.kind().to_owned(),
                    bitrate_kbps: bitrate_kbps(&qoe),
                    position_ms: qoe.position_ms,
                };
                self.insight.ended(Some(id), ending);
                failure(&error)
            }
        };
        Some(Event::Playback { id, report })
    }

    fn position(&self) -> Option<Position> {
        let p = self.player.as_ref()?.position()?;
        Some(Position {
            episode: p.episode,
            position_ms: p.position.as_millis() as u64,
            duration_ms: p.duration.map(|d| d.as_millis() as u64),
            on_air: p.on_air,
        })
    }

    fn load_posters(&mut self, urls: Vec<String>) {
        for url in urls {
            self.posters.request(&url);
        }
    }

    fn subtitles(&mut self, url: &str, file: SubtitleFile) -> Option<Event> {
        self.subtitles_arrived(url, file)
    }

    fn insight(&mut self, command: crate::insight::InsightCommand) {
        self.insight.run(command);
    }

    fn data_used(&mut self, now_ms: u64) -> Option<u64> {
        let counted = self.net.fetcher().bytes_received();
        let month = super::data_used::this_month();
        let (bytes, save) = self.meter.look(now_ms, counted, &month)?;
        if save {
            self.save(Saved::DataUsed(self.meter.used.clone()));
        }
        Some(bytes)
    }

    fn shutdown(&mut self) {
        let counted = self.net.fetcher().bytes_received();
        if let Some(used) = self.meter.unsaved(counted, &super::data_used::this_month()) {
            self.save(Saved::DataUsed(used));
        }
        self.insight.shutdown();
        self.speaker.stop();
        self.unlock.run(crate::unlock::UnlockCommand::StopPairing);
        if let Some(mut p) = self.player.take() {
            p.stop();
        }
        if let Some((tx, writer)) = self.store.take() {
            drop(tx);
            if let Some(w) = writer {
                let _ = w.join();
            }
        }
    }
}

/// The bitrate an episode played at, kbit/s: its HLS variants' bandwidth
/// averaged over the segments, else (one file) its bytes over its length.
fn bitrate_kbps(qoe: &crate::playback::Qoe) -> Option<u64> {
    qoe.bitrate_kbps.or_else(|| {
        (qoe.position_ms > 0 && qoe.bytes > 0)
            .then(|| qoe.bytes.saturating_mul(8) / qoe.position_ms)
    })
}

/// A playback error as the app core hears it: what failed, whether a
/// server refused it (an expired grant), whether the network failed it.
fn failure(error: &crate::playback::PlaybackError) -> Playback {
    Playback::Failed {
        message: error.to_string(),
        denied: error.denied(),
        network: matches!(error.kind(), "network" | "too_large"),
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
