//! # wasi-common-compat
//!
//! A WASI preview1 host core: the successor of Wasmtime's `wasi-common`
//! (deleted in Wasmtime 47) for modules built for `wasm32-wasip1`,
//! `wasm32-wasip1-threads` and the older `wasi_unstable`.
//!
//! - [`WasiFile`] and [`WasiDir`]: object-safe traits for anything a guest can
//!   hold as an fd. Implement them for virtual files and directories and
//!   install them with [`WasiCtx::push_file`], [`WasiCtx::insert_file`],
//!   [`WasiCtx::push_dir`] or [`WasiCtxBuilder::preopened_dir`].
//! - [`WasiCtx`]: one program's state, `Clone + Send + Sync`; clones share the
//!   fd table (threads).
//! - [`pipe`]: in-memory [`ReadPipe`](pipe::ReadPipe) and
//!   [`WritePipe`](pipe::WritePipe), pollable in `poll_oneoff`.
//! - [`clocks`], [`random`], [`sched`]: injectable; [`deterministic`] has
//!   presets for reproducible runs.
//! - All functions of `wasi_snapshot_preview1` and `wasi_unstable`, generated
//!   by `wiggle` from the witx files in `witx/`; `linker` adds them to a
//!   Wasmtime `Linker` (feature `wasmtime`, on by default). Without that
//!   feature the crate builds with no engine, for other engines to drive the
//!   generated bindings in [`bindings`]; [`engine`] says what such glue
//!   needs (the `wasi-common-compat-wasmi` crate is one).
//!
//! This crate opens no host paths; the `wasi-common-compat-sync` crate
//! provides host files, directories, sockets and stdio through cap-std.

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod bindings;
pub mod clocks;
pub mod ctx;
pub mod deterministic;
pub mod dir;
pub mod engine;
mod error;
pub mod file;
#[cfg(feature = "wasmtime")]
pub mod linker;
pub mod memory;
pub mod pipe;
pub mod random;
pub mod read_only;
pub mod ready;
pub mod sched;
pub mod snapshots;
pub mod table;
pub mod types;

pub use bindings::Errno;
pub use ctx::{WasiCtx, WasiCtxBuilder};
pub use dir::{OpenOptions, OpenResult, Opening, PendingOpen, WasiDir};
pub use error::{Error, I32Exit, Result, errno_from_guest, errno_from_os};
pub use file::WasiFile;
pub use ready::{Interest, Pollable, ReadySource};
pub use sched::WasiSched;
pub use types::{
    Advice, FdFlags, FileType, Filestat, OFlags, ReaddirEntity, RiFlags, Rights, RoFlags, SdFlags, SystemTimeSpec,
};
