//! Latency percentiles, the machine description and CPU accounting from /proc.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

/// Latencies in microseconds.
#[derive(Default, Clone)]
pub struct Latencies(Vec<u64>);

impl Latencies {
    pub fn push(&mut self, elapsed: Duration) {
        self.0.push(elapsed.as_micros() as u64);
    }

    pub fn extend(&mut self, other: &Latencies) {
        self.0.extend_from_slice(&other.0);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Nearest-rank percentile in milliseconds (0 when empty).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
    }

    pub fn mean_ms(&self) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.iter().sum::<u64>() as f64 / self.0.len() as f64 / 1000.0
    }
}

/// One line describing the machine, for the record.
pub fn machine(postgres_version: &str) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown", str::trim)
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!(
        "machine cpus={cpus} cpu=\"{model}\" mem_gib={mem_gib:.1} postgres=\"{postgres_version}\" date={}",
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d")
    )
}

/// Whose CPU time counts as the benchmark's.
#[derive(Clone)]
pub struct Scope {
    /// The `gpmall serve` child.
    pub gpmall_pid: Option<u32>,
    /// The benchmark database: PostgreSQL backends of other databases are another workload.
    pub database: String,
    /// Count the CPU of PostgreSQL processes that ended during the interval (the postmaster's
    /// reaped children: parallel query workers live for less than one 200 ms sample). Only
    /// where the benchmark starts no short-lived connections of its own, which would then be
    /// counted twice.
    pub count_reaped_postgres: bool,
}

/// PostgreSQL's own processes, which serve every database.
const POSTGRES_BACKGROUND: [&str; 6] = [
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "logical replication launcher",
    "archiver",
];

enum Class {
    Ours(&'static str),
    /// The postmaster, whose reaped children's CPU may be counted as well.
    Postmaster,
    Other,
    /// A PostgreSQL backend that has not set its title yet: look again at the next sample.
    Undecided,
}

fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|c| c.trim().to_owned())
}

/// Which group a process belongs to: gpmall (the service), bench (this runner, the HTTP load
/// generator), pgbench, postgres (the postmaster, its background processes and the backends of
/// the benchmark database), redis; anything else is another workload.
fn classify(pid: u32, scope: &Scope) -> Class {
    if Some(pid) == scope.gpmall_pid {
        return Class::Ours("gpmall");
    }
    if pid == std::process::id() {
        return Class::Ours("bench");
    }
    let Some(name) = comm(pid) else {
        return Class::Other;
    };
    match name.as_str() {
        "pgbench" => Class::Ours("pgbench"),
        c if c.starts_with("redis-server") => Class::Ours("redis"),
        "postgres" => {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let title = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if !title.starts_with("postgres:") {
                // The postmaster, or a backend forked a moment ago that still shows its title.
                let parent_is_postgres = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .ok()
                    .and_then(|stat| {
                        let close = stat.rfind(')')?;
                        stat.get(close + 2..)?
                            .split_whitespace()
                            .nth(1)?
                            .parse::<u32>()
                            .ok()
                    })
                    .and_then(comm)
                    .is_some_and(|c| c == "postgres");
                return if parent_is_postgres {
                    Class::Undecided
                } else {
                    Class::Postmaster
                };
            }
            if title.split_whitespace().any(|w| w == scope.database)
                || POSTGRES_BACKGROUND.iter().any(|b| title.contains(b))
                || parallel_worker_of(&title).is_some_and(|leader| serves(leader, scope))
            {
                Class::Ours("postgres")
            } else {
                Class::Other
            }
        }
        _ => Class::Other,
    }
}

/// The leader of a parallel query worker ("… parallel worker for PID 1234").
fn parallel_worker_of(title: &str) -> Option<u32> {
    let (_, rest) = title.split_once("parallel worker for PID ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Whether PostgreSQL process `pid` is a backend of the benchmark database.
fn serves(pid: u32, scope: &Scope) -> bool {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    String::from_utf8_lossy(&cmdline)
        .replace('\0', " ")
        .split_whitespace()
        .any(|w| w == scope.database)
}

/// utime + stime of one process (all its threads), in clock ticks; with `children`, also the
/// cutime + cstime of the children it has reaped.
fn process_ticks(pid: u32, children: bool) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // pid (comm) state …: comm may hold spaces, so split after the last ')'; utime is then the
    // 12th field, stime the 13th, cutime and cstime the 14th and 15th.
    let close = stat.rfind(')')?;
    let fields: Vec<u64> = stat
        .get(close + 2..)?
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let own = fields.first()? + fields.get(1)?;
    Some(if children {
        own + fields.get(2).unwrap_or(&0) + fields.get(3).unwrap_or(&0)
    } else {
        own
    })
}

/// Busy time of all CPUs (everything but idle and iowait), in clock ticks.
fn machine_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    stat.lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .take(8)
        .enumerate()
        .filter(|(i, _)| !matches!(i, 3 | 4))
        .filter_map(|(_, v)| v.parse::<u64>().ok())
        .sum()
}

