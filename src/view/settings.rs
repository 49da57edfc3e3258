//! The Settings screen (and the first-run one) into `SettingsPage`: each
//! row's name and value in the UI language, and the preview's frame (the
//! episode paused under Settings, else a poster) with a sample cue.

use super::posters::POSTER_WIDTH;
use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, VecModel};

use crate::app::screens::settings::{content_languages, setting_text, ui_languages};
use crate::app::{App, ScreenState};
use crate::i18n::tr;

use super::{PlayerPage, SettingData, SettingsPage, View, set_if, sync};

pub fn model(ui: &super::AppWindow) -> Rc<VecModel<SettingData>> {
    let model = Rc::new(VecModel::default());
    ui.global::<SettingsPage>()
        .set_rows(ModelRc::from(model.clone()));
    model
}

pub fn render(view: &mut View, app: &App) {
    let ctx = app.ctx();
    let (rows, focused, first_run) = match app.top() {
        ScreenState::Settings(s) => (s.rows(), s.focused_index(), false),
        ScreenState::Welcome(w) => (w.rows(), w.focused_index(), true),
        _ => return,
    };
    let s = app.settings();
    let (ui_langs, content_langs) = (ui_languages(), content_languages(ctx));
    let data: Vec<SettingData> = rows
        .iter()
        .map(|&row| {
            let (label, value) = match app.top() {
                ScreenState::Settings(screen) => screen.row_text(ctx, row),
                _ => setting_text(ctx, row),
            };
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
    sync(&view.models.settings_rows, data);
    let ui = view.ui.clone_strong();
    let page = ui.global::<SettingsPage>();
    set_if(page.get_focused(), focused as i32, |v| page.set_focused(v));
    set_if(page.get_first_run(), first_run, |v| page.set_first_run(v));
    let lang = ctx.lang();
    let line = super::subtitles::escape_markdown(&tr(lang, "preview-sample", &[]));
    let second = super::subtitles::escape_markdown(&tr(lang, "preview-sample-2", &[]));
    let styled = |md: &str| slint::StyledText::from_markdown(md).unwrap_or_default();
    page.set_sample(styled(&format!("{line}\n*{second}*")));
    page.set_sample_line(styled(&line));
    // Over the paused episode's frame when it is there, else a poster.
    let frame = ui.global::<PlayerPage>().get_video_frame();
    let frame = if app.player().is_some() && frame.size().width > 0 {
        frame
    } else {
        let poster = app.home().focused_series(ctx).or_else(|| {
            ctx.catalog()
                .and_then(|c| c.series.first())
                .filter(|_| app.player().is_none())
        });
        match poster {
            Some(series) => view.posters.get(series.poster.url_for(POSTER_WIDTH)),
            None => slint::Image::default(),
        }
    };
    page.set_frame(frame);
}
