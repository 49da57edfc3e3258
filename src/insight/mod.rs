//! Partner insight (docs/analytics.md): what the box tells the partner's
//! collectors about viewing and its quality, only as the viewer allows.
//!
//! Reports are CMCD v2 event reports (CTA-5004-B event mode, [`cmcd`]):
//! play states with the startup time, stalls and how each play ended
//! ([`recorder`]), errors, ads, and custom events for the funnel (home
//! shown, series opened, Locked shown, unlocks, settings). The app core
//! says what happened ([`InsightCommand`]); the TV's effects feed the
//! player's reports to the [`Insight`] service, which keeps what the
//! viewer agreed to and queues it for delivery ([`outbox`]).
//!
//! Without consent nothing is sent but the events the catalog marks as
//! strictly necessary (none unless it lists them), and those carry no
//! device id. With consent reports carry a random device id of their own
//! (made here, gone with "Reset this box"), and the account only when the
//! box is paired.

pub mod cmcd;
pub mod outbox;
pub mod recorder;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::catalog::model::Analytics;
use crate::episode::EpisodeId;
use crate::net::Net;
use cmcd::{Report, key};
use outbox::{Outbox, OutboxStats, Target};
use recorder::{Ending, Played, Recorder};

/// This box's id for partner insight, in the state directory.
pub const DEVICE_FILE: &str = "insight.json";
/// Reports kept while no catalog has said where they go, at most.
const EARLY: usize = 64;

/// What the app core tells the insight service.
#[derive(Debug, Clone, PartialEq)]
pub enum InsightCommand {
    /// Where reports go and what the viewer allows.
    Configure(InsightConfig),
    /// Something the viewer did or saw.
    Record(ViewEvent),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct InsightConfig {
    /// The catalog's `analytics`, if any.
    pub analytics: Option<Analytics>,
    /// The viewer agreed to share viewing data (or the catalog's default
    /// stands where the law allows it).
    pub consent: bool,
    /// The paired account, if any (sent only with consent).
    pub account: Option<String>,
    /// The UI language.
    pub lang: String,
}

/// The funnel's events, as the app core sees them.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewEvent {
    HomeShown,
    SeriesOpened {
        series: String,
    },
    LockedShown {
        series: String,
        episode: u32,
    },
    /// `method`: `coins`, `phone`, `ad` or `vip`.
    Unlocked {
        series: String,
        episode: u32,
        method: &'static str,
    },
    /// An ad server answered a break's request with `ads` ads (0: none).
    AdRequest {
        ads: usize,
    },
    /// A setting that matters changed: `language`, `subtitles`,
    /// `text_size`, ...
    Setting {
        name: &'static str,
        value: String,
    },
}

/// Told what was sent (QA): the event's name and its line.
pub type SentLog = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// The insight service: consent, ids, the recorder and the outbox.
pub struct Insight {
    outbox: Outbox,
    recorder: Recorder,
    config: InsightConfig,
    configured: bool,
    session: String,
    /// Read or made when a consenting report first needs it: a box whose
    /// viewer never agrees keeps no insight id.
    device: Option<String>,
    dir: PathBuf,
    network: &'static str,
    started: Instant,
    early: Vec<Report>,
    /// The session's opening reports (app start, home shown) that went
    /// nowhere without consent: sent if the viewer agrees during this
    /// session (the first-run screen asks after the app started).
    opening: Vec<Report>,
    /// Consent was on at some point of this session: nothing more is held.
    opened: bool,
    sent: Option<SentLog>,
}

/// Reports that open a session, held for a consent given later in it.
const OPENING: [&str; 2] = ["app_start", "home_shown"];

impl Insight {
    /// The service for a box whose state is in `dir`; `started`: when the
    /// app started (for how long home took).
    pub fn new(net: Net, dir: PathBuf, started: Instant, sent: Option<SentLog>) -> Insight {
        let outbox = Outbox::new(net, dir.clone());
        Insight {
            outbox,
            recorder: Recorder::default(),
            config: InsightConfig::default(),
            configured: false,
            session: crate::store::random_hex(16),
            device: None,
            dir,
            network: network_kind(),
            started,
            early: Vec::new(),
            opening: Vec::new(),
            opened: false,
            sent,
        }
    }

    fn now(&self) -> (u64, i64) {
        (self.started.elapsed().as_millis() as u64, outbox::now_ms())
    }

    pub fn run(&mut self, command: InsightCommand) {
        match command {
            InsightCommand::Configure(c) => self.configure(c),
            InsightCommand::Record(e) => {
                let report = self.view_report(e);
                self.emit(vec![report]);
            }
        }
    }

