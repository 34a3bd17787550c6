//! A threaded program: its shared memory, its threads, its exit.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use wasi_common_compat::{Errno, I32Exit, WasiCtx};
use wasmtime::{
    Caller, Config, Engine, ExternType, InstancePre, Linker, MemoryType, MemoryTypeBuilder, Module, SharedMemory,
    Store, UpdateDeadline,
};

/// Largest thread id the proposal allows.
const MAX_TID: i32 = 0x1FFF_FFFF;

/// Settings of a threaded program.
#[derive(Debug, Clone)]
pub struct ThreadsOptions {
    /// Most threads alive at once besides the main thread; a spawn beyond
    /// it returns `-EAGAIN`. Default: 256.
    pub max_threads: u32,
    /// Host stack size of each spawned thread (wasm runs on it). Default: 8 MiB.
    pub stack_size: usize,
    /// How long [`WasiThreads::run`] waits, after the program ended, for its
    /// other threads to unwind before leaving them behind. Default: 5 s.
    pub shutdown_grace: Duration,
    /// The most bytes the program's shared memory may grow to. Wasmtime's
    /// `ResourceLimiter` is not asked about shared memories, so the limit is
    /// applied when the memory is created: its maximum is lowered to fit
    /// (an import may be given a memory with a smaller maximum), and
    /// `memory.grow` beyond it returns -1. Default: none (the module's own
    /// maximum).
    pub max_memory_size: Option<usize>,
}

impl Default for ThreadsOptions {
    fn default() -> Self {
        ThreadsOptions {
            max_threads: 256,
            stack_size: 8 << 20,
            shutdown_grace: Duration::from_secs(5),
            max_memory_size: None,
        }
    }
}

/// Enables what threaded programs need on an engine configuration: the
/// threads proposal and shared memories, and epoch interruption (so that
/// busy threads can be stopped when the program exits).
pub fn configure(config: &mut Config) -> &mut Config {
    config.wasm_threads(true).shared_memory(true).epoch_interruption(true)
}

/// True if `module` imports `thread-spawn` (either spelling) or a shared memory.
pub fn is_threaded(module: &Module) -> bool {
    imports_spawn(module) || imports_shared_memory(module)
}

/// True if `module` imports `thread-spawn` (either spelling).
fn imports_spawn(module: &Module) -> bool {
    module
        .imports()
        .any(|i| i.module() == "wasi" && matches!(i.name(), "thread-spawn" | "thread_spawn"))
}

/// True if `module` imports a shared memory.
fn imports_shared_memory(module: &Module) -> bool {
    module
        .imports()
        .any(|i| matches!(i.ty(), ExternType::Memory(m) if m.is_shared()))
}

/// Why a module that imports `thread-spawn` cannot work as a threaded
/// program, if it cannot: it does not import a shared memory (each thread
/// would get a memory of its own, so nothing a thread does would be seen by
/// the others), or it does not export `wasi_thread_start(i32, i32)` (every
/// spawn would fail). `None` for modules that do not import `thread-spawn`
/// and for well-formed threaded modules. Hosts call it before running, to
/// fail with the reason instead of running a program whose spawns fail.
pub fn diagnose(module: &Module) -> Option<String> {
    if !imports_spawn(module) {
        return None;
    }
    if !imports_shared_memory(module) {
        let own = module.exports().any(|e| matches!(e.ty(), ExternType::Memory(_)));
        let what = if own {
            "defines and exports its own memory"
        } else {
            "imports no shared memory"
        };
        return Some(format!(
            "the module imports `wasi::thread-spawn` but {what}: a wasi-threads module must import a \
             shared memory (build for wasm32-wasip1-threads, or link with `--import-memory \
             --shared-memory --max-memory=N`)"
        ));
    }
    if !entry_point_ok(module) {
        return Some(
            "the module imports `wasi::thread-spawn` but exports no `wasi_thread_start(i32, i32)`, \
             the function every new thread starts in"
                .to_owned(),
        );
    }
    None
}

