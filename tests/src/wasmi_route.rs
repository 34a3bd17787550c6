//! The wasmi route, [`Backend::Wasmi`]: a [`Run`] on the wasmi interpreter
//! through `wasi-common-compat-wasmi`, with the context the sync backend
//! builds (host preopens and sockets, in-memory stdio pipes).
//!
//! [`Run::session`] works too (a wasmi store behind the same API), so the
//! same ABI corner cases run on both engines.
//!
//! Timeouts: the store runs on fuel, refilled every [`FUEL_SLICE`]
//! instructions through wasmi's resumable calls; when the run's timeout has
//! passed, a guest busy in wasm is stopped at the next refill, and one
//! waiting in a WASI call is woken through the context's exit (as on the
//! other backends).

use super::*;
use wasmi::TypedResumableCall;

/// Instructions a guest runs between two checks of its timeout.
pub const FUEL_SLICE: u64 = 50_000_000;

/// The engine every wasmi run of the process shares (fuel metering on).
fn wasmi_engine() -> &'static wasmi::Engine {
    static ENGINE: OnceLock<wasmi::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmi::Config::default();
        config.consume_fuel(true);
        wasmi::Engine::new(&config)
    })
}

/// The module for `bytes`, compiled once per process: a wasmi engine keeps
/// every function it compiled for its whole life, so compiling the same
/// module for each session (the ABI fuzzer makes thousands) would grow the
/// process for the harness's sake, hiding what the host itself holds.
fn wasmi_module(engine: &wasmi::Engine, bytes: &[u8]) -> wasmtime::Result<wasmi::Module> {
    static MODULES: OnceLock<std::sync::Mutex<std::collections::HashMap<Vec<u8>, wasmi::Module>>> = OnceLock::new();
    let cache = MODULES.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(m) = map.get(bytes) {
        return Ok(m.clone());
    }
    let module = wasmi::Module::new(engine, bytes)
        .map_err(|e| wasmtime::Error::msg(format!("wasmi cannot compile the module: {e}")))?;
    // Keep the cache small: test modules differ per test.
    if map.len() >= 64 {
        map.clear();
    }
    map.insert(bytes.to_vec(), module.clone());
    Ok(module)
}

/// A wasmi error as the harness reports it: an exit becomes [`I32Exit`]
/// (what [`Run::exec`]'s outcome looks for), anything else a message with
/// wasmi's description and its details.
fn harness_error(e: &wasmi::Error) -> wasmtime::Error {
    match wasi_common_compat_wasmi::exit_status(e) {
        Some(status) => wasmtime::Error::new(I32Exit(status)),
        None => wasmtime::Error::msg(format!("wasmi: {e}")),
    }
}

impl Run {
    /// The module's bytes (binary or WAT text: wasmi parses both).
    fn wasm_bytes(&self) -> wasmtime::Result<Vec<u8>> {
        let path = match &self.source {
            Source::Guest(name) => guest_path(name),
            Source::File(path) => path.clone(),
            Source::Wat(text) => return Ok(text.clone().into_bytes()),
            Source::ThreadsGuest(_) => {
                return Err(wasmtime::Error::msg("threaded programs run on Wasmtime only"));
            }
        };
        std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
    }

    /// The module instantiated on wasmi with this run's context, in a store
    /// with `fuel`; and a clone of the context (to end the program).
    fn instantiate_wasmi(&mut self, fuel: u64) -> wasmtime::Result<(wasmi::Store<WasiCtx>, wasmi::Instance, WasiCtx)> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let engine = wasmi_engine();
        let bytes = self.wasm_bytes()?;
        let module = wasmi_module(engine, &bytes)?;
        let ctx = self.build_ctx()?;
        let exit_handle = ctx.clone();
        let mut linker = wasmi::Linker::<WasiCtx>::new(engine);
        wasi_common_compat_wasmi::add_to_linker(&mut linker, |cx| cx)
            .map_err(|e| wasmtime::Error::msg(format!("add_to_linker: {e}")))?;
        let mut store = wasmi::Store::new(engine, ctx);
        store.set_fuel(fuel).map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| wasmtime::Error::msg(format!("wasmi cannot instantiate the module: {e}")))?;
        Ok((store, instance, exit_handle))
    }

    /// [`session`](Run::session) on wasmi (no timeout: fuel for 2^62
    /// instructions).
    pub(crate) fn session_wasmi(mut self) -> wasmtime::Result<Session> {
        let (store, instance, _) = self.instantiate_wasmi(1 << 62)?;
        let memory = instance.get_memory(&store, "memory");
        Ok(Session {
            engine: SessionEngine::Wasmi(Box::new(WasmiSession {
                store,
                instance,
                memory,
            })),
            stdout: self.stdout,
            stderr: self.stderr,
            _sandbox: self.sandbox,
        })
    }

    /// [`exec`](Run::exec) on wasmi.
    pub(crate) fn exec_wasmi(mut self) -> wasmtime::Result<Outcome> {
        let (mut store, instance, exit_handle) = self.instantiate_wasmi(FUEL_SLICE)?;
        let start = instance
            .get_typed_func::<(), ()>(&store, "_start")
            .map_err(|e| wasmtime::Error::msg(format!("the module has no `_start` function: {e}")))?;
        let timed_out = Arc::new(AtomicBool::new(false));
        let result = with_timeout(self.timeout, &timed_out, exit_handle, || {
            run_start(&mut store, start, &timed_out)
        });
        Ok(self.outcome(result, &timed_out, 0))
    }
}

