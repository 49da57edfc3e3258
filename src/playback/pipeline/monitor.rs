//! The episode's monitor thread: watches the bus and the feeder's events,
//! reports what happens (buffering, subtitles, the end or an error, with
//! the episode's QoE), and pauses the pipeline while it starves for data
//! (a rebuffer). A preload stays silent until it is activated.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::Identity;
use super::branches::VIDEO_EOS_MESSAGE;
use super::frames::Frames;
use crate::playback::control::Control;
use crate::playback::feeder::{FeedEvent, FeedState, SubtitlesLoaded};
use crate::playback::{PlaybackError, PlayerEvent, Qoe, ReportSink};

pub struct Monitor {
    pub identity: Arc<Identity>,
    pub pipeline: gst::Pipeline,
    pub appsrc: gst_app::AppSrc,
    pub feed: Arc<FeedState>,
    pub feed_events: Receiver<FeedEvent>,
    pub frames: Arc<Frames>,
    pub control: Arc<Control>,
    pub reports: Arc<dyn ReportSink>,
    pub starving: Arc<AtomicBool>,
    pub stop: Arc<AtomicBool>,
    pub fast: bool,
    pub stall_threshold: Duration,
    pub position_interval: Duration,
    pub resume_bytes: u64,
}

struct Rebuffer {
    started: Instant,
    downloaded_at_start: u64,
    pushed_at_start: u64,
    /// Enough data came: the pipeline plays on once its next frame is
    /// prerolled, and the rebuffer ends then.
    ending: bool,
}

/// The episode's rebuffers: the one going on, how many, how long in all.
#[derive(Default)]
struct Rebuffers {
    current: Option<Rebuffer>,
    count: u64,
    total: Duration,
    /// When the last one ended: the next stall counts from the later of
    /// this and the last frame (the frame it went on with may not have
    /// been handed over yet).
    ended: Option<Instant>,
}

