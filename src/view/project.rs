//! App state → `Api` properties. Models are updated row by row, so a focus
//! move redraws the two posters it touches, not the whole screen.

use std::rc::Rc;

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use crate::app::history::EpisodeProgress;
use crate::app::shelf::localized;
use crate::app::{self, App, Control, GRID_COLUMNS, Phase, Screen, SeriesFocus, next_episode};
use crate::catalog::model::Series;

use super::{
    Api, EpisodeData, EpisodeState, ErrorChoice, ExitChoice, PlayerControl, PosterData, RowData,
    UpNextData, View,
};

/// Posters a rail shows at once (home.slint's `per-screen` + 1).
const POSTERS_PER_ROW: usize = 8;

pub struct Models {
    rows: Rc<VecModel<RowData>>,
    episodes: Rc<VecModel<EpisodeData>>,
    up_next: Rc<VecModel<UpNextData>>,
    /// The item models inside `rows`, kept to update posters in place.
    items: Vec<Rc<VecModel<PosterData>>>,
    /// The app's rows generation the models were built from.
    rows_generation: Option<u64>,
}

impl Models {
    pub fn new(ui: &super::AppWindow) -> Models {
        let m = Models {
            rows: Rc::new(VecModel::default()),
            episodes: Rc::new(VecModel::default()),
            up_next: Rc::new(VecModel::default()),
            items: Vec::new(),
            rows_generation: None,
        };
        let api = ui.global::<Api>();
        api.set_rows(ModelRc::from(m.rows.clone()));
        api.set_episodes(ModelRc::from(m.episodes.clone()));
        api.set_up_next(ModelRc::from(m.up_next.clone()));
        api.set_grid_columns(GRID_COLUMNS as i32);
        m
    }
}

/// Replaces what changed in `model` with `new`.
fn sync<T: Clone + PartialEq + 'static>(model: &VecModel<T>, new: Vec<T>) {
    if model.row_count() != new.len() {
        model.set_vec(new);
        return;
    }
    for (i, item) in new.into_iter().enumerate() {
        if model.row_data(i).as_ref() != Some(&item) {
            model.set_row_data(i, item);
        }
    }
}

fn set_if<T: PartialEq>(current: T, new: T, set: impl FnOnce(T)) {
    if current != new {
        set(new);
    }
}

pub fn render(view: &mut View, app: &App) {
    let ui = view.ui.clone_strong();
    let api = ui.global::<Api>();
    let screen = match (app.catalog(), app.screen()) {
        (None, _) => super::Screen::Loading,
        (_, Screen::Home) => super::Screen::Home,
        (_, Screen::Series(_)) => super::Screen::Series,
        (_, Screen::Player) => super::Screen::Player,
        (_, Screen::Locked(..)) => super::Screen::Locked,
    };
    set_if(api.get_screen(), screen, |v| api.set_screen(v));
    set_if(
        api.get_notice(),
        app.notice().unwrap_or_default().into(),
        |v| api.set_notice(v),
    );
    set_if(api.get_exit_dialog(), app.exit_dialog().is_some(), |v| {
        api.set_exit_dialog(v)
    });
    let exit_choice = match app.exit_dialog() {
        Some(app::ExitChoice::Exit) => ExitChoice::Exit,
        _ => ExitChoice::Stay,
    };
    set_if(api.get_exit_choice(), exit_choice, |v| {
        api.set_exit_choice(v)
    });
    let Some(catalog) = app.catalog().cloned() else {
        return;
    };
    let lang = app.lang().to_owned();
    let text = |m: &std::collections::BTreeMap<String, String>| -> SharedString {
        localized(m, &lang, &catalog.default_language).into()
    };
    set_if(api.get_channel_name(), text(&catalog.channel.name), |v| {
        api.set_channel_name(v)
    });
    if let Some(accent) = catalog
        .channel
        .accent_color
        .as_deref()
        .and_then(parse_colour)
    {
        set_if(api.get_accent(), accent, |v| api.set_accent(v));
    }
    if let Some(logo) = &catalog.channel.logo {
        let img = view.poster(logo);
        api.set_logo(img);
    }

    match app.screen().clone() {
        Screen::Home => render_home(view, app, &catalog, &lang),
        Screen::Series(id) => {
            if let Some(series) = app.series(&id) {
                render_series(view, app, series, &lang, &catalog.default_language);
            }
        }
        Screen::Player => render_player(view, app, &lang, &catalog.default_language),
        Screen::Locked(id, number) => {
            if let Some(series) = app.series(&id) {
                let title = localized(&series.title, &lang, &catalog.default_language);
                api.set_locked_title(format!("Episode {number} is locked").into());
                let total = series.episodes.len();
                let unlock = match &series.unlock {
                    Some(u) => format!(" unlock for {} {}", u.price, u.currency),
                    None => " are not free".into(),
                };
                api.set_locked_text(
                    format!(
                        "Episodes 1–{} of {title} are free to watch. Episodes {}–{total}{unlock}.",
                        series.free_episodes,
                        series.free_episodes + 1,
                    )
                    .into(),
                );
                api.set_locked_detail(
                    "Unlocking on this TV is not available yet. Press OK or Back to return.".into(),
                );
            }
        }
    }
}

