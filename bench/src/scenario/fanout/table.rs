//! The tables of a fan-out run: medians over the repeats of every server, at the peak and at
//! half of it (stepped shapes) or at the fixed rate (`announce`), with the peak as a ratio of
//! Node's and of the raw websocket reference's; then every step.

use super::{Contender, Layout, Run};
use crate::{
    report::{Table, median, thousands},
    scenario::stepper::Step,
};

/// The labels in table order.
const ORDER: [Contender; 5] = [
    Contender::Switchboard,
    Contender::SwitchboardSingle,
    Contender::SwitchboardRedis,
    Contender::Node,
    Contender::WsRaw,
];

/// Prints the tables of `runs`.
pub fn print(runs: &[Run], layout: &Layout, repeats: usize) {
    let title = format!("fanout, {}, medians of {repeats} run(s)", layout.describe());
    if layout.stepped() {
        summary(runs, &title).print();
        steps(runs, &format!("{title}: every step")).print();
    } else {
        fixed(runs, &title).print();
    }
}

/// The runs of one server.
fn of(runs: &[Run], contender: Contender) -> Vec<&Run> {
    runs.iter().filter(|r| r.contender == contender).collect()
}

/// The median over runs of `f` of the step with the most deliveries.
fn at_peak(runs: &[&Run], f: impl Fn(&Step) -> f64) -> f64 {
    let values: Vec<f64> = runs
        .iter()
        .filter_map(|r| {
            r.stepped
                .steps
                .iter()
                .max_by(|a, b| a.delivered.total_cmp(&b.delivered))
                .map(&f)
        })
        .collect();
    median(&values)
}

fn peak(runs: &[&Run]) -> f64 {
    median(&runs.iter().map(|r| r.stepped.peak).collect::<Vec<_>>())
}

fn ratio(value: f64, base: f64) -> String {
    if base > 0.0 {
        format!("{:.2}x", value / base)
    } else {
        "-".into()
    }
}

/// CPU of everything but the server, the generator and the hypervisor's steal.
fn other_cpu(s: &Step) -> f64 {
    (s.machine_cpu - s.server_cpu - s.generator_cpu - s.steal_cpu).max(0.0)
}

fn summary(runs: &[Run], title: &str) -> Table {
    let mut table = Table::new(
        title,
        &[
            "server",
            "peak delivered/s",
            "p50 @ half peak",
            "p99 @ half peak",
            "server CPU @ peak",
            "server µs/delivery @ peak",
            "generator CPU @ peak",
            "other CPU @ peak",
            "steal @ peak",
            "vs node",
            "vs ws-raw",
        ],
    );
    let node = peak(&of(runs, Contender::Node));
    let raw = peak(&of(runs, Contender::WsRaw));
    for contender in ORDER {
        let runs = of(runs, contender);
        if runs.is_empty() {
            continue;
        }
        let half = |f: fn(&Step) -> f64| {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.stepped.half_peak.as_ref().map(f))
                .collect();
            median(&values)
        };
        let peak = peak(&runs);
        table.row(vec![
            contender.label().into(),
            thousands(peak),
            format!("{:.1} ms", half(|s| s.latency.p50_ms)),
            format!("{:.1} ms", half(|s| s.latency.p99_ms)),
            format!("{:.0} %", at_peak(&runs, |s| s.server_cpu)),
            format!("{:.1}", at_peak(&runs, |s| s.server_us_per_delivery)),
            format!("{:.0} %", at_peak(&runs, |s| s.generator_cpu)),
            format!("{:.0} %", at_peak(&runs, other_cpu)),
            format!("{:.0} %", at_peak(&runs, |s| s.steal_cpu)),
            ratio(peak, node),
            ratio(peak, raw),
        ]);
    }
    table
}

fn fixed(runs: &[Run], title: &str) -> Table {
    let mut table = Table::new(
        title,
        &[
            "server",
            "sends/s",
            "delivered/s",
            "p50",
            "p99",
            "server CPU",
            "server µs/delivery",
            "generator CPU",
            "other CPU",
            "steal",
        ],
    );
    for contender in ORDER {
        let runs = of(runs, contender);
        if runs.is_empty() {
            continue;
        }
        table.row(vec![
            contender.label().into(),
            format!("{:.1}", at_peak(&runs, |s| s.send_rate)),
            thousands(at_peak(&runs, |s| s.delivered)),
            format!("{:.1} ms", at_peak(&runs, |s| s.latency.p50_ms)),
            format!("{:.1} ms", at_peak(&runs, |s| s.latency.p99_ms)),
            format!("{:.0} %", at_peak(&runs, |s| s.server_cpu)),
            format!("{:.1}", at_peak(&runs, |s| s.server_us_per_delivery)),
            format!("{:.0} %", at_peak(&runs, |s| s.generator_cpu)),
            format!("{:.0} %", at_peak(&runs, other_cpu)),
            format!("{:.0} %", at_peak(&runs, |s| s.steal_cpu)),
        ]);
    }
    table
}

/// Every step (the same offered rate in every run), medians over the runs that got there.
fn steps(runs: &[Run], title: &str) -> Table {
    let mut table = Table::new(
        title,
        &[
            "server",
            "offered/s",
            "delivered/s",
            "p50",
            "p99",
            "server CPU",
            "server µs/delivery",
            "saturated",
        ],
    );
    for contender in ORDER {
        let runs = of(runs, contender);
        let most = runs
            .iter()
            .map(|r| r.stepped.steps.len())
            .max()
            .unwrap_or(0);
        let rows = (0..most)
            .map(|k| {
                let at: Vec<&Step> = runs.iter().filter_map(|r| r.stepped.steps.get(k)).collect();
                (String::new(), at)
            })
            .chain(std::iter::once((
                " (half peak)".to_owned(),
                runs.iter()
                    .filter_map(|r| r.stepped.half_peak.as_ref())
                    .collect(),
            )));
        for (note, at) in rows {
            if at.is_empty() {
                continue;
            }
            let m = |f: fn(&Step) -> f64| median(&at.iter().map(|s| f(s)).collect::<Vec<_>>());
            let saturated = at.iter().filter(|s| s.saturated).count();
            table.row(vec![
                format!("{}{note}", contender.label()),
                thousands(m(|s| s.offered)),
                thousands(m(|s| s.delivered)),
                format!("{:.1} ms", m(|s| s.latency.p50_ms)),
                format!("{:.1} ms", m(|s| s.latency.p99_ms)),
                format!("{:.0} %", m(|s| s.server_cpu)),
                format!("{:.1}", m(|s| s.server_us_per_delivery)),
                format!("{saturated}/{}", at.len()),
            ]);
        }
    }
    table
}
