//! Wasmtime integration: [`add_to_linker_sync`] and [`add_to_linker_async`]
//! define every function of `wasi_snapshot_preview1` and `wasi_unstable` in
//! a `wasmtime::Linker`.
//!
//! The glue is this crate's own rather than wiggle's, for speed: the guest's
//! memory is looked up by name once per store and kept in the [`WasiCtx`]
//! (wiggle's glue looks it up on every call, which costs ~80 ns), and the
//! synchronous variant polls each call's future in place, allocating nothing.
//!
//! Memory handling: an exported `memory` that is a shared memory (threads)
//! is accessed as [`wiggle::GuestMemory::Shared`], so no Rust reference is
//! ever made into bytes another thread may change. A module that exports no
//! memory can still call functions that need none; those that do get `EFAULT`.
//!
//! The cached handle belongs to the first instance in the store that calls
//! WASI. A store in which several instances call WASI through one context
//! must give each instance its own clone of the context (clones share all
//! program state but cache their own memory).
//!
//! Invalid enum or flags arguments (an unknown `whence`, undefined `oflags`
//! bits) give the guest `EINVAL`. A result pointer outside memory is a trap
//! (the call already took effect and the guest cannot be told its result).
//!
//! ```
//! use wasmtime::{Engine, Linker, Module, Store};
//! use wasi_common_compat::{WasiCtx, pipe::WritePipe};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "wasi_snapshot_preview1" "fd_write"
//!         (func $fd_write (param i32 i32 i32 i32) (result i32)))
//!       (memory (export "memory") 1)
//!       (data (i32.const 16) "hi\n")
//!       (func (export "_start")
//!         (i32.store (i32.const 0) (i32.const 16))
//!         (i32.store (i32.const 4) (i32.const 3))
//!         (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
//! "#).unwrap();
//! let out = WritePipe::new_in_memory();
//! let ctx = WasiCtx::builder().stdout(Box::new(out.clone())).build().unwrap();
//! let mut linker = Linker::new(&engine);
//! wasi_common_compat::linker::add_to_linker_sync(&mut linker, |cx: &mut WasiCtx| cx).unwrap();
//! let mut store = Store::new(&engine, ctx);
//! let instance = linker.instantiate(&mut store, &module).unwrap();
//! instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap().call(&mut store, ()).unwrap();
//! assert_eq!(out.contents(), b"hi\n");
//! ```

mod fast;
mod memory;

pub use memory::{MemoryCache, use_shared_memory};

use crate::WasiCtx;
use crate::bindings::{preview0, preview1};
use crate::sched::block_on_pinned;
use memory::{Kind, cloned_shared, guest_memory, put_back, resolve, take_shared, with_memory};
use wasmtime::{Caller, Linker};

/// Maps the result of a wiggle ABI function: argument-decoding failures
/// become `EINVAL` for the guest; other errors trap.
/// (The mapping is [`crate::engine::abi_result`], shared by every engine.)
fn abi(r: wiggle::error::Result<i32>) -> wasmtime::Result<i32> {
    crate::engine::abi_result(r)
}

/// `proc_exit` returns `()` and never an errno.
fn abi_unit(r: wiggle::error::Result<()>) -> wasmtime::Result<()> {
    r
}

/// The answer of the fast path of `fd_write` or `fd_read` (see [`fast`])
/// on either kind of memory (shared memory: transfers of at most
/// `PIPE_BUF` bytes, through the bounce buffer), or `None` for the general
/// path.
macro_rules! fast_answer {
    ($unshared:ident, $shared:ident, $ctx:ident, $mem:ident, $a0:ident, $a1:ident, $a2:ident, $a3:ident) => {
        match $mem {
            wiggle::GuestMemory::Unshared(bytes) => fast::$unshared($ctx, bytes, $a0, $a1, $a2, $a3),
            wiggle::GuestMemory::Shared(cells) => fast::$shared($ctx, cells, $a0, $a1, $a2, $a3),
        }
    };
    (fd_write, $($rest:tt)*) => { fast_answer!(fd_write, fd_write_shared, $($rest)*) };
    (fd_read, $($rest:tt)*) => { fast_answer!(fd_read, fd_read_shared, $($rest)*) };
}