#[derive(Default)]
struct Tracked {
    /// pid → (group, ticks when first seen (0 if it started after the tracking), ticks last
    /// seen, whether reaped children count)
    processes: HashMap<u32, (&'static str, u64, u64, bool)>,
    /// Processes that are not ours.
    ignored: HashSet<u32>,
}

impl Tracked {
    fn scan(&mut self, scope: &Scope, first: bool) {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if self.ignored.contains(&pid) {
                continue;
            }
            if let Some(entry) = self.processes.get_mut(&pid) {
                if let Some(ticks) = process_ticks(pid, entry.3) {
                    entry.2 = entry.2.max(ticks);
                }
                continue;
            }
            let (group, children) = match classify(pid, scope) {
                Class::Ours(group) => (group, false),
                Class::Postmaster => ("postgres", scope.count_reaped_postgres),
                Class::Other => {
                    self.ignored.insert(pid);
                    continue;
                }
                Class::Undecided => continue,
            };
            let ticks = process_ticks(pid, children).unwrap_or(0);
            let baseline = if first { ticks } else { 0 };
            self.processes
                .insert(pid, (group, baseline, ticks, children));
        }
    }
}

/// CPU time of the benchmark's processes over an interval, sampled every 200 ms so that
/// processes which end inside it (pgbench and its backends) are counted up to their last
/// sample.
pub struct CpuTracker {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<CpuUsage>,
}

/// CPU ticks by group over an interval, and the machine's.
pub struct CpuUsage {
    groups: BTreeMap<&'static str, u64>,
    machine: u64,
    elapsed: Duration,
}

impl CpuTracker {
    pub fn start(scope: &Scope) -> CpuTracker {
        let scope = scope.clone();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let started = std::time::Instant::now();
            let machine_before = machine_ticks();
            let mut tracked = Tracked::default();
            tracked.scan(&scope, true);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tokio::time::sleep(Duration::from_millis(200)) => tracked.scan(&scope, false),
                }
            }
            tracked.scan(&scope, false);
            let mut groups: BTreeMap<&'static str, u64> = BTreeMap::new();
            for (group, first, last, _) in tracked.processes.values() {
                *groups.entry(group).or_insert(0) += last.saturating_sub(*first);
            }
            CpuUsage {
                groups,
                machine: machine_ticks().saturating_sub(machine_before),
                elapsed: started.elapsed(),
            }
        });
        CpuTracker { stop, task }
    }

    pub async fn stop(self) -> CpuUsage {
        let _ = self.stop.send(());
        self.task.await.unwrap_or(CpuUsage {
            groups: BTreeMap::new(),
            machine: 0,
            elapsed: Duration::ZERO,
        })
    }
}

/// Linux reports CPU time in ticks of 10 ms (CLK_TCK = 100).
const TICK_MS: f64 = 10.0;

impl CpuUsage {
    /// Busy CPU time that none of the benchmark's processes used (another workload on the
    /// machine, or the kernel's own work), as a percentage of all CPUs over the interval.
    pub fn other_pct(&self) -> f64 {
        let ours: u64 = self.groups.values().sum();
        let other = self.machine.saturating_sub(ours) as f64;
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let capacity = cpus * self.elapsed.as_secs_f64() * 1000.0 / TICK_MS;
        if capacity <= 0.0 {
            return 0.0;
        }
        other / capacity * 100.0
    }

    /// CPU milliseconds per unit of work (e.g. per order), by group and for the whole machine.
    pub fn per_unit_ms(&self, units: u64) -> String {
        let units = units.max(1) as f64;
        let mut parts: Vec<String> = self
            .groups
            .iter()
            .map(|(group, ticks)| format!("{group}={:.2}", *ticks as f64 * TICK_MS / units))
            .collect();
        parts.push(format!(
            "machine={:.2}",
            self.machine as f64 * TICK_MS / units
        ));
        parts.join(" ")
    }
}

/// Waits (up to `max_wait`) until other workloads use less than 10 % of the machine in two
/// consecutive 2 s windows; returns the last measured share. A benchmark next to a compiler, a
/// browser test or another database workload measures the neighbour as much as gpmall.
pub async fn wait_for_quiet(scope: &Scope, max_wait: Duration) -> f64 {
    let started = std::time::Instant::now();
    let mut said = false;
    let mut quiet_windows = 0;
    loop {
        let tracker = CpuTracker::start(scope);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let other = tracker.stop().await.other_pct();
        if other < 10.0 {
            quiet_windows += 1;
            if quiet_windows >= 2 {
                return other;
            }
            continue;
        }
        quiet_windows = 0;
        if started.elapsed() >= max_wait {
            println!(
                "WARNING: other processes still use {other:.0}% of the CPUs after waiting {} s; measuring anyway",
                max_wait.as_secs()
            );
            return other;
        }
        if !said {
            println!(
                "waiting for other processes to quiet down (they use {other:.0}% of the CPUs)"
            );
            said = true;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_parallel_worker_names_its_leader() {
        assert_eq!(
            super::parallel_worker_of("postgres: 15/main: parallel worker for PID 4242  "),
            Some(4242)
        );
        assert_eq!(
            super::parallel_worker_of("postgres: 15/main: postgres gpmall_bench [local] idle"),
            None
        );
    }

    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut l = Latencies::default();
        for ms in 1..=100 {
            l.push(Duration::from_millis(ms));
        }
        assert_eq!(l.percentile_ms(50.0), 50.0);
        assert_eq!(l.percentile_ms(99.0), 99.0);
        assert_eq!(l.percentile_ms(100.0), 100.0);
        assert_eq!(Latencies::default().percentile_ms(99.0), 0.0);
    }
}
