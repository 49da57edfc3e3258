//! Whether a scenario's expectation holds now: met, not yet (with what is
//! seen instead, for the report if it never comes), or failed for good
//! (the first frame came too late, the episode stalled, playback failed
//! where it was to play).

use crate::app::{App, Phase, Screen, ScreenState};

use super::scenario::{Expect, ScreenName};

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Met,
    /// Not yet; what is seen instead.
    Waiting(String),
    /// Cannot come any more.
    Failed(String),
}

/// What the app shows and did, as far as expectations ask.
pub struct Seen<'a> {
    pub app: &'a App,
    pub played: &'a crate::tv::observe::Played,
    pub cues: &'a [crate::view::subtitles::ShownCue],
    pub faults_fired: usize,
    pub rss_kib: Option<u64>,
}

fn screen_name(screen: &Screen) -> ScreenName {
    match screen {
        Screen::Home => ScreenName::Home,
        Screen::Series(_) => ScreenName::Series,
        Screen::Player => ScreenName::Player,
        Screen::Locked(..) => ScreenName::Locked,
        Screen::Settings => ScreenName::Settings,
    }
}

impl Seen<'_> {
    /// The series and episode on screen, where there is one.
    fn on_screen(&self) -> (Option<&str>, Option<u32>) {
        match self.app.top() {
            ScreenState::Series(s) => (Some(&s.id), None),
            ScreenState::Locked(l) => (Some(&l.series), Some(l.number)),
            ScreenState::Player(_) => match self.app.player() {
                Some(p) => (Some(&p.series), Some(p.episode)),
                None => (None, None),
            },
            _ => (None, None),
        }
    }

    /// One line saying what is on screen, for a report.
    pub fn describe(&self) -> String {
        let app = self.app;
        let mut parts = vec![format!(
            "screen={}",
            serde_json::to_value(screen_name(&app.screen()))
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        )];
        let (series, episode) = self.on_screen();
        if let Some(s) = series {
            parts.push(format!("series={s}"));
        }
        if let Some(n) = episode {
            parts.push(format!("episode={n}"));
        }
        if let (Screen::Player, Some(p)) = (app.screen(), app.player()) {
            let phase = match &p.phase {
                Phase::Loading => "loading".to_owned(),
                Phase::Playing if p.paused => "paused".to_owned(),
                Phase::Playing => "playing".to_owned(),
                Phase::Failed(panel) => format!("failed ({})", panel.technical()),
            };
            parts.push(format!("phase={phase}"));
            parts.push(format!("position_ms={}", p.position_ms));
            if p.rebuffers > 0 {
                parts.push(format!("rebuffers={}", p.rebuffers));
            }
            if p.connection_lost {
                parts.push("connection_lost".to_owned());
            }
        }
        if matches!(app.screen(), Screen::Locked(..)) {
            parts.push(format!("locked_message={:?}", app.locked_message()));
        }
        parts.push(format!("focused={:?}", app.describe()));
        if let Some(n) = app.notice() {
            parts.push(format!("notice={n:?}"));
        }
        parts.join(" ")
    }
}

