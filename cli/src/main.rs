//! `wasi-compat`: runs WASI preview1 command modules on current Wasmtime.
//!
//! `wasi-compat [run] [OPTIONS] MODULE [ARGS]...` takes `wasmtime run` 48's
//! command line (the `run` word optional, as with `wasmtime`): the `-O`,
//! `-C`, `-D`, `-W`, `-S` option groups and `--config FILE` through the
//! `wasmtime-cli-flags` crate, `--dir HOST[::GUEST]`, `--env NAME[=VAL]`,
//! `--argv0`, `--invoke`, `--preload`, `--allow-precompiled`, and `-S
//! threads` as Wasmtime 46 took it. So it stands in for `wasmtime run` in
//! scripts, in the wasi-testsuite adapter, and as cargo's
//! `CARGO_TARGET_WASM32_WASIP1[_THREADS]_RUNNER`. Exit statuses are those of
//! `wasmtime run`: the guest's `proc_exit` status (0 when the entry point
//! returns); 134 for a wasm trap, a `-W timeout` or running out of `-W
//! fuel` (printed with its wasm backtrace); 1 for any other error (the
//! module or a `--dir` cannot be opened, an import is missing, an exit
//! status outside `[0, 126)`); 2 for a command line clap rejects.
//!
//! `wasi-compat compile [OPTIONS] MODULE [-o OUT]` compiles ahead of time
//! into a `.cwasm` (see [`load::compile`]).
//!
//! `wasi-compat diff [OPTIONS] MODULE [ARGS]...` runs the module here and on
//! a reference host (wasmtime-wasi 48's preview1, or `--against CMD`) and
//! reports the first difference (see [`diff`]).

#![deny(unsafe_code)]
use clap::{Parser, Subcommand};
use options::{RunArgs, StdioMode};
use std::process::ExitCode;

mod ctx;
mod determinism;
mod diff;
mod exec;
mod invoke;
mod load;
mod options;
mod p2;
mod reference;
mod trace;
mod tree;
mod wasi_opts;

#[derive(Parser)]
#[command(
    name = "wasi-compat",
    version,
    about = "Run WASI preview1 programs on current Wasmtime",
    after_help = "If no subcommand is given, `run` is used: `wasi-compat foo.wasm` is `wasi-compat run foo.wasm`.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    run: Box<RunArgs>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a preview1 module (.wasm, .wat, or .cwasm with --allow-precompiled).
    Run(Box<RunArgs>),
    /// Compile a module ahead of time into a .cwasm file.
    Compile(Box<load::CompileArgs>),
    /// Run a module on this host and on a reference host and compare what
    /// they did: exit status, stdout, stderr, preopened trees (and with
    /// `--calls` the preview1 calls). Prints `same` (exit 0) or the first
    /// difference (exit 1); exit 2 if the comparison could not run.
    Diff(Box<diff::DiffArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run(*cli.run),
        Some(Command::Run(args)) => run(*args),
        Some(Command::Diff(args)) => diff::main(*args),
        Some(Command::Compile(args)) => match load::compile(*args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Error: {e:?}");
                ExitCode::from(exec::ERROR_STATUS)
            }
        },
    }
}

/// Everything before the guest runs: the engine configuration, the WASI
/// plan, the compiled module, and what the context is built from.
/// Errors: any of them fails (printed as `wasmtime run` prints a setup
/// error, status 1).
fn prepare(args: &mut RunArgs) -> wasmtime::Result<(load::Loaded, wasi_opts::WasiPlan, exec::Setup)> {
    let config = load::engine_config(args)?;
    let plan = wasi_opts::WasiPlan::new(args)?;
    let log = args.common.debug.logging != Some(false);
    if let Err(e) = trace::install(args.trace.as_deref(), false, log) {
        wasmtime::bail!("failed to open the trace file: {e}");
    }
    let loaded = load::load(args, &plan, &config)?;
    let setup = exec::Setup {
        argv: args.guest_argv()?,
        env: ctx::environment(args, &plan),
        dirs: args.dirs.iter().map(|d| ctx::split_dir(d)).collect(),
        mem_dirs: ctx::mem_trees(args)?,
        stdio: match args.stdio {
            StdioMode::Os => exec::Stdio::Os,
            StdioMode::P2 => exec::Stdio::P2,
        },
        determinism: None,
    };
    Ok((loaded, plan, setup))
}

fn run(mut args: RunArgs) -> ExitCode {
    let (loaded, plan, setup) = match prepare(&mut args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Error: {e:?}");
            return ExitCode::from(exec::ERROR_STATUS);
        }
    };
    let status = exec::run(&loaded, &args, &plan, &setup).report(args.module());
    // Leave as `wasmtime run` leaves: at once, without tearing down the
    // engine, the compiled code and the stores (unmapping a large module's
    // code and memory costs more than the rest of a cached start). Rust's
    // stdout buffer is flushed first; the guest's output went out through
    // its own writes.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    std::process::exit(i32::from(status))
}
