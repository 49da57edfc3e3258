//! The integration tests, as one binary: the playback core against real
//! HTTP(S) servers on 127.0.0.1, catalogs, and the `pillarbox` binary run
//! as a subprocess (CLI, headless TV app, probe). Test media is generated
//! once per run (`common`). The in-process Slint UI tests are `tests/ui.rs`:
//! they install Slint's testing platform for their whole process.

mod common;

mod abr;
mod catalog;
mod catalog_fetch;
mod demo_protected;
mod elements;
mod encrypted;
mod gl_video;
mod hostile;
mod insight;
mod live;
mod playback;
mod preload;
mod reward;
mod roku;
mod scenarios;
mod soak;
mod stored;
mod tv_app;
mod unlock;
