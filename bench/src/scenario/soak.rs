//! Soak: steady fan-out for a long time on each backend, sampling the server's memory,
//! descriptors, threads, tasks and database connections, to show whether anything grows.
//! Ends with the reliability check of the chaos runs (every acked message delivered once, in
//! order) and writes the series (JSON) and a chart (SVG) to the results directory.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use tokio::time::Instant;

use super::{
    chaos::{Traffic, crowd_on},
    crowd::Outcome,
};
use crate::{
    launch::TargetArgs,
    plot,
    procfs::{self, Footprint},
    progress,
    report::{Table, write_json},
    target::Backend,
};

/// Options of `soak`.
#[derive(Clone, Debug, Args)]
pub struct SoakArgs {
    /// Minutes of traffic per backend.
    #[arg(long, default_value_t = 60.0)]
    pub minutes: f64,
    /// Minutes at the start that do not count for the flatness check.
    #[arg(long, default_value_t = 5.0)]
    pub warmup_minutes: f64,
    /// Seconds between samples.
    #[arg(long, default_value_t = 30.0)]
    pub sample_secs: f64,
    /// Backends, one after the other.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backends: Vec<Backend>,
    /// Rooms.
    #[arg(long, default_value_t = 10)]
    pub rooms: usize,
    /// Members (one socket each) per room.
    #[arg(long, default_value_t = 50)]
    pub members: usize,
    /// Messages/s sent into each room (10 rooms x 30/s x 50 members: 15,000 deliveries/s).
    #[arg(long, default_value_t = 30.0)]
    pub rate: f64,
    /// Filler bytes per body.
    #[arg(long, default_value_t = 60)]
    pub body_bytes: usize,
    /// Allowed RSS drift after the warm-up, percent of the first sample after it.
    #[arg(long, default_value_t = 5.0)]
    pub tolerance_percent: f64,
}

/// One sample of the server.
#[derive(Clone, Debug, Serialize)]
struct Sample {
    /// Minutes since traffic started.
    minute: f64,
    #[serde(flatten)]
    process: Footprint,
    /// Tasks alive in the server's runtime (`switchboard_runtime_tasks`).
    tasks: Option<f64>,
    /// Open database connections (`switchboard_db_connections{state="open"}`).
    db_connections: Option<f64>,
    /// Sockets the server counts as connected.
    sockets: Option<f64>,
    /// Messages acked to senders so far.
    messages: u64,
    /// Deliveries applied by the clients so far (live and through `sync`).
    deliveries: u64,
    /// SQLite: size of the database file and of its write-ahead log, bytes.
    sqlite_bytes: Option<(u64, u64)>,
}

/// What one backend's run showed.
#[derive(Debug, Serialize)]
struct Run {
    backend: Backend,
    samples: Vec<Sample>,
    /// RSS of the first sample after the warm-up (KiB): the reference of the drift.
    reference_kib: u64,
    /// Lowest and highest RSS after the warm-up, percent off the reference.
    drift_percent: (f64, f64),
    /// Least-squares slope of RSS after the warm-up, KiB per minute.
    slope_kib_per_minute: f64,
    /// The same slope per message stored, bytes.
    slope_bytes_per_message: f64,
    /// Whether the drift stayed within the tolerance.
    flat: bool,
    outcome: Outcome,
}

#[derive(Serialize)]
struct Report<'a> {
    scenario: &'static str,
    args: String,
    runs: &'a [Run],
}

