//! Spawns the real server on port 0 against a fresh SQLite file or a fresh PostgreSQL
#![allow(dead_code)]
//! database, and talks to it over HTTP like any client.

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Once},
};

use clap::Parser;
use serde_json::{Value, json};
use switchboard::{
    app::{self, AppState},
    cli::Cli,
    domain::{Id, user::Role},
    ratelimit::Action,
    service::auth::{ClientMeta, NewAccount, create_user, open_session},
};

/// Where a test's data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the local PostgreSQL.
    Postgres,
}

/// Generates one test per backend from `async fn name(app: TestApp)`; `name with setup` starts
/// the app with a [`Setup`] (settings and rate limits) instead of the defaults.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident $(with $setup:expr)?),+ $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let setup = $crate::backend_tests!(@setup $($setup)?);
                    if let Some(app) = setup.spawn($crate::helpers::Backend::Sqlite).await {
                        super::$name(app).await;
                    }
                }
            )+
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let setup = $crate::backend_tests!(@setup $($setup)?);
                    if let Some(app) = setup.spawn($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )+
        }
    };
    (@setup) => { $crate::helpers::Setup::default() };
    (@setup $setup:expr) => { $setup };
}

/// How a test's app starts: extra command-line settings and rate limits (every other quota
/// is off).
#[derive(Clone, Copy, Debug, Default)]
pub struct Setup {
    /// Settings, as on the command line (`["--edit-window-secs", "0"]`).
    pub args: &'static [&'static str],
    /// Quotas (`[(Action::LoginIp, "3/60s")]`).
    pub limits: &'static [(Action, &'static str)],
}

impl Setup {
    /// Starts with these settings.
    pub const fn args(args: &'static [&'static str]) -> Self {
        Self { args, limits: &[] }
    }

    /// Starts with these rate limits.
    pub const fn limits(limits: &'static [(Action, &'static str)]) -> Self {
        Self { args: &[], limits }
    }

    /// Starts the app on `backend`, or `None` when the backend is not available.
    pub async fn spawn(self, backend: Backend) -> Option<TestApp> {
        TestApp::spawn_limited(backend, self.args, self.limits).await
    }
}

static TRACING: Once = Once::new();

/// A plain HTTP client (the TLS crypto provider installed first, as the server does).
pub fn http_client() -> reqwest::Client {
    switchboard::ops::install_crypto_provider();
    reqwest::Client::new()
}

fn init_tracing() {
    TRACING.call_once(|| {
        switchboard::ops::install_crypto_provider();
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
                .with_test_writer()
                .try_init();
        }
    });
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// True in CI, where a missing service fails instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh PostgreSQL database, dropped when the guard goes away.
pub struct PgDatabase {
    /// Its name.
    pub name: String,
    /// URL to connect to it.
    pub url: String,
}

impl PgDatabase {
    /// Creates a database, or `None` (after saying why) when PostgreSQL is not reachable
    /// outside CI.
    pub async fn create() -> Option<Self> {
        let admin = postgres_admin_url();
        let conn = sqlx::PgPool::connect(&admin).await;
        let pool = match conn {
            Ok(pool) => pool,
            Err(err) if !in_ci() => {
                eprintln!("skipped: PostgreSQL not reachable at {admin}: {err}");
                return None;
            }
            Err(err) => panic!("PostgreSQL is required in CI ({admin}): {err}"),
        };
        let name = format!("sb_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("create database: {e}"));
        pool.close().await;
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        Some(Self { name, url })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin = postgres_admin_url();
        // Drop needs its own runtime: the test's runtime is shutting down.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&pool)
                    .await;
                }
            });
        })
        .join();
    }
}

/// Holds whatever keeps a test's database alive.
pub enum DbGuard {
    /// The SQLite file's directory.
    Sqlite(tempfile::TempDir),
    /// The PostgreSQL database.
    Postgres(PgDatabase),
}

impl DbGuard {
    /// A fresh database for `backend`, or `None` when skipped.
    pub async fn create(backend: Backend) -> Option<(Self, String)> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Some((Self::Sqlite(dir), url))
            }
            Backend::Postgres => {
                let db = PgDatabase::create().await?;
                let url = db.url.clone();
                Some((Self::Postgres(db), url))
            }
        }
    }

    /// The SQLite file's path.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match self {
            Self::Sqlite(dir) => Some(dir.path().join("test.db")),
            Self::Postgres(_) => None,
        }
    }
}

