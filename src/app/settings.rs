//! The viewer's settings: UI language, subtitles, audio language and how
//! subtitles look (the caption settings 47 CFR 79.103 asks of TV devices).
//! Kept in the state directory as `settings.json`; every value read back is
//! checked, since the file is outside input like any other.

use serde::{Deserialize, Serialize};

/// The file the settings are kept in, in the state directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// Subtitle size, percent of the normal size.
pub const SIZE_MIN: u16 = 50;
pub const SIZE_MAX: u16 = 250;
pub const SIZE_STEP: u16 = 25;
/// Opacity steps, percent.
const OPACITIES: &[u8] = &[0, 25, 50, 75, 100];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The UI language (BCP 47); None: the box's.
    pub language: Option<String>,
    pub subtitles: SubtitleMode,
    /// None: the UI language.
    pub subtitle_language: Option<String>,
    /// None: the UI language.
    pub audio_language: Option<String>,
    pub captions: CaptionStyle,
    pub spoken: SpokenUi,
    /// The whole UI's text, percent: 100, 125 or 150.
    pub text_size: u16,
    pub high_contrast: bool,
    /// Minutes without a key press, while an episode plays, before "Are
    /// you still watching?"; 0: never.
    pub still_watching_min: u16,
    /// The first-run screen was gone through.
    pub welcomed: bool,
    /// Share viewing data with the partner (docs/analytics.md); None: the
    /// viewer has not said, and the catalog's default stands (off unless
    /// the law where the partner is lets it be on).
    pub share_viewing: Option<bool>,
    /// Home plays a muted preview of the series the focus rests on; None:
    /// the viewer has not said, and previews are on unless the text is at
    /// its largest or the UI is read aloud (moving pictures behind large
    /// text or speech distract).
    pub previews: Option<bool>,
    /// How much data episodes may use (the highest rung the ABR may pick).
    pub data_use: DataUse,
    /// Episodes of each series being watched kept on the box ahead of
    /// need (0: none, and those kept go).
    pub keep_ahead: u8,
    /// The space kept episodes may take, GB; 0: automatic (the smaller of
    /// 2 GB and a tenth of the free space).
    pub keep_space_gb: u16,
    /// Fetch kept episodes only at night; None: as the catalog says.
    pub keep_at_night: Option<bool>,
    /// The box opens on the last drama channel watched, as a TV does.
    pub tv_mode: bool,
    /// The drama channel last tuned to (its id).
    pub last_channel: Option<String>,
    /// Kept in its own file (parental.json): read here only from the
    /// settings of older versions, to move it there.
    #[serde(skip_serializing)]
    pub parental: super::parental::Parental,
}

pub const TEXT_SIZES: &[u16] = &[100, 125, 150];

/// Settings' "Data use": what episodes may cost a metered connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataUse {
    /// Whatever the connection carries.
    #[default]
    Best,
    /// Variants up to [`SAVE_DATA_BPS`]: sharp on a TV, about a third of
    /// a full HD rung's data.
    Save,
    /// The ladder's lowest rung only.
    Least,
}

/// Settings' "Episodes kept ready" choices.
pub const KEEP_AHEAD: &[u8] = &[0, 1, 3, 5];
/// Settings' "Space for kept episodes" choices, GB (0: automatic).
pub const KEEP_SPACE_GB: &[u16] = &[0, 1, 2, 5, 10];

/// "Save data": the highest variant bandwidth played, bit/s.
pub const SAVE_DATA_BPS: u64 = 1_200_000;

impl DataUse {
    pub const ALL: [DataUse; 3] = [DataUse::Best, DataUse::Save, DataUse::Least];

    /// The highest variant bandwidth episodes may play, bit/s (the lowest
    /// rung always stays); None: any.
    pub fn max_bitrate(self) -> Option<u64> {
        match self {
            DataUse::Best => None,
            DataUse::Save => Some(SAVE_DATA_BPS),
            DataUse::Least => Some(1),
        }
    }

