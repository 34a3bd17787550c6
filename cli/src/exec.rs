//! Running one module on this host: loading, building the context, driving
//! `_start` on the chosen runtime, and classifying how the run ended the way
//! `wasmtime run` does (an exit status, a wasm trap, or another error).

use crate::RunArgs;
use crate::determinism::{DiffClock, DiffRandom};
use std::path::Path;
use std::process::ExitCode;
use wasi_common_compat::pipe::{ReadPipe, WritePipe};
use wasi_common_compat::{I32Exit, WasiCtx};
use wasi_common_compat_sync::WasiCtxBuilder;
use wasi_common_compat_sync::memfs::{Config as MemConfig, MemFs};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Linker, Module, Result, Store, bail};

/// Exit status for a trap: 128 + SIGABRT, as `wasmtime run` uses.
pub const TRAP_STATUS: u8 = 134;

/// Exit status for any other error (a setup error, an invalid exit status),
/// as `wasmtime run` gives.
pub const ERROR_STATUS: u8 = 1;

/// A compiled module and the engine it was compiled for.
pub struct Loaded {
    pub engine: Engine,
    pub module: Module,
    /// True if the module imports `wasi::thread-spawn` or a shared memory.
    pub threaded: bool,
}

/// Reads, parses (`.wat` too) and compiles `path`.
pub fn load(path: &Path) -> Result<Loaded> {
    let bytes = std::fs::read(path).with_context(|| format!("failed to load {}", path.display()))?;
    let wasm = wat::parse_bytes(&bytes).with_context(|| format!("failed to parse {}", path.display()))?;
    let threaded = imports_threads(&wasm)?;
    let mut config = Config::new();
    if threaded {
        wasi_common_compat_threads::configure(&mut config);
    }
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, &wasm).with_context(|| format!("failed to load {}", path.display()))?;
    Ok(Loaded {
        engine,
        module,
        threaded,
    })
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

/// How a run ended.
pub enum Outcome {
    /// `_start` returned (status 0) or the guest called `proc_exit(status)`.
    Exit(i32),
    /// A wasm trap (`unreachable`, out-of-bounds access, stack overflow, ...).
    Trap(wasmtime::Error),
    /// Any other error: the module could not be instantiated or started, a
    /// host call failed fatally, an exit status outside `[0, 126)`.
    Error(wasmtime::Error),
}

impl Outcome {
    /// Classifies the result of instantiating and running a module.
    pub fn of(result: Result<()>) -> Outcome {
        match result {
            Ok(()) => Outcome::Exit(0),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(status)) => Outcome::Exit(*status),
                None if e.is::<wasmtime::Trap>() => Outcome::Trap(e),
                None => Outcome::Error(e),
            },
        }
    }

    /// The process exit status `wasmtime run` gives for this outcome.
    pub fn status(&self) -> u8 {
        match self {
            Outcome::Exit(s) => (*s & 0xff) as u8,
            Outcome::Trap(_) => TRAP_STATUS,
            Outcome::Error(_) => ERROR_STATUS,
        }
    }

    /// A one-line description, for `diff`.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Exit(s) => format!("exit status {s}"),
            Outcome::Trap(e) => format!("trap: {}", root_message(e)),
            Outcome::Error(e) => format!("error: {}", root_message(e)),
        }
    }

    /// True if both ended the same way (the same status, or both trapped,
    /// or both failed); messages are not compared.
    pub fn same_as(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Exit(a), Outcome::Exit(b)) => a == b,
            (Outcome::Trap(_), Outcome::Trap(_)) | (Outcome::Error(_), Outcome::Error(_)) => true,
            _ => false,
        }
    }

    /// Prints what `wasmtime run` prints for a failed run and gives the
    /// process status.
    pub fn report(self, module: &Path) -> ExitCode {
        let status = self.status();
        if let Outcome::Trap(e) | Outcome::Error(e) = &self {
            eprintln!("Error: failed to run main module `{}`\n\n{e:?}", module.display());
        }
        ExitCode::from(status)
    }
}

