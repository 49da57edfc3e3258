//! The Settings screen: a list the remote walks with Up/Down, each value
//! changed with Left/Right and applied at once. Opened over any screen
//! (the red key); an episode playing under it pauses, and picks up again
//! (in the new dub, if the audio language changed) when Settings closes.
//! The parental rows need the PIN first.

use crate::i18n::tr;
use crate::input::Action;

use super::Nav;
use crate::app::Command;
use crate::app::context::Ctx;
use crate::app::overlays::pin::PinPurpose;
use crate::app::settings::{SettingRow, Settings, SubtitleMode};

/// What the Settings screen was opened over, to put back on leaving.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsVisit {
    /// The episode on screen was playing (it pauses under Settings).
    pub resume: bool,
    pub audio_language: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SettingsScreen {
    row: usize,
    pub(crate) visit: Option<SettingsVisit>,
    /// The PIN was given in this visit: the parental rows take changes.
    pub(crate) parental_open: bool,
    /// OK was pressed once on the account row: once more signs out.
    pub(crate) sign_out_armed: bool,
}

impl SettingsScreen {
    pub fn new(visit: Option<SettingsVisit>) -> SettingsScreen {
        SettingsScreen {
            row: 0,
            visit,
            parental_open: false,
            sign_out_armed: false,
        }
    }

    pub fn rows(&self) -> &'static [SettingRow] {
        &SettingRow::ALL
    }

    /// The focused row.
    pub fn row(&self) -> SettingRow {
        SettingRow::ALL[self.row.min(SettingRow::ALL.len() - 1)]
    }

    pub fn focused_index(&self) -> usize {
        self.row.min(SettingRow::ALL.len() - 1)
    }

    /// Whether the parental rows take changes now (no PIN, or it was given
    /// in this visit).
    pub fn parental_open(&self, ctx: &Ctx) -> bool {
        self.parental_open || !ctx.settings.parental.on()
    }

    pub fn on_action(&mut self, ctx: &mut Ctx, action: Action, out: &mut Vec<Command>) -> Nav {
        let rows = SettingRow::ALL.len();
        if !(action == Action::Ok && self.row() == SettingRow::Account) {
            self.sign_out_armed = false;
        }
        match action {
            Action::Up => self.row = self.row.saturating_sub(1),
            Action::Down => self.row = (self.row + 1).min(rows - 1),
            Action::Ok if self.row() == SettingRow::ResetBox => {
                // The reset takes the PIN away too: a child must not get
                // past parental control by resetting the box.
                return if self.parental_open(ctx) {
                    Nav::AskReset
                } else {
                    Nav::AskPin(PinPurpose::ResetBox)
                };
            }
            Action::Left | Action::Right | Action::Ok
                if matches!(
                    self.row(),
                    SettingRow::ParentalPin | SettingRow::MaxRating(_)
                ) && !self.parental_open(ctx) =>
            {
                // Parental control is on: its rows need the PIN first.
                return Nav::AskPin(PinPurpose::OpenSettings);
            }
            Action::Left | Action::Right | Action::Ok if self.row() == SettingRow::ParentalPin => {
                if ctx.settings.parental.on() {
                    ctx.settings.parental.pin = None;
                    out.push(Command::SaveSettings(ctx.settings.clone()));
                } else {
                    return Nav::AskPin(PinPurpose::Choose);
                }
            }
            Action::Ok if self.row() == SettingRow::Account && ctx.paired => {
                if self.sign_out_armed {
                    self.sign_out_armed = false;
                    ctx.sign_out(out);
                } else {
                    self.sign_out_armed = true;
                }
            }
            Action::Left | Action::Right | Action::Ok => step(ctx, self.row(), action, out),
            Action::Back | Action::Red => return Nav::Back,
            _ => {}
        }
        Nav::Stay
    }

    pub fn describe(&self, ctx: &Ctx) -> String {
        let (label, value) = self.row_text(ctx, self.row());
        crate::app::context::join(&[label, value])
    }

    /// A row's name and value as this screen shows them (the account row
    /// asks again before it signs out).
    pub fn row_text(&self, ctx: &Ctx, row: SettingRow) -> (String, String) {
        let (label, value) = setting_text(ctx, row);
        if row == SettingRow::Account && self.sign_out_armed && ctx.paired {
            return (label, tr(ctx.lang(), "account-confirm", &[]));
        }
        (label, value)
    }
}

