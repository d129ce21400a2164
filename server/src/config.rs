//! Typed configuration, read once from the environment (and `.env` in development).
//!
//! Every field is a clap argument with an `env` name, so `switchboard --help` documents them all
//! and a bad value stops startup with one line naming the variable. Secrets are redacted from
//! `Debug` and never logged.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use clap::Args;

/// Everything the server reads from its environment, by concern.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// The database: where it is, how many connections, how patient.
    #[command(flatten)]
    pub database: DatabaseConfig,

    /// Scale-out: Redis, and this instance's name in it.
    #[command(flatten)]
    pub redis: RedisConfig,

    /// The listener: address, public origin, browsers allowed, proxies believed, limits and shutdown.
    #[command(flatten)]
    pub http: HttpConfig,

    /// Realtime delivery: acknowledgements, retries, and how live sockets are re-checked.
    #[command(flatten)]
    pub delivery: DeliveryConfig,

    /// Rate limits per action.
    #[command(flatten)]
    pub limits: LimitsConfig,

    /// Accounts, sessions, departments and messages: who may register, how long things last.
    #[command(flatten)]
    pub accounts: AccountsConfig,

    /// Outgoing mail.
    #[command(flatten)]
    pub mail: MailConfig,

    /// The ticket assistant's model provider.
    #[command(flatten)]
    pub assistant: AssistantConfig,

    /// Web Push: the server's VAPID key pair (push is off without one).
    #[command(flatten)]
    pub web_push: WebPushConfig,

    /// Link previews of URLs in messages.
    #[command(flatten)]
    pub previews: PreviewsConfig,

    /// Uploaded files: where they are stored, how large they may be.
    #[command(flatten)]
    pub storage: StorageConfig,

    /// Operations: logs, Sentry, metrics, alerts and background work.
    #[command(flatten)]
    pub ops: OpsConfig,
}

/// The database: where it is, how many connections, how patient.
#[derive(Clone, Debug, Args)]
pub struct DatabaseConfig {
    /// Database URL: `sqlite://path/to/file.db` (created when missing) or `postgres://...`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/switchboard.db"
    )]
    pub database_url: Url,

    /// Maximum connections in the database pool.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    pub database_max_connections: u32,

    /// How long startup keeps retrying an unreachable database before giving up, in seconds.
    #[arg(long, env = "DATABASE_STARTUP_TIMEOUT_SECS", default_value_t = 30)]
    pub database_startup_timeout_secs: u64,

    /// Database queries slower than this are logged at warn, in milliseconds.
    #[arg(long, env = "SLOW_QUERY_MS", default_value_t = 100)]
    pub slow_query_ms: u64,
}

/// Scale-out: Redis, and this instance's name in it.
#[derive(Clone, Debug, Args)]
pub struct RedisConfig {
    /// Redis URL for multi-instance fan-out and shared rate limits; unset = single instance.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<Url>,

    /// Prefix of every Redis key and channel (several deployments can share one Redis).
    #[arg(long, env = "REDIS_PREFIX", default_value = "switchboard")]
    pub redis_prefix: String,

    /// PEM file of extra certificate authorities trusted for a `rediss://` URL (a private CA),
    /// besides the system's.
    #[arg(long, env = "REDIS_TLS_CA_FILE")]
    pub redis_tls_ca_file: Option<std::path::PathBuf>,

    /// This instance's id in logs, metrics and Redis (default: random per start).
    #[arg(long, env = "INSTANCE_ID")]
    pub instance_id: Option<String>,
}

/// The listener: address, public origin, browsers allowed, proxies believed, limits and shutdown.
#[derive(Clone, Debug, Args)]
pub struct HttpConfig {
    /// Address the HTTP/Socket.IO server listens on.
    #[arg(long, env = "BIND_ADDR", default_value = "0.0.0.0:3000")]
    pub bind_addr: SocketAddr,

    /// The public origin users reach the server at; decides the cookie's `Secure` flag and the
    /// allowed `Origin` of cookie-authenticated writes.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://localhost:3000", value_parser = parse_origin)]
    pub public_url: String,