/// The innermost message of an error chain, on one line.
fn root_message(e: &wasmtime::Error) -> String {
    let first = e.chain().last().map(|c| c.to_string()).unwrap_or_default();
    first.lines().next().unwrap_or_default().to_owned()
}

/// The guest's stdio.
pub enum Stdio {
    /// The process's own descriptors (`--stdio os`).
    Os,
    /// The process's descriptors through wasmtime-wasi's preview2 streams
    /// and the bridge (`--stdio p2`).
    P2,
    /// Fixed stdin bytes, stdout and stderr kept in memory (for `diff`).
    Captured(Captured),
}

/// In-memory stdio for one run.
#[derive(Clone)]
pub struct Captured {
    pub stdin: Vec<u8>,
    pub sinks: Sinks,
}

/// Where a captured run's stdout and stderr go.
#[derive(Clone)]
pub enum Sinks {
    /// The core's in-memory pipes.
    Core(WritePipe, WritePipe),
    /// wasmtime-wasi's memory pipes, served through the bridge
    /// (`diff --stdio p2`).
    Bridged(
        wasmtime_wasi::p2::pipe::MemoryOutputPipe,
        wasmtime_wasi::p2::pipe::MemoryOutputPipe,
    ),
}

/// The most a captured stdout or stderr holds.
pub const CAPTURE_LIMIT: usize = 256 << 20;

impl Captured {
    /// Empty output pipes around `stdin`.
    pub fn new(stdin: Vec<u8>, bridged: bool) -> Self {
        let sinks = if bridged {
            let pipe = || wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(CAPTURE_LIMIT);
            Sinks::Bridged(pipe(), pipe())
        } else {
            Sinks::Core(WritePipe::new_in_memory(), WritePipe::new_in_memory())
        };
        Captured { stdin, sinks }
    }

    /// What the guest wrote to stdout and stderr.
    pub fn contents(&self) -> (Vec<u8>, Vec<u8>) {
        match &self.sinks {
            Sinks::Core(o, e) => (o.contents(), e.contents()),
            Sinks::Bridged(o, e) => (o.contents().to_vec(), e.contents().to_vec()),
        }
    }
}

/// What one run is given: `argv`, the environment, the preopens (host path,
/// guest path), stdio, and for `diff` the shared clocks and random source.
pub struct Setup {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub dirs: Vec<(String, String)>,
    /// In-memory preopens (tree, guest path), after `dirs`.
    pub mem_dirs: Vec<(MemFs, String)>,
    pub stdio: Stdio,
    pub determinism: Option<(DiffClock, DiffRandom)>,
}

/// `argv[0]` as `wasmtime run` gives it: `--argv0` if set, else the file
/// name of the module alone (not the path, which would leak host paths).
pub fn argv0(module: &Path) -> String {
    module
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| module.to_string_lossy().into_owned())
}

/// The environment the guest gets from `--env` and `--inherit-env`.
pub fn environment(args: &RunArgs) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    if args.inherit_env {
        env.extend(std::env::vars());
    }
    for e in &args.envs {
        match e.split_once('=') {
            Some((k, v)) => env.push((k.to_owned(), v.to_owned())),
            None => {
                if let Ok(v) = std::env::var(e) {
                    env.push((e.clone(), v));
                }
            }
        }
    }
    env
}

/// The trees of `--mem-dir HOST::GUEST` (an empty HOST: an empty tree), each
/// with the `--mem-dir-budget`, and their guest paths.
/// Errors: `HOST` cannot be read, or does not fit the budget.
pub fn mem_trees(args: &RunArgs) -> Result<Vec<(MemFs, String)>> {
    args.mem_dirs
        .iter()
        .map(|spec| {
            let (host, guest) = split_dir(spec);
            let config = MemConfig::new().max_bytes(args.mem_dir_budget.saturating_mul(1 << 20));
            let tree = if host.is_empty() {
                MemFs::with_config(config)
            } else {
                MemFs::from_host_dir(config, &host)
                    .map_err(|e| wasmtime::format_err!("failed to copy directory {host:?} into memory: {e}"))?
            };
            Ok((tree, guest))
        })
        .collect()
}