/// A running server with its own database.
pub struct TestApp {
    /// Listening address.
    pub addr: SocketAddr,
    /// `http://addr`.
    pub base: String,
    /// The server's state (for setting up fixtures directly).
    pub state: AppState,
    /// Which backend.
    pub backend: Backend,
    /// Database URL.
    pub database_url: String,
    /// Keeps the database alive.
    pub db: Arc<DbGuard>,
    /// The SMTP server the app sends its mail to.
    pub mail: crate::smtp::SmtpSink,
    /// Where its uploads go unless a test sets `--storage-url` (removed with the app, never
    /// under the working directory).
    _files: Option<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    /// Starts a server on `backend` with default settings.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, &[]).await
    }

    /// Starts a server with extra command-line settings (`["--edit-window-secs", "0"]`).
    pub async fn spawn_with(backend: Backend, args: &[&str]) -> Option<Self> {
        Self::spawn_limited(backend, args, &[]).await
    }

    /// Starts a server with settings and rate limits (`[(Action::LoginIp, "3/60s")]`; every
    /// other quota is off).
    pub async fn spawn_limited(
        backend: Backend,
        args: &[&str],
        limits: &[(Action, &str)],
    ) -> Option<Self> {
        init_tracing();
        let (db, url) = DbGuard::create(backend).await?;
        Some(Self::start_limited(backend, Arc::new(db), url, args, limits).await)
    }

    /// Starts a server on an existing database.
    pub async fn start(backend: Backend, db: Arc<DbGuard>, url: String, args: &[&str]) -> Self {
        Self::start_limited(backend, db, url, args, &[]).await
    }

    /// Starts a server on an existing database with rate limits.
    pub async fn start_limited(
        backend: Backend,
        db: Arc<DbGuard>,
        url: String,
        args: &[&str],
        limits: &[(Action, &str)],
    ) -> Self {
        let mail = crate::smtp::SmtpSink::start().await;
        let mut argv = vec![
            "switchboard",
            "--database-url",
            url.as_str(),
            "--bind-addr",
            "127.0.0.1:0",
        ];
        if !args.contains(&"--smtp-url") {
            argv.extend_from_slice(&["--smtp-url", mail.url.as_str()]);
        }
        let files = (!args.contains(&"--storage-url"))
            .then(|| tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}")));
        let files_path = files
            .as_ref()
            .map(|d| d.path().to_string_lossy().into_owned());
        if let Some(path) = &files_path {
            argv.extend_from_slice(&["--storage-url", path.as_str()]);
        }
        argv.extend_from_slice(args);
        let mut cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("test config: {e}"));
        // Tests make many requests from one address: quotas are off unless a test sets them.
        let quotas = &mut cli.config.limits.rate_limits;
        for (action, quota) in limits {
            quotas.insert(*action, quota.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        for action in switchboard::ratelimit::Action::ALL {
            quotas.or_insert(action, "off".parse().unwrap_or_else(|e| panic!("{e}")));
        }
        cli.config
            .validate()
            .unwrap_or_else(|e| panic!("test config: {e}"));
        let state = app::build_state(cli.config)
            .await
            .unwrap_or_else(|e| panic!("build_state: {e:#}"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serve_state = state.clone();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(err) = app::serve(listener, serve_state, shutdown).await {
                eprintln!("server error: {err}");
            }
        });
        Self {
            addr,
            base: format!("http://{addr}"),
            state,
            backend,
            database_url: url,
            db,
            mail,
            _files: files,
            shutdown: Some(tx),
        }
    }

    /// Sends every queued mail now (the jobs worker would within half a second) and returns
    /// the newest of at least `count` messages to `address`.
    pub async fn mail_to(&self, address: &str, count: usize) -> crate::smtp::Received {
        while switchboard::workers::jobs::run_once(&self.state.jobs).await > 0 {}
        self.mail.wait_for(address, count).await
    }

    /// Stops the server (in-flight requests finish).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// A client without a session.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.base, None)
    }

    /// Creates a user directly and signs them in.
    pub async fn user(&self, role: Role, department: Option<&str>) -> Client {
        let id = Id::new().as_uuid().simple().to_string();
        let email = format!("{}-{}@test.example", role.as_str(), &id[id.len() - 12..]);
        let user = create_user(
            &self.state.ctx,
            NewAccount {
                email: &email,
                name: &format!("{} {}", role.as_str(), &id[id.len() - 4..]),
                role,
                department,
                password: Some("correct horse battery"),
                verified: true,
                created_by: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("create user: {e:?}"));
        let signed_in = open_session(&self.state.ctx, user, ClientMeta::default())
            .await
            .unwrap_or_else(|e| panic!("open session: {e:?}"));
        let mut client = Client::new(&self.base, Some(signed_in.token));
        client.user_id = Some(signed_in.user.id);
        client.email = signed_in.user.email;
        client
    }

    /// A staff member of `engineering`.
    pub async fn staff(&self) -> Client {
        self.user(Role::Staff, Some("engineering")).await
    }

    /// An admin.
    pub async fn admin(&self) -> Client {
        self.user(Role::Admin, None).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An HTTP response: status and JSON body.
#[derive(Debug)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Parsed body (`Null` when not JSON).
    pub body: Value,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    /// `data` of a success body.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// `code` of an error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Asserts the status, printing the body on failure.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status, body: {}",
            self.body
        );
        self
    }

    /// Asserts status and error code.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Self {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected error, body: {}",
            self.body
        );
        assert_eq!(self.body["ok"], json!(false));
        self
    }

    /// `data.id` as an [`Id`].
    #[track_caller]
    pub fn id(&self) -> Id {
        self.data()["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no data.id in {}", self.body))
    }
}