/// Changes `row` one step the way `action` goes: Right and OK forward; in a
/// right-to-left UI, Left does.
pub(crate) fn step(ctx: &mut Ctx, row: SettingRow, action: Action, out: &mut Vec<Command>) {
    let forward = match action {
        Action::Left => crate::i18n::is_rtl(ctx.lang()),
        Action::Right => !crate::i18n::is_rtl(ctx.lang()),
        _ => true,
    };
    let (ui, content) = (ui_languages(), content_languages(ctx));
    let before = ctx.settings.clone();
    let languages = ctx.languages_command();
    if row == SettingRow::ShareViewing {
        // On or off, whichever way: the viewer's own choice from now on.
        ctx.settings.share_viewing = Some(!ctx.sharing());
    }
    if row == SettingRow::KeepWhen {
        ctx.settings.keep_at_night = Some(!ctx.keep_at_night());
    }
    ctx.settings
        .step(row, if forward { 1 } else { -1 }, &ui, &content);
    if ctx.settings != before {
        settings_changed(ctx, &before, languages, out);
    }
}

/// Settings changed: saved, and what applies at once applied (language,
/// subtitles); the audio language applies on leaving.
pub(crate) fn settings_changed(
    ctx: &mut Ctx,
    before: &Settings,
    languages: Command,
    out: &mut Vec<Command>,
) {
    out.push(Command::SaveSettings(ctx.settings.clone()));
    if ctx.settings.language != before.language {
        ctx.language_changed();
    }
    record_settings(ctx, before);
    let now = ctx.languages_command();
    if now != languages {
        out.push(now);
    }
}

/// The settings that matter to a partner, as insight events when they
/// changed (what the viewer allows of them goes).
fn record_settings(ctx: &mut Ctx, before: &Settings) {
    let s = ctx.settings.clone();
    let lang = |t: &Option<String>| t.clone().unwrap_or_else(|| "auto".into());
    let changes = [
        ("language", s.language != before.language, lang(&s.language)),
        (
            "subtitles",
            s.subtitles != before.subtitles,
            format!("{:?}", s.subtitles).to_lowercase(),
        ),
        (
            "subtitle_language",
            s.subtitle_language != before.subtitle_language,
            lang(&s.subtitle_language),
        ),
        (
            "audio_language",
            s.audio_language != before.audio_language,
            lang(&s.audio_language),
        ),
        (
            "text_size",
            s.text_size != before.text_size,
            s.text_size.to_string(),
        ),
        (
            "spoken_ui",
            s.spoken.on != before.spoken.on,
            s.spoken.on.to_string(),
        ),
        (
            "high_contrast",
            s.high_contrast != before.high_contrast,
            s.high_contrast.to_string(),
        ),
    ];
    for (name, changed, value) in changes {
        if changed {
            ctx.record(crate::insight::ViewEvent::Setting { name, value });
        }
    }
}

/// The UI languages offered in Settings.
pub fn ui_languages() -> Vec<String> {
    crate::i18n::UI_LANGUAGES
        .iter()
        .map(|(t, _, _)| t.to_string())
        .collect()
}

/// The languages offered for subtitles and audio: the UI languages, then
/// those the catalog's episodes have (at most 32 in all).
pub fn content_languages(ctx: &Ctx) -> Vec<String> {
    let mut all = ui_languages();
    if let Some(c) = ctx.catalog() {
        let tags = c.series.iter().flat_map(|s| {
            s.languages
                .audio
                .iter()
                .chain(s.episodes.iter().flat_map(|e| {
                    e.audio_languages
                        .iter()
                        .chain(e.subtitles.iter().map(|t| &t.language))
                }))
        });
        for t in tags {
            if all.len() >= 32 {
                break;
            }
            if crate::app::settings::valid_tag(t) && !all.iter().any(|a| a.eq_ignore_ascii_case(t))
            {
                all.push(t.clone());
            }
        }
    }
    all
}