fn entry_point_ok(module: &Module) -> bool {
    matches!(
        module.get_export("wasi_thread_start"),
        Some(ExternType::Func(f)) if f.params().len() == 2
            && f.params().all(|p| matches!(p, wasmtime::ValType::I32))
            && f.results().len() == 0
    )
}

/// Creates the shared memory for an import of type `ty`, its maximum
/// lowered to `limit` bytes if one is given.
/// Errors: the memory's minimum exceeds the limit.
fn shared_memory(engine: &Engine, ty: MemoryType, limit: Option<usize>) -> wasmtime::Result<SharedMemory> {
    let Some(limit) = limit else {
        return SharedMemory::new(engine, ty);
    };
    let page = ty.page_size();
    let limit_pages = (limit as u64) / page.max(1);
    if ty.minimum() > limit_pages {
        wasmtime::bail!(
            "memory minimum size of {} pages exceeds memory limits ({} bytes)",
            ty.minimum(),
            limit
        );
    }
    let max = ty.maximum().map_or(limit_pages, |m| m.min(limit_pages));
    let lowered = MemoryTypeBuilder::new()
        .shared(true)
        .memory64(ty.is_64())
        .page_size_log2(ty.page_size_log2())
        .min(ty.minimum())
        .max(Some(max))
        .build()?;
    SharedMemory::new(engine, lowered)
}

/// The marker error of threads stopped because their program ended.
#[derive(Debug)]
struct ProgramEnded;

impl std::fmt::Display for ProgramEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped: another thread ended the program")
    }
}

impl std::error::Error for ProgramEnded {}

enum Outcome {
    Exit(i32),
    Trap(wasmtime::Error),
}

struct Program<T: 'static> {
    engine: Engine,
    /// The module ready to instantiate (set by `run`, cleared when the
    /// program is over: its host functions hold the program).
    pre: Mutex<Option<InstancePre<T>>>,
    memory: Option<(String, String, SharedMemory)>,
    entry_ok: bool,
    next_tid: AtomicI32,
    live: Mutex<u32>,
    live_changed: Condvar,
    opts: ThreadsOptions,
    derive: Box<dyn Fn(&T) -> T + Send + Sync>,
    ctx_of: Box<dyn Fn(&mut T) -> &mut WasiCtx + Send + Sync>,
    /// Run on every store (the main thread's and each spawned one's) before
    /// its instance is made.
    store_setup: OnceLock<StoreSetup<T>>,
    ctx: Mutex<Option<WasiCtx>>,
    ended: AtomicBool,
    /// The main thread is still inside `_start`.
    main_running: AtomicBool,
    outcome: Mutex<Option<Outcome>>,
    /// Host threads kept for the next spawn (see `pool`).
    pool: Arc<crate::pool::Pool>,
}

impl<T: 'static> Drop for Program<T> {
    fn drop(&mut self) {
        self.pool.close();
    }
}

/// A hook run on every new store of a program.
type StoreSetup<T> = Box<dyn Fn(&mut Store<T>) -> wasmtime::Result<()> + Send + Sync>;

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A `wasm32-wasip1-threads` program ready to run. See the crate docs.
pub struct WasiThreads<T: 'static> {
    program: Arc<Program<T>>,
    linker: Linker<T>,
    module: Module,
}

