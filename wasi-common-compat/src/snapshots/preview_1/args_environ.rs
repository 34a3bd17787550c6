//! `args_*` and `environ_*`: the program's arguments and environment.

use crate::bindings::preview1::types::Size;
use crate::ctx::StringList;
use crate::memory::write_bytes;
use crate::{Error, Result, WasiCtx};
use wiggle::{GuestMemory, GuestPtr};

/// Writes `list`: one pointer per string at `ptrs` (into `buf`), and the
/// NUL-terminated strings at `buf`. Errors: `EFAULT` if either region is
/// outside memory (nothing is written then); `EOVERFLOW` if `buf` + offset
/// wraps the 32-bit address space.
fn write_list(
    mem: &mut GuestMemory<'_>,
    list: &StringList,
    ptrs: GuestPtr<GuestPtr<u8>>,
    buf: GuestPtr<u8>,
) -> Result<()> {
    let n = u32::try_from(list.offsets.len()).map_err(|_| Error::overflow())?;
    // Check the pointer array fits before writing anything.
    let arr = ptrs.as_array(n);
    crate::memory::check_region(mem, ptrs.offset(), n.checked_mul(4).ok_or_else(Error::fault)?)?;
    write_bytes(mem, buf, &list.blob)?;
    for (i, off) in list.offsets.iter().enumerate() {
        let p = crate::memory::element(arr, i as u32)?;
        let target = buf.offset().checked_add(*off).ok_or_else(Error::overflow)?;
        mem.write(p, GuestPtr::new(target))?;
    }
    Ok(())
}

/// `args_get(argv, argv_buf)`: writes pointers to each argument at `argv` and
/// the NUL-terminated arguments at `argv_buf` (sizes from `args_sizes_get`).
/// Errors: `EFAULT` for buffers outside memory. Mirrors `main`'s `argv`.
pub(crate) fn args_get(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    argv: GuestPtr<GuestPtr<u8>>,
    buf: GuestPtr<u8>,
) -> Result<()> {
    write_list(mem, &ctx.shared.args, argv, buf)
}

/// `args_sizes_get() -> (argc, argv_buf_size)`. No errors.
pub(crate) fn args_sizes_get(ctx: &WasiCtx) -> Result<(Size, Size)> {
    sizes(&ctx.shared.args)
}

/// `environ_get(environ, environ_buf)`: as `args_get`, for `KEY=VALUE` strings.
/// Errors: `EFAULT`.
pub(crate) fn environ_get(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    env: GuestPtr<GuestPtr<u8>>,
    buf: GuestPtr<u8>,
) -> Result<()> {
    write_list(mem, &ctx.shared.env, env, buf)
}

/// `environ_sizes_get() -> (count, environ_buf_size)`. No errors.
pub(crate) fn environ_sizes_get(ctx: &WasiCtx) -> Result<(Size, Size)> {
    sizes(&ctx.shared.env)
}

fn sizes(list: &StringList) -> Result<(Size, Size)> {
    Ok((
        u32::try_from(list.offsets.len()).map_err(|_| Error::overflow())?,
        u32::try_from(list.blob.len()).map_err(|_| Error::overflow())?,
    ))
}
