//! The `switchboard` binary: parse the configuration, start logging, build the runtime, run.

use std::process::ExitCode;

use switchboard::{cli::Cli, ops};

fn main() -> ExitCode {
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("switchboard: cannot read .env: {err}");
        return ExitCode::from(2);
    }
    ops::install_crypto_provider();
    let cli = match Cli::load() {
        Ok(cli) => cli,
        Err(err) => {
            eprintln!("switchboard: {err}");
            return ExitCode::from(2);
        }
    };
    let _logs = match ops::logging::init(&cli.config) {
        Ok(guards) => guards,
        Err(err) => {
            eprintln!("switchboard: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("switchboard: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(switchboard::cli::run(cli))
}
