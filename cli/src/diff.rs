//! `wasi-compat diff [RUN OPTIONS] MODULE [ARGS]...`: one module on this host
//! and on a reference host, and whether they behaved the same.
//!
//! Each side gets its own copy of every `--dir` tree, the same arguments and
//! environment, the same stdin bytes (read once from this process's stdin
//! unless it is a terminal), the same clock readings and random bytes (see
//! [`crate::determinism`]). Compared, in this order: how the run ended (exit
//! status, trap, or error), stdout, stderr, the final state of each preopened
//! tree, and with `--calls` the sequence of preview1 calls with their results.
//! Prints `same`, or the first divergence; exits 0 when the runs agree, 1
//! when they differ, 2 when `diff` itself could not run.

use crate::exec::{self, Captured, Outcome, Setup, Stdio};
use crate::load::Loaded;
use crate::reference::{self, Ran};
use crate::trace::{self, Call};
use crate::tree;
use crate::wasi_opts::WasiPlan;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use wasmtime::Result;

/// Options of `diff` beyond those of `run`.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// Compare against this command instead of wasmtime-wasi 48 in process
    /// (any runtime taking `wasmtime run`-style `--dir`/`--env` flags, e.g.
    /// `"wasmtime run"`); it is run as `CMD --dir ... --env ... MODULE ARGS`.
    #[arg(long, value_name = "CMD")]
    pub against: Option<String>,

    /// Also compare the sequence of preview1 calls and their results (not
    /// with `--against`).
    #[arg(long)]
    pub calls: bool,

    /// The seed of the random bytes both sides get.
    #[arg(long, default_value_t = 0x5EED)]
    pub seed: u64,

    #[command(flatten)]
    pub run: crate::options::RunArgs,
}

/// Exit status when the runs differ.
const DIFFER: u8 = 1;
/// Exit status when `diff` could not run.
const FAILED: u8 = 2;

/// Runs `diff` and gives its exit status.
pub fn main(mut args: DiffArgs) -> ExitCode {
    match compare(&mut args) {
        Ok(None) => {
            println!("same");
            ExitCode::SUCCESS
        }
        Ok(Some(d)) => {
            println!("{d}");
            ExitCode::from(DIFFER)
        }
        Err(e) => {
            eprintln!("Error: diff could not run: {e:?}");
            ExitCode::from(FAILED)
        }
    }
}

/// What one side did.
struct Side {
    outcome: Outcome,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    trees: Vec<tree::Snapshot>,
    calls: Vec<Call>,
}

fn read_stdin() -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if !std::io::stdin().is_terminal() {
        std::io::stdin().read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// Private copies of the `--dir` trees, one set per side.
struct Trees {
    _temp: Vec<tempfile::TempDir>,
    dirs: Vec<(String, String)>,
}

/// Copies of the `--dir` trees and then of the `--mem-dir` ones (an empty
/// HOST: an empty directory), in that order: the preopens of a side.
fn copy_dirs(specs: &[String]) -> Result<Trees> {
    let mut temp = Vec::new();
    let mut dirs = Vec::new();
    for spec in specs {
        let (host, guest) = crate::ctx::split_dir(spec);
        let t = tempfile::tempdir()?;
        if !host.is_empty() {
            tree::copy_tree(host.as_ref(), t.path())?;
        }
        dirs.push((t.path().to_string_lossy().into_owned(), guest));
        temp.push(t);
    }
    Ok(Trees { _temp: temp, dirs })
}

fn snapshots(trees: &Trees) -> Result<Vec<tree::Snapshot>> {
    trees
        .dirs
        .iter()
        .map(|(host, _)| tree::snapshot(host.as_ref()))
        .collect()
}

fn compare(args: &mut DiffArgs) -> Result<Option<String>> {
    let config = crate::load::engine_config(&mut args.run)?;
    let args = &*args;
    let run = &args.run;
    let plan = WasiPlan::new(run)?;
    let loaded = crate::load::load(run, &plan, &config)?;
    let stdin = read_stdin()?;
    let argv = run.guest_argv()?;
    let env = crate::ctx::environment(run, &plan);
    let record = args.calls && args.against.is_none();
    trace::install(run.trace.as_deref(), record, run.common.debug.logging != Some(false))?;

    let inputs = Inputs {
        argv: &argv,
        env: &env,
        stdin: &stdin,
        record,
        wall: crate::determinism::DiffClock::this_second(),
    };
    let ours = our_side(&loaded, args, &plan, &inputs)?;
    let theirs = reference_side(&loaded, args, &inputs)?;
    Ok(first_divergence(args, &ours, &theirs))
}

/// What both sides get: `argv`, the environment, stdin's bytes, whether
/// calls are recorded, and the realtime clock's start.
struct Inputs<'a> {
    argv: &'a [String],
    env: &'a [(String, String)],
    stdin: &'a [u8],
    record: bool,
    wall: std::time::Duration,
}

