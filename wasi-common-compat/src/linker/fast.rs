//! The fast path of `fd_write` and `fd_read` for synchronous stores.
//!
//! The general path (wiggle's ABI function, the trait method, the async body
//! in `fd.rs`) costs about 100 ns per call more than the work itself, which
//! is a third of a small write to `/dev/null`. This path handles the common
//! case directly on the guest's bytes: unshared memory, a few iovecs, a file
//! that is ready, no tracing subscriber listening at TRACE level. It checks
//! everything the general path checks (bounds and alignment of every
//! pointer, the fd, its rights) *before* doing any I/O, and answers `None`
//! whenever the case is not its own — an unusual argument, an error it would
//! have to describe, a file that is not ready — so that the general path,
//! which stays the one authority on behaviour, handles it from the start.
//! Nothing has happened when `None` is returned.

use crate::bindings::preview1::types::Rights;
use crate::{Error, WasiCtx};
use std::io::{IoSlice, IoSliceMut};

/// Most iovecs this path takes (more go to the general path).
const MAX_FAST_IOVS: usize = 4;

/// Linux's `PIPE_BUF`: a pipe write up to this size is atomic.
const PIPE_BUF: usize = 4096;

/// True if some subscriber may record TRACE events (then the general path,
/// which emits one span per call, is taken). One atomic load.
#[inline]
fn tracing_on() -> bool {
    use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
    tracing::Level::TRACE <= STATIC_MAX_LEVEL && tracing::Level::TRACE <= LevelFilter::current()
}

/// The result a fast call gives the engine: the errno as `i32`, or a trap.
pub(crate) type Answer = wiggle::error::Result<i32>;

/// `len` bytes at `ptr` with alignment `align`, if inside `mem`.
fn region(mem: &[u8], ptr: i32, len: usize, align: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    if !start.is_multiple_of(align) {
        return None;
    }
    let end = start.checked_add(len)?;
    (end <= mem.len()).then_some(start..end)
}

fn read_u32(mem: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&mem[at..at + 4]);
    u32::from_le_bytes(b)
}

/// The (offset, length) of each iovec, if the array and every buffer are in
/// bounds and the count is small.
fn iovecs(mem: &[u8], iovs: i32, count: i32) -> Option<([(usize, usize); MAX_FAST_IOVS], usize)> {
    let n = usize::try_from(count)
        .ok()
        .filter(|n| (1..=MAX_FAST_IOVS).contains(n))?;
    let arr = region(mem, iovs, n * 8, 4)?;
    let mut out = [(0usize, 0usize); MAX_FAST_IOVS];
    for (i, slot) in out.iter_mut().enumerate().take(n) {
        let at = arr.start + i * 8;
        let (buf, len) = (read_u32(mem, at) as usize, read_u32(mem, at + 4) as usize);
        if buf.checked_add(len)? > mem.len() {
            return None;
        }
        *slot = (buf, len);
    }
    Some((out, n))
}

/// Turns the outcome of the file operation into the call's answer, or
/// `None` for "not ready" (the general path will wait).
fn finish(mem: &mut [u8], out: std::ops::Range<usize>, r: Result<u64, Error>) -> Option<Answer> {
    match r {
        Ok(n) => match u32::try_from(n) {
            Ok(n) => {
                mem[out].copy_from_slice(&n.to_le_bytes());
                Some(Ok(0))
            }
            // Cannot happen (a transfer is below 2 GiB), but the I/O is done:
            // answer here rather than let the general path repeat it.
            Err(_) => Some(Ok(crate::Errno::Overflow as i32)),
        },
        Err(e) if e.is_again() => None,
        Err(e) => Some(e.into_errno_or_trap().map(|errno| errno as i32)),
    }
}

/// `fd_write(fd, iovs, iovs_len, nwritten)`, see the module docs.
#[inline]
pub(crate) fn fd_write(ctx: &WasiCtx, mem: &mut [u8], fd: i32, iovs: i32, count: i32, out: i32) -> Option<Answer> {
    if tracing_on() {
        return None;
    }
    let out = region(mem, out, 4, 4)?;
    let (regs, n) = iovecs(mem, iovs, count)?;
    let f = ctx.table().get_file(fd as u32).ok()?;
    if !f.rights().base().contains(Rights::FD_WRITE) {
        return None;
    }
    // A blocking write of more than `PIPE_BUF` bytes to a stream (an OS
    // stream or a bridged one) may be
    // taken in parts, which the general path finishes (waiting between
    // them); smaller ones are all or nothing, so they stay here.
    let total: usize = regs[..n].iter().map(|r| r.1).sum();
    if total > PIPE_BUF && !f.nonblocking() && !matches!(f.file().pollable(), crate::Pollable::Always) {
        return None;
    }
    let mut slices = [IoSlice::new(&[]); MAX_FAST_IOVS];
    for (s, &(buf, len)) in slices.iter_mut().zip(&regs[..n]) {
        *s = IoSlice::new(&mem[buf..buf + len]);
    }
    let r = f.file().write_vectored(&slices[..n]);
    finish(mem, out, r)
}

/// `fd_read(fd, iovs, iovs_len, nread)` with one iovec, see the module docs.
#[inline]
pub(crate) fn fd_read(ctx: &WasiCtx, mem: &mut [u8], fd: i32, iovs: i32, count: i32, out: i32) -> Option<Answer> {
    if count != 1 || tracing_on() {
        return None;
    }
    let out = region(mem, out, 4, 4)?;
    let ([(buf, len), ..], _) = iovecs(mem, iovs, count)?;
    let f = ctx.table().get_file(fd as u32).ok()?;
    if !f.rights().base().contains(Rights::FD_READ) {
        return None;
    }
    let r = f.file().read_vectored(&mut [IoSliceMut::new(&mut mem[buf..buf + len])]);
    finish(mem, out, r)
}