/// A client with an optional bearer token.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    /// The session token.
    pub token: Option<String>,
    /// The signed-in user, when created by [`TestApp::user`].
    pub user_id: Option<Id>,
    /// Their e-mail.
    pub email: String,
}

impl Client {
    fn new(base: &str, token: Option<String>) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            token,
            user_id: None,
            email: String::new(),
        }
    }

    /// The user's id.
    #[track_caller]
    pub fn id(&self) -> Id {
        self.user_id
            .unwrap_or_else(|| panic!("anonymous client has no id"))
    }

    /// A request builder for `path` (relative to `/api/v1` unless it starts with `/`).
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with('/') {
            format!("{}{path}", self.base)
        } else {
            format!("{}/api/v1/{path}", self.base)
        };
        let builder = self.http.request(method, url);
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a built request and parses the answer.
    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Resp {
        let response = builder
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp {
            status,
            body,
            headers,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(self.request(reqwest::Method::POST, path).json(&body))
            .await
    }

    /// PATCH with a JSON body.
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(self.request(reqwest::Method::PATCH, path).json(&body))
            .await
    }

    /// PUT without a body.
    pub async fn put(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::PUT, path)).await
    }

    /// PUT with a JSON body.
    pub async fn put_json(&self, path: &str, body: Value) -> Resp {
        self.send(self.request(reqwest::Method::PUT, path).json(&body))
            .await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    /// Creates a room and returns its id.
    pub async fn create_room(&self, slug: &str, kind: &str, department: Option<&str>) -> Id {
        self.post(
            "rooms",
            json!({"slug": slug, "title": slug, "kind": kind, "department": department}),
        )
        .await
        .expect(201)
        .id()
    }

    /// Posts a message and returns its body.
    pub async fn send_message(&self, room: Id, body: &str) -> Value {
        self.try_send_message(room, body)
            .await
            .expect(201)
            .data()
            .clone()
    }

    /// Posts a message with a fresh client id; the answer, whatever it is.
    pub async fn try_send_message(&self, room: Id, body: &str) -> Resp {
        self.post(
            &format!("rooms/{room}/messages"),
            json!({"clientId": Id::new().to_string(), "body": body}),
        )
        .await
    }

    /// Adds `member` to a room this client may manage.
    pub async fn add_member(&self, room: Id, member: &Client) {
        self.post(
            &format!("rooms/{room}/members"),
            json!({"userId": member.id()}),
        )
        .await
        .expect(201);
    }
}

/// A unique slug for a test room.
pub fn slug(prefix: &str) -> String {
    let id = Id::new().as_uuid().simple().to_string();
    format!("{prefix}-{}", &id[id.len() - 10..])
}

/// Redis for tests: the shared one at `TEST_REDIS_URL` (default 127.0.0.1:6379), or `None`
/// (after saying why) when it is not reachable outside CI.
pub async fn redis_url() -> Option<String> {
    let url =
        std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let reachable = tokio::net::TcpStream::connect(url.trim_start_matches("redis://"))
        .await
        .is_ok();
    if reachable {
        Some(url)
    } else if in_ci() {
        panic!("Redis is required in CI ({url})");
    } else {
        eprintln!("skipped: Redis not reachable at {url}");
        None
    }
}

/// A unique Redis key prefix for one test.
pub fn redis_prefix() -> String {
    format!(
        "sbtest-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// Requests a [`Receiver`] got: (path, body).
pub type Recorded = Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A tiny HTTP server that records every request body it receives; answers with the statuses
/// given (the last one repeats).
pub struct Receiver {
    /// `http://127.0.0.1:port`.
    pub url: String,
    /// Bodies received, in order.
    pub bodies: Recorded,
}

impl Receiver {
    /// Starts a receiver answering `statuses` in turn, then `200`.
    pub async fn start(statuses: Vec<u16>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let url = format!(
            "http://{}",
            listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
        );
        let bodies: Recorded = Arc::default();
        let statuses = Arc::new(std::sync::Mutex::new(statuses));
        let recorded = Arc::clone(&bodies);
        let app =
            axum::Router::new().fallback(move |uri: axum::http::Uri, body: axum::body::Bytes| {
                let recorded = Arc::clone(&recorded);
                let statuses = Arc::clone(&statuses);
                async move {
                    recorded
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((uri.path().to_owned(), body.to_vec()));
                    let mut statuses = statuses.lock().unwrap_or_else(|e| e.into_inner());
                    let status = if statuses.is_empty() {
                        200
                    } else {
                        statuses.remove(0)
                    };
                    (
                        axum::http::StatusCode::from_u16(status)
                            .unwrap_or(axum::http::StatusCode::OK),
                        "{}",
                    )
                }
            });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, bodies }
    }

    /// The bodies received so far, as text.
    pub fn texts(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .collect()
    }
}
