//! What every screen of the app core reads, and some of them change: the
//! catalog, the viewer's settings and history, entitlements, the UI
//! language, the clocks, the home rows. One value, owned by the
//! [`App`](super::App) and lent to the screen or overlay that handles an
//! event; screens keep only their own state and focus.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::catalog::model::{Catalog, Episode, Series, StreamType, UnlockApi};
use crate::episode::EpisodeId;
use crate::i18n::tr;
use crate::unlock::Entitlements;

use super::Command;
use super::history::History;
use super::settings::{Settings, SubtitleMode};
use super::shelf::{self, Shelf};
use super::subtitles::SubtitlePrefs;

/// How long a colour key's note stays up.
const TOAST_MS: u64 = 2_500;
/// Episodes per row of the series screen's grid at 100 % text.
pub const GRID_COLUMNS: usize = 10;
/// The currency whose prices the TV can pay from the account's balance.
pub const COINS: &str = "coins";

pub struct Ctx {
    pub(crate) catalog: Option<Arc<Catalog>>,
    /// Series id → index in the catalog.
    series_index: HashMap<String, usize>,
    /// The UI language: the Settings' choice, else the box's.
    pub(crate) lang: String,
    /// The box's language (locale or `--lang`).
    pub(crate) box_lang: String,
    pub(crate) settings: Settings,
    pub(crate) history: History,
    /// The home screen's rows, rebuilt when the catalog, the history or
    /// the language change; `shelf_generation` counts the rebuilds (and
    /// changes of what the rows show, such as padlocks).
    pub(crate) shelf: Vec<Shelf>,
    pub(crate) shelf_generation: u64,
    shelf_built: u64,
    continue_title: String,
    channels_title: String,
    /// Monotonic ms of the last tick.
    pub(crate) now_ms: u64,
    /// When the last key came (the still-watching question counts from it).
    pub(crate) last_key_ms: u64,
    /// The wall clock, "21:04", and the time (entitlements expire).
    pub(crate) clock: Option<String>,
    pub(crate) wall: chrono::DateTime<chrono::Utc>,
    /// `now_ms` when `wall` was read: the wall clock moves on with it.
    pub(crate) wall_at_ms: u64,
    /// A line at the bottom of the screen: offline catalog, errors.
    pub(crate) notice: Option<String>,
    /// No catalog could be loaded and none is cached: why (shown behind
    /// Details, logged).
    pub(crate) catalog_failed: Option<String>,
    /// What a colour key did, until a tick.
    toast: Option<(String, u64)>,
    /// The viewer's entitlements (unlocked episodes, coins), checked.
    pub(crate) entitlements: Option<Arc<Entitlements>>,
    /// The unlock service has said what the viewer owns (cached or fresh)
    /// at least once: until then paid episodes look locked.
    pub(crate) entitlements_known: bool,
    /// What rewarded ads unlocked for this box while it was not paired.
    pub(crate) device_entitlements: Option<Arc<Entitlements>>,
    /// The ads this box has shown (how often breaks come).
    pub(crate) ad_ledger: crate::ads::ledger::AdLedger,
    /// The box holds a token of the unlock API.
    pub(crate) paired: bool,
    /// The unlock API the service was told to use.
    pub(crate) unlock_api: Option<UnlockApi>,
    /// Series opened with the PIN since the app started.
    pub(crate) parental_unlocked: HashSet<String>,
    /// The id of the last episode started.
    last_id: EpisodeId,
    /// Playback grants held (memory only) and asked for.
    pub(crate) grants: super::grants::Grants,
    /// The latest time the box knows has passed (the unlock service says):
    /// entitlements are judged by it when the box's clock is behind.
    pub(crate) clock_floor: Option<chrono::DateTime<chrono::Utc>>,
    /// What happened since the shell last asked, for partner insight.
    pub(crate) insight: Vec<crate::insight::ViewEvent>,
    /// The insight configuration last handed out.
    pub(crate) insight_config: Option<crate::insight::InsightConfig>,
    /// Bytes the box has received this month (Settings shows them).
    pub(crate) data_used: Option<u64>,
    /// The catalog's drama channels' clocks (None: one that cannot play).
    pub(crate) channel_clocks: Vec<Option<crate::catalog::schedule::ChannelClock>>,
    /// Live channels' programme guides, by channel id, once loaded.
    pub(crate) guides: HashMap<String, Arc<crate::guide::Guide>>,
    /// When the guides were last asked for (tick), and for which catalog.
    pub(crate) guides_asked: Option<(u64, usize)>,
    /// Episodes kept on the box, whole (the keeper says).
    pub(crate) stored: BTreeMap<(String, u32), crate::stored::Kept>,
}

