//! Episodes back to back, the next one preloaded once the current one
//! has played a moment: what `pillarbox play` and `pillarbox demo` do, with one report
//! per episode.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::Serialize;

use std::sync::Arc;

use super::{
    EpisodeId, PlaybackError, Player, PlayerEvent, Qoe, Start, StreamSource, next_preload_due,
};
use crate::net::RequestHeaders;

/// How often the position is read while an episode plays.
const POLL: Duration = Duration::from_millis(250);
use crate::webvtt::Track;

/// How one episode ended: its counters, with the error if it failed.
pub type Outcome = Result<Qoe, (PlaybackError, Qoe)>;

#[derive(Debug, Clone)]
pub struct BingeOptions {
    /// Preload the next episode once the current one shows.
    pub preload: bool,
    /// Give up on an episode that makes no progress for this long.
    pub stuck_timeout: Duration,
    /// Sent with every request of every episode (`play --header`).
    pub headers: RequestHeaders,
}

/// Plays `urls` in order and calls `done` after each; true when every
/// episode played to its end. `events` is where the player's reports come
/// (the player was made with that channel's sender as its report sink).
/// An error stops the run: the player is gone.
pub fn play_all(
    player: &mut Player,
    events: &Receiver<PlayerEvent>,
    urls: &[String],
    options: &BingeOptions,
    mut done: impl FnMut(&str, &Outcome),
) -> Result<bool, PlaybackError> {
    let mut all_ended = true;
    let mut id = EpisodeId(0);
    for (i, url) in urls.iter().enumerate() {
        id = id.next();
        let next = urls.get(i + 1).filter(|_| options.preload);
        let source = |url: &String| StreamSource {
            url: url.clone(),
            headers: options.headers.clone(),
            ..Default::default()
        };
        let next = next.map(source);
        let outcome = play_one(
            player,
            events,
            id,
            &source(url),
            next.as_ref(),
            options.stuck_timeout,
        )?;
        done(url, &outcome);
        all_ended &= outcome.is_ok();
    }
    Ok(all_ended)
}

fn play_one(
    player: &mut Player,
    events: &Receiver<PlayerEvent>,
    id: EpisodeId,
    source: &StreamSource,
    next: Option<&StreamSource>,
    stuck_timeout: Duration,
) -> Result<Outcome, PlaybackError> {
    let url = source.url.as_str();
    player.play(id, source, Start::Beginning)?;
    let stuck_after = stuck_timeout.max(Duration::from_secs(1));
    let mut last_progress = Instant::now();
    let mut last_position = None;
    // Where the episode started: the next one is preloaded once this one has
    // played a while from there.
    let mut preload_from: Option<Duration> = None;
    let mut subtitles: Option<(Option<String>, Arc<Track>)> = None;
    // The subtitle language played and the cues the episode reached.
    let with_subtitles = |mut qoe: Qoe, subtitles: &Option<(Option<String>, Arc<Track>)>| {
        if let Some((language, track)) = subtitles {
            qoe.subtitle_language = language.clone();
            let reached = Duration::from_millis(qoe.position_ms);
            qoe.subtitle_cues =
                Some(track.cues.iter().filter(|c| c.start < reached).count() as u64);
        }
        qoe
    };
    loop {
        match events.recv_timeout(POLL) {
            Ok(ev) if ev.episode() != id => {}
            Ok(PlayerEvent::Ended { qoe, .. }) => return Ok(Ok(with_subtitles(qoe, &subtitles))),
            Ok(PlayerEvent::Error { error, qoe, .. }) => {
                return Ok(Err((error, with_subtitles(qoe, &subtitles))));
            }
            Ok(PlayerEvent::Subtitles {
                language, track, ..
            }) => match track {
                Ok(track) => subtitles = Some((language, track)),
                Err(why) => tracing::warn!(url, %why, "no subtitles"),
            },
            Ok(PlayerEvent::FirstFrame {
                since_play, start, ..
            }) => {
                tracing::info!(url, ms = since_play.as_millis() as u64, "first frame");
                last_progress = Instant::now();
                preload_from = Some(start);
            }
            Ok(PlayerEvent::Buffering { .. }) => last_progress = Instant::now(),
            Ok(PlayerEvent::Connection { lost, .. }) => {
                // The feeder keeps trying: waiting for the network is progress.
                tracing::warn!(url, lost, "connection");
                last_progress = Instant::now();
            }
            Ok(PlayerEvent::Broadcast { stalled, .. }) => {
                // So is waiting for a live broadcast to come back.
                tracing::warn!(url, stalled, "live broadcast");
                last_progress = Instant::now();
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PlaybackError::Config("the player stopped".into()));
            }
        }
        // The position, read as the TV's shell reads it: on its own tick.
        if let Some(p) = player.position().filter(|p| p.episode == id) {
            if let Some(from) = preload_from
                && let Some(next) = next
                && next_preload_due(p.position.saturating_sub(from), p.duration)
            {
                preload_from = None;
                player.preload(next, Start::Beginning)?;
            }
            if last_position != Some(p.position) {
                last_position = Some(p.position);
                last_progress = Instant::now();
            }
        }
        if last_progress.elapsed() > stuck_after {
            player.stop();
            let error = PlaybackError::Decode(format!(
                "no progress for {} s, gave up",
                stuck_after.as_secs()
            ));
            return Ok(Err((error, Qoe::default())));
        }
    }
}

