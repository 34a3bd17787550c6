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
use crate::memory::{copy_from_shared, copy_to_shared, with_bounce};
use crate::{Error, WasiCtx};
use std::cell::UnsafeCell;
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
#[inline(always)]
fn region(mem: &[u8], ptr: i32, len: usize, align: usize) -> Option<std::ops::Range<usize>> {
    region_of(mem.len(), ptr, len, align)
}

#[inline(always)]
fn read_u32(mem: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&mem[at..at + 4]);
    u32::from_le_bytes(b)
}

/// The (offset, length) of each iovec, if the array and every buffer are in
/// bounds and the count is small.
#[inline(always)]
fn iovecs(mem: &[u8], iovs: i32, count: i32) -> Option<([(usize, usize); MAX_FAST_IOVS], usize)> {
    let n = usize::try_from(count)
        .ok()
        .filter(|n| (1..=MAX_FAST_IOVS).contains(n))?;
    let arr = region(mem, iovs, n * 8, 4)?;
    iovecs_in(&mem[arr], mem.len(), n)
}

/// Turns the outcome of the file operation into the call's answer, or
/// `None` for "not ready" (the general path will wait); `put` stores the
/// count (little-endian) at the result pointer.
#[inline(always)]
fn answer(r: Result<u64, Error>, put: impl FnOnce([u8; 4])) -> Option<Answer> {
    match r {
        Ok(n) => match u32::try_from(n) {
            Ok(n) => {
                put(n.to_le_bytes());
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

/// [`answer`] with the count stored in unshared memory.
#[inline(always)]
fn finish(mem: &mut [u8], out: std::ops::Range<usize>, r: Result<u64, Error>) -> Option<Answer> {
    answer(r, |b| mem[out].copy_from_slice(&b))
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

/// The (offset, length) of each iovec in shared memory, as [`iovecs`]; the
/// array is copied out first (no reference is formed into shared memory,
/// and the guest changing it meanwhile changes nothing once copied).
#[inline]
fn shared_iovecs(cells: &[UnsafeCell<u8>], iovs: i32, count: i32) -> Option<([(usize, usize); MAX_FAST_IOVS], usize)> {
    let n = usize::try_from(count)
        .ok()
        .filter(|n| (1..=MAX_FAST_IOVS).contains(n))?;
    let arr = region_of(cells.len(), iovs, n * 8, 4)?;
    let mut raw = [0u8; MAX_FAST_IOVS * 8];
    copy_from_shared(cells, arr, &mut raw[..n * 8]);
    iovecs_in(&raw[..n * 8], cells.len(), n)
}

/// `len` bytes at `ptr` with alignment `align`, if inside `size` bytes.
#[inline(always)]
fn region_of(size: usize, ptr: i32, len: usize, align: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    if !start.is_multiple_of(align) {
        return None;
    }
    let end = start.checked_add(len)?;
    (end <= size).then_some(start..end)
}

/// Decodes `n` iovecs from `raw` (8 bytes each), each buffer inside `size`.
#[inline(always)]
fn iovecs_in(raw: &[u8], size: usize, n: usize) -> Option<([(usize, usize); MAX_FAST_IOVS], usize)> {
    let mut out = [(0usize, 0usize); MAX_FAST_IOVS];
    for (i, slot) in out.iter_mut().enumerate().take(n) {
        let (buf, len) = (read_u32(raw, i * 8) as usize, read_u32(raw, i * 8 + 4) as usize);
        if buf.checked_add(len)? > size {
            return None;
        }
        *slot = (buf, len);
    }
    Some((out, n))
}

/// [`answer`] with the count stored in shared memory.
#[inline]
fn finish_shared(cells: &[UnsafeCell<u8>], out: std::ops::Range<usize>, r: Result<u64, Error>) -> Option<Answer> {
    answer(r, |b| copy_to_shared(cells, out, &b))
}

/// `fd_write` on shared memory (threads), for writes of at most
/// [`PIPE_BUF`] bytes to a file or an in-process stream: the bytes are
/// copied into this thread's bounce buffer (as the general path does) and
/// written in one call under the fd's chunk lock, so a write is as atomic as
/// the general path makes it; larger ones, and OS streams, take that path.
#[inline]
pub(crate) fn fd_write_shared(
    ctx: &WasiCtx,
    cells: &[UnsafeCell<u8>],
    fd: i32,
    iovs: i32,
    count: i32,
    out: i32,
) -> Option<Answer> {
    if tracing_on() {
        return None;
    }
    let out = region_of(cells.len(), out, 4, 4)?;
    let (regs, n) = shared_iovecs(cells, iovs, count)?;
    let total: usize = regs[..n].iter().map(|r| r.1).sum();
    if total > PIPE_BUF {
        return None;
    }
    let f = ctx.table().get_file(fd as u32).ok()?;
    if !f.rights().base().contains(Rights::FD_WRITE) {
        return None;
    }
    // An OS stream (stdout, a pipe, a socket) takes the general path, whose
    // per-fd writer token keeps another thread's large write whole.
    if crate::snapshots::preview_1::fd::is_os_fd(f.file().pollable()) {
        return None;
    }
    // As the general path: no write lands between the chunks of another
    // thread's large write to the same fd.
    let _chunks = crate::ready::lock(&f.chunked_write);
    let r = with_bounce(total, |buf| {
        let mut at = 0;
        for &(start, len) in &regs[..n] {
            copy_from_shared(cells, start..start + len, &mut buf[at..at + len]);
            at += len;
        }
        f.file().write_vectored(&[IoSlice::new(&buf[..total])])
    });
    finish_shared(cells, out, r)
}

/// `fd_read` with one iovec on shared memory, for reads of at most
/// [`PIPE_BUF`] bytes: read into this thread's bounce buffer, then copied
/// into the guest's buffer.
#[inline]
pub(crate) fn fd_read_shared(
    ctx: &WasiCtx,
    cells: &[UnsafeCell<u8>],
    fd: i32,
    iovs: i32,
    count: i32,
    out: i32,
) -> Option<Answer> {
    if count != 1 || tracing_on() {
        return None;
    }
    let out = region_of(cells.len(), out, 4, 4)?;
    let ([(start, len), ..], _) = shared_iovecs(cells, iovs, count)?;
    if len > PIPE_BUF {
        return None;
    }
    let f = ctx.table().get_file(fd as u32).ok()?;
    if !f.rights().base().contains(Rights::FD_READ) {
        return None;
    }
    let r = with_bounce(len, |buf| {
        let r = f.file().read_vectored(&mut [IoSliceMut::new(&mut buf[..len])]);
        if let Ok(got) = r {
            let got = (got as usize).min(len);
            copy_to_shared(cells, start..start + got, &buf[..got]);
        }
        r
    });
    finish_shared(cells, out, r)
}
