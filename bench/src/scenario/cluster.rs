//! Switchboard instances (two, or more) on one PostgreSQL database and a private `redis-server` (on a
//! free port, never the shared one): the setting of `redis-restart`, `kill-instance` and
//! `fanout --redis`.

use std::{path::PathBuf, process::Stdio, time::Duration};

use anyhow::{Context, bail};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    process::{Child, Command},
};

use crate::{
    launch::TargetArgs,
    progress,
    target::{self, Backend, Database},
};

/// A private redis-server (never the shared one), killed when dropped.
pub struct Redis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Redis {
    async fn start(port: u16) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("sb-bench-redis-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir)?;
        let mut redis = Self {
            port,
            dir,
            child: None,
        };
        redis.up().await?;
        Ok(redis)
    }

    pub async fn up(&mut self) -> anyhow::Result<()> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("redis-server")?;
        self.child = Some(child);
        for _ in 0..100 {
            if self.ping().await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("redis-server did not start on port {}", self.port)
    }

    async fn ping(&self) -> bool {
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await else {
            return false;
        };
        let mut buf = [0u8; 7];
        stream.write_all(b"PING\r\n").await.is_ok()
            && stream.read_exact(&mut buf).await.is_ok()
            && &buf == b"+PONG\r\n"
    }

    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _gone = child.start_kill();
            let _reaped = child.wait().await;
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _gone = child.start_kill();
        }
        let _removed = std::fs::remove_dir_all(&self.dir);
    }
}

/// Two instances on one PostgreSQL database and a private Redis (kept alive by the caller).
pub async fn two_instances(
    target: &TargetArgs,
) -> anyhow::Result<(Redis, Database, target::Server, target::Server)> {
    let (redis, database, mut servers) = instances(target, 2).await?;
    let b = servers.pop().context("instance b")?;
    let a = servers.pop().context("instance a")?;
    Ok((redis, database, a, b))
}

/// `n` instances (ids a, b, c, ...) on one PostgreSQL database and a private Redis.
pub async fn instances(
    target: &TargetArgs,
    n: usize,
) -> anyhow::Result<(Redis, Database, Vec<target::Server>)> {
    let bin = target
        .server_bin
        .clone()
        .context("this run needs --server-bin")?;
    if target.db != Backend::Postgres {
        progress!("instances share one database: using PostgreSQL");
    }
    let redis = Redis::start(target::free_port()?).await?;
    let database = Database::create(Backend::Postgres, &target.pg_url).await?;
    let prefix = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let mut servers = Vec::with_capacity(n);
    for i in 0..n {
        let id = char::from(b'a' + u8::try_from(i % 26).unwrap_or(0)).to_string();
        let env = vec![
            (
                "REDIS_URL".to_owned(),
                format!("redis://127.0.0.1:{}", redis.port),
            ),
            ("REDIS_PREFIX".to_owned(), prefix.clone()),
            ("INSTANCE_ID".to_owned(), id),
        ];
        servers.push(
            target::start_switchboard(&target.switchboard_spec(&bin, &database.url, 0, env))
                .await?,
        );
    }
    Ok((redis, database, servers))
}