    /// Extra allowed browser origins, comma-separated (CORS and the cross-site write check).
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// Proxies whose `X-Forwarded-For` is believed, comma-separated IPs or CIDRs
    /// (e.g. `10.0.0.0/8,127.0.0.1`); otherwise the TCP peer is the client.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::wire::proxy::IpNet>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,

    /// Connections whose peer acknowledges nothing we send (or keeps its receive window shut,
    /// like a client that stopped reading) for this long are aborted by the kernel
    /// (`TCP_USER_TIMEOUT`), in seconds; 0 leaves the system default.
    #[arg(long, env = "TCP_USER_TIMEOUT_SECS", default_value_t = 60)]
    pub tcp_user_timeout_secs: u64,

    /// Requests slower than this are logged at warn, in milliseconds.
    #[arg(long, env = "SLOW_REQUEST_MS", default_value_t = 1000)]
    pub slow_request_ms: u64,

    /// REST requests without an answer after this long get `503 TIMEOUT`, in milliseconds;
    /// 0 turns it off. Uploads and exports are exempt; downloads stream past it.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,

    /// How long the server waits for in-flight work on SIGTERM/SIGINT, in seconds.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECS", default_value_t = 20)]
    pub shutdown_timeout_secs: u64,

    /// On SIGTERM/SIGINT, how long readiness fails while the server still serves everything,
    /// so a load balancer stops sending new work before connections are closed, in seconds
    /// (part of `SHUTDOWN_TIMEOUT_SECS`; at most half of it is used).
    #[arg(long, env = "SHUTDOWN_DRAIN_SECS", default_value_t = 0)]
    pub shutdown_drain_secs: u64,
}

/// Realtime delivery: acknowledgements, retries, and how live sockets are re-checked.
#[derive(Clone, Debug, Args)]
pub struct DeliveryConfig {
    /// How long a client has to acknowledge `message:new` before it is re-sent, in milliseconds.
    #[arg(long, env = "DELIVERY_ACK_TIMEOUT_MS", default_value_t = 5000)]
    pub delivery_ack_timeout_ms: u64,

    /// Re-sends of an unacknowledged `message:new` to one socket before giving up.
    #[arg(long, env = "DELIVERY_MAX_RETRIES", default_value_t = 3)]
    pub delivery_max_retries: u32,

    /// How often live sockets whose session has expired (as of their last check) are checked
    /// again, in seconds: extended sessions keep their socket, ended ones are disconnected.
    #[arg(long, env = "SOCKET_SESSION_CHECK_SECS", default_value_t = 30)]
    pub socket_session_check_secs: u64,
}

/// Rate limits per action.
#[derive(Clone, Debug, Args)]
pub struct LimitsConfig {
    /// Per-action rate limits from `RATE_LIMIT_<ACTION>=<count>/<period>` (read at load).
    #[arg(skip)]
    pub rate_limits: crate::domain::quota::Quotas,
}

/// Accounts, sessions, departments and messages: who may register, how long things last.
#[derive(Clone, Debug, Args)]
pub struct AccountsConfig {
    /// Who may create an account: `closed`, `open` or `domain:example.com`.
    #[arg(long, env = "REGISTRATION_MODE", default_value = "closed")]
    pub registration_mode: RegistrationMode,

    /// E-mail of the admin created at startup when no user has that address yet.
    #[arg(long, env = "ADMIN_EMAIL")]
    pub admin_email: Option<String>,

    /// Password of that bootstrap admin (at least 10 characters).
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,

    /// Session lifetime in days (sliding: use extends it).
    #[arg(long, env = "SESSION_TTL_DAYS", default_value_t = 30)]
    pub session_ttl_days: u32,

    /// How long a ticket's follow link works, in days.
    #[arg(long, env = "FOLLOW_LINK_TTL_DAYS", default_value_t = 7)]
    pub follow_link_ttl_days: u32,

    /// How long after posting an author may still edit a message, in seconds.
    #[arg(long, env = "EDIT_WINDOW_SECS", default_value_t = 900)]
    pub edit_window_secs: u64,

    /// Departments users, rooms and tickets may belong to, comma-separated.
    #[arg(
        long,
        env = "DEPARTMENTS",
        value_delimiter = ',',
        default_value = "engineering,billing,product,support,general"
    )]
    pub departments: Vec<String>,
}

