//! A broadcaster's live channel through the playback core: a live HLS
//! playlist on a real HTTP server that slides on by a segment a second,
//! dates its segments, loops its media behind EXT-X-DISCONTINUITY,
//! answers 404 once, jumps its sequence numbers by a trillion, and stops
//! growing for a while, until the picture runs out of data.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pillarbox::demo::media::{self, Container, EpisodeSpec};
use pillarbox::episode::EpisodeId;
use pillarbox::playback::{FrameSink, PlayerEvent, RgbaFrame, Start, StreamSource};

use crate::common::{Fault, TestServer, player, player_showing, test_config};

/// The times of the frames handed over to be shown, in order.
#[derive(Default)]
struct Shown(Mutex<Vec<Duration>>);

impl FrameSink for Shown {
    fn frame(&self, _: EpisodeId, frame: &RgbaFrame<'_>) {
        if let Some(pts) = frame.pts {
            self.0.lock().unwrap().push(pts);
        }
    }
}

impl Shown {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn last(&self) -> Duration {
        self.0.lock().unwrap().last().copied().unwrap_or_default()
    }

    /// The picture moves on: half a second more of it within 10 s.
    fn plays_on(&self, when: &str) {
        let from = self.last();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.last() < from + Duration::from_millis(500) {
            assert!(
                Instant::now() < deadline,
                "{when}: the picture stopped at {from:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Segments in the generated clip the broadcast loops (1 s each), and in
/// its playlist's window.
const CLIP: u64 = 8;
const WINDOW: u64 = 6;

/// Where the broadcast is: its window's first segment (counted from the
/// start), what its numbers add, and whether it has stopped.
#[derive(Default)]
struct Cast {
    first: u64,
    offset: u64,
    frozen: bool,
}

/// A live playlist, `index.m3u8` in its folder, rewritten every second by
/// a thread of its own with what `next` makes of the seconds gone (0 for
/// the first), until dropped.
struct Rewritten {
    stop: Arc<AtomicBool>,
}

impl Rewritten {
    fn start(
        dir: std::path::PathBuf,
        mut next: impl FnMut(u64) -> String + Send + 'static,
    ) -> Self {
        std::fs::create_dir_all(&dir).unwrap();
        publish(&dir, &next(0));
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            for tick in 1.. {
                std::thread::sleep(Duration::from_secs(1));
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                publish(&dir, &next(tick));
            }
        });
        Rewritten { stop }
    }
}

impl Drop for Rewritten {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Writes `text` as `dir`'s playlist at once (a reload never reads half).
fn publish(dir: &std::path::Path, text: &str) {
    let tmp = dir.join("index.m3u8.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(tmp, dir.join("index.m3u8")).unwrap();
}

/// The broadcast: its playlist slides on by a segment a second unless
/// frozen.
struct Broadcast {
    cast: Arc<Mutex<Cast>>,
    _playlist: Rewritten,
}

impl Broadcast {
    fn start(root: &std::path::Path) -> Broadcast {
        let cast = Arc::new(Mutex::new(Cast::default()));
        let c = cast.clone();
        let playlist = Rewritten::start(root.join("live"), move |tick| {
            let mut cast = c.lock().unwrap();
            if tick > 0 && !cast.frozen {
                cast.first += 1;
            }
            playlist(&cast)
        });
        Broadcast {
            cast,
            _playlist: playlist,
        }
    }
}

fn playlist(cast: &Cast) -> String {
    // Segment n went on air n seconds after ten (the numbers' offset
    // does not change the broadcast's clock).
    let mut text = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:{}\n\
         #EXT-X-PROGRAM-DATE-TIME:{}\n",
        cast.first + cast.offset,
        (ten() + chrono::TimeDelta::seconds(cast.first as i64)).to_rfc3339()
    );
    for n in cast.first..cast.first + WINDOW {
        if n % CLIP == 0 && n != cast.first {
            text.push_str("#EXT-X-DISCONTINUITY\n");
        }
        text.push_str(&format!(
            "#EXTINF:1.000,\n../clip/seg{:05}.ts?n={}\n",
            n % CLIP,
            n + cast.offset
        ));
    }
    text
}

fn ten() -> chrono::DateTime<chrono::Utc> {
    "2026-12-06T10:00:00Z".parse().unwrap()
}

/// The broadcast time of the frame on screen, checked against the
/// playlist's window now: behind its live edge, not before its first
/// segment (a second's slack for the window sliding meanwhile).
fn on_air_in_window(player: &pillarbox::playback::Player, cast: &Mutex<Cast>, when: &str) {
    let p = player.position().expect("a position");
    let on_air = p
        .on_air
        .unwrap_or_else(|| panic!("{when}: no broadcast time"));
    let first = cast.lock().unwrap().first as i64;
    let seconds = (on_air - ten()).num_milliseconds() as f64 / 1000.0;
    assert!(
        (first - 1) as f64 <= seconds && seconds <= (first + WINDOW as i64) as f64,
        "{when}: the frame at {:?} is dated {seconds} s after ten, the window {first}..{} s",
        p.position,
        first + WINDOW as i64
    );
}

/// No error and no end among the events not read yet: a live channel
/// plays on.
fn neither_failed_nor_ended(events: &std::sync::mpsc::Receiver<PlayerEvent>) {
    while let Ok(e) = events.try_recv() {
        assert!(
            !matches!(e, PlayerEvent::Error { .. } | PlayerEvent::Ended { .. }),
            "{e:?}"
        );
    }
}

/// The sequence numbers of the segments asked for so far, in order.
fn asked(server: &TestServer) -> Vec<u64> {
    server
        .seen(".ts")
        .iter()
        .filter_map(|s| s.query.as_deref()?.strip_prefix("n=")?.parse().ok())
        .collect()
}

#[test]
fn a_live_channel_slides_survives_a_404_a_stall_a_loop_and_a_jump() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = EpisodeSpec::vertical(Container::HlsTs, CLIP as u32);
    (spec.width, spec.height, spec.segment_seconds) = (360, 640, 1);
    media::generate(&spec, &dir.path().join("clip")).expect("the clip");
    let cast = Broadcast::start(dir.path());
    let server = TestServer::start(dir.path());
    let shown = Arc::new(Shown::default());
    let mut config = test_config(false, Some((270, 480)));
    // Out of data is told a segment and a half after the last frame, as a
    // busy box may: the clock must not have run on meanwhile.
    config.inner.stall_threshold = Duration::from_millis(1500);
    let (mut player, events) = player_showing(config, shown.clone());
    let source = StreamSource {
        live: true,
        ..StreamSource::plain(server.url("live/index.m3u8"))
    };
    let id = player.play_source(&source, Start::Beginning).unwrap();
    let started = Instant::now();
    // Events until `until` says stop (or 30 s): an error fails the test.
    let wait_for = |what: &str, until: &mut dyn FnMut(&PlayerEvent) -> bool| loop {
        let left = Duration::from_secs(30).saturating_sub(started.elapsed());
        match events.recv_timeout(left.min(Duration::from_secs(15))) {
            Ok(PlayerEvent::Error { error, .. }) => {
                panic!("{what}: the live channel failed: {error}")
            }
            Ok(PlayerEvent::Ended { .. }) => panic!("{what}: a live channel ended"),
            Ok(e) if until(&e) => return,
            Ok(_) => {}
            Err(_) => panic!("{what}: nothing within 15 s"),
        }
    };
    wait_for("first frame", &mut |e| {
        matches!(e, PlayerEvent::FirstFrame { .. })
    });
    // Joined three target durations (3 s) from the edge of a 6 s window:
    // its fourth segment.
    let first = asked(&server)[0];
    assert!((3..=4).contains(&first), "joined at {first}");
    // The frame on screen is dated by its segment's program date-time.
    on_air_in_window(&player, &cast.cast, "joined");

    // A 404 for the playlist once: tried again at the next reload.
    server.fault("live/index.m3u8", Fault::Status(404), Some(1));
    // Past the clip's loop (EXT-X-DISCONTINUITY, timestamps back to 0):
    // segments keep coming, one after the other, and the picture moves on.
    let before = player.position().map(|p| p.position).unwrap_or_default();
    std::thread::sleep(Duration::from_secs(CLIP - first + 2));
    let after = player.position().map(|p| p.position).unwrap_or_default();
    assert!(
        after > before,
        "the picture moved on: {before:?} -> {after:?}"
    );
    let seq = asked(&server);
    assert!(
        seq.windows(2).all(|w| w[1] == w[0] + 1),
        "in order: {seq:?}"
    );
    assert!(*seq.last().unwrap() > CLIP, "past the loop: {seq:?}");
    // The stream's timestamps went back to 0 at the loop; the broadcast's
    // clock did not.
    on_air_in_window(&player, &cast.cast, "past the loop");

    // The numbers jump by a trillion: the feed loses its place and takes
    // up again where the broadcast's dates say it was (nothing shown
    // twice, nothing skipped), and plays on.
    let jump = 1_000_000_000_000;
    cast.cast.lock().unwrap().offset = jump;
    std::thread::sleep(Duration::from_secs(4));
    let seq = asked(&server);
    let rejoined = seq
        .iter()
        .position(|&n| n >= jump)
        .expect("segments after the jump");
    assert_eq!(
        seq[rejoined] - jump,
        seq[rejoined - 1] + 1,
        "the next segment of the broadcast: {seq:?}"
    );
    assert!(
        seq[rejoined..].windows(2).all(|w| w[1] == w[0] + 1),
        "{seq:?}"
    );
    shown.plays_on("after the jump");
    on_air_in_window(&player, &cast.cast, "rejoined");

    // The playlist stops growing: said after three target durations, and
    // unsaid when it grows again.
    // Meanwhile the picture runs out of data and waits (a rebuffer).
    cast.cast.lock().unwrap().frozen = true;
    let (mut stalled, mut starved) = (false, false);
    wait_for("stalled and out of data", &mut |e| {
        match e {
            PlayerEvent::Broadcast {
                stalled: true,
                episode,
            } if *episode == id => stalled = true,
            PlayerEvent::Buffering { percent: 0, .. } => starved = true,
            _ => {}
        }
        stalled && starved
    });
    let (before, last) = (shown.count(), shown.last());
    cast.cast.lock().unwrap().frozen = false;
    wait_for("going again", &mut |e| {
        matches!(e, PlayerEvent::Broadcast { stalled: false, .. })
    });
    let seq = asked(&server);
    assert!(
        seq[rejoined..].windows(2).all(|w| w[1] == w[0] + 1),
        "in order: {seq:?}"
    );
    // The picture goes on from the frame after the one it stopped at (at
    // 25 frames a second), and plays on: resumed on a clock that ran
    // through the wait, every frame would come late, and be dropped.
    shown.plays_on("after the stall");
    let next = shown.0.lock().unwrap()[before];
    assert!(
        next > last && next <= last + Duration::from_millis(80),
        "after the stall the picture went on at {next:?}, from {last:?}"
    );

    neither_failed_nor_ended(&events);
}

#[test]
fn an_episode_that_turns_out_live_is_refused_and_a_live_file_is_not_a_channel() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    std::fs::create_dir_all(&live).unwrap();
    publish(&live, &playlist(&Cast::default()));
    std::fs::write(dir.path().join("clip.mp4"), b"not a playlist").unwrap();
    let server = TestServer::start(dir.path());
    let (mut player, events) = player(test_config(true, None));
    // An episode's playlist must be VOD.
    let id = player.play(&server.url("live/index.m3u8")).unwrap();
    let error = loop {
        match events.recv_timeout(Duration::from_secs(30)).unwrap() {
            PlayerEvent::Error { episode, error, .. } if episode == id => break error,
            _ => {}
        }
    };
    assert!(error.to_string().contains("live playlist"), "{error}");
    // A live channel must be a playlist.
    let source = StreamSource {
        live: true,
        ..StreamSource::plain(server.url("clip.mp4"))
    };
    let id = player.play_source(&source, Start::Beginning).unwrap();
    let error = loop {
        match events.recv_timeout(Duration::from_secs(30)).unwrap() {
            PlayerEvent::Error { episode, error, .. } if episode == id => break error,
            _ => {}
        }
    };
    assert!(
        error.to_string().contains("must be an HLS playlist"),
        "{error}"
    );
}

/// A broadcast that switches between a portrait clip with sound and a
/// landscape one without (an ad break, say) every four segments, behind
/// EXT-X-DISCONTINUITY: the picture plays on across each switch, with no
/// frame skipped or late.
#[test]
fn a_live_channel_plays_on_across_changes_of_picture_size_and_streams() {
    let dir = tempfile::tempdir().unwrap();
    for (name, (width, height), audio) in [("a", (360, 640), true), ("b", (640, 360), false)] {
        let mut spec = EpisodeSpec::vertical(Container::HlsTs, 4);
        (spec.width, spec.height, spec.segment_seconds, spec.audio) = (width, height, 1, audio);
        media::generate(&spec, &dir.path().join(name)).expect("the clip");
    }
    let _playlist = Rewritten::start(dir.path().join("live"), |first| {
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:{first}\n"
        );
        for n in first..first + WINDOW {
            if n % 4 == 0 && n != first {
                text.push_str("#EXT-X-DISCONTINUITY\n");
            }
            let clip = ["a", "b"][(n / 4 % 2) as usize];
            text.push_str(&format!(
                "#EXTINF:1.000,\n../{clip}/seg{:05}.ts?n={n}\n",
                n % 4
            ));
        }
        text
    });
    let server = TestServer::start(dir.path());
    let shown = Arc::new(Shown::default());
    let (mut player, events) = player_showing(test_config(false, Some((270, 480))), shown.clone());
    let source = StreamSource {
        live: true,
        ..StreamSource::plain(server.url("live/index.m3u8"))
    };
    player.play_source(&source, Start::Beginning).unwrap();
    // Joined at segment 3 (a, the last with sound): past b (4 to 7) and
    // back to a (8 on).
    let deadline = Instant::now() + Duration::from_secs(20);
    while asked(&server).last().is_none_or(|&n| n < 10) {
        assert!(Instant::now() < deadline, "asked: {:?}", asked(&server));
        std::thread::sleep(Duration::from_millis(100));
    }
    shown.plays_on("back to the first clip");
    let pts = shown.0.lock().unwrap().clone();
    let gaps: Vec<_> = pts
        .windows(2)
        .filter(|w| w[1] < w[0] || w[1] > w[0] + Duration::from_millis(80))
        .collect();
    // (A frame may come twice: a prerolled picture shown ahead of playing.)
    assert!(gaps.is_empty(), "frames skipped or out of order: {gaps:?}");
    neither_failed_nor_ended(&events);
}
