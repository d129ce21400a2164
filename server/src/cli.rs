//! The command line: `serve` (default), `migrate`, `user create`, `backup`, `vapid`,
//! `healthcheck`, `openapi`.

use std::{process::ExitCode, time::Duration};

use clap::{Parser, Subcommand, error::ContextKind};

use crate::{
    app::{self, AppState},
    config::{Config, ConfigError, LogFormat},
    demo,
    domain::user::Role,
    ops::logging::STARTUP,
    service::auth::{CreatedBy, NewAccount, bootstrap_admin, create_user},
    shutdown,
};

/// Switchboard: team chat and helpdesk server.
#[derive(Parser, Debug)]
#[command(name = "switchboard", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings (environment variables; `--help` lists them).
    #[command(flatten)]
    pub config: Config,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve {
        /// Seed demo data into an empty database and show demo sign-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        /// What to do with users.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write a consistent copy of the SQLite database (safe while the server runs), and of
    /// the uploaded files when they are stored locally (to `<to>.files/`). For PostgreSQL use
    /// pg_dump; for files in S3, the bucket's own versioning or replication.
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Print a fresh VAPID key pair for Web Push, as lines for the environment. Set it once:
    /// browsers' subscriptions are bound to the public key.
    Vapid,
    /// Print the OpenAPI document (JSON) the server serves at /api/v1/openapi.json; needs no
    /// database. The web client's types are generated from it (`npm run api:generate`).
    Openapi,
    /// Exit 0 when the server on BIND_ADDR answers /readyz with 200, else 1.
    Healthcheck {
        /// Base URL to check (default: derived from BIND_ADDR).
        #[arg(long)]
        url: Option<String>,
    },
}

