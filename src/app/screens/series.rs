//! A series' page: its facts, a Play (or Continue) button and the grid of
//! its episodes. Number keys jump to an episode ("5" then "7" within a
//! second: episode 57).

use crate::i18n::tr;
use crate::input::Action;

use super::Nav;
use crate::app::context::{Ctx, join};
use crate::app::history::EpisodeProgress;

/// Number keys typed this close together make one episode number.
pub const TYPED_MS: u64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesFocus {
    /// The Play / Continue button above the grid.
    PlayButton,
    /// An index into the series' episodes.
    Episode(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPage {
    pub id: String,
    focus: SeriesFocus,
    /// Number keys typed: the number so far and when its last digit came.
    typed: Option<(u32, u64)>,
}

impl SeriesPage {
    /// The page of series `id`, its Play button focused.
    pub fn new(id: &str) -> SeriesPage {
        SeriesPage {
            id: id.into(),
            focus: SeriesFocus::PlayButton,
            typed: None,
        }
    }

    pub fn focus(&self) -> SeriesFocus {
        self.focus
    }

    /// Focuses episode `number` (the one the player just left).
    pub fn focus_episode(&mut self, ctx: &Ctx, number: u32) {
        if let Some(i) = ctx
            .series(&self.id)
            .and_then(|s| s.episodes.iter().position(|e| e.number == number))
        {
            self.focus = SeriesFocus::Episode(i);
        }
    }

    /// The number of the focused episode and its place, before a catalog
    /// update moves things (see [`SeriesPage::refocus`]).
    pub fn focused_number(&self, ctx: &Ctx) -> Option<(u32, usize)> {
        match self.focus {
            SeriesFocus::Episode(i) => ctx
                .series(&self.id)
                .and_then(|s| s.episodes.get(i))
                .map(|e| (e.number, i)),
            SeriesFocus::PlayButton => None,
        }
    }

    /// After a catalog update: the focus stays on episode `number` where it
    /// now is, else on the nearest cell left (the Play button if none).
    pub fn refocus(&mut self, ctx: &Ctx, (number, old_index): (u32, usize)) {
        let Some(series) = ctx.series(&self.id) else {
            return;
        };
        self.focus = match series.episodes.iter().position(|e| e.number == number) {
            Some(i) => SeriesFocus::Episode(i),
            None if series.episodes.is_empty() => SeriesFocus::PlayButton,
            None => SeriesFocus::Episode(old_index.min(series.episodes.len() - 1)),
        };
    }

    pub fn on_action(&mut self, ctx: &Ctx, action: Action) -> Nav {
        let Some(series) = ctx.series(&self.id) else {
            return Nav::Stay;
        };
        let count = series.episodes.len();
        if count == 0 {
            return if action == Action::Back {
                Nav::Back
            } else {
                Nav::Stay
            };
        }
        let resume_number = ctx.resume_episode(series);
        let resume = (resume_number as usize).saturating_sub(1);
        let columns = ctx.grid_columns();
        if let Some(d) = action.digit() {
            // "5" then "7" within a second: EP 57 (if there is one; else EP 7).
            let now = ctx.now_ms;
            let joined = self
                .typed
                .filter(|(_, at)| now.saturating_sub(*at) <= TYPED_MS)
                .map(|(n, _)| n.saturating_mul(10).saturating_add(d as u32))
                .filter(|n| series.episodes.iter().any(|e| e.number == *n));
            let number = joined.unwrap_or(d as u32);
            let found = series.episodes.iter().position(|e| e.number == number);
            self.typed = Some((number, now));
            if let Some(i) = found {
                self.focus = SeriesFocus::Episode(i);
            }
            return Nav::Stay;
        }
        let play = |number: u32| Nav::Play {
            series: series.id.clone(),
            episode: number,
        };
        match (self.focus, action) {
            (_, Action::Back) => return Nav::Back,
            (SeriesFocus::PlayButton, Action::Down) => {
                self.focus = SeriesFocus::Episode(resume.min(columns - 1))
            }
            (SeriesFocus::PlayButton, Action::Ok | Action::Play | Action::PlayPause) => {
                return play(resume_number);
            }
            (SeriesFocus::Episode(i), Action::Up) => {
                self.focus = if i < columns {
                    SeriesFocus::PlayButton
                } else {
                    SeriesFocus::Episode(i - columns)
                }
            }
            // From a row above the last, Down always lands in the next row.
            (SeriesFocus::Episode(i), Action::Down) if i / columns < (count - 1) / columns => {
                self.focus = SeriesFocus::Episode((i + columns).min(count - 1));
            }
            (SeriesFocus::Episode(i), Action::Left | Action::Right) => {
                self.focus = if ctx.toward_start(action) {
                    SeriesFocus::Episode(i.saturating_sub(1))
                } else {
                    SeriesFocus::Episode((i + 1).min(count - 1))
                }
            }
            (SeriesFocus::Episode(i), Action::Ok | Action::Play | Action::PlayPause) => {
                if let Some(number) = series.episodes.get(i).map(|e| e.number) {
                    return play(number);
                }
            }
            _ => {}
        }
        Nav::Stay
    }

    /// The episode OK would play from here: the Play button's or the
    /// focused one.
    pub fn intended(&self, ctx: &Ctx) -> Option<(String, u32)> {
        let s = ctx.series(&self.id)?;
        let number = match self.focus {
            SeriesFocus::PlayButton => ctx.resume_episode(s),
            SeriesFocus::Episode(i) => s.episodes.get(i)?.number,
        };
        Some((self.id.clone(), number))
    }

    /// What has the focus, read aloud.
    pub fn describe(&self, ctx: &Ctx) -> String {
        let lang = ctx.lang();
        let Some(s) = ctx.series(&self.id) else {
            return String::new();
        };
        match self.focus {
            SeriesFocus::PlayButton => {
                let resume = ctx.resume_episode(s);
                let started = ctx.history.series.contains_key(&self.id);
                let id = if started {
                    "continue-episode"
                } else {
                    "play-episode"
                };
                tr(lang, id, &[("number", resume.into())])
                    .trim_start_matches(['▶', ' '])
                    .to_owned()
            }
            SeriesFocus::Episode(i) => {
                let Some(e) = s.episodes.get(i) else {
                    return String::new();
                };
                let number = e.number;
                let mut parts = vec![tr(lang, "spoken-episode", &[("number", number.into())])];
                if !ctx.playable(s, number) {
                    parts.push(tr(lang, "spoken-locked", &[]));
                    if let Some(u) = &s.unlock {
                        parts.push(crate::i18n::price(lang, u.price, &u.currency));
                    }
                } else if ctx.history.progress(&self.id, number) == EpisodeProgress::Watched {
                    parts.push(tr(lang, "spoken-watched", &[]));
                }
                if ctx.kept(&self.id, number).is_some() {
                    parts.push(tr(lang, "episode-kept", &[]));
                }
                join(&parts)
            }
        }
    }
}
