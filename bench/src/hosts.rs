//! The configurations a workload runs on: this project's hosts (sync,
//! tokio, sync with stdio bridged to wasmtime-wasi's p2 streams, and
//! wasi-threads), wasmtime-wasi 48's preview1, and the native build.
//!
//! Every wasm configuration compiles its module once ([`Hosts::new`]) and
//! makes a fresh store, context and instance for each run; the guest times
//! itself, so none of that is measured. Guests report on stderr (an
//! in-memory pipe here); their stdout is the process's fd 1, which the
//! bench points at `/dev/null` while it measures ([`StdoutToNull`]).

use crate::workloads::{Case, Workload};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use wasi_common_compat::bindings::preview1::wasi_snapshot_preview1;
use wasi_common_compat::pipe::WritePipe;
use wasi_common_compat::{FileType, I32Exit, WasiCtx};
use wasi_common_compat_p1_to_p2::OutputStreamFile;
use wasi_common_compat_sync::WasiCtxBuilder;
use wasi_common_compat_threads::{ThreadsOptions, WasiThreads};
use wasmtime::error::Context as _;
use wasmtime::{Config as EngineConfig, Engine, Linker, Module, Result, Store, bail};
use wasmtime_wasi::cli::{IsTerminal as _, StdoutStream as _};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// Where the guests see the scratch directory.
const GUEST_DIR: &str = "/bench";
/// argv\[0\] of the guests.
const ARGV0: &str = "workload";
/// Room for the guest's report lines (and a panic message).
const STDERR_CAPACITY: usize = 64 << 10;

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Config {
    /// The native build, run as a child process.
    Native,
    /// This project's sync backend (`wasi_common_compat_sync`), a sync store;
    /// `threads_write` runs through `WasiThreads` on it.
    Sync,
    /// The tokio backend: an async store, `call_async` on a current_thread
    /// runtime.
    Tokio,
    /// The sync backend with stdout served by wasmtime-wasi's stdout stream
    /// through the p1-to-p2 bridge (`OutputStreamFile`).
    P2,
    /// The floor of any Wasmtime host on this machine: the sync backend with
    /// `fd_write` replaced by a minimal import that writes the guest's bytes
    /// with write(2) at once (memory and host fd cached, no checks beyond
    /// slice bounds), like the "minimal host" of PERFORMANCE-NOTES.md. Run
    /// for the two small-write workloads only.
    Floor,
    /// wasmtime-wasi 48's own preview1 (`wasmtime_wasi::p1`), set up for a
    /// sync embedding as `wasmtime run` and its docs advise
    /// (`allow_blocking_current_thread(true)`: file operations run on the
    /// calling thread).
    WasmtimeWasi,
    /// wasmtime-wasi 48's preview1 with the builder's defaults (file
    /// operations go to tokio's blocking pool). Not run unless asked for:
    /// it is 10-1000x slower than [`Config::WasmtimeWasi`].
    WasmtimeWasiDefault,
}

impl Config {
    /// Every configuration, in column order.
    pub const ALL: [Config; 7] = [
        Config::Native,
        Config::Sync,
        Config::Tokio,
        Config::P2,
        Config::Floor,
        Config::WasmtimeWasi,
        Config::WasmtimeWasiDefault,
    ];

    /// The configurations run unless `--configs` says otherwise.
    pub const DEFAULT: [Config; 6] = [
        Config::Native,
        Config::Sync,
        Config::Tokio,
        Config::P2,
        Config::Floor,
        Config::WasmtimeWasi,
    ];

    /// The column heading.
    pub fn title(self) -> &'static str {
        match self {
            Config::Native => "native",
            Config::Sync => "sync",
            Config::Tokio => "tokio",
            Config::P2 => "p2 stdio",
            Config::Floor => "floor",
            Config::WasmtimeWasi => "wasmtime-wasi",
            Config::WasmtimeWasiDefault => "wasmtime-wasi (default builder)",
        }
    }

    /// Whether this configuration runs `w` (else its cell is "-"; see
    /// `report::NOTES` for why).
    pub fn runs(self, w: Workload) -> bool {
        match (self, w) {
            (Config::Native | Config::Sync, _) => true,
            // The floor of a thread's life: instantiating the module.
            (Config::Floor, Workload::ThreadsSpawn) => true,
            // WasiThreads drives sync stores only, and wasmtime-wasi 48 has
            // no wasi-threads for preview1 (its WasiP1Ctx is not shared, and
            // wasmtime-wasi-threads was last released for Wasmtime 46).
            (_, w) if w.threaded() => false,
            // The bridge only changes stdio: elsewhere this is the sync
            // column again.
            (Config::P2, w) => w == Workload::StdoutSmall,
            // Only the small writes have a one-call loop to take the floor of.
            (Config::Floor, w) => matches!(w, Workload::WriteSmall | Workload::StdoutSmall),
            (Config::Tokio | Config::WasmtimeWasi | Config::WasmtimeWasiDefault, _) => true,
        }
    }
}

