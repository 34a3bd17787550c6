//! `wasi-compat`: runs WASI preview1 command modules on current Wasmtime.
//!
//! `wasi-compat run [OPTIONS] MODULE [ARGS]...` takes the flags of
//! `wasmtime run` that matter for preview1 programs (`--dir HOST[::GUEST]`,
//! `--env NAME[=VALUE]`, `--tcplisten ADDR`), so it can stand in for
//! `wasmtime run` in scripts, in the wasi-testsuite adapter, and as cargo's
//! `CARGO_TARGET_WASM32_WASIP1_RUNNER`. The guest's `proc_exit` status is the
//! process's exit status; a trap prints the error with its wasm backtrace
//! and exits with 134 (like an abort, as `wasmtime run` does).

#![forbid(unsafe_code)]
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use wasi_common_compat::I32Exit;
use wasi_common_compat_sync::WasiCtxBuilder;
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Linker, Module, Store};
use wasmtime::{Result, bail};

/// Exit status for a trap: 128 + SIGABRT, as `wasmtime run` uses.
const TRAP_STATUS: u8 = 134;

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
}

#[derive(clap::Args)]
struct RunArgs {
    /// Preopen host directory HOST as GUEST (default: the same path).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,

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

    /// The module to run.
    module: PathBuf,

    /// Arguments for the guest (`argv[1..]`; `argv[0]` is the module path as given).
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
        Command::Run(args) => match run(args) {
            Ok(status) => status,
            Err(e) => {
                eprintln!("Error: {e:?}");
                ExitCode::from(TRAP_STATUS)
            }
        },
    }
}

fn split_dir(spec: &str) -> (String, String) {
    match spec.split_once("::") {
        Some((host, guest)) => (host.to_owned(), guest.to_owned()),
        None => (spec.to_owned(), spec.to_owned()),
    }
}

fn build_ctx(args: &RunArgs) -> Result<wasi_common_compat::WasiCtx> {
    let base = match args.runtime {
        Runtime::Sync => WasiCtxBuilder::new(),
        Runtime::Tokio => wasi_common_compat_tokio::builder(),
    };
    let mut b = match args.stdio {
        StdioMode::Os => base.inherit_stdio(),
        StdioMode::P2 => p2_stdio(base),
    };
    let argv0 = args.module.to_string_lossy().into_owned();
    b = b.arg(&argv0)?.args(&args.args)?;
    if args.inherit_env {
        b = b.inherit_env()?;
    }
    for e in &args.envs {
        b = match e.split_once('=') {
            Some((k, v)) => b.env(k, v)?,
            None => match std::env::var(e) {
                Ok(v) => b.env(e, &v)?,
                Err(_) => b,
            },
        };
    }
    for d in &args.dirs {
        let (host, guest) = split_dir(d);
        b = b
            .preopened_dir(&host, guest)
            .with_context(|| format!("failed to open directory {host:?}"))?;
    }
    for addr in &args.tcplisten {
        let l = std::net::TcpListener::bind(addr).with_context(|| format!("failed to listen on {addr}"))?;
        b = b.preopened_socket(l)?;
    }
    Ok(b.build()?)
}

/// Stdio through wasmtime-wasi's preview2 streams and the bridge. A stream
/// on a terminal reports a character device, anything else a pipe.
fn p2_stdio(b: WasiCtxBuilder) -> WasiCtxBuilder {
    use wasi_common_compat::FileType;
    use wasi_common_compat_p1_to_p2::{InputStreamFile, OutputStreamFile};
    use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
    let kind = |tty: bool| {
        if tty {
            FileType::CharacterDevice
        } else {
            FileType::Unknown
        }
    };
    let (i, o, e) = (
        wasmtime_wasi::cli::stdin(),
        wasmtime_wasi::cli::stdout(),
        wasmtime_wasi::cli::stderr(),
    );
    b.stdin(Box::new(
        InputStreamFile::new(i.p2_stream()).with_filetype(kind(i.is_terminal())),
    ))
    .stdout(Box::new(
        OutputStreamFile::new(o.p2_stream()).with_filetype(kind(o.is_terminal())),
    ))
    .stderr(Box::new(
        OutputStreamFile::new(e.p2_stream()).with_filetype(kind(e.is_terminal())),
    ))
}

/// True if the module imports `wasi::thread-spawn` or a shared memory.
fn imports_threads(wasm: &[u8]) -> Result<bool> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::ImportSection(imports) = payload? {
            for i in imports.into_imports() {
                let i = i?;
                let spawn = i.module == "wasi" && matches!(i.name, "thread-spawn" | "thread_spawn");
                let shared = matches!(i.ty, wasmparser::TypeRef::Memory(m) if m.shared);
                if spawn || shared {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let bytes = std::fs::read(&args.module).with_context(|| format!("failed to load {}", args.module.display()))?;
    let wasm = wat::parse_bytes(&bytes).with_context(|| format!("failed to parse {}", args.module.display()))?;
    let threaded = imports_threads(&wasm)?;
    let mut config = Config::new();
    if threaded {
        wasi_common_compat_threads::configure(&mut config);
    }
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, &wasm).with_context(|| format!("failed to load {}", args.module.display()))?;
    let mut linker: Linker<wasi_common_compat::WasiCtx> = Linker::new(&engine);
    let result = match args.runtime {
        _ if threaded => {
            wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx)?;
            let opts = wasi_common_compat_threads::ThreadsOptions {
                max_threads: args.max_threads,
                ..Default::default()
            };
            let program = wasi_common_compat_threads::WasiThreads::new(
                &engine,
                &module,
                linker,
                |cx| cx,
                |cx: &wasi_common_compat::WasiCtx| cx.clone(),
                opts,
            )?;
            program.run(build_ctx(&args)?)
        }
        Runtime::Sync => {
            wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx)?;
            let mut store = Store::new(&engine, build_ctx(&args)?);
            let instance = linker.instantiate(&mut store, &module)?;
            start_func(&mut store, &instance)?.call(&mut store, ())
        }
        Runtime::Tokio => {
            wasi_common_compat_tokio::add_to_linker(&mut linker, |cx| cx)?;
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async {
                let mut store = Store::new(&engine, build_ctx(&args)?);
                let instance = linker.instantiate_async(&mut store, &module).await?;
                start_func(&mut store, &instance)?.call_async(&mut store, ()).await
            })
        }
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(status)) => Ok(exit_code(*status)),
            None => {
                eprintln!("Error: failed to run main module `{}`\n\n{e:?}", args.module.display());
                Ok(ExitCode::from(TRAP_STATUS))
            }
        },
    }
}

fn start_func(
    store: &mut Store<wasi_common_compat::WasiCtx>,
    instance: &wasmtime::Instance,
) -> Result<wasmtime::TypedFunc<(), ()>> {
    let Some(start) = instance.get_func(&mut *store, "_start") else {
        bail!("the module exports no `_start` function (is it a preview1 command?)");
    };
    start.typed::<(), ()>(&*store)
}

/// The process status for a guest's exit status (the OS keeps the low 8 bits).
fn exit_code(status: i32) -> ExitCode {
    ExitCode::from((status & 0xff) as u8)
}