/// `HOST[::GUEST]` as (host, guest).
pub fn split_dir(spec: &str) -> (String, String) {
    match spec.split_once("::") {
        Some((host, guest)) => (host.to_owned(), guest.to_owned()),
        None => (spec.to_owned(), spec.to_owned()),
    }
}

fn build_ctx(args: &RunArgs, setup: &Setup) -> Result<WasiCtx> {
    let mut b = match args.runtime {
        crate::Runtime::Sync => WasiCtxBuilder::new(),
        crate::Runtime::Tokio => wasi_common_compat_tokio::builder(),
    };
    b = match &setup.stdio {
        Stdio::Os => b.inherit_stdio(),
        Stdio::P2 => crate::p2::os_stdio(b),
        Stdio::Captured(c) => match &c.sinks {
            Sinks::Bridged(out, err) => crate::p2::memory_stdio(b, &c.stdin, out, err),
            Sinks::Core(out, err) => b
                .stdin(Box::new(ReadPipe::from_bytes(c.stdin.clone())))
                .stdout(Box::new(out.clone()))
                .stderr(Box::new(err.clone())),
        },
    };
    b = b.args(&setup.argv)?;
    for (k, v) in &setup.env {
        b = b.env(k, v)?;
    }
    for (host, guest) in &setup.dirs {
        b = b
            .preopened_dir(host, guest)
            .with_context(|| format!("failed to open directory {host:?}"))?;
    }
    for (tree, guest) in &setup.mem_dirs {
        b = b.preopened_memfs(tree.clone(), guest);
    }
    for addr in &args.tcplisten {
        let l = std::net::TcpListener::bind(addr).with_context(|| format!("failed to listen on {addr}"))?;
        b = b.preopened_socket(l)?;
    }
    if let Some((clock, random)) = &setup.determinism {
        b = b.clocks(clock.clocks()).random(Box::new(random.clone()));
    }
    Ok(b.build()?)
}

/// Runs `loaded` on this host: builds the context, instantiates, calls
/// `_start` on the runtime `args` asks for (threaded modules always run on
/// the sync runtime, one store per thread).
pub fn run(loaded: &Loaded, args: &RunArgs, setup: &Setup) -> Outcome {
    Outcome::of(run_inner(loaded, args, setup))
}

fn run_inner(loaded: &Loaded, args: &RunArgs, setup: &Setup) -> Result<()> {
    let Loaded {
        engine,
        module,
        threaded,
    } = loaded;
    let mut linker: Linker<WasiCtx> = Linker::new(engine);
    match args.runtime {
        _ if *threaded => {
            wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx)?;
            let opts = wasi_common_compat_threads::ThreadsOptions {
                max_threads: args.max_threads,
                ..Default::default()
            };
            let program = wasi_common_compat_threads::WasiThreads::new(
                engine,
                module,
                linker,
                |cx| cx,
                |cx: &WasiCtx| cx.clone(),
                opts,
            )?;
            program.run(build_ctx(args, setup)?)
        }
        crate::Runtime::Sync => {
            wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx)?;
            let mut store = Store::new(engine, build_ctx(args, setup)?);
            let instance = linker.instantiate(&mut store, module)?;
            start_func(&mut store, &instance)?.call(&mut store, ())
        }
        crate::Runtime::Tokio => {
            wasi_common_compat_tokio::add_to_linker(&mut linker, |cx| cx)?;
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async {
                let mut store = Store::new(engine, build_ctx(args, setup)?);
                let instance = linker.instantiate_async(&mut store, module).await?;
                start_func(&mut store, &instance)?.call_async(&mut store, ()).await
            })
        }
    }
}

/// The module's `_start`.
pub fn start_func<T>(store: &mut Store<T>, instance: &wasmtime::Instance) -> Result<wasmtime::TypedFunc<(), ()>> {
    let Some(start) = instance.get_func(&mut *store, "_start") else {
        bail!("the module exports no `_start` function (is it a preview1 command?)");
    };
    start.typed::<(), ()>(&*store)
}