/// The results a workload run printed (`RESULT <key> <value>` lines).
pub type Results = BTreeMap<String, u128>;

/// Engine settings for profiling.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tuning {
    /// Wasmtime's perf map, so `perf` names JIT-compiled guest functions.
    pub perfmap: bool,
    /// No signal-based traps, so the program runs under valgrind.
    pub valgrind: bool,
}

/// Everything compiled once: engines, modules, linkers, the tokio runtime.
pub struct Hosts {
    scratch: PathBuf,
    native: PathBuf,
    module: Option<Module>,
    sync_linker: Option<Linker<WasiCtx>>,
    tokio_linker: Option<Linker<WasiCtx>>,
    wasi_linker: Option<Linker<WasiP1Ctx>>,
    floor_linker: Option<Linker<FloorData>>,
    rt: Option<tokio::runtime::Runtime>,
    threads: Option<(Engine, Module, Linker<WasiCtx>)>,
}

impl Hosts {
    /// Compiles what `configs` need for `workloads`: one engine and module
    /// for the wasm32-wasip1 build, shared by every wasm configuration, and
    /// a threads-enabled engine and module for wasm32-wasip1-threads.
    pub fn new(
        scratch: &Path,
        wasm: &Path,
        wasm_threads: &Path,
        native: &Path,
        configs: &[Config],
        workloads: &[Workload],
        tuning: Tuning,
    ) -> Result<Hosts> {
        let engine_config = || {
            let mut c = EngineConfig::new();
            if tuning.perfmap {
                c.profiler(wasmtime::ProfilingStrategy::PerfMap);
            }
            if tuning.valgrind {
                c.signals_based_traps(false);
            }
            c
        };
        let wants = |c: Config| configs.contains(&c) && workloads.iter().any(|&w| c.runs(w) && !w.threaded());
        let any_wasm = Config::ALL.into_iter().any(|c| c != Config::Native && wants(c));
        let mut hosts = Hosts {
            scratch: scratch.to_path_buf(),
            native: native.to_path_buf(),
            module: None,
            sync_linker: None,
            tokio_linker: None,
            wasi_linker: None,
            floor_linker: None,
            rt: None,
            threads: None,
        };
        if any_wasm {
            let engine = Engine::new(&engine_config())?;
            let module = Module::from_file(&engine, wasm).with_context(|| format!("compiling {}", wasm.display()))?;
            if wants(Config::Sync) || wants(Config::P2) {
                let mut l = Linker::new(&engine);
                wasi_common_compat_sync::add_to_linker(&mut l, |cx| cx)?;
                hosts.sync_linker = Some(l);
            }
            if wants(Config::Floor) {
                hosts.floor_linker = Some(floor_linker(&engine)?);
            }
            if wants(Config::Tokio) {
                let mut l = Linker::new(&engine);
                wasi_common_compat_tokio::add_to_linker(&mut l, |cx| cx)?;
                hosts.tokio_linker = Some(l);
                hosts.rt = Some(tokio::runtime::Builder::new_current_thread().enable_all().build()?);
            }
            if wants(Config::WasmtimeWasi) || wants(Config::WasmtimeWasiDefault) {
                let mut l = Linker::new(&engine);
                wasmtime_wasi::p1::add_to_linker_sync(&mut l, |cx| cx)?;
                hosts.wasi_linker = Some(l);
            }
            hosts.module = Some(module);
        }
        let threaded = |c: Config| configs.contains(&c) && workloads.iter().any(|&w| w.threaded() && c.runs(w));
        if threaded(Config::Sync) || threaded(Config::Floor) {
            let mut config = engine_config();
            wasi_common_compat_threads::configure(&mut config);
            let engine = Engine::new(&config)?;
            let module = Module::from_file(&engine, wasm_threads)
                .with_context(|| format!("compiling {}", wasm_threads.display()))?;
            let mut l = Linker::new(&engine);
            wasi_common_compat_sync::add_to_linker(&mut l, |cx| cx)?;
            hosts.threads = Some((engine, module, l));
        }
        Ok(hosts)
    }