/// Calls `_start`, refilling fuel every [`FUEL_SLICE`] instructions until
/// it returns, fails, or `timed_out` is set.
fn run_start(
    store: &mut wasmi::Store<WasiCtx>,
    start: wasmi::TypedFunc<(), ()>,
    timed_out: &AtomicBool,
) -> wasmtime::Result<()> {
    let mut call = start.call_resumable(&mut *store, ()).map_err(|e| harness_error(&e))?;
    loop {
        call = match call {
            TypedResumableCall::Finished(()) => return Ok(()),
            TypedResumableCall::HostTrap(t) => return Err(harness_error(t.host_error())),
            TypedResumableCall::OutOfFuel(rest) => {
                if timed_out.load(Ordering::Acquire) {
                    return Err(wasmtime::Error::msg("stopped after the timeout"));
                }
                store
                    .set_fuel(FUEL_SLICE)
                    .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
                rest.resume(&mut *store).map_err(|e| harness_error(&e))?
            }
        };
    }
}

/// The wasmi side of a [`Session`].
pub(crate) struct WasmiSession {
    store: wasmi::Store<WasiCtx>,
    instance: wasmi::Instance,
    memory: Option<wasmi::Memory>,
}

fn to_wasmi_val(v: &Val) -> wasmtime::Result<wasmi::Val> {
    match v {
        Val::I32(x) => Ok(wasmi::Val::I32(*x)),
        Val::I64(x) => Ok(wasmi::Val::I64(*x)),
        other => Err(wasmtime::Error::msg(format!(
            "sessions pass i32 and i64 values, not {other:?}"
        ))),
    }
}

fn from_wasmi_val(v: &wasmi::Val) -> wasmtime::Result<Val> {
    match v {
        wasmi::Val::I32(x) => Ok(Val::I32(*x)),
        wasmi::Val::I64(x) => Ok(Val::I64(*x)),
        other => Err(wasmtime::Error::msg(format!(
            "sessions return i32 and i64 values, not {other:?}"
        ))),
    }
}

impl WasmiSession {
    pub(crate) fn call(&mut self, name: &str, args: &[Val]) -> wasmtime::Result<Vec<Val>> {
        let func = self
            .instance
            .get_func(&self.store, name)
            .with_context(|| format!("the module exports no function {name:?}"))?;
        let args = args.iter().map(to_wasmi_val).collect::<wasmtime::Result<Vec<_>>>()?;
        let ty = func.ty(&self.store);
        let mut results: Vec<wasmi::Val> = ty.results().iter().map(|t| wasmi::Val::default_for_ty(*t)).collect();
        func.call(&mut self.store, &args, &mut results)
            .map_err(|e| harness_error(&e))?;
        results.iter().map(from_wasmi_val).collect()
    }

    fn mem(&self) -> wasmtime::Result<wasmi::Memory> {
        self.memory.ok_or_else(no_memory)
    }

    pub(crate) fn write(&mut self, offset: u32, bytes: &[u8]) -> wasmtime::Result<()> {
        let m = self.mem()?;
        m.write(&mut self.store, offset as usize, bytes)
            .map_err(|e| wasmtime::Error::msg(format!("write at {offset}: {e}")))
    }

    pub(crate) fn read(&self, offset: u32, buf: &mut [u8]) -> wasmtime::Result<()> {
        let m = self.mem()?;
        m.read(&self.store, offset as usize, buf)
            .map_err(|e| wasmtime::Error::msg(format!("read at {offset}: {e}")))
    }

    pub(crate) fn memory_size(&self) -> wasmtime::Result<usize> {
        Ok(self.mem()?.data_size(&self.store))
    }
}
