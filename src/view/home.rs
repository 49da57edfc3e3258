//! Home into `HomePage`: the rows of posters (built once per change of the
//! rows, then updated around the focus) and the focused series in the hero.

use super::posters::POSTER_WIDTH;
use std::rc::Rc;

use slint::{ComponentHandle, Model, ModelRc, VecModel};

use crate::app::context::Ctx;
use crate::app::history::EpisodeProgress;
use crate::app::screens::Home;
use crate::catalog::model::Series;
use crate::i18n::{self, tr};

use super::{HomePage, PosterData, RowData, View, set_if};

/// Posters a rail shows at once (home.slint's `per-screen` + 1).
const POSTERS_PER_ROW: usize = 8;

pub struct Models {
    rows: Rc<VecModel<RowData>>,
    /// The item models inside `rows`, kept to update posters in place.
    items: Vec<Rc<VecModel<PosterData>>>,
    /// The rows generation the models were built from.
    generation: Option<u64>,
}

impl Models {
    pub fn new(ui: &super::AppWindow) -> Models {
        let rows = Rc::new(VecModel::default());
        ui.global::<HomePage>()
            .set_rows(ModelRc::from(rows.clone()));
        Models {
            rows,
            items: Vec::new(),
            generation: None,
        }
    }
}

/// "Romance · CEO · 12 episodes · 5 free", in `lang`: genres we have a
/// translation for are translated, others shown as the catalog names them.
pub fn meta_line(series: &Series, lang: &str) -> String {
    let mut parts: Vec<String> = series
        .genres
        .iter()
        .take(2)
        .map(|g| {
            let id = format!("genre-{}", g.to_ascii_lowercase());
            if i18n::has(lang, &id) {
                return tr(lang, &id, &[]);
            }
            let mut c = g.chars();
            let shown: String = c
                .next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default();
            // As the catalog names it: its own direction in an Arabic line.
            i18n::isolate(lang, &shown)
        })
        .collect();
    let count = series.episodes.len();
    parts.push(tr(lang, "episode-count", &[("count", count.into())]));
    if series.free_episodes as usize >= count {
        parts.push(tr(lang, "all-free", &[]));
    } else {
        let free = series.free_episodes;
        parts.push(tr(lang, "free-count", &[("count", free.into())]));
    }
    parts.join(" · ")
}

/// The share of `series` watched, 0..1; -1 when none.
fn series_share(ctx: &Ctx, series: &Series) -> f32 {
    let Some(p) = ctx.history.series.get(&series.id) else {
        return -1.0;
    };
    let n = series.episodes.len().max(1) as f32;
    let current = match ctx.history.progress(&series.id, p.episode) {
        EpisodeProgress::InProgress(f) => f,
        _ => 0.0,
    };
    ((p.watched.len() as f32 + current) / n).min(1.0)
}

/// The columns of row `r` whose posters are fetched: the rows around the
/// focus and the columns on screen (as ui/screens/home.slint scrolls
/// them), no further. `None` for rows away from the focus.
fn poster_window(ctx: &Ctx, home: &Home, r: usize) -> Option<std::ops::RangeInclusive<usize>> {
    let focused_row = home.focused_row();
    if !(r + 1 >= focused_row && r <= focused_row + 2) {
        return None;
    }
    let first = (home.column(ctx, r) + 1).saturating_sub(POSTERS_PER_ROW - 1);
    Some(first.saturating_sub(2)..=first + POSTERS_PER_ROW + 2)
}

fn poster_item(view: &mut View, ctx: &Ctx, s: &Series, load: bool) -> PosterData {
    PosterData {
        title: ctx.text(&s.title).into(),
        poster: if load {
            view.posters.get(s.poster.url_for(POSTER_WIDTH))
        } else {
            view.posters.cached(s.poster.url_for(POSTER_WIDTH))
        },
        progress: series_share(ctx, s),
        locked: ctx.parental_locked(s),
        badge: Default::default(),
    }
}

/// The channels row's items: each channel's name across its logo, else
/// across the poster of the series it has on air now (the hero says which
/// episode, for the focused one); a live channel without a logo, "Live".
fn channel_items(view: &mut View, ctx: &Ctx, row: &crate::app::shelf::Shelf) -> Vec<PosterData> {
    let Some(catalog) = ctx.catalog().cloned() else {
        return Vec::new();
    };
    row.channels
        .iter()
        .filter_map(|&i| Some((i, catalog.channels.get(i)?)))
        .map(|(i, ch)| {
            let on_air = ctx.on_air(i, 0).and_then(|on| ctx.series(&on.series));
            let picture = match (&ch.logo, on_air) {
                (Some(logo), _) => view.posters.get(logo),
                (None, Some(s)) => view.posters.get(s.poster.url_for(POSTER_WIDTH)),
                (None, None) => Default::default(),
            };
            let name: slint::SharedString = ctx.text(&ch.title).into();
            // With no picture the card reads its title: a live channel's
            // says "Live" under its name.
            let title = if ch.live.is_some() {
                tr(ctx.lang(), "live", &[]).into()
            } else {
                name.clone()
            };
            PosterData {
                badge: name,
                title,
                poster: picture,
                progress: -1.0,
                locked: false,
            }
        })
        .collect()
}