fn our_side(loaded: &Loaded, args: &DiffArgs, plan: &WasiPlan, inputs: &Inputs<'_>) -> Result<Side> {
    let Inputs {
        argv,
        env,
        stdin,
        record,
        wall,
    } = *inputs;
    let trees = copy_dirs(&args.run.dirs)?;
    let mem_dirs = crate::ctx::mem_trees(&args.run)?;
    let captured = Captured::new(stdin.to_vec(), args.run.stdio == crate::options::StdioMode::P2);
    let setup = Setup {
        argv: argv.to_vec(),
        env: env.to_vec(),
        dirs: trees.dirs.clone(),
        mem_dirs: mem_dirs.clone(),
        stdio: Stdio::Captured(captured.clone()),
        determinism: Some((
            crate::determinism::DiffClock::new(wall),
            crate::determinism::DiffRandom::new(args.seed),
        )),
    };
    if record {
        trace::start_recording();
    }
    let outcome = exec::run(loaded, &args.run, plan, &setup);
    let calls = trace::take_recording();
    let (stdout, stderr) = captured.contents();
    let mut snaps = snapshots(&trees)?;
    for (tree, _) in &mem_dirs {
        // What the guest left in memory, written out to be compared.
        let out = tempfile::tempdir()?;
        tree.write_to_host_dir(out.path())?;
        snaps.push(tree::snapshot(out.path())?);
    }
    Ok(Side {
        outcome,
        stdout,
        stderr,
        trees: snaps,
        calls,
    })
}

fn reference_side(loaded: &Loaded, args: &DiffArgs, inputs: &Inputs<'_>) -> Result<Side> {
    let Inputs {
        argv,
        env,
        stdin,
        record,
        wall,
    } = *inputs;
    let specs: Vec<String> = args.run.dirs.iter().chain(&args.run.mem_dirs).cloned().collect();
    let trees = copy_dirs(&specs)?;
    if record {
        trace::start_recording();
    }
    let Ran {
        outcome,
        stdout,
        stderr,
    } = match &args.against {
        Some(cmd) => reference::run_command(cmd, args.run.module(), &args.run.guest_args()?, env, &trees.dirs, stdin)?,
        None => reference::run_wasmtime_wasi(
            loaded,
            &reference::RefSetup {
                argv,
                env,
                dirs: &trees.dirs,
                stdin,
                clock: crate::determinism::DiffClock::new(wall),
                random: crate::determinism::DiffRandom::new(args.seed),
                seed: args.seed,
            },
        )?,
    };
    let calls = trace::take_recording();
    Ok(Side {
        outcome,
        stdout,
        stderr,
        trees: snapshots(&trees)?,
        calls,
    })
}