/// Runs `soak` on every backend of `args`, one after the other.
pub async fn run(target: &TargetArgs, args: &SoakArgs) -> anyhow::Result<()> {
    let mut runs = Vec::new();
    for backend in &args.backends {
        runs.push(run_backend(target, args, *backend).await?);
    }
    let mut table = Table::new(
        format!(
            "soak: {} rooms x {} members, {} sends/s, {} min (warm-up {} min)",
            args.rooms,
            args.members,
            args.rate * args.rooms as f64,
            args.minutes,
            args.warmup_minutes
        ),
        &[
            "backend",
            "RSS after warm-up",
            "RSS at the end",
            "drift (min / max)",
            "slope",
            "per message",
            "fds (first / last)",
            "tasks (first / last)",
            "db conns (max)",
            "delivered",
            "flat?",
        ],
    );
    for run in &runs {
        let (first, last) = (run.samples.first(), run.samples.last());
        let pair = |f: &dyn Fn(&Sample) -> String| {
            format!(
                "{} / {}",
                first.map_or("-".into(), f),
                last.map_or("-".into(), f)
            )
        };
        table.row(vec![
            format!("{:?}", run.backend).to_lowercase(),
            mib(run.reference_kib),
            last.map_or("-".into(), |s| mib(s.process.rss_kib)),
            format!(
                "{:+.1} % / {:+.1} %",
                run.drift_percent.0, run.drift_percent.1
            ),
            format!("{:+.0} KiB/min", run.slope_kib_per_minute),
            format!("{:+.1} B", run.slope_bytes_per_message),
            pair(&|s| s.process.fds.to_string()),
            pair(&|s| s.tasks.map_or("-".into(), |t| format!("{t:.0}"))),
            run.samples
                .iter()
                .filter_map(|s| s.db_connections)
                .fold(0.0_f64, f64::max)
                .to_string(),
            format!("{} / {}", run.outcome.delivered, run.outcome.expected),
            if run.flat { "yes" } else { "no" }.into(),
        ]);
    }
    table.print();
    let json = write_json(
        &target.results_dir,
        "soak",
        &Report {
            scenario: "soak",
            args: format!("{args:?}"),
            runs: &runs,
        },
    )?;
    let chart = json.with_extension("svg");
    std::fs::write(&chart, chart_of(args, &runs))
        .with_context(|| format!("write {}", chart.display()))?;
    eprintln!("chart written to {}", chart.display());
    Ok(())
}

