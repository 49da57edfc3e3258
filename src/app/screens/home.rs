//! Home: the partner's rows of series (Continue Watching first), a
//! Settings button above them. The focus is a row and a column per row,
//! so a row keeps its place; rows are rebuilt when the catalog, history or
//! language change, and the focus stays on its row.

use std::collections::HashMap;

use crate::catalog::model::Series;
use crate::i18n::tr;
use crate::input::Action;

use super::Nav;
use crate::app::context::{Ctx, join};
use crate::app::shelf::{CHANNELS_ROW, CONTINUE_ROW};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Home {
    row: usize,
    /// The id of the focused row: it keeps the focus when rows are rebuilt.
    row_id: Option<String>,
    /// The focused column of each row, by row id.
    columns: HashMap<String, usize>,
    /// The Settings button above the rows has the focus.
    settings_focused: bool,
    /// The shelf build the focus was last fitted to.
    fitted: Option<u64>,
    /// With no catalog to show: Details has the focus (else Retry), and
    /// whether the detail shows.
    failure_details_focused: bool,
    pub(crate) failure_details_shown: bool,
}

impl Home {
    pub fn focused_row(&self) -> usize {
        self.row
    }

    pub fn settings_focused(&self) -> bool {
        self.settings_focused
    }

    pub fn column(&self, ctx: &Ctx, row: usize) -> usize {
        ctx.shelf
            .get(row)
            .and_then(|r| self.columns.get(&r.id).copied())
            .unwrap_or(0)
    }

    /// The drama channel focused on the channels row (an index into the
    /// catalog's channels).
    pub fn focused_channel(&self, ctx: &Ctx) -> Option<usize> {
        let row = ctx.shelf.get(self.row)?;
        row.channels.get(self.column(ctx, self.row)).copied()
    }

