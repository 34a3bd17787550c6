//! # wasi-common-compat-wasmi
//!
//! WASI preview1 for the [wasmi](https://docs.rs/wasmi) interpreter, from
//! the engine-free core of `wasi-common-compat` (built without its
//! `wasmtime` feature: no Wasmtime runtime or compiler is in this crate's
//! dependency tree). [`add_to_linker`] defines every function of
//! `wasi_snapshot_preview1` and `wasi_unstable` in a [`wasmi::Linker`]; any
//! [`WasiCtx`] serves, e.g. one built by `wasi-common-compat-sync`'s
//! `WasiCtxBuilder` (host files, directories, sockets and stdio) or the
//! core's own builder (pipes and virtual files).
//!
//! ```
//! use wasi_common_compat::{WasiCtx, pipe::WritePipe};
//! use wasmi::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "wasi_snapshot_preview1" "fd_write"
//!         (func $fd_write (param i32 i32 i32 i32) (result i32)))
//!       (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
//!       (memory (export "memory") 1)
//!       (data (i32.const 16) "hi\n")
//!       (func (export "_start")
//!         (i32.store (i32.const 0) (i32.const 16))  ;; iovec: buf = 16
//!         (i32.store (i32.const 4) (i32.const 3))   ;;        len = 3
//!         (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
//!         (call $proc_exit (i32.const 7))))
//! "#)?;
//! let out = WritePipe::new_in_memory();
//! let ctx = WasiCtx::builder().stdout(Box::new(out.clone())).build()?;
//! let mut linker = Linker::new(&engine);
//! wasi_common_compat_wasmi::add_to_linker(&mut linker, |cx: &mut WasiCtx| cx)?;
//! let mut store = Store::new(&engine, ctx);
//! let instance = linker.instantiate_and_start(&mut store, &module)?;
//! let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
//! let err = start.call(&mut store, ()).expect_err("the guest calls proc_exit");
//! assert_eq!(wasi_common_compat_wasmi::exit_status(&err), Some(7));
//! assert_eq!(out.contents(), b"hi\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Behaviour
//!
//! The same as the Wasmtime glue's (`wasi_common_compat::linker`), because
//! both call the same ABI functions of the core:
//!
//! - **Memory.** The caller's `memory` export is looked up once per store
//!   and its handle kept in the context ([`WasiCtx::set_engine_memory`]).
//!   Each call lends the memory's bytes, at their current length, as
//!   `wiggle::GuestMemory::Unshared`: every pointer and length the guest
//!   passes is checked against that length (`EFAULT` for buffers the call
//!   reads or writes itself, a trap for a result pointer outside memory),
//!   buffers are read and written in place, and host copies are bounded as
//!   in the core's `memory` module. A module that exports no memory can call
//!   the functions that need none; those that do get `EFAULT`. wasmi has no
//!   shared memories, so the core's shared-memory path is not used here.
//! - **Errors.** An errno is the call's return value; unknown enum values and
//!   undefined flag bits are `EINVAL` ([`wasi_common_compat::engine::abi_result`]).
//!   `proc_exit` (or an exit requested through the context, e.g. on a
//!   timeout) ends the call with wasmi's exit error, whose status
//!   [`exit_status`] (= [`wasmi::Error::i32_exit_status`]) returns. Any other
//!   failure is a trap: a [`wasmi::Error`] holding a [`Trap`].
//! - **Blocking.** Calls are synchronous: each call's future is polled in
//!   place ([`wasi_common_compat::sched::block_on_pinned`]); a call that
//!   must wait (a read of an empty pipe, `poll_oneoff`) waits in the
//!   context's scheduler on the calling thread.
//! - **Contexts.** As with Wasmtime, the cached handle belongs to the first
//!   instance of the store that calls WASI; several WASI-calling instances in
//!   one store each need their own clone of the context.
//!
//! ## Hosting the core on another engine
//!
//! This crate is the template for glue to any engine: under 200 lines of
//! code, no `unsafe`, no copy of any WASI logic. What the engine must
//! provide:
//!
//! 1. **Host functions** with access to the store's data (to reach the
//!    [`WasiCtx`]) and to the calling instance's exports (to find its
//!    memory): here [`wasmi::Linker::func_wrap`] with a [`wasmi::Caller`].
//!    Each function takes i32/i64 arguments and returns an i32 (an errno) or,
//!    for `proc_exit`, nothing.
//! 2. **Guest memory as bytes**: for unshared memory, a `&mut [u8]` of its
//!    current length borrowed together with the store's data (here
//!    [`wasmi::Memory::data_and_store_mut`]); for a shared memory (threads),
//!    its base pointer and length, lent as a `&[UnsafeCell<u8>]`
//!    (`wiggle::GuestMemory::Shared`), which the core never turns into a
//!    reference.
//! 3. **A way to end the call**: an error type of host functions that
//!    unwinds the guest, able to carry an exit status (here
//!    [`wasmi::Error::i32_exit`]) and an arbitrary error (here
//!    [`wasmi::Error::host`] with [`Trap`]).
//!
//! The core provides the rest, engine-neutral, in
//! [`wasi_common_compat::engine`]: the generated ABI functions
//! (`wasi_common_compat::bindings::preview1::wasi_snapshot_preview1::*`,
//! `wasi_common_compat::bindings::preview0::wasi_unstable::*`), a slot in the
//! context for the memory handle, the errno mapping of decoding failures
//! (`abi_result`), the exit test (`exit_status`), and `block_on` for
//! synchronous engines (async engines `.await` the same futures). A glue
//! crate then defines each import as: find the memory (cached), lend it,
//! call the ABI function, map the result — see this crate's source.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::fmt;
use wasi_common_compat::WasiCtx;
use wasi_common_compat::bindings::{preview0, preview1};
use wasi_common_compat::engine::{AbiResult, abi_result};
use wasi_common_compat::sched::block_on_pinned;
use wasmi::{Caller, Linker, Memory};
use wiggle::GuestMemory;

