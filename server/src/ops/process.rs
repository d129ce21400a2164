//! The standard Prometheus process metrics (`process_*`), read from `/proc/self` at scrape time:
//! resident memory, CPU seconds, open and allowed file descriptors, threads and start time.
//! Only on Linux (elsewhere nothing is exported); small enough to read by hand, so no second
//! metrics stack is needed next to `metrics`.

use std::path::Path;

/// Clock ticks per second of `/proc/*/stat` times (`USER_HZ`): 100 on every Linux ABI.
const USER_HZ: f64 = 100.0;

/// One reading of the process's numbers; `None` where `/proc` could not tell.
#[derive(Debug, Default, PartialEq)]
pub struct ProcessStats {
    /// Resident set size, bytes.
    pub resident_memory_bytes: Option<f64>,
    /// Virtual memory size, bytes.
    pub virtual_memory_bytes: Option<f64>,
    /// User and system CPU time, seconds.
    pub cpu_seconds_total: Option<f64>,
    /// Open file descriptors.
    pub open_fds: Option<f64>,
    /// The soft limit of open file descriptors.
    pub max_fds: Option<f64>,
    /// Threads.
    pub threads: Option<f64>,
    /// Start time, seconds since the Unix epoch.
    pub start_time_seconds: Option<f64>,
}

impl ProcessStats {
    /// Reads this process's numbers from `/proc`.
    pub fn read() -> Self {
        Self::read_from(Path::new("/proc"), Path::new("/proc/self"))
    }

    fn read_from(proc: &Path, me: &Path) -> Self {
        let read = |path: &Path| std::fs::read_to_string(path).ok();
        let mut stats = Self::default();
        if let Some(stat) = read(&me.join("stat")) {
            let fields = stat_fields(&stat);
            let field = |n: usize| fields.get(n).and_then(|f| f.parse::<f64>().ok());
            // Numbered as in proc(5): utime 14, stime 15, num_threads 20, starttime 22, vsize 23.
            stats.cpu_seconds_total = field(14)
                .zip(field(15))
                .map(|(user, system)| (user + system) / USER_HZ);
            stats.threads = field(20);
            stats.virtual_memory_bytes = field(23);
            let boot = read(&proc.join("stat")).and_then(|s| boot_time(&s));
            stats.start_time_seconds = field(22)
                .zip(boot)
                .map(|(ticks, boot)| boot + ticks / USER_HZ);
        }
        if let Some(status) = read(&me.join("status")) {
            stats.resident_memory_bytes = kib_line(&status, "VmRSS:").map(|kib| kib * 1024.0);
        }
        if let Ok(dir) = std::fs::read_dir(me.join("fd")) {
            stats.open_fds = Some(dir.count() as f64);
        }
        if let Some(limits) = read(&me.join("limits")) {
            stats.max_fds = limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|soft| soft.parse().ok());
        }
        stats
    }

    /// Sets the `process_*` gauges (a counter-like total is a gauge here: its value is read,
    /// not counted, and it only grows).
    pub fn publish(&self) {
        let series = [
            ("process_resident_memory_bytes", self.resident_memory_bytes),
            ("process_virtual_memory_bytes", self.virtual_memory_bytes),
            ("process_cpu_seconds_total", self.cpu_seconds_total),
            ("process_open_fds", self.open_fds),
            ("process_max_fds", self.max_fds),
            ("process_threads", self.threads),
            ("process_start_time_seconds", self.start_time_seconds),
        ];
        for (name, value) in series {
            if let Some(value) = value {
                metrics::gauge!(name).set(value);
            }
        }
    }
}

/// The fields of `/proc/self/stat`, numbered from 1 as in proc(5). The command name (field 2)
/// is in parentheses and may contain spaces and parentheses: split after its last `)`.
fn stat_fields(stat: &str) -> Vec<&str> {
    let Some((head, rest)) = stat.rsplit_once(')') else {
        return Vec::new();
    };
    let pid = head.split_whitespace().next().unwrap_or("");
    // Index 0 unused, 1 the pid, 2 the name, then field 3 onwards.
    let mut fields = vec!["", pid, ""];
    fields.extend(rest.split_whitespace());
    fields
}

/// `btime` of `/proc/stat`: the boot time, seconds since the epoch.
fn boot_time(stat: &str) -> Option<f64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// The number of a `Name:   123 kB` line of `/proc/self/status`.
fn kib_line(status: &str, name: &str) -> Option<f64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_files() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let me = dir.path().join("self");
        std::fs::create_dir_all(me.join("fd")).unwrap_or_else(|e| panic!("{e}"));
        for fd in ["0", "1", "2"] {
            std::fs::write(me.join("fd").join(fd), "").unwrap_or_else(|e| panic!("{e}"));
        }
        // A command name with a space and a parenthesis must not shift the fields.
        let stat = "4242 (sw (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 \
                    1000 123456789 2000 18446744073709551615";
        std::fs::write(me.join("stat"), stat).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("stat"), "cpu 1 2 3\nbtime 1700000000\n")
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            me.join("status"),
            "Name:\tsw\nVmRSS:\t   2048 kB\nThreads:\t7\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            me.join("limits"),
            "Limit                     Soft Limit           Hard Limit           Units\n\
             Max open files            1024                 524288               files\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let stats = ProcessStats::read_from(dir.path(), &me);
        assert_eq!(
            stats,
            ProcessStats {
                resident_memory_bytes: Some(2048.0 * 1024.0),
                virtual_memory_bytes: Some(123_456_789.0),
                cpu_seconds_total: Some(3.0),
                open_fds: Some(3.0),
                max_fds: Some(1024.0),
                threads: Some(7.0),
                start_time_seconds: Some(1_700_000_010.0),
            }
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let stats = ProcessStats::read();
        assert!(stats.resident_memory_bytes.is_some_and(|b| b > 0.0));
        assert!(stats.threads.is_some_and(|t| t >= 1.0));
        assert!(stats.open_fds.is_some_and(|n| n >= 1.0));
        assert!(stats.start_time_seconds.is_some_and(|t| t > 1.6e9));
    }
}
