//! Open-loop load in steps: each step sends at a fixed total rate spread over the rooms, and
//! measures what the receivers got in a window after a warm-up. The rate grows by a factor
//! per step until the server saturates (it delivers less than it is given, or the senders'
//! in-flight limit is hit) twice in a row; then one step runs at half the peak. Or a single
//! step at a fixed rate ([`run_fixed`]).

use std::{sync::Arc, time::Duration};

use serde::Serialize;
use tokio::time::Instant;

use crate::{
    procfs::{CpuMeter, MachineMeter},
    progress,
    report::thousands,
    stats::{Stats, Summary, stamped_body},
};

/// Sends messages into rooms.
pub trait Driver: Send + Sync {
    /// Sends `body` into room number `room`; false when skipped because too many sends of
    /// that room are still waiting for their ack.
    fn send(&self, room: usize, body: String) -> bool;
    /// Rooms.
    fn rooms(&self) -> usize;
}

/// How to step.
#[derive(Clone, Debug, Serialize)]
pub struct StepPlan {
    /// First step's total send rate (messages/s over all rooms).
    pub start_rate: f64,
    /// Rate multiplier per step.
    pub factor: f64,
    /// Most steps.
    pub max_steps: usize,
    /// Measured seconds per step.
    pub step_secs: f64,
    /// Unmeasured seconds before each window.
    pub warmup_secs: f64,
    /// Receivers per message (room members).
    pub fanout: usize,
    /// A step whose delivered rate is below this share of the offered one is saturated.
    pub saturation: f64,
    /// Filler bytes per body.
    pub body_bytes: usize,
}

/// One step's numbers.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// Offered send rate (messages/s).
    pub send_rate: f64,
    /// Offered deliveries/s (send rate x members).
    pub offered: f64,
    /// Deliveries/s received in the window.
    pub delivered: f64,
    /// Send -> deliver latency in the window.
    pub latency: Summary,
    /// Send -> the sender's ack (stored) in the window; what delivery adds is the rest.
    pub send_ack: Summary,
    /// Server CPU in % of one core (200 % = the whole machine).
    pub server_cpu: f64,
    /// Server CPU time per delivered message, in µs (0 when nothing was delivered).
    pub server_us_per_delivery: f64,
    /// The generator's own CPU.
    pub generator_cpu: f64,
    /// The whole machine's CPU (200 % = both cores), steal included; minus the two above and
    /// the steal = other processes.
    pub machine_cpu: f64,
    /// CPU the hypervisor gave other guests in the window (steal, % of one core): on a shared
    /// host, the visible part of why one hour is slower than another.
    pub steal_cpu: f64,
    /// Sends skipped because the in-flight limit was hit.
    pub skipped: u64,
    /// Whether the step counts as saturated.
    pub saturated: bool,
}

/// A stepped run.
#[derive(Clone, Debug, Serialize)]
pub struct Stepped {
    /// Every step.
    pub steps: Vec<Step>,
    /// Best delivered rate over the steps.
    pub peak: f64,
    /// The step at half the peak.
    pub half_peak: Option<Step>,
}

/// One step at the plan's start rate, nothing more (a shape measured at a fixed rate).
pub async fn run_fixed(
    driver: Arc<dyn Driver>,
    stats: &Arc<Stats>,
    plan: &StepPlan,
    pids: &[u32],
) -> Stepped {
    let step = run_step(&driver, stats, plan, plan.start_rate, pids).await;
    Stepped {
        peak: step.delivered,
        steps: vec![step],
        half_peak: None,
    }
}

/// Runs the steps, then the half-peak step.
pub async fn run(
    driver: Arc<dyn Driver>,
    stats: &Arc<Stats>,
    plan: &StepPlan,
    pids: &[u32],
) -> Stepped {
    let mut steps = Vec::new();
    let mut rate = plan.start_rate;
    let mut saturated_in_a_row = 0;
    for _ in 0..plan.max_steps {
        let step = run_step(&driver, stats, plan, rate, pids).await;
        saturated_in_a_row = if step.saturated {
            saturated_in_a_row + 1
        } else {
            0
        };
        steps.push(step);
        if saturated_in_a_row >= 2 {
            break;
        }
        rate *= plan.factor;
    }
    let peak = steps.iter().map(|s| s.delivered).fold(0.0, f64::max);
    let half_rate = peak / 2.0 / plan.fanout.max(1) as f64;
    let half_peak = if half_rate > 0.0 {
        progress!("half-peak step");
        Some(run_step(&driver, stats, plan, half_rate, pids).await)
    } else {
        None
    };
    Stepped {
        steps,
        peak,
        half_peak,
    }
}