fn first_divergence(args: &DiffArgs, ours: &Side, theirs: &Side) -> Option<String> {
    let reference = match &args.against {
        Some(cmd) => format!("`{cmd}`"),
        None => "wasmtime-wasi".to_owned(),
    };
    let same_end = match args.against {
        // An external command only tells its exit status.
        Some(_) => ours.outcome.status() == theirs.outcome.status(),
        None => ours.outcome.same_as(&theirs.outcome),
    };
    if !same_end {
        return Some(format!(
            "differ: how the run ended\n  this host: {}{}\n  {reference}: {}{}",
            ours.outcome.describe(),
            last_lines(&ours.stderr),
            theirs.outcome.describe(),
            last_lines(&theirs.stderr),
        ));
    }
    for (name, a, b) in [
        ("stdout", &ours.stdout, &theirs.stdout),
        ("stderr", &ours.stderr, &theirs.stderr),
    ] {
        if let Some(d) = bytes_divergence(a, b) {
            let stderr = |side: &Side| {
                if name == "stdout" {
                    last_lines(&side.stderr)
                } else {
                    String::new()
                }
            };
            return Some(format!(
                "differ: {name} {d}\n  this host: {}{}\n  {reference}: {}{}",
                excerpt(a, d.at),
                stderr(ours),
                excerpt(b, d.at),
                stderr(theirs)
            ));
        }
    }
    for (i, (a, b)) in ours.trees.iter().zip(&theirs.trees).enumerate() {
        if let Some((path, x, y)) = tree::first_difference(a, b) {
            let view = |n: Option<&tree::Node>| n.map_or("absent".to_owned(), |n| n.to_string());
            let spec = args.run.dirs.iter().chain(&args.run.mem_dirs).nth(i);
            let (_, guest) = crate::ctx::split_dir(spec.map_or("", String::as_str));
            return Some(format!(
                "differ: the tree preopened as {guest:?}, at {path:?}\n  this host: {}\n  {reference}: {}",
                view(x),
                view(y)
            ));
        }
    }
    if args.calls && args.against.is_none() {
        let n = ours.calls.len().max(theirs.calls.len());
        for i in 0..n {
            let (a, b) = (ours.calls.get(i), theirs.calls.get(i));
            let same = match (a, b) {
                (Some(a), Some(b)) => {
                    a.function == b.function
                        && a.comparable_args() == b.comparable_args()
                        && a.comparable_result() == b.comparable_result()
                }
                _ => false,
            };
            if !same {
                let show = |c: Option<&Call>| c.map_or("(no more calls)".to_owned(), |c| c.to_string());
                return Some(format!(
                    "differ: preview1 call #{i}\n  this host: {}\n  {reference}: {}",
                    show(a),
                    show(b)
                ));
            }
        }
    }
    None
}

/// The last lines of a side's stderr (what a failing program said), if any.
fn last_lines(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().rev().take(3).collect();
    lines.iter().rev().map(|l| format!("\n    stderr: {l}")).collect()
}

/// Where two byte strings first differ.
struct BytesDiff {
    at: usize,
    line: usize,
}

impl std::fmt::Display for BytesDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at byte {} (line {})", self.at, self.line)
    }
}

fn bytes_divergence(a: &[u8], b: &[u8]) -> Option<BytesDiff> {
    if a == b {
        return None;
    }
    let at = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let line = 1 + a[..at].iter().filter(|&&c| c == b'\n').count();
    Some(BytesDiff { at, line })
}

/// The line around byte `at`, quoted.
fn excerpt(bytes: &[u8], at: usize) -> String {
    let at = at.min(bytes.len());
    let start = bytes[..at].iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
    let end = bytes[at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(bytes.len(), |p| at + p);
    let end = end.min(start + 200);
    if start == end && at == bytes.len() {
        return "(ends here)".to_owned();
    }
    format!("{:?}", String::from_utf8_lossy(&bytes[start..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_divergence_names_the_line() {
        let d = bytes_divergence(b"one\ntwo\n", b"one\ntwX\n").unwrap();
        assert_eq!((d.at, d.line), (6, 2));
        assert_eq!(excerpt(b"one\ntwo\n", 6), "\"two\"");
        assert!(bytes_divergence(b"a", b"a").is_none());
        let short = bytes_divergence(b"ab\n", b"ab\ncd\n").unwrap();
        assert_eq!((short.at, short.line), (3, 2));
        assert_eq!(excerpt(b"ab\n", short.at), "(ends here)");
        assert_eq!(excerpt(b"ab\ncd\n", short.at), "\"cd\"");
    }
}