/// `preview`: the focused series' preview shows its frames in the hero.
pub fn render(view: &mut View, ctx: &Ctx, home: &Home, preview: bool) {
    let Some(catalog) = ctx.catalog().cloned() else {
        return;
    };
    let rows = &ctx.shelf;
    let series_of = |row: &crate::app::shelf::Shelf| -> Vec<usize> {
        row.series
            .iter()
            .copied()
            .filter(|&i| i < catalog.series.len())
            .collect()
    };
    // A row's items, the posters in `window` loaded.
    let items_of = |view: &mut View, series: &[usize], window: &std::ops::RangeInclusive<usize>| {
        series
            .iter()
            .enumerate()
            .map(|(c, &i)| poster_item(view, ctx, &catalog.series[i], window.contains(&c)))
            .collect::<Vec<PosterData>>()
    };
    if view.models.home.generation != Some(ctx.shelf_generation) {
        // New rows (a catalog, history or language change): built once.
        let mut item_lists = Vec::with_capacity(rows.len());
        for (r, row) in rows.iter().enumerate() {
            // Rows away from the focus get their posters when it nears:
            // a catalog of fifty full rails would otherwise make 5,000
            // poster items at once.
            let items = match poster_window(ctx, home, r) {
                _ if row.is_channels() => channel_items(view, ctx, row),
                Some(window) => items_of(view, &series_of(row), &window),
                None => Vec::new(),
            };
            item_lists.push(items);
        }
        let m = &mut view.models.home;
        m.items = item_lists
            .into_iter()
            .map(|v| Rc::new(VecModel::from(v)))
            .collect();
        let data: Vec<RowData> = rows
            .iter()
            .zip(&m.items)
            .enumerate()
            .map(|(r, (row, items))| RowData {
                title: row.title.as_str().into(),
                items: ModelRc::from(items.clone()),
                focused: home.column(ctx, r) as i32,
            })
            .collect();
        m.rows.set_vec(data);
        m.generation = Some(ctx.shelf_generation);
    } else {
        // Same rows: only the focus moved, or posters arrived. Only the
        // posters around the focus are looked at.
        for (r, row) in rows.iter().enumerate() {
            let column = home.column(ctx, r) as i32;
            if let Some(mut data) = view.models.home.rows.row_data(r)
                && data.focused != column
            {
                data.focused = column;
                view.models.home.rows.set_row_data(r, data);
            }
            let Some(model) = view.models.home.items.get(r).cloned() else {
                continue;
            };
            if row.is_channels() {
                // What is on air moves on: the row follows.
                for (c, item) in channel_items(view, ctx, row).into_iter().enumerate() {
                    if model.row_data(c).as_ref() != Some(&item) {
                        model.set_row_data(c, item);
                    }
                }
                continue;
            }
            let Some(window) = poster_window(ctx, home, r) else {
                // Away from the focus again: its posters go.
                if model.row_count() > 0 {
                    model.set_vec(Vec::new());
                }
                continue;
            };
            let series = series_of(row);
            if model.row_count() == 0 && !series.is_empty() {
                // Near the focus now: its items, posters in view loaded.
                model.set_vec(items_of(view, &series, &window));
                continue;
            }
            for c in window {
                let Some(&i) = series.get(c) else { break };
                let item = poster_item(view, ctx, &catalog.series[i], true);
                if model.row_data(c).as_ref() != Some(&item) {
                    model.set_row_data(c, item);
                }
            }
        }
    }
    let ui = view.ui.clone_strong();
    let page = ui.global::<HomePage>();
    set_if(page.get_focused_row(), home.focused_row() as i32, |v| {
        page.set_focused_row(v)
    });
    set_if(page.get_settings_focused(), home.settings_focused(), |v| {
        page.set_settings_focused(v)
    });
    set_if(page.get_preview_on(), preview, |v| page.set_preview_on(v));
    if let Some(i) = home
        .focused_channel(ctx)
        .filter(|&i| ctx.live_feed(i).is_some())
    {
        // A live channel: its name, "Live", and what its guide says.
        let lang = ctx.lang();
        let (now, next) = ctx.guide_now_next(i, None);
        let meta = match now {
            Some(now) => format!(
                "{} · {}",
                tr(lang, "live", &[]),
                tr(lang, "channel-now", &[("what", now.into())])
            ),
            None => tr(lang, "live", &[]),
        };
        page.set_hero_title(ctx.channel_title(i).into());
        page.set_hero_meta(meta.into());
        let next = next
            .map(|n| tr(lang, "channel-next", &[("what", n.into())]))
            .unwrap_or_default();
        page.set_hero_synopsis(next.into());
        page.set_hero_licence("".into());
        let logo = ctx.channel(i).and_then(|ch| ch.logo.clone());
        let poster = logo.map(|l| view.posters.get(&l)).unwrap_or_default();
        page.set_hero_poster(poster);
    } else if let Some(i) = home.focused_channel(ctx) {
        // The hero: the channel, and what it has on air.
        let on = ctx.on_air(i, 0);
        if let Some((on, series)) = on.and_then(|o| Some((o.clone(), ctx.series(&o.series)?))) {
            let lang = ctx.lang();
            let what = tr(
                lang,
                "channel-episode",
                &[
                    ("series", ctx.text(&series.title).into()),
                    ("number", on.episode.into()),
                ],
            );
            page.set_hero_title(ctx.channel_title(i).into());
            page.set_hero_synopsis(ctx.text(&series.synopsis).into());
            page.set_hero_meta(tr(lang, "channel-now", &[("what", what.into())]).into());
            page.set_hero_licence(format!("{} · {}", series.rating.value, series.licence).into());
            let poster = view.posters.get(series.poster.url_for(POSTER_WIDTH));
            page.set_hero_poster(poster);
        }
    } else if let Some(series) = home.focused_series(ctx) {
        let lang = ctx.lang();
        page.set_hero_title(ctx.text(&series.title).into());
        page.set_hero_synopsis(ctx.text(&series.synopsis).into());
        page.set_hero_meta(meta_line(series, lang).into());
        page.set_hero_licence(format!("{} · {}", series.rating.value, series.licence).into());
        let poster = view.posters.get(series.poster.url_for(POSTER_WIDTH));
        page.set_hero_poster(poster);
    }
}