/// Outgoing mail.
#[derive(Clone, Debug, Args)]
pub struct MailConfig {
    /// SMTP server for outgoing mail: `smtps://user:pass@host:465`, or
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS). Unset = messages are written to
    /// the log instead (development only).
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// Sender of outgoing mail, e.g. `Switchboard <support@example.com>`.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Switchboard <switchboard@localhost>"
    )]
    pub mail_from: String,

    /// How often, in seconds, mentions and DMs left unread past each person's delay are
    /// looked for and e-mailed (on instances with `BACKGROUND_JOBS` on).
    #[arg(long, env = "EMAIL_DIGEST_INTERVAL_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub email_digest_interval_secs: u64,
}

/// Uploaded files: where they are stored, how large they may be.
#[derive(Clone, Debug, Args)]
pub struct StorageConfig {
    /// Where uploaded files live: a directory (`data/files`, `file:///srv/files`) or an
    /// S3-compatible bucket, `s3://bucket?endpoint=https://s3.example.com&region=eu-west-1`
    /// (`endpoint` may be omitted for AWS itself).
    #[arg(long, env = "STORAGE_URL", default_value = "data/files")]
    pub storage_url: String,

    /// Access key of the S3 bucket (with `AWS_SECRET_ACCESS_KEY`).
    #[arg(long, env = "AWS_ACCESS_KEY_ID")]
    pub aws_access_key_id: Option<String>,

    /// Secret key of the S3 bucket.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub aws_secret_access_key: Option<Secret>,

    /// Largest uploaded file, in bytes (enforced while the upload streams in).
    #[arg(long, env = "UPLOAD_MAX_BYTES", default_value_t = 25 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub upload_max_bytes: u64,

    /// Bytes of files one person may keep stored (attachments and pending uploads); 0 = no
    /// limit.
    #[arg(long, env = "UPLOAD_QUOTA_BYTES", default_value_t = 1024 * 1024 * 1024)]
    pub upload_quota_bytes: u64,
}

impl StorageConfig {
    /// Opens the configured store; the error names the variable at fault.
    pub fn open(&self) -> Result<crate::storage::DynStorage, ConfigError> {
        crate::storage::open(
            &self.storage_url,
            self.aws_access_key_id.as_deref(),
            self.aws_secret_access_key.as_ref().map(Secret::expose),
        )
        .map_err(|problem| ConfigError::new("STORAGE_URL", problem))
    }
}

/// Web Push: the server's VAPID key pair. Both keys unset = push notifications are off (the
/// key endpoint answers 404 `PUSH_DISABLED`). Keys are never generated at start: browsers'
/// subscriptions are bound to the public key, so a new key would silently orphan them all.
#[derive(Clone, Debug, Args)]
pub struct WebPushConfig {
    /// VAPID public key (base64url P-256 point), from `switchboard vapid`. Base64url keys may
    /// begin with `-`, so a value is never taken for a flag.
    #[arg(long, env = "WEB_PUSH_VAPID_PUBLIC_KEY", allow_hyphen_values = true)]
    pub web_push_vapid_public_key: Option<String>,

    /// VAPID private key (base64url), from `switchboard vapid`; may begin with `-`.
    #[arg(
        long,
        env = "WEB_PUSH_VAPID_PRIVATE_KEY",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub web_push_vapid_private_key: Option<Secret>,

    /// Who push services may contact about this server: a `mailto:` or `https:` URL.
    #[arg(
        long,
        env = "WEB_PUSH_SUBJECT",
        default_value = "mailto:admin@localhost"
    )]
    pub web_push_subject: String,
}

impl WebPushConfig {
    /// The VAPID identity, `None` when push is off; the error names the variable at fault.
    pub fn vapid(&self) -> Result<Option<crate::push::Vapid>, ConfigError> {
        match (
            &self.web_push_vapid_public_key,
            &self.web_push_vapid_private_key,
        ) {
            (None, None) => Ok(None),
            (Some(public), Some(private)) => {
                crate::push::Vapid::new(public, private.expose(), &self.web_push_subject)
                    .map(Some)
                    .map_err(|problem| {
                        let name = problem.split_whitespace().next().unwrap_or("WEB_PUSH");
                        ConfigError::new(name, problem)
                    })
            }
            _ => Err(ConfigError::new(
                "WEB_PUSH_VAPID_PRIVATE_KEY",
                "WEB_PUSH_VAPID_PUBLIC_KEY and WEB_PUSH_VAPID_PRIVATE_KEY must be set together",
            )),
        }
    }
}

