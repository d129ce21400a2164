//! File uploads: the throughput of one large upload (`POST /rooms/{id}/uploads`, local
//! storage) and of its download (`GET /attachments/{id}`, whole and as a byte range), then
//! server memory growth while several such uploads run at once (the upload streams to disk,
//! so the growth stays small whatever the file size). Switchboard only.

use std::{sync::Arc, time::Duration};

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use serde_json::json;
use tokio::time::Instant;

use crate::{
    launch::TargetArgs,
    procfs, progress,
    report::{Table, median, write_json},
    target::Kind,
};

/// Options of `uploads`.
#[derive(Clone, Debug, Args)]
pub struct UploadsArgs {
    /// Size of each file, in MiB (the server's default limit is 25).
    #[arg(long, default_value_t = 25)]
    pub mib: usize,
    /// Sequential single uploads measured for throughput.
    #[arg(long, default_value_t = 5)]
    pub singles: usize,
    /// Uploads at once for the memory measurement.
    #[arg(long, default_value_t = 10)]
    pub concurrent: usize,
}

#[derive(Debug, Serialize)]
struct Measured {
    single_mib_per_sec: Vec<f64>,
    download_mib_per_sec: Vec<f64>,
    range_mib_per_sec: Vec<f64>,
    concurrent_secs: f64,
    rss_before_kib: u64,
    rss_peak_kib: u64,
    concurrent_download_secs: f64,
    download_rss_before_kib: u64,
    download_rss_peak_kib: u64,
}

