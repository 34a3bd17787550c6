//! `proc_exit`, `proc_raise`, `sched_yield`.

use crate::bindings::preview1::types::{Exitcode, Signal};
use crate::{Error, Result, WasiCtx};

/// `proc_exit(status)`: ends the program. Every thread of it stops: threads
/// waiting in WASI calls wake and unwind, and the embedder's call returns
/// [`crate::I32Exit`] with the status (the first exit wins when threads
/// race). Never returns to the guest.
///
/// A status outside `[0, 126)` is not an exit but an error (a trap of the
/// calling thread, with no [`crate::I32Exit`]), as on both of Wasmtime's
/// preview1 hosts: statuses from 126 up mean "not executable", "not found"
/// and "killed by a signal" to a shell, and a status of 256 would otherwise
/// read as success once the OS keeps its low 8 bits.
pub(crate) fn exit(ctx: &WasiCtx, status: Exitcode) -> wiggle::error::Error {
    if status >= EXIT_STATUS_LIMIT {
        return wiggle::error::Error::msg(format!(
            "proc_exit({status}): an exit status must be below {EXIT_STATUS_LIMIT}"
        ));
    }
    let status = ctx.request_exit(status as i32);
    wiggle::error::Error::new(crate::I32Exit(status))
}

/// The first status `proc_exit` refuses.
pub(crate) const EXIT_STATUS_LIMIT: u32 = 126;

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
