//! "Reset this box" on disk: the viewer's files in the state directory
//! go, and a power cut halfway cannot leave half of them. A marker is
//! written (atomically) first and removed last; a box that starts with the
//! marker there finishes the reset before it reads anything.
//!
//! What stays is the box's, not the viewer's: the catalog's last good copy
//! (`catalog/`) and its rollback floors (`catalog-floors.json`), the latest
//! time the box knows has passed (`clock-floor.json`), an integrator's
//! `keymap.toml`.

use std::path::Path;

use crate::store::write_atomic;

/// Written before the first file goes, removed after the last.
pub const RESET_MARKER: &str = "reset-pending";

/// Every file the box keeps about the viewer. A file the app adds later
/// that holds anything of the viewer's belongs here (the reset test checks
/// what is left after a paired, rewarded, parental-controlled run).
pub const VIEWER_FILES: &[&str] = &[
    crate::app::history::HISTORY_FILE,
    crate::app::settings::SETTINGS_FILE,
    crate::app::parental::PARENTAL_FILE,
    crate::app::ad_break::AD_LEDGER_FILE,
    crate::unlock::TOKEN_FILE,
    crate::unlock::ENTITLEMENTS_FILE,
    crate::unlock::DEVICE_ENTITLEMENTS_FILE,
    crate::unlock::DEVICE_FILE,
    crate::unlock::PURCHASES_FILE,
    crate::unlock::PROGRESS_FILE,
    crate::insight::DEVICE_FILE,
    crate::insight::outbox::QUEUE_FILE,
];

/// Why a reset could not finish (the marker stays: the next start tries
/// again).
#[derive(Debug, thiserror::Error)]
#[error("cannot {what} in {}", dir.display())]
pub struct ResetError {
    what: String,
    dir: std::path::PathBuf,
    #[source]
    source: std::io::Error,
}

/// Forgets the viewer's files in `dir`: the marker, the files (and the
/// copies of them set aside as unreadable, `NAME.bad`, and temporary files
/// a crash mid-write left), then the marker goes.
pub fn forget_viewer(dir: &Path) -> Result<(), ResetError> {
    let err = |what: String| {
        move |source| ResetError {
            what,
            dir: dir.to_owned(),
            source,
        }
    };
    write_atomic(
        dir,
        RESET_MARKER,
        chrono::Utc::now().to_rfc3339().as_bytes(),
    )
    .map_err(err("write the reset marker".into()))?;
    let mut names: Vec<String> = VIEWER_FILES
        .iter()
        .flat_map(|f| [f.to_string(), format!("{f}.bad")])
        .collect();
    // Temporary files of atomic writes cut short (tempfile's ".tmp"
    // prefix): they may hold a copy of any of the above.
    let entries = std::fs::read_dir(dir).map_err(err("list the state directory".into()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".tmp") && entry.file_type().is_ok_and(|t| t.is_file()) {
            names.push(name);
        }
    }
    for name in names {
        match std::fs::remove_file(dir.join(&name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(format!("remove {name}"))(e)),
        }
    }
    sync_dir(dir).map_err(err("sync the state directory".into()))?;
    std::fs::remove_file(dir.join(RESET_MARKER)).map_err(err("remove the reset marker".into()))?;
    sync_dir(dir).map_err(err("sync the state directory".into()))
}

/// At start: a reset the box was doing when it lost power is finished
/// before anything is read.
pub fn finish_pending(dir: &Path) {
    if !dir.join(RESET_MARKER).exists() {
        return;
    }
    tracing::warn!(dir = %dir.display(), "a reset was cut short; finishing it");
    if let Err(e) = forget_viewer(dir) {
        tracing::error!(error = %e, "cannot finish the reset");
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_viewers_files_go_and_the_boxs_stay() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in VIEWER_FILES {
            std::fs::write(d.join(f), b"{}").unwrap();
        }
        std::fs::write(d.join("history.json.bad"), b"{").unwrap();
        std::fs::write(d.join(".tmpAbC123"), b"{\"half").unwrap();
        std::fs::create_dir(d.join("catalog")).unwrap();
        std::fs::write(d.join("catalog/catalog.json"), b"{}").unwrap();
        std::fs::write(d.join("catalog-floors.json"), b"{}").unwrap();
        std::fs::write(d.join("clock-floor.json"), b"{}").unwrap();
        std::fs::write(d.join("keymap.toml"), b"").unwrap();
        forget_viewer(d).unwrap();
        assert_eq!(
            names(d),
            [
                "catalog",
                "catalog-floors.json",
                "clock-floor.json",
                "keymap.toml"
            ]
        );
        assert_eq!(names(&d.join("catalog")), ["catalog.json"]);
    }

    #[test]
    fn a_reset_cut_short_is_finished_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Power went after the marker and some of the files.
        std::fs::write(d.join(RESET_MARKER), b"2026-12-05T00:00:00Z").unwrap();
        std::fs::write(d.join("history.json"), b"{}").unwrap();
        std::fs::write(d.join("unlock-token.json"), b"{}").unwrap();
        finish_pending(d);
        assert!(names(d).is_empty(), "{:?}", names(d));
        // Without the marker, nothing is touched.
        std::fs::write(d.join("history.json"), b"{}").unwrap();
        finish_pending(d);
        assert_eq!(names(d), ["history.json"]);
    }
}
