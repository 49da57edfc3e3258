//! What every page shares, into `AppState`: the page on show, the
//! partner's name, colour and logo, the fixed texts in the UI language and
//! its direction and font, the viewer's text size, contrast and caption
//! look, the notice line, a colour key's note, a yes-or-no question.

use slint::{ComponentHandle, SharedString};

use crate::app::overlays::Overlay;
use crate::app::overlays::question::Choice;
use crate::app::settings::{CaptionStyle as Captions, Colour, Edge};
use crate::app::{App, ScreenState};
use crate::i18n::{self, tr};

use super::{AppState, CaptionEdge, CaptionStyle, Labels, Page, Question, View, set_if};

/// What was last set, to set again only on a change.
#[derive(Default)]
pub struct Memo {
    /// The language the labels were last set in.
    labels_lang: Option<String>,
}

pub fn render(view: &mut View, app: &App) {
    render_language(view, app);
    let ctx = app.ctx();
    let api = view.ui.global::<AppState>();
    let page = match (ctx.catalog(), app.top()) {
        (_, ScreenState::Settings(_) | ScreenState::Welcome(_)) => Page::Settings,
        (None, _) => Page::Loading,
        (_, ScreenState::Home(_)) => Page::Home,
        (_, ScreenState::Series(_)) => Page::Series,
        (_, ScreenState::Player(_)) => Page::Player,
        (_, ScreenState::Locked(_)) => Page::Locked,
    };
    set_if(api.get_page(), page, |v| api.set_page(v));
    let (failed, details_focused, detail) = match (&ctx.catalog_failed, app.top()) {
        (Some(why), ScreenState::Home(h)) if ctx.catalog().is_none() => (
            true,
            h.failure_details_focused(),
            if h.failure_details_shown {
                why.clone()
            } else {
                String::new()
            },
        ),
        _ => (false, false, String::new()),
    };
    set_if(api.get_catalog_failed(), failed, |v| {
        api.set_catalog_failed(v)
    });
    set_if(api.get_catalog_details_focused(), details_focused, |v| {
        api.set_catalog_details_focused(v)
    });
    set_if(api.get_catalog_detail(), detail.into(), |v| {
        api.set_catalog_detail(v)
    });
    set_if(
        api.get_notice(),
        ctx.notice.clone().unwrap_or_default().into(),
        |v| api.set_notice(v),
    );
    let question = match app.overlay() {
        Some(Overlay::Question(d)) => Some(d),
        _ => None,
    };
    set_if(api.get_question_shown(), question.is_some(), |v| {
        api.set_question_shown(v)
    });
    if let Some(d) = question {
        let t = d.texts(ctx);
        let texts = Question {
            title: t.title.into(),
            body: t.body.into(),
            keep: t.keep.into(),
            go: t.go.into(),
        };
        set_if(api.get_question(), texts, |v| api.set_question(v));
    }
    let go = question.is_some_and(|d| d.choice == Choice::Go);
    set_if(api.get_question_go_focused(), go, |v| {
        api.set_question_go_focused(v)
    });
    set_if(
        api.get_toast(),
        ctx.toast().unwrap_or_default().into(),
        |v| api.set_toast(v),
    );
    let Some(catalog) = ctx.catalog().cloned() else {
        return;
    };
    set_if(api.get_channel_name(), ctx.channel_name().into(), |v| {
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
        let img = view.posters.get(logo);
        api.set_logo(img);
    }
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
    let api = view.ui.global::<AppState>();
    let lang = app.lang();
    if view.models.chrome.labels_lang.as_deref() != Some(lang) {
        let t = |id: &str| -> SharedString { tr(lang, id, &[]).into() };
        api.set_labels(Labels {
            loading_programmes: t("loading-programmes"),
            catalog_failed: t("catalog-failed"),
            catalog_failed_hint: t("catalog-failed-hint"),
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
            retry: t("retry"),
            next_episode: t("next-episode"),
            details: t("details"),
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
        view.models.chrome.labels_lang = Some(lang.to_owned());
    }
    let s = app.settings();
    let caption = caption_look(&s.captions);
    set_if(api.get_caption(), caption, |v| api.set_caption(v));
    set_if(api.get_text_scale(), s.text_size as f32 / 100.0, |v| {
        api.set_text_scale(v)
    });
    set_if(api.get_high_contrast(), s.high_contrast, |v| {
        api.set_high_contrast(v)
    });
}

/// Subtitle text at 100 %, px on the 1920x1080 stage.
const CAPTION_PX: f32 = 40.0;
/// Above this size a cue may use the width beyond the picture.
const WIDE_FROM: u16 = 150;

fn caption_look(c: &Captions) -> CaptionStyle {
    let colour = |colour: Colour, opacity: u8| {
        let (r, g, b) = colour.rgb();
        slint::Color::from_argb_u8((opacity as u32 * 255 / 100) as u8, r, g, b)
    };
    CaptionStyle {
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