/// A synchronous call: the fast path's answer if it has one, else
/// `$general` (every other function, and every case the fast paths
/// decline, takes the general path).
macro_rules! fast_or {
    ($name:ident @ $ctx:ident, $mem:ident, ($($a:ident),*), $general:expr) => {
        match fast_answer!($name, $ctx, $mem, $($a),*) {
            Some(answer) => answer,
            None => $general,
        }
    };
    (fd_write, $($rest:tt)*) => { fast_or!(fd_write @ $($rest)*) };
    (fd_read, $($rest:tt)*) => { fast_or!(fd_read @ $($rest)*) };
    ($other:ident, $ctx:ident, $mem:ident, ($($a:ident),*), $general:expr) => { $general };
}

/// The fast paths for async stores: tried in the host function itself,
/// before any future is built; a call they answer returns a ready future
/// (a few bytes) instead of the ABI function's.
macro_rules! fast_path_async {
    ($name:ident @ $caller:ident, $get:ident, $($a:ident),*) => {
        if let Some(answer) = with_memory!(lend, $caller, $get, |ctx, mem| fast_answer!($name, ctx, mem, $($a),*)) {
            return ready(answer);
        }
    };
    (fd_write, $($rest:tt)*) => { fast_path_async!(fd_write @ $($rest)*) };
    (fd_read, $($rest:tt)*) => { fast_path_async!(fd_read @ $($rest)*) };
    ($other:ident, $($rest:tt)*) => {};
}

/// An async host function's answer that is already known. Success (errno
/// 0, the common answer) is a zero-sized future, which boxing does not
/// allocate; others are boxed with their value.
fn ready<'a>(r: wasmtime::Result<i32>) -> Box<dyn std::future::Future<Output = wasmtime::Result<i32>> + Send + 'a> {
    match r {
        Ok(0) => Box::new(Success),
        r => Box::new(std::future::ready(r)),
    }
}

/// The future of a call that succeeded (see [`ready`]).
struct Success;

impl std::future::Future for Success {
    type Output = wasmtime::Result<i32>;

    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::task::Poll::Ready(Ok(0))
    }
}

macro_rules! define_funcs {
    ($linker:ident, $get:ident, $module:literal, $abi_mod:path, $mode:ident,
     [$($name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty, $map:ident;)*]) => {{
        $(
            define_funcs!(@one $mode, $linker, $get, $module, $abi_mod, $name, ($($arg : $ty),*), $ret, $map);
        )*
    }};
    (@one sync, $linker:ident, $get:ident, $module:literal, $abi_mod:path, $name:ident, ($($arg:ident : $ty:ty),*), $ret:ty, $map:ident) => {
        $linker.func_wrap(
            $module,
            stringify!($name),
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> wasmtime::Result<$ret> {
                use $abi_mod as m;
                with_memory!(lend, caller, $get, |ctx, mem| {
                    fast_or!($name, ctx, mem, ($($arg),*),
                        $map(block_on_pinned(std::pin::pin!(m::$name(ctx, mem, $($arg),*)))))
                })
            },
        )?;
    };
    (@one async, $linker:ident, $get:ident, $module:literal, $abi_mod:path, $name:ident, ($($arg:ident : $ty:ty),*), $ret:ty, $map:ident) => {
        $linker.func_wrap_async(
            $module,
            stringify!($name),
            move |mut caller: Caller<'_, T>, ($($arg,)*): ($($ty,)*)| {
                fast_path_async!($name, caller, $get, $($arg),*);
                let fut: Box<dyn std::future::Future<Output = wasmtime::Result<$ret>> + Send + '_> =
                    Box::new(async move {
                        use $abi_mod as m;
                        with_memory!(clone, caller, $get, |ctx, mem| $map(m::$name(ctx, mem, $($arg),*).await))
                    });
                fut
            },
        )?;
    };
}

