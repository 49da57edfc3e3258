//! The keeper: keeps the episodes the app wants ([`KeepPlan`], most wanted
//! first), one download at a time, only while nothing plays (and, when the
//! plan says, only at night), within the space allowed; evicts what is no
//! longer wanted, then the oldest-watched series' episodes, when space is
//! needed; drops a paid episode the moment its grant's time is up or it is
//! no longer wanted; and tells the app what is kept after every change.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::download::{DownloadError, Want, download};
use super::{Kept, StoredIndex, dir_name};
use crate::net::Net;

/// Automatic space: at most this...
pub const AUTO_BUDGET_MAX: u64 = 2 << 30;
/// ...and at most this share of the disk's free space (what is kept
/// counted as free).
pub const AUTO_BUDGET_SHARE: f64 = 0.10;
/// With nothing to do, the keeper looks again this often (the night
/// window opening, a failure's wait over).
const LOOK_AGAIN: Duration = Duration::from_secs(60);
const FIRST_RETRY: Duration = Duration::from_secs(30);
const LAST_RETRY: Duration = Duration::from_secs(3600);
/// A download the episode itself failed (a bad playlist, a wrong hash)
/// is not tried again for this long.
const BROKEN_RETRY: Duration = Duration::from_secs(6 * 3600);

/// What the app wants kept.
#[derive(Debug, Clone, PartialEq)]
pub struct KeepPlan {
    /// Most wanted first.
    pub wanted: Vec<Want>,
    /// The space kept episodes may take, bytes; None: automatic.
    pub budget: Option<u64>,
    /// Download only from the first local hour to the second (it may
    /// wrap past midnight); None: whenever the box is idle.
    pub night: Option<(u8, u8)>,
    /// Series, most recently watched first: episodes of the last go first.
    pub recency: Vec<String>,
    /// Now, as far as the app can tell (its clock, or later).
    pub now: DateTime<Utc>,
}

