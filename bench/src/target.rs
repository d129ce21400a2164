//! The servers under test: Switchboard started from `--server-bin`, the Node baseline, the raw
//! websocket reference, or an already running Switchboard at `--url`; and their databases.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::{Context, anyhow, bail};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    process::{Child, Command},
    sync::oneshot,
};

/// The admin the tool creates users with (passed to servers it starts).
pub const ADMIN_EMAIL: &str = "admin@bench.example";
/// Its password.
pub const ADMIN_PASSWORD: &str = "bench admin password";
/// The `METRICS_TOKEN` of servers the tool starts (their delivery counters end each run).
pub const METRICS_TOKEN: &str = "bench-metrics-token";

/// Rate limits that would throttle a benchmark: all switched off on servers the tool starts.
const RATE_LIMITS: [&str; 19] = [
    "RATE_LIMIT_LOGIN_IP",
    "RATE_LIMIT_LOGIN_EMAIL",
    "RATE_LIMIT_REGISTER",
    "RATE_LIMIT_SUPPORT_FORM",
    "RATE_LIMIT_MESSAGE_SEND",
    "RATE_LIMIT_REACTION",
    "RATE_LIMIT_MESSAGE_EDIT",
    "RATE_LIMIT_MESSAGE_DELETE",
    "RATE_LIMIT_READ",
    "RATE_LIMIT_TYPING",
    "RATE_LIMIT_SYNC",
    "RATE_LIMIT_ROOM_WATCH",
    "RATE_LIMIT_ACCOUNT_EMAIL",
    "RATE_LIMIT_ACCOUNT_IP",
    "RATE_LIMIT_PASSWORD_CHANGE",
    "RATE_LIMIT_SEARCH",
    "RATE_LIMIT_AI_REFRESH",
    "RATE_LIMIT_SOCKET_CONNECT",
    "RATE_LIMIT_REST_IP",
];

/// Which server implementation answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Switchboard (socketioxide).
    Switchboard,
    /// The Node socket.io 4 baseline.
    Node,
    /// The raw websocket broadcast reference.
    WsRaw,
}

impl Kind {
    /// Display name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Switchboard => "switchboard",
            Self::Node => "node",
            Self::WsRaw => "ws-raw",
        }
    }
}

/// A server process started by the tool; killed when dropped.
pub struct Server {
    child: Child,
    /// Process id (for CPU and RSS).
    pub pid: u32,
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it is.
    pub kind: Kind,
    log: Arc<Mutex<VecDeque<String>>>,
    workdir: Option<PathBuf>,
}

impl Server {
    /// `http://addr`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The last lines it wrote.
    pub fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// SIGTERM, then SIGKILL after `grace`.
    pub async fn stop(&mut self, grace: Duration) {
        signal(self.pid, "TERM").await;
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            self.kill().await;
        }
    }

    /// SIGKILL (kill -9), and reaps the process.
    pub async fn kill(&mut self) {
        // Already exited is fine.
        let _gone = self.child.start_kill();
        let _reaped = self.child.wait().await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _gone = self.child.start_kill();
        if let Some(dir) = &self.workdir {
            let _removed = std::fs::remove_dir_all(dir);
        }
    }
}

async fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .await;
    if let Err(err) = sent {
        eprintln!("kill -{name} {pid}: {err}");
    }
}

/// How to start Switchboard.
#[derive(Clone, Debug)]
pub struct SwitchboardSpec {
    /// The binary.
    pub bin: PathBuf,
    /// `DATABASE_URL`.
    pub database_url: String,
    /// Port (0: any).
    pub port: u16,
    /// More environment (REDIS_URL, INSTANCE_ID, ...).
    pub env: Vec<(String, String)>,
}