    fn configure(&mut self, c: InsightConfig) {
        if self.configured && c == self.config {
            return;
        }
        if self.config.consent && !c.consent {
            // Consent withdrawn: what waits is not sent.
            self.outbox.forget();
        }
        let agreed = self.configured && !self.config.consent && c.consent;
        if c.consent {
            self.opened = true;
        }
        let targets = c
            .analytics
            .iter()
            .flat_map(|a| &a.targets)
            .filter_map(|t| {
                Some(Target {
                    url: url::Url::parse(&t.url).ok()?,
                    interval: std::time::Duration::from_secs(u64::from(t.interval_s)),
                })
            })
            .collect();
        self.outbox.configure(targets);
        let first = !self.configured && c.analytics.is_some();
        self.config = c;
        if first {
            self.configured = true;
            let (_, wall) = self.now();
            let start = Report::custom("app_start", wall)
                .string(key::LANG, &self.config.lang)
                .string(key::VERSION, env!("CARGO_PKG_VERSION"));
            let mut all = vec![start];
            all.append(&mut self.early);
            self.emit(all);
        } else if agreed {
            let opening = std::mem::take(&mut self.opening);
            self.emit(opening);
        }
    }

    fn view_report(&self, e: ViewEvent) -> Report {
        let (now, wall) = self.now();
        match e {
            ViewEvent::HomeShown => {
                Report::custom("home_shown", wall).int(key::SINCE_START, now as i64)
            }
            ViewEvent::SeriesOpened { series } => {
                Report::custom("series_opened", wall).string(key::SERIES, &series)
            }
            ViewEvent::LockedShown { series, episode } => Report::custom("locked_shown", wall)
                .string("cid", &format!("{series}/{episode}"))
                .string(key::SERIES, &series)
                .int(key::EPISODE, i64::from(episode)),
            ViewEvent::Unlocked {
                series,
                episode,
                method,
            } => Report::custom("unlock", wall)
                .string("cid", &format!("{series}/{episode}"))
                .string(key::SERIES, &series)
                .int(key::EPISODE, i64::from(episode))
                .token(key::METHOD, method),
            ViewEvent::AdRequest { ads } => {
                Report::custom("ad_request", wall).int(key::ADS, ads as i64)
            }
            ViewEvent::Setting { name, value } => Report::custom("setting", wall)
                .string(key::NAME, name)
                .string(key::VALUE, &value),
        }
    }

    /// Keeps what the viewer allows, with the ids it allows, for delivery.
    fn emit(&mut self, reports: Vec<Report>) {
        if !self.configured {
            let room = EARLY.saturating_sub(self.early.len());
            self.early.extend(reports.into_iter().take(room));
            return;
        }
        let Some(a) = &self.config.analytics else {
            return;
        };
        for r in reports {
            let name = r.name();
            if !self.config.consent && !a.necessary.iter().any(|n| n == name) {
                if OPENING.contains(&name) && !self.opened && self.opening.len() < OPENING.len() {
                    self.opening.push(r);
                }
                continue;
            }
            let mut r = r
                .string("sid", &self.session)
                .token(key::NET, self.network)
                .token("st", "v");
            if self.config.consent {
                let device = self.device.get_or_insert_with(|| device_id(&self.dir));
                r = r.string(key::DEVICE, device);
                if let Some(account) = &self.config.account {
                    r = r.string(key::ACCOUNT, account);
                }
            }
            let line = r.line();
            self.outbox.push(r.ts(), &line);
            if let Some(sent) = &self.sent {
                sent(name, &line);
            }
        }
    }

    // ---- the player's side ----

    pub fn requested(&mut self, id: EpisodeId, what: Played) {
        let (now, wall) = self.now();
        let r = self.recorder.requested(id, what, now, wall);
        self.emit(r);
    }

    pub fn first_frame(&mut self, id: EpisodeId, startup_ms: u64) {
        let (now, wall) = self.now();
        let r = self.recorder.first_frame(id, startup_ms, now, wall);
        self.emit(r);
    }

    pub fn buffering(&mut self, id: EpisodeId, stalled: bool) {
        let (now, wall) = self.now();
        let r = self.recorder.buffering(id, stalled, now, wall);
        self.emit(r);
    }

    pub fn paused(&mut self, paused: bool) {
        let (now, wall) = self.now();
        let r = self.recorder.paused(paused, now, wall);
        self.emit(r);
    }

    pub fn ended(&mut self, id: Option<EpisodeId>, ending: Ending) {
        let (now, wall) = self.now();
        let r = self.recorder.end(id, ending, now, wall);
        self.emit(r);
    }

    /// "Reset this box": nothing queued goes, a new device id and session.
    pub fn reset(&mut self) {
        self.outbox.forget();
        self.recorder = Recorder::default();
        self.opening.clear();
        self.opened = false;
        self.session = crate::store::random_hex(16);
        self.device = None;
    }

    pub fn stats(&self) -> OutboxStats {
        self.outbox.stats()
    }

    /// The app is closing: a play in progress was left; the queue gets a
    /// last, short, try and is written.
    pub fn shutdown(&mut self) {
        self.ended(None, Ending::Left { position_ms: None });
        self.outbox.shutdown();
    }
}