impl Monitor {
    pub fn run(self) {
        let Some(bus) = self.pipeline.bus() else {
            return;
        };
        let mut dropped = Drops::default();
        let mut last_position = Instant::now();
        let mut position_ms = 0u64;
        let mut rebuffers = Rebuffers::default();
        let mut offline_told = false;
        let mut stalled_told = false;
        // Subtitles loaded before a preload is activated wait for it.
        let mut subtitles: Option<(crate::hls::SubtitleRendition, SubtitlesLoaded)> = None;
        let qoe = |position_ms: u64, dropped: &Drops, rebuffers: &Rebuffers| {
            let s = self.frames.lock();
            Qoe {
                first_frame_ms: s.first_shown.then_some(s.first_frame_ms),
                frames: s.frames,
                dropped_frames: dropped.count(),
                rebuffer_count: rebuffers.count,
                rebuffer_ms: rebuffers.total.as_millis() as u64,
                width: nonzero(s.width),
                height: nonzero(s.height),
                position_ms,
                bytes: self.feed.stats.bytes.load(Ordering::Relaxed),
                requests: self.feed.stats.requests.load(Ordering::Relaxed),
                retries: self.feed.stats.retries.load(Ordering::Relaxed),
                variant_bandwidth: match self.feed.variant_bandwidth.load(Ordering::Relaxed) {
                    0 => None,
                    b => Some(b),
                },
                bitrate_kbps: match self.feed.average_bandwidth.load(Ordering::Relaxed) {
                    0 => None,
                    b => Some(b / 1000),
                },
                variant_switches: self.feed.variant_switches.load(Ordering::Relaxed),
                audio_language: self.feed.audio_language.lock().ok().and_then(|l| l.clone()),
                subtitle_language: None,
                subtitle_cues: None,
                switch_gap_ms: s.switch_gap_us.map(|us| (us as f64 / 100.0).round() / 10.0),
            }
        };

        while !self.stop.load(Ordering::SeqCst) {
            // Wake exactly when the last frame's time is up.
            let mut wait = Duration::from_millis(20);
            let (video_end, branches, video) = {
                let s = self.frames.lock();
                (s.video_end_ns, s.branches, s.video_branch)
            };
            let mut terminal: Option<Result<(), PlaybackError>> = None;
            // What the feeder said: its failure ends the episode (the
            // first error wins), its subtitles are told when it plays.
            while let Ok(event) = self.feed_events.try_recv() {
                match event {
                    FeedEvent::Failed(e) => {
                        terminal.get_or_insert(Err(e));
                    }
                    FeedEvent::Subtitles(r, t) => subtitles = Some((r, t)),
                }
            }
            if self.control.is_active()
                && let Some((rendition, track)) = subtitles.take()
            {
                self.reports.report(PlayerEvent::Subtitles {
                    episode: self.identity.get(),
                    language: rendition.language,
                    forced: rendition.forced,
                    track,
                });
            }
            // The feeder lost the connection (or got it back): told while
            // the episode plays, a preload's once it does.
            let offline = self.feed.offline.load(Ordering::SeqCst);
            if self.control.is_active() && offline != offline_told {
                offline_told = offline;
                self.reports.report(PlayerEvent::Connection {
                    episode: self.identity.get(),
                    lost: offline,
                });
            }
            let stalled = self.feed.live_stalled.load(Ordering::SeqCst);
            if self.control.is_active() && stalled != stalled_told {
                stalled_told = stalled;
                self.reports.report(PlayerEvent::Broadcast {
                    episode: self.identity.get(),
                    stalled,
                });
            }
            if video_end != 0 && terminal.is_none() {
                let now = self.frames.now_ns();
                if now >= video_end {
                    terminal = Some(Ok(()));
                } else {
                    wait = wait.min(Duration::from_nanos(video_end - now));
                }
            }
            let msg = if terminal.is_some() {
                None
            } else {
                bus.timed_pop(gst::ClockTime::from_nseconds(wait.as_nanos() as u64))
            };
            // An episode started for the viewer plays once prerolled.
            self.control.prerolled(branches > 0, video);
            if let Some(msg) = msg {
                use gst::MessageView;
                match msg.view() {
                    MessageView::Eos(_) => terminal = Some(Ok(())),
                    MessageView::Application(a)
                        if a.structure().is_some_and(|s| s.name() == VIDEO_EOS_MESSAGE) =>
                    {
                        terminal = Some(Ok(()));
                    }
                    MessageView::Error(e) => {
                        let src = e
                            .src()
                            .map(|s| s.name().to_string())
                            .unwrap_or_else(|| "pipeline".into());
                        let details = e.debug().map(|d| d.to_string()).unwrap_or_default();
                        tracing::warn!(episode = %self.identity.get(), %src, error = %e.error(), %details, "pipeline error");
                        gst::warning!(
                            crate::playback::CAT,
                            obj = &self.pipeline,
                            "{src}: {} ({details})",
                            e.error()
                        );
                        // A feed failure also makes the demuxer fail: report the cause.
                        let feed_err = self.feed_events.try_iter().find_map(|e| match e {
                            FeedEvent::Failed(e) => Some(e),
                            FeedEvent::Subtitles(..) => None,
                        });
                        let from_typefind = e
                            .src()
                            .and_then(|s| s.downcast_ref::<gst::Element>())
                            .and_then(|el| el.factory())
                            .is_some_and(|f| f.name() == "typefind");
                        terminal = Some(Err(feed_err.unwrap_or_else(|| {
                            if from_typefind {
                                // Bytes that are no known format at all.
                                PlaybackError::Unsupported(format!(
                                    "the stream is not media pillarbox plays: {}",
                                    e.error()
                                ))
                            } else {
                                PlaybackError::Decode(format!("{src}: {}", e.error()))
                            }
                        })));
                    }
                    MessageView::Qos(q) => dropped.note(q),
                    MessageView::Warning(w) => {
                        tracing::warn!(episode = %self.identity.get(), warning = %w.error(), "pipeline warning");
                    }
                    _ => {}
                }
            }
            if last_position.elapsed() >= self.position_interval || terminal.is_some() {
                last_position = Instant::now();
                if let Some(pos) = self.pipeline.query_position::<gst::ClockTime>() {
                    position_ms = pos.mseconds();
                    self.feed.position_ms.store(position_ms, Ordering::Relaxed);
                }
            }
            if terminal.is_none() && !self.fast && self.control.is_active() {
                self.watch_stall(&mut rebuffers);
            }
            if let Some(outcome) = terminal {
                if self.control.fail_if_preload() {
                    // A preload that fails stays silent: playing it starts afresh.
                    tracing::info!(outcome = ?outcome.err(), "preload failed");
                    self.feed.cancel();
                    let _ = self.pipeline.set_state(gst::State::Null);
                    return;
                }
                // Drops told while this thread was behind (a busy box: the
                // last frame's time can pass with messages still queued)
                // count too; nothing else on the bus matters any more.
                while let Some(msg) = bus.pop_filtered(&[gst::MessageType::Qos]) {
                    if let gst::MessageView::Qos(q) = msg.view() {
                        dropped.note(q);
                    }
                }
                if let Some(r) = rebuffers.current.take() {
                    rebuffers.total += r.started.elapsed();
                    self.starving.store(false, Ordering::SeqCst);
                }
                let qoe = qoe(position_ms, &dropped, &rebuffers);
                let id = self.identity.get();
                let event = match outcome {
                    Ok(()) => PlayerEvent::Ended { episode: id, qoe },
                    Err(error) => {
                        gst::error!(
                            crate::playback::CAT,
                            obj = &self.pipeline,
                            "episode {id} failed: {error}"
                        );
                        // Written only where GST_DEBUG_DUMP_DOT_DIR is set.
                        self.pipeline.debug_to_dot_file_with_ts(
                            gst::DebugGraphDetails::all(),
                            format!("pillarbox-episode-{id}-error"),
                        );
                        PlayerEvent::Error {
                            episode: id,
                            error,
                            qoe,
                        }
                    }
                };
                // Tell first: the listener starts the next episode while this
                // one is torn down.
                self.feed.cancel();
                self.reports.report(event);
                let _ = self.pipeline.set_state(gst::State::Null);
                return;
            }
        }
    }

