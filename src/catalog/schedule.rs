//! Drama channels' schedules (`channels[]`, docs/catalog.md): what is on
//! air at any moment, the same on every box, and the checks a catalog's
//! channels must pass.
//!
//! A channel's schedule is a list of slots (episodes `from..=to` of a
//! series); played end to end they make one cycle, which repeats from the
//! channel's `start` both ways in time. What is on air at time `t` is found
//! by where `t - start` falls in the cycle: no state, so a box that joins,
//! restarts, or has its clock changed lands where every other box is.

use chrono::{DateTime, Utc};

use super::limits;
use super::model::{Catalog, ScheduleSlot, Series, TvChannel};

/// An episode on a channel's air.
#[derive(Debug, Clone, PartialEq)]
pub struct OnAir {
    /// Its place in the cycle.
    pub index: usize,
    pub series: String,
    pub episode: u32,
    /// How far into it the channel is, and its length.
    pub offset_ms: u64,
    pub duration_ms: u64,
    /// When this airing of it began.
    pub began: DateTime<Utc>,
}

/// Why a channel's schedule cannot be played.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("start {0:?} is not an RFC 3339 time")]
    Start(String),
    #[error("no episode to play")]
    Empty,
}

/// One cycle of a channel: its episodes in order with their lengths.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelClock {
    start: DateTime<Utc>,
    /// The series the schedule names (items refer to them by place: a
    /// cycle at the caps is 50 channels of thousands of episodes).
    series: Vec<String>,
    items: Vec<Item>,
    cycle_ms: u64,
}

/// An episode of a cycle: its series (by place), number, length, and
/// where in the cycle it starts.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Item {
    series: u32,
    episode: u32,
    duration_ms: u64,
    begins_ms: u64,
}

/// The episodes a slot names, in order: those listed in `from..=to`.
pub(super) fn slot_episodes<'a>(
    slot: &ScheduleSlot,
    series: &'a Series,
) -> impl Iterator<Item = &'a super::model::Episode> {
    let last = series.episodes.iter().map(|e| e.number).max().unwrap_or(0);
    let (from, to) = (slot.from.unwrap_or(1), slot.to.unwrap_or(last));
    series
        .episodes
        .iter()
        .filter(move |e| (from..=to).contains(&e.number))
}

impl ChannelClock {
    /// The clock of `channel` over `catalog`'s episodes (validated: at most
    /// [`limits::CYCLE_EPISODES`] are taken).
    pub fn new(channel: &TvChannel, catalog: &Catalog) -> Result<ChannelClock, ScheduleError> {
        let start = DateTime::parse_from_rfc3339(&channel.start)
            .map_err(|_| ScheduleError::Start(channel.start.clone()))?
            .to_utc();
        let mut names: Vec<String> = Vec::new();
        let mut items = Vec::new();
        let mut at = 0u64;
        for slot in &channel.schedule {
            let Some(series) = catalog.series.iter().find(|s| s.id == slot.series) else {
                continue;
            };
            let place = match names.iter().position(|n| *n == series.id) {
                Some(p) => p,
                None => {
                    names.push(series.id.clone());
                    names.len() - 1
                }
            };
            for e in slot_episodes(slot, series) {
                if items.len() >= limits::CYCLE_EPISODES {
                    break;
                }
                let ms = (e.duration.clamp(0.0, limits::EPISODE_SECONDS) * 1000.0) as u64;
                if ms == 0 {
                    continue;
                }
                items.push(Item {
                    series: place as u32,
                    episode: e.number,
                    duration_ms: ms,
                    begins_ms: at,
                });
                at += ms;
            }
        }
        if items.is_empty() {
            return Err(ScheduleError::Empty);
        }
        Ok(ChannelClock {
            start,
            series: names,
            items,
            cycle_ms: at,
        })
    }

    /// What is on air at `t`.
    pub fn at(&self, t: DateTime<Utc>) -> OnAir {
        let since = (t - self.start).num_milliseconds();
        let pos = since.rem_euclid(self.cycle_ms as i64) as u64;
        // The last item starting at or before `pos`.
        let index = self.items.partition_point(|i| i.begins_ms <= pos) - 1;
        let item = self.items[index];
        let offset_ms = pos - item.begins_ms;
        OnAir {
            index,
            series: self.series[item.series as usize].clone(),
            episode: item.episode,
            offset_ms,
            duration_ms: item.duration_ms,
            began: t - chrono::Duration::milliseconds(offset_ms as i64),
        }
    }

    /// The episode after the one at `index`, the cycle going round.
    pub fn after(&self, index: usize) -> (&str, u32) {
        let item = self.items[(index + 1) % self.items.len()];
        (&self.series[item.series as usize], item.episode)
    }

