//! One play at a time, from request to end, as reports: its first frame
//! (with the startup time), stalls, pauses, and how it ended (with what it
//! showed, how long it stalled, the bitrate). Pure bookkeeping: times come
//! in, reports go out.

use super::cmcd::{Report, key};
use crate::episode::EpisodeId;

/// What is playing: an episode or an ad.
#[derive(Debug, Clone, PartialEq)]
pub enum Played {
    Episode { series: String, episode: u32 },
    Ad { ad_id: Option<String> },
}

#[derive(Debug, Clone)]
struct Play {
    id: EpisodeId,
    what: Played,
    /// The play's number in the session.
    number: u64,
    first_frame_ms: Option<u64>,
    stall_since: Option<u64>,
    stalls: u64,
    stalled_ms: u64,
    paused_since: Option<u64>,
    paused_ms: u64,
}

impl Play {
    fn base(&self, e: &'static str, wall_ms: i64) -> Report {
        let r = Report::new(e, wall_ms).int(key::PLAY, self.number as i64);
        match &self.what {
            Played::Episode { series, episode } => r
                .string("cid", &format!("{series}/{episode}"))
                .string(key::SERIES, series)
                .int(key::EPISODE, i64::from(*episode)),
            Played::Ad { ad_id } => match ad_id {
                Some(id) => r.string(key::AD, id),
                None => r,
            },
        }
    }

    /// Stalled so far, an open stall counted up to `now`.
    fn stalled(&self, now: u64) -> u64 {
        self.stalled_ms + self.stall_since.map_or(0, |s| now.saturating_sub(s))
    }

    fn watched(&self, now: u64) -> u64 {
        let Some(first) = self.first_frame_ms else {
            return 0;
        };
        let paused = self.paused_ms + self.paused_since.map_or(0, |s| now.saturating_sub(s));
        now.saturating_sub(first)
            .saturating_sub(self.stalled(now))
            .saturating_sub(paused)
    }
}

/// How a play ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// Played to its end.
    Completed {
        bitrate_kbps: Option<u64>,
        position_ms: u64,
    },
    /// Failed: the error's kind (`network`, `decode`, ...).
    Failed {
        kind: String,
        bitrate_kbps: Option<u64>,
        position_ms: u64,
    },
    /// The viewer left it (Back, another episode, the app closing).
    Left { position_ms: Option<u64> },
}

#[derive(Debug, Default)]
pub struct Recorder {
    current: Option<Play>,
    plays: u64,
}

impl Recorder {
    /// A play command: the one before it, if it had not ended, was left.
    pub fn requested(
        &mut self,
        id: EpisodeId,
        what: Played,
        now: u64,
        wall_ms: i64,
    ) -> Vec<Report> {
        let out = self.end(None, Ending::Left { position_ms: None }, now, wall_ms);
        self.plays += 1;
        self.current = Some(Play {
            id,
            what,
            number: self.plays,
            first_frame_ms: None,
            stall_since: None,
            stalls: 0,
            stalled_ms: 0,
            paused_since: None,
            paused_ms: 0,
        });
        out
    }

    fn play(&mut self, id: EpisodeId) -> Option<&mut Play> {
        self.current.as_mut().filter(|p| p.id == id)
    }

    pub fn first_frame(
        &mut self,
        id: EpisodeId,
        startup_ms: u64,
        now: u64,
        wall_ms: i64,
    ) -> Vec<Report> {
        let Some(p) = self.play(id) else {
            return Vec::new();
        };
        if p.first_frame_ms.is_some() {
            return Vec::new();
        }
        p.first_frame_ms = Some(now);
        match p.what {
            Played::Episode { .. } => vec![
                p.base("ps", wall_ms)
                    .token("sta", "p")
                    .int("msd", startup_ms as i64),
            ],
            Played::Ad { .. } => vec![p.base("as", wall_ms).int("msd", startup_ms as i64)],
        }
    }

    /// Playback stalled (`true`) or went on (`false`).
    pub fn buffering(
        &mut self,
        id: EpisodeId,
        stalled: bool,
        now: u64,
        wall_ms: i64,
    ) -> Vec<Report> {
        let Some(p) = self.play(id) else {
            return Vec::new();
        };
        // Stalls before the first frame are part of the startup time.
        if p.first_frame_ms.is_none() || matches!(p.what, Played::Ad { .. }) {
            return Vec::new();
        }
        match (stalled, p.stall_since) {
            (true, None) => {
                p.stall_since = Some(now);
                p.stalls += 1;
                vec![p.base("ps", wall_ms).token("sta", "r")]
            }
            (false, Some(since)) => {
                let ms = now.saturating_sub(since);
                p.stalled_ms += ms;
                p.stall_since = None;
                vec![
                    p.base("ps", wall_ms)
                        .token("sta", "p")
                        .int("bsd", ms as i64),
                ]
            }
            _ => Vec::new(),
        }
    }

    pub fn paused(&mut self, paused: bool, now: u64, wall_ms: i64) -> Vec<Report> {
        let Some(p) = self.current.as_mut() else {
            return Vec::new();
        };
        if p.first_frame_ms.is_none() || matches!(p.what, Played::Ad { .. }) {
            return Vec::new();
        }
        match (paused, p.paused_since) {
            (true, None) => {
                p.paused_since = Some(now);
                vec![p.base("ps", wall_ms).token("sta", "a")]
            }
            (false, Some(since)) => {
                p.paused_ms += now.saturating_sub(since);
                p.paused_since = None;
                vec![p.base("ps", wall_ms).token("sta", "p")]
            }
            _ => Vec::new(),
        }
    }

