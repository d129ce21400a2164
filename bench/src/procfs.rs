//! CPU time and memory of a process, read from `/proc` (Linux only).

use std::time::Instant;

use anyhow::Context;

/// Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 on Linux).
const CLK_TCK: f64 = 100.0;

/// User + system CPU seconds of `pid` so far.
pub fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("read /proc/{pid}/stat"))?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("malformed stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) (utime, stime) are the 12th and 13th after the name.
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields.get(i).context("short stat")?.parse::<f64>()?)
    };
    Ok((ticks(11)? + ticks(12)?) / CLK_TCK)
}

/// Resident set size of `pid` in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("read /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .context("no VmRSS")?
        .parse()
        .context("VmRSS")
}

/// What `/proc/<pid>` says about a process's memory, descriptors and threads.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Footprint {
    /// Resident set, KiB (`VmRSS`).
    pub rss_kib: u64,
    /// Of which anonymous memory (the heap), KiB.
    pub rss_anon_kib: u64,
    /// Of which file-backed pages mapped in (the binary, memory-mapped files), KiB.
    pub rss_file_kib: u64,
    /// Of which shared memory (SQLite's WAL index), KiB.
    pub rss_shmem_kib: u64,
    /// Open file descriptors (sockets included).
    pub fds: u64,
    /// Operating-system threads.
    pub threads: u64,
}

/// The [`Footprint`] of `pid`.
pub fn footprint(pid: u32) -> anyhow::Result<Footprint> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("read /proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .with_context(|| format!("read /proc/{pid}/fd"))?
        .count() as u64;
    Ok(Footprint {
        rss_kib: field("VmRSS:"),
        rss_anon_kib: field("RssAnon:"),
        rss_file_kib: field("RssFile:"),
        rss_shmem_kib: field("RssShmem:"),
        fds,
        threads: field("Threads:"),
    })
}

/// This process's soft limit of open files (`Max open files` in `/proc/self/limits`);
/// `None` when unlimited or unreadable.
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// Measures the CPU use of some processes over an interval.
pub struct CpuMeter {
    pids: Vec<u32>,
    started: Instant,
    cpu: f64,
}

impl CpuMeter {
    /// Starts measuring `pid` now.
    pub fn start(pid: u32) -> Self {
        Self::start_all(&[pid])
    }

    /// Starts measuring the sum of `pids` now.
    pub fn start_all(pids: &[u32]) -> Self {
        let pids = pids.to_vec();
        let cpu = total_cpu(&pids, 0.0);
        Self {
            pids,
            started: Instant::now(),
            cpu,
        }
    }

    /// CPU use since the start in percent of one core (200 % = both cores of this machine).
    pub fn percent(&self) -> f64 {
        let wall = self.started.elapsed().as_secs_f64();
        let cpu = total_cpu(&self.pids, self.cpu) - self.cpu;
        if wall > 0.0 { cpu / wall * 100.0 } else { 0.0 }
    }
}

/// CPU seconds of `pids` together (`fallback` if one cannot be read any more).
fn total_cpu(pids: &[u32], fallback: f64) -> f64 {
    let mut sum = 0.0;
    for pid in pids {
        match cpu_seconds(*pid) {
            Ok(cpu) => sum += cpu,
            Err(_) => return fallback,
        }
    }
    sum
}

/// The whole machine's jiffies (first line of `/proc/stat`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Jiffies {
    /// Not idle: user, nice, system, irq, softirq and steal.
    busy: u64,
    /// Time the hypervisor ran something else while this machine wanted the CPU: a share of
    /// `busy` that none of the machine's processes got.
    steal: u64,
    total: u64,
}

fn machine_jiffies() -> Option<Jiffies> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    parse_cpu_line(stat.lines().next()?)
}

/// Reads `cpu  user nice system idle iowait irq softirq steal ...`.
fn parse_cpu_line(line: &str) -> Option<Jiffies> {
    let line = line.strip_prefix("cpu ")?;
    let values: Vec<u64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    // Idle and iowait are not busy.
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Some(Jiffies {
        busy: total - idle,
        steal: values.get(7).copied().unwrap_or(0),
        total,
    })
}

/// Measures how busy the whole machine is over an interval.
pub struct MachineMeter {
    start: Option<Jiffies>,
}

impl MachineMeter {
    /// Starts measuring now.
    pub fn start() -> Self {
        Self {
            start: machine_jiffies(),
        }
    }

    /// Machine CPU use since the start and the steal in it, each in percent of one core
    /// (cores x 100 % when saturated), from one read of `/proc/stat`. Steal is what the
    /// hypervisor gave other guests while this machine wanted the CPU: the same work takes
    /// longer while the processes' own CPU times barely change. It is one visible part of a
    /// slow host, not all of it (a shared core or cache does not show here).
    pub fn busy_and_steal(&self) -> (f64, f64) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        match (self.start, machine_jiffies()) {
            (Some(start), Some(now)) if now.total > start.total => {
                let share = |of: fn(&Jiffies) -> u64| {
                    of(&now).saturating_sub(of(&start)) as f64 / (now.total - start.total) as f64
                        * 100.0
                        * cores
                };
                (share(|j| j.busy), share(|j| j.steal))
            }
            _ => (0.0, 0.0),
        }
    }
}

/// The 1-minute load average.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_line_gives_busy_steal_and_total() {
        let line = "cpu  48384 123739 44288 126025 764 0 17747 2954 0 0";
        assert_eq!(
            parse_cpu_line(line),
            Some(Jiffies {
                busy: 48384 + 123739 + 44288 + 17747 + 2954,
                steal: 2954,
                total: 48384 + 123739 + 44288 + 126025 + 764 + 17747 + 2954,
            })
        );
        // A kernel without the steal column, and a line that is not the machine's total.
        assert_eq!(
            parse_cpu_line("cpu  10 0 5 100 0 0 1").map(|j| j.steal),
            Some(0)
        );
        assert_eq!(parse_cpu_line("cpu0 10 0 5 100 0 0 1 2"), None);
    }
}