    /// Runs `case` once on `config` and returns what the program reported.
    pub fn run(&self, config: Config, case: &Case) -> Result<Results> {
        let argv = case.argv(GUEST_DIR);
        let stderr = match config {
            Config::Native => return self.run_native(case),
            Config::Sync if case.workload.threaded() => self.run_threads(&argv)?,
            Config::Floor if case.workload == Workload::ThreadsSpawn => return self.run_instantiation_floor(case),
            Config::Sync => self.run_sync(&argv, false)?,
            Config::P2 => self.run_sync(&argv, true)?,
            Config::Floor => self.run_floor(&argv)?,
            Config::Tokio => self.run_tokio(&argv)?,
            Config::WasmtimeWasi => self.run_wasmtime_wasi(&argv, true)?,
            Config::WasmtimeWasiDefault => self.run_wasmtime_wasi(&argv, false)?,
        };
        parse(&stderr)
    }

    /// A context of this project's backend: argv, the scratch directory,
    /// stdout as `stdio` sets it, stderr into the returned pipe.
    fn ctx(&self, base: WasiCtxBuilder, argv: &[String], p2_stdout: bool) -> Result<(WasiCtx, WritePipe)> {
        let err = WritePipe::new_in_memory();
        let b = if p2_stdout {
            // As `wasi-compat run --stdio p2` does.
            let out = wasmtime_wasi::cli::stdout();
            let kind = if out.is_terminal() {
                FileType::CharacterDevice
            } else {
                FileType::Unknown
            };
            base.stdout(Box::new(OutputStreamFile::new(out.p2_stream()).with_filetype(kind)))
        } else {
            base.inherit_stdout()
        };
        let ctx = b
            .stderr(Box::new(err.clone()))
            .arg(ARGV0)?
            .args(argv)?
            .preopened_dir(&self.scratch, GUEST_DIR)?
            .build()?;
        Ok((ctx, err))
    }

    fn run_sync(&self, argv: &[String], p2_stdout: bool) -> Result<Vec<u8>> {
        let (linker, module) = (need(&self.sync_linker)?, need(&self.module)?);
        let (ctx, err) = self.ctx(WasiCtxBuilder::new(), argv, p2_stdout)?;
        run_start(linker, module, ctx, &err)
    }

    fn run_floor(&self, argv: &[String]) -> Result<Vec<u8>> {
        let (linker, module) = (need(&self.floor_linker)?, need(&self.module)?);
        let (ctx, err) = self.ctx(WasiCtxBuilder::new(), argv, false)?;
        let data = FloorData {
            ctx,
            memory: None,
            host_fds: Default::default(),
        };
        run_start(linker, module, data, &err)
    }

    fn run_tokio(&self, argv: &[String]) -> Result<Vec<u8>> {
        let (linker, module, rt) = (need(&self.tokio_linker)?, need(&self.module)?, need(&self.rt)?);
        let (ctx, err) = self.ctx(wasi_common_compat_tokio::builder().into_sync(), argv, false)?;
        let result = rt.block_on(async {
            let mut store = Store::new(module.engine(), ctx);
            let instance = linker.instantiate_async(&mut store, module).await?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            start.call_async(&mut store, ()).await
        });
        exited(result, &err.contents())?;
        Ok(err.contents())
    }

    fn run_threads(&self, argv: &[String]) -> Result<Vec<u8>> {
        let Some((engine, module, linker)) = &self.threads else {
            bail!("the threads host was not prepared");
        };
        let (ctx, err) = self.ctx(WasiCtxBuilder::new(), argv, false)?;
        let program = WasiThreads::new(
            engine,
            module,
            linker.clone(),
            |cx| cx,
            |cx: &WasiCtx| cx.clone(),
            ThreadsOptions::default(),
        )?;
        exited(program.run(ctx), &err.contents())?;
        Ok(err.contents())
    }

