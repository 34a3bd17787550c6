//! # wasi-common-compat-sync
//!
//! The OS backend of [`wasi_common_compat`]: host files and directories
//! through cap-std (the sandbox: no `..`, absolute path or symlink reaches
//! outside a preopened directory), inherited or replaced stdio, preopened TCP
//! listeners and the connections accepted on them, and [`PollSched`], which
//! waits on OS descriptors and in-process pipes in one `poll(2)`.
//!
//! ```no_run
//! use wasi_common_compat_sync::WasiCtxBuilder;
//! use wasmtime::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, "hello.wasm").unwrap();
//! let ctx = WasiCtxBuilder::new()
//!     .inherit_stdio()
//!     .arg("hello.wasm").unwrap()
//!     .preopened_dir(".", "/").unwrap()
//!     .build()
//!     .unwrap();
//! let mut linker = Linker::new(&engine);
//! wasi_common_compat_sync::add_to_linker(&mut linker, |cx| cx).unwrap();
//! let mut store = Store::new(&engine, ctx);
//! let instance = linker.instantiate(&mut store, &module).unwrap();
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
//! start.call(&mut store, ()).unwrap();
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

// Windows is not supported yet: everything below waits with `poll(2)` on
// Unix descriptors (see RATIONALE.md, "Why does the sync backend not build on
// Windows?"). Every item is `cfg(unix)`, so this is the only error there.
#[cfg(not(unix))]
compile_error!(
    "wasi-common-compat-sync supports Unix hosts only (Linux, macOS, FreeBSD): its scheduler waits \
     with poll(2) on Unix descriptors. On Windows use the engine-free core (`wasi-common-compat`) \
     with your own WasiFile/WasiDir/WasiSched, or the in-memory filesystem \
     `wasi-common-compat-memfs`; see the README's platform table."
);

#[cfg(unix)]
mod builder;
#[cfg(unix)]
pub mod dir;
#[cfg(unix)]
pub mod file;
#[cfg(unix)]
mod io;
#[cfg(unix)]
pub mod net;
#[cfg(unix)]
pub mod sched;
#[cfg(unix)]
mod stat;
#[cfg(unix)]
pub mod stdio;
#[cfg(unix)]
mod stdio_twin;

#[cfg(unix)]
pub use builder::WasiCtxBuilder;
#[cfg(unix)]
pub use dir::Dir;
#[cfg(unix)]
pub use file::File;
#[cfg(unix)]
pub use net::{TcpListener, TcpStream};
#[cfg(unix)]
pub use sched::PollSched;
#[cfg(unix)]
pub use wasi_common_compat::{Error, Result, WasiCtx};
/// The in-memory filesystem [`WasiCtxBuilder::preopened_memfs`] serves.
#[cfg(unix)]
pub use wasi_common_compat_memfs as memfs;

#[cfg(feature = "wasmtime")]
#[cfg(unix)]
pub use wasi_common_compat::linker::add_to_linker_sync as add_to_linker;

#[cfg(unix)]
pub(crate) use stat::{filestat_from_stat, filestat_of, filetype_from_mode, systime};