/// Starts Switchboard and waits until it listens.
pub async fn start_switchboard(spec: &SwitchboardSpec) -> anyhow::Result<Server> {
    let workdir = std::env::temp_dir().join(format!("sb-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&workdir)?;
    // The server runs in its own directory: resolve a relative binary path first.
    let bin = std::fs::canonicalize(&spec.bin)
        .with_context(|| format!("server binary {}", spec.bin.display()))?;
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .current_dir(&workdir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &spec.database_url)
        .env("BIND_ADDR", format!("127.0.0.1:{}", spec.port))
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("METRICS_TOKEN", METRICS_TOKEN)
        .env("LOG_FORMAT", "json")
        .env(
            "RUST_LOG",
            std::env::var("BENCH_SERVER_LOG").unwrap_or("warn".into()),
        );
    for name in RATE_LIMITS {
        command.env(name, "off");
    }
    command.envs(spec.env.iter().map(|(k, v)| (k, v)));
    let mut server = spawn(command, Kind::Switchboard).await?;
    server.workdir = Some(workdir);
    Ok(server)
}

/// Starts the Node baseline (`node server.mjs --port 0 [--pg URL] [extra args]`).
pub async fn start_node(
    node: &str,
    script: &Path,
    extra: &[String],
    pg_url: Option<&str>,
) -> anyhow::Result<Server> {
    let mut command = Command::new(node);
    command.arg(script).arg("--port").arg("0").args(extra);
    if let Some(url) = pg_url {
        command.arg("--pg").arg(url);
    }
    spawn(command, Kind::Node)
        .await
        .with_context(|| format!("starting the Node baseline ({})", script.display()))
}

/// Starts this binary's raw websocket broadcast server.
pub async fn start_ws_raw(threads: usize) -> anyhow::Result<Server> {
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command
        .arg("ws-raw-server")
        .arg("--threads")
        .arg(threads.to_string());
    spawn(command, Kind::WsRaw).await
}

/// Spawns a server and waits for its "listening on http://ADDR" line on stderr.
async fn spawn(mut command: Command, kind: Kind) -> anyhow::Result<Server> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().context("spawn")?;
    let pid = child.id().context("no pid")?;
    let log = Arc::new(Mutex::new(VecDeque::new()));
    let (tx, rx) = oneshot::channel();
    // Switchboard with LOG_FORMAT=json says so in a JSON line on stdout, the others on stderr.
    let tx = Arc::new(Mutex::new(Some(tx)));
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(drain(stdout, Arc::clone(&log), Arc::clone(&tx)));
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(drain(stderr, Arc::clone(&log), tx));
    }
    let mut server = Server {
        child,
        pid,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        kind,
        log,
        workdir: None,
    };
    match tokio::time::timeout(Duration::from_secs(60), rx).await {
        Ok(Ok(addr)) => {
            server.addr = addr;
            Ok(server)
        }
        _ => {
            server.kill().await;
            bail!("{} did not start:\n{}", kind.label(), server.log_tail())
        }
    }
}

async fn drain(
    stream: impl AsyncRead + Unpin,
    log: Arc<Mutex<VecDeque<String>>>,
    listening: Arc<Mutex<Option<oneshot::Sender<SocketAddr>>>>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(addr) = listening_addr(&line)
            && let Some(tx) = listening.lock().unwrap_or_else(|e| e.into_inner()).take()
        {
            let _waiting = tx.send(addr);
        }
        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= 200 {
            log.pop_front();
        }
        log.push_back(line);
    }
}

/// The address of a "... listening on http://127.0.0.1:PORT ..." line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on http://")?;
    let addr = rest
        .split(|c: char| c.is_whitespace() || c == '/' || c == '"')
        .next()?;
    addr.parse().ok()
}

/// A database for one run: a SQLite file (in the server's work dir) or a fresh PostgreSQL
/// database, dropped at the end.
pub struct Database {
    /// `DATABASE_URL`.
    pub url: String,
    pg: Option<(String, String)>,
    file: Option<PathBuf>,
}

/// Which database backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// SQLite (WAL), a file in a temporary directory.
    Sqlite,
    /// PostgreSQL: a new database on `--pg-url`'s server.
    Postgres,
}

impl Database {
    /// The SQLite database file (`None` on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self.file.as_ref().map(|dir| dir.join("bench.db"))
    }

    /// Creates an empty database.
    pub async fn create(backend: Backend, pg_admin_url: &str) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let dir =
                    std::env::temp_dir().join(format!("sb-bench-db-{}", uuid::Uuid::new_v4()));
                std::fs::create_dir_all(&dir)?;
                Ok(Self {
                    url: format!("sqlite://{}", dir.join("bench.db").display()),
                    pg: None,
                    file: Some(dir),
                })
            }
            Backend::Postgres => {
                let name = format!("sb_bench_{}", uuid::Uuid::new_v4().simple());
                psql(pg_admin_url, &format!("CREATE DATABASE {name}")).await?;
                let (base, _) = pg_admin_url
                    .rsplit_once('/')
                    .ok_or_else(|| anyhow!("--pg-url needs a database path: {pg_admin_url}"))?;
                Ok(Self {
                    url: format!("{base}/{name}"),
                    pg: Some((pg_admin_url.to_owned(), name)),
                    file: None,
                })
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            let _dropped = std::process::Command::new("psql")
                .arg(admin)
                .arg("-qc")
                .arg(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(dir) = &self.file {
            let _removed = std::fs::remove_dir_all(dir);
        }
    }
}

async fn psql(admin_url: &str, sql: &str) -> anyhow::Result<()> {
    let out = Command::new("psql")
        .arg(admin_url)
        .arg("-qc")
        .arg(sql)
        .output()
        .await
        .context("running psql")?;
    if !out.status.success() {
        bail!("psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(probe.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::listening_addr;

    #[test]
    fn parses_the_listening_line() {
        let line =
            "Switchboard is listening on http://127.0.0.1:41234 (open http://localhost:41234)";
        assert_eq!(listening_addr(line).map(|a| a.port()), Some(41234));
        assert_eq!(
            listening_addr("node baseline listening on http://127.0.0.1:5000").map(|a| a.port()),
            Some(5000)
        );
        let json = r#"{"timestamp":"2026-01-01T00:00:00Z","level":"INFO","message":"listening on http://127.0.0.1:41235","addr":"127.0.0.1:41235","target":"switchboard::startup"}"#;
        assert_eq!(listening_addr(json).map(|a| a.port()), Some(41235));
        assert_eq!(listening_addr("starting"), None);
    }
}