/// The ticket assistant's model provider.
#[derive(Clone, Debug, Args)]
pub struct AssistantConfig {
    /// The ticket assistant's provider: `local` (offline, default) or `openai` (any
    /// OpenAI-compatible chat-completions server).
    #[arg(long, env = "AI_PROVIDER", default_value = "local")]
    pub ai_provider: AiProvider,

    /// Base URL of the OpenAI-compatible API (e.g. `https://api.openai.com/v1`,
    /// `http://localhost:11434/v1` for Ollama).
    #[arg(long, env = "AI_BASE_URL", default_value = "https://api.openai.com/v1")]
    pub ai_base_url: Url,

    /// Model name for the OpenAI-compatible API.
    #[arg(long, env = "AI_MODEL", default_value = "gpt-4o-mini")]
    pub ai_model: String,

    /// API key for the OpenAI-compatible API (optional for local servers).
    #[arg(long, env = "AI_API_KEY", hide_env_values = true)]
    pub ai_api_key: Option<Secret>,

    /// Model tokens per UTC day across the cluster; then the local provider answers. 0 = no limit.
    #[arg(long, env = "AI_DAILY_TOKEN_BUDGET", default_value_t = 200_000)]
    pub ai_daily_token_budget: u64,

    /// How long one model request may take, in seconds.
    #[arg(long, env = "AI_TIMEOUT_SECS", default_value_t = 30)]
    pub ai_timeout_secs: u64,
}

/// Link previews: whether URLs in messages get one, and which local servers the fetcher may
/// reach despite its address checks.
#[derive(Clone, Debug, Args)]
pub struct PreviewsConfig {
    /// Fetch link previews for URLs in messages (`off` turns them off).
    #[arg(long, env = "LINK_PREVIEWS", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub link_previews: bool,

    /// `host:port` pairs the preview fetcher may reach although their address is private or
    /// loopback (comma separated). For tests and trusted intranet sites only.
    #[arg(long, env = "LINK_PREVIEW_ALLOW", value_delimiter = ',')]
    pub link_preview_allow: Vec<String>,
}

impl PreviewsConfig {
    /// The parsed allow list; the error names the variable.
    pub fn allow_list(&self) -> Result<crate::previews::AllowList, ConfigError> {
        crate::previews::AllowList::parse(&self.link_preview_allow)
            .map_err(|problem| ConfigError::new("LINK_PREVIEW_ALLOW", problem))
    }
}

/// Operations: logs, Sentry, metrics, alerts and background work.
#[derive(Clone, Debug, Args)]
pub struct OpsConfig {
    /// Log line format: `json` (one object per line) or `pretty`.
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty")]
    pub log_format: LogFormat,

    /// Log filter in `tracing` syntax, for example `info,switchboard=debug`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub rust_log: String,

    /// Directory for daily rolling log files (JSON); unset = stdout only.
    #[arg(long, env = "LOG_DIR")]
    pub log_dir: Option<PathBuf>,

    /// How many daily log files to keep in `LOG_DIR`.
    #[arg(long, env = "LOG_RETENTION_DAYS", default_value_t = 14)]
    pub log_retention_days: usize,

    /// Sentry DSN for server errors; unset = Sentry off.
    #[arg(long, env = "SENTRY_DSN", hide_env_values = true)]
    pub sentry_dsn: Option<Secret>,

    /// Sentry DSN handed to the web client (its own project; the server's DSN is never handed
    /// out); unset = browser reporting off.
    #[arg(long, env = "SENTRY_BROWSER_DSN", hide_env_values = true)]
    pub sentry_browser_dsn: Option<Secret>,

    /// Environment name in error reports.
    #[arg(long, env = "SENTRY_ENVIRONMENT", default_value = "production")]
    pub sentry_environment: String,