fn meta_line(series: &Series) -> String {
    let mut parts: Vec<String> = series
        .genres
        .iter()
        .take(2)
        .map(|g| {
            let mut c = g.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    parts.push(format!("{} episodes", series.episodes.len()));
    if series.free_episodes as usize >= series.episodes.len() {
        parts.push("all free".into());
    } else {
        parts.push(format!("{} free", series.free_episodes));
    }
    parts.join(" · ")
}

fn series_share(app: &App, series: &Series) -> f32 {
    let Some(p) = app.history().series.get(&series.id) else {
        return -1.0;
    };
    let n = series.episodes.len().max(1) as f32;
    let current = match app.history().progress(&series.id, p.episode) {
        EpisodeProgress::InProgress(f) => f,
        _ => 0.0,
    };
    ((p.watched.len() as f32 + current) / n).min(1.0)
}

/// The columns of row `r` whose posters are fetched: the rows around the
/// focus and the columns on screen (as ui/screens/home.slint scrolls
/// them), no further. `None` for rows away from the focus.
fn poster_window(app: &App, r: usize) -> Option<std::ops::RangeInclusive<usize>> {
    let focused_row = app.focused_row();
    if !(r + 1 >= focused_row && r <= focused_row + 2) {
        return None;
    }
    let first = (app.column(r) + 1).saturating_sub(POSTERS_PER_ROW - 1);
    Some(first.saturating_sub(2)..=first + POSTERS_PER_ROW + 2)
}

fn poster_item(
    view: &mut View,
    app: &App,
    s: &Series,
    lang: &str,
    default: &str,
    load: bool,
) -> PosterData {
    PosterData {
        title: localized(&s.title, lang, default).into(),
        poster: if load {
            view.poster(&s.poster.url)
        } else {
            view.cached_poster(&s.poster.url)
        },
        progress: series_share(app, s),
    }
}

fn render_home(view: &mut View, app: &App, catalog: &crate::catalog::Catalog, lang: &str) {
    let rows = app.rows();
    let focused_row = app.focused_row();
    let default = &catalog.default_language;
    let series_of = |row: &app::shelf::Row| -> Vec<usize> {
        row.series
            .iter()
            .copied()
            .filter(|&i| i < catalog.series.len())
            .collect()
    };
    if view.models.rows_generation != Some(app.rows_generation()) {
        // New rows (a catalog, history or language change): built once.
        let mut item_lists = Vec::with_capacity(rows.len());
        for (r, row) in rows.iter().enumerate() {
            let window = poster_window(app, r);
            let items: Vec<PosterData> = series_of(row)
                .into_iter()
                .enumerate()
                .map(|(c, i)| {
                    let load = window.as_ref().is_some_and(|w| w.contains(&c));
                    poster_item(view, app, &catalog.series[i], lang, default, load)
                })
                .collect();
            item_lists.push(items);
        }
        let m = &mut view.models;
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
                focused: app.column(r) as i32,
            })
            .collect();
        m.rows.set_vec(data);
        m.rows_generation = Some(app.rows_generation());
    } else {
        // Same rows: only the focus moved, or posters arrived. Only the
        // posters around the focus are looked at.
        for (r, row) in rows.iter().enumerate() {
            if let Some(mut data) = view.models.rows.row_data(r)
                && data.focused != app.column(r) as i32
            {
                data.focused = app.column(r) as i32;
                view.models.rows.set_row_data(r, data);
            }
            let Some(window) = poster_window(app, r) else {
                continue;
            };
            let Some(model) = view.models.items.get(r).cloned() else {
                continue;
            };
            let series = series_of(row);
            for c in window {
                let Some(&i) = series.get(c) else { break };
                let item = poster_item(view, app, &catalog.series[i], lang, default, true);
                if model.row_data(c).as_ref() != Some(&item) {
                    model.set_row_data(c, item);
                }
            }
        }
    }
    let ui = view.ui.clone_strong();
    let api = ui.global::<Api>();
    set_if(api.get_focused_row(), focused_row as i32, |v| {
        api.set_focused_row(v)
    });
    if let Some(series) = app.focused_series() {
        let d = &catalog.default_language;
        api.set_hero_title(localized(&series.title, lang, d).into());
        api.set_hero_synopsis(localized(&series.synopsis, lang, d).into());
        api.set_hero_meta(meta_line(series).into());
        api.set_hero_licence(format!("{} · {}", series.rating.value, series.licence).into());
        let poster = view.poster(&series.poster.url);
        api.set_hero_poster(poster);
    }
}

