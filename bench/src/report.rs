//! The table: medians per workload and configuration, ratios to native and
//! to wasmtime-wasi, and the goals for the sync backend.

use crate::hosts::{Config, Results};
use crate::workloads::{Case, Workload};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the footnotes of the table say.
pub const NOTES: &str = "\
- Each figure is the median of the runs; each run is a fresh process (native) or a fresh store and \
instance (wasm). The program times its own loop with `Instant`, so compilation, instantiation and setup \
are not in the figures. Configurations are interleaved round-robin within each run.
- **native**: the same Rust source built for the host, run as a child process. **sync**: \
`wasi_common_compat_sync` (sync store, `add_to_linker_sync`). **tokio**: `wasi_common_compat_tokio` \
(async store, `call_async` on a current_thread runtime). **p2 stdio**: the sync backend with stdout \
served by `wasmtime_wasi::cli::stdout().p2_stream()` through `OutputStreamFile` (as `wasi-compat run \
--stdio p2`). **wasmtime-wasi**: `wasmtime_wasi::p1::add_to_linker_sync` with `WasiCtxBuilder::build_p1()`, \
on the same compiled module, with `allow_blocking_current_thread(true)` (file operations on the calling \
thread, as `wasmtime run` and its docs for sync embeddings do; with the builder's default, which sends \
each file operation to tokio's blocking pool, it is 10-1000x slower: `--configs wasmtime-wasi-default` \
adds that column).
- **floor**: not a WASI host. The sync backend with the `fd_write` import replaced by a bare `write(2)` \
on a dup of the guest fd's host descriptor (no fd table, rights or error mapping): what the engine's \
wasm-to-host call leaves on this machine, the lowest any Wasmtime host could go. Only the two small-write \
workloads have it in that form. For `threads_spawn` the floor is the threads build instantiated as many times \
in fresh stores from one `InstancePre`, timed by the bench: no OS thread, no `wasi_thread_start`, no join.
- Goals: issue #6's for sync against native and wasmtime-wasi; issue #14's against the floor (small writes \
≤ 1.1x, `threads_spawn` ≤ 1.5x), tokio against sync (small writes ≤ 1.15x), 2 threads ≤ 1.3x native and \
scaling ≥ 1.8x.
- Guest stdout is the host's stdout pointed at `/dev/null`; guests report on stderr.
- `-` in **p2 stdio**: the bridge changes only stdio, and only `stdout_small` writes to stdio in its loop; \
elsewhere the column would measure the sync backend again.
- `-` in `threads_write` and `threads_spawn`: `WasiThreads` drives sync stores only (no tokio or bridged column), and \
wasmtime 48 has no wasi-threads for wasmtime-wasi's preview1 (`WasiP1Ctx` cannot be shared between threads, and \
wasmtime-wasi-threads was last released for Wasmtime 46). **sync** there is the sync backend under `WasiThreads` \
(wasm32-wasip1-threads, epoch interruption on).
- Overshoot row: the median of (elapsed - 1 ms) over the sleeps; ratio columns give the difference.
- Scaling row: throughput of 2 threads / 1 thread = 2 x t(1 thread) / t(2 threads).";

/// What a row's values are.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Nanoseconds of a loop: ratios are quotients.
    Time,
    /// Nanoseconds of overshoot: ratios are differences.
    Overshoot,
    /// A dimensionless scaling factor: no ratios.
    Scaling,
}

/// One of the goals of issues #6 and #14 for the sync backend.
#[derive(Debug, Clone, Copy)]
enum Goal {
    /// sync time ≤ this × floor.
    TimeVsFloor(f64),
    /// tokio time ≤ this × sync.
    TokioVsSync(f64),
    /// sync time ≤ this × native (nothing about wasmtime-wasi: it has no
    /// column there).
    TimeVsNativeOnly(f64),
    /// sync time ≤ this × native (and faster than wasmtime-wasi).
    TimeVsNative(f64),
    /// sync throughput ≥ this × native (and faster than wasmtime-wasi).
    ThroughputVsNative(f64),
    /// Faster than wasmtime-wasi.
    FasterThanWasi,
    /// Overshoot within this many ns of native's.
    OvershootWithin(f64),
    /// Scaling at least this.
    ScalingAtLeast(f64),
}

