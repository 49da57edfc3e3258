//! A series' page into `SeriesPage`: its facts, the Play button's label,
//! the grid of episodes with their state, and the focus.

use super::posters::POSTER_WIDTH;
use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, VecModel};

use crate::app::context::Ctx;
use crate::app::history::EpisodeProgress;
use crate::app::screens::SeriesPage as Page;
use crate::app::screens::series::SeriesFocus;
use crate::catalog::model::Series;
use crate::i18n::tr;

use super::{EpisodeData, EpisodeState, SeriesPage, View, sync};

pub fn model(ui: &super::AppWindow) -> Rc<VecModel<EpisodeData>> {
    let model = Rc::new(VecModel::default());
    ui.global::<SeriesPage>()
        .set_episodes(ModelRc::from(model.clone()));
    model
}

/// A series' running time and the time left to watch, seconds.
fn running_time(ctx: &Ctx, series: &Series) -> (f64, f64) {
    let mut all = 0.0;
    let mut left = 0.0;
    for e in &series.episodes {
        let d = e.duration.max(0.0);
        all += d;
        left += match ctx.history.progress(&series.id, e.number) {
            EpisodeProgress::Watched => 0.0,
            EpisodeProgress::InProgress(f) => d * (1.0 - f as f64).clamp(0.0, 1.0),
            EpisodeProgress::Unseen => d,
        };
    }
    (all, left)
}

pub fn render(view: &mut View, ctx: &Ctx, page: &Page) {
    let Some(series) = ctx.series(&page.id) else {
        return;
    };
    let lang = ctx.lang();
    let cells: Vec<EpisodeData> = series
        .episodes
        .iter()
        .map(|e| {
            let (state, progress) = if !ctx.playable(series, e.number) {
                (EpisodeState::Locked, 0.0)
            } else {
                match ctx.history.progress(&series.id, e.number) {
                    EpisodeProgress::Watched => (EpisodeState::Watched, 1.0),
                    EpisodeProgress::InProgress(f) => (EpisodeState::Progress, f),
                    EpisodeProgress::Unseen => (EpisodeState::Free, 0.0),
                }
            };
            EpisodeData {
                number: e.number as i32,
                state,
                progress,
                kept: ctx.kept(&series.id, e.number).is_some(),
            }
        })
        .collect();
    sync(&view.models.episodes, cells);
    let resume = ctx.resume_episode(series);
    let started = ctx.history.series.contains_key(&series.id);
    let ui = view.ui.clone_strong();
    let g = ui.global::<SeriesPage>();
    g.set_grid_columns(ctx.grid_columns() as i32);
    match page.focus() {
        SeriesFocus::PlayButton => g.set_play_focused(true),
        SeriesFocus::Episode(i) => {
            g.set_play_focused(false);
            g.set_focused_episode(i as i32);
        }
    }
    g.set_title(ctx.text(&series.title).into());
    g.set_synopsis(ctx.text(&series.synopsis).into());
    let (all, left) = running_time(ctx, series);
    let minutes = |s: f64| (s / 60.0).ceil() as u64;
    let meta = format!(
        "{} · {} · {}",
        super::home::meta_line(series, lang),
        tr(lang, "running-time", &[("minutes", minutes(all).into())]),
        tr(lang, "time-left", &[("minutes", minutes(left).into())]),
    );
    g.set_meta(meta.into());
    g.set_rating(series.rating.value.as_str().into());
    let licence = series.licence.as_str();
    g.set_licence(tr(lang, "licence", &[("licence", licence.into())]).into());
    let play = if started {
        "continue-episode"
    } else {
        "play-episode"
    };
    g.set_play_label(tr(lang, play, &[("number", resume.into())]).into());
    let poster = view.posters.get(series.poster.url_for(POSTER_WIDTH));
    g.set_poster(poster);
}