    pub fn message_id(self) -> &'static str {
        match self {
            DataUse::Best => "data-best",
            DataUse::Save => "data-save",
            DataUse::Least => "data-least",
        }
    }
}
/// "Are you still watching?" choices, minutes (0: never).
pub const STILL_WATCHING: &[u16] = &[0, 30, 60, 90, 120, 180];

/// The UI read aloud (espeak-ng): the focused item when focus moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpokenUi {
    pub on: bool,
    /// Percent of the normal speed.
    pub rate: u16,
    /// Percent.
    pub volume: u8,
}

impl Default for SpokenUi {
    fn default() -> SpokenUi {
        SpokenUi {
            on: false,
            rate: 100,
            volume: 100,
        }
    }
}

const RATES: &[u16] = &[60, 80, 100, 120, 140, 160];
const VOLUMES: &[u8] = &[25, 50, 75, 100];

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            language: None,
            subtitles: SubtitleMode::Auto,
            subtitle_language: None,
            audio_language: None,
            captions: CaptionStyle::default(),
            spoken: SpokenUi::default(),
            text_size: 100,
            high_contrast: false,
            still_watching_min: 90,
            welcomed: false,
            share_viewing: None,
            previews: None,
            data_use: DataUse::Best,
            keep_ahead: 3,
            keep_space_gb: 0,
            keep_at_night: None,
            tv_mode: false,
            last_channel: None,
            parental: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubtitleMode {
    /// Subtitles when the viewer does not understand the audio; forced
    /// subtitles always.
    Auto,
    /// Subtitles in the subtitle language whenever an episode has them.
    On,
    /// Forced subtitles only (signs, lines in another language).
    Off,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaptionStyle {
    /// Percent of the normal size, SIZE_MIN..=SIZE_MAX.
    pub size: u16,
    pub text: Colour,
    /// Percent.
    pub text_opacity: u8,
    pub background: Colour,
    pub background_opacity: u8,
    pub edge: Edge,
    pub font: Font,
}

impl Default for CaptionStyle {
    fn default() -> CaptionStyle {
        CaptionStyle {
            size: 100,
            text: Colour::White,
            text_opacity: 100,
            background: Colour::Black,
            background_opacity: 75,
            edge: Edge::None,
            font: Font::Sans,
        }
    }
}

/// The eight caption colours of CEA-708 and the FCC's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    White,
    Yellow,
    Green,
    Cyan,
    Blue,
    Magenta,
    Red,
    Black,
}

impl Colour {
    pub const ALL: [Colour; 8] = [
        Colour::White,
        Colour::Yellow,
        Colour::Green,
        Colour::Cyan,
        Colour::Blue,
        Colour::Magenta,
        Colour::Red,
        Colour::Black,
    ];
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Colour::White => (255, 255, 255),
            Colour::Yellow => (255, 255, 0),
            Colour::Green => (0, 255, 0),
            Colour::Cyan => (0, 255, 255),
            Colour::Blue => (0, 0, 255),
            Colour::Magenta => (255, 0, 255),
            Colour::Red => (255, 0, 0),
            Colour::Black => (0, 0, 0),
        }
    }
    pub fn message_id(self) -> &'static str {
        match self {
            Colour::White => "colour-white",
            Colour::Yellow => "colour-yellow",
            Colour::Green => "colour-green",
            Colour::Cyan => "colour-cyan",
            Colour::Blue => "colour-blue",
            Colour::Magenta => "colour-magenta",
            Colour::Red => "colour-red",
            Colour::Black => "colour-black",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    None,
    Raised,
    Depressed,
    Uniform,
    DropShadow,
}