    /// Fraction of requests and socket events traced to Sentry as transactions (0.0 to 1.0).
    #[arg(long, env = "SENTRY_TRACES_SAMPLE_RATE", default_value_t = 0.0)]
    pub sentry_traces_sample_rate: f32,

    /// Serve `GET /metrics` on this separate address (e.g. `127.0.0.1:9100`) instead of the
    /// main port.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Bearer token that opens `GET /metrics` on the main port (when `METRICS_ADDR` is unset).
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,

    /// Slack-compatible webhook for alerts; unset = no alerts.
    #[arg(long, env = "ALERT_WEBHOOK_URL", hide_env_values = true)]
    pub alert_webhook_url: Option<Secret>,

    /// Server errors (5xx) within the alert window that raise an alert.
    #[arg(long, env = "ALERT_5XX_THRESHOLD", default_value_t = 25)]
    pub alert_5xx_threshold: u64,

    /// Given-up deliveries within the alert window that raise an alert.
    #[arg(long, env = "ALERT_DELIVERY_FAILURE_THRESHOLD", default_value_t = 25)]
    pub alert_delivery_failure_threshold: u64,

    /// The alert window, in seconds.
    #[arg(long, env = "ALERT_WINDOW_SECS", default_value_t = 300)]
    pub alert_window_secs: u64,

    /// After an alert, the same alert is not sent again for this long, in seconds.
    #[arg(long, env = "ALERT_COOLDOWN_SECS", default_value_t = 900)]
    pub alert_cooldown_secs: u64,

    /// Run the background jobs worker (alerts, assistant refreshes) on this instance.
    #[arg(long, env = "BACKGROUND_JOBS", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub background_jobs: bool,

    /// Enables routes that exist only for the test suite (a route that panics). Never in
    /// production.
    #[arg(long, env = "SWITCHBOARD_TEST_HOOKS", hide = true, default_value_t = false,
          action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub test_hooks: bool,
}