struct Row {
    label: String,
    kind: Kind,
    values: BTreeMap<Config, f64>,
    failed: Vec<Config>,
    goals: Vec<Goal>,
}

/// Everything the runs measured: `samples[case][config]` holds one
/// [`Results`] per successful run.
pub struct Measurements {
    pub cases: Vec<Case>,
    pub configs: Vec<Config>,
    pub samples: Vec<BTreeMap<Config, Vec<Results>>>,
    pub failures: Vec<BTreeMap<Config, usize>>,
}

impl Measurements {
    pub fn new(cases: Vec<Case>, configs: Vec<Config>) -> Self {
        let n = cases.len();
        Measurements {
            cases,
            configs,
            samples: (0..n).map(|_| BTreeMap::new()).collect(),
            failures: (0..n).map(|_| BTreeMap::new()).collect(),
        }
    }

    fn median(&self, case: usize, config: Config, key: &str) -> Option<f64> {
        let mut v: Vec<u128> = self.samples[case]
            .get(&config)?
            .iter()
            .filter_map(|r| r.get(key).copied())
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let mid = v.len() / 2;
        Some(if v.len() % 2 == 1 {
            v[mid] as f64
        } else {
            (v[mid - 1] as f64 + v[mid] as f64) / 2.0
        })
    }

    fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut threads_one: Option<usize> = None;
        for (i, case) in self.cases.iter().enumerate() {
            let row = |label: String, kind, key: &str, goals| Row {
                label,
                kind,
                values: self
                    .configs
                    .iter()
                    .filter_map(|&c| Some((c, self.median(i, c, key)?)))
                    .collect(),
                failed: self
                    .configs
                    .iter()
                    .copied()
                    .filter(|c| self.failures[i].contains_key(c))
                    .collect(),
                goals,
            };
            let goals = match case.workload {
                Workload::WriteSmall => vec![
                    Goal::TimeVsNative(1.15),
                    Goal::TimeVsFloor(1.1),
                    Goal::TokioVsSync(1.15),
                ],
                Workload::StdoutSmall => vec![Goal::TimeVsNative(1.3), Goal::TimeVsFloor(1.1), Goal::TokioVsSync(1.15)],
                Workload::Meta => vec![Goal::TimeVsNative(1.5)],
                Workload::Readdir => vec![Goal::TimeVsNative(2.0)],
                Workload::ReadBig => vec![Goal::ThroughputVsNative(0.9)],
                Workload::PollClock => vec![Goal::FasterThanWasi],
                Workload::ThreadsWrite if case.args.first() == Some(&2) => vec![Goal::TimeVsNativeOnly(1.3)],
                Workload::ThreadsWrite => Vec::new(),
                Workload::ThreadsSpawn => vec![Goal::TimeVsFloor(1.5)],
            };
            rows.push(row(case.label.clone(), Kind::Time, "ns", goals));
            match case.workload {
                Workload::PollClock => rows.push(row(
                    "poll_clock: sleep(1 ms), median overshoot".to_owned(),
                    Kind::Overshoot,
                    "overshoot_ns",
                    vec![Goal::OvershootWithin(100_000.0)],
                )),
                Workload::ThreadsWrite if case.args.first() == Some(&1) => threads_one = Some(i),
                Workload::ThreadsWrite => {
                    if let Some(one) = threads_one {
                        let values = self
                            .configs
                            .iter()
                            .filter_map(|&c| Some((c, 2.0 * self.median(one, c, "ns")? / self.median(i, c, "ns")?)))
                            .collect();
                        rows.push(Row {
                            label: "threads_write: throughput 2 threads / 1 thread".to_owned(),
                            kind: Kind::Scaling,
                            values,
                            failed: Vec::new(),
                            goals: vec![Goal::ScalingAtLeast(1.8)],
                        });
                    }
                }
                _ => {}
            }
        }
        rows
    }

    /// The table as markdown (also readable as plain text).
    pub fn table(&self) -> String {
        let wasm: Vec<Config> = self.configs.iter().copied().filter(|&c| c != Config::Native).collect();
        let has_native = self.configs.contains(&Config::Native);
        let has_wasi = self.configs.contains(&Config::WasmtimeWasi);
        let mut head = vec!["workload".to_owned()];
        head.extend(self.configs.iter().map(|c| c.title().to_owned()));
        if has_native {
            head.extend(wasm.iter().map(|c| format!("{} / native", c.title())));
        }
        let vs_wasi: Vec<Config> = wasm.iter().copied().filter(|&c| c != Config::WasmtimeWasi).collect();
        if has_wasi {
            head.extend(vs_wasi.iter().map(|c| format!("{} / wasmtime-wasi", c.title())));
        }
        head.push("goals (issues #6, #14)".to_owned());

        let mut body = Vec::new();
        for row in self.rows() {
            let mut line = vec![row.label.clone()];
            for c in &self.configs {
                line.push(match row.values.get(c) {
                    Some(&v) => value(row.kind, v),
                    None if row.failed.contains(c) => "error".to_owned(),
                    None => "-".to_owned(),
                });
            }
            let cmp = |a: Config, b: Config| match (row.values.get(&a), row.values.get(&b), row.kind) {
                (Some(&x), Some(&y), Kind::Time) => format!("{:.2}x", x / y),
                (Some(&x), Some(&y), Kind::Overshoot) => format!("{:+.0} µs", (x - y) / 1e3),
                _ => "-".to_owned(),
            };
            if has_native {
                line.extend(wasm.iter().map(|&c| cmp(c, Config::Native)));
            }
            if has_wasi {
                line.extend(vs_wasi.iter().map(|&c| cmp(c, Config::WasmtimeWasi)));
            }
            line.push(
                row.goals
                    .iter()
                    .map(|&g| goal_status(&row, g))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            body.push(line);
        }
        render(&head, &body)
    }
}

