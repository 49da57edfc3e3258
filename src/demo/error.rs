//! What can go wrong making demo media.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("GStreamer: {0}")]
    Gst(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("fMP4 split of {path}: {reason}")]
    Fmp4 { path: PathBuf, reason: String },
}
