//! One id for an episode started for the viewer, everywhere: the app core
//! gives it to the play command, the player runs the episode under it
//! (a preloaded episode takes the id of the play that activates it), its
//! reports and frames carry it, and whoever listens drops what carries an
//! id that is no longer on screen. Ids only grow: a later play has a
//! larger id.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct EpisodeId(pub u64);

impl EpisodeId {
    /// The id after this one.
    pub fn next(self) -> EpisodeId {
        EpisodeId(self.0.wrapping_add(1))
    }
}

impl std::fmt::Display for EpisodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
