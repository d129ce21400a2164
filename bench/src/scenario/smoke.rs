//! Smoke: two reliable clients in one room for a few seconds, one cut in the middle; fails
//! unless both end with every message exactly once, in order. Cheap enough for CI on a debug
//! server; it keeps the generator compiling and working, and asserts no timing.

use std::time::Duration;

use anyhow::bail;
use clap::Args;
use serde_json::json;
use tokio::time::Instant;

use super::crowd::Crowd;
use crate::{launch::TargetArgs, progress, report::write_json};

/// Options of `smoke`.
#[derive(Clone, Debug, Args)]
pub struct SmokeArgs {
    /// Clients (in one room).
    #[arg(long, default_value_t = 2)]
    pub clients: usize,
    /// Seconds of traffic.
    #[arg(long, default_value_t = 3.0)]
    pub secs: f64,
    /// Messages/s.
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
}

/// Runs `smoke`.
pub async fn run(target: &TargetArgs, args: &SmokeArgs) -> anyhow::Result<()> {
    for kind in target.kinds() {
        let running = target.launch(kind, target.db).await?;
        let fixture = running.target.fixture(1, args.clients.max(2)).await?;
        let crowd = Crowd::new(&fixture, 1, |i| vec![super::endpoint(&running.target, i)]);
        crowd.start().await?;
        let duration = Duration::from_secs_f64(args.secs);
        let traffic = crowd.traffic(args.rate, duration, 40);
        // One cut of the last client halfway, offline a fifth of the run: it must sync.
        tokio::time::sleep(duration / 2).await;
        if let Some(last) = crowd.clients.last() {
            last.cut(duration / 5);
        }
        let acked = traffic.await?;
        let started = Instant::now();
        let outcome = crowd.check(&acked, Duration::from_secs(30)).await;
        crowd.stop();
        outcome.table(&format!("smoke ({})", kind.label())).print();
        write_json(
            &target.results_dir,
            "smoke",
            &json!({"server": kind, "outcome": outcome}),
        )?;
        if !outcome.perfect() {
            bail!("smoke failed on {}: {outcome:?}", kind.label());
        }
        progress!(
            "smoke passed on {} (checked in {:.1} s)",
            kind.label(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
