//! The `pillarbox` binary's command line (not part of the library): its
//! arguments and what each subcommand does; `main.rs` parses and
//! dispatches.

pub mod args;
pub mod commands;

use std::process::ExitCode;

/// 0 for success, 1 for a run that failed (a test, an episode).
pub fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