fn render_series(view: &mut View, app: &App, series: &Series, lang: &str, default: &str) {
    let cells: Vec<EpisodeData> = series
        .episodes
        .iter()
        .map(|e| {
            let (state, progress) = if !App::playable(series, e.number) {
                (EpisodeState::Locked, 0.0)
            } else {
                match app.history().progress(&series.id, e.number) {
                    EpisodeProgress::Watched => (EpisodeState::Watched, 1.0),
                    EpisodeProgress::InProgress(f) => (EpisodeState::Progress, f),
                    EpisodeProgress::Unseen => (EpisodeState::Free, 0.0),
                }
            };
            EpisodeData {
                number: e.number as i32,
                state,
                progress,
            }
        })
        .collect();
    let resume = app
        .history()
        .resume_episode(&series.id, series.episodes.len() as u32);
    let started = app.history().series.contains_key(&series.id);
    let focused = match app.series_focus() {
        SeriesFocus::PlayButton => -1,
        SeriesFocus::Episode(i) => i as i32,
    };
    sync(&view.models.episodes, cells);
    let ui = view.ui.clone_strong();
    let api = ui.global::<Api>();
    api.set_focused_episode(focused);
    api.set_series_title(localized(&series.title, lang, default).into());
    api.set_series_synopsis(localized(&series.synopsis, lang, default).into());
    api.set_series_meta(meta_line(series).into());
    api.set_series_rating(series.rating.value.as_str().into());
    api.set_series_licence(format!("Licence: {}", series.licence).into());
    api.set_play_label(
        if started {
            format!("▶  Continue EP {resume}")
        } else {
            format!("▶  Play EP {resume}")
        }
        .into(),
    );
    let poster = view.poster(&series.poster.url);
    api.set_series_poster(poster);
}