impl Edge {
    pub const ALL: [Edge; 5] = [
        Edge::None,
        Edge::Raised,
        Edge::Depressed,
        Edge::Uniform,
        Edge::DropShadow,
    ];
    pub fn message_id(self) -> &'static str {
        match self {
            Edge::None => "edge-none",
            Edge::Raised => "edge-raised",
            Edge::Depressed => "edge-depressed",
            Edge::Uniform => "edge-uniform",
            Edge::DropShadow => "edge-drop-shadow",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Font {
    Sans,
    Serif,
    Mono,
}

impl Font {
    pub const ALL: [Font; 3] = [Font::Sans, Font::Serif, Font::Mono];
    pub fn message_id(self) -> &'static str {
        match self {
            Font::Sans => "font-sans",
            Font::Serif => "font-serif",
            Font::Mono => "font-mono",
        }
    }
    /// The font family (fonts-dejavu-core has all three; glyphs it lacks,
    /// CJK or Arabic, come from the fonts fontconfig falls back to).
    pub fn family(self) -> &'static str {
        match self {
            Font::Sans => "DejaVu Sans",
            Font::Serif => "DejaVu Serif",
            Font::Mono => "DejaVu Sans Mono",
        }
    }
}

/// The rows of the Settings screen, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingRow {
    Language,
    Subtitles,
    SubtitleLanguage,
    AudioLanguage,
    Size,
    TextColour,
    TextOpacity,
    BackgroundColour,
    BackgroundOpacity,
    Edge,
    Font,
    SpokenUi,
    SpeechRate,
    SpeechVolume,
    TextSize,
    HighContrast,
    StillWatching,
    /// "Share viewing data with <partner>": on or off.
    ShareViewing,
    /// "Previews on Home": on or off.
    Previews,
    /// "Data use": best quality, save data, least data.
    DataUse,
    /// "Data used this month": read only.
    DataUsed,
    /// "Episodes kept ready": none, 1, 3 or 5 per series.
    KeepAhead,
    /// "Fetch kept episodes": whenever the TV is idle, or at night only.
    KeepWhen,
    /// "Space for kept episodes": automatic or a size.
    KeepSpace,
    /// "Kept on this TV": read only.
    Kept,
    /// "Start in TV mode": on or off.
    TvMode,
    /// The first-run screen's last row: OK goes on to the programmes.
    Done,
    /// Parental control: the PIN, then the highest rating per system.
    ParentalPin,
    MaxRating(&'static str),
    /// The account this TV is signed in to: OK twice signs it out.
    Account,
    /// OK asks "Reset this box?" (the PIN first, if there is one).
    ResetBox,
}

/// The first-run screen: what an elderly viewer may need before anything.
pub const WELCOME: [SettingRow; 7] = [
    SettingRow::Language,
    SettingRow::TextSize,
    SettingRow::HighContrast,
    SettingRow::SpokenUi,
    SettingRow::ShareViewing,
    SettingRow::TvMode,
    SettingRow::Done,
];