/// A failure of a WASI call that is not an errno for the guest and not an
/// exit: a host-side error the embedder must see (a result pointer outside
/// memory, a backend failure). It reaches the embedder as the
/// [`wasmi::Error`] of the call (`err.downcast_ref::<Trap>()`).
pub struct Trap(wiggle::error::Error);

impl Trap {
    /// The core's error, with its context chain.
    pub fn error(&self) -> &wiggle::error::Error {
        &self.0
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WASI call failed: {:#}", self.0)
    }
}

impl fmt::Debug for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Trap({:?})", self.0)
    }
}

impl wasmi::errors::HostError for Trap {}

/// The status the guest passed to `proc_exit` (or an exit requested through
/// [`WasiCtx::request_exit`]), if `err`, the error of a wasmi call, is the
/// end of the program rather than a trap. The same as
/// [`wasmi::Error::i32_exit_status`].
pub fn exit_status(err: &wasmi::Error) -> Option<i32> {
    err.i32_exit_status()
}

/// The memory handle this glue keeps in the context (a type of its own, so
/// no other glue's handle is mistaken for it).
struct WasmiMemory(Memory);

/// The caller's memory: from the context's cache, or looked up by name once.
fn memory<T>(caller: &mut Caller<'_, T>, get: impl Fn(&mut T) -> &mut WasiCtx) -> Option<Memory> {
    if let Some(WasmiMemory(m)) = get(caller.data_mut()).engine_memory::<WasmiMemory>() {
        return Some(*m);
    }
    let m = caller.get_export("memory")?.into_memory()?;
    get(caller.data_mut()).set_engine_memory(WasmiMemory(m));
    Some(m)
}

/// Runs `f` with the program's context and the caller's memory (empty if
/// the module exports none).
#[inline]
fn with_memory<T, R>(
    caller: &mut Caller<'_, T>,
    get: impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> R,
) -> R {
    match memory(caller, &get) {
        Some(m) => {
            let (bytes, data) = m.data_and_store_mut(caller);
            f(get(data), &mut GuestMemory::Unshared(bytes))
        }
        None => f(get(caller.data_mut()), &mut GuestMemory::Unshared(&mut [])),
    }
}

/// Maps an ABI function's result to wasmi's: an errno is the return value,
/// an exit becomes wasmi's exit error, anything else a [`Trap`].
#[inline]
fn to_wasmi<R: AbiResult>(r: wiggle::error::Result<R>) -> Result<R, wasmi::Error> {
    abi_result(r).map_err(|e| match wasi_common_compat::engine::exit_status(&e) {
        Some(status) => wasmi::Error::i32_exit(status),
        None => wasmi::Error::host(Trap(e)),
    })
}

/// Defines the listed functions of module `$module` (the ABI functions of
/// `$abi`) in `$linker`, and a list of their names.
macro_rules! define_funcs {
    ($linker:ident, $get:ident, $module:literal, $abi:path,
     [$($name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty;)*]) => {{
        $(
            $linker.func_wrap(
                $module,
                stringify!($name),
                move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> Result<$ret, wasmi::Error> {
                    use $abi as m;
                    with_memory(&mut caller, $get, |ctx, mem| {
                        to_wasmi(block_on_pinned(std::pin::pin!(m::$name(ctx, mem, $($arg),*))))
                    })
                },
            )?;
        )*
        &[$(stringify!($name)),*]
    }};
}

