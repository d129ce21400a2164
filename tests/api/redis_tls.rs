//! `rediss://`: the server talks TLS to a local `redis-server --tls-port` whose certificate
//! comes from a CA made for the test (`openssl`), trusted through `REDIS_TLS_CA_FILE`; without
//! that CA the connection is refused. Skipped (with a message) outside CI when `redis-server`
//! was built without TLS or `openssl` is missing; in CI that fails.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::json;
use switchboard::redis::RedisHub;

use crate::helpers::{Backend, DbGuard, TestApp, in_ci, redis_prefix};

/// Says why the test cannot run: a failure in CI, a skip elsewhere.
fn unavailable(why: &str) {
    assert!(!in_ci(), "rediss test needs {why} in CI");
    eprintln!("skipped: {why}");
}

/// Runs `openssl` with `args` in `dir`; false when it is missing or fails.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A CA (`ca.pem`) and a server certificate for 127.0.0.1 and localhost signed by it
/// (`server.pem`, `server.key`), P-256 keys.
fn make_certificates(dir: &Path) -> bool {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ca: Vec<&str> = [
        &["req", "-x509"][..],
        &ec[..],
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=switchboard test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ][..],
    ]
    .concat();
    let request: Vec<&str> = [
        &["req"][..],
        &ec[..],
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ][..],
    ]
    .concat();
    let sign = [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ];
    openssl(dir, &ca) && openssl(dir, &request) && openssl(dir, &sign)
}

/// The test's own redis-server, killed when dropped.
struct RedisServer(Child);

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `redis-server` with only a TLS port; `None` (after saying why) when it cannot.
async fn start_tls_redis(dir: &Path) -> Option<(RedisServer, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spawned = Command::new("redis-server")
        .args(["--port", "0", "--tls-port", &port.to_string()])
        .args([
            "--tls-cert-file",
            "server.pem",
            "--tls-key-file",
            "server.key",
        ])
        .args(["--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no"])
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(child) = spawned else {
        unavailable("redis-server");
        return None;
    };
    let mut server = RedisServer(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = server.0.try_wait() {
            // A build without TLS refuses `--tls-port` and exits.
            unavailable(&format!("a redis-server with TLS (it exited: {status})"));
            return None;
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((server, port));
        }
        assert!(Instant::now() < deadline, "redis-server did not listen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_urls_connect_with_tls() {
    switchboard::ops::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    if !make_certificates(dir.path()) {
        unavailable("openssl to make a test certificate");
        return;
    }
    let Some((_redis, port)) = start_tls_redis(dir.path()).await else {
        return;
    };
    let url = format!("rediss://127.0.0.1:{port}");
    let ca = dir.path().join("ca.pem");

    // Without the test's CA the server's certificate is not trusted: no connection.
    let untrusted = tokio::time::timeout(
        Duration::from_secs(20),
        RedisHub::connect(&url, &redis_prefix(), Duration::from_millis(500), None),
    )
    .await;
    assert!(
        !matches!(untrusted, Ok(Ok(_))),
        "connected without trusting the CA"
    );

    // With it, everything that uses Redis works over TLS: the hub connects, readiness pings
    // Redis, and a message is published on the delivery bus.
    let Some((db, database_url)) = DbGuard::create(Backend::Sqlite).await else {
        return;
    };
    let prefix = redis_prefix();
    let app = TestApp::start(
        Backend::Sqlite,
        std::sync::Arc::new(db),
        database_url,
        &[
            "--redis-url",
            url.as_str(),
            "--redis-tls-ca-file",
            ca.to_str().unwrap(),
            "--redis-prefix",
            prefix.as_str(),
        ],
    )
    .await;
    let ready = app.anonymous().get("/readyz").await.expect(200);
    assert_eq!(
        ready.body["redis"]["status"],
        json!("ok"),
        "{:?}",
        ready.body
    );
    assert!(app.state.redis.is_some());
    // A message crosses the delivery bus (published and received over TLS).
    let user = app.staff().await;
    let room = user
        .create_room(&crate::helpers::slug("tls"), "public", None)
        .await;
    user.send_message(room, "over TLS").await;
}
