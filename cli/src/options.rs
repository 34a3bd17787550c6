//! The command line of `run` (also taken by `diff`): Wasmtime 48's option
//! groups (`-O`, `-C`, `-D`, `-W`, `-S`, `--config`), parsed by the
//! `wasmtime-cli-flags` crate Wasmtime publishes for this, `wasmtime run`'s
//! own flags, and this project's flags.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use wasmtime::{Result, bail, format_err};
use wasmtime_cli_flags::CommonOptions;

/// The options of `run` (also taken by `diff`).
#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: CommonOptions,

    /// Allow running precompiled modules (`.cwasm` files made by
    /// `wasi-compat compile`); their machine code is trusted, not checked.
    #[arg(long)]
    pub allow_precompiled: bool,

    /// Not offered by wasi-compat (wasmtime's profilers); given, it is an error.
    #[arg(long, value_name = "STRATEGY")]
    pub profile: Option<String>,

    /// Preopen host directory HOST as GUEST (default: the same path).
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]")]
    pub dirs: Vec<String>,

    /// Preopen a copy of host directory HOST, held in memory, as GUEST
    /// (`::GUEST`: an empty tree). The guest's changes are not written back.
    #[arg(long = "mem-dir", value_name = "HOST::GUEST")]
    pub mem_dirs: Vec<String>,

    /// The most bytes each `--mem-dir` tree may hold (the copy of HOST
    /// included); writes beyond it get `ENOSPC`.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub mem_dir_budget: u64,

    /// Set NAME=VAL in the guest's environment; NAME alone copies the host's
    /// value (and sets nothing if the host has none).
    #[arg(long = "env", number_of_values = 1, value_name = "NAME[=VAL]")]
    pub envs: Vec<String>,

    /// Give the guest the whole host environment (as `-S inherit-env`).
    #[arg(long)]
    pub inherit_env: bool,

    /// Listen on this TCP address and hand the socket to the guest, after
    /// the preopened directories (as `-S tcplisten=ADDR`).
    #[arg(long = "tcplisten", value_name = "ADDR")]
    pub tcplisten: Vec<String>,

    /// How the guest's stdin/stdout/stderr are served: `os` gives it the
    /// process's descriptors; `p2` serves them through wasmtime-wasi's
    /// preview2 stdio streams over the p1-to-p2 bridge (to check that a
    /// module behaves the same on the new stream backends).
    #[arg(long, value_enum, default_value_t = StdioMode::Os)]
    pub stdio: StdioMode,

    /// How the guest is driven: `sync` (the poll(2) backend, a blocking
    /// call) or `tokio` (an async store on a tokio runtime, waits through
    /// tokio).
    #[arg(long, value_enum, default_value_t = Runtime::Sync)]
    pub runtime: Runtime,

    /// Most threads a `wasm32-wasip1-threads` program may have alive at once
    /// besides its main thread (modules that import `wasi::thread-spawn` or
    /// a shared memory run with threads automatically, as with `-S
    /// threads`; they always use the sync runtime).
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub max_threads: u32,

    /// The guest's `argv[0]` (default: the module's file name, without its
    /// directory, as `wasmtime run` gives).
    #[arg(long, value_name = "NAME")]
    pub argv0: Option<String>,

    /// Print every preview1 call, with its arguments, result and thread, one
    /// line each, to FILE (`--trace` alone: to stderr).
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "-")]
    pub trace: Option<String>,

    /// Call this export instead of the module's command entry (after
    /// `_initialize`), with the guest arguments as its parameters; its
    /// results are printed one per line.
    #[arg(long, value_name = "FUNCTION")]
    pub invoke: Option<String>,

    /// Instantiate the module at PATH first and link its exports under
    /// import module NAME.
    #[arg(long = "preload", number_of_values = 1, value_name = "NAME=MODULE_PATH", value_parser = parse_preload)]
    pub preloads: Vec<(String, PathBuf)>,

    /// The module to run (`.wasm`, `.wat`, or `.cwasm` with
    /// `--allow-precompiled`; `-` reads it from stdin), then its arguments.
    #[arg(value_name = "WASM", trailing_var_arg = true, required = true)]
    pub module_and_args: Vec<OsString>,
}

/// How the guest is driven.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Runtime {
    Sync,
    Tokio,
}

/// How stdio is served.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StdioMode {
    Os,
    P2,
}

fn parse_preload(s: &str) -> Result<(String, PathBuf)> {
    match s.split_once('=') {
        Some((name, path)) => Ok((name.to_owned(), PathBuf::from(path))),
        None => bail!("must contain exactly one equals character ('=')"),
    }
}

impl RunArgs {
    /// The module's path (`-` is stdin).
    pub fn module(&self) -> &Path {
        // clap requires at least one value.
        self.module_and_args.first().map(Path::new).unwrap_or(Path::new("-"))
    }

    /// The guest's arguments after `argv[0]`, as UTF-8.
    /// Errors: an argument is not valid UTF-8.
    pub fn guest_args(&self) -> Result<Vec<String>> {
        self.module_and_args
            .iter()
            .skip(1)
            .map(|a| {
                a.to_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format_err!("failed to convert {a:?} to utf-8"))
            })
            .collect()
    }

    /// The guest's `argv`: `argv[0]`, then the arguments.
    /// Errors: an argument is not valid UTF-8.
    pub fn guest_argv(&self) -> Result<Vec<String>> {
        let argv0 = self.argv0.clone().unwrap_or_else(|| argv0(self.module()));
        Ok(std::iter::once(argv0).chain(self.guest_args()?).collect())
    }
}

/// `argv[0]` as `wasmtime run` gives it without `--argv0`: the file name of
/// the module alone (not the path, which would leak host paths).
pub fn argv0(module: &Path) -> String {
    module
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| module.to_string_lossy().into_owned())
}