/// `pillarbox play`: `urls` back to back on a player of `config` over
/// `net`, a line per episode on stdout (JSON with `json`); true when every
/// episode played to its end.
pub fn print_all(
    config: super::PlayerConfig,
    net: &crate::net::Net,
    urls: &[String],
    options: &BingeOptions,
    json: bool,
) -> Result<bool, PlaybackError> {
    let (reports, events) = std::sync::mpsc::channel();
    let mut player = Player::new(
        config,
        net,
        Arc::new(super::NullFrameSink),
        Arc::new(reports),
    )?;
    play_all(&mut player, &events, urls, options, |url, outcome| {
        if json {
            match serde_json::to_string(&EpisodeReport::new(url, outcome)) {
                Ok(s) => println!("{s}"),
                Err(e) => eprintln!("pillarbox: cannot encode report: {e}"),
            }
        } else {
            println!("{}", summary_line(url, outcome));
        }
    })
}

/// The JSON line printed per episode (docs/playback.md lists the fields).
#[derive(Debug, Serialize)]
pub struct EpisodeReport<'a> {
    pub url: &'a str,
    pub result: &'static str,
    pub error: Option<String>,
    pub error_kind: Option<&'static str>,
    pub first_frame_ms: Option<u64>,
    pub frames: u64,
    pub dropped_frames: u64,
    pub rebuffer_count: u64,
    pub rebuffer_ms: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub position_ms: u64,
    pub bytes: u64,
    pub retries: u64,
    pub switch_gap_ms: Option<f64>,
    pub bitrate_kbps: Option<u64>,
    pub variant_switches: u64,
    /// The language of the HLS audio rendition played, or null.
    pub audio_language: Option<String>,
    /// The language of the HLS subtitle rendition shown, or null.
    pub subtitle_language: Option<String>,
    /// Cues of that rendition the episode reached, or null without one.
    pub subtitle_cues: Option<u64>,
}

impl<'a> EpisodeReport<'a> {
    pub fn new(url: &'a str, outcome: &Outcome) -> EpisodeReport<'a> {
        let (qoe, error) = match outcome {
            Ok(q) => (q, None),
            Err((e, q)) => (q, Some(e)),
        };
        EpisodeReport {
            url,
            result: if error.is_none() { "eos" } else { "error" },
            error: error.map(|e| e.to_string()),
            error_kind: error.map(|e| e.kind()),
            first_frame_ms: qoe.first_frame_ms,
            frames: qoe.frames,
            dropped_frames: qoe.dropped_frames,
            rebuffer_count: qoe.rebuffer_count,
            rebuffer_ms: qoe.rebuffer_ms,
            width: qoe.width,
            height: qoe.height,
            position_ms: qoe.position_ms,
            bytes: qoe.bytes,
            retries: qoe.retries,
            switch_gap_ms: qoe.switch_gap_ms,
            bitrate_kbps: qoe.bitrate_kbps,
            variant_switches: qoe.variant_switches,
            audio_language: qoe.audio_language.clone(),
            subtitle_language: qoe.subtitle_language.clone(),
            subtitle_cues: qoe.subtitle_cues,
        }
    }
}

/// The line printed per episode without --json.
pub fn summary_line(url: &str, outcome: &Outcome) -> String {
    match outcome {
        Ok(qoe) => format!(
            "ended  {url}: {} frames {}x{}, first frame {} ms, {} dropped, {} rebuffers ({} ms)",
            qoe.frames,
            qoe.width.unwrap_or(0),
            qoe.height.unwrap_or(0),
            qoe.first_frame_ms.unwrap_or(0),
            qoe.dropped_frames,
            qoe.rebuffer_count,
            qoe.rebuffer_ms
        ),
        Err((e, qoe)) => format!("error  {url}: {e} (after {} frames)", qoe.frames),
    }
}