/// Whether `e` holds in what is `seen`.
pub fn judge(e: &Expect, seen: &Seen) -> Verdict {
    let app = seen.app;
    let player = app.player().filter(|_| app.screen() == Screen::Player);
    let failed = player.and_then(|p| p.failed().map(|panel| panel.technical().to_owned()));
    // An episode that fails where it was to play cannot come right.
    let wants_play = e.playing == Some(true)
        || e.position_ms.is_some()
        || e.first_frame_within_ms.is_some()
        || e.cue.is_some();
    if let Some(why) = &failed
        && wants_play
        && e.error.is_none()
    {
        return Verdict::Failed(format!("playback failed: {why}"));
    }
    if let (Some(true), Some(p)) = (e.no_rebuffer, player)
        && p.rebuffers > 0
    {
        return Verdict::Failed(format!(
            "the episode stalled for data {} time(s) since its first frame",
            p.rebuffers
        ));
    }
    if let (Some(limit), Some(kib)) = (e.rss_below_mib, seen.rss_kib)
        && kib >= limit * 1024
    {
        return Verdict::Failed(format!(
            "resident memory {} MiB, not below {limit} MiB",
            kib / 1024
        ));
    }
    if let Some(limit) = e.first_frame_within_ms {
        let played = seen.played;
        // One start per play command; a first frame once it showed.
        if !played.start_ms.is_empty() && played.first_frame_ms.len() >= played.start_ms.len() {
            let ms = played.first_frame_ms.last().copied().unwrap_or(f64::MAX);
            if ms > limit as f64 {
                return Verdict::Failed(format!(
                    "first frame after {ms:.0} ms, not within {limit} ms"
                ));
            }
        } else {
            return Verdict::Waiting(format!("no first frame yet; {}", seen.describe()));
        }
    }
    let (series, episode) = seen.on_screen();
    let contains = |have: &str, want: &str| have.to_lowercase().contains(&want.to_lowercase());
    // Home is there once it shows its catalog, or its notice saying why
    // there is none: a key pressed on the empty home before that does
    // nothing, which made scenarios depend on how fast the catalog came.
    let home_settled =
        app.catalog().is_some() || app.ctx().catalog_failed.is_some() || app.notice().is_some();
    let holds = e
        .screen
        .is_none_or(|s| s == screen_name(&app.screen()) && (s != ScreenName::Home || home_settled))
        && e.focused
            .as_ref()
            .is_none_or(|f| contains(&app.describe(), f))
        && e.series.as_ref().is_none_or(|s| series == Some(s.as_str()))
        && e.episode.is_none_or(|n| episode == Some(n))
        && e.playing.is_none_or(|want| {
            player.is_some_and(|p| p.phase == Phase::Playing && !p.paused) == want
        })
        && e.paused
            .is_none_or(|want| player.is_some_and(|p| p.paused) == want)
        && e.position_ms.is_none_or(|ms| {
            player.is_some_and(|p| p.phase == Phase::Playing && p.position_ms >= ms)
        })
        && e.position_below_ms
            .is_none_or(|ms| player.is_some_and(|p| p.position_ms < ms))
        && e.cue
            .as_ref()
            .is_none_or(|c| seen.cues.iter().any(|cue| contains(&cue.text, c)))
        && e.error
            .as_ref()
            .is_none_or(|want| failed.as_ref().is_some_and(|why| contains(why, want)))
        && e.locked_message.as_ref().is_none_or(|want| {
            matches!(app.screen(), Screen::Locked(..)) && contains(&app.locked_message(), want)
        })
        && e.notice
            .as_ref()
            .is_none_or(|want| app.notice().is_some_and(|n| contains(n, want)))
        && e.faults_fired.is_none_or(|n| seen.faults_fired >= n)
        && e.ad
            .is_none_or(|n| player.and_then(|p| p.ad()).is_some_and(|a| a.index == n))
        && e.ad_skippable
            .is_none_or(|want| player.and_then(|p| p.ad()).is_some_and(|a| a.can_skip()) == want)
        && e.ads_played.is_none_or(|n| seen.played.ads.len() >= n)
        && e.ad_trackers.as_ref().is_none_or(|want| {
            want.iter()
                .all(|t| seen.played.ad_trackers.iter().any(|f| f == t))
        })
        && e.event
            .as_ref()
            .is_none_or(|want| seen.played.insight.iter().any(|n| n == want))
        && e.connection_lost
            .is_none_or(|want| player.is_some_and(|p| p.connection_lost) == want)
        && e.kept.is_none_or(|n| app.ctx().stored.len() >= n)
        && e.channel.as_ref().is_none_or(|want| {
            let on = player
                .and_then(|p| p.channel.as_ref())
                .and_then(|t| app.ctx().channel(t.channel))
                .map(|c| c.id.as_str());
            on.unwrap_or("") == want
        })
        && e.banner
            .is_none_or(|want| player.is_some_and(|p| p.banner(app.ctx()).is_some()) == want)
        && e.card
            .is_none_or(|want| player.is_some_and(|p| p.carded()) == want)
        && e.preview.as_ref().is_none_or(|want| {
            let showing = app
                .preview()
                .filter(|p| p.showing)
                .map(|p| p.series.as_str());
            showing.unwrap_or("") == want
        });
    if holds {
        Verdict::Met
    } else {
        let mut saw = seen.describe();
        if e.cue.is_some() {
            let texts: Vec<_> = seen.cues.iter().rev().take(3).map(|c| &c.text).collect();
            saw.push_str(&format!(" last_cues={texts:?}"));
        }
        if e.ad_trackers.is_some() || e.ads_played.is_some() {
            saw.push_str(&format!(
                " ads_played={:?} ad_trackers={:?}",
                seen.played.ads, seen.played.ad_trackers
            ));
        }
        if e.faults_fired.is_some() {
            saw.push_str(&format!(" faults_fired={}", seen.faults_fired));
        }
        if e.event.is_some() {
            saw.push_str(&format!(" events={:?}", seen.played.insight));
        }
        if e.preview.is_some() {
            let showing = app.preview().filter(|p| p.showing).map(|p| &p.series);
            saw.push_str(&format!(" preview={showing:?}"));
        }
        if e.kept.is_some() {
            let kept: Vec<_> = app.ctx().stored.keys().collect();
            saw.push_str(&format!(" kept={kept:?}"));
        }
        Verdict::Waiting(saw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Event, history::History};
    use std::sync::Arc;

    fn judge_home(app: &App) -> Verdict {
        let expect = Expect {
            screen: Some(ScreenName::Home),
            ..Expect::default()
        };
        let played = crate::tv::observe::Played::default();
        let seen = Seen {
            app,
            played: &played,
            cues: &[],
            faults_fired: 0,
            rss_kib: None,
        };
        judge(&expect, &seen)
    }

    #[test]
    fn home_is_met_once_its_catalog_or_its_notice_is_shown() {
        let mut app = App::new(History::default(), "en");
        assert!(matches!(judge_home(&app), Verdict::Waiting(_)));
        let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
        app.handle(Event::Catalog {
            catalog: Arc::new(crate::demo::catalog::catalog(&base)),
            problem: None,
            expired: None,
        });
        assert_eq!(judge_home(&app), Verdict::Met);

        let mut offline = App::new(History::default(), "en");
        offline.handle(Event::CatalogFailed("network: refused".into()));
        assert_eq!(judge_home(&offline), Verdict::Met);
    }
}
