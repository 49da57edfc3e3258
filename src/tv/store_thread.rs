//! The store thread: history, settings, the parental PIN, the ad ledger,
//! the month's data used and what each network carried are written off
//! the UI thread, the latest of each kind, and "Reset this box" forgets the
//! viewer's files there, after the writes asked for before it.

use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;

use crate::app::history::{HISTORY_FILE, History};
use crate::app::settings::{SETTINGS_FILE, Settings};
use crate::store::Store;

/// What the store thread writes.
pub(super) enum Saved {
    History(History),
    Settings(Settings),
    AdLedger(crate::ads::ledger::AdLedger),
    /// The month's data used (kept across a reset: it is the box's).
    DataUsed(super::data_used::DataUsed),
    /// What each network carried (kept across a reset too).
    Throughput(super::throughput::Throughput),
    /// "Reset this box": what is waiting is dropped, the viewer's files
    /// go; said on the channel when done.
    Reset(Sender<()>),
}

/// Writes history and settings on their own thread: an fsync on a slow
/// flash card must not stall the picture. Snapshots that queue up are
/// coalesced (the latest of each kind is written).
pub(super) fn store_writer(store: Store) -> (Sender<Saved>, Option<JoinHandle<()>>) {
    let (tx, rx): (Sender<Saved>, Receiver<Saved>) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("pillarbox-store".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let (mut history, mut settings, mut ads, mut data, mut links) =
                    (None, None, None, None, None);
                for saved in std::iter::once(first).chain(rx.try_iter()) {
                    match saved {
                        Saved::History(h) => history = Some(h),
                        Saved::Settings(s) => settings = Some(s),
                        Saved::AdLedger(l) => ads = Some(l),
                        Saved::DataUsed(d) => data = Some(d),
                        Saved::Throughput(t) => links = Some(t),
                        Saved::Reset(done) => {
                            // What was asked before the reset is not written.
                            (history, settings, ads) = (None, None, None);
                            if let Err(e) = super::reset::forget_viewer(store.dir()) {
                                tracing::error!(error = %e, "reset not finished; the next start finishes it");
                            }
                            let _ = done.send(());
                        }
                    }
                }
                let ads_file = crate::app::ad_break::AD_LEDGER_FILE;
                let parental = settings.as_ref().map(|s| {
                    let file = crate::app::parental::PARENTAL_FILE;
                    (file, crate::app::parental::save(store.dir(), &s.parental))
                });
                let results = [
                    history.map(|h| (HISTORY_FILE, store.save(HISTORY_FILE, &h))),
                    settings.map(|s| (SETTINGS_FILE, store.save(SETTINGS_FILE, &s))),
                    parental,
                    ads.map(|l| (ads_file, store.save(ads_file, &l))),
                    data.map(|d| {
                        let file = super::data_used::DATA_USED_FILE;
                        (file, store.save(file, &d))
                    }),
                    links.map(|t| {
                        let file = super::throughput::THROUGHPUT_FILE;
                        (file, store.save(file, &t))
                    }),
                ];
                for (file, result) in results.into_iter().flatten() {
                    if let Err(e) = result {
                        tracing::error!(dir = %store.dir().display(), file, error = %e, "cannot save");
                    }
                }
            }
        });
    match spawned {
        Ok(handle) => (tx, Some(handle)),
        Err(e) => {
            tracing::error!(error = %e, "no store writer; history and settings will not be saved");
            (tx, None)
        }
    }
}