impl SettingRow {
    pub const ALL: [SettingRow; 32] = [
        SettingRow::Language,
        SettingRow::Subtitles,
        SettingRow::SubtitleLanguage,
        SettingRow::AudioLanguage,
        SettingRow::Size,
        SettingRow::TextColour,
        SettingRow::TextOpacity,
        SettingRow::BackgroundColour,
        SettingRow::BackgroundOpacity,
        SettingRow::Edge,
        SettingRow::Font,
        SettingRow::SpokenUi,
        SettingRow::SpeechRate,
        SettingRow::SpeechVolume,
        SettingRow::TextSize,
        SettingRow::HighContrast,
        SettingRow::StillWatching,
        SettingRow::DataUse,
        SettingRow::DataUsed,
        SettingRow::KeepAhead,
        SettingRow::KeepWhen,
        SettingRow::KeepSpace,
        SettingRow::Kept,
        SettingRow::TvMode,
        SettingRow::Previews,
        SettingRow::ShareViewing,
        SettingRow::ParentalPin,
        SettingRow::MaxRating("us-tv"),
        SettingRow::MaxRating("mpaa"),
        SettingRow::MaxRating("kfcb"),
        SettingRow::Account,
        SettingRow::ResetBox,
    ];
    pub fn message_id(self) -> &'static str {
        match self {
            SettingRow::Language => "setting-language",
            SettingRow::Subtitles => "setting-subtitles",
            SettingRow::SubtitleLanguage => "setting-subtitle-language",
            SettingRow::AudioLanguage => "setting-audio-language",
            SettingRow::Size => "setting-caption-size",
            SettingRow::TextColour => "setting-text-colour",
            SettingRow::TextOpacity => "setting-text-opacity",
            SettingRow::BackgroundColour => "setting-background-colour",
            SettingRow::BackgroundOpacity => "setting-background-opacity",
            SettingRow::Edge => "setting-edge",
            SettingRow::Font => "setting-font",
            SettingRow::SpokenUi => "setting-spoken",
            SettingRow::SpeechRate => "setting-speech-rate",
            SettingRow::SpeechVolume => "setting-speech-volume",
            SettingRow::TextSize => "setting-text-size",
            SettingRow::HighContrast => "setting-high-contrast",
            SettingRow::StillWatching => "setting-still-watching",
            SettingRow::ShareViewing => "setting-share-viewing",
            SettingRow::Previews => "setting-previews",
            SettingRow::DataUse => "setting-data-use",
            SettingRow::DataUsed => "setting-data-used",
            SettingRow::KeepAhead => "setting-keep-ahead",
            SettingRow::KeepWhen => "setting-keep-when",
            SettingRow::KeepSpace => "setting-keep-space",
            SettingRow::Kept => "setting-kept",
            SettingRow::TvMode => "setting-tv-mode",
            SettingRow::Done => "welcome-done",
            SettingRow::ParentalPin => "setting-parental",
            SettingRow::MaxRating(_) => "setting-max-rating",
            SettingRow::Account => "setting-account",
            SettingRow::ResetBox => "setting-reset",
        }
    }
}

/// Steps `current` to the next (`step` > 0) or previous item of `all`,
/// stopping at the ends (a remote held down should not wrap around).
fn step_in<T: PartialEq + Clone>(all: &[T], current: &T, step: i32) -> T {
    let i = all.iter().position(|x| x == current).unwrap_or(0) as i32;
    let j = (i + step).clamp(0, all.len() as i32 - 1) as usize;
    all[j].clone()
}

impl Settings {
    /// Whether Home previews the focused series: never while saving data;
    /// else the viewer's choice, else on unless the text is at 150 % or the
    /// spoken UI is on.
    pub fn previews_on(&self) -> bool {
        self.data_use == DataUse::Best
            && self
                .previews
                .unwrap_or(self.text_size < 150 && !self.spoken.on)
    }