/// The subtitles of the episode on screen go to the video sink's slot (or
/// why they cannot be shown to the side panel); the next episode's are
/// fetched ahead, as its picture is preloaded.
fn render_subtitles(view: &mut View, app: &App, series: &Series, lang: &str) {
    let Some(p) = app.player() else {
        return;
    };
    // The catalog's file (fetched if new), else the stream's own: its
    // language and the track, or why there is none; `None` while loading.
    let loaded = match (&p.subtitles, &p.stream_subtitles) {
        (Some(file), _) => view
            .subtitle_track(&file.url)
            .map(|t| (file.language.clone(), t)),
        (None, Some(stream)) => Some((
            stream.language.clone().unwrap_or_else(|| "?".into()),
            stream.track.clone(),
        )),
        (None, None) => None,
    };
    let note = match loaded {
        Some((_, Ok(track))) => {
            view.subtitle_slot.set(Some(track));
            String::new()
        }
        Some((language, Err(why))) => {
            view.subtitle_slot.set(None);
            format!("Subtitles ({language}) unavailable: {why}")
        }
        None => {
            view.subtitle_slot.set(None);
            String::new()
        }
    };
    if let Some(next) = next_episode(series, p.episode)
        && App::playable(series, next.number)
        && let Some(track) = app::subtitles_for(series, next, lang)
    {
        view.subtitle_track(&track.url);
    }
    let api = view.ui.global::<Api>();
    set_if(api.get_subtitle_note(), note.into(), |v| {
        api.set_subtitle_note(v)
    });
}

fn render_player(view: &mut View, app: &App, lang: &str, default: &str) {
    let ui = view.ui.clone_strong();
    let api = ui.global::<Api>();
    let Some(p) = app.player() else {
        return;
    };
    let Some(series) = app.series(&p.series) else {
        return;
    };
    let episode = series.episodes.iter().find(|e| e.number == p.episode);
    api.set_player_title(localized(&series.title, lang, default).into());
    api.set_player_episode(format!("EP {} / {}", p.episode, series.episode_count).into());
    api.set_player_episode_title(
        episode
            .map(|e| localized(&e.title, lang, default))
            .unwrap_or_default()
            .into(),
    );
    api.set_player_licence(format!("{} · Licence: {}", series.rating.value, series.licence).into());
    let mut up_next = Vec::new();
    let mut n = p.episode;
    while up_next.len() < 3 {
        let Some(next) = next_episode(series, n) else {
            break;
        };
        n = next.number;
        up_next.push(UpNextData {
            label: format!("EP {}", next.number).into(),
            title: localized(&next.title, lang, default).into(),
            locked: !App::playable(series, next.number),
        });
    }
    sync(&view.models.up_next, up_next);
    render_subtitles(view, app, series, lang);
    set_if(
        api.get_countdown(),
        app.countdown().unwrap_or(0) as i32,
        |v| api.set_countdown(v),
    );
    set_if(api.get_controls(), app.controls_visible(), |v| {
        api.set_controls(v)
    });
    let control = match p.control {
        Control::Previous => PlayerControl::Previous,
        Control::PlayPause => PlayerControl::PlayPause,
        Control::Next => PlayerControl::Next,
    };
    set_if(api.get_control_focus(), control, |v| {
        api.set_control_focus(v)
    });
    let progress = p
        .duration_ms
        .filter(|d| *d > 0)
        .map_or(0.0, |d| p.position_ms as f32 / d as f32);
    set_if(api.get_progress(), progress, |v| api.set_progress(v));
    let time = format!(
        "{} / {}",
        clock(p.position_ms),
        p.duration_ms.map(clock).unwrap_or_else(|| "–:––".into())
    );
    set_if(api.get_time_text(), time.into(), |v| api.set_time_text(v));
    set_if(api.get_paused(), p.paused, |v| api.set_paused(v));
    set_if(
        api.get_loading(),
        p.phase == Phase::Loading || p.buffering,
        |v| api.set_loading(v),
    );
    let error = match &p.phase {
        Phase::Failed(m) => m.clone(),
        _ => String::new(),
    };
    set_if(api.get_error(), error.into(), |v| api.set_error(v));
    let choice = match p.error_choice {
        app::ErrorChoice::Retry => ErrorChoice::Retry,
        app::ErrorChoice::Next => ErrorChoice::Next,
    };
    set_if(api.get_error_choice(), choice, |v| api.set_error_choice(v));
}

fn clock(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// "#RRGGBB" → colour.
fn parse_colour(text: &str) -> Option<slint::Color> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(hex, 16).ok()?;
    Some(slint::Color::from_rgb_u8(
        (v >> 16) as u8,
        (v >> 8) as u8,
        v as u8,
    ))
}
