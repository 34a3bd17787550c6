//! `--counts`: what one iteration of a per-call workload costs in system
//! calls and host allocations, on each configuration and natively.
//!
//! Each configuration runs the workload in a child process (`wasi-bench
//! --child-run CONFIG`) under `strace -f -c`, twice: with [`N1`] and with
//! [`N2`] iterations. Everything that does not depend on the count
//! (compiling, instantiating, the process's start and end) cancels in the
//! difference, so (calls at N2 - calls at N1) / (N2 - N1) is the count per
//! iteration, by system call. The child also counts the host allocations
//! made during its run ([`Counting`], on only in child runs) and reports
//! them on stderr; they are differenced the same way. The native build has
//! no host allocator to count (its allocations are the program's own).

use crate::hosts::{Config, Hosts, StdoutToNull};
use crate::workloads::{Case, Sizes, Workload};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

/// The two iteration counts whose difference is measured.
pub const N1: u64 = 2_000;
pub const N2: u64 = 12_000;

/// The workloads `--counts` measures: those whose loop is one call (or one
/// fixed group of calls) per iteration.
pub const WORKLOADS: [Workload; 3] = [Workload::WriteSmall, Workload::StdoutSmall, Workload::Meta];

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting allocations while [`COUNTING`] is on (a
/// relaxed load otherwise: the timed runs are not slowed).
pub struct Counting;

#[allow(unsafe_code, reason = "a GlobalAlloc implementation is unsafe by definition")]
// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds GlobalAlloc's contract; counting touches no allocation.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: `ptr` and `layout` come from this allocator, which is
        // `System`'s; the caller's contract is passed on unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[inline]
fn count() {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

/// The configurations `--counts` measures (in-process hosts and native).
pub fn configs(selected: &[Config]) -> Vec<Config> {
    [Config::Native, Config::Sync, Config::Tokio, Config::WasmtimeWasi]
        .into_iter()
        .filter(|c| selected.is_empty() || selected.contains(c))
        .collect()
}

/// The case of `w` with `n` iterations.
fn case(w: Workload, n: u64) -> Result<Case> {
    let sizes = Sizes {
        write_small: n,
        stdout_small: n,
        meta: n,
        ..Sizes::SMOKE
    };
    crate::workloads::cases(&[w], &sizes)
        .into_iter()
        .next()
        .context("no case for the workload")
}

/// `--child-run`: runs `w` once with `n` iterations on `config` and prints
/// `ALLOCATIONS <k>` (the host allocations of the run) to stderr.
pub fn child_run(hosts: &Hosts, config: Config, w: Workload, n: u64) -> Result<()> {
    let case = case(w, n)?;
    let _null = StdoutToNull::new()?;
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let r = hosts.run(config, &case);
    COUNTING.store(false, Ordering::Relaxed);
    r?;
    eprintln!("ALLOCATIONS {}", ALLOCATIONS.load(Ordering::Relaxed));
    Ok(())
}

/// What one child run counted.
struct Counted {
    /// Calls per system call name.
    syscalls: BTreeMap<String, u64>,
    allocations: Option<u64>,
}

/// Runs `program args` under `strace -f -c`, the summary into `summary`.
fn traced(program: &Path, args: &[OsString], summary: &Path) -> Result<Counted> {
    let mut strace = Command::new("strace");
    strace
        .arg("-f")
        .arg("-c")
        .arg("-o")
        .arg(summary)
        .arg(program)
        .args(args);
    let out = strace
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("running strace (install it: apt-get install strace)")?;
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("the counted run failed ({}):\n{err}", out.status);
    }
    let allocations = err
        .lines()
        .find_map(|l| l.strip_prefix("ALLOCATIONS ")?.trim().parse().ok());
    let text = std::fs::read_to_string(summary).with_context(|| format!("reading {}", summary.display()))?;
    Ok(Counted {
        syscalls: parse_summary(&text),
        allocations,
    })
}

/// The calls per system call of an `strace -c` summary.
fn parse_summary(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // "% time  seconds  usecs/call  calls  [errors]  syscall"
        if cols.len() < 5 || cols[0].parse::<f64>().is_err() {
            continue;
        }
        let name = cols[cols.len() - 1];
        if name == "total" {
            continue;
        }
        if let Ok(calls) = cols[3].parse::<u64>() {
            *out.entry(name.to_owned()).or_insert(0) += calls;
        }
    }
    out
}