    /// What is out of range, each named with the values it may take (a QA
    /// scenario's `set` is refused with them; a file read back is
    /// corrected by [`checked`](Self::checked)).
    pub fn problems(&self) -> Vec<String> {
        let list = |v: &[String]| v.join(", ");
        let nums = |v: &[u16]| list(&v.iter().map(u16::to_string).collect::<Vec<_>>());
        let mut out = Vec::new();
        if let Some(l) = &self.language
            && crate::i18n::UI_LANGUAGES
                .iter()
                .all(|(t, _, _)| !t.eq_ignore_ascii_case(l))
        {
            let ui: Vec<String> = crate::i18n::UI_LANGUAGES
                .iter()
                .map(|(t, _, _)| t.to_string())
                .collect();
            out.push(format!("language: {l:?} is not one of {}", list(&ui)));
        }
        for (name, tag) in [
            ("subtitle_language", &self.subtitle_language),
            ("audio_language", &self.audio_language),
        ] {
            if let Some(t) = tag
                && !valid_tag(t)
            {
                out.push(format!(
                    "{name}: {t:?} is not a language tag (letters, digits and '-': \"es\", \"pt-BR\")"
                ));
            }
        }
        let c = &self.captions;
        if c.size < SIZE_MIN || c.size > SIZE_MAX || !(c.size - SIZE_MIN).is_multiple_of(SIZE_STEP)
        {
            out.push(format!(
                "captions.size: {} is not {SIZE_MIN} to {SIZE_MAX} in steps of {SIZE_STEP}",
                c.size
            ));
        }
        let opacities: Vec<String> = OPACITIES.iter().map(u8::to_string).collect();
        for (name, o, zero) in [
            ("captions.text_opacity", c.text_opacity, false),
            ("captions.background_opacity", c.background_opacity, true),
        ] {
            if !OPACITIES.contains(&o) || (o == 0 && !zero) {
                let allowed: Vec<String> = opacities
                    .iter()
                    .filter(|v| zero || v.as_str() != "0")
                    .cloned()
                    .collect();
                out.push(format!("{name}: {o} is not one of {}", list(&allowed)));
            }
        }
        if !RATES.contains(&self.spoken.rate) {
            out.push(format!(
                "spoken.rate: {} is not one of {}",
                self.spoken.rate,
                nums(RATES)
            ));
        }
        if !VOLUMES.contains(&self.spoken.volume) {
            let v: Vec<String> = VOLUMES.iter().map(u8::to_string).collect();
            out.push(format!(
                "spoken.volume: {} is not one of {}",
                self.spoken.volume,
                list(&v)
            ));
        }
        if !STILL_WATCHING.contains(&self.still_watching_min) {
            out.push(format!(
                "still_watching_min: {} is not one of {}",
                self.still_watching_min,
                nums(STILL_WATCHING)
            ));
        }
        if !KEEP_AHEAD.contains(&self.keep_ahead) {
            let v: Vec<String> = KEEP_AHEAD.iter().map(u8::to_string).collect();
            out.push(format!(
                "keep_ahead: {} is not one of {}",
                self.keep_ahead,
                list(&v)
            ));
        }
        if !KEEP_SPACE_GB.contains(&self.keep_space_gb) {
            out.push(format!(
                "keep_space_gb: {} is not one of {}",
                self.keep_space_gb,
                nums(KEEP_SPACE_GB)
            ));
        }
        if !TEXT_SIZES.contains(&self.text_size) {
            out.push(format!(
                "text_size: {} is not one of {}",
                self.text_size,
                nums(TEXT_SIZES)
            ));
        }
        let mut parental = self.parental.clone();
        out.extend(parental.checked());
        out
    }

    /// The settings with every value read from the file made valid: sizes
    /// and opacities to their steps and ranges, language tags that are not
    /// BCP 47-shaped dropped. Returns what was changed, to log.
    pub fn checked(mut self) -> (Settings, Vec<String>) {
        let mut fixed = Vec::new();
        for (name, tag) in [
            ("language", &mut self.language),
            ("subtitle_language", &mut self.subtitle_language),
            ("audio_language", &mut self.audio_language),
        ] {
            if let Some(t) = tag
                && !valid_tag(t)
            {
                fixed.push(format!("{name}: {t:?} is not a language tag"));
                *tag = None;
            }
        }
        let c = &mut self.captions;
        let size = c.size.clamp(SIZE_MIN, SIZE_MAX);
        let size = SIZE_MIN + (size - SIZE_MIN + SIZE_STEP / 2) / SIZE_STEP * SIZE_STEP;
        if size != c.size {
            fixed.push(format!("captions.size: {} is now {size}", c.size));
            c.size = size;
        }
        for (name, o) in [
            ("captions.text_opacity", &mut c.text_opacity),
            ("captions.background_opacity", &mut c.background_opacity),
        ] {
            let nearest = *OPACITIES
                .iter()
                .min_by_key(|v| (**v as i32 - *o as i32).abs())
                .unwrap_or(&100);
            if nearest != *o {
                fixed.push(format!("{name}: {o} is now {nearest}"));
                *o = nearest;
            }
        }
        // Text nobody can see is not a choice a viewer makes on purpose.
        if c.text_opacity == 0 {
            fixed.push("captions.text_opacity: 0 is now 100".into());
            c.text_opacity = 100;
        }
        if !KEEP_AHEAD.contains(&self.keep_ahead) {
            fixed.push(format!("keep_ahead: {} is now 3", self.keep_ahead));
            self.keep_ahead = 3;
        }
        if !KEEP_SPACE_GB.contains(&self.keep_space_gb) {
            fixed.push(format!(
                "keep_space_gb: {} is now automatic",
                self.keep_space_gb
            ));
            self.keep_space_gb = 0;
        }
        let sp = &mut self.spoken;
        if !RATES.contains(&sp.rate) {
            fixed.push(format!("spoken.rate: {} is now 100", sp.rate));
            sp.rate = 100;
        }
        if !VOLUMES.contains(&sp.volume) {
            fixed.push(format!("spoken.volume: {} is now 100", sp.volume));
            sp.volume = 100;
        }
        if !STILL_WATCHING.contains(&self.still_watching_min) {
            fixed.push(format!(
                "still_watching_min: {} is now 90",
                self.still_watching_min
            ));
            self.still_watching_min = 90;
        }
        if !TEXT_SIZES.contains(&self.text_size) {
            fixed.push(format!("text_size: {} is now 100", self.text_size));
            self.text_size = 100;
        }
        fixed.extend(self.parental.checked());
        (self, fixed)
    }