/// What to do next, as [`decide`] says.
#[derive(Debug, Default, PartialEq)]
pub struct Decision {
    /// Directories of kept episodes to remove, and why.
    pub remove: Vec<(String, &'static str)>,
    /// The episode to download next, and the bytes it may take.
    pub fetch: Option<(Want, u64)>,
}

/// Whether `hour` is in the window `(from, to)`.
fn in_window(hour: u8, (from, to): (u8, u8)) -> bool {
    if from <= to {
        (from..to).contains(&hour)
    } else {
        hour >= from || hour < to
    }
}

/// The kept episodes that may go to make room, first to go first: those
/// not wanted (oldest-watched series first), then the wanted ones after
/// `before` in the plan, least wanted first.
fn evictable(index: &StoredIndex, plan: &KeepPlan, before: usize) -> Vec<String> {
    let rank = |series: &str| {
        plan.recency
            .iter()
            .position(|s| s == series)
            .unwrap_or(usize::MAX)
    };
    let place = |s: &str, e: u32| {
        plan.wanted
            .iter()
            .position(|w| w.series == s && w.episode == e)
    };
    let mut unwanted: Vec<_> = index
        .episodes
        .iter()
        .filter(|e| place(&e.series, e.episode).is_none())
        .collect();
    unwanted.sort_by_key(|e| {
        (
            std::cmp::Reverse(rank(&e.series)),
            std::cmp::Reverse(e.episode),
        )
    });
    let mut wanted: Vec<_> = index
        .episodes
        .iter()
        .filter_map(|e| place(&e.series, e.episode).map(|p| (p, e)))
        .filter(|(p, _)| *p > before)
        .collect();
    wanted.sort_by_key(|(p, _)| std::cmp::Reverse(*p));
    unwanted
        .into_iter()
        .chain(wanted.into_iter().map(|(_, e)| e))
        .map(|e| e.dir.clone())
        .collect()
}

/// What to do with the store: `budget` bytes allowed, `idle` when the box
/// may download now, `waiting` episodes not to try yet.
pub fn decide(
    index: &StoredIndex,
    plan: &KeepPlan,
    budget: u64,
    idle: bool,
    waiting: &BTreeSet<(String, u32)>,
) -> Decision {
    let mut d = Decision::default();
    let wanted = |s: &str, e: u32| plan.wanted.iter().any(|w| w.series == s && w.episode == e);
    for e in &index.episodes {
        if !e.usable(plan.now) {
            d.remove.push((e.dir.clone(), "its time to be kept is up"));
        } else if e.keep_until.is_some() && !wanted(&e.series, e.episode) {
            // A paid episode is kept only while wanted (and allowed).
            d.remove
                .push((e.dir.clone(), "a paid episode no longer wanted"));
        }
    }
    let gone = |dir: &str, d: &Decision| d.remove.iter().any(|(r, _)| r == dir);
    let size = |dir: &str| {
        index
            .episodes
            .iter()
            .find(|e| e.dir == dir)
            .map_or(0, |e| e.bytes())
    };
    let mut used: u64 = index
        .episodes
        .iter()
        .filter(|e| !gone(&e.dir, &d))
        .map(|e| e.bytes())
        .sum();
    // Over the space allowed (it was lowered): the least wanted go.
    for dir in evictable(index, plan, 0) {
        if used <= budget {
            break;
        }
        if !gone(&dir, &d) {
            used -= size(&dir);
            d.remove.push((dir, "over the space allowed"));
        }
    }
    if !idle {
        return d;
    }
    let next = plan.wanted.iter().enumerate().find(|(_, w)| {
        index.get(&w.series, w.episode).is_none()
            && !waiting.contains(&(w.series.clone(), w.episode))
            && w.keep_until.is_none_or(|t| plan.now < t)
    });
    let Some((place, want)) = next else {
        return d;
    };
    // Room for about one more episode, made from what is wanted less.
    let kept: Vec<u64> = index.episodes.iter().map(|e| e.bytes()).collect();
    let typical = kept.iter().sum::<u64>() / kept.len().max(1) as u64;
    for dir in evictable(index, plan, place) {
        if budget.saturating_sub(used) > typical {
            break;
        }
        if !gone(&dir, &d) {
            used -= size(&dir);
            d.remove.push((dir, "room for an episode wanted more"));
        }
    }
    let left = budget.saturating_sub(used);
    if left > 0 {
        d.fetch = Some((want.clone(), left));
    }
    d
}

/// The keeper's state, shared with its task.
struct State {
    index: StoredIndex,
    plan: Option<KeepPlan>,
    /// Episodes that failed: when they may be tried again, and how often
    /// they failed.
    failed: HashMap<(String, u32), (Instant, u32)>,
    /// Bumped when everything kept is forgotten: a download started
    /// before is thrown away.
    generation: u64,
    /// The index was read from disk (nothing is decided before).
    loaded: bool,
}

struct Shared {
    root: PathBuf,
    net: Net,
    state: Mutex<State>,
    wake: tokio::sync::Notify,
    /// True while something plays: no download runs.
    busy: tokio::sync::watch::Sender<bool>,
    told: Box<dyn Fn(Vec<Kept>) + Send + Sync>,
}

/// The keeper, running on the network runtime. Cheap to clone.
#[derive(Clone)]
pub struct Keeper {
    shared: Arc<Shared>,
}

impl Keeper {
    /// Opens the store at `root` (created) off the caller's thread, tells
    /// `told` what it holds, and starts keeping as plans say.
    pub fn start(root: PathBuf, net: Net, told: Box<dyn Fn(Vec<Kept>) + Send + Sync>) -> Keeper {
        let (busy, _) = tokio::sync::watch::channel(false);
        let keeper = Keeper {
            shared: Arc::new(Shared {
                root,
                net: net.clone(),
                state: Mutex::new(State {
                    index: StoredIndex::default(),
                    plan: None,
                    failed: HashMap::new(),
                    generation: 0,
                    loaded: false,
                }),
                wake: tokio::sync::Notify::new(),
                busy,
                told,
            }),
        };
        net.spawn(keeper.clone().run());
        keeper
    }

    /// What to keep from now on.
    pub fn plan(&self, plan: KeepPlan) {
        if let Ok(mut s) = self.shared.state.lock() {
            for key in changed_wants(s.plan.as_ref(), &plan) {
                s.failed.remove(&key);
            }
            s.plan = Some(plan);
        }
        self.shared.wake.notify_one();
    }

    /// Something plays (`true`): a download running stops (it resumes
    /// later from where it was), none starts until nothing plays.
    pub fn busy(&self, busy: bool) {
        self.shared
            .busy
            .send_if_modified(|b| std::mem::replace(b, busy) != busy);
        self.shared.wake.notify_one();
    }

    /// "Reset this box": every episode kept goes, and the plan; nothing is
    /// kept until the app asks again.
    pub fn forget_all(&self) {
        {
            let Ok(mut s) = self.shared.state.lock() else {
                return;
            };
            s.generation += 1;
            s.plan = None;
            s.failed.clear();
            s.index = StoredIndex::default();
            // Nothing is kept again until the files are gone.
            s.loaded = false;
        }
        (self.shared.told)(Vec::new());
        // The files go on a blocking thread (gigabytes, maybe): the caller
        // is the UI's.
        let keeper = self.clone();
        let generation = self.generation();
        self.shared.net.spawn(async move {
            let _ = tokio::task::spawn_blocking(move || {
                keeper.remove_everything();
                if let Ok(mut s) = keeper.shared.state.lock()
                    && s.generation == generation
                {
                    s.loaded = true;
                }
                keeper.shared.wake.notify_one();
            })
            .await;
        });
    }

