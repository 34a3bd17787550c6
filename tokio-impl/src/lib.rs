//! # wasi-common-compat-tokio
//!
//! The async backend: the same files, directories, stdio, sockets and pipes
//! as [`wasi_common_compat_sync`], with [`TokioSched`] so that a guest
//! waiting (on stdin, a pipe, a socket, a bridged stream, a sleep) suspends
//! its Wasmtime fiber instead of blocking an executor thread. Use it with
//! async calls ([`add_to_linker`], `instantiate_async`, `call_async`). It
//! works on `current_thread` and `multi_thread` runtimes
//! alike (nothing here calls `block_in_place` or nests a runtime); the
//! runtime needs its I/O driver (`enable_io`/`enable_all`).
//!
//! Build contexts with this crate's [`WasiCtxBuilder`] (or [`builder()`]),
//! not the sync backend's: that one's scheduler waits in `poll(2)`, which
//! in an async store blocks the executor thread.
//!
//! ## Regular-file I/O: one choke point, inline
//! Reads and writes of regular files (and directory operations) run inline
//! on the executor thread, in the non-blocking attempt of each call, exactly
//! as in the sync backend. That is the policy, chosen over `spawn_blocking`
//! (a thread hop and a copy of guest data per call, 10-50x the cost of a
//! small page-cache read) and `block_in_place` (which panics on a
//! `current_thread` runtime). Regular-file I/O does not wait for readiness,
//! so it never parks the executor indefinitely; a host call is bounded by one
//! kernel read or write of at most the guest's buffer. Everything that can
//! wait indefinitely goes through [`TokioSched`].
//!
//! ## Which store, runtime and linker go together
//!
//! | store | runtime | linker | scheduler | works |
//! |---|---|---|---|---|
//! | async (`call_async`) | `current_thread` | [`add_to_linker`] (async) | [`TokioSched`] | yes |
//! | async (`call_async`) | `multi_thread` | [`add_to_linker`] (async) | [`TokioSched`] | yes |
//! | sync (`call`) | none | sync `add_to_linker` | `PollSched` (or [`TokioSched`], which falls back to it) | yes |
//! | sync (`call`) inside a runtime task | any | sync `add_to_linker` | `PollSched` | yes, but a wait blocks that executor thread: run it under `spawn_blocking` |
//! | async (`call_async`) | any | sync linker | [`TokioSched`] | no: a wait would block the thread driving the reactor it waits on |
//!
//! ## Cancellation
//! Dropping the future of a running guest call is safe: WASI calls wait
//! only at `.await` points, and a file operation (a `write`, a `read`) is a
//! single synchronous attempt between them, so an in-flight write either
//! happened completely (as far as the host call went) before the drop or
//! not at all. The context stays usable: its fd table, pipes and files are
//! as they were.
//!
//! ## Example
//!
//! ```
//! use wasi_common_compat::pipe::{ReadPipe, WritePipe};
//! use wasmtime::{Config, Engine, Linker, Module, Store};
//!
//! # fn main() -> wasmtime::Result<()> {
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! rt.block_on(async {
//!     let engine = Engine::new(&Config::new())?;
//!     // Echo stdin to stdout.
//!     let module = Module::new(&engine, r#"(module
//!       (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
//!       (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
//!       (memory (export "memory") 1)
//!       (func (export "_start")
//!         (i32.store (i32.const 0) (i32.const 64))
//!         (i32.store (i32.const 4) (i32.const 64))
//!         (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
//!         (i32.store (i32.const 4) (i32.load (i32.const 8)))
//!         (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#)?;
//!     let (stdin, feeder) = ReadPipe::channel(64);
//!     let stdout = WritePipe::new_in_memory();
//!     let ctx = wasi_common_compat_tokio::builder()
//!         .stdin(Box::new(stdin))
//!         .stdout(Box::new(stdout.clone()))
//!         .build()?;
//!     let mut linker = Linker::new(&engine);
//!     wasi_common_compat_tokio::add_to_linker(&mut linker, |cx| cx)?;
//!     let mut store = Store::new(&engine, ctx);
//!     let instance = linker.instantiate_async(&mut store, &module).await?;
//!     let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//!     // The guest waits for stdin without blocking this (only) thread.
//!     let host = async {
//!         tokio::time::sleep(std::time::Duration::from_millis(10)).await;
//!         feeder.write_all_async(b"hello async").await
//!     };
//!     let (guest, fed) = tokio::join!(start.call_async(&mut store, ()), host);
//!     guest?;
//!     fed?;
//!     assert_eq!(stdout.contents(), b"hello async");
//!     Ok::<(), wasmtime::Error>(())
//! })
//! # }
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod ctx_builder;
pub mod sched;

pub use ctx_builder::WasiCtxBuilder;
pub use sched::TokioSched;
pub use wasi_common_compat::{Error, Result, WasiCtx};
pub use wasi_common_compat_sync::{Dir, File, TcpListener, TcpStream, stdio};

#[cfg(feature = "wasmtime")]
pub use wasi_common_compat::linker::add_to_linker_async as add_to_linker;

/// A builder for contexts of async stores, with [`TokioSched`] as the
/// scheduler: the same as [`WasiCtxBuilder::new`]. Never fails.
pub fn builder() -> WasiCtxBuilder {
    WasiCtxBuilder::new()
}