/// Where an episode would play from now.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamFor {
    Ready(crate::playback::StreamSource),
    /// A playback grant is needed first (none is held).
    NeedsGrant,
    /// No stream the player can play.
    Missing,
}

impl Ctx {
    pub fn new(box_lang: &str, settings: Settings, history: History) -> Ctx {
        let lang = settings.language.clone().unwrap_or_else(|| box_lang.into());
        Ctx {
            catalog: None,
            series_index: HashMap::new(),
            continue_title: tr(&lang, "continue-watching", &[]),
            channels_title: tr(&lang, "channels-row", &[]),
            lang,
            box_lang: box_lang.into(),
            settings,
            history,
            shelf: Vec::new(),
            shelf_generation: 0,
            shelf_built: 0,
            now_ms: 0,
            last_key_ms: 0,
            clock: None,
            wall: chrono::Utc::now(),
            wall_at_ms: 0,
            notice: None,
            catalog_failed: None,
            toast: None,
            entitlements: None,
            entitlements_known: false,
            device_entitlements: None,
            ad_ledger: Default::default(),
            paired: false,
            unlock_api: None,
            parental_unlocked: HashSet::new(),
            last_id: EpisodeId(0),
            grants: Default::default(),
            clock_floor: None,
            insight: Vec::new(),
            insight_config: None,
            data_used: None,
            stored: BTreeMap::new(),
            channel_clocks: Vec::new(),
            guides: HashMap::new(),
            guides_asked: None,
        }
    }

    /// Now, as far as the box can tell: its clock, or the latest time it
    /// knows has passed when its clock is behind that.
    pub fn now_wall(&self) -> chrono::DateTime<chrono::Utc> {
        let elapsed = self.now_ms.saturating_sub(self.wall_at_ms);
        let wall = self.wall + chrono::Duration::milliseconds(elapsed.min(i64::MAX as u64) as i64);
        self.clock_floor.map_or(wall, |f| f.max(wall))
    }

    /// "Sign out of this TV": the token, grants, cached documents and the
    /// history that came from the account go; the unlock service forgets
    /// its part and takes a new device id.
    pub fn sign_out(&mut self, out: &mut Vec<super::Command>) {
        self.grants.clear();
        self.paired = false;
        self.entitlements = None;
        self.device_entitlements = None;
        self.history.forget_account();
        out.push(super::Command::Unlock(
            crate::unlock::UnlockCommand::SignOut,
        ));
        out.push(super::Command::SaveHistory(self.history.clone()));
        self.rebuild_shelf();
        self.show_toast(tr(&self.lang, "toast-signed-out", &[]));
    }

    /// Whether Left or Right (`action`) moves towards the start of a row:
    /// Left in a left-to-right UI, Right in a right-to-left one, where
    /// rows run from the right (screens are mirrored).
    pub fn toward_start(&self, action: crate::input::Action) -> bool {
        let rtl = crate::i18n::is_rtl(self.lang());
        (action == crate::input::Action::Left) != rtl
    }

