//! # wasi-common-compat-threads
//!
//! The `wasi` `thread-spawn` import of the wasi-threads proposal, for
//! `wasm32-wasip1-threads` programs on current Wasmtime.
//!
//! Each spawned thread is an OS thread with its own `Store` and instance of
//! the same module, over the program's one shared memory (the module's
//! shared memory import, whatever its module and field names, created with
//! the import's limits) and one [`WasiCtx`](wasi_common_compat::WasiCtx) (one fd table): the store data
//! of a new thread is derived from its parent's (for `WasiCtx` itself, a
//! clone). Thread ids are unique and in `1..=0x1FFF_FFFF`; a spawn that
//! fails (the cap on live threads, no `wasi_thread_start` export of type
//! `(i32, i32) -> ()`, the OS refusing a thread) returns a negative value
//! (`-EAGAIN`, or `-ENOSYS` for a missing entry point) and the program goes on.
//!
//! A host thread whose wasm thread has ended waits up to 2 s for the
//! program's next spawn and runs it (in a new store and instance), which
//! halves the cost of a short-lived thread; idle host threads hold nothing
//! of the program and end when [`WasiThreads::run`] returns.
//!
//! ## Instance-group exit
//! The program ends, and [`WasiThreads::run`] returns, when any thread calls
//! `proc_exit` (the status), any thread traps (the trap), or the main thread
//! returns from `_start` (status 0; a thread returning from
//! `wasi_thread_start` ends alone). Then every other thread of the program
//! is stopped, wherever it is: threads waiting in WASI calls wake and unwind;
//! busy threads trap at their next epoch check (enable
//! `Config::epoch_interruption` on the engine: [`configure`] does); threads
//! parked in `memory.atomic.wait` are woken by a notify sweep over the shared
//! memory and then trap at their next epoch check. Nothing calls
//! `std::process::exit`: the host process, and other programs in it, keep
//! running.
//!
//! ## Sync stores only
//! Every thread of a program runs in a synchronous store on an OS thread of
//! its own: a guest thread blocks its OS thread in `memory.atomic.wait` (and
//! spins in busy loops) where no executor can take it back, so a program
//! needs one OS thread per guest thread whatever the backend. An async
//! embedder runs [`WasiThreads::run`] inside `tokio::task::spawn_blocking`;
//! the contexts are the sync backend's (`wasi-common-compat-sync`), and
//! `wasi-compat run` runs threaded modules on it whatever `--runtime` says.
//!
//! ## Example
//! ```
//! use wasi_common_compat::WasiCtx;
//! use wasi_common_compat_threads::{WasiThreads, ThreadsOptions, configure};
//! use wasmtime::{Config, Engine, Linker, Module};
//!
//! let mut config = Config::new();
//! configure(&mut config);
//! let engine = Engine::new(&config)?;
//! // The main thread spawns one thread that stores 42 and notifies it.
//! let module = Module::new(&engine, r#"(module
//!   (import "env" "memory" (memory 1 1 shared))
//!   (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
//!   (func (export "wasi_thread_start") (param i32 i32)
//!     (i32.atomic.store (i32.const 0) (i32.const 42))
//!     (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
//!   (func (export "_start")
//!     (if (i32.le_s (call $spawn (i32.const 0)) (i32.const 0)) (then unreachable))
//!     (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
//!     (if (i32.ne (i32.atomic.load (i32.const 0)) (i32.const 42)) (then unreachable))))"#)?;
//! let mut linker: Linker<WasiCtx> = Linker::new(&engine);
//! wasi_common_compat::linker::add_to_linker_sync(&mut linker, |cx| cx)?;
//! let program = WasiThreads::new(&engine, &module, linker, |cx| cx, |cx: &WasiCtx| cx.clone(), ThreadsOptions::default())?;
//! program.run(WasiCtx::builder().build()?)?;
//! # Ok::<(), wasmtime::Error>(())
//! ```
//!
//! ## Limits and diagnosis
//! [`WasiThreads::on_new_store`] runs a hook on every thread's store (set
//! fuel, a resource limiter, call hooks there); [`ThreadsOptions::max_memory_size`]
//! caps the shared memory, which Wasmtime's resource limiters never see;
//! [`diagnose`] tells why a module that imports `thread-spawn` cannot work
//! (no shared memory import, no `wasi_thread_start`) before running it.
//! ```
//! use wasi_common_compat::WasiCtx;
//! use wasi_common_compat_threads::{WasiThreads, ThreadsOptions, configure, diagnose};
//! use wasmtime::{Config, Engine, Linker, Module};
//!
//! let mut config = Config::new();
//! configure(&mut config).consume_fuel(true);
//! let engine = Engine::new(&config)?;
//! // Grows its shared memory by 50 pages and traps if that worked.
//! let module = Module::new(&engine, r#"(module
//!   (import "env" "memory" (memory 1 100 shared))
//!   (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
//!   (func (export "wasi_thread_start") (param i32 i32))
//!   (func (export "_start")
//!     (if (i32.ne (memory.grow (i32.const 50)) (i32.const -1)) (then unreachable))))"#)?;
//! assert_eq!(diagnose(&module), None);
//! let mut linker: Linker<WasiCtx> = Linker::new(&engine);
//! wasi_common_compat::linker::add_to_linker_sync(&mut linker, |cx| cx)?;
//! let opts = ThreadsOptions { max_memory_size: Some(4 << 16), ..Default::default() };
//! let program = WasiThreads::new(&engine, &module, linker, |cx| cx, |cx: &WasiCtx| cx.clone(), opts)?
//!     .on_new_store(|store| store.set_fuel(1_000_000));
//! program.run(WasiCtx::builder().build()?)?;
//!
//! let unshared = Module::new(&engine, r#"(module
//!   (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
//!   (memory (export "memory") 1)
//!   (func (export "_start")))"#)?;
//! assert!(diagnose(&unshared).is_some_and(|why| why.contains("shared memory")));
//! # Ok::<(), wasmtime::Error>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod pool;
mod program;

pub use program::{ThreadsOptions, WasiThreads, configure, diagnose, is_threaded};