/// The functions `wasi_snapshot_preview1` and `wasi_unstable` share (by
/// name and raw signature); `sock_accept` is preview1's only addition.
macro_rules! common_funcs {
    ($linker:ident, $get:ident, $module:literal, $abi:path, [$($extra:tt)*]) => {
        define_funcs!($linker, $get, $module, $abi, [
            args_get(a0: i32, a1: i32) -> i32;
            args_sizes_get(a0: i32, a1: i32) -> i32;
            environ_get(a0: i32, a1: i32) -> i32;
            environ_sizes_get(a0: i32, a1: i32) -> i32;
            clock_res_get(a0: i32, a1: i32) -> i32;
            clock_time_get(a0: i32, a1: i64, a2: i32) -> i32;
            fd_advise(a0: i32, a1: i64, a2: i64, a3: i32) -> i32;
            fd_allocate(a0: i32, a1: i64, a2: i64) -> i32;
            fd_close(a0: i32) -> i32;
            fd_datasync(a0: i32) -> i32;
            fd_fdstat_get(a0: i32, a1: i32) -> i32;
            fd_fdstat_set_flags(a0: i32, a1: i32) -> i32;
            fd_fdstat_set_rights(a0: i32, a1: i64, a2: i64) -> i32;
            fd_filestat_get(a0: i32, a1: i32) -> i32;
            fd_filestat_set_size(a0: i32, a1: i64) -> i32;
            fd_filestat_set_times(a0: i32, a1: i64, a2: i64, a3: i32) -> i32;
            fd_pread(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32) -> i32;
            fd_prestat_get(a0: i32, a1: i32) -> i32;
            fd_prestat_dir_name(a0: i32, a1: i32, a2: i32) -> i32;
            fd_pwrite(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32) -> i32;
            fd_read(a0: i32, a1: i32, a2: i32, a3: i32) -> i32;
            fd_readdir(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32) -> i32;
            fd_renumber(a0: i32, a1: i32) -> i32;
            fd_seek(a0: i32, a1: i64, a2: i32, a3: i32) -> i32;
            fd_sync(a0: i32) -> i32;
            fd_tell(a0: i32, a1: i32) -> i32;
            fd_write(a0: i32, a1: i32, a2: i32, a3: i32) -> i32;
            path_create_directory(a0: i32, a1: i32, a2: i32) -> i32;
            path_filestat_get(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32) -> i32;
            path_filestat_set_times(a0: i32, a1: i32, a2: i32, a3: i32, a4: i64, a5: i64, a6: i32) -> i32;
            path_link(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32, a6: i32) -> i32;
            path_open(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i64, a6: i64, a7: i32, a8: i32) -> i32;
            path_readlink(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32) -> i32;
            path_remove_directory(a0: i32, a1: i32, a2: i32) -> i32;
            path_rename(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32) -> i32;
            path_symlink(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32) -> i32;
            path_unlink_file(a0: i32, a1: i32, a2: i32) -> i32;
            poll_oneoff(a0: i32, a1: i32, a2: i32, a3: i32) -> i32;
            proc_exit(a0: i32) -> ();
            proc_raise(a0: i32) -> i32;
            sched_yield() -> i32;
            random_get(a0: i32, a1: i32) -> i32;
            sock_recv(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32) -> i32;
            sock_send(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32) -> i32;
            sock_shutdown(a0: i32, a1: i32) -> i32;
            $($extra)*
        ])
    };
}

/// Defines every function of `wasi_snapshot_preview1` and `wasi_unstable`
/// in `linker`. `get` picks the program's [`WasiCtx`] out of the store's
/// data (`|cx| cx` for a `Store<WasiCtx>`).
///
/// Calls are synchronous (see the crate docs, "Blocking"); `proc_exit`
/// ends the wasmi call with the status [`exit_status`] reads.
///
/// Errors: a definition clashes with one already in the linker (call
/// `linker.allow_shadowing(true)` first to replace them).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> Result<(), wasmi::Error> {
    defined_functions(linker, get).map(|_| ())
}

/// [`add_to_linker`], returning the names it defined in each module
/// (`wasi_snapshot_preview1`, then `wasi_unstable`).
fn defined_functions<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> Result<[&'static [&'static str]; 2], wasmi::Error> {
    let p1: &'static [&'static str] = common_funcs!(
        linker,
        get,
        "wasi_snapshot_preview1",
        preview1::wasi_snapshot_preview1,
        [sock_accept(a0: i32, a1: i32, a2: i32) -> i32;]
    );
    let p0: &'static [&'static str] = common_funcs!(linker, get, "wasi_unstable", preview0::wasi_unstable, []);
    Ok([p1, p0])
}

#[cfg(test)]
mod tests;