    /// Now as the history stamps it: RFC 3339 UTC with milliseconds.
    pub fn wall_stamp(&self) -> String {
        self.now_wall()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// The history's place in `series` for the account, when the box is
    /// paired (nothing leaves the box otherwise).
    pub fn progress_for_account(
        &self,
        series: &str,
        episode: u32,
        watched: bool,
    ) -> Option<super::Command> {
        if !self.paired {
            return None;
        }
        let p = self.history.series.get(series)?;
        Some(super::Command::Unlock(
            crate::unlock::UnlockCommand::Progress(crate::unlock::progress::ProgressItem {
                series: series.to_owned(),
                episode,
                position_ms: p.position_ms,
                duration_ms: p.duration_ms,
                watched,
                at: p.at.clone().unwrap_or_else(|| self.wall_stamp()),
            }),
        ))
    }

    /// Where episode `number` of `series` would play from now: its copy
    /// kept on the box, its catalog stream, or a grant held for it.
    pub fn stream_for(&self, series: &str, number: u32) -> StreamFor {
        let Some((s, e)) = self.episode(series, number) else {
            return StreamFor::Missing;
        };
        if let Some(kept) = self.kept(series, number) {
            return StreamFor::Ready(crate::playback::StreamSource::plain(kept.url.clone()));
        }
        if s.granted(e) {
            return match self.grants.get(series, number, self.now_ms) {
                Some(source) => StreamFor::Ready(source.clone()),
                None => StreamFor::NeedsGrant,
            };
        }
        match stream_url(e) {
            Some(url) => StreamFor::Ready(crate::playback::StreamSource::plain(url)),
            None => StreamFor::Missing,
        }
    }

    // ---- the catalog ----

    pub fn catalog(&self) -> Option<&Arc<Catalog>> {
        self.catalog.as_ref()
    }

    pub fn series(&self, id: &str) -> Option<&Series> {
        let catalog = self.catalog.as_ref()?;
        catalog.series.get(*self.series_index.get(id)?)
    }

    pub fn episode(&self, series: &str, number: u32) -> Option<(&Series, &Episode)> {
        let s = self.series(series)?;
        s.episodes
            .iter()
            .find(|e| e.number == number)
            .map(|e| (s, e))
    }

    /// Takes `catalog`: episodes sorted by number (the grid, Next and
    /// Previous go by number, whatever order the catalog lists them in),
    /// the series indexed, the rows rebuilt.
    pub(crate) fn set_catalog(&mut self, mut catalog: Arc<Catalog>) {
        if catalog
            .series
            .iter()
            .any(|s| !s.episodes.is_sorted_by_key(|e| e.number))
        {
            for s in &mut Arc::make_mut(&mut catalog).series {
                s.episodes.sort_by_key(|e| e.number);
            }
        }
        self.series_index = catalog
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.catalog = Some(catalog);
        self.build_channel_clocks();
        self.rebuild_shelf();
    }

    /// A catalog text in the UI language (see [`shelf::localized`]).
    pub fn text(&self, map: &BTreeMap<String, String>) -> String {
        let default = self
            .catalog
            .as_ref()
            .map(|c| c.default_language.as_str())
            .unwrap_or_default();
        shelf::localized(map, &self.lang, default)
    }

    /// The partner's name, as the catalog gives it in the UI language.
    pub fn channel_name(&self) -> String {
        self.catalog
            .as_ref()
            .map(|c| self.text(&c.channel.name))
            .unwrap_or_default()
    }

    pub(crate) fn rebuild_shelf(&mut self) {
        let Some(catalog) = &self.catalog else {
            return;
        };
        self.shelf = shelf::build(
            catalog,
            &self.series_index,
            &self.history,
            &self.lang,
            [&self.channels_title, &self.continue_title],
        );
        self.shelf_generation += 1;
        self.shelf_built += 1;
    }

    /// Counts the rebuilds of the rows (screens fit their focus to them).
    pub fn shelf_built(&self) -> u64 {
        self.shelf_built
    }

    /// The rows show something else (padlocks, progress) without changing.
    pub(crate) fn shelf_changed(&mut self) {
        self.shelf_generation += 1;
    }

    // ---- the language ----

    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// The settings' language changed: the UI follows.
    pub(crate) fn language_changed(&mut self) {
        self.lang = self
            .settings
            .language
            .clone()
            .unwrap_or_else(|| self.box_lang.clone());
        self.continue_title = tr(&self.lang, "continue-watching", &[]);
        self.channels_title = tr(&self.lang, "channels-row", &[]);
        self.rebuild_shelf();
    }

    /// Notes an event for partner insight (what the viewer allows goes).
    pub(crate) fn record(&mut self, event: crate::insight::ViewEvent) {
        // A bound, should nothing ever take them.
        if self.insight.len() < 256 {
            self.insight.push(event);
        }
    }

    /// What partner insight may do now: the catalog's collectors, the
    /// viewer's consent, the account.
    pub fn insight_config(&self) -> crate::insight::InsightConfig {
        let account = self
            .entitlements
            .as_ref()
            .filter(|_| self.paired)
            .map(|e| e.account.clone());
        crate::insight::InsightConfig {
            analytics: self.catalog.as_ref().and_then(|c| c.analytics.clone()),
            consent: self.sharing(),
            account,
            lang: self.lang.clone(),
        }
    }

    /// Whether viewing data goes to the partner: the viewer's choice, else
    /// the catalog's default where the law lets it be on.
    pub fn sharing(&self) -> bool {
        self.settings.share_viewing.unwrap_or_else(|| {
            self.catalog
                .as_ref()
                .and_then(|c| c.analytics.as_ref())
                .is_some_and(|a| {
                    a.default_consent
                        && crate::catalog::model::may_default_on(a.jurisdiction.as_deref())
                })
        })
    }

    /// The language subtitles are wanted in.
    pub fn subtitle_language(&self) -> &str {
        self.settings
            .subtitle_language
            .as_deref()
            .unwrap_or(&self.lang)
    }

    /// The language dubbed episodes play in.
    pub fn audio_language(&self) -> &str {
        self.settings
            .audio_language
            .as_deref()
            .unwrap_or(&self.lang)
    }

    /// What the viewer wants of subtitles.
    pub fn subtitle_prefs(&self) -> SubtitlePrefs<'_> {
        SubtitlePrefs {
            viewer: &self.lang,
            language: self.subtitle_language(),
            mode: self.settings.subtitles,
        }
    }

