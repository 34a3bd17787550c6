//! # wasi-common-compat-p1-to-p2
//!
//! Preview1 modules on preview2 I/O: any `wasmtime-wasi-io` stream serves as
//! a preview1 fd, and the other way round.
//!
//! - [`InputStreamFile`] / [`OutputStreamFile`]: a [`DynInputStream`] or
//!   [`DynOutputStream`] as a p1 file, for stdin/stdout/stderr or any fd:
//!   `fd_read`, `fd_write`, `fd_sync`, `fd_fdstat_get`, `fd_filestat_get`
//!   and `poll_oneoff`, in synchronous and async embeddings alike.
//! - [`FileInputStream`] / [`FileOutputStream`]: a p1 [`WasiFile`] as a p2
//!   stream (and pollable), for preview2 code consuming preview1-world files.
//! - [`push`]: a bounded host-push source (the host feeds a guest fd chunk by
//!   chunk, with backpressure) and the matching sink for guest writes.
//!
//! Host memory per call is bounded whatever length the guest passes: each
//! read or write moves at most [`CHUNK`](wasi_common_compat::memory::CHUNK)
//! bytes.
//!
//! ## Example: a preview1 module on `MemoryOutputPipe` and a custom stream
//!
//! ```
//! use bytes::Bytes;
//! use wasi_common_compat::WasiCtx;
//! use wasi_common_compat_p1_to_p2::{InputStreamFile, OutputStreamFile};
//! use wasmtime::{Engine, Linker, Module, Store};
//! use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
//! use wasmtime_wasi_io::{async_trait, poll::Pollable, streams::{InputStream, StreamError, StreamResult}};
//!
//! /// Produces "ping" three times, then closes.
//! struct Pings(u32);
//! #[async_trait]
//! impl Pollable for Pings {
//!     async fn ready(&mut self) {}
//! }
//! impl InputStream for Pings {
//!     fn read(&mut self, _size: usize) -> StreamResult<Bytes> {
//!         if self.0 == 0 { return Err(StreamError::Closed) }
//!         self.0 -= 1;
//!         Ok(Bytes::from_static(b"ping"))
//!     }
//! }
//!
//! // Copies stdin to stdout (fd_read / fd_write until end of file).
//! let wat = r#"(module
//!   (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
//!   (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
//!   (memory (export "memory") 1)
//!   (func (export "_start")
//!     (loop $copy
//!       (i32.store (i32.const 0) (i32.const 64))
//!       (i32.store (i32.const 4) (i32.const 32))
//!       (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
//!       (if (i32.load (i32.const 8)) (then
//!         (i32.store (i32.const 4) (i32.load (i32.const 8)))
//!         (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
//!         (br $copy))))))"#;
//!
//! let stdout = MemoryOutputPipe::new(1 << 20);
//! let ctx = WasiCtx::builder()
//!     .stdin(Box::new(InputStreamFile::new(Box::new(Pings(3)))))
//!     .stdout(Box::new(OutputStreamFile::new(Box::new(stdout.clone()))))
//!     .build()?;
//! let engine = Engine::default();
//! let module = Module::new(&engine, wat)?;
//! let mut linker = Linker::new(&engine);
//! wasi_common_compat::linker::add_to_linker_sync(&mut linker, |cx: &mut WasiCtx| cx)?;
//! let mut store = Store::new(&engine, ctx);
//! let instance = linker.instantiate(&mut store, &module)?;
//! instance.get_typed_func::<(), ()>(&mut store, "_start")?.call(&mut store, ())?;
//! assert_eq!(&stdout.contents()[..], b"pingpingping");
//! # Ok::<(), wasmtime::Error>(())
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod errors;
mod input;
mod output;
pub mod push;
mod reverse;
mod slot;

pub use input::InputStreamFile;
pub use output::OutputStreamFile;
pub use reverse::{FileInputStream, FileOutputStream};
pub use slot::{SPURIOUS_BEFORE_BACKOFF, ambient_runtime};
pub use wasi_common_compat::WasiFile;
pub use wasmtime_wasi_io::streams::{DynInputStream, DynOutputStream};
