//! `random_get`.

use crate::memory::fill_guest;
use crate::{Result, WasiCtx};
use wiggle::{GuestMemory, GuestPtr};

/// `random_get(buf, len)`: fills `len` bytes at `buf` from the context's
/// random source (`getrandom(2)` by default), in place (shared memory: in
/// bounded chunks). A zero length succeeds without touching memory.
/// Errors: `EFAULT` if the buffer is outside memory (nothing is written);
/// `EIO` if the source fails.
pub(crate) fn get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, buf: GuestPtr<u8>, len: u32) -> Result<()> {
    if len == 0 {
        return Ok(());
    }
    let random = &*ctx.shared.random;
    fill_guest(mem, buf, len, |b| random.fill(b))
}