/// User subcommands.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user.
    Create {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// admin, staff, customer or observer.
        #[arg(long, default_value = "staff")]
        role: Role,
        /// Department.
        #[arg(long)]
        department: Option<String>,
        /// Password (at least 10 characters); or set SWITCHBOARD_USER_PASSWORD.
        #[arg(long, env = "SWITCHBOARD_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        Role::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

impl Cli {
    /// Parses arguments and environment; a bad setting is one line naming the variable.
    pub fn load() -> Result<Self, ConfigError> {
        let cli = Self::try_parse().map_err(|err| {
            use clap::error::ErrorKind::{
                DisplayHelp, DisplayHelpOnMissingArgumentOrSubcommand, DisplayVersion,
            };
            if matches!(
                err.kind(),
                DisplayHelp | DisplayVersion | DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                err.exit();
            }
            one_line(&err)
        })?;
        let mut cli = cli;
        cli.config.limits.rate_limits = crate::ratelimit::overrides_from_env()
            .map_err(|(var, problem)| ConfigError::new(var, problem))?;
        cli.config.validate()?;
        Ok(cli)
    }
}

/// Turns a clap error into `VARIABLE: problem`.
fn one_line(err: &clap::Error) -> ConfigError {
    let arg = err
        .get(ContextKind::InvalidArg)
        .map(ToString::to_string)
        .unwrap_or_default();
    // Arguments are named after their variables: "--bind-addr <BIND_ADDR>" -> BIND_ADDR.
    let var = arg
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or_else(|| arg.clone(), |(name, _)| name.to_owned());
    let value = err.get(ContextKind::InvalidValue).map(ToString::to_string);
    let problem = std::error::Error::source(err)
        .map(ToString::to_string)
        .unwrap_or_else(|| err.kind().to_string());
    let problem = match value {
        Some(value) => format!("invalid value {value:?}: {problem}"),
        None => problem,
    };
    ConfigError::new(
        if var.is_empty() {
            "arguments".into()
        } else {
            var
        },
        problem,
    )
}

/// Runs the chosen command.
pub async fn run(cli: Cli) -> ExitCode {
    // A server writing JSON logs keeps its output JSON only (log shippers read stdout and
    // stderr as one stream); one-shot commands also tell the person who ran them.
    let json_only = cli.config.ops.log_format == LogFormat::Json
        && matches!(cli.command, None | Some(Command::Serve { .. }));
    let result = match cli.command {
        None => serve(cli.config, false).await,
        Some(Command::Serve { demo }) => serve(cli.config, demo).await,
        Some(Command::Migrate) => migrate(cli.config).await,
        Some(Command::Backup { to }) => backup(cli.config, &to).await,
        Some(Command::User { command }) => user(cli.config, command).await,
        Some(Command::Healthcheck { url }) => return healthcheck(&cli.config, url).await,
        Some(Command::Vapid) => {
            print_vapid_keys();
            Ok(())
        }
        Some(Command::Openapi) => print_openapi(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "fatal");
            if !json_only {
                eprintln!("switchboard: {err:#}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config, demo_mode: bool) -> anyhow::Result<()> {
    let bind_addr = config.http.bind_addr;
    tracing::info!(config = ?config, "starting");
    let mut state = app::build_state(config).await?;
    if demo_mode {
        let accounts = demo::seed_if_empty(&state.ctx).await?;
        print_demo_accounts(&accounts, state.config.ops.log_format);
        state.demo_accounts = std::sync::Arc::new(accounts);
    }
    bootstrap_admin(&state.ctx, state.config.bootstrap_admin()).await?;
    let listener = tokio::net::TcpListener::bind(bind_addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind_addr}: {e}"))?;
    let local = listener.local_addr()?;
    let url = format!("http://{local}");
    tracing::info!(target: STARTUP, addr = %local, backend = state.ctx.store.backend(), "listening on {url}");
    if state.config.ops.log_format == LogFormat::Pretty {
        eprintln!(
            "Switchboard is listening on {url} (open http://localhost:{})",
            local.port()
        );
    }
    if let Some(addr) = state.config.ops.metrics_addr {
        let metrics = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on METRICS_ADDR {addr}: {e}"))?;
        tracing::info!(addr = %addr, "metrics listening");
        let app = crate::http::ops::metrics_app(state.clone());
        tokio::spawn(async move {
            if let Err(err) = axum::serve(metrics, app).await {
                tracing::error!(error = %err, "the metrics listener stopped");
            }
        });
    }
    let shutdown = shutdown::on_signal(state.clone());
    app::serve(listener, state.clone(), shutdown).await?;
    shutdown::finish(&state).await;
    Ok(())
}

/// The keys go to stdout (`switchboard vapid >> .env`); nothing else is printed there.
#[allow(clippy::print_stdout)]
fn print_vapid_keys() {
    let (public, private) = crate::push::Vapid::generate();
    println!("WEB_PUSH_VAPID_PUBLIC_KEY={public}\nWEB_PUSH_VAPID_PRIVATE_KEY={private}");
}

/// The document goes to stdout (`switchboard openapi > openapi.json`), nothing else.
#[allow(clippy::print_stdout)]
fn print_openapi() -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(&crate::http::openapi::document())?;
    println!("{json}");
    Ok(())
}

fn print_demo_accounts(accounts: &[app::DemoAccount], format: LogFormat) {
    if format == LogFormat::Json {
        if accounts.is_empty() {
            tracing::info!(target: STARTUP, "demo: the database already holds other data; no demo accounts to show");
        }
        for account in accounts {
            tracing::info!(
                target: STARTUP,
                role = account.role.as_str(),
                email = %account.email,
                name = %account.name,
                password = demo::DEMO_PASSWORD,
                "demo account"
            );
        }
        return;
    }
    if accounts.is_empty() {
        eprintln!("--demo: the database already holds other data; no demo accounts to show");
        return;
    }
    eprintln!("Demo accounts (password: {}):", demo::DEMO_PASSWORD);
    for account in accounts {
        eprintln!(
            "  {:<9} {:<34} {}",
            account.role.as_str(),
            account.email,
            account.name
        );
    }
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let state = app::build_state(config).await?;
    tracing::info!(backend = state.ctx.store.backend(), "migrations applied");
    if state.config.ops.log_format == LogFormat::Pretty {
        eprintln!("migrations applied ({})", state.ctx.store.backend());
    }
    state.ctx.store.close().await;
    Ok(())
}

async fn backup(config: Config, to: &std::path::Path) -> anyhow::Result<()> {
    if to.exists() {
        anyhow::bail!("{} exists already; choose a new file", to.display());
    }
    let state = app::build_state(config).await?;
    let result = state.ctx.store.backup_to(to).await;
    state.ctx.store.close().await;
    // The files after the database: every file the copied database names was stored before.
    if !matches!(result, Some(Err(_)))
        && let Some(root) = state.ctx.storage.local_root()
    {
        let mut target = to.as_os_str().to_owned();
        target.push(".files");
        let target = std::path::PathBuf::from(target);
        let root = root.to_owned();
        let copy_to = target.clone();
        let copied = tokio::task::spawn_blocking(move || copy_files(&root, &copy_to)).await??;
        eprintln!("{copied} files copied to {}", target.display());
    }
    match result {
        Some(Ok(())) => {
            eprintln!("backup written to {}", to.display());
            Ok(())
        }
        Some(Err(err)) => Err(anyhow::anyhow!("backup failed: {err}")),
        None => anyhow::bail!(
            "this database is PostgreSQL: back it up with pg_dump (see docs/operations.md)"
        ),
    }
}

/// Copies the files under `from` to `to` (which must not exist), leaving out unfinished
/// uploads; how many files it copied.
fn copy_files(from: &std::path::Path, to: &std::path::Path) -> anyhow::Result<usize> {
    if to.exists() {
        anyhow::bail!("{} exists already; choose a new file", to.display());
    }
    std::fs::create_dir_all(to)?;
    if !from.exists() {
        return Ok(0);
    }
    let mut copied = 0;
    let mut pending = vec![(from.to_owned(), to.to_owned())];
    while let Some((dir, target)) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name == ".tmp" {
                continue;
            }
            let kind = entry.file_type()?;
            let dest = target.join(&name);
            if kind.is_dir() {
                std::fs::create_dir_all(&dest)?;
                pending.push((entry.path(), dest));
            } else if kind.is_file() {
                std::fs::copy(entry.path(), &dest)?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

async fn user(config: Config, command: UserCommand) -> anyhow::Result<()> {
    let state: AppState = app::build_state(config).await?;
    match command {
        UserCommand::Create {
            email,
            name,
            role,
            department,
            password,
        } => {
            let user = create_user(
                &state.ctx,
                NewAccount {
                    email: &email,
                    name: &name,
                    role,
                    department: department.as_deref(),
                    password: password.as_deref(),
                    verified: true,
                    created_by: Some(("cli", CreatedBy::System(None))),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            eprintln!(
                "created {} {} ({})",
                user.role.as_str(),
                user.email,
                user.id
            );
        }
    }
    state.ctx.store.close().await;
    Ok(())
}

fn describe(err: &crate::error::AppError) -> String {
    match err {
        crate::error::AppError::Validation(problems) => problems
            .iter()
            .map(|p| format!("{} {}", p.field, p.problem))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.public_message().into_owned(),
    }
}

async fn healthcheck(config: &Config, url: Option<String>) -> ExitCode {
    let base = url.unwrap_or_else(|| {
        let port = config.http.bind_addr.port();
        let host = if config.http.bind_addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            config.http.bind_addr.ip().to_string()
        };
        format!("http://{host}:{port}")
    });
    let url = format!("{}/readyz", base.trim_end_matches('/'));
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            eprintln!("healthcheck: {err}");
            return ExitCode::FAILURE;
        }
    };
    match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => ExitCode::SUCCESS,
        Ok(response) => {
            eprintln!("healthcheck: {url} answered {}", response.status());
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("healthcheck: {url}: {err}");
            ExitCode::FAILURE
        }
    }
}
