//! `wasi-bench`: issue #6's benchmark.
//!
//! Runs each workload of `workloads/` (one Rust program built for
//! wasm32-wasip1, wasm32-wasip1-threads and the host) on this project's
//! sync and tokio backends, on the sync backend with stdio bridged to
//! wasmtime-wasi's p2 streams, on wasmtime-wasi 48's own preview1, and
//! natively; prints one table of medians and ratios and writes it, with the
//! machine and the date, to `target/bench/results.md`.
//!
//! ```text
//! cargo run --release -p wasi-common-compat-bench -- [--runs 5] [--only write_small,meta] [--configs native,sync]
//! ```
//!
//! `--smoke` runs every workload once at a tiny size (the test suite does
//! that); its figures mean nothing.

#![deny(unsafe_code)]

mod calls;
mod counts;
mod hosts;
mod report;
mod workloads;

use clap::Parser;
use hosts::{Config, Hosts, StdoutToNull};
use report::Measurements;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use workloads::{Sizes, Workload};

#[global_allocator]
static ALLOCATOR: counts::Counting = counts::Counting;

/// `<target>/bench`, where the scratch files and the results go by default.
const BENCH_DIR: &str = env!("BENCH_DIR");

#[derive(Parser)]
#[command(
    name = "wasi-bench",
    about = "Benchmark the preview1 hosts against wasmtime-wasi and native (issue #6)"
)]
struct Args {
    /// Runs of each workload on each configuration; the table shows medians.
    #[arg(long, default_value_t = 5)]
    runs: usize,

    /// Workloads to run (comma-separated; default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Workload>,

    /// Configurations to run (comma-separated; default: all but
    /// wasmtime-wasi-default).
    #[arg(long, value_enum, value_delimiter = ',')]
    configs: Vec<Config>,

    /// Every workload once at a tiny size: checks that everything runs; the
    /// figures mean nothing.
    #[arg(long)]
    smoke: bool,

    /// Directory for the workloads' files (256 MiB for read_big).
    #[arg(long, value_name = "DIR")]
    scratch: Option<PathBuf>,

    /// Divide every loop count by N (for profiling; the table then is not
    /// issue #6's).
    #[arg(long, value_name = "N", default_value_t = 1)]
    divide: u64,

    /// Wasmtime settings that valgrind can run: no signal-based traps (bounds
    /// checks in code instead). For profiling with callgrind only.
    #[arg(long)]
    valgrind: bool,

    /// Enable Wasmtime's perf map (`/tmp/perf-PID.map`), so that `perf record`
    /// names the guest's JIT-compiled functions. For profiling only.
    #[arg(long)]
    perfmap: bool,

    /// Instead of timing: system calls and host allocations per iteration
    /// of write_small, stdout_small and meta, on native, sync, tokio and
    /// wasmtime-wasi (or those of --only/--configs), each counted by
    /// `strace -f -c` in child runs of two sizes (needs strace). Writes
    /// target/bench/counts.md.
    #[arg(long)]
    counts: bool,

    /// (Internal, for --counts.) Run the one workload of --only once on
    /// this configuration and report its host allocations.
    #[arg(long, value_enum, hide = true)]
    child_run: Option<Config>,

    /// (Internal, for --counts.) The iteration count of --child-run.
    #[arg(long, hide = true, default_value_t = 0)]
    child_n: u64,

    /// Where to write the table as markdown [default: target/bench/results.md;
    /// with --smoke: nowhere].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("wasi-bench: {e:?}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the benchmark; `Ok(false)` if some run failed.
fn run(args: Args) -> wasmtime::Result<bool> {
    let workloads: Vec<Workload> = Workload::ALL
        .into_iter()
        .filter(|w| args.only.is_empty() || args.only.contains(w))
        .collect();
    let configs: Vec<Config> = Config::ALL
        .into_iter()
        .filter(|c| {
            if args.configs.is_empty() {
                Config::DEFAULT.contains(c)
            } else {
                args.configs.contains(c)
            }
        })
        .collect();
    let (sizes, runs) = if args.smoke {
        (Sizes::SMOKE, 1)
    } else {
        (Sizes::FULL.divided(args.divide), args.runs.max(1))
    };
    let bench_dir = Path::new(BENCH_DIR);
    let scratch = args.scratch.clone().unwrap_or_else(|| bench_dir.join("scratch"));
    let out = match (&args.out, args.smoke) {
        (Some(o), _) => Some(o.clone()),
        (None, false) => Some(bench_dir.join("results.md")),
        (None, true) => None,
    };

    if let Some(config) = args.child_run {
        let [w] = workloads[..] else {
            wasmtime::bail!("--child-run takes one workload (--only)");
        };
        let scratch = scratch.canonicalize()?;
        let hosts = hosts_for(&scratch, &[config], &[w], &args)?;
        counts::child_run(&hosts, config, w, args.child_n)?;
        return Ok(true);
    }
    if args.counts {
        return run_counts(&args, &workloads, &scratch);
    }

    eprintln!("wasi-bench: preparing {} ...", scratch.display());
    workloads::prepare(&scratch, &workloads, &sizes)?;
    let scratch = scratch.canonicalize()?;
    let t = Instant::now();
    let hosts = hosts_for(&scratch, &configs, &workloads, &args)?;
    eprintln!("wasi-bench: modules compiled in {:.1} s", t.elapsed().as_secs_f64());

    let cases = workloads::cases(&workloads, &sizes);
    let mut m = Measurements::new(cases.clone(), configs.clone());
    let load_before = report::load();
    let started = report::now_utc();
    let mut ok = true;
    {
        let _null = StdoutToNull::new()?;
        for run in 0..runs {
            for (i, case) in cases.iter().enumerate() {
                // Round-robin: each run starts with the next configuration.
                let order = configs.iter().cycle().skip(run % configs.len()).take(configs.len());
                for &config in order.filter(|c| c.runs(case.workload)) {
                    match hosts.run(config, case) {
                        Ok(r) => {
                            eprintln!(
                                "[run {}/{runs}] {} on {}: {:.1} ms",
                                run + 1,
                                case.label,
                                config.title(),
                                r["ns"] as f64 / 1e6
                            );
                            m.samples[i].entry(config).or_default().push(r);
                        }
                        Err(e) => {
                            ok = false;
                            eprintln!(
                                "[run {}/{runs}] {} on {}: FAILED: {e:?}",
                                run + 1,
                                case.label,
                                config.title()
                            );
                            *m.failures[i].entry(config).or_default() += 1;
                        }
                    }
                }
            }
        }
    }

    let mut table = m.table();
    if configs.contains(&Config::Sync)
        && configs.contains(&Config::Tokio)
        && workloads
            .iter()
            .any(|w| matches!(w, Workload::WriteSmall | Workload::StdoutSmall))
    {
        let calls = if args.smoke { 1_000 } else { 1_000_000 };
        let (sync, asy) = calls::measure(calls, runs)?;
        table.push_str(&format!(
            "\nWasmtime's own host call (an import with `fd_write`'s signature that does nothing, {calls} calls, \
             median of {runs}): {sync:.1} ns from a sync store, {asy:.1} ns from an async one \
             (`func_wrap_async`, zero-sized ready future): +{:.1} ns per call that the tokio column pays whatever \
             the host does.\n",
            asy - sync
        ));
    }
    println!("{table}");
    if let Some(out) = out {
        let doc = markdown(&table, &started, &load_before, runs, &args);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&out, doc)?;
        eprintln!("wasi-bench: wrote {}", out.display());
    }
    Ok(ok)
}