impl Config {
    /// Checks the rules that span several fields; the error names the variable at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.accounts.admin_email.is_some() != self.accounts.admin_password.is_some() {
            return Err(ConfigError::new(
                "ADMIN_PASSWORD",
                "ADMIN_EMAIL and ADMIN_PASSWORD must be set together",
            ));
        }
        if let Some(email) = &self.accounts.admin_email {
            crate::domain::user::Email::parse(email)
                .map_err(|_| ConfigError::new("ADMIN_EMAIL", "is not a valid e-mail address"))?;
        }
        if let Some(password) = &self.accounts.admin_password {
            crate::domain::user::check_password_strength(password.expose())
                .map_err(|problem| ConfigError::new("ADMIN_PASSWORD", problem))?;
        }
        self.previews.allow_list()?;
        let database_url = self.database.database_url.expose();
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        if let Some(url) = &self.redis.redis_url
            && !(url.expose().starts_with("redis://") || url.expose().starts_with("rediss://"))
        {
            return Err(ConfigError::new(
                "REDIS_URL",
                "must start with redis:// or rediss://",
            ));
        }
        if let Some(file) = &self.redis.redis_tls_ca_file
            && !file.is_file()
        {
            return Err(ConfigError::new(
                "REDIS_TLS_CA_FILE",
                format!("{} is not a readable file", file.display()),
            ));
        }
        if self
            .accounts
            .departments
            .iter()
            .any(|d| !is_department_name(d))
        {
            return Err(ConfigError::new(
                "DEPARTMENTS",
                "names must be 1-32 lower-case letters, digits or dashes",
            ));
        }
        if !(0.0..=1.0).contains(&self.ops.sentry_traces_sample_rate) {
            return Err(ConfigError::new(
                "SENTRY_TRACES_SAMPLE_RATE",
                "must be between 0.0 and 1.0",
            ));
        }
        if self.delivery.delivery_ack_timeout_ms < 50 {
            return Err(ConfigError::new(
                "DELIVERY_ACK_TIMEOUT_MS",
                "must be at least 50",
            ));
        }
        if self.redis.redis_prefix.is_empty()
            || self.redis.redis_prefix.contains(char::is_whitespace)
        {
            return Err(ConfigError::new("REDIS_PREFIX", "must be a non-empty word"));
        }
        if self
            .mail
            .mail_from
            .parse::<lettre::message::Mailbox>()
            .is_err()
        {
            return Err(ConfigError::new(
                "MAIL_FROM",
                "must be an address like Switchboard <support@example.com>",
            ));
        }
        if let Some(url) = &self.mail.smtp_url
            && !(url.expose().starts_with("smtp://") || url.expose().starts_with("smtps://"))
        {
            return Err(ConfigError::new(
                "SMTP_URL",
                "must start with smtp:// or smtps://",
            ));
        }
        if self.accounts.follow_link_ttl_days == 0 || self.accounts.follow_link_ttl_days > 90 {
            return Err(ConfigError::new(
                "FOLLOW_LINK_TTL_DAYS",
                "must be between 1 and 90",
            ));
        }
        if self.delivery.socket_session_check_secs == 0 {
            return Err(ConfigError::new(
                "SOCKET_SESSION_CHECK_SECS",
                "must be at least 1",
            ));
        }
        self.web_push.vapid()?;
        self.storage.open()?;
        if self.database.database_max_connections == 0 {
            return Err(ConfigError::new(
                "DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// True when the session cookie must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.http.public_url.starts_with("https://")
    }

    /// The session cookie's name: with HTTPS it carries the `__Host-` prefix, so the browser
    /// only accepts it from this origin, `Secure`, for `/`, with no `Domain` (a sibling
    /// subdomain cannot plant or overwrite it).
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-sb_session"
        } else {
            "sb_session"
        }
    }

    /// Origins a browser may send cookie-authenticated writes from.
    pub fn allowed_origins(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.http.public_url.as_str())
            .chain(self.http.cors_origins.iter().map(String::as_str))
    }

    /// The environment name used in error reports and the client config.
    pub fn environment(&self) -> &str {
        &self.ops.sentry_environment
    }

    /// The DSN the browser reports to, if any.
    pub fn browser_sentry_dsn(&self) -> Option<String> {
        self.ops
            .sentry_browser_dsn
            .as_ref()
            .map(|dsn| dsn.expose().to_owned())
    }

    /// True when requests and socket events become Sentry transactions.
    pub fn sentry_tracing(&self) -> bool {
        self.ops.sentry_dsn.is_some() && self.ops.sentry_traces_sample_rate > 0.0
    }

    /// The bootstrap admin's address and password, when both are set.
    pub fn bootstrap_admin(&self) -> Option<(&str, &str)> {
        let accounts = &self.accounts;
        accounts
            .admin_email
            .as_deref()
            .zip(accounts.admin_password.as_ref().map(Secret::expose))
    }

    /// True when the database URL points at PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database.database_url.expose().starts_with("postgres")
    }
}

fn is_department_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Accepts `scheme://host[:port]` and returns it without a trailing slash.
fn parse_origin(value: &str) -> Result<String, String> {
    let trimmed = value.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
        return Err("must be an origin like https://chat.example.com (no path)".into());
    }
    Ok(trimmed.to_owned())
}

/// Replaces the password of `scheme://user:password@host/...` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// A value that must never be printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// A URL that may carry a password (`scheme://user:password@host/...`): `Debug` masks the
/// password, so the startup line can show where the server connects.
#[derive(Clone, PartialEq, Eq)]
pub struct Url(String);

impl Url {
    /// The URL itself, password included, for the one place that connects.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", redact_url(&self.0))
    }
}

impl FromStr for Url {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// Who may create an account through `POST /auth/register`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Only admins create accounts.
    Closed,
    /// Anyone may register.
    Open,
    /// Only addresses of this domain may register.
    Domain(String),
}

impl RegistrationMode {
    /// The mode as written in `REGISTRATION_MODE`.
    pub fn as_string(&self) -> String {
        match self {
            Self::Closed => "closed".into(),
            Self::Open => "open".into(),
            Self::Domain(domain) => format!("domain:{domain}"),
        }
    }
}

impl FromStr for RegistrationMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "closed" => Ok(Self::Closed),
            "open" => Ok(Self::Open),
            other => match other.strip_prefix("domain:") {
                Some(domain) if domain.contains('.') && !domain.contains('@') => {
                    Ok(Self::Domain(domain.to_ascii_lowercase()))
                }
                _ => Err("expected closed, open or domain:example.com".into()),
            },
        }
    }
}