/// This box's insight id: made (random) and kept the first time.
fn device_id(dir: &std::path::Path) -> String {
    crate::store::kept_id(dir, DEVICE_FILE, |id| {
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The network the default route goes through: `wired`, `wifi` or `other`.
fn network_kind() -> &'static str {
    let Some(iface) = crate::default_route::default_route().map(|r| r.iface) else {
        return "other";
    };
    if std::path::Path::new("/sys/class/net")
        .join(&iface)
        .join("wireless")
        .exists()
    {
        "wifi"
    } else if iface.starts_with("eth") || iface.starts_with("en") {
        "wired"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::catalog::model::AnalyticsTarget;

    /// What a test's insight service sent: names and lines.
    type Sent = Arc<Mutex<Vec<(String, String)>>>;

    fn insight(dir: &std::path::Path) -> (Insight, Sent) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = sent.clone();
        let net = Net::new(crate::net::NetConfig::default()).unwrap();
        let log: SentLog = Arc::new(move |name: &str, line: &str| {
            log.lock().unwrap().push((name.to_owned(), line.to_owned()));
        });
        (
            Insight::new(net, dir.to_owned(), Instant::now(), Some(log)),
            sent,
        )
    }

    fn config(consent: bool, necessary: &[&str]) -> InsightConfig {
        InsightConfig {
            analytics: Some(Analytics {
                targets: vec![AnalyticsTarget {
                    url: "https://collect.example.com/cmcd".into(),
                    interval_s: 3600,
                }],
                jurisdiction: Some("KE".into()),
                default_consent: false,
                necessary: necessary.iter().map(|s| s.to_string()).collect(),
            }),
            consent,
            account: Some("acct-1".into()),
            lang: "sw".into(),
        }
    }

    #[test]
    fn without_consent_only_necessary_events_go_and_with_no_ids() {
        let dir = tempfile::tempdir().unwrap();
        let (mut i, sent) = insight(dir.path());
        // Before the catalog: kept until it says where reports go.
        i.run(InsightCommand::Record(ViewEvent::HomeShown));
        i.run(InsightCommand::Configure(config(false, &["error"])));
        let id = EpisodeId(1);
        let ep = Played::Episode {
            series: "s".into(),
            episode: 1,
        };
        i.requested(id, ep);
        i.first_frame(id, 100);
        i.ended(
            Some(id),
            Ending::Failed {
                kind: "network".into(),
                bitrate_kbps: None,
                position_ms: 5_000,
            },
        );
        let got = sent.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "error");
        assert!(!got[0].1.contains("com.pillarbox-did"), "{}", got[0].1);
        assert!(!got[0].1.contains("acct"), "{}", got[0].1);
        assert!(got[0].1.contains("sid="));
        // A box whose viewer has not agreed keeps no insight id.
        assert!(!dir.path().join(DEVICE_FILE).exists());

        // With consent (given on the first-run screen, after the start):
        // the session's opening reports that were held go first, then
        // everything, with the device id and the account.
        sent.lock().unwrap().clear();
        i.run(InsightCommand::Configure(config(true, &[])));
        i.run(InsightCommand::Record(ViewEvent::Setting {
            name: "language",
            value: "sw".into(),
        }));
        let got = sent.lock().unwrap().clone();
        let names: Vec<_> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["app_start", "home_shown", "setting"], "{got:?}");
        for (_, line) in &got {
            assert!(line.contains("com.pillarbox-did=\""), "{line}");
            assert!(line.contains("com.pillarbox-acct=\"acct-1\""));
        }
        assert_eq!(i.stats().queued, 4);
        let got = [got[2].clone()];

        // Withdrawn: what waited is dropped, nothing more goes.
        i.run(InsightCommand::Configure(config(false, &[])));
        assert_eq!(i.stats().queued, 0);
        i.run(InsightCommand::Record(ViewEvent::HomeShown));
        assert_eq!(sent.lock().unwrap().len(), 3);
        // Given again: the opening reports went once, they do not again.
        i.run(InsightCommand::Configure(config(true, &[])));
        assert_eq!(sent.lock().unwrap().len(), 3);
        i.run(InsightCommand::Configure(config(false, &[])));

        // A reset (its files gone) makes a new device id.
        let did = |line: &str| {
            let r = cmcd::parse_line(line).unwrap();
            r[key::DEVICE].as_str().unwrap().to_owned()
        };
        let before = did(&got[0].1);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(DEVICE_FILE)).unwrap(),
            format!("{{\n  \"id\": \"{before}\"\n}}")
        );
        std::fs::remove_file(dir.path().join(DEVICE_FILE)).unwrap();
        i.reset();
        i.run(InsightCommand::Configure(config(true, &[])));
        i.run(InsightCommand::Record(ViewEvent::HomeShown));
        let got = sent.lock().unwrap().clone();
        let after = did(&got.last().unwrap().1);
        assert_ne!(before, after);
    }
}