impl<T: Send + 'static> WasiThreads<T> {
    /// Prepares `module` to run with `linker` (which must already define
    /// WASI): creates the shared memory the module imports and defines
    /// `wasi::thread-spawn` (and `thread_spawn`). `ctx_of` finds the
    /// program's [`WasiCtx`] in a store's data; `derive` makes a new
    /// thread's store data from its parent's.
    ///
    /// Errors: the module's shared memory import cannot be created.
    pub fn new(
        engine: &Engine,
        module: &Module,
        mut linker: Linker<T>,
        ctx_of: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + 'static,
        derive: impl Fn(&T) -> T + Send + Sync + 'static,
        opts: ThreadsOptions,
    ) -> wasmtime::Result<Self> {
        let mut memory = None;
        for i in module.imports() {
            if let ExternType::Memory(m) = i.ty()
                && m.is_shared()
            {
                memory = Some((
                    i.module().to_owned(),
                    i.name().to_owned(),
                    shared_memory(engine, m, opts.max_memory_size)?,
                ));
            }
        }
        let entry_ok = entry_point_ok(module);
        let opts_stack = opts.stack_size;
        let program = Arc::new(Program {
            engine: engine.clone(),
            pre: Mutex::new(None),
            memory,
            entry_ok,
            next_tid: AtomicI32::new(1),
            live: Mutex::new(0),
            live_changed: Condvar::new(),
            opts,
            derive: Box::new(derive),
            ctx_of: Box::new(ctx_of),
            store_setup: OnceLock::new(),
            ctx: Mutex::new(None),
            ended: AtomicBool::new(false),
            main_running: AtomicBool::new(false),
            outcome: Mutex::new(None),
            pool: crate::pool::Pool::new(opts_stack),
        });
        for name in ["thread-spawn", "thread_spawn"] {
            let p = program.clone();
            linker.func_wrap("wasi", name, move |mut caller: Caller<'_, T>, start_arg: i32| -> i32 {
                Program::spawn(&p, &mut caller, start_arg)
            })?;
        }
        Ok(WasiThreads {
            program,
            linker,
            module: module.clone(),
        })
    }

    /// Sets a hook run on every store of the program, the main thread's
    /// and each spawned thread's, after it is made and before its instance
    /// is: where a host sets fuel (`Store::set_fuel`, per thread), a
    /// resource limiter, or call hooks. An error from it ends the program as
    /// a trap does (for the main thread: [`run`](Self::run) returns it).
    /// Only the first hook set is kept.
    pub fn on_new_store(self, setup: impl Fn(&mut Store<T>) -> wasmtime::Result<()> + Send + Sync + 'static) -> Self {
        let _ = self.program.store_setup.set(Box::new(setup));
        self
    }

    /// Runs the program: `_start` on this thread in a store holding `data`,
    /// spawned threads on their own. Returns when the program ends (see the
    /// crate docs): `Ok(())` for status 0, an error that downcasts to
    /// [`I32Exit`] for another status, or the first trap of any thread.
    ///
    /// Errors: also instantiation failures (missing imports).
    pub fn run(&self, mut data: T) -> wasmtime::Result<()> {
        let p = &self.program;
        let ctx = (p.ctx_of)(&mut data).clone();
        let weak = Arc::downgrade(p);
        ctx.on_exit(Box::new(move || {
            if let Some(p) = weak.upgrade() {
                let ctx = lock(&p.ctx).clone();
                let status = ctx.and_then(|c| c.exit_status()).unwrap_or(0);
                p.record(Outcome::Exit(status));
                p.stop_all();
            }
        }));
        *lock(&p.ctx) = Some(ctx);
        if let Some((_, _, mem)) = &p.memory {
            wasi_common_compat::linker::use_shared_memory((p.ctx_of)(&mut data), mem.clone());
        }
        let mut store = Store::new(&p.engine, data);
        p.watch_epoch(&mut store);
        if let Some(setup) = p.store_setup.get() {
            setup(&mut store)?;
        }
        let mut linker = self.linker.clone();
        if let Some((m, n, mem)) = &p.memory {
            linker.define(&store, m, n, mem.clone())?;
        }
        let pre = linker.instantiate_pre(&self.module)?;
        *lock(&p.pre) = Some(pre.clone());
        p.main_running.store(true, Ordering::Release);
        let result = catch_host_panic(|| {
            pre.instantiate(&mut store)
                .and_then(|i| i.get_typed_func::<(), ()>(&mut store, "_start"))
                .and_then(|start| start.call(&mut store, ()))
        });
        p.main_running.store(false, Ordering::Release);
        p.finished(result);
        p.stop_all();
        p.wait_for_threads();
        // The program is over: its idle host threads end now, and it lets
        // go of its module (whose host functions hold the program) and its
        // context, so that its files close and its memory is freed once
        // this store and `WasiThreads` are dropped.
        p.pool.close();
        *lock(&p.pre) = None;
        *lock(&p.ctx) = None;
        match lock(&p.outcome).take() {
            Some(Outcome::Trap(e)) => Err(e),
            Some(Outcome::Exit(0)) | None => Ok(()),
            Some(Outcome::Exit(s)) => Err(wasmtime::Error::new(I32Exit(s))),
        }
    }

    /// The number of spawned threads alive now.
    pub fn live_threads(&self) -> u32 {
        *lock(&self.program.live)
    }
}