fn value(kind: Kind, ns: f64) -> String {
    match kind {
        Kind::Time if ns >= 1e6 => format!("{:.1} ms", ns / 1e6),
        Kind::Time => format!("{:.1} µs", ns / 1e3),
        Kind::Overshoot => format!("{:.0} µs", ns / 1e3),
        Kind::Scaling => format!("{ns:.2}x"),
    }
}

/// "goal: met" or "goal: MISSED (why)" for the sync column (the tokio
/// column for [`Goal::TokioVsSync`]).
fn goal_status(row: &Row, goal: Goal) -> String {
    let v = |c| row.values.get(&c).copied();
    let (sync, native, wasi) = (v(Config::Sync), v(Config::Native), v(Config::WasmtimeWasi));
    let mut missed = Vec::new();
    let mut unknown = false;
    // `x` / `base` ≤ `max`, or what it was.
    let mut at_most = |x: Option<f64>, base: Option<f64>, max: f64, what: &str| match (x, base) {
        (Some(x), Some(b)) if x / b > max => missed.push(format!("{:.2}x {what}", x / b)),
        (Some(_), Some(_)) => {}
        _ => unknown = true,
    };
    let desc = match goal {
        Goal::TimeVsFloor(max) => {
            at_most(sync, v(Config::Floor), max, "floor");
            format!("≤ {max}x floor")
        }
        Goal::TokioVsSync(max) => {
            at_most(v(Config::Tokio), sync, max, "sync");
            format!("tokio ≤ {max}x sync")
        }
        Goal::TimeVsNativeOnly(max) => {
            at_most(sync, native, max, "native");
            format!("≤ {max}x native")
        }
        Goal::TimeVsNative(max) => {
            at_most(sync, native, max, "native");
            format!("≤ {max}x native, < wasmtime-wasi")
        }
        Goal::ThroughputVsNative(min) => {
            match (sync, native) {
                (Some(s), Some(n)) if n / s < min => missed.push(format!("{:.2}x native throughput", n / s)),
                (Some(_), Some(_)) => {}
                _ => unknown = true,
            }
            format!("≥ {min}x native throughput, < wasmtime-wasi")
        }
        Goal::FasterThanWasi => "< wasmtime-wasi".to_owned(),
        Goal::OvershootWithin(d) => {
            match (sync, native) {
                (Some(s), Some(n)) if s - n > d => missed.push(format!("{:+.0} µs vs native", (s - n) / 1e3)),
                (Some(_), Some(_)) => {}
                _ => unknown = true,
            }
            format!("within {:.0} µs of native", d / 1e3)
        }
        Goal::ScalingAtLeast(min) => {
            match sync {
                Some(s) if s < min => missed.push(format!("{s:.2}x")),
                Some(_) => {}
                None => unknown = true,
            }
            if let Some(n) = native {
                missed.iter_mut().for_each(|m| m.push_str(&format!("; native {n:.2}x")));
            }
            format!("≥ {min}x")
        }
    };
    if matches!(
        goal,
        Goal::TimeVsNative(_) | Goal::ThroughputVsNative(_) | Goal::FasterThanWasi
    ) {
        match (sync, wasi) {
            (Some(s), Some(w)) if s >= w => missed.push(format!("{:.2}x wasmtime-wasi", s / w)),
            (Some(_), Some(_)) => {}
            _ => unknown = true,
        }
    }
    let status = if !missed.is_empty() {
        format!("MISSED ({})", missed.join(", "))
    } else if unknown {
        "not measured".to_owned()
    } else {
        "met".to_owned()
    };
    format!("{desc}: {status}")
}