    /// Pauses the pipeline while it starves for data and resumes it when
    /// enough arrived, counting each such stall as a rebuffer.
    fn watch_stall(&self, rebuffers: &mut Rebuffers) {
        let done = self.feed.done.load(Ordering::SeqCst);
        let downloaded = self.feed.stats.bytes.load(Ordering::Relaxed);
        let pushed = self.feed.pushed_bytes.load(Ordering::Relaxed);
        if let Some(r) = &mut rebuffers.current {
            let enough = done
                || downloaded.saturating_sub(r.downloaded_at_start) >= self.resume_bytes
                || (self.appsrc.stream_type() == gst_app::AppStreamType::Stream
                    && pushed > r.pushed_at_start);
            if enough && !r.ending {
                r.ending = true;
                self.control.set_rebuffering(false);
            }
            // (A viewer who paused meanwhile has the data: the pause is
            // theirs, not a rebuffer's.)
            if r.ending && (!self.control.is_awaiting_preroll() || self.control.is_paused()) {
                rebuffers.total += r.started.elapsed();
                rebuffers.current = None;
                rebuffers.ended = Some(Instant::now());
                self.starving.store(false, Ordering::SeqCst);
                self.reports.report(PlayerEvent::Buffering {
                    episode: self.identity.get(),
                    percent: 100,
                });
            }
            return;
        }
        let (last, frame_ns) = {
            let s = self.frames.lock();
            (s.last_frame_ns, s.frame_ns)
        };
        if last == 0 || done || self.control.is_paused() {
            return;
        }
        let since_frame = self.frames.since_last_frame(last);
        let since_frame = rebuffers
            .ended
            .map_or(since_frame, |ended| since_frame.min(ended.elapsed()));
        let threshold = self.stall_threshold.max(Duration::from_nanos(frame_ns * 3));
        let starving = match self.appsrc.stream_type() {
            gst_app::AppStreamType::RandomAccess => self.feed.waiting.load(Ordering::SeqCst),
            _ => self.appsrc.current_level_bytes() == 0,
        };
        if since_frame > threshold && starving {
            tracing::info!(episode = %self.identity.get(), ?since_frame, "rebuffering");
            rebuffers.count += 1;
            // The stall began when the last frame was shown, not now.
            rebuffers.total += since_frame.saturating_sub(Duration::from_nanos(frame_ns));
            rebuffers.current = Some(Rebuffer {
                started: Instant::now(),
                downloaded_at_start: downloaded,
                pushed_at_start: pushed,
                ending: false,
            });
            self.starving.store(true, Ordering::SeqCst);
            self.control.set_rebuffering(true);
            self.reports.report(PlayerEvent::Buffering {
                episode: self.identity.get(),
                percent: 0,
            });
        }
    }
}