/// The ticket assistant's provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AiProvider {
    /// Built-in, offline rules.
    Local,
    /// An OpenAI-compatible chat-completions API.
    Openai,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line, for log shippers.
    Json,
    /// Human-readable lines, for terminals.
    Pretty,
}

/// A configuration problem, printed as one line naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: String,
    /// What is wrong with it.
    pub problem: String,
}

impl ConfigError {
    /// A problem with `var`.
    pub fn new(var: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            var: var.into(),
            problem: problem.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn parses_registration_modes() {
        assert_eq!("open".parse(), Ok(RegistrationMode::Open));
        assert_eq!(
            "domain:Example.com".parse(),
            Ok(RegistrationMode::Domain("example.com".into()))
        );
        assert!("domain:".parse::<RegistrationMode>().is_err());
        assert!("maybe".parse::<RegistrationMode>().is_err());
    }

    #[derive(clap::Parser)]
    struct Settings {
        #[command(flatten)]
        config: Config,
    }

    #[test]
    fn the_startup_line_shows_every_setting_but_no_secret() -> Result<(), clap::Error> {
        use clap::{CommandFactory, Parser};
        let secrets = [
            ("--admin-password", "hunter2-hunter2"),
            ("--sentry-dsn", "https://sentry-key@o0.ingest.example/1"),
            (
                "--sentry-browser-dsn",
                "https://browser-key@o0.ingest.example/2",
            ),
            ("--metrics-token", "metrics-secret"),
            (
                "--alert-webhook-url",
                "https://hooks.example/T0/webhook-secret",
            ),
            ("--ai-api-key", "sk-model-secret"),
            ("--smtp-url", "smtps://mailer:smtp-secret@mail.example:465"),
            ("--aws-secret-access-key", "s3-secret"),
        ];
        let mut argv = vec![
            "switchboard",
            "--database-url",
            "postgres://app:db-secret@db:5432/x",
            "--admin-email",
            "admin@example.com",
        ];
        argv.extend(secrets.iter().flat_map(|(flag, value)| [*flag, *value]));
        let settings = Settings::try_parse_from(argv)?;
        let mut config = settings.config;
        config.limits.rate_limits.insert(
            crate::domain::quota::Action::Search,
            "off".parse().unwrap_or_else(|e: String| panic!("{e}")),
        );
        let line = format!("{config:?}");
        for arg in Settings::command().get_arguments() {
            let id = arg.get_id().as_str();
            assert!(
                line.contains(&format!("{id}: ")),
                "{id} is missing from {line}"
            );
        }
        for value in secrets.iter().map(|(_, v)| *v).chain(["db-secret"]) {
            assert!(!line.contains(value), "{value} leaked: {line}");
        }
        assert!(line.contains("\"search\": \"off\""), "{line}");
        assert!(line.contains("\"login_ip\": \"20/60s\""), "{line}");
        assert!(line.contains("ai_daily_token_budget: 200000"), "{line}");
        Ok(())
    }

    /// A base64url key may begin with `-` (one generated key in 64): it is still a value.
    #[test]
    fn vapid_keys_may_begin_with_a_hyphen() -> Result<(), clap::Error> {
        use clap::Parser;
        let (public, private) = ("-BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA", "-L8qWmR0vXf2");
        let settings = Settings::try_parse_from([
            "switchboard",
            "--web-push-vapid-public-key",
            public,
            "--web-push-vapid-private-key",
            private,
        ])?;
        let push = settings.config.web_push;
        assert_eq!(push.web_push_vapid_public_key.as_deref(), Some(public));
        assert_eq!(
            push.web_push_vapid_private_key
                .map(|k| k.expose().to_owned()),
            Some(private.to_owned())
        );
        Ok(())
    }

    #[test]
    fn origins_must_not_have_paths() {
        assert_eq!(parse_origin("https://a.b/"), Ok("https://a.b".into()));
        assert!(parse_origin("https://a.b/x").is_err());
        assert!(parse_origin("a.b").is_err());
    }
}