/// Runs `tasks` at once while sampling the server's RSS every 10 ms: the seconds they took,
/// the RSS before and its peak (KiB).
async fn with_rss<T: Send + 'static>(
    pid: Option<u32>,
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<T>>>,
) -> anyhow::Result<(f64, u64, u64)> {
    let rss = move || pid.and_then(|p| procfs::rss_kib(p).ok()).unwrap_or(0);
    let rss_before = rss();
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(rss_before));
    let sampling = {
        let peak = Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    for task in tasks {
        task.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    sampling.abort();
    let rss_peak = peak.load(std::sync::atomic::Ordering::Relaxed).max(rss());
    Ok((secs, rss_before, rss_peak))
}

/// A multipart body with one part named `file`.
fn multipart(bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads one file; its attachment id.
async fn upload(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> anyhow::Result<String> {
    let response = http
        .post(url)
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .context("upload")?;
    if response.status().as_u16() != 201 {
        bail!(
            "upload answered {}: {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
    }
    let created: serde_json::Value = response.json().await.context("upload answer")?;
    created["data"]["id"]
        .as_str()
        .map(str::to_owned)
        .context("no id in the upload answer")
}

/// Downloads `url` (a `Range` when given) and checks the status and the length; MiB/s.
async fn download(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    range: Option<(u64, u64)>,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut request = http.get(url).bearer_auth(token);
    if let Some((from, to)) = range {
        request = request.header("range", format!("bytes={from}-{to}"));
    }
    let response = request.send().await.context("download")?;
    let want = if range.is_some() { 206 } else { 200 };
    if response.status().as_u16() != want {
        bail!("download answered {}, not {want}", response.status());
    }
    let expected = response.content_length();
    // Counted and dropped chunk by chunk, as `dd of=/dev/null` does: collecting the body
    // would measure this client's copies too.
    let mut body = response;
    let mut received = 0u64;
    while let Some(chunk) = body.chunk().await.context("download body")? {
        received += chunk.len() as u64;
    }
    if expected.is_some_and(|n| n != received) {
        bail!("the download gave {received} bytes, not {expected:?}");
    }
    if let Some((from, to)) = range
        && received != to - from + 1
    {
        bail!("the range gave {received} bytes, not {}", to - from + 1);
    }
    Ok(received as f64 / 1024.0 / 1024.0 / started.elapsed().as_secs_f64())
}

/// Runs `uploads`.
pub async fn run(target: &TargetArgs, args: &UploadsArgs) -> anyhow::Result<()> {
    let running = target.launch_switchboard(target.db, 0, Vec::new()).await?;
    if running.target.kind != Kind::Switchboard {
        bail!("uploads runs against Switchboard only");
    }
    let fixture = running.target.fixture(1, 1).await?;
    let room = fixture.rooms.first().context("no room")?;
    let token = room.members.first().context("no member")?.token.clone();
    let url = format!(
        "{}/api/v1/rooms/{}/uploads",
        running.target.base_url(),
        room.id
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?;
    // Random bytes: no type to detect, nothing compressible.
    let mut file = vec![0u8; args.mib * 1024 * 1024];
    rand::Rng::fill(&mut rand::rng(), &mut file[..]);
    let (content_type, body) = multipart(&file);
    drop(file);

    let mut single = Vec::new();
    let mut last_id = None;
    let (mut downloads, mut ranges) = (Vec::new(), Vec::new());
    let size = (args.mib * 1024 * 1024) as u64;
    for n in 0..args.singles {
        let started = Instant::now();
        let id = upload(&http, &url, &token, &content_type, body.clone()).await?;
        let rate = args.mib as f64 / started.elapsed().as_secs_f64();
        let file_url = format!("{}/api/v1/attachments/{id}", running.target.base_url());
        let whole = download(&http, &file_url, &token, None).await?;
        // The second half, as a player or a resumed download asks for it.
        let half = download(&http, &file_url, &token, Some((size / 2, size - 1))).await?;
        progress!(
            "file {}: upload {rate:.0} MiB/s, download {whole:.0} MiB/s, range {half:.0} MiB/s",
            n + 1
        );
        single.push(rate);
        downloads.push(whole);
        ranges.push(half);
        last_id = Some(id);
    }

    let pid = running.target.pid;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let uploads: Vec<_> = (0..args.concurrent)
        .map(|_| {
            let (http, url, token, content_type, body) = (
                http.clone(),
                url.clone(),
                token.clone(),
                content_type.clone(),
                body.clone(),
            );
            tokio::spawn(async move { upload(&http, &url, &token, &content_type, body).await })
        })
        .collect();
    let (concurrent_secs, rss_before, rss_peak) = with_rss(pid, uploads).await?;

    // The same number of whole downloads at once, of the last file uploaded.
    let file_url = format!(
        "{}/api/v1/attachments/{}",
        running.target.base_url(),
        last_id.context("no file uploaded")?
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let downloads_at_once: Vec<_> = (0..args.concurrent)
        .map(|_| {
            let (http, file_url, token) = (http.clone(), file_url.clone(), token.clone());
            tokio::spawn(async move { download(&http, &file_url, &token, None).await })
        })
        .collect();
    let (concurrent_download_secs, download_rss_before, download_rss_peak) =
        with_rss(pid, downloads_at_once).await?;
    let measured = Measured {
        single_mib_per_sec: single,
        download_mib_per_sec: downloads,
        range_mib_per_sec: ranges,
        concurrent_secs,
        rss_before_kib: rss_before,
        rss_peak_kib: rss_peak,
        concurrent_download_secs,
        download_rss_before_kib: download_rss_before,
        download_rss_peak_kib: download_rss_peak,
    };
    let mut table = Table::new(
        format!(
            "Uploads of {} MiB to local storage: {} single, then {} at once",
            args.mib, args.singles, args.concurrent
        ),
        &["measure", "value"],
    );
    table.row(vec![
        "single upload (median)".into(),
        format!("{:.0} MiB/s", median(&measured.single_mib_per_sec)),
    ]);
    table.row(vec![
        "download (median)".into(),
        format!("{:.0} MiB/s", median(&measured.download_mib_per_sec)),
    ]);
    table.row(vec![
        "range of the second half (median)".into(),
        format!("{:.0} MiB/s", median(&measured.range_mib_per_sec)),
    ]);
    table.row(vec![
        format!("{} uploads at once", args.concurrent),
        format!(
            "{:.1} s ({:.0} MiB/s in all)",
            concurrent_secs,
            (args.mib * args.concurrent) as f64 / concurrent_secs
        ),
    ]);
    let growth = |before: u64, peak: u64| {
        if pid.is_some() {
            format!("{:.1} MiB", peak.saturating_sub(before) as f64 / 1024.0)
        } else {
            "n/a (no server pid)".into()
        }
    };
    table.row(vec![
        "server RSS growth during the uploads (peak)".into(),
        growth(rss_before, rss_peak),
    ]);
    table.row(vec![
        format!("{} downloads at once", args.concurrent),
        format!(
            "{:.1} s ({:.0} MiB/s in all)",
            concurrent_download_secs,
            (args.mib * args.concurrent) as f64 / concurrent_download_secs
        ),
    ]);
    table.row(vec![
        "server RSS growth during the downloads (peak)".into(),
        growth(download_rss_before, download_rss_peak),
    ]);
    table.print();
    write_json(
        &target.results_dir,
        "uploads",
        &json!({"args": format!("{args:?}"), "run": measured}),
    )?;
    Ok(())
}