    /// The floor of `threads_spawn`: the threads build instantiated
    /// `count` times in fresh stores, as each spawned thread is (its shared
    /// memory defined, one `InstancePre` for all), and nothing else: no OS
    /// thread, no `wasi_thread_start`, no join. Timed here, not by a guest.
    fn run_instantiation_floor(&self, case: &Case) -> Result<Results> {
        let Some((engine, module, linker)) = &self.threads else {
            bail!("the threads host was not prepared");
        };
        let count = *case.args.first().context("threads_spawn takes a count")?;
        let (ctx, _err) = self.ctx(WasiCtxBuilder::new(), &case.argv(GUEST_DIR), false)?;
        let (m, n, ty) = module
            .imports()
            .find_map(|i| match i.ty() {
                wasmtime::ExternType::Memory(t) if t.is_shared() => {
                    Some((i.module().to_owned(), i.name().to_owned(), t))
                }
                _ => None,
            })
            .context("the threads build imports no shared memory")?;
        let memory = wasmtime::SharedMemory::new(engine, ty)?;
        let mut linker = linker.clone();
        linker.define(&Store::new(engine, ctx.clone()), &m, &n, memory)?;
        // Never called while instantiating; `WasiThreads` defines the real one.
        linker.func_wrap("wasi", "thread-spawn", |_start_arg: i32| -> i32 { -1 })?;
        let pre = linker.instantiate_pre(module)?;
        let t = std::time::Instant::now();
        for _ in 0..count {
            let mut store = Store::new(engine, ctx.clone());
            store.set_epoch_deadline(u64::MAX / 2);
            std::hint::black_box(pre.instantiate(&mut store)?);
        }
        Ok(Results::from([("ns".to_owned(), t.elapsed().as_nanos())]))
    }

    fn run_wasmtime_wasi(&self, argv: &[String], blocking: bool) -> Result<Vec<u8>> {
        let (linker, module) = (need(&self.wasi_linker)?, need(&self.module)?);
        let err = MemoryOutputPipe::new(STDERR_CAPACITY);
        let mut b = wasmtime_wasi::WasiCtxBuilder::new();
        // Before `preopened_dir`: preopens copy the setting.
        b.allow_blocking_current_thread(blocking)
            .inherit_stdout()
            .stderr(err.clone())
            .arg(ARGV0)
            .args(argv)
            .preopened_dir(&self.scratch, GUEST_DIR, wasmtime_wasi::FsPerms::ReadWrite)?;
        let mut store = Store::new(module.engine(), b.build_p1());
        let instance = linker.instantiate(&mut store, module)?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let result = match start.call(&mut store, ()) {
            Err(e) if e.downcast_ref::<wasmtime_wasi::I32Exit>().is_some_and(|x| x.0 == 0) => Ok(()),
            r => r,
        };
        exited(result, &err.contents())?;
        Ok(err.contents().to_vec())
    }

    fn run_native(&self, case: &Case) -> Result<Results> {
        let scratch = self.scratch.to_str().context("the scratch path is not UTF-8")?;
        let out = Command::new(&self.native)
            .args(case.argv(scratch))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("running {}", self.native.display()))?;
        if !out.status.success() {
            bail!(
                "the native workload failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        parse(&out.stderr)
    }
}

/// Store data of the floor configuration: the sync backend's context (for
/// every import but `fd_write`) and the minimal `fd_write`'s caches.
pub struct FloorData {
    ctx: WasiCtx,
    memory: Option<wasmtime::Memory>,
    /// Guest fd (the index, below 16) -> a duplicate of its host fd, made on
    /// the fd's first write.
    host_fds: [Option<rustix::fd::OwnedFd>; 16],
}

/// A duplicate of the host fd behind guest fd `fd` (the host's stdout, or
/// a file of the sync backend); an error for anything else (the guests'
/// stderr is an in-memory pipe, which takes the regular path).
fn host_fd(ctx: &WasiCtx, fd: u32) -> Result<rustix::fd::OwnedFd> {
    use rustix::fd::AsFd as _;
    let dup = |f: rustix::fd::BorrowedFd<'_>| Ok(rustix::io::fcntl_dupfd_cloexec(f, 0)?);
    let entry = ctx.table().get_file(fd)?;
    let any = entry.file().as_any();
    if any.is::<wasi_common_compat_sync::stdio::Stdio>() && fd == 1 {
        return dup(rustix::stdio::stdout());
    }
    match any.downcast_ref::<wasi_common_compat_sync::File>() {
        Some(file) => dup(file.as_cap_std().as_fd()),
        None => bail!("fd {fd} is not a host file"),
    }
}

/// The sync backend's linker with `fd_write` shadowed by a minimal one: the
/// floor ([`Config::Floor`]).
fn floor_linker(engine: &Engine) -> Result<Linker<FloorData>> {
    let mut l: Linker<FloorData> = Linker::new(engine);
    wasi_common_compat_sync::add_to_linker(&mut l, |d| &mut d.ctx)?;
    l.allow_shadowing(true);
    l.func_wrap(
        "wasi_snapshot_preview1",
        "fd_write",
        |mut c: wasmtime::Caller<'_, FloorData>, fd: i32, iovs: i32, n: i32, out: i32| -> Result<i32> {
            let memory = match c.data().memory {
                Some(m) => m,
                None => {
                    let Some(m) = c.get_export("memory").and_then(|e| e.into_memory()) else {
                        bail!("no memory export");
                    };
                    c.data_mut().memory = Some(m);
                    m
                }
            };
            let (bytes, data) = memory.data_and_store_mut(&mut c);
            let host = match data.host_fds.get_mut(fd as u32 as usize) {
                Some(slot) => {
                    if slot.is_none() {
                        *slot = host_fd(&data.ctx, fd as u32).ok();
                    }
                    slot.as_ref()
                }
                None => None,
            };
            let Some(host) = host else {
                // Not a host fd (the report pipe) or beyond the cache: the regular import.
                let mut mem = wiggle::GuestMemory::Unshared(bytes);
                let call = wasi_snapshot_preview1::fd_write(&mut data.ctx, &mut mem, fd, iovs, n, out);
                return wasi_common_compat::sched::block_on(call);
            };
            let word = |at: usize| -> Option<usize> {
                Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize)
            };
            let mut total = 0usize;
            for k in 0..n.max(0) as usize {
                let at = iovs as u32 as usize + 8 * k;
                let (Some(p), Some(len)) = (word(at), word(at + 4)) else {
                    bail!("iovec out of bounds")
                };
                let Some(buf) = bytes.get(p..p + len) else {
                    bail!("buffer out of bounds")
                };
                total += rustix::io::write(host, buf)?;
            }
            let out = out as u32 as usize;
            let Some(dst) = bytes.get_mut(out..out + 4) else {
                bail!("nwritten out of bounds")
            };
            dst.copy_from_slice(&(total as u32).to_le_bytes());
            Ok(0)
        },
    )?;
    Ok(l)
}