    fn generation(&self) -> u64 {
        self.shared.state.lock().map(|s| s.generation).unwrap_or(0)
    }

    fn remove_everything(&self) {
        let Ok(entries) = std::fs::read_dir(&self.shared.root) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let gone = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            if let Err(e) = gone {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove a kept file");
            }
        }
    }

    /// The store opened: its folder made and its index read (each file
    /// checked against its size), unless everything was forgotten first.
    fn open(&self) {
        let root = &self.shared.root;
        if let Err(e) = std::fs::create_dir_all(root) {
            tracing::error!(path = %root.display(), error = %e, "cannot create the store of kept episodes");
        }
        let generation = self.generation();
        let index = StoredIndex::load(root);
        let Ok(mut s) = self.shared.state.lock() else {
            return;
        };
        // Everything forgotten meanwhile: that clears the store instead.
        if s.generation != generation {
            return;
        }
        s.index = index;
        s.loaded = true;
        (self.shared.told)(s.index.kept());
    }

    fn budget(&self, plan: &KeepPlan, used: u64) -> u64 {
        plan.budget.unwrap_or_else(|| {
            let free = super::free_space(&self.shared.root) + used;
            AUTO_BUDGET_MAX.min((free as f64 * AUTO_BUDGET_SHARE) as u64)
        })
    }

    /// One look at the store: removals done, and the download to start
    /// (with the generation it belongs to).
    fn step(&self) -> Option<(Want, u64, u64)> {
        let mut s = self.shared.state.lock().ok()?;
        if !s.loaded {
            return None;
        }
        let plan = s.plan.clone()?;
        let now = Instant::now();
        s.failed.retain(|_, (at, _)| *at > now);
        let waiting: BTreeSet<_> = s.failed.keys().cloned().collect();
        let hour = chrono::Timelike::hour(&chrono::Local::now()) as u8;
        let idle = !*self.shared.busy.borrow() && plan.night.is_none_or(|w| in_window(hour, w));
        let budget = self.budget(&plan, s.index.bytes());
        let d = decide(&s.index, &plan, budget, idle, &waiting);
        if !d.remove.is_empty() {
            for (dir, why) in &d.remove {
                tracing::info!(dir, why, "kept episode removed");
                remove_dir(&self.shared.root, dir);
            }
            s.index
                .episodes
                .retain(|e| !d.remove.iter().any(|(r, _)| *r == e.dir));
            self.save_and_tell(&s.index);
        }
        self.remove_strays(&s.index, &plan);
        d.fetch.map(|(want, left)| (want, left, s.generation))
    }