    /// One cycle's length.
    pub fn cycle_ms(&self) -> u64 {
        self.cycle_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(channels: serde_json::Value) -> Result<Catalog, Vec<super::super::Problem>> {
        let base = url::Url::parse("https://cdn.example/").unwrap();
        let mut v = serde_json::to_value(crate::demo::catalog::catalog(&base)).unwrap();
        v["channels"] = channels;
        let bytes = serde_json::to_vec(&v).unwrap();
        super::super::parse(&bytes, &crate::net::UrlPolicy::default())
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn what_is_on_air_follows_the_wall_clock_round_the_cycle() {
        let c = catalog(serde_json::json!([{
            "id": "romance",
            "title": { "en": "Romance all day" },
            "start": "2026-12-01T00:00:00Z",
            "schedule": [
                { "series": "ceo-secret", "from": 2, "to": 3 },
                { "series": "the-last-letter", "from": 8 }
            ]
        }]))
        .unwrap();
        let clock = ChannelClock::new(&c.channels[0], &c).unwrap();
        let d = |series: &str, n: u32| {
            let s = c.series.iter().find(|s| s.id == series).unwrap();
            let e = s.episodes.iter().find(|e| e.number == n).unwrap();
            (e.duration * 1000.0) as u64
        };
        let (a, b, l) = (
            d("ceo-secret", 2),
            d("ceo-secret", 3),
            d("the-last-letter", 8),
        );
        assert_eq!(clock.cycle_ms(), a + b + l);
        let start = t("2026-12-01T00:00:00Z");
        let at = |ms: i64| clock.at(start + chrono::Duration::milliseconds(ms));
        let on = |o: OnAir| (o.series, o.episode, o.offset_ms);
        assert_eq!(on(at(0)), ("ceo-secret".into(), 2, 0));
        assert_eq!(on(at(a as i64 + 1500)), ("ceo-secret".into(), 3, 1500));
        assert_eq!(on(at((a + b) as i64)), ("the-last-letter".into(), 8, 0));
        // Round the cycle, forward and back in time: the same every lap.
        let cycle = clock.cycle_ms() as i64;
        assert_eq!(on(at(cycle + 10)), ("ceo-secret".into(), 2, 10));
        assert_eq!(on(at(-10)), ("the-last-letter".into(), 8, l - 10));
        assert_eq!(
            on(at(1_000 * cycle + a as i64)),
            ("ceo-secret".into(), 3, 0)
        );
        // When this airing began, whatever moment it is asked at.
        let o = at(a as i64 + 1500);
        assert_eq!(o.began, start + chrono::Duration::milliseconds(a as i64));
        assert_eq!(clock.after(o.index), ("the-last-letter", 8));
        assert_eq!(clock.after(2), ("ceo-secret", 2), "the cycle goes round");
        // A box clock set back a year or on a century: still a place.
        assert!(at(-365 * 86_400_000).index < 3);
        let far = clock.at(t("2126-01-01T00:00:00Z"));
        assert!(far.offset_ms < far.duration_ms);
    }

    #[test]
    fn channels_name_listed_episodes_of_existing_series() {
        let problems = catalog(serde_json::json!([
            {
                "id": "a", "title": { "en": "A" }, "start": "yesterday",
                "schedule": [
                    { "series": "nope" },
                    { "series": "ceo-secret", "from": 0 },
                    { "series": "ceo-secret", "from": 5, "to": 4 },
                    { "series": "ceo-secret", "to": 99 }
                ]
            },
            { "id": "a", "title": { "en": "" }, "start": "2026-12-01T00:00:00Z", "schedule": [] }
        ]))
        .unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        for want in [
            "$.channels[0].start",
            "$.channels[0].schedule[0].series",
            "$.channels[0].schedule[1].from",
            "$.channels[0].schedule[2].to",
            "$.channels[0].schedule[3].to",
            "$.channels[1].id",
            "$.channels[1].title",
            "$.channels[1].schedule",
        ] {
            assert!(paths.contains(&want), "{want} in {paths:?}");
        }
        // Fields a newer 1.x format adds are read past, as everywhere.
        let newer = catalog(serde_json::json!([{
            "id": "a", "title": { "en": "A" }, "start": "2026-12-01T00:00:00Z",
            "schedule": [{ "series": "ceo-secret", "x_note": 1 }], "x_colour": "red"
        }]));
        assert!(newer.is_ok(), "{newer:?}");
    }

    #[test]
    fn live_channels_have_a_stream_and_no_schedule() {
        let ok = catalog(serde_json::json!([{
            "id": "news", "title": { "en": "News" },
            "live": { "url": "https://live.example.com/news.m3u8", "guide": "https://live.example.com/guide.xml" }
        }]))
        .unwrap();
        assert!(ok.channels[0].live.is_some());
        let problems = catalog(serde_json::json!([
            { "id": "a", "title": { "en": "A" }, "live": { "url": "file:///etc/passwd" } },
            { "id": "b", "title": { "en": "B" }, "live": { "url": "https://x.example/l.m3u8", "guide": "ftp://x" } },
            { "id": "c", "title": { "en": "C" }, "start": "2026-12-01T00:00:00Z",
              "schedule": [{ "series": "ceo-secret" }],
              "live": { "url": "https://x.example/l.m3u8" } }
        ]))
        .unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        for want in [
            "$.channels[0].live.url",
            "$.channels[1].live.guide",
            "$.channels[2].live",
        ] {
            assert!(paths.contains(&want), "{want} in {paths:?}");
        }
    }
}