fn nonzero(v: u32) -> Option<u32> {
    (v != 0).then_some(v)
}

/// Frames dropped late by the elements that drop them (the video sink,
/// the decoder), from their QoS messages: each names the frame it is about,
/// and each frame counts once. The running totals the messages also carry
/// are no use: a sink starts them again at every pause and flush, so a
/// rebuffer lost the drops before it.
#[derive(Default)]
struct Drops {
    /// The elements that dropped (a few), and the frames as (element's
    /// index, timestamp).
    elements: Vec<String>,
    frames: HashSet<(usize, u64)>,
    /// Drops told without a timestamp, or past the bound on `frames`.
    untimed: u64,
}

/// Frames noted one by one; past this (an hour of frames all dropped)
/// each message counts as one.
const MAX_NOTED: usize = 1 << 17;

impl Drops {
    fn note(&mut self, q: &gst::message::Qos) {
        let (_, dropped) = q.stats();
        if !u64::try_from(dropped.value()).is_ok_and(|d| d > 0) {
            return;
        }
        let element = q.src().map(|s| s.path_string().to_string());
        let (_, _, _, timestamp, _) = q.get();
        match (element, timestamp) {
            (Some(element), Some(t)) if self.frames.len() < MAX_NOTED => {
                let index = match self.elements.iter().position(|e| *e == element) {
                    Some(i) => i,
                    None => {
                        self.elements.push(element);
                        self.elements.len() - 1
                    }
                };
                self.frames.insert((index, t.nseconds()));
            }
            _ => self.untimed += 1,
        }
    }

    fn count(&self) -> u64 {
        self.frames.len() as u64 + self.untimed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drop_told(from: &gst::Element, ms: u64, processed: u64, dropped: u64) -> gst::Message {
        gst::message::Qos::builder(true)
            .timestamp(gst::ClockTime::from_mseconds(ms))
            .stats(
                gst::format::Buffers::from_u64(processed),
                gst::format::Buffers::from_u64(dropped),
            )
            .src(from)
            .build()
    }

    fn note(drops: &mut Drops, m: &gst::Message) {
        if let gst::MessageView::Qos(q) = m.view() {
            drops.note(q);
        }
    }

    #[test]
    fn drops_count_once_per_frame_across_a_sinks_restarted_totals() {
        gst::init().unwrap();
        let sink = gst::ElementFactory::make("fakesink")
            .name("sink")
            .build()
            .unwrap();
        let decoder = gst::ElementFactory::make("identity")
            .name("dec")
            .build()
            .unwrap();
        let mut drops = Drops::default();
        note(&mut drops, &drop_told(&sink, 680, 5, 1));
        // The rebuffer's pause started the sink's totals again.
        note(&mut drops, &drop_told(&sink, 1080, 2, 1));
        note(&mut drops, &drop_told(&sink, 1640, 2, 2));
        // The same frame told twice; a message that tells of no drop.
        note(&mut drops, &drop_told(&sink, 1640, 2, 2));
        note(&mut drops, &drop_told(&sink, 1700, 3, 0));
        // The decoder's frames at the same times are other drops.
        note(&mut drops, &drop_told(&decoder, 680, 9, 1));
        note(&mut drops, &drop_told(&decoder, 720, 10, 2));
        assert_eq!(drops.count(), 5);
    }
}