    /// Directories neither kept nor wanted (an episode half fetched, then
    /// no longer wanted) go.
    fn remove_strays(&self, index: &StoredIndex, plan: &KeepPlan) {
        let Ok(entries) = std::fs::read_dir(&self.shared.root) else {
            return;
        };
        let keep: BTreeSet<String> = index
            .episodes
            .iter()
            .map(|e| e.dir.clone())
            .chain(plan.wanted.iter().map(|w| dir_name(&w.series, w.episode)))
            .collect();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && name.starts_with('e') && !keep.contains(&name) {
                remove_dir(&self.shared.root, &name);
            }
        }
    }

    fn save_and_tell(&self, index: &StoredIndex) {
        if let Err(e) = index.save(&self.shared.root) {
            tracing::error!(error = %e, "cannot save the kept episodes' index");
        }
        (self.shared.told)(index.kept());
    }

    async fn run(self) {
        let mut busy = self.shared.busy.subscribe();
        let keeper = self.clone();
        if tokio::task::spawn_blocking(move || keeper.open())
            .await
            .is_err()
        {
            return;
        }
        loop {
            // Disk work (removals, the index's fsync) off the network
            // runtime's workers.
            let keeper = self.clone();
            let next = tokio::task::spawn_blocking(move || keeper.step())
                .await
                .ok()
                .flatten();
            let Some((want, left, generation)) = next else {
                tokio::select! {
                    _ = self.shared.wake.notified() => {}
                    _ = tokio::time::sleep(LOOK_AGAIN) => {}
                }
                continue;
            };
            let dir = dir_name(&want.series, want.episode);
            let started = Instant::now();
            tracing::info!(series = %want.series, episode = want.episode, "keeping an episode");
            busy.mark_unchanged();
            let result = tokio::select! {
                r = download(self.shared.net.fetcher(), &self.shared.root, &dir, &want, left) => Some(r),
                _ = busy.wait_for(|b| *b) => None,
            };
            let Some(result) = result else {
                tracing::info!(series = %want.series, episode = want.episode, "keeping paused: something plays");
                continue;
            };
            let keeper = self.clone();
            let settled = tokio::task::spawn_blocking(move || {
                keeper.settle(want, dir, result, generation, started)
            })
            .await;
            if settled.is_err() {
                return;
            }
        }
    }

    /// A download's outcome: the episode listed, or when to try again.
    fn settle(
        &self,
        want: Want,
        dir: String,
        result: Result<super::StoredEpisode, DownloadError>,
        generation: u64,
        started: Instant,
    ) {
        let Ok(mut s) = self.shared.state.lock() else {
            return;
        };
        if s.generation != generation {
            // Everything was forgotten meanwhile (a reset).
            remove_dir(&self.shared.root, &dir);
            return;
        }
        match result {
            Ok(episode) => {
                tracing::info!(
                    series = %want.series, episode = want.episode,
                    bytes = episode.bytes(), took = ?started.elapsed(),
                    "episode kept"
                );
                s.index.episodes.retain(|e| e.dir != dir);
                s.index.episodes.push(episode);
                s.failed.remove(&(want.series.clone(), want.episode));
                self.save_and_tell(&s.index);
            }
            Err(e) => {
                let key = (want.series.clone(), want.episode);
                let tries = s.failed.get(&key).map_or(0, |f| f.1) + 1;
                let wait = if e.is_passing() {
                    FIRST_RETRY
                        .saturating_mul(1 << tries.min(7))
                        .min(LAST_RETRY)
                } else {
                    BROKEN_RETRY
                };
                tracing::warn!(
                    series = %want.series, episode = want.episode, error = %e, ?wait,
                    "cannot keep the episode now"
                );
                if !e.is_passing() || matches!(e, DownloadError::Budget { .. }) {
                    remove_dir(&self.shared.root, &dir);
                }
                s.failed.insert(key, (Instant::now() + wait, tries));
            }
        }
    }
}

/// Episodes `new` wants otherwise than `old` did: a paid one's new grant
/// (its URLs, its time), another bitrate cap. A failure under the old
/// want says nothing of the new one, which is tried at once rather than
/// after the failure's wait (a grant that expired mid-download would
/// otherwise hold the episode back for up to an hour).
fn changed_wants(old: Option<&KeepPlan>, new: &KeepPlan) -> Vec<(String, u32)> {
    let Some(old) = old else {
        return Vec::new();
    };
    new.wanted
        .iter()
        .filter(|w| {
            old.wanted
                .iter()
                .any(|o| o.series == w.series && o.episode == w.episode && o != *w)
        })
        .map(|w| (w.series.clone(), w.episode))
        .collect()
}