/// The hosts for `configs` and `workloads`, the workload builds this
/// binary was built with.
fn hosts_for(scratch: &Path, configs: &[Config], workloads: &[Workload], args: &Args) -> wasmtime::Result<Hosts> {
    Hosts::new(
        scratch,
        Path::new(env!("WORKLOAD_WASM")),
        Path::new(env!("WORKLOAD_WASM_THREADS")),
        Path::new(env!("WORKLOAD_NATIVE")),
        configs,
        workloads,
        hosts::Tuning {
            perfmap: args.perfmap,
            valgrind: args.valgrind,
        },
    )
}

/// `--counts` (see [`counts`]).
fn run_counts(args: &Args, workloads: &[Workload], scratch: &Path) -> wasmtime::Result<bool> {
    let workloads: Vec<Workload> = counts::WORKLOADS
        .into_iter()
        .filter(|w| workloads.contains(w))
        .collect();
    workloads::prepare(scratch, &workloads, &Sizes::SMOKE)?;
    let scratch = scratch.canonicalize()?;
    let exe = std::env::current_exe()?;
    let mut rows = Vec::new();
    for &w in &workloads {
        for c in counts::configs(&args.configs) {
            if !c.runs(w) {
                continue;
            }
            eprintln!("wasi-bench: counting {} on {} ...", w.name(), c.title());
            rows.push(counts::measure(
                &exe,
                Path::new(env!("WORKLOAD_NATIVE")),
                &scratch,
                c,
                w,
            )?);
        }
    }
    let table = counts::table(&rows);
    println!("{table}");
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new(BENCH_DIR).join("counts.md"));
    let doc = format!(
        "# System calls and host allocations per iteration\n\n\
         - Date: {}\n- Machine: {}\n- Source: {}\n\n\
         Counted by `strace -f -c` over child runs of {} and {} iterations (the difference, so start-up \
         cancels); host allocations by the bench's counting allocator in the same runs.\n\n{table}",
        report::now_utc(),
        report::machine(),
        source_version(),
        counts::N1,
        counts::N2,
    );
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, doc)?;
    eprintln!("wasi-bench: wrote {}", out.display());
    Ok(true)
}

fn markdown(table: &str, started: &str, load_before: &str, runs: usize, args: &Args) -> String {
    let mut cmd = String::from("cargo run --release -p wasi-common-compat-bench");
    let passed: Vec<String> = std::env::args().skip(1).collect();
    if !passed.is_empty() {
        cmd.push_str(" -- ");
        cmd.push_str(&passed.join(" "));
    }
    format!(
        "# wasi-common-compat benchmark results\n\n\
         - Date: {started}\n\
         - Machine: {}\n\
         - Load average (1 min) before / after: {load_before} / {}\n\
         - Source: {}\n\
         - Toolchain: {}; Wasmtime and wasmtime-wasi 48 (as pinned in the workspace)\n\
         - Runs: {runs}{}\n\
         - Command: `{cmd}`\n\n\
         {table}\n\
         {}\n",
        report::machine(),
        report::load(),
        source_version(),
        env!("BENCH_RUSTC_VERSION"),
        if args.smoke {
            " (smoke sizes: the figures mean nothing)"
        } else {
            ""
        },
        report::NOTES,
    )
}

/// The commit checked out when the bench runs (`+ uncommitted changes` if
/// the work tree differs from it; the binary is normally built from it).
fn source_version() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(rev) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
            format!("commit {rev}{}", if dirty { " + uncommitted changes" } else { "" })
        }
        None => "unknown (no git)".to_owned(),
    }
}