/// Runs `_start` of `module` in a new synchronous store holding `data`;
/// the guest's stderr (`err`) on success.
fn run_start<T: 'static>(linker: &Linker<T>, module: &Module, data: T, err: &WritePipe) -> Result<Vec<u8>> {
    let mut store = Store::new(module.engine(), data);
    let instance = linker.instantiate(&mut store, module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    exited(start.call(&mut store, ()), &err.contents())?;
    Ok(err.contents())
}

fn need<X>(x: &Option<X>) -> Result<&X> {
    match x {
        Some(x) => Ok(x),
        None => bail!("this configuration was not prepared"),
    }
}

/// `Ok` for a guest that returned from `_start` or exited with status 0.
fn exited(result: Result<()>, stderr: &[u8]) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|x| x.0 == 0) => Ok(()),
        Err(e) => Err(e.context(format!(
            "the guest failed; its stderr:\n{}",
            String::from_utf8_lossy(stderr)
        ))),
    }
}

/// The `RESULT <key> <value>` lines of a run's stderr.
fn parse(stderr: &[u8]) -> Result<Results> {
    let text = String::from_utf8_lossy(stderr);
    let mut r = Results::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("RESULT ") {
            let (k, v) = rest.split_once(' ').context("a RESULT line without a value")?;
            r.insert(
                k.to_owned(),
                v.trim()
                    .parse::<u128>()
                    .context("a RESULT value that is not a number")?,
            );
        }
    }
    if !r.contains_key("ns") {
        bail!("the workload reported no time; its stderr:\n{text}");
    }
    Ok(r)
}

/// Points fd 1 at `/dev/null` until dropped (then restores it), so guests
/// that inherit the host's stdout write to `/dev/null`.
pub struct StdoutToNull {
    saved: rustix::fd::OwnedFd,
}

impl StdoutToNull {
    /// Flushes Rust's stdout buffer and redirects fd 1.
    pub fn new() -> std::io::Result<StdoutToNull> {
        std::io::stdout().flush()?;
        let saved = rustix::io::fcntl_dupfd_cloexec(rustix::stdio::stdout(), 3)?;
        let null = File::options().write(true).open("/dev/null")?;
        rustix::stdio::dup2_stdout(&null)?;
        Ok(StdoutToNull { saved })
    }
}

impl Drop for StdoutToNull {
    fn drop(&mut self) {
        let _ = std::io::stdout().flush();
        // Nothing to do if this fails: the table then goes to /dev/null,
        // and the markdown file still has it.
        let _ = rustix::stdio::dup2_stdout(&self.saved);
    }
}