macro_rules! preview1_funcs {
    ($linker:ident, $get:ident, $module:literal, $abi_mod:path, $mode:ident) => {
        define_funcs!($linker, $get, $module, $abi_mod, $mode, [
            args_get(a0: i32, a1: i32) -> i32, abi;
            args_sizes_get(a0: i32, a1: i32) -> i32, abi;
            environ_get(a0: i32, a1: i32) -> i32, abi;
            environ_sizes_get(a0: i32, a1: i32) -> i32, abi;
            clock_res_get(a0: i32, a1: i32) -> i32, abi;
            clock_time_get(a0: i32, a1: i64, a2: i32) -> i32, abi;
            fd_advise(a0: i32, a1: i64, a2: i64, a3: i32) -> i32, abi;
            fd_allocate(a0: i32, a1: i64, a2: i64) -> i32, abi;
            fd_close(a0: i32) -> i32, abi;
            fd_datasync(a0: i32) -> i32, abi;
            fd_fdstat_get(a0: i32, a1: i32) -> i32, abi;
            fd_fdstat_set_flags(a0: i32, a1: i32) -> i32, abi;
            fd_fdstat_set_rights(a0: i32, a1: i64, a2: i64) -> i32, abi;
            fd_filestat_get(a0: i32, a1: i32) -> i32, abi;
            fd_filestat_set_size(a0: i32, a1: i64) -> i32, abi;
            fd_filestat_set_times(a0: i32, a1: i64, a2: i64, a3: i32) -> i32, abi;
            fd_pread(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32) -> i32, abi;
            fd_prestat_get(a0: i32, a1: i32) -> i32, abi;
            fd_prestat_dir_name(a0: i32, a1: i32, a2: i32) -> i32, abi;
            fd_pwrite(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32) -> i32, abi;
            fd_read(a0: i32, a1: i32, a2: i32, a3: i32) -> i32, abi;
            fd_readdir(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32) -> i32, abi;
            fd_renumber(a0: i32, a1: i32) -> i32, abi;
            fd_seek(a0: i32, a1: i64, a2: i32, a3: i32) -> i32, abi;
            fd_sync(a0: i32) -> i32, abi;
            fd_tell(a0: i32, a1: i32) -> i32, abi;
            fd_write(a0: i32, a1: i32, a2: i32, a3: i32) -> i32, abi;
            path_create_directory(a0: i32, a1: i32, a2: i32) -> i32, abi;
            path_filestat_get(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32) -> i32, abi;
            path_filestat_set_times(a0: i32, a1: i32, a2: i32, a3: i32, a4: i64, a5: i64, a6: i32) -> i32, abi;
            path_link(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32, a6: i32) -> i32, abi;
            path_open(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i64, a6: i64, a7: i32, a8: i32) -> i32, abi;
            path_readlink(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32) -> i32, abi;
            path_remove_directory(a0: i32, a1: i32, a2: i32) -> i32, abi;
            path_rename(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32) -> i32, abi;
            path_symlink(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32) -> i32, abi;
            path_unlink_file(a0: i32, a1: i32, a2: i32) -> i32, abi;
            poll_oneoff(a0: i32, a1: i32, a2: i32, a3: i32) -> i32, abi;
            proc_exit(a0: i32) -> (), abi_unit;
            proc_raise(a0: i32) -> i32, abi;
            sched_yield() -> i32, abi;
            random_get(a0: i32, a1: i32) -> i32, abi;
            sock_recv(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32) -> i32, abi;
            sock_send(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32) -> i32, abi;
            sock_shutdown(a0: i32, a1: i32) -> i32, abi;
        ])
    };
}

