//! Running one module on this host: the stores (with the `-W` limits:
//! fuel, memory and table caps, the `-W timeout` watchdog), the linker
//! (WASI, `--preload`s, unknown imports), driving the entry point on the
//! chosen runtime, and classifying how the run ended the way `wasmtime run`
//! does (an exit status, a wasm trap, or another error).

use crate::determinism::{DiffClock, DiffRandom};
use crate::invoke;
use crate::load::Loaded;
use crate::options::{RunArgs, Runtime};
use crate::wasi_opts::WasiPlan;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;
use wasi_common_compat::pipe::WritePipe;
use wasi_common_compat::{I32Exit, WasiCtx};
use wasi_common_compat_sync::memfs::MemFs;
use wasmtime::error::Context as _;
use wasmtime::{Engine, Linker, Result, Store, StoreLimits, StoreLimitsBuilder, bail};

/// Exit status for a trap: 128 + SIGABRT, as `wasmtime run` uses.
pub const TRAP_STATUS: u8 = 134;

/// Exit status for any other error (a setup error, an invalid exit status),
/// as `wasmtime run` gives.
pub const ERROR_STATUS: u8 = 1;

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
    pub fn report(self, module: &Path) -> u8 {
        let status = self.status();
        if let Outcome::Trap(e) | Outcome::Error(e) = &self {
            eprintln!("Error: failed to run main module `{}`\n\n{e:?}", module.display());
        }
        status
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

/// A store's data: the guest's context and the `-W max-*` limits.
pub struct Host {
    pub wasi: WasiCtx,
    pub limits: StoreLimits,
}

/// The `-W max-memory-size`/`max-table-elements`/... limits of each store,
/// as `wasmtime run` sets them.
fn store_limits(w: &wasmtime_cli_flags::WasmOptions) -> StoreLimits {
    let mut l = StoreLimitsBuilder::new();
    if let Some(n) = w.max_memory_size {
        l = l.memory_size(n);
    }
    if let Some(n) = w.max_table_elements {
        l = l.table_elements(n);
    }
    if let Some(n) = w.max_instances {
        l = l.instances(n);
    }
    if let Some(n) = w.max_tables {
        l = l.tables(n);
    }
    if let Some(n) = w.max_memories {
        l = l.memories(n);
    }
    if let Some(t) = w.trap_on_grow_failure {
        l = l.trap_on_grow_failure(t);
    }
    l.build()
}

/// Applies the per-store settings: the limiter, `-W fuel` (each store,
/// hence each wasi-thread, gets the whole amount), and with `-W timeout`
/// an epoch deadline (the watchdog bumps the epoch once, when time is up).
fn setup_store(store: &mut Store<Host>, w: &wasmtime_cli_flags::WasmOptions) -> Result<()> {
    store.limiter(|h| &mut h.limits);
    if let Some(fuel) = w.fuel {
        store.set_fuel(fuel)?;
    }
    if w.timeout.is_some() {
        store.set_epoch_deadline(1);
    }
    Ok(())
}

/// The `-W timeout` clock: when it runs out before [`Watchdog::finish`], it
/// bumps the engine's epoch (running wasm traps at its next check) and ends
/// the program through its context (threads blocked in WASI calls wake and
/// unwind; every thread of a threaded program stops).
struct Watchdog {
    /// Dropped by [`Watchdog::finish`], which stops the clock.
    stop: mpsc::Sender<()>,
    fired: Arc<AtomicBool>,
    timeout: Duration,
    thread: std::thread::JoinHandle<()>,
}

impl Watchdog {
    fn start(timeout: Option<Duration>, engine: &Engine, ctx: &WasiCtx) -> Option<Watchdog> {
        let timeout = timeout?;
        let (stop, stopped) = mpsc::channel::<()>();
        let fired = Arc::new(AtomicBool::new(false));
        let (flag, engine, ctx) = (fired.clone(), engine.clone(), ctx.clone());
        let thread = std::thread::Builder::new()
            .name("wasi-compat-timeout".into())
            .spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(timeout) {
                    flag.store(true, Ordering::Release);
                    engine.increment_epoch();
                    ctx.request_exit(i32::from(TRAP_STATUS));
                }
            })
            .ok()?;
        Some(Watchdog {
            stop,
            fired,
            timeout,
            thread,
        })
    }

    /// Stops the clock; true if it had run out.
    fn finish(self) -> bool {
        drop(self.stop);
        let _ = self.thread.join();
        self.fired.load(Ordering::Acquire)
    }
}