/// A Settings row's name and value, in the UI language.
pub fn setting_text(ctx: &Ctx, row: SettingRow) -> (String, String) {
    use SettingRow as Row;
    let lang = ctx.lang();
    let s = &ctx.settings;
    let c = &s.captions;
    let language = |chosen: &Option<String>, auto: &str| match chosen {
        Some(t) => crate::i18n::language_name(t),
        None => {
            let name = crate::i18n::language_name(auto);
            tr(lang, "automatic", &[("language", name.into())])
        }
    };
    let percent = |v: u16| format!("{v} %");
    let on_off = |on: bool| tr(lang, if on { "parental-on" } else { "parental-off" }, &[]);
    let value = match row {
        Row::Language => language(&s.language, &ctx.box_lang),
        Row::Subtitles => tr(
            lang,
            match s.subtitles {
                SubtitleMode::Auto => "subtitles-auto",
                SubtitleMode::On => "subtitles-on",
                SubtitleMode::Off => "subtitles-off",
            },
            &[],
        ),
        Row::SubtitleLanguage => language(&s.subtitle_language, lang),
        Row::AudioLanguage => language(&s.audio_language, lang),
        Row::Size => percent(c.size),
        Row::TextColour => tr(lang, c.text.message_id(), &[]),
        Row::TextOpacity => percent(c.text_opacity.into()),
        Row::BackgroundColour => tr(lang, c.background.message_id(), &[]),
        Row::BackgroundOpacity => percent(c.background_opacity.into()),
        Row::Edge => tr(lang, c.edge.message_id(), &[]),
        Row::Font => tr(lang, c.font.message_id(), &[]),
        Row::SpokenUi => on_off(s.spoken.on),
        Row::SpeechRate => percent(s.spoken.rate),
        Row::SpeechVolume => percent(s.spoken.volume.into()),
        Row::TextSize => percent(s.text_size),
        Row::HighContrast => on_off(s.high_contrast),
        Row::ShareViewing => on_off(ctx.sharing()),
        Row::Previews if s.data_use != crate::app::settings::DataUse::Best => {
            tr(lang, "previews-off-saving", &[])
        }
        Row::Previews => on_off(s.previews_on()),
        Row::DataUse => tr(lang, s.data_use.message_id(), &[]),
        Row::DataUsed => data_amount(lang, ctx.data_used.unwrap_or(0)),
        Row::KeepAhead => match s.keep_ahead {
            0 => tr(lang, "keep-off", &[]),
            n => tr(lang, "keep-per-series", &[("count", n.into())]),
        },
        Row::KeepWhen if ctx.keep_at_night() => {
            let (from, to) = ctx.night_hours();
            tr(
                lang,
                "keep-at-night",
                &[("from", from.into()), ("to", to.into())],
            )
        }
        Row::KeepWhen => tr(lang, "keep-when-idle", &[]),
        Row::TvMode => on_off(s.tv_mode),
        Row::KeepSpace => match s.keep_space_gb {
            0 => tr(lang, "keep-space-auto", &[]),
            gb => data_amount(lang, u64::from(gb) * 1_000_000_000),
        },
        Row::Kept => {
            let bytes = ctx.stored.values().map(|k| k.bytes).sum();
            tr(
                lang,
                "kept-amount",
                &[
                    ("count", ctx.stored.len().into()),
                    ("amount", data_amount(lang, bytes).into()),
                ],
            )
        }
        Row::StillWatching => match s.still_watching_min {
            0 => tr(lang, "never", &[]),
            m => tr(lang, "after-minutes", &[("minutes", m.into())]),
        },
        Row::Done => String::new(),
        Row::ParentalPin => on_off(s.parental.on()),
        Row::MaxRating(system) => match s.parental.max.get(system) {
            Some(v) => v.clone(),
            None => tr(lang, "no-limit", &[]),
        },
        Row::Account if ctx.paired => tr(lang, "account-signed-in", &[]),
        Row::Account => tr(lang, "account-none", &[]),
        Row::ResetBox => tr(lang, "reset-value", &[]),
    };
    let label = match row {
        Row::MaxRating(system) => {
            let name = match system {
                "us-tv" => "US TV",
                "mpaa" => "MPA",
                "kfcb" => "KFCB",
                other => other,
            };
            tr(lang, row.message_id(), &[("system", name.into())])
        }
        Row::ShareViewing => match ctx.channel_name() {
            name if name.is_empty() => tr(lang, "setting-share-viewing-any", &[]),
            name => tr(lang, row.message_id(), &[("name", name.into())]),
        },
        _ => tr(lang, row.message_id(), &[]),
    };
    (label, value)
}

/// An amount of data as a viewer reads it: "350 MB", "1.2 GB" ("1,2 GB"
/// where the comma is the decimal sign).
pub fn data_amount(lang: &str, bytes: u64) -> String {
    const MB: u64 = 1_000_000;
    if bytes < 1_000 * MB {
        let mb = bytes.div_ceil(MB);
        return tr(lang, "data-mb", &[("amount", mb.to_string().into())]);
    }
    let tenths = bytes.saturating_add(50 * MB) / (100 * MB);
    let comma = matches!(lang.split('-').next(), Some("es"));
    let amount = format!(
        "{}{}{}",
        tenths / 10,
        if comma { ',' } else { '.' },
        tenths % 10
    );
    tr(lang, "data-gb", &[("amount", amount.into())])
}