    /// The player's languages as the settings say.
    pub fn languages_command(&self) -> Command {
        Command::Languages {
            audio: self.audio_language().to_owned(),
            subtitles: self.subtitle_language().to_owned(),
        }
    }

    /// Whether the viewer, as the settings say, wants the subtitles of a
    /// stream that are not forced, for `series`' episode `number`.
    pub fn wants_full_subtitles(&self, series: &Series, number: u32) -> bool {
        match self.settings.subtitles {
            SubtitleMode::Off => false,
            SubtitleMode::On => true,
            SubtitleMode::Auto => series
                .episodes
                .iter()
                .find(|e| e.number == number)
                .is_some_and(|e| !super::subtitles::understands_audio(series, e, &self.lang)),
        }
    }

    /// Episodes per row of the series grid: fewer with larger text.
    pub fn grid_columns(&self) -> usize {
        match self.settings.text_size {
            0..=100 => GRID_COLUMNS,
            101..=125 => 8,
            _ => 7,
        }
    }

    // ---- notes on screen ----

    /// What the last colour key did, for a moment.
    pub fn toast(&self) -> Option<&str> {
        self.toast
            .as_ref()
            .filter(|(_, until)| self.now_ms < *until)
            .map(|(t, _)| t.as_str())
    }

    pub(crate) fn show_toast(&mut self, text: String) {
        self.toast = Some((text, self.now_ms + TOAST_MS));
    }

    // ---- what plays ----

    /// A new id for an episode started now.
    pub(crate) fn new_episode_id(&mut self) -> EpisodeId {
        self.last_id = self.last_id.next();
        self.last_id
    }

    /// Whether episode `number` of `series` plays: free, or unlocked by
    /// the viewer's (current) entitlements.
    pub fn playable(&self, series: &Series, number: u32) -> bool {
        let now = self.now_wall();
        number <= series.free_episodes
            || [&self.entitlements, &self.device_entitlements]
                .into_iter()
                .flatten()
                .any(|e| e.allows(&series.id, number, now))
    }

