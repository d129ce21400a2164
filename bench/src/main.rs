//! `switchboard-bench`: parses the command line and runs the scenario.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // reqwest is built without a default TLS provider (like the server): install ring.
    if rustls::crypto::ring::default_provider()
        .install_default()
        .is_err()
    {
        eprintln!("a rustls crypto provider was already installed");
    }
    match switchboard_bench::run(switchboard_bench::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("switchboard-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}
