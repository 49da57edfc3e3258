//! The `pillarbox` command line: parses, then dispatches to
//! [`cli::commands`].

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cli::args::{CatalogCommand, Cli, Command};
use cli::commands::*;

fn main() -> ExitCode {
    pillarbox::tv::process_start();
    pillarbox::tv::init_logging();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Some(Command::Play(args)) => {
            net_for(&args.options, &args.urls).and_then(|net| play(&args.options, &net, &args.urls))
        }
        Some(Command::Demo(args)) => run_demo(&args),
        Some(Command::Keep(args)) => keep(&args),
        #[cfg(feature = "qa")]
        Some(Command::Soak(args)) => run_soak(&args),
        Some(Command::Catalog {
            command:
                CatalogCommand::Check {
                    source,
                    allow_http,
                    licence,
                    public_key,
                    pins,
                },
        }) => check_options(&source, allow_http, licence, public_key, pins)
            .map(|options| check_catalog(&source, &options, false)),
        Some(Command::Catalog {
            command:
                CatalogCommand::ImportRoku {
                    source,
                    licence,
                    allow_http,
                },
        }) => check_options(&source, allow_http, licence, None, Vec::new())
            .map(|options| check_catalog(&source, &options, true)),
        None => run_tv(&cli.tv),
        Some(Command::Run(tv)) => run_tv(&tv),
        #[cfg(feature = "qa")]
        Some(Command::Screenshot { screen, out, tv }) => screenshot(&tv, screen, &out),
        #[cfg(feature = "qa")]
        Some(Command::Qa(args)) => qa_command(args),
        Some(Command::Probe { json, tv }) => probe(&tv, json),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pillarbox: {e:#}");
            ExitCode::from(2)
        }
    }
}