/// Runs `loaded` on this host: builds the context, instantiates, calls the
/// entry point on the runtime `args` asks for (threaded modules always run
/// on the sync runtime, one store per thread), under the `-W` limits.
pub fn run(loaded: &Loaded, args: &RunArgs, plan: &WasiPlan, setup: &Setup) -> Outcome {
    let ctx = match crate::ctx::build(args, plan, setup) {
        Ok(c) => c,
        Err(e) => return Outcome::Error(e),
    };
    let dog = Watchdog::start(args.common.wasm.timeout, &loaded.engine, &ctx);
    let result = run_with(loaded, args, plan, ctx);
    match dog {
        Some(dog) => {
            let timeout = dog.timeout;
            if dog.finish() {
                let e = wasmtime::Error::from(wasmtime::Trap::Interrupt)
                    .context(format!("timed out after {}", humantime(timeout)));
                return Outcome::Trap(e);
            }
            Outcome::of(result)
        }
        None => Outcome::of(result),
    }
}

/// `1s`, `250ms`, as `-W timeout` is written.
fn humantime(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

fn add_wasi(linker: &mut Linker<Host>, plan: &WasiPlan, runtime: Runtime) -> Result<()> {
    use wasi_common_compat::linker as l;
    if !plan.enabled {
        return Ok(());
    }
    match runtime {
        Runtime::Sync => {
            l::add_preview1_to_linker_sync(linker, |h| &mut h.wasi)?;
            if plan.preview0 {
                l::add_preview0_to_linker_sync(linker, |h| &mut h.wasi)?;
            }
        }
        Runtime::Tokio => {
            l::add_preview1_to_linker_async(linker, |h| &mut h.wasi)?;
            if plan.preview0 {
                l::add_preview0_to_linker_async(linker, |h| &mut h.wasi)?;
            }
        }
    }
    Ok(())
}

fn run_with(loaded: &Loaded, args: &RunArgs, plan: &WasiPlan, ctx: WasiCtx) -> Result<()> {
    let w = &args.common.wasm;
    let runtime = if loaded.threaded { Runtime::Sync } else { args.runtime };
    let mut linker: Linker<Host> = Linker::new(&loaded.engine);
    if let Some(allow) = w.unknown_exports_allow {
        linker.allow_unknown_exports(allow);
    }
    add_wasi(&mut linker, plan, runtime)?;
    if w.unknown_imports_trap == Some(true) {
        linker.define_unknown_imports_as_traps(&loaded.module)?;
    }
    let host = Host {
        wasi: ctx,
        limits: store_limits(w),
    };
    if loaded.threaded {
        return run_threaded(loaded, args, linker, host);
    }
    let mut store = Store::new(&loaded.engine, host);
    setup_store(&mut store, w)?;
    let main = args.module().display().to_string();
    match runtime {
        Runtime::Sync => {
            for (name, m) in &loaded.preloads {
                linker
                    .module(&mut store, name, m)
                    .with_context(|| format!("failed to process preload `{name}`"))?;
            }
            if w.unknown_imports_default == Some(true) {
                linker.define_unknown_imports_as_default_values(&mut store, &loaded.module)?;
            }
            let instance = linker
                .instantiate(&mut store, &loaded.module)
                .with_context(|| format!("failed to instantiate {main:?}"))?;
            invoke::run_sync(&mut store, &instance, args)
        }
        Runtime::Tokio => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async {
                for (name, m) in &loaded.preloads {
                    linker
                        .module_async(&mut store, name, m)
                        .await
                        .with_context(|| format!("failed to process preload `{name}`"))?;
                }
                if w.unknown_imports_default == Some(true) {
                    linker.define_unknown_imports_as_default_values(&mut store, &loaded.module)?;
                }
                let instance = linker
                    .instantiate_async(&mut store, &loaded.module)
                    .await
                    .with_context(|| format!("failed to instantiate {main:?}"))?;
                invoke::run_async(&mut store, &instance, args).await
            })
        }
    }
}

/// A wasi-threads program: `_start` on this thread, one store per thread,
/// each set up as the main one (limits, fuel, deadline).
fn run_threaded(loaded: &Loaded, args: &RunArgs, linker: Linker<Host>, host: Host) -> Result<()> {
    let w = &args.common.wasm;
    if args.invoke.is_some() {
        bail!("`--invoke` is not supported for wasi-threads programs (they start in `_start`)");
    }
    if !loaded.preloads.is_empty() {
        bail!("`--preload` is not supported for wasi-threads programs");
    }
    if w.unknown_imports_default == Some(true) {
        bail!(
            "`-W unknown-imports-default` is not supported for wasi-threads programs (its values belong to one store)"
        );
    }
    let opts = wasi_common_compat_threads::ThreadsOptions {
        max_threads: args.max_threads,
        max_memory_size: w.max_memory_size,
        ..Default::default()
    };
    let limits = host.limits.clone();
    let program = wasi_common_compat_threads::WasiThreads::new(
        &loaded.engine,
        &loaded.module,
        linker,
        |h: &mut Host| &mut h.wasi,
        move |h: &Host| Host {
            wasi: h.wasi.clone(),
            limits: limits.clone(),
        },
        opts,
    )?;
    let w = w.clone();
    let program = program.on_new_store(move |store| setup_store(store, &w));
    program.run(host)
}
