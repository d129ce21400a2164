//! Which server a run measures and how the tool starts it (or reaches one already running).

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::{
    fixture::Target,
    target::{self, Backend, Database, Kind, Server, SwitchboardSpec},
};

/// Which server to measure and how to reach it.
#[derive(Clone, Debug, Args)]
pub struct TargetArgs {
    /// Start this Switchboard binary for each run (port 0, own database, rate limits off).
    #[arg(long, global = true)]
    pub server_bin: Option<PathBuf>,
    /// Or measure a running Switchboard (needs an admin account; rate limits should be off).
    #[arg(long, global = true)]
    pub url: Option<String>,
    /// Admin e-mail for `--url`.
    #[arg(long, global = true, default_value = target::ADMIN_EMAIL)]
    pub admin_email: String,
    /// Admin password for `--url`.
    #[arg(long, global = true, default_value = target::ADMIN_PASSWORD)]
    pub admin_password: String,
    /// The process id of the `--url` server, to read its CPU and RSS.
    #[arg(long, global = true)]
    pub server_pid: Option<u32>,
    /// Database of servers the tool starts.
    #[arg(long, global = true, value_enum, default_value = "sqlite")]
    pub db: Backend,
    /// PostgreSQL admin URL: the tool creates (and drops) its own database there.
    #[arg(
        long,
        global = true,
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub pg_url: String,
    /// Extra environment for Switchboard (`KEY=VALUE`, repeatable).
    #[arg(long = "server-env", global = true, value_parser = parse_env)]
    pub server_env: Vec<(String, String)>,
    /// Also run the Node socket.io 4 baseline (bench/node-baseline/server.mjs) in the same run.
    #[arg(long, global = true)]
    pub node_baseline: bool,
    /// The node executable.
    #[arg(long, global = true, default_value = "node")]
    pub node: String,
    /// Extra arguments of the Node baseline (repeatable), e.g. `--node-arg=--nagle`.
    #[arg(long = "node-arg", global = true, allow_hyphen_values = true)]
    pub node_args: Vec<String>,
    /// The Node baseline script.
    #[arg(long, global = true, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/node-baseline/server.mjs"))]
    pub node_script: PathBuf,
    /// Where JSON results go.
    #[arg(long, global = true, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/results"))]
    pub results_dir: PathBuf,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {s}"))
}

/// A server ready for a run, and what must live as long as it.
pub struct Running {
    /// How to reach it.
    pub target: Target,
    /// The process, when the tool started it.
    pub server: Option<Server>,
    /// Its database, when the tool created it.
    pub database: Option<Database>,
}

impl TargetArgs {
    /// The kinds to run: Switchboard, and the Node baseline with `--node-baseline`.
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds = vec![Kind::Switchboard];
        if self.node_baseline {
            kinds.push(Kind::Node);
        }
        kinds
    }

    /// Starts (or points at) a server of `kind` on `backend`.
    pub async fn launch(&self, kind: Kind, backend: Backend) -> anyhow::Result<Running> {
        match kind {
            Kind::Switchboard => self.launch_switchboard(backend, 0, Vec::new()).await,
            Kind::Node => {
                let database = match backend {
                    Backend::Postgres => Some(Database::create(backend, &self.pg_url).await?),
                    Backend::Sqlite => None,
                };
                let server = target::start_node(
                    &self.node,
                    &self.node_script,
                    &self.node_args,
                    database.as_ref().map(|d| d.url.as_str()),
                )
                .await?;
                Ok(Running {
                    target: self.target_of(&server),
                    server: Some(server),
                    database,
                })
            }
            Kind::WsRaw => bail!("ws-raw is launched by its own scenario"),
        }
    }

    /// Starts Switchboard on a new database (or points at `--url`).
    pub async fn launch_switchboard(
        &self,
        backend: Backend,
        port: u16,
        env: Vec<(String, String)>,
    ) -> anyhow::Result<Running> {
        if let Some(bin) = &self.server_bin {
            let database = Database::create(backend, &self.pg_url).await?;
            let server =
                target::start_switchboard(&self.switchboard_spec(bin, &database.url, port, env))
                    .await?;
            return Ok(Running {
                target: self.target_of(&server),
                server: Some(server),
                database: Some(database),
            });
        }
        let Some(url) = &self.url else {
            bail!("give --server-bin PATH (the tool starts the server) or --url URL");
        };
        let addr: SocketAddr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .with_context(|| format!("--url must be http://IP:PORT, got {url}"))?;
        Ok(Running {
            target: Target {
                kind: Kind::Switchboard,
                addr,
                pid: self.server_pid,
                admin: (self.admin_email.clone(), self.admin_password.clone()),
                batches: true,
            },
            server: None,
            database: None,
        })
    }

    /// The spec of a Switchboard process on `database_url`.
    pub fn switchboard_spec(
        &self,
        bin: &std::path::Path,
        database_url: &str,
        port: u16,
        env: Vec<(String, String)>,
    ) -> SwitchboardSpec {
        let mut all = self.server_env.clone();
        all.extend(env);
        SwitchboardSpec {
            bin: bin.to_path_buf(),
            database_url: database_url.to_owned(),
            port,
            env: all,
        }
    }

    /// The target of a server the tool started.
    pub fn target_of(&self, server: &Server) -> Target {
        crate::progress!(
            "{} pid {} listening on {}",
            server.kind.label(),
            server.pid,
            server.addr
        );
        Target {
            kind: server.kind,
            addr: server.addr,
            pid: Some(server.pid),
            admin: (
                target::ADMIN_EMAIL.to_owned(),
                target::ADMIN_PASSWORD.to_owned(),
            ),
            batches: server.kind == Kind::Switchboard,
        }
    }
}