    /// The series focused on the home screen (none on the channels row).
    pub fn focused_series<'a>(&self, ctx: &'a Ctx) -> Option<&'a Series> {
        let row = ctx.shelf.get(self.row)?;
        let idx = *row.series.get(self.column(ctx, self.row))?;
        ctx.catalog()?.series.get(idx)
    }

    /// After the rows were rebuilt: the focus stays on its row (else the
    /// first), columns within their rows, and Continue Watching, when it
    /// does not have the focus, starts again at its most recent series.
    pub(crate) fn fit(&mut self, ctx: &Ctx) {
        if self.fitted == Some(ctx.shelf_built()) {
            return;
        }
        self.fitted = Some(ctx.shelf_built());
        let rows = &ctx.shelf;
        self.row = self
            .row_id
            .as_ref()
            .and_then(|id| rows.iter().position(|r| &r.id == id))
            .unwrap_or(0)
            .min(rows.len().saturating_sub(1));
        for (i, r) in rows.iter().enumerate() {
            if let Some(c) = self.columns.get_mut(&r.id) {
                *c = (*c).min(r.len().saturating_sub(1));
            }
            if r.id == CONTINUE_ROW && i != self.row {
                self.columns.insert(r.id.clone(), 0);
            }
        }
        self.row_id = rows.get(self.row).map(|r| r.id.clone());
    }

    /// Back to the rows, from the Settings button (a QA scenario's jump).
    pub(crate) fn unfocus_settings(&mut self) {
        self.settings_focused = false;
    }

    pub fn on_action(&mut self, ctx: &Ctx, action: Action) -> Nav {
        if ctx.catalog().is_none() {
            return self.on_failure_action(ctx, action);
        }
        let rows = ctx.shelf.len();
        if self.settings_focused {
            match action {
                Action::Back => return Nav::AskLeave,
                Action::Down if rows > 0 => self.settings_focused = false,
                Action::Ok => return Nav::OpenSettings,
                _ => {}
            }
            return Nav::Stay;
        }
        match action {
            Action::Back => return Nav::AskLeave,
            Action::Up if self.row > 0 => self.row -= 1,
            // Above the first row: the Settings button.
            Action::Up => self.settings_focused = true,
            Action::Down if self.row + 1 < rows => self.row += 1,
            Action::Left | Action::Right if rows > 0 => {
                let row = &ctx.shelf[self.row];
                let col = self.column(ctx, self.row);
                let col = if ctx.toward_start(action) {
                    col.saturating_sub(1)
                } else {
                    (col + 1).min(row.len().saturating_sub(1))
                };
                self.columns.insert(row.id.clone(), col);
            }
            Action::Ok | Action::Play | Action::PlayPause
                if self.focused_channel(ctx).is_some() =>
            {
                return self.focused_channel(ctx).map_or(Nav::Stay, Nav::Tune);
            }
            // Number keys on the channels row: that channel, as on a TV.
            a if a.digit().is_some() && ctx.shelf[self.row].id == CHANNELS_ROW => {
                let row = &ctx.shelf[self.row];
                let n = a.digit().unwrap_or(0) as usize;
                if let Some(&channel) = n.checked_sub(1).and_then(|i| row.channels.get(i)) {
                    self.columns.insert(row.id.clone(), n - 1);
                    return Nav::Tune(channel);
                }
            }
            Action::Ok | Action::Play | Action::PlayPause => {
                let Some(series) = self.focused_series(ctx) else {
                    return Nav::Stay;
                };
                // Continue Watching (and Play) go straight to the episode.
                let from_continue = ctx.shelf[self.row].id == CONTINUE_ROW;
                return Nav::OpenSeries {
                    id: series.id.clone(),
                    play: from_continue || action != Action::Ok,
                };
            }
            _ => {}
        }
        self.row_id = ctx.shelf.get(self.row).map(|r| r.id.clone());
        Nav::Stay
    }

    /// The episode OK would play from here: the focused series' resume
    /// episode (OK opens it on its Play button, or plays it at once).
    pub fn intended(&self, ctx: &Ctx) -> Option<(String, u32)> {
        let s = self.focused_series(ctx)?;
        Some((s.id.clone(), ctx.resume_episode(s)))
    }

    /// Keys while no catalog can be shown: Retry or Details (when there
    /// is a failure to say), Back to leave.
    fn on_failure_action(&mut self, ctx: &Ctx, action: Action) -> Nav {
        if action == Action::Back {
            return Nav::AskLeave;
        }
        if ctx.catalog_failed.is_none() {
            return Nav::Stay;
        }
        match action {
            Action::Left | Action::Right => {
                self.failure_details_focused = !self.failure_details_focused;
            }
            Action::Ok if self.failure_details_focused => {
                self.failure_details_shown = !self.failure_details_shown;
            }
            Action::Ok => {
                self.failure_details_shown = false;
                return Nav::ReloadCatalog;
            }
            _ => {}
        }
        Nav::Stay
    }

    /// With no catalog: Details has the focus (else Retry).
    pub fn failure_details_focused(&self) -> bool {
        self.failure_details_focused
    }

    /// What has the focus, read aloud.
    pub fn describe(&self, ctx: &Ctx) -> String {
        let lang = ctx.lang();
        if ctx.catalog().is_none() {
            return match &ctx.catalog_failed {
                None => tr(lang, "loading-programmes", &[]),
                Some(_) => join(&[
                    tr(lang, "catalog-failed", &[]),
                    tr(
                        lang,
                        if self.failure_details_focused {
                            "details"
                        } else {
                            "retry"
                        },
                        &[],
                    ),
                ]),
            };
        }
        if self.settings_focused {
            return tr(lang, "settings", &[]);
        }
        if let Some(i) = self
            .focused_channel(ctx)
            .filter(|&i| ctx.live_feed(i).is_some())
        {
            let (now, _) = ctx.guide_now_next(i, None);
            let now = now.map(|n| tr(lang, "channel-now", &[("what", n.into())]));
            return join(&[
                ctx.channel_title(i),
                tr(lang, "live", &[]),
                now.unwrap_or_default(),
            ]);
        }
        if let Some(i) = self.focused_channel(ctx) {
            let now = ctx.on_air(i, 0).and_then(|on| {
                let s = ctx.series(&on.series)?;
                let what = tr(
                    lang,
                    "channel-episode",
                    &[
                        ("series", ctx.text(&s.title).into()),
                        ("number", on.episode.into()),
                    ],
                );
                Some(tr(lang, "channel-now", &[("what", what.into())]))
            });
            return join(&[ctx.channel_title(i), now.unwrap_or_default()]);
        }
        let Some(s) = self.focused_series(ctx) else {
            return String::new();
        };
        let count = s.episodes.len();
        join(&[
            ctx.text(&s.title),
            tr(lang, "episode-count", &[("count", count.into())]),
            if ctx.parental_locked(s) {
                tr(lang, "spoken-locked", &[])
            } else {
                String::new()
            },
        ])
    }
}
