//! Which subtitles an episode shows: the catalog's files chosen by the
//! viewer's language and mode, and what came with the stream.

use std::sync::Arc;

use crate::catalog::model::{Episode, Series, SubtitleKind, SubtitleTrack};
use crate::language::same_language;

use super::settings::SubtitleMode;

/// What a viewer wants of subtitles.
#[derive(Debug, Clone, Copy)]
pub struct SubtitlePrefs<'a> {
    /// The viewer's (UI) language: the audio is understood in it.
    pub viewer: &'a str,
    /// The language subtitles are wanted in.
    pub language: &'a str,
    pub mode: SubtitleMode,
}

/// Where an episode's subtitles came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubtitleSource {
    /// A WebVTT file the catalog names (fetched by the shell).
    Sidecar,
    /// The stream's own rendition (an HLS `EXT-X-MEDIA` subtitle group).
    Stream,
}

/// Subtitles loaded for the episode on screen: their language and cues, or
/// why they cannot be shown.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSubtitles {
    pub source: SubtitleSource,
    pub language: Option<String>,
    /// Meant for every viewer (signs, lines in another language).
    pub forced: bool,
    pub track: Result<Arc<crate::webvtt::Track>, crate::webvtt::TrackError>,
}

/// The subtitles to show with `episode` of `series`: with the mode Auto,
/// when the viewer understands the audio only forced subtitles (signs,
/// foreign lines), otherwise subtitles in the wanted language, else
/// captions; On: those whatever the audio; Off: forced ones only. An exact
/// tag beats a primary-language match.
pub fn subtitles_for<'a>(
    series: &Series,
    episode: &'a Episode,
    prefs: &SubtitlePrefs<'_>,
) -> Option<&'a SubtitleTrack> {
    let full = match prefs.mode {
        SubtitleMode::On => true,
        SubtitleMode::Off => false,
        SubtitleMode::Auto => !understands_audio(series, episode, prefs.viewer),
    };
    let kinds: &[SubtitleKind] = if full {
        &[SubtitleKind::Subtitles, SubtitleKind::Captions]
    } else {
        &[SubtitleKind::Forced]
    };
    kinds.iter().find_map(|kind| {
        let of_kind = episode.subtitles.iter().filter(move |t| t.kind == *kind);
        crate::language::best_match(of_kind, |t| Some(t.language.as_str()), prefs.language)
    })
}

/// Whether a viewer whose language is `lang` understands the audio of
/// `episode`: its `audio_languages`, else the series'.
pub fn understands_audio(series: &Series, episode: &Episode, lang: &str) -> bool {
    let audio = if episode.audio_languages.is_empty() {
        &series.languages.audio
    } else {
        &episode.audio_languages
    };
    audio.iter().any(|a| same_language(a, lang))
}
