//! `clock_res_get`, `clock_time_get`: the realtime and monotonic clocks.

use crate::bindings::preview1::types::{Clockid, Timestamp};
use crate::{Error, Result, WasiCtx};
use std::time::Duration;

pub(crate) fn nanos(d: Duration) -> Timestamp {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// `clock_res_get(id) -> resolution`, like `clock_getres`.
/// Errors: `EBADF` for the CPU-time clocks, which this host does not provide
/// (what both of Wasmtime's preview1 hosts answer); `EINVAL` for an unknown
/// clock id.
pub(crate) fn res_get(ctx: &WasiCtx, id: Clockid) -> Result<Timestamp> {
    let c = &ctx.shared.clocks;
    match id {
        Clockid::Realtime => Ok(nanos(c.system.resolution()).max(1)),
        Clockid::Monotonic => Ok(nanos(c.monotonic.resolution()).max(1)),
        Clockid::ProcessCputimeId | Clockid::ThreadCputimeId => Err(Error::badf()),
    }
}

/// `clock_time_get(id, precision) -> time`, like `clock_gettime`; the
/// precision hint is ignored. Realtime counts from the Unix epoch; monotonic
/// from an undefined origin and never goes back.
/// Errors: `EBADF` for the CPU-time clocks, `EINVAL` for an unknown id.
pub(crate) fn time_get(ctx: &WasiCtx, id: Clockid, _precision: Timestamp) -> Result<Timestamp> {
    let c = &ctx.shared.clocks;
    match id {
        Clockid::Realtime => Ok(nanos(c.system.now())),
        Clockid::Monotonic => Ok(nanos(c.monotonic.now())),
        Clockid::ProcessCputimeId | Clockid::ThreadCputimeId => Err(Error::badf()),
    }
}