    /// Changes the value of `row` one step; `languages` are the choices of
    /// the language rows after Automatic (None).
    pub fn step(
        &mut self,
        row: SettingRow,
        step: i32,
        ui_languages: &[String],
        languages: &[String],
    ) {
        let lang_step = |current: &Option<String>, all: &[String]| {
            let mut choices: Vec<Option<String>> = vec![None];
            choices.extend(all.iter().cloned().map(Some));
            step_in(&choices, current, step)
        };
        let c = &mut self.captions;
        match row {
            SettingRow::Language => self.language = lang_step(&self.language, ui_languages),
            SettingRow::SubtitleLanguage => {
                self.subtitle_language = lang_step(&self.subtitle_language, languages)
            }
            SettingRow::AudioLanguage => {
                self.audio_language = lang_step(&self.audio_language, languages)
            }
            SettingRow::Subtitles => {
                let all = [SubtitleMode::Auto, SubtitleMode::On, SubtitleMode::Off];
                self.subtitles = step_in(&all, &self.subtitles, step);
            }
            SettingRow::Size => {
                let sizes: Vec<u16> = (SIZE_MIN..=SIZE_MAX).step_by(SIZE_STEP as usize).collect();
                c.size = step_in(&sizes, &c.size, step);
            }
            SettingRow::TextColour => c.text = step_in(&Colour::ALL, &c.text, step),
            SettingRow::BackgroundColour => {
                c.background = step_in(&Colour::ALL, &c.background, step)
            }
            SettingRow::TextOpacity => {
                c.text_opacity = step_in(&OPACITIES[1..], &c.text_opacity, step)
            }
            SettingRow::BackgroundOpacity => {
                c.background_opacity = step_in(OPACITIES, &c.background_opacity, step)
            }
            SettingRow::Edge => c.edge = step_in(&Edge::ALL, &c.edge, step),
            SettingRow::Font => c.font = step_in(&Font::ALL, &c.font, step),
            SettingRow::MaxRating(system) => self.parental.step_limit(system, step),
            SettingRow::SpokenUi => self.spoken.on = step_in(&[false, true], &self.spoken.on, step),
            SettingRow::SpeechRate => self.spoken.rate = step_in(RATES, &self.spoken.rate, step),
            SettingRow::SpeechVolume => {
                self.spoken.volume = step_in(VOLUMES, &self.spoken.volume, step)
            }
            SettingRow::TextSize => self.text_size = step_in(TEXT_SIZES, &self.text_size, step),
            SettingRow::HighContrast => {
                self.high_contrast = step_in(&[false, true], &self.high_contrast, step)
            }
            SettingRow::StillWatching => {
                self.still_watching_min = step_in(STILL_WATCHING, &self.still_watching_min, step)
            }
            // While data is saved previews stay off: the row says so.
            SettingRow::Previews if self.data_use != DataUse::Best => {}
            SettingRow::Previews => self.previews = Some(!self.previews_on()),
            SettingRow::DataUse => self.data_use = step_in(&DataUse::ALL, &self.data_use, step),
            SettingRow::KeepAhead => self.keep_ahead = step_in(KEEP_AHEAD, &self.keep_ahead, step),
            SettingRow::KeepSpace => {
                self.keep_space_gb = step_in(KEEP_SPACE_GB, &self.keep_space_gb, step)
            }
            // Toggled by the Settings screen, which knows the catalog's default.
            SettingRow::KeepWhen => {}
            SettingRow::TvMode => self.tv_mode = step_in(&[false, true], &self.tv_mode, step),
            SettingRow::DataUsed | SettingRow::Kept => {}
            SettingRow::Done => {}
            // Set and cleared through the PIN dialog (App); the account
            // is signed out by the Settings screen.
            SettingRow::ParentalPin
            | SettingRow::Account
            | SettingRow::ResetBox
            | SettingRow::ShareViewing => {}
        }
    }
}

