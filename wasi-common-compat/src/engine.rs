//! What an engine's glue needs from the core, with no engine in sight.
//!
//! The bindings in [`crate::bindings`] hold one ABI-level function per WASI
//! import (`bindings::preview1::wasi_snapshot_preview1::fd_write(ctx, mem,
//! a0, a1, a2, a3)`, and the same for `wasi_unstable` in
//! `bindings::preview0::wasi_unstable`). Each takes the program's
//! [`WasiCtx`], the guest's memory as a [`wiggle::GuestMemory`] and the raw
//! wasm arguments, and returns a future of the raw result. Glue for an
//! engine (the built-in Wasmtime linker, `wasi-common-compat-wasmi`) does
//! four things per call:
//!
//! 1. find the guest's memory, once per store, and keep its handle in the
//!    context with [`WasiCtx::set_engine_memory`] (read back with
//!    [`WasiCtx::engine_memory`]; a clone of the context starts empty, so
//!    each store of a threaded program keeps its own);
//! 2. lend the memory as [`wiggle::GuestMemory::Unshared`] (a `&mut [u8]` of
//!    the memory's current length) or, for a memory other threads may write,
//!    [`wiggle::GuestMemory::Shared`] (a `&[UnsafeCell<u8>]`: the core never
//!    forms a reference into it, it copies through bounded buffers);
//! 3. drive the future: [`crate::sched::block_on`] for a synchronous call
//!    (it completes on its first poll with a synchronous scheduler), or
//!    `.await` it in an async host call;
//! 4. map the result with [`abi_result`], then turn an `Err` into the
//!    engine's trap, and an error that is an [`I32Exit`] (see [`exit_status`])
//!    into the engine's way of ending the run with that status.

use crate::{Errno, I32Exit, WasiCtx};

/// Maps the result of an ABI function the way every engine's glue must:
/// argument-decoding failures (an unknown enum value, undefined flag bits, a
/// number too large for its type: what wiggle's generated code reports as
/// `GuestError::InFunc` around `InvalidEnumValue`, `InvalidFlagValue` or
/// `TryFromIntError`) become `EINVAL` for the guest; every other error stays
/// an error, which the engine turns into a trap (or an exit, see
/// [`exit_status`]), among them a result that cannot be written (`InFunc`
/// around a pointer error).
///
/// `R` is the function's raw result: `i32` (an errno) or, for `proc_exit`,
/// `()` (whose only error is the exit).
pub fn abi_result<R: AbiResult>(r: wiggle::error::Result<R>) -> wiggle::error::Result<R> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => match e.downcast_ref::<wiggle::GuestError>() {
            Some(wiggle::GuestError::InFunc { err, .. }) if is_decoding(err) => R::einval().ok_or(e),
            _ => Err(e),
        },
    }
}

/// True for the errors of decoding an argument (the only errors the
/// generated code reports of that kind: bodies map their own).
fn is_decoding(err: &wiggle::GuestError) -> bool {
    matches!(
        err,
        wiggle::GuestError::InvalidEnumValue(_)
            | wiggle::GuestError::InvalidFlagValue(_)
            | wiggle::GuestError::TryFromIntError(_)
    )
}

/// A raw result type of an ABI function (see [`abi_result`]).
pub trait AbiResult: Sized {
    /// The value that tells the guest `EINVAL`, if the function returns an
    /// errno.
    fn einval() -> Option<Self>;
}

impl AbiResult for i32 {
    fn einval() -> Option<Self> {
        Some(Errno::Inval as i32)
    }
}

impl AbiResult for () {
    fn einval() -> Option<Self> {
        None
    }
}

/// The status passed to `proc_exit`, if `err` (an error returned by an ABI
/// function) is the end of the program rather than a trap.
pub fn exit_status(err: &wiggle::error::Error) -> Option<i32> {
    err.downcast_ref::<I32Exit>().map(|e| e.0)
}

impl WasiCtx {
    /// The guest-memory handle an engine's glue stored in this context with
    /// [`set_engine_memory`](Self::set_engine_memory), if it is an `M`.
    /// `None` in a fresh context and in every clone (see the module docs of
    /// [`crate::engine`]).
    #[inline]
    pub fn engine_memory<M: std::any::Any + Send + Sync>(&self) -> Option<&M> {
        self.engine_memory.as_ref()?.downcast_ref::<M>()
    }

    /// Stores `memory` (an engine's handle to the guest memory of the store
    /// this context serves) for [`engine_memory`](Self::engine_memory).
    /// Replaces what was there. Clones of the context do not inherit it.
    pub fn set_engine_memory<M: std::any::Any + Send + Sync>(&mut self, memory: M) {
        self.engine_memory = Some(Box::new(memory));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_memory_is_per_clone() {
        let mut ctx = WasiCtx::builder().build().unwrap();
        assert_eq!(ctx.engine_memory::<u32>(), None);
        ctx.set_engine_memory(7u32);
        assert_eq!(ctx.engine_memory::<u32>(), Some(&7));
        assert_eq!(ctx.engine_memory::<u64>(), None, "another type is not found");
        assert_eq!(ctx.clone().engine_memory::<u32>(), None);
    }

    #[test]
    fn exits_and_traps() {
        let exit = wiggle::error::Error::new(I32Exit(5));
        assert_eq!(exit_status(&exit), Some(5));
        assert_eq!(exit_status(&wiggle::error::Error::msg("boom")), None);
        let r: wiggle::error::Result<()> = abi_result(Err(exit));
        assert_eq!(r.map_err(|e| exit_status(&e)), Err(Some(5)));
        assert_eq!(abi_result(Ok(3i32)).ok(), Some(3));
    }

    fn in_func(location: &'static str, err: wiggle::GuestError) -> wiggle::error::Error {
        wiggle::error::Error::new(wiggle::GuestError::InFunc {
            modulename: "wasi_snapshot_preview1",
            funcname: "fd_seek",
            location,
            err: Box::new(err),
        })
    }

    #[test]
    fn decoding_errors_are_einval_other_guest_errors_trap() {
        use wiggle::GuestError as G;
        let einval = Some(Errno::Inval as i32);
        let whence = || G::InvalidEnumValue("Whence");
        assert_eq!(abi_result::<i32>(Err(in_func("convert Whence", whence()))).ok(), einval);
        let flags = G::InvalidFlagValue("Oflags");
        assert_eq!(abi_result::<i32>(Err(in_func("convert Oflags", flags))).ok(), einval);
        let wide = G::from(u8::try_from(300i32).unwrap_err());
        assert_eq!(abi_result::<i32>(Err(in_func("convert Sdflags", wide))).ok(), einval);
        let region = wiggle::Region {
            start: u32::MAX - 3,
            len: 8,
        };
        let oob = G::PtrOutOfBounds(region);
        assert!(abi_result::<i32>(Err(in_func("write Filesize", oob))).is_err());
        assert!(
            abi_result::<()>(Err(in_func("convert Exitcode", whence()))).is_err(),
            "proc_exit has no errno"
        );
    }
}