    /// Today in the box's local time, as the ad ledger counts days.
    pub fn local_day(&self) -> i32 {
        use chrono::Datelike;
        self.now_wall()
            .with_timezone(&chrono::Local)
            .num_days_from_ce()
    }

    /// The catalog's rewarded ads, when the TV can offer them (it has an
    /// unlock API to ask for the reward).
    pub fn rewarded_ads(&self) -> Option<&crate::catalog::model::RewardedAds> {
        let catalog = self.catalog()?;
        catalog.unlock_api.as_ref()?;
        catalog.ads.as_ref()?.rewarded.as_ref()
    }

    /// Rewarded ads this box may still play today.
    pub fn rewarded_left(&self) -> u32 {
        self.rewarded_ads().map_or(0, |r| {
            let rules = crate::ads::ledger::RewardRules { per_day: r.per_day };
            self.ad_ledger.rewarded_left(rules, self.local_day())
        })
    }

    /// Whether `series` is above the parental limit and not opened with the
    /// PIN yet: shown with a padlock, the PIN asked on OK.
    pub fn parental_locked(&self, series: &Series) -> bool {
        let unknown = self
            .catalog
            .as_ref()
            .map(|c| c.parental.unknown_ratings)
            .unwrap_or_default();
        !self.parental_unlocked.contains(&series.id)
            && !self.settings.parental.allows(&series.rating, unknown)
    }

    /// The account's coins, once the box is paired and has entitlements.
    pub fn coins(&self) -> Option<u64> {
        self.entitlements
            .as_ref()
            .filter(|e| self.paired && e.current(self.now_wall()))
            .map(|e| e.coins)
    }

    /// Whether the catalog names an unlock API (else the Locked screen can
    /// only say what unlocks an episode).
    pub fn unlock_available(&self) -> bool {
        self.catalog
            .as_ref()
            .is_some_and(|c| c.unlock_api.is_some())
    }

    /// The coin price of `series`' locked episodes, when the TV can pay it:
    /// an unlock API, a price in coins, and a paired account.
    pub fn coin_price(&self, series: &Series) -> Option<u64> {
        let unlock = series.unlock.as_ref()?;
        (self.unlock_available() && unlock.currency == COINS && self.coins().is_some())
            .then_some(unlock.price)
    }

    /// Where `series` continues: the episode in progress, else the next.
    pub fn resume_episode(&self, series: &Series) -> u32 {
        self.history
            .resume_episode(&series.id, series.episodes.len() as u32)
    }
}

/// The episode after `number` in `series`.
pub fn next_episode(series: &Series, number: u32) -> Option<&Episode> {
    series
        .episodes
        .iter()
        .filter(|e| e.number > number)
        .min_by_key(|e| e.number)
}

/// The episode before `number` in `series`.
pub fn previous_episode(series: &Series, number: u32) -> Option<&Episode> {
    series
        .episodes
        .iter()
        .filter(|e| e.number < number)
        .max_by_key(|e| e.number)
}

/// The first stream the player can play: HLS or progressive MP4.
pub fn playable_stream(episode: &Episode) -> Option<&crate::catalog::model::Stream> {
    episode
        .streams
        .iter()
        .find(|s| matches!(s.kind, StreamType::Hls | StreamType::Mp4))
}

/// The URL of [`playable_stream`].
pub fn stream_url(episode: &Episode) -> Option<String> {
    playable_stream(episode).map(|s| s.url.clone())
}

/// Sentence parts joined for speech, the empty ones left out.
pub fn join(parts: &[String]) -> String {
    let mut out = String::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            // A part that ends its own sentence ("…here?") takes no stop.
            let ended = out.ends_with(['.', '?', '!', '。', '？', '！', '؟']);
            out.push_str(if ended { " " } else { ". " });
        }
        out.push_str(p);
    }
    out
}
