//! The catalog's subtitle files for the TV's effects: fetched for the
//! episode playing and the one preloaded, kept parsed for a few episodes,
//! and reported for the episode that asked.

use std::collections::VecDeque;

use crate::app::subtitles::{LoadedSubtitles, SubtitleSource};
use crate::app::{Event, Playback};
use crate::catalog::model::SubtitleTrack;
use crate::episode::EpisodeId;

use super::loaders::{SubtitleFile, SubtitleLoader};

/// Subtitle files kept parsed (the one playing, the next one, a few back).
const SUBTITLES_KEPT: usize = 8;

/// The catalog's subtitle files: fetched for the episode playing and the
/// one preloaded, kept parsed for a few episodes, and reported for the
/// episode that asked.
pub(super) struct SubtitleFiles {
    loader: SubtitleLoader,
    /// Files by URL, oldest first: `None` while being fetched.
    files: VecDeque<(String, Option<SubtitleFile>)>,
    /// The episode on screen and the file it shows.
    wanted: Option<(EpisodeId, SubtitleTrack)>,
}

impl SubtitleFiles {
    pub(super) fn new(loader: SubtitleLoader) -> SubtitleFiles {
        SubtitleFiles {
            loader,
            files: VecDeque::new(),
            wanted: None,
        }
    }

    /// The file at `url`: fetched if new, `None` until it is loaded.
    pub(super) fn get(&mut self, url: &str) -> Option<SubtitleFile> {
        if let Some((_, f)) = self.files.iter().find(|(u, _)| u == url) {
            return f.clone();
        }
        self.loader.request(url);
        self.files.push_back((url.to_owned(), None));
        while self.files.len() > SUBTITLES_KEPT {
            self.files.pop_front();
        }
        None
    }

    /// Episode `id` shows `track`: its file as an event, if loaded.
    pub(super) fn want(&mut self, id: EpisodeId, track: Option<SubtitleTrack>) -> Option<Event> {
        self.wanted = track.map(|t| (id, t));
        let (id, track) = self.wanted.clone()?;
        let file = self.get(&track.url)?;
        Some(loaded(id, &track, file))
    }

    /// No episode is on screen: a file that comes is only kept.
    pub(super) fn none_shown(&mut self) {
        self.wanted = None;
    }

    /// A file came: an event if the episode on screen shows it.
    pub(super) fn arrived(&mut self, url: &str, file: SubtitleFile) -> Option<Event> {
        match self.files.iter_mut().find(|(u, _)| u == url) {
            Some(entry) => entry.1 = Some(file.clone()),
            None => self.files.push_back((url.to_owned(), Some(file.clone()))),
        }
        let (id, track) = self.wanted.clone().filter(|(_, t)| t.url == url)?;
        Some(loaded(id, &track, file))
    }
}

fn loaded(id: EpisodeId, track: &SubtitleTrack, file: SubtitleFile) -> Event {
    Event::Playback {
        id,
        report: Playback::Subtitles(LoadedSubtitles {
            source: SubtitleSource::Sidecar,
            language: Some(track.language.clone()),
            forced: track.kind == crate::catalog::model::SubtitleKind::Forced,
            track: file,
        }),
    }
}