/// The command-line spelling of `v`.
fn value_name(v: impl clap::ValueEnum) -> Result<String> {
    Ok(v.to_possible_value().context("a hidden value")?.get_name().to_owned())
}

/// One row of the counts table.
pub struct Row {
    pub workload: Workload,
    pub config: Config,
    /// System calls per iteration, by name (only those at 0.05 or more).
    pub syscalls: Vec<(String, f64)>,
    pub total: f64,
    pub allocations: Option<f64>,
}

/// Measures `w` on `config` (see the module docs).
pub fn measure(exe: &Path, native: &Path, scratch: &Path, config: Config, w: Workload) -> Result<Row> {
    let summary = scratch.join(format!("strace-{}-{}.txt", w.name(), value_name(config)?));
    let run = |n: u64| -> Result<Counted> {
        if config == Config::Native {
            let dir = scratch.to_str().context("the scratch path is not UTF-8")?;
            let args: Vec<OsString> = case(w, n)?.argv(dir).into_iter().map(OsString::from).collect();
            return traced(native, &args, &summary);
        }
        let args: Vec<OsString> = [
            "--child-run".into(),
            value_name(config)?.into(),
            "--only".into(),
            value_name(w)?.into(),
            "--child-n".into(),
            n.to_string().into(),
            "--scratch".into(),
            scratch.as_os_str().to_owned(),
        ]
        .into();
        traced(exe, &args, &summary)
    };
    let (a, b) = (run(N1)?, run(N2)?);
    let per = |x: u64, y: u64| (y as f64 - x as f64) / (N2 - N1) as f64;
    let mut syscalls: Vec<(String, f64)> = b
        .syscalls
        .iter()
        .map(|(k, &v)| (k.clone(), per(a.syscalls.get(k).copied().unwrap_or(0), v)))
        .filter(|(_, v)| *v >= 0.05)
        .collect();
    syscalls.sort_by(|x, y| y.1.total_cmp(&x.1));
    let total = per(a.syscalls.values().sum(), b.syscalls.values().sum());
    let allocations = match (a.allocations, b.allocations) {
        (Some(x), Some(y)) => Some(per(x, y)),
        _ => None,
    };
    let _ = std::fs::remove_file(&summary);
    Ok(Row {
        workload: w,
        config,
        syscalls,
        total,
        allocations,
    })
}

/// The counts as a markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | config | syscalls / iteration | by call | host allocations / iteration |\n|---|---|--:|---|--:|\n",
    );
    for r in rows {
        let by: Vec<String> = r.syscalls.iter().map(|(k, v)| format!("{k} {v:.1}")).collect();
        s.push_str(&format!(
            "| {} | {} | {:.1} | {} | {} |\n",
            r.workload.name(),
            r.config.title(),
            r.total,
            by.join(", "),
            r.allocations.map_or("-".to_owned(), |a| format!("{a:.1}"))
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_strace_summary() {
        let text = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 45.00    0.004500           4      1000           openat
 30.00    0.003000           1      2000        12 statx
 25.00    0.002500           2      1000           close
------ ----------- ----------- --------- --------- ----------------
100.00    0.010000           2      4000        12 total
";
        let m = parse_summary(text);
        assert_eq!(m.get("openat"), Some(&1000));
        assert_eq!(m.get("statx"), Some(&2000));
        assert_eq!(m.get("close"), Some(&1000));
        assert!(!m.contains_key("total"));
    }
}