async fn run_backend(
    target: &TargetArgs,
    args: &SoakArgs,
    backend: Backend,
) -> anyhow::Result<Run> {
    let running = target
        .launch_switchboard(backend, 0, Vec::new())
        .await
        .context("soak needs --server-bin")?;
    let pid = running
        .server
        .as_ref()
        .map(|s| s.pid)
        .or(target.server_pid)
        .context("soak reads /proc of the server: start it with --server-bin")?;
    let sqlite_file = running.database.as_ref().and_then(|d| d.sqlite_file());
    let traffic = Traffic {
        clients: args.rooms * args.members,
        rooms: args.rooms,
        sockets_per_user: 1,
        rate: args.rate,
        secs: args.minutes * 60.0,
        body_bytes: args.body_bytes,
        settle_timeout_secs: 120.0,
    };
    let crowd = crowd_on(&[&running.target], &traffic).await?;
    let duration = Duration::from_secs_f64(traffic.secs);
    let sending = crowd.traffic(traffic.rate, duration, traffic.body_bytes);
    let started = Instant::now();
    let every = Duration::from_secs_f64(args.sample_secs.max(1.0));
    let mut samples = Vec::new();
    loop {
        let metrics = running.target.metrics().await;
        let metric = |series: &str| metrics.as_ref().map(|m| m.sum(series));
        let sample = Sample {
            minute: started.elapsed().as_secs_f64() / 60.0,
            process: procfs::footprint(pid)?,
            tasks: metric("switchboard_runtime_tasks"),
            db_connections: metric(r#"switchboard_db_connections{state="open"}"#),
            sockets: metric("switchboard_sockets_connected"),
            messages: crowd.stats.sent_ok.get(),
            deliveries: crowd.stats.delivered.get() + crowd.stats.caught_up.get(),
            sqlite_bytes: sqlite_file.as_ref().map(|file| {
                let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
                (size(file), size(&file.with_extension("db-wal")))
            }),
        };
        progress!(
            "{backend:?} {:.1} min: RSS {} (heap {}, files {}, shm {}), {} fds, {} tasks, {} messages",
            sample.minute,
            mib(sample.process.rss_kib),
            mib(sample.process.rss_anon_kib),
            mib(sample.process.rss_file_kib),
            mib(sample.process.rss_shmem_kib),
            sample.process.fds,
            sample.tasks.map_or("?".into(), |t| format!("{t:.0}")),
            sample.messages
        );
        samples.push(sample);
        let next = started + every * u32::try_from(samples.len()).unwrap_or(u32::MAX);
        if next > started + duration {
            break;
        }
        tokio::time::sleep_until(next).await;
    }
    let acked = sending.await?;
    let outcome = crowd.check(&acked, Duration::from_secs(120)).await;
    crowd.stop();
    Ok(judge(backend, args, samples, outcome))
}

/// Reference, drift and slope of the samples after the warm-up.
fn judge(backend: Backend, args: &SoakArgs, samples: Vec<Sample>, outcome: Outcome) -> Run {
    let after: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.minute >= args.warmup_minutes)
        .collect();
    let reference_kib = after.first().map_or(0, |s| s.process.rss_kib);
    let percent = |kib: u64| {
        if reference_kib == 0 {
            0.0
        } else {
            (kib as f64 - reference_kib as f64) / reference_kib as f64 * 100.0
        }
    };
    let drift = after.iter().map(|s| percent(s.process.rss_kib));
    let drift_percent = (
        drift.clone().fold(0.0_f64, f64::min),
        drift.fold(0.0_f64, f64::max),
    );
    let slope_kib_per_minute = slope(after.iter().map(|s| (s.minute, s.process.rss_kib as f64)));
    let slope_bytes_per_message = slope(
        after
            .iter()
            .map(|s| (s.messages as f64, s.process.rss_kib as f64 * 1024.0)),
    );
    let flat = !after.is_empty()
        && drift_percent.0 >= -args.tolerance_percent
        && drift_percent.1 <= args.tolerance_percent;
    Run {
        backend,
        samples,
        reference_kib,
        drift_percent,
        slope_kib_per_minute,
        slope_bytes_per_message,
        flat,
        outcome,
    }
}

/// Least-squares slope of `points` (0 with fewer than two distinct x).
fn slope(points: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let n = points.clone().count() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (sx, sy) = points
        .clone()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    if den == 0.0 { 0.0 } else { num / den }
}

fn chart_of(args: &SoakArgs, runs: &[Run]) -> String {
    let mut lines = Vec::new();
    for run in runs {
        let name = format!("{:?}", run.backend).to_lowercase();
        let series = |f: &dyn Fn(&Sample) -> u64| -> Vec<(f64, f64)> {
            run.samples
                .iter()
                .map(|s| (s.minute, f(s) as f64 / 1024.0))
                .collect()
        };
        lines.push(plot::Line {
            name: format!("{name} RSS"),
            points: series(&|s| s.process.rss_kib),
        });
        lines.push(plot::Line {
            name: format!("{name} heap"),
            points: series(&|s| s.process.rss_anon_kib),
        });
    }
    plot::svg(
        &format!(
            "Server RSS under {} sends/s into {} rooms x {} members",
            args.rate * args.rooms as f64,
            args.rooms,
            args.members
        ),
        "minutes of traffic",
        "MiB",
        &lines,
        &plot::Marks {
            vertical: Some((args.warmup_minutes, "end of warm-up".into())),
            band: None,
        },
    )
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::slope;

    #[test]
    fn slope_of_a_line_and_of_a_flat_series() {
        let line = [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)];
        assert!((slope(line.iter().copied()) - 2.0).abs() < 1e-9);
        let flat = [(0.0, 7.0), (5.0, 7.0)];
        assert_eq!(slope(flat.iter().copied()), 0.0);
        assert_eq!(slope(std::iter::once((1.0, 1.0))), 0.0);
    }
}