    /// The play `id` (or whatever plays, when `None`) ended this way.
    pub fn end(
        &mut self,
        id: Option<EpisodeId>,
        ending: Ending,
        now: u64,
        wall_ms: i64,
    ) -> Vec<Report> {
        if id.is_some_and(|id| self.current.as_ref().is_some_and(|p| p.id != id)) {
            return Vec::new();
        }
        let Some(p) = self.current.take() else {
            return Vec::new();
        };
        let started = p.first_frame_ms.is_some();
        let (sta, how, bitrate, position) = match &ending {
            Ending::Completed {
                bitrate_kbps,
                position_ms,
            } => ("e", "completed", *bitrate_kbps, Some(*position_ms)),
            Ending::Failed {
                bitrate_kbps,
                position_ms,
                ..
            } => (
                "f",
                if started { "failed" } else { "start_failed" },
                *bitrate_kbps,
                Some(*position_ms),
            ),
            Ending::Left { position_ms } => (
                "q",
                if started { "left" } else { "left_before_start" },
                None,
                *position_ms,
            ),
        };
        let mut out = Vec::new();
        if let Ending::Failed { kind, .. } = &ending {
            out.push(
                p.base("e", wall_ms)
                    .strings("ec", &[kind])
                    .token(key::HOW, how),
            );
        }
        let end = match p.what {
            Played::Episode { .. } => {
                let mut r = p
                    .base("ps", wall_ms)
                    .token("sta", sta)
                    .token(key::HOW, how)
                    .int(key::WATCHED, p.watched(now) as i64)
                    .int(key::REBUFFERS, p.stalls as i64)
                    .int("bsd", p.stalled(now) as i64);
                if let Some(b) = bitrate.filter(|b| *b > 0) {
                    r = r.int("br", b as i64);
                }
                if let Some(pos) = position {
                    r = r.int("pt", pos as i64);
                }
                r
            }
            Played::Ad { .. } => p
                .base("ae", wall_ms)
                .token(key::HOW, how)
                .int(key::WATCHED, p.watched(now) as i64),
        };
        out.push(end);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(n: u32) -> Played {
        Played::Episode {
            series: "s".into(),
            episode: n,
        }
    }

    #[test]
    fn a_play_reports_its_start_stalls_pauses_and_end() {
        let mut r = Recorder::default();
        let id = EpisodeId(7);
        assert!(r.requested(id, ep(1), 0, 0).is_empty());
        let start = r.first_frame(id, 180, 180, 0);
        assert_eq!(start[0].name(), "episode_start");
        assert!(start[0].line().contains("msd=180"));
        assert_eq!(r.buffering(id, true, 1_180, 0)[0].name(), "rebuffer");
        let back = r.buffering(id, false, 1_680, 0);
        assert_eq!(back[0].name(), "rebuffer_end");
        assert!(back[0].line().contains("bsd=500"));
        assert_eq!(r.paused(true, 2_680, 0)[0].name(), "pause");
        assert_eq!(r.paused(false, 3_680, 0)[0].name(), "resume");
        // A report for another play changes nothing.
        assert!(r.buffering(EpisodeId(8), true, 3_700, 0).is_empty());
        let end = r.end(
            Some(id),
            Ending::Completed {
                bitrate_kbps: Some(900),
                position_ms: 12_000,
            },
            12_680,
            0,
        );
        let line = end[0].line();
        assert_eq!(end[0].name(), "episode_end");
        // 12.5 s from first frame, 0.5 s stalled, 1 s paused.
        for part in [
            "sta=e",
            "com.pillarbox-how=completed",
            "com.pillarbox-watched=11000",
            "com.pillarbox-rbc=1",
            "bsd=500",
            "br=900",
            "pt=12000",
        ] {
            assert!(line.contains(part), "{part} in {line}");
        }
        assert!(
            r.end(None, Ending::Left { position_ms: None }, 13_000, 0)
                .is_empty()
        );
    }

    #[test]
    fn leaving_or_failing_before_the_first_frame_is_said_so() {
        let mut r = Recorder::default();
        r.requested(EpisodeId(1), ep(1), 0, 0);
        // Another episode asked for: the first was left before it started.
        let left = r.requested(EpisodeId(2), ep(2), 100, 0);
        assert!(
            left[0]
                .line()
                .contains("com.pillarbox-how=left_before_start"),
            "{}",
            left[0].line()
        );
        let failed = r.end(
            Some(EpisodeId(2)),
            Ending::Failed {
                kind: "network".into(),
                bitrate_kbps: None,
                position_ms: 0,
            },
            900,
            0,
        );
        assert_eq!(failed[0].name(), "error");
        assert!(failed[0].line().contains("ec=(\"network\")"));
        assert!(failed[1].line().contains("com.pillarbox-how=start_failed"));
        // An ad: its start and end.
        r.requested(
            EpisodeId(3),
            Played::Ad {
                ad_id: Some("a1".into()),
            },
            0,
            0,
        );
        assert_eq!(r.first_frame(EpisodeId(3), 40, 40, 0)[0].name(), "ad_start");
        let end = r.end(
            Some(EpisodeId(3)),
            Ending::Completed {
                bitrate_kbps: None,
                position_ms: 5_000,
            },
            5_040,
            0,
        );
        assert_eq!(end[0].name(), "ad_end");
        assert!(end[0].line().contains("com.pillarbox-ad=\"a1\""));
    }
}