/// Defines `wasi_snapshot_preview1` and `wasi_unstable` in `linker` for
/// synchronous use (`Func::call`, `TypedFunc::call`). `get` picks the
/// program's [`WasiCtx`] out of the store's data.
///
/// Errors: a definition clashes with one already in the linker (allow
/// shadowing on the linker to replace them).
pub fn add_to_linker_sync<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> wasmtime::Result<()> {
    add_preview1_to_linker_sync(linker, get)?;
    add_preview0_to_linker_sync(linker, get)
}

/// Defines only `wasi_snapshot_preview1` in `linker` (see
/// [`add_to_linker_sync`], which also defines `wasi_unstable`).
///
/// Errors: a definition clashes with one already in the linker.
///
/// ```
/// use wasi_common_compat::{WasiCtx, linker};
/// let engine = wasmtime::Engine::default();
/// let mut l: wasmtime::Linker<WasiCtx> = wasmtime::Linker::new(&engine);
/// linker::add_preview1_to_linker_sync(&mut l, |cx| cx)?;
/// let mut store = wasmtime::Store::new(&engine, WasiCtx::builder().build()?);
/// assert!(l.get(&mut store, "wasi_snapshot_preview1", "fd_write").is_ok());
/// assert!(l.get(&mut store, "wasi_unstable", "fd_write").is_err());
/// # Ok::<(), wasmtime::Error>(())
/// ```
pub fn add_preview1_to_linker_sync<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> wasmtime::Result<()> {
    preview1_funcs!(
        linker,
        get,
        "wasi_snapshot_preview1",
        preview1::wasi_snapshot_preview1,
        sync
    );
    define_funcs!(linker, get, "wasi_snapshot_preview1", preview1::wasi_snapshot_preview1, sync, [
        sock_accept(a0: i32, a1: i32, a2: i32) -> i32, abi;
    ]);
    Ok(())
}

/// Defines only `wasi_unstable` (preview0) in `linker` for synchronous use;
/// [`add_to_linker_sync`] defines it with preview1. A host that must not
/// offer preview0 (`wasmtime run -S preview0=n`) defines preview1 alone
/// with [`add_preview1_to_linker_sync`].
///
/// Errors: a definition clashes with one already in the linker.
pub fn add_preview0_to_linker_sync<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> wasmtime::Result<()> {
    preview1_funcs!(linker, get, "wasi_unstable", preview0::wasi_unstable, sync);
    Ok(())
}

/// Defines `wasi_snapshot_preview1` and `wasi_unstable` in `linker` for
/// async calls (`instantiate_async`, `call_async`): a call that
/// waits (a read on an empty pipe, a sleep) suspends the guest instead of
/// blocking the thread, given a scheduler that waits asynchronously (the
/// `tokio-impl` backend's).
///
/// Errors: a definition clashes with one already in the linker.
pub fn add_to_linker_async<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> wasmtime::Result<()> {
    add_preview1_to_linker_async(linker, get)?;
    add_preview0_to_linker_async(linker, get)
}

/// Defines only `wasi_snapshot_preview1` in `linker` (see
/// [`add_to_linker_async`], which also defines `wasi_unstable`).
///
/// Errors: a definition clashes with one already in the linker.
pub fn add_preview1_to_linker_async<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> wasmtime::Result<()> {
    preview1_funcs!(
        linker,
        get,
        "wasi_snapshot_preview1",
        preview1::wasi_snapshot_preview1,
        async
    );
    define_funcs!(linker, get, "wasi_snapshot_preview1", preview1::wasi_snapshot_preview1, async, [
        sock_accept(a0: i32, a1: i32, a2: i32) -> i32, abi;
    ]);
    Ok(())
}

/// Defines only `wasi_unstable` (preview0) in `linker` for async calls (see
/// [`add_preview0_to_linker_sync`]).
///
/// Errors: a definition clashes with one already in the linker.
pub fn add_preview0_to_linker_async<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> wasmtime::Result<()> {
    preview1_funcs!(linker, get, "wasi_unstable", preview0::wasi_unstable, async);
    Ok(())
}