/// A BCP 47-shaped tag: letters, digits and hyphens, at most 35 characters.
pub fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_the_file_are_checked() {
        let json = r#"{"language": "../../etc/passwd", "audio_language": "es-MX",
            "captions": {"size": 9999, "text_opacity": 0, "background_opacity": 61}}"#;
        let read: Settings = serde_json::from_str(json).unwrap();
        let (s, fixed) = read.checked();
        assert_eq!(s.language, None);
        assert_eq!(s.audio_language.as_deref(), Some("es-MX"));
        assert_eq!(s.captions.size, SIZE_MAX);
        assert_eq!(s.captions.text_opacity, 100);
        assert_eq!(s.captions.background_opacity, 50);
        assert_eq!(s.subtitles, SubtitleMode::Auto);
        assert_eq!(fixed.len(), 4, "{fixed:?}");
        let (s, fixed) = Settings {
            captions: CaptionStyle {
                size: 60,
                ..CaptionStyle::default()
            },
            ..Settings::default()
        }
        .checked();
        assert_eq!((s.captions.size, fixed.len()), (50, 1));
        assert!(Settings::default().checked().1.is_empty());
        // An unknown colour is a parse error: the store sets the file aside.
        assert!(serde_json::from_str::<Settings>(r#"{"captions": {"text": "plaid"}}"#).is_err());
    }

    #[test]
    fn stepping_stops_at_the_ends() {
        let mut s = Settings::default();
        let ui: Vec<String> = ["en", "zh"].map(String::from).to_vec();
        for _ in 0..20 {
            s.step(SettingRow::Size, 1, &ui, &ui);
        }
        assert_eq!(s.captions.size, SIZE_MAX);
        for _ in 0..20 {
            s.step(SettingRow::Size, -1, &ui, &ui);
        }
        assert_eq!(s.captions.size, SIZE_MIN);
        s.step(SettingRow::Language, 1, &ui, &ui);
        assert_eq!(s.language.as_deref(), Some("en"));
        s.step(SettingRow::Language, 1, &ui, &ui);
        s.step(SettingRow::Language, 1, &ui, &ui);
        assert_eq!(s.language.as_deref(), Some("zh"));
        s.step(SettingRow::Language, -5, &ui, &ui);
        assert_eq!(s.language, None);
        // Text opacity never reaches 0.
        for _ in 0..9 {
            s.step(SettingRow::TextOpacity, -1, &ui, &ui);
        }
        assert_eq!(s.captions.text_opacity, 25);
        s.step(SettingRow::Edge, 1, &ui, &ui);
        assert_eq!(s.captions.edge, Edge::Raised);
    }
}