impl<T: Send + 'static> Program<T> {
    /// `thread-spawn(start_arg) -> tid`, or a negative errno.
    fn spawn(p: &Arc<Self>, caller: &mut Caller<'_, T>, start_arg: i32) -> i32 {
        let fail = |e: Errno| -(e as i32);
        if !p.entry_ok {
            return fail(Errno::Nosys);
        }
        if p.ended.load(Ordering::Acquire) {
            return fail(Errno::Again);
        }
        let Some(pre) = lock(&p.pre).clone() else {
            return fail(Errno::Again);
        };
        {
            let mut live = lock(&p.live);
            if *live >= p.opts.max_threads {
                return fail(Errno::Again);
            }
            *live += 1;
        }
        let tid = p.next_tid.fetch_add(1, Ordering::Relaxed);
        if !(1..=MAX_TID).contains(&tid) {
            p.thread_gone();
            return fail(Errno::Again);
        }
        let mut data = (p.derive)(caller.data());
        if let Some((_, _, mem)) = &p.memory {
            wasi_common_compat::linker::use_shared_memory((p.ctx_of)(&mut data), mem.clone());
        }
        let prog = p.clone();
        let job = Box::new(move || {
            // Counts the thread out however it ends, unwinding included.
            let _live = LiveGuard(&*prog);
            let r = catch_host_panic(|| {
                let mut store = Store::new(&prog.engine, data);
                prog.watch_epoch(&mut store);
                // The deadline is set before this check: a stop that
                // began earlier is seen here, one that begins later
                // bumps the epoch past the deadline.
                std::sync::atomic::fence(Ordering::SeqCst);
                if prog.ended.load(Ordering::SeqCst) {
                    return Err(wasmtime::Error::new(ProgramEnded));
                }
                if let Some(setup) = prog.store_setup.get() {
                    setup(&mut store)?;
                }
                pre.instantiate(&mut store)
                    .and_then(|i| i.get_typed_func::<(i32, i32), ()>(&mut store, "wasi_thread_start"))
                    .and_then(|f| f.call(&mut store, (tid, start_arg)))
            });
            if let Err(e) = r {
                // A trap (or an exit) in any thread ends the program.
                prog.finished(Err(e));
                prog.stop_all();
            }
        });
        let spawned = p.pool.run(|| format!("wasi-thread-{tid}"), job);
        match spawned {
            Ok(_) => tid,
            Err(e) => {
                tracing::warn!(error = %e, "cannot start a wasi thread");
                p.thread_gone();
                fail(Errno::Again)
            }
        }
    }

    fn thread_gone(&self) {
        let mut live = lock(&self.live);
        *live = live.saturating_sub(1);
        self.live_changed.notify_all();
    }

    /// Stops busy threads at their next epoch check once the program ended.
    fn watch_epoch(self: &Arc<Self>, store: &mut Store<T>) {
        let weak = Arc::downgrade(self);
        store.epoch_deadline_callback(move |_| match weak.upgrade() {
            Some(p) if p.ended.load(Ordering::Acquire) => Err(wasmtime::Error::new(ProgramEnded)),
            _ => Ok(UpdateDeadline::Continue(1)),
        });
        store.set_epoch_deadline(1);
    }

    fn record(&self, o: Outcome) {
        let mut slot = lock(&self.outcome);
        if slot.is_none() {
            *slot = Some(o);
        }
    }

    /// Records how a thread (or the main thread) ended.
    fn finished(&self, r: wasmtime::Result<()>) {
        match r {
            Ok(()) => self.record(Outcome::Exit(0)),
            Err(e) => {
                if let Some(I32Exit(s)) = e.downcast_ref::<I32Exit>() {
                    self.record(Outcome::Exit(*s));
                } else if e.downcast_ref::<ProgramEnded>().is_none() {
                    self.record(Outcome::Trap(e));
                }
            }
        }
    }

    /// Ends the program: wakes WASI waits, makes busy threads trap, and
    /// sweeps threads out of `memory.atomic.wait`.
    fn stop_all(self: &Arc<Self>) {
        if self.ended.swap(true, Ordering::AcqRel) {
            return;
        }
        let ctx = lock(&self.ctx).clone();
        if let Some(ctx) = ctx {
            let status = match &*lock(&self.outcome) {
                Some(Outcome::Exit(s)) => *s,
                _ => 134,
            };
            ctx.request_exit(status);
        }
        self.engine.increment_epoch();
        // Keep stopping while threads remain: a thread that set its epoch
        // deadline after the bump above, or went back to
        // `memory.atomic.wait` after a notify, is caught by the next pass.
        let engine = self.engine.clone();
        let mem = self.memory.as_ref().map(|(_, _, m)| m.clone());
        let prog = Arc::downgrade(self);
        let until = Instant::now() + self.opts.shutdown_grace;
        let _ = std::thread::Builder::new()
            .name("wasi-threads-stop".into())
            .spawn(move || {
                let keep_going = || {
                    Instant::now() < until
                        && prog
                            .upgrade()
                            .is_some_and(|p| *lock(&p.live) > 0 || p.main_running.load(Ordering::Acquire))
                };
                stopper(&engine, mem.as_ref(), keep_going);
            });
    }

    fn wait_for_threads(&self) {
        let deadline = Instant::now() + self.opts.shutdown_grace;
        let mut live = lock(&self.live);
        while *live > 0 {
            let now = Instant::now();
            if now >= deadline {
                tracing::warn!(
                    threads = *live,
                    "threads still running after the program ended; leaving them"
                );
                return;
            }
            live = match self.live_changed.wait_timeout(live, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

/// Counts a spawned thread out when dropped (also while unwinding).
struct LiveGuard<'a, T: 'static>(&'a Program<T>);

impl<T: 'static> Drop for LiveGuard<'_, T> {
    fn drop(&mut self) {
        let mut live = lock(&self.0.live);
        *live = live.saturating_sub(1);
        self.0.live_changed.notify_all();
    }
}

/// The error a host function's panic becomes: the thread's store is gone
/// and the program ends as for a trap.
#[derive(Debug)]
struct HostPanic(String);

impl std::fmt::Display for HostPanic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a host function panicked: {}", self.0)
    }
}

impl std::error::Error for HostPanic {}

/// Runs `f` (which runs wasm); a panic that unwinds out of it (from a host
/// function) becomes a [`HostPanic`] error instead of ending the host
/// thread with the program still counting it.
fn catch_host_panic(f: impl FnOnce() -> wasmtime::Result<()>) -> wasmtime::Result<()> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            Err(wasmtime::Error::new(HostPanic(msg)))
        }
    }
}

/// Stops a program's remaining threads, pass after pass while `keep_going`
/// says some remain: bumps the engine's epoch (busy threads reach their
/// deadline callback, which traps threads of an ended program) and, for a
/// shared memory, wakes every waiter of `memory.atomic.wait` by notifying
/// each 4-byte-aligned address (a woken thread then reaches an epoch check,
/// or waits again and is woken by the next pass).
fn stopper(engine: &Engine, mem: Option<&SharedMemory>, keep_going: impl Fn() -> bool) {
    const BATCH: u64 = 1 << 16;
    let mut pause = Duration::from_millis(1);
    while keep_going() {
        engine.increment_epoch();
        if let Some(mem) = mem {
            let size = mem.data_size() as u64;
            let mut addr = 0;
            while addr < size {
                let end = (addr + BATCH * 4).min(size);
                while addr + 4 <= end {
                    let _ = mem.atomic_notify(addr, u32::MAX);
                    addr += 4;
                }
                addr = end;
                if !keep_going() {
                    return;
                }
            }
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(8));
    }
}
