//! The scenarios, one module each, and what they share: connecting many clients at once.

use std::{net::IpAddr, sync::Arc, time::Duration};

use anyhow::bail;
use futures::{StreamExt, stream};

use crate::{
    client::{self, Conn, Endpoint, Handler},
    fixture::Target,
    progress,
};

pub mod chaos;
pub mod cluster;
pub mod crowd;
pub mod durable;
pub mod fanout;
pub mod idle;
pub mod outcome;
pub mod rest;
pub mod smoke;
pub mod soak;
pub mod stepper;
pub mod uploads;
pub mod wsraw;

/// Connects at most this many sockets at once.
const CONNECT_CONCURRENCY: usize = 64;

/// Past this many sockets, spread the client side over 127.0.0.1..=4 (ephemeral ports run
/// out near 28k per source address).
const SOCKETS_PER_SOURCE: usize = 15_000;

/// The endpoint of socket number `i` of `target`.
pub fn endpoint(target: &Target, i: usize) -> Endpoint {
    let local = if target.addr.ip().is_loopback() && target.addr.is_ipv4() {
        let n = u8::try_from(1 + (i / SOCKETS_PER_SOURCE) % 4).unwrap_or(1);
        Some(IpAddr::from([127, 0, 0, n]))
    } else {
        None
    };
    Endpoint {
        addr: target.addr,
        local,
        batches: target.batches,
    }
}

/// Connects one socket per `(token, handler)`, a few at a time; fails on the first error.
pub async fn connect_all(
    target: &Target,
    offset: usize,
    clients: Vec<(String, Arc<dyn Handler>)>,
) -> anyhow::Result<Vec<Conn>> {
    let total = clients.len();
    let results: Vec<_> = stream::iter(clients.into_iter().enumerate())
        .map(|(i, (token, handler))| {
            let endpoint = endpoint(target, offset + i);
            async move { connect_retrying(&endpoint, &token, handler).await }
        })
        .buffered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let mut conns = Vec::with_capacity(total);
    for result in results {
        conns.push(result?);
    }
    Ok(conns)
}

/// Connects, retrying transport errors a few times (a listen backlog overflows under a storm).
async fn connect_retrying(
    endpoint: &Endpoint,
    token: &str,
    handler: Arc<dyn Handler>,
) -> anyhow::Result<Conn> {
    let mut last = None;
    for attempt in 0..5u64 {
        match client::connect(
            endpoint,
            token,
            Arc::clone(&handler),
            Duration::from_secs(20),
        )
        .await
        {
            Ok(conn) => return Ok(conn),
            Err(client::ConnectError::Refused(code)) => bail!("connect refused: {code}"),
            Err(err) => {
                last = Some(err);
                tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
            }
        }
    }
    match last {
        Some(err) => Err(err.into()),
        None => bail!("connect failed"),
    }
}

/// Descriptors the generator needs besides its sockets (HTTP clients, pipes, files).
const SPARE_DESCRIPTORS: u64 = 256;

/// Fails early when `sockets` connections cannot all be open at once: the generator holds one
/// descriptor per socket, and so does the server it starts (which inherits this limit).
pub fn check_descriptors(sockets: usize) -> anyhow::Result<()> {
    let need = sockets as u64 + SPARE_DESCRIPTORS;
    match crate::procfs::open_files_limit() {
        Some(limit) if limit < need => bail!(
            "{sockets} sockets need about {need} open files here and in the server, but the limit is {limit} (bench/run.sh raises the soft limit to the hard one; more needs a higher hard limit)"
        ),
        _ => Ok(()),
    }
}

/// Waits until a server has settled (background work after connects, allocator).
pub async fn settle(secs: u64) {
    if secs > 0 {
        progress!("settling for {secs} s");
        tokio::time::sleep(Duration::from_secs(secs)).await;
    }
}

/// Filler text of `bytes` bytes for message bodies.
pub fn padding(bytes: usize) -> String {
    const WORDS: [&str; 8] = [
        "alpha", "bravo", "delta", "kilo", "lima", "oscar", "tango", "zulu",
    ];
    let mut out = String::with_capacity(bytes + 8);
    let mut i = 0;
    while out.len() < bytes {
        out.push_str(WORDS[i % WORDS.len()]);
        out.push(' ');
        i += 1;
    }
    out.truncate(bytes);
    out
}
