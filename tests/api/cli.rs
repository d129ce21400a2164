//! The `switchboard` binary itself: configuration errors, `migrate`, `user create`,
//! `healthcheck` and `serve --demo` with a graceful exit on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::json;

use crate::helpers::{Backend, TestApp};

/// The binary built next to this test (scripts/test builds it first).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = dir.join("switchboard");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --bin switchboard` first",
        path.display()
    );
    path
}

fn switchboard(dir: &tempfile::TempDir) -> Command {
    let mut cmd = Command::new(binary());
    cmd.env_clear()
        .current_dir(dir.path())
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "warn");
    cmd
}

#[test]
fn a_bad_setting_stops_startup_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value) in [
        ("BIND_ADDR", "not-an-address"),
        ("REGISTRATION_MODE", "sometimes"),
        ("DATABASE_URL", "mysql://x"),
        ("SESSION_TTL_DAYS", "-3"),
        ("PUBLIC_URL", "ftp://x"),
    ] {
        let out = switchboard(&dir)
            .env(var, value)
            .arg("migrate")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{var}: {stderr}");
        assert!(stderr.contains(var), "{var} not named in: {stderr}");
    }
    let secret = switchboard(&dir)
        .env("ADMIN_EMAIL", "a@b.example")
        .env("ADMIN_PASSWORD", "hunter2")
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&secret.stderr);
    assert!(
        stderr.contains("ADMIN_PASSWORD") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

#[tokio::test]
async fn migrate_and_user_create_prepare_a_sqlite_database() {
    migrate_and_user_create_prepare_a_database(Backend::Sqlite).await;
}

#[tokio::test]
async fn migrate_and_user_create_prepare_a_postgres_database() {
    migrate_and_user_create_prepare_a_database(Backend::Postgres).await;
}

async fn migrate_and_user_create_prepare_a_database(backend: Backend) {
    let Some((db, url)) = crate::helpers::DbGuard::create(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let migrate = switchboard(&dir)
        .env("DATABASE_URL", &url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let create = |email: &str| {
        switchboard(&dir)
            .env("DATABASE_URL", &url)
            .args([
                "user", "create", "--email", email, "--name", "Root", "--role", "admin",
            ])
            .env("SWITCHBOARD_USER_PASSWORD", "a long admin password")
            .output()
            .unwrap()
    };
    let first = create("Root@Corp.example");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let again = create("root@corp.example");
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("taken"));
    let short = switchboard(&dir)
        .env("DATABASE_URL", &url)
        .args([
            "user",
            "create",
            "--email",
            "x@corp.example",
            "--name",
            "X",
            "--password",
            "short",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let app = TestApp::start(backend, std::sync::Arc::new(db), url, &[]).await;
    let login = app
        .anonymous()
        .post(
            "auth/login",
            json!({"email": "root@corp.example", "password": "a long admin password"}),
        )
        .await
        .expect(200);
    assert_eq!(login.data()["user"]["role"], json!("admin"));
    // The account made on the command line is audited as made by the system.
    let created = app
        .state
        .ctx
        .store
        .list_audit(&switchboard::store::AuditFilter {
            action: Some("user.create".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0].actor_id, None);
    assert_eq!(created[0].metadata.0["via"], json!("cli"));
    assert_eq!(created[0].metadata.0["email"], json!("root@corp.example"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_exits_zero_only_when_ready() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ok = switchboard(&dir)
        .args(["healthcheck", "--url", &app.base])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    app.state.lifecycle.begin_shutdown();
    let draining = switchboard(&dir)
        .args(["healthcheck", "--url", &app.base])
        .output()
        .unwrap();
    assert_eq!(draining.status.code(), Some(1));
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = switchboard(&dir)
        .env("BIND_ADDR", format!("0.0.0.0:{port}"))
        .arg("healthcheck")
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(1));
}

/// A server process that is killed if the test fails before stopping it.
struct Reaped(Option<std::process::Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn serve_demo_seeds_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = switchboard(&dir)
        .env("BIND_ADDR", "127.0.0.1:0")
        // An SMTP transport is built at startup: that must happen inside the runtime.
        .env("SMTP_URL", "smtp://127.0.0.1:9")
        .args(["serve", "--demo"])
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut server = Reaped(Some(child));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let plain = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text);
        text
    });
    // With LOG_FORMAT=json every line is a JSON object with flat fields, the startup lines
    // included (they are logged even with RUST_LOG=warn).
    let mut lines = Vec::new();
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server did not start");
        let event: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            event.get("fields").is_none(),
            "fields are flattened: {line}"
        );
        if let Some(url) = event["message"]
            .as_str()
            .and_then(|m| m.strip_prefix("listening on "))
        {
            assert_eq!(event["target"], json!("switchboard::startup"));
            break url.to_owned();
        }
        lines.push(line);
    };
    let printed = lines.join("\n");
    assert!(
        printed.contains("ada@demo.switchboard.chat"),
        "demo accounts not logged:\n{printed}"
    );
    assert!(dir.path().join("data/switchboard.db").exists());
    let http = crate::helpers::http_client();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "grace@demo.switchboard.chat", "password": "switchboard-demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["data"]["token"].as_str().unwrap();
    let rooms: serde_json::Value = http
        .get(format!("{base}/api/v1/rooms"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = rooms["data"]["items"].as_array().unwrap();
    assert!(items.len() >= 4, "{rooms}");
    assert!(items.iter().any(|r| r["kind"] == json!("dm")));
    assert!(items.iter().all(|r| r["lastSeq"].as_i64().unwrap() > 0));
    let config: serde_json::Value = http
        .get(format!("{base}/api/v1/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["data"]["demo"], json!(true));
    let mut child = server.0.take().unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    let plain = plain.join().unwrap();
    assert_eq!(plain, "", "no plain lines beside the JSON log");
}

/// Every environment variable the binary reads (any subcommand's too) is in .env.example, and
/// every variable there is one it reads (or one docker-compose.yml reads).
#[test]
fn the_example_env_file_lists_every_variable() {
    use clap::CommandFactory;
    fn collect(command: &clap::Command, names: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if let Some(env) = arg.get_env() {
                names.push(env.to_string_lossy().into_owned());
            }
        }
        for sub in command.get_subcommands() {
            collect(sub, names);
        }
    }
    let mut read = Vec::new();
    collect(&switchboard::cli::Cli::command(), &mut read);
    let example =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.env.example"))
            .unwrap();
    let listed: Vec<String> = example
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.to_owned()))
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .collect();
    for name in &read {
        assert!(listed.contains(name), "{name} is not in .env.example");
    }
    let compose_only = ["POSTGRES_PASSWORD"];
    for name in &listed {
        let known = read.contains(name)
            || name.starts_with("RATE_LIMIT_")
            || compose_only.contains(&name.as_str());
        assert!(known, "{name} in .env.example is read by nothing");
    }
}