async fn run_step(
    driver: &Arc<dyn Driver>,
    stats: &Arc<Stats>,
    plan: &StepPlan,
    rate: f64,
    pids: &[u32],
) -> Step {
    let padding = super::padding(plan.body_bytes);
    let rooms = driver.rooms().max(1);
    let started = Instant::now();
    let window_start = started + Duration::from_secs_f64(plan.warmup_secs);
    let window_end = window_start + Duration::from_secs_f64(plan.step_secs);
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (mut sent, mut skipped_before, mut next_room) = (0u64, 0u64, 0usize);
    let mut window: Option<(u64, CpuMeter, CpuMeter, MachineMeter)> = None;
    loop {
        tick.tick().await;
        let now = Instant::now();
        if window.is_none() && now >= window_start {
            stats.latency.take();
            stats.send_ack.take();
            skipped_before = stats.sends_skipped.get();
            window = Some((
                stats.delivered.get(),
                CpuMeter::start_all(pids),
                CpuMeter::start(std::process::id()),
                MachineMeter::start(),
            ));
        }
        if now >= window_end {
            break;
        }
        let owed = (rate * (now - started).as_secs_f64()) as u64;
        while sent < owed {
            if !driver.send(next_room, stamped_body(&padding)) {
                stats.sends_skipped.inc();
            }
            next_room = (next_room + 1) % rooms;
            sent += 1;
        }
    }
    let (delivered_before, server_cpu, generator_cpu, machine_cpu) = match window {
        Some(w) => w,
        None => (
            stats.delivered.get(),
            CpuMeter::start(0),
            CpuMeter::start(0),
            MachineMeter::start(),
        ),
    };
    let (machine_cpu, steal_cpu) = machine_cpu.busy_and_steal();
    let delivered = (stats.delivered.get() - delivered_before) as f64 / plan.step_secs;
    let latency = stats.latency.take();
    let send_ack = stats.send_ack.take();
    let server_cpu = if !pids.is_empty() {
        server_cpu.percent()
    } else {
        0.0
    };
    let server_us_per_delivery = us_per_delivery(server_cpu, delivered);
    let generator_cpu = generator_cpu.percent();
    let skipped = stats.sends_skipped.get() - skipped_before;
    let offered = rate * plan.fanout as f64;
    let saturated = delivered < plan.saturation * offered
        || skipped as f64 > 0.01 * rate * plan.step_secs
        || latency.p99_ms > 5_000.0;
    progress!(
        "rate {:>8}/s offered {:>9}/s delivered {:>9}/s p50 {:>7.1} ms p99 {:>8.1} ms ack p99 {:>7.1} ms server cpu {:>4.0}% ({:>6.1} µs/delivery) gen cpu {:>4.0}% machine {:>4.0}% steal {:>3.0}%{}",
        thousands(rate),
        thousands(offered),
        thousands(delivered),
        latency.p50_ms,
        latency.p99_ms,
        send_ack.p99_ms,
        server_cpu,
        server_us_per_delivery,
        generator_cpu,
        machine_cpu,
        steal_cpu,
        if saturated { " SATURATED" } else { "" }
    );
    drain(stats).await;
    Step {
        send_rate: rate,
        offered,
        delivered,
        latency,
        send_ack,
        server_cpu,
        server_us_per_delivery,
        generator_cpu,
        machine_cpu,
        steal_cpu,
        skipped,
        saturated,
    }
}

/// µs of CPU per delivery from a CPU share (% of one core) and deliveries/s.
fn us_per_delivery(cpu_percent: f64, delivered_per_sec: f64) -> f64 {
    if delivered_per_sec > 0.0 {
        cpu_percent / 100.0 * 1e6 / delivered_per_sec
    } else {
        0.0
    }
}

/// Waits until deliveries stop (a backlog must not leak into the next step), at most 30 s.
async fn drain(stats: &Stats) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = stats.delivered.get();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = stats.delivered.get();
        if now == last {
            return;
        }
        last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::us_per_delivery;

    #[test]
    fn cpu_per_delivery() {
        // One core busy for 100,000 deliveries/s: 10 µs each.
        assert_eq!(us_per_delivery(100.0, 100_000.0), 10.0);
        assert_eq!(us_per_delivery(50.0, 0.0), 0.0);
    }
}
