//! App state → `Api` properties. Models are updated row by row, so a focus
//! move redraws the two posters it touches, not the whole screen.

use std::rc::Rc;

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use crate::app::history::EpisodeProgress;
use crate::app::settings::{CaptionStyle, Colour, Edge};
use crate::app::shelf::localized;
use crate::app::{self, App, Control, Phase, Screen, SeriesFocus, next_episode};
use crate::catalog::model::Series;
use crate::i18n::{self, tr};

use super::{
    Api, CaptionEdge, EpisodeData, EpisodeState, ErrorChoice, ExitChoice, Labels, PlayerControl,
    PosterData, RowData, SettingData, UpNextData, View,
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
    settings_rows: Rc<VecModel<SettingData>>,
    /// The language the labels were last set in.
    labels_lang: Option<String>,
    /// The pairing QR code and the text it encodes.
    qr: Option<(String, slint::Image)>,
}

impl Models {
    pub fn new(ui: &super::AppWindow) -> Models {
        let m = Models {
            rows: Rc::new(VecModel::default()),
            episodes: Rc::new(VecModel::default()),
            up_next: Rc::new(VecModel::default()),
            items: Vec::new(),
            rows_generation: None,
            settings_rows: Rc::new(VecModel::default()),
            labels_lang: None,
            qr: None,
        };
        let api = ui.global::<Api>();
        api.set_rows(ModelRc::from(m.rows.clone()));
        api.set_episodes(ModelRc::from(m.episodes.clone()));
        api.set_up_next(ModelRc::from(m.up_next.clone()));
        api.set_settings_rows(ModelRc::from(m.settings_rows.clone()));
        m
    }
}

