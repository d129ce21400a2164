//! The `switchboard` binary: parse the configuration, start logging, build the runtime, run.

use std::process::ExitCode;

use switchboard::{cli::Cli, ops};

#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[cfg(all(feature = "mimalloc", not(feature = "jemalloc")))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    // Sentry first: its panic handler and transport must exist before anything else runs.
    let sentry = match ops::sentry::init(&cli.config) {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!("switchboard: configuration error: {err}");
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
    let code = runtime.block_on(switchboard::cli::run(cli));
    // Let in-flight tasks settle, then flush Sentry (dropping the guard) before exiting.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    drop(sentry);
    code
}