fn remove_dir(root: &Path, dir: &str) {
    if !crate::net::stored::valid_name(dir) {
        return;
    }
    let path = root.join(dir);
    if let Err(e) = std::fs::remove_dir_all(&path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "cannot remove a kept episode");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::StreamSource;
    use crate::stored::StoredEpisode;

    fn want(series: &str, episode: u32) -> Want {
        Want {
            series: series.into(),
            episode,
            source: StreamSource::plain("https://cdn.example/x.m3u8"),
            max_bitrate: None,
            keep_until: None,
            sha256: None,
        }
    }

    fn kept(series: &str, episode: u32, bytes: u64) -> StoredEpisode {
        StoredEpisode {
            series: series.into(),
            episode,
            dir: dir_name(series, episode),
            entry: "index.m3u8".into(),
            files: vec![("index.m3u8".into(), bytes)],
            keep_until: None,
            bandwidth: 0,
        }
    }

    fn plan(wanted: Vec<Want>, recency: &[&str]) -> KeepPlan {
        KeepPlan {
            wanted,
            budget: None,
            night: None,
            recency: recency.iter().map(|s| s.to_string()).collect(),
            now: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn a_want_that_changed_is_tried_again_at_once() {
        let old = plan(vec![want("a", 2), want("a", 3)], &["a"]);
        // A new grant for episode 3: new URLs and time.
        let mut regranted = want("a", 3);
        regranted.source = StreamSource::plain("https://cdn.example/x.m3u8?token=new");
        regranted.keep_until = Some(old.now);
        let new = plan(vec![want("a", 2), regranted, want("b", 1)], &["a", "b"]);
        assert_eq!(changed_wants(Some(&old), &new), [("a".to_owned(), 3)]);
        // The same plan again, or a first plan: nothing changed.
        assert!(changed_wants(Some(&new), &new).is_empty());
        assert!(changed_wants(None, &new).is_empty());
    }

    #[test]
    fn the_most_wanted_missing_episode_is_fetched_while_idle() {
        let index = StoredIndex {
            episodes: vec![kept("a", 2, 100)],
        };
        let p = plan(vec![want("a", 2), want("a", 3), want("b", 1)], &["a", "b"]);
        let d = decide(&index, &p, 1000, true, &BTreeSet::new());
        assert_eq!(d.fetch, Some((want("a", 3), 900)));
        assert!(d.remove.is_empty());
        assert_eq!(
            decide(&index, &p, 1000, false, &BTreeSet::new()).fetch,
            None
        );
        let waiting = [("a".to_owned(), 3)].into();
        assert_eq!(
            decide(&index, &p, 1000, true, &waiting).fetch.unwrap().0,
            want("b", 1)
        );
    }

    #[test]
    fn room_is_made_from_the_oldest_watched_then_the_least_wanted() {
        let index = StoredIndex {
            episodes: vec![
                kept("a", 2, 300),
                kept("old", 5, 300),
                kept("older", 7, 300),
                kept("b", 4, 300),
            ],
        };
        let p = plan(
            vec![want("a", 2), want("a", 3), want("b", 4)],
            &["a", "b", "old", "older"],
        );
        let d = decide(&index, &p, 1300, true, &BTreeSet::new());
        // 1200 of 1300 used, 300 typical: the oldest-watched series' goes.
        let gone: Vec<_> = d.remove.iter().map(|(dir, _)| dir.clone()).collect();
        assert_eq!(gone, [dir_name("older", 7)]);
        assert_eq!(d.fetch, Some((want("a", 3), 400)));
        let d = decide(&index, &p, 1000, true, &BTreeSet::new());
        let gone: Vec<_> = d.remove.iter().map(|(dir, _)| dir.clone()).collect();
        assert_eq!(gone, [dir_name("older", 7), dir_name("old", 5)]);
        // Nothing less wanted to evict: the download gets what is left.
        let p = plan(vec![want("b", 4), want("a", 2), want("a", 3)], &["b", "a"]);
        let index = StoredIndex {
            episodes: vec![kept("a", 2, 300), kept("b", 4, 300)],
        };
        let d = decide(&index, &p, 650, true, &BTreeSet::new());
        assert!(d.remove.is_empty(), "{d:?}");
        assert_eq!(d.fetch, Some((want("a", 3), 50)));
    }

    #[test]
    fn a_lowered_budget_and_expired_or_unwanted_paid_episodes_evict() {
        let mut paid = kept("p", 9, 100);
        paid.keep_until = Some(DateTime::from_timestamp(1_800_000_100, 0).unwrap());
        let mut expired = kept("p", 8, 100);
        expired.keep_until = Some(DateTime::from_timestamp(1_799_999_999, 0).unwrap());
        let index = StoredIndex {
            episodes: vec![kept("a", 1, 400), kept("a", 2, 400), paid.clone(), expired],
        };
        let mut p = plan(vec![want("a", 1), want("a", 2), want("p", 9)], &["a", "p"]);
        p.wanted[2].keep_until = paid.keep_until;
        let d = decide(&index, &p, 600, false, &BTreeSet::new());
        let gone: Vec<_> = d
            .remove
            .iter()
            .map(|(dir, why)| (dir.clone(), *why))
            .collect();
        assert_eq!(
            gone,
            [
                (dir_name("p", 8), "its time to be kept is up"),
                (dir_name("p", 9), "over the space allowed"),
                (dir_name("a", 2), "over the space allowed"),
            ]
        );
        // Unwanted, a paid episode goes at once; a free one stays.
        let p = plan(vec![], &[]);
        let d = decide(&index, &p, 10_000, false, &BTreeSet::new());
        assert_eq!(d.remove.len(), 2);
        assert!(d.remove.iter().any(|(dir, _)| *dir == dir_name("p", 9)));
    }

    #[test]
    fn night_windows_may_wrap_past_midnight() {
        assert!(in_window(2, (1, 6)) && !in_window(6, (1, 6)));
        assert!(in_window(23, (22, 5)) && in_window(0, (22, 5)) && !in_window(12, (22, 5)));
    }
}
