//! `wasi-compat`: runs WASI preview1 command modules on current Wasmtime.
//!
//! `wasi-compat run [OPTIONS] MODULE [ARGS]...` takes the flags of
//! `wasmtime run` that matter for preview1 programs (`--dir HOST[::GUEST]`,
//! `--env NAME[=VALUE]`, `--tcplisten ADDR`), so it can stand in for
//! `wasmtime run` in scripts, in the wasi-testsuite adapter, and as cargo's
//! `CARGO_TARGET_WASM32_WASIP1_RUNNER`. Exit statuses are those of `wasmtime
//! run`: the guest's `proc_exit` status (0 when `_start` returns); 134 for a
//! wasm trap (printed with its wasm backtrace); 1 for any other error (the
//! module or a `--dir` cannot be opened, an import is missing, no `_start`,
//! an exit status outside `[0, 126)`).
//!
//! `wasi-compat diff [OPTIONS] MODULE [ARGS]...` runs the module here and on
//! a reference host (wasmtime-wasi 48's preview1, or `--against CMD`) and
//! reports the first difference (see [`diff`]).

#![forbid(unsafe_code)]
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod determinism;
mod diff;
mod exec;
mod p2;
mod reference;
mod trace;
mod tree;

#[derive(Parser)]
#[command(
    name = "wasi-compat",
    version,
    about = "Run WASI preview1 programs on current Wasmtime"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a preview1 command module (.wasm or .wat).
    Run(RunArgs),
    /// Run a module on this host and on a reference host and compare what
    /// they did: exit status, stdout, stderr, preopened trees (and with
    /// `--calls` the preview1 calls). Prints `same` (exit 0) or the first
    /// difference (exit 1); exit 2 if the comparison could not run.
    Diff(diff::DiffArgs),
}

/// The options of `run` (also taken by `diff`).
#[derive(clap::Args)]
struct RunArgs {
    /// Preopen host directory HOST as GUEST (default: the same path).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,

    /// Preopen a copy of host directory HOST, held in memory, as GUEST
    /// (`::GUEST`: an empty tree). The guest's changes are not written back.
    #[arg(long = "mem-dir", value_name = "HOST::GUEST")]
    mem_dirs: Vec<String>,

    /// The most bytes each `--mem-dir` tree may hold (the copy of HOST
    /// included); writes beyond it get `ENOSPC`.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    mem_dir_budget: u64,

    /// Set NAME=VALUE in the guest's environment; NAME alone copies the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    envs: Vec<String>,

    /// Give the guest the whole host environment.
    #[arg(long)]
    inherit_env: bool,

    /// Listen on this TCP address and hand the socket to the guest (after the preopened directories).
    #[arg(long = "tcplisten", value_name = "ADDR")]
    tcplisten: Vec<String>,

    /// How the guest's stdin/stdout/stderr are served: `os` gives it the
    /// process's descriptors; `p2` serves them through wasmtime-wasi's
    /// preview2 stdio streams over the p1-to-p2 bridge (to check that a
    /// module behaves the same on the new stream backends).
    #[arg(long, value_enum, default_value_t = StdioMode::Os)]
    stdio: StdioMode,

    /// How the guest is driven: `sync` (the poll(2) backend, a blocking
    /// call) or `tokio` (an async store on a tokio runtime, waits through
    /// tokio).
    #[arg(long, value_enum, default_value_t = Runtime::Sync)]
    runtime: Runtime,

    /// Most threads a `wasm32-wasip1-threads` program may have alive at once
    /// besides its main thread (modules that import `wasi::thread-spawn` or
    /// a shared memory run with threads automatically; they always use the
    /// sync runtime).
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_threads: u32,

    /// The guest's `argv[0]` (default: the module's file name, without its
    /// directory, as `wasmtime run` gives).
    #[arg(long, value_name = "NAME")]
    argv0: Option<String>,

    /// Print every preview1 call, with its arguments, result and thread, one
    /// line each, to FILE (`--trace` alone: to stderr).
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "-")]
    trace: Option<String>,

    /// The module to run.
    module: PathBuf,

    /// Arguments for the guest (`argv[1..]`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Runtime {
    Sync,
    Tokio,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StdioMode {
    Os,
    P2,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args),
        Command::Diff(args) => diff::main(args),
    }
}

/// The guest's `argv`: `argv[0]`, then the arguments.
fn guest_argv(args: &RunArgs) -> Vec<String> {
    let argv0 = args.argv0.clone().unwrap_or_else(|| exec::argv0(&args.module));
    std::iter::once(argv0).chain(args.args.iter().cloned()).collect()
}

fn run(args: RunArgs) -> ExitCode {
    if let Err(e) = trace::install(args.trace.as_deref(), false) {
        eprintln!("Error: failed to open the trace file: {e}");
        return ExitCode::from(exec::ERROR_STATUS);
    }
    let loaded = match exec::load(&args.module) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("Error: {e:?}");
            return ExitCode::from(exec::ERROR_STATUS);
        }
    };
    let setup = exec::Setup {
        argv: guest_argv(&args),
        env: exec::environment(&args),
        dirs: args.dirs.iter().map(|d| exec::split_dir(d)).collect(),
        mem_dirs: match exec::mem_trees(&args) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("Error: {e:?}");
                return ExitCode::from(exec::ERROR_STATUS);
            }
        },
        stdio: match args.stdio {
            StdioMode::Os => exec::Stdio::Os,
            StdioMode::P2 => exec::Stdio::P2,
        },
        determinism: None,
    };
    exec::run(&loaded, &args, &setup).report(&args.module)
}