impl Models {
    /// The QR image of `text`, made once per code.
    fn qr(&mut self, text: &str) -> slint::Image {
        match &self.qr {
            Some((t, img)) if t == text => img.clone(),
            _ => {
                let img = qr_image(text).unwrap_or_default();
                self.qr = Some((text.to_owned(), img.clone()));
                img
            }
        }
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
    render_language(view, app);
    let screen = match (app.catalog(), app.screen()) {
        (_, Screen::Settings) => super::Screen::Settings,
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
    set_if(api.get_home_settings(), app.home_settings_focused(), |v| {
        api.set_home_settings(v)
    });
    render_pin(view, app);
    set_if(
        api.get_toast(),
        app.toast().unwrap_or_default().into(),
        |v| api.set_toast(v),
    );
    set_if(
        api.get_clock(),
        app.clock().unwrap_or_default().into(),
        |v| api.set_clock(v),
    );
    if app.screen() == &Screen::Settings {
        render_settings(view, app);
    }
    let Some(catalog) = app.catalog().cloned() else {
        return;
    };
    let lang = app.lang().to_owned();
    let text = |m: &std::collections::BTreeMap<String, String>| -> SharedString {
        localized(m, &lang, &catalog.default_language).into()
    };
    let leave = tr(
        app.lang(),
        "leave-app",
        &[("name", text(&catalog.channel.name).to_string().into())],
    );
    let mut labels = api.get_labels();
    if labels.leave_app != leave {
        labels.leave_app = leave.into();
        api.set_labels(labels);
    }
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
        Screen::Settings => {}
        Screen::Locked(id, number) => {
            if let Some(series) = app.series(&id) {
                render_locked(view, app, series, number, &lang, &catalog);
            }
        }
    }
}

/// "Romance · CEO · 12 episodes · 5 free", in `lang`: genres we have a
/// translation for are translated, others shown as the catalog names them.
fn meta_line(series: &Series, lang: &str) -> String {
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
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
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

/// A series' running time and the time left to watch, seconds.
fn running_time(app: &App, series: &Series) -> (f64, f64) {
    let mut all = 0.0;
    let mut left = 0.0;
    for e in &series.episodes {
        let d = e.duration.max(0.0);
        all += d;
        left += match app.history().progress(&series.id, e.number) {
            EpisodeProgress::Watched => 0.0,
            EpisodeProgress::InProgress(f) => d * (1.0 - f as f64).clamp(0.0, 1.0),
            EpisodeProgress::Unseen => d,
        };
    }
    (all, left)
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
        locked: app.parental_locked(s),
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
    // A row's items, the posters in `window` loaded.
    let items_of = |view: &mut View, series: &[usize], window: &std::ops::RangeInclusive<usize>| {
        series
            .iter()
            .enumerate()
            .map(|(c, &i)| {
                let load = window.contains(&c);
                poster_item(view, app, &catalog.series[i], lang, default, load)
            })
            .collect::<Vec<PosterData>>()
    };
    if view.models.rows_generation != Some(app.rows_generation()) {
        // New rows (a catalog, history or language change): built once.
        let mut item_lists = Vec::with_capacity(rows.len());
        for (r, row) in rows.iter().enumerate() {
            // Rows away from the focus get their posters when it nears:
            // a catalog of fifty full rails would otherwise make 5,000
            // poster items at once.
            let items = match poster_window(app, r) {
                Some(window) => items_of(view, &series_of(row), &window),
                None => Vec::new(),
            };
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
            let Some(model) = view.models.items.get(r).cloned() else {
                continue;
            };
            let Some(window) = poster_window(app, r) else {
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
        api.set_hero_meta(meta_line(series, lang).into());
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
            let (state, progress) = if !app.playable(series, e.number) {
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
    let (all, left) = running_time(app, series);
    let minutes = |s: f64| (s / 60.0).ceil() as u64;
    let meta = format!(
        "{} · {} · {}",
        meta_line(series, lang),
        tr(lang, "running-time", &[("minutes", minutes(all).into())]),
        tr(lang, "time-left", &[("minutes", minutes(left).into())]),
    );
    api.set_series_meta(meta.into());
    api.set_series_rating(series.rating.value.as_str().into());
    let licence = series.licence.as_str();
    api.set_series_licence(tr(lang, "licence", &[("licence", licence.into())]).into());
    let play = if started {
        "continue-episode"
    } else {
        "play-episode"
    };
    api.set_play_label(tr(lang, play, &[("number", resume.into())]).into());
    let poster = view.poster(&series.poster.url);
    api.set_series_poster(poster);
}

/// The subtitles of the episode on screen go to the video sink's slot (or
/// why they cannot be shown to the side panel); the next episode's are
/// fetched ahead, as its picture is preloaded.
fn render_subtitles(view: &mut View, app: &App, series: &Series) {
    let Some(p) = app.player() else {
        return;
    };
    // The catalog's file (fetched if new), else the stream's own: its
    // language and the track, or why there is none; `None` while loading.
    let loaded = match (&p.subtitles, app.shown_stream_subtitles()) {
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
            let args = [("language", language.into()), ("why", why.into())];
            tr(app.lang(), "subtitles-unavailable", &args)
        }
        None => {
            view.subtitle_slot.set(None);
            String::new()
        }
    };
    if let Some(next) = next_episode(series, p.episode)
        && app.playable(series, next.number)
        && let Some(track) = app::subtitles_for(series, next, &app.subtitle_prefs())
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
    let of = [
        ("number", p.episode.into()),
        ("total", series.episode_count.into()),
    ];
    api.set_player_episode(tr(lang, "episode-of", &of).into());
    api.set_player_episode_title(
        episode
            .map(|e| localized(&e.title, lang, default))
            .unwrap_or_default()
            .into(),
    );
    let licence = tr(
        lang,
        "licence",
        &[("licence", series.licence.as_str().into())],
    );
    api.set_player_licence(format!("{} · {licence}", series.rating.value).into());
    let mut up_next = Vec::new();
    let mut n = p.episode;
    while up_next.len() < 3 {
        let Some(next) = next_episode(series, n) else {
            break;
        };
        n = next.number;
        up_next.push(UpNextData {
            label: tr(lang, "episode-short", &[("number", next.number.into())]).into(),
            title: localized(&next.title, lang, default).into(),
            locked: !app.playable(series, next.number),
        });
    }
    sync(&view.models.up_next, up_next);
    render_subtitles(view, app, series);
    let countdown = app.countdown().unwrap_or(0);
    set_if(api.get_countdown(), countdown as i32, |v| {
        api.set_countdown(v)
    });
    // Worded only while it counts: the player renders on every tick.
    if countdown > 0 {
        let next_in = tr(lang, "next-in", &[("seconds", countdown.into())]);
        let mut labels = api.get_labels();
        if labels.next_in != next_in {
            labels.next_in = next_in.into();
            api.set_labels(labels);
        }
    }
    set_if(api.get_controls(), app.controls_visible(), |v| {
        api.set_controls(v)
    });
    let control = match p.control {
        Control::Previous => PlayerControl::Previous,
        Control::PlayPause => PlayerControl::PlayPause,
        Control::Next => PlayerControl::Next,
        Control::Sleep => PlayerControl::Sleep,
    };
    set_if(api.get_control_focus(), control, |v| {
        api.set_control_focus(v)
    });
    set_if(api.get_sleep_label(), app.sleep_label().into(), |v| {
        api.set_sleep_label(v)
    });
    set_if(api.get_fade(), app.fade() as f32, |v| api.set_fade(v));
    let still = app.still_watching();
    set_if(api.get_still_watching(), still.is_some(), |v| {
        api.set_still_watching(v)
    });
    set_if(
        api.get_still_watching_continue(),
        still == Some(true),
        |v| api.set_still_watching_continue(v),
    );
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

/// What follows the UI language and the caption settings: the fixed texts
/// of the screens, the direction, the UI font and the subtitles' look.
fn render_language(view: &mut View, app: &App) {
    let api = view.ui.global::<Api>();
    let lang = app.lang();
    if view.models.labels_lang.as_deref() != Some(lang) {
        let t = |id: &str| -> SharedString { tr(lang, id, &[]).into() };
        api.set_labels(Labels {
            loading_programmes: t("loading-programmes"),
            leave_app: tr(lang, "leave-app", &[("name", "pillarbox".into())]).into(),
            stay: t("stay"),
            exit: t("exit"),
            settings: t("settings"),
            episodes: t("episodes"),
            back: t("back"),
            up_next: t("up-next"),
            loading: t("loading"),
            paused: t("paused"),
            previous: t("previous"),
            play: t("play"),
            pause: t("pause"),
            next: t("next"),
            next_in: SharedString::default(),
            cannot_play: t("cannot-play"),
            retry: t("retry"),
            next_episode: t("next-episode"),
            settings_hint: t("settings-hint"),
            hint_subtitles: t("hint-subtitles"),
            hint_audio: t("hint-audio"),
            hint_digits: t("hint-digits"),
            welcome: t("welcome"),
            welcome_hint: t("welcome-hint"),
            still_watching: t("still-watching"),
            still_watching_continue: t("still-watching-continue"),
            still_watching_stop: t("still-watching-stop"),
        });
        api.set_rtl(i18n::is_rtl(lang));
        api.set_font_family(i18n::ui_font(lang).0.into());
        view.models.labels_lang = Some(lang.to_owned());
    }
    let caption = caption_look(&app.settings().captions);
    set_if(api.get_caption(), caption, |v| api.set_caption(v));
    let s = app.settings();
    set_if(api.get_text_scale(), s.text_size as f32 / 100.0, |v| {
        api.set_text_scale(v)
    });
    set_if(api.get_high_contrast(), s.high_contrast, |v| {
        api.set_high_contrast(v)
    });
    set_if(api.get_first_run(), app.first_run(), |v| {
        api.set_first_run(v)
    });
    set_if(api.get_grid_columns(), app.grid_columns() as i32, |v| {
        api.set_grid_columns(v)
    });
}

/// Subtitle text at 100 %, px on the 1920x1080 stage.
const CAPTION_PX: f32 = 40.0;
/// Above this size a cue may use the width beyond the picture.
const WIDE_FROM: u16 = 150;

fn caption_look(c: &CaptionStyle) -> super::CaptionStyle {
    let colour = |colour: Colour, opacity: u8| {
        let (r, g, b) = colour.rgb();
        slint::Color::from_argb_u8((opacity as u32 * 255 / 100) as u8, r, g, b)
    };
    super::CaptionStyle {
        font_size: CAPTION_PX * c.size as f32 / 100.0,
        font_family: c.font.family().into(),
        color: colour(c.text, c.text_opacity),
        background: colour(c.background, c.background_opacity),
        edge: match c.edge {
            Edge::None => CaptionEdge::None,
            Edge::Raised => CaptionEdge::Raised,
            Edge::Depressed => CaptionEdge::Depressed,
            Edge::Uniform => CaptionEdge::Uniform,
            Edge::DropShadow => CaptionEdge::DropShadow,
        },
        wide: c.size >= WIDE_FROM,
    }
}

/// The Settings screen: each row's name and value in the UI language, and
/// the preview's frame (the episode paused under Settings, else a poster).
fn render_settings(view: &mut View, app: &App) {
    let s = app.settings();
    let (ui_langs, content_langs) = (app.ui_languages(), app.content_languages());
    let rows: Vec<SettingData> = app
        .settings_rows()
        .iter()
        .map(|&row| {
            let (label, value) = app.setting_text(row);
            // Whether a step each way changes anything.
            let moves = |step| {
                let mut probe = s.clone();
                probe.step(row, step, &ui_langs, &content_langs);
                probe != *s
            };
            SettingData {
                label: label.into(),
                value: value.into(),
                can_back: moves(-1),
                can_forward: moves(1),
            }
        })
        .collect();
    sync(&view.models.settings_rows, rows);
    let ui = view.ui.clone_strong();
    let api = ui.global::<Api>();
    let focused = app
        .settings_rows()
        .iter()
        .position(|r| *r == app.settings_row())
        .unwrap_or(0) as i32;
    set_if(api.get_settings_focused(), focused, |v| {
        api.set_settings_focused(v)
    });
    let lang = app.lang();
    let line = super::subtitles::escape_markdown(&tr(lang, "preview-sample", &[]));
    let second = super::subtitles::escape_markdown(&tr(lang, "preview-sample-2", &[]));
    let styled = |md: &str| slint::StyledText::from_markdown(md).unwrap_or_default();
    api.set_settings_sample(styled(&format!("{line}\n*{second}*")));
    api.set_settings_sample_line(styled(&line));
    // Over the paused episode's frame when it is there, else a poster.
    let frame = api.get_video_frame();
    let frame = if app.player().is_some() && frame.size().width > 0 {
        frame
    } else {
        match app.focused_series().or_else(|| {
            app.catalog()
                .and_then(|c| c.series.first())
                .filter(|_| app.player().is_none())
        }) {
            Some(series) => view.poster(&series.poster.url),
            None => slint::Image::default(),
        }
    };
    api.set_settings_frame(frame);
}

/// The parental PIN dialog: what it asks, the digits typed (as dots), the
/// digit Up/Down choose, and what went wrong.
fn render_pin(view: &mut View, app: &App) {
    let api = view.ui.global::<Api>();
    let (Some(d), Some((title, message))) = (app.pin_dialog(), app.pin_texts()) else {
        set_if(api.get_pin_dialog(), false, |v| api.set_pin_dialog(v));
        return;
    };
    let lang = app.lang();
    set_if(api.get_pin_dialog(), true, |v| api.set_pin_dialog(v));
    set_if(api.get_pin_title(), title.into(), |v| api.set_pin_title(v));
    set_if(api.get_pin_hint(), tr(lang, "pin-hint", &[]).into(), |v| {
        api.set_pin_hint(v)
    });
    set_if(api.get_pin_entered(), d.entered.len() as i32, |v| {
        api.set_pin_entered(v)
    });
    set_if(api.get_pin_pending(), d.pending as i32, |v| {
        api.set_pin_pending(v)
    });
    set_if(api.get_pin_message(), message.into(), |v| {
        api.set_pin_message(v)
    });
}

/// The Locked screen: what unlocks the episode, the balance, coins and
/// phone choices, the pairing code, the confirmation and what happened.
fn render_locked(
    view: &mut View,
    app: &App,
    series: &Series,
    number: u32,
    lang: &str,
    catalog: &crate::catalog::Catalog,
) {
    use crate::app::paywall::LockedChoice;
    let api = view.ui.global::<Api>();
    let l = lang;
    let title = localized(&series.title, lang, &catalog.default_language);
    api.set_locked_title(tr(l, "locked-title", &[("number", number.into())]).into());
    let (first, last) = (series.free_episodes + 1, series.episodes.len());
    let rest = match &series.unlock {
        Some(u) => tr(
            l,
            "locked-price",
            &[
                ("first", first.into()),
                ("last", last.into()),
                ("price", u.price.into()),
                ("currency", u.currency.as_str().into()),
            ],
        ),
        None => tr(
            l,
            "locked-not-free",
            &[("first", first.into()), ("last", last.into())],
        ),
    };
    let free = tr(
        l,
        "locked-free",
        &[
            ("free", series.free_episodes.into()),
            ("title", title.into()),
        ],
    );
    api.set_locked_text(format!("{free} {rest}").into());
    let state = app.locked_state();
    let choices = app.unlock_available();
    api.set_locked_choices(choices);
    let price = app.coin_price(series);
    api.set_locked_has_coins(price.is_some());
    let balance = app
        .coins()
        .map(|c| tr(l, "locked-balance", &[("coins", c.into())]))
        .unwrap_or_default();
    api.set_locked_balance(balance.into());
    if let Some(price) = price {
        api.set_locked_coins(
            tr(
                l,
                "locked-coins",
                &[("number", number.into()), ("price", price.into())],
            )
            .into(),
        );
        api.set_locked_confirm_text(
            tr(
                l,
                "locked-confirm",
                &[
                    ("number", number.into()),
                    ("price", price.into()),
                    ("coins", app.coins().unwrap_or(0).into()),
                ],
            )
            .into(),
        );
    }
    api.set_locked_phone(tr(l, "locked-phone", &[]).into());
    api.set_locked_focus(match state.choice {
        LockedChoice::Coins if price.is_some() => 0,
        _ => 1,
    });
    api.set_locked_confirm(state.confirm.is_some());
    api.set_locked_confirm_unlock(state.confirm == Some(true));
    api.set_locked_unlock(tr(l, "locked-unlock", &[]).into());
    api.set_locked_cancel(tr(l, "locked-cancel", &[]).into());
    api.set_locked_waiting(state.waiting);
    api.set_locked_pairing(state.pairing.is_some());
    if let Some(p) = &state.pairing {
        api.set_locked_code(p.user_code.clone().into());
        api.set_locked_code_spelled(app::paywall::spell_code(&p.user_code).into());
        api.set_locked_code_hint(
            tr(l, "locked-code-hint", &[("uri", p.uri.clone().into())]).into(),
        );
        let qr_text = p.uri_complete.as_deref().unwrap_or(&p.uri);
        api.set_locked_qr(view.models.qr(qr_text));
    }
    let message = app.locked_message();
    api.set_locked_message(message.into());
    let detail = if choices {
        tr(l, "locked-how", &[])
    } else {
        tr(l, "locked-unavailable", &[])
    };
    api.set_locked_detail(detail.into());
}

/// A QR code as an image: black modules on white with the quiet zone,
/// each module a whole number of pixels (drawn `pixelated`, it stays sharp).
pub fn qr_image(text: &str) -> Option<slint::Image> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let quiet = 4;
    let side = width + 2 * quiet;
    let scale = (440 / side).max(1);
    let px = side * scale;
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(px as u32, px as u32);
    let colors = code.to_colors();
    for (i, pixel) in buf.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % px / scale, i / px / scale);
        let dark = x >= quiet
            && y >= quiet
            && x < quiet + width
            && y < quiet + width
            && colors[(y - quiet) * width + (x - quiet)] == qrcode::Color::Dark;
        let v = if dark { 0 } else { 255 };
        *pixel = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(slint::Image::from_rgb8(buf))
}
