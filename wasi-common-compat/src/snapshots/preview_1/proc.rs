//! `proc_exit`, `proc_raise`, `sched_yield`.

use crate::bindings::preview1::types::{Exitcode, Signal};
use crate::{Error, Result, WasiCtx};

/// `proc_exit(status)`: ends the program. Every thread of it stops: threads
/// waiting in WASI calls wake and unwind, and the embedder's call returns
/// [`crate::I32Exit`] with the status (the first exit wins when threads
/// race). The 32-bit status is passed on unchanged (reinterpreted as `i32`);
/// what a process exit keeps of it (the low 8 bits on Unix) is the
/// embedder's business. Never returns to the guest.
pub(crate) fn exit(ctx: &WasiCtx, status: Exitcode) -> wiggle::error::Error {
    let status = ctx.request_exit(status as i32);
    wiggle::error::Error::new(crate::I32Exit(status))
}

/// `proc_raise(sig)`: signals are not supported; returns `ENOTSUP` for every
/// signal (never a trap), like a host that has no signal delivery.
pub(crate) fn raise(_ctx: &WasiCtx, _sig: Signal) -> Result<()> {
    Err(Error::notsup())
}

/// `sched_yield()`: lets other threads (or, under tokio, tasks) run.
/// Errors: none from the default schedulers.
pub(crate) async fn sched_yield(ctx: &WasiCtx) -> Result<()> {
    ctx.check_exit()?;
    ctx.sched().sched_yield().await
}