/// A markdown table with padded columns.
fn render(head: &[String], body: &[Vec<String>]) -> String {
    let width = |i: usize| {
        body.iter()
            .map(|r| r[i].chars().count())
            .chain([head[i].chars().count(), 3])
            .max()
            .unwrap_or(3)
    };
    let widths: Vec<usize> = (0..head.len()).map(width).collect();
    let line = |cells: &[String]| {
        let mut s = String::from("|");
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i == 0 || i + 1 == cells.len() {
                let _ = write!(s, " {c}{} |", " ".repeat(pad));
            } else {
                let _ = write!(s, " {}{c} |", " ".repeat(pad));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(head);
    out.push('|');
    for (i, w) in widths.iter().enumerate() {
        let right = i != 0 && i + 1 != widths.len();
        let _ = write!(
            out,
            " {}{} |",
            "-".repeat(w - usize::from(right)),
            if right { ":" } else { "" }
        );
    }
    out.push('\n');
    for r in body {
        out.push_str(&line(r));
    }
    out
}

/// CPU model, logical CPUs, kernel, load average: for the results file.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cpus = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{model}, {cpus} logical CPUs, Linux {}", kernel.trim())
}

/// The 1-minute load average, as `/proc/loadavg` says.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Now, in UTC, as `YYYY-MM-DD HH:MM UTC`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_ratios() {
        let case = crate::workloads::cases(&[Workload::WriteSmall], &crate::workloads::Sizes::SMOKE);
        let mut m = Measurements::new(case, vec![Config::Native, Config::Sync, Config::WasmtimeWasi]);
        let r = |ns: u128| Results::from([("ns".to_owned(), ns)]);
        m.samples[0].insert(Config::Native, vec![r(100), r(300), r(200)]);
        m.samples[0].insert(Config::Sync, vec![r(110), r(900), r(100)]);
        m.samples[0].insert(Config::WasmtimeWasi, vec![r(500), r(500)]);
        assert_eq!(m.median(0, Config::Native, "ns"), Some(200.0));
        assert_eq!(m.median(0, Config::Sync, "ns"), Some(110.0));
        let t = m.table();
        assert!(t.contains(" 0.55x |"), "{t}");
        assert!(t.contains(" 0.22x |"), "{t}");
        assert!(t.contains(" 2.50x |"), "{t}");
        assert!(t.contains("met"), "{t}");
    }
}
