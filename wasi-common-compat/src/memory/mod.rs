//! Guest buffers as host I/O slices.
//!
//! Unshared memory is borrowed in place: a write passes the guest's bytes
//! straight to the file, a read fills the guest's buffers directly. Shared
//! memory (threads) may change under us at any time, so Rust references into
//! it are never made: bytes are copied through a per-thread bounce buffer of
//! [`CHUNK`] bytes. Either way the host allocates nothing proportional to what
//! the guest asks for: at most [`MAX_IOVS`] iovecs are used per call (POSIX's
//! `IOV_MAX`; the rest make the call a short read or write) and copies are
//! bounded by [`CHUNK`].

#![allow(
    unsafe_code,
    reason = "copies to and from shared memory go through raw pointers, never references (each block has its SAFETY note)"
)]

use crate::bindings::preview1::types::{Ciovec, CiovecArray, Iovec, IovecArray};
use crate::{Error, Result};
use std::cell::{RefCell, UnsafeCell};
use std::io::{IoSlice, IoSliceMut};
use wiggle::{GuestMemory, GuestPtr};

/// Size of a host copy of guest data (shared memory, overlapping iovecs).
pub const CHUNK: usize = 64 * 1024;

/// Most iovecs used in one call.
pub const MAX_IOVS: u32 = 1024;

/// Iovecs kept on the stack before spilling to the heap.
const STACK_IOVS: usize = 8;

thread_local! {
    static BOUNCE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with a scratch buffer of `len` (<= [`CHUNK`]) bytes, reused per
/// thread (a fresh one if this thread is already using its own).
pub(crate) fn with_bounce<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    let len = len.min(CHUNK);
    BOUNCE.with(|b| match b.try_borrow_mut() {
        Ok(mut v) => {
            if v.len() < len {
                v.resize(len, 0);
            }
            f(&mut v[..len])
        }
        Err(_) => f(&mut vec![0u8; len]),
    })
}

/// The (offset, length) regions of the first [`MAX_IOVS`] iovecs, skipping
/// empty ones. Errors: `EFAULT` if the array itself is out of bounds.
fn regions<T: wiggle::GuestType>(
    mem: &GuestMemory<'_>,
    arr: GuestPtr<[T]>,
    get: impl Fn(T) -> (u32, u32),
    mut each: impl FnMut(u32, u32) -> Result<()>,
) -> Result<()> {
    let n = arr.len().min(MAX_IOVS);
    for i in 0..n {
        let p = element(arr, i)?;
        let (off, len) = get(mem.read(p)?);
        if len > 0 {
            each(off, len)?;
        }
    }
    Ok(())
}

/// Element `i` of a guest array whose region was not validated. Errors:
/// `EFAULT` if its address does not fit in 32 bits.
///
/// wiggle's `GuestPtr<[T]>::get` panics in that case (it assumes the array
/// was bounds-checked), so an iovec array starting just below 4 GiB must
/// never reach it.
pub(crate) fn element<T: wiggle::GuestType>(arr: GuestPtr<[T]>, i: u32) -> Result<GuestPtr<T>> {
    if i >= arr.len() {
        return Err(Error::fault());
    }
    arr.as_ptr().add(i).map_err(|_| Error::fault())
}

fn ciovec(c: Ciovec) -> (u32, u32) {
    (c.buf.offset(), c.buf_len)
}

fn iovec(c: Iovec) -> (u32, u32) {
    (c.buf.offset(), c.buf_len)
}

/// The byte range of `len` bytes at `off`, if inside `total` bytes.
/// Errors: `EFAULT` (also where the end does not fit in `usize`, as on a
/// 32-bit host).
fn in_bounds(total: usize, off: u32, len: u32) -> Result<std::ops::Range<usize>> {
    let start = off as usize;
    let end = start.checked_add(len as usize).ok_or_else(Error::fault)?;
    if end > total {
        return Err(Error::fault());
    }
    Ok(start..end)
}

/// Total length of the iovecs that would be used. Errors: `EFAULT`.
fn total_len<T: wiggle::GuestType>(
    mem: &GuestMemory<'_>,
    arr: GuestPtr<[T]>,
    get: impl Fn(T) -> (u32, u32),
) -> Result<u64> {
    let size = mem_len(mem);
    let mut total = 0u64;
    regions(mem, arr, get, |off, len| {
        in_bounds(size, off, len)?;
        total += u64::from(len);
        Ok(())
    })?;
    Ok(total)
}

fn mem_len(mem: &GuestMemory<'_>) -> usize {
    match mem {
        GuestMemory::Unshared(b) => b.len(),
        GuestMemory::Shared(c) => c.len(),
    }
}

/// Copies guest bytes `range` of shared memory into `dst`.
pub(crate) fn copy_from_shared(cells: &[UnsafeCell<u8>], range: std::ops::Range<usize>, dst: &mut [u8]) {
    let src = &cells[range];
    debug_assert_eq!(src.len(), dst.len());
    // SAFETY: `src` is in bounds (indexing checked it) and `dst` has the same
    // length. The bytes are copied without forming a reference to them, as
    // other threads may write them concurrently; a racing write leaves either
    // value, as with a plain wasm load.
    unsafe { std::ptr::copy_nonoverlapping(UnsafeCell::raw_get(src.as_ptr()), dst.as_mut_ptr(), dst.len()) }
}

/// Copies `src` into guest bytes `range` of shared memory.
pub(crate) fn copy_to_shared(cells: &[UnsafeCell<u8>], range: std::ops::Range<usize>, src: &[u8]) {
    let dst = &cells[range];
    debug_assert_eq!(src.len(), dst.len());
    // SAFETY: `dst` is in bounds (indexing checked it) and `src` has the same
    // length; the write goes through the cells' raw pointer, never a reference,
    // as wasm stores of other threads may race with it.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), UnsafeCell::raw_get(dst.as_ptr()), src.len()) }
}

/// Calls `f` with the guest's ciovecs (guest bytes to write) as host slices.
///
/// For unshared memory `f` gets the guest's bytes in place, once, with `at`
/// = 0. For shared memory `f` gets one contiguous copy of the next bytes, at
/// most [`CHUNK`] at a time, with `at` = how many bytes came before, and is
/// called again while it writes everything it is given; the result is the
/// sum. A short write ends the loop; so does `EAGAIN` after some bytes were
/// written (the result is then those bytes).
pub(crate) fn write_from_guest(
    mem: &GuestMemory<'_>,
    iovs: CiovecArray,
    f: impl FnMut(&[IoSlice<'_>], u64) -> Result<u64>,
) -> Result<u64> {
    write_from_guest_after(mem, iovs, 0, f)
}

/// Total length of the ciovecs [`write_from_guest`] would write. Errors: `EFAULT`.
pub(crate) fn write_len(mem: &GuestMemory<'_>, iovs: CiovecArray) -> Result<u64> {
    total_len(mem, iovs, ciovec)
}

/// [`write_from_guest`] of what follows the first `skip` bytes of the
/// ciovecs (`f`'s `at` counts from the start of the ciovecs, `skip`
/// included), for a write finished in several steps.
pub(crate) fn write_from_guest_after(
    mem: &GuestMemory<'_>,
    iovs: CiovecArray,
    skip: u64,
    mut f: impl FnMut(&[IoSlice<'_>], u64) -> Result<u64>,
) -> Result<u64> {
    match mem {
        GuestMemory::Unshared(bytes) => {
            let mut stack: [IoSlice<'_>; STACK_IOVS] = [IoSlice::new(&[]); STACK_IOVS];
            let mut heap: Vec<IoSlice<'_>> = Vec::new();
            let mut n = 0;
            let mut left = skip;
            regions(mem, iovs, ciovec, |off, len| {
                let r = in_bounds(bytes.len(), off, len)?;
                if left >= u64::from(len) {
                    left -= u64::from(len);
                    return Ok(());
                }
                let s = IoSlice::new(&bytes[r.start + left as usize..r.end]);
                left = 0;
                if n < STACK_IOVS {
                    stack[n] = s;
                } else {
                    if n == STACK_IOVS {
                        heap.extend_from_slice(&stack);
                    }
                    heap.push(s);
                }
                n += 1;
                Ok(())
            })?;
            if n <= STACK_IOVS {
                f(&stack[..n], skip)
            } else {
                f(&heap, skip)
            }
        }
        GuestMemory::Shared(cells) => {
            let total = total_len(mem, iovs, ciovec)?;
            let mut done = skip.min(total);
            while done < total {
                let want = (total - done).min(CHUNK as u64) as usize;
                let r = with_bounce(want, |buf| {
                    gather_shared(mem, cells, iovs, done, buf)?;
                    f(&[IoSlice::new(buf)], done)
                });
                let wrote = match r {
                    Ok(n) => n,
                    Err(e) if e.is_again() && done > skip => break,
                    Err(e) => return Err(e),
                };
                done += wrote;
                if wrote < want as u64 {
                    break;
                }
            }
            Ok(done - skip.min(total))
        }
    }
}

/// Copies the iovecs' bytes from logical offset `skip` into `buf`.
fn gather_shared(
    mem: &GuestMemory<'_>,
    cells: &[UnsafeCell<u8>],
    iovs: CiovecArray,
    mut skip: u64,
    buf: &mut [u8],
) -> Result<()> {
    let mut filled = 0usize;
    regions(mem, iovs, ciovec, |off, len| {
        if filled == buf.len() {
            return Ok(());
        }
        let range = in_bounds(cells.len(), off, len)?;
        if skip >= u64::from(len) {
            skip -= u64::from(len);
            return Ok(());
        }
        let start = range.start + skip as usize;
        skip = 0;
        let take = (range.end - start).min(buf.len() - filled);
        copy_from_shared(cells, start..start + take, &mut buf[filled..filled + take]);
        filled += take;
        Ok(())
    })
}

/// Calls `f` with the guest's iovecs (buffers to fill) as host slices, and
/// returns what `f` returned (the bytes read).
///
/// Unshared memory with pairwise disjoint iovecs is filled in place. Shared
/// memory, and iovecs that overlap, go through a bounded copy: `f` fills one
/// host buffer of at most [`CHUNK`] bytes, which is then scattered over the
/// iovecs in order (the result readv would give).
pub(crate) fn read_into_guest(
    mem: &mut GuestMemory<'_>,
    iovs: IovecArray,
    f: impl FnOnce(&mut [IoSliceMut<'_>]) -> Result<u64>,
) -> Result<u64> {
    read_into_guest_after(mem, iovs, 0, f)
}

/// Total length of the iovecs [`read_into_guest`] would fill. Errors: `EFAULT`.
pub(crate) fn read_len(mem: &GuestMemory<'_>, iovs: IovecArray) -> Result<u64> {
    total_len(mem, iovs, iovec)
}

/// [`read_into_guest`] into what follows the first `skip` bytes of the
/// iovecs (for a receive that fills them in several steps).
pub(crate) fn read_into_guest_after(
    mem: &mut GuestMemory<'_>,
    iovs: IovecArray,
    mut skip: u64,
    f: impl FnOnce(&mut [IoSliceMut<'_>]) -> Result<u64>,
) -> Result<u64> {
    let mut list: [(u32, u32); STACK_IOVS] = [(0, 0); STACK_IOVS];
    let mut spill: Vec<(u32, u32)> = Vec::new();
    let mut n = 0usize;
    let size = mem_len(mem);
    regions(mem, iovs, iovec, |off, len| {
        in_bounds(size, off, len)?;
        if skip >= u64::from(len) {
            skip -= u64::from(len);
            return Ok(());
        }
        // `skip < len` here, so it fits in u32 and the rest is not empty.
        let (off, len) = (off + skip as u32, len - skip as u32);
        skip = 0;
        if n < STACK_IOVS {
            list[n] = (off, len);
        } else {
            if n == STACK_IOVS {
                spill.extend_from_slice(&list);
            }
            spill.push((off, len));
        }
        n += 1;
        Ok(())
    })?;
    let regs: &[(u32, u32)] = if n <= STACK_IOVS { &list[..n] } else { &spill };
    match mem {
        GuestMemory::Unshared(bytes) => match regs {
            [] => f(&mut []),
            [(off, len)] => {
                let r = in_bounds(bytes.len(), *off, *len)?;
                f(&mut [IoSliceMut::new(&mut bytes[r])])
            }
            _ => match split_disjoint(bytes, regs) {
                Some(mut slices) => f(&mut slices),
                None => bounce_read(regs, f, |range, src| {
                    bytes[range].copy_from_slice(src);
                }),
            },
        },
        GuestMemory::Shared(cells) => bounce_read(regs, f, |range, src| copy_to_shared(cells, range, src)),
    }
}

fn bounce_read(
    regs: &[(u32, u32)],
    f: impl FnOnce(&mut [IoSliceMut<'_>]) -> Result<u64>,
    mut put: impl FnMut(std::ops::Range<usize>, &[u8]),
) -> Result<u64> {
    let total: u64 = regs.iter().map(|r| u64::from(r.1)).sum();
    let want = total.min(CHUNK as u64) as usize;
    with_bounce(want, |buf| {
        let got = f(&mut [IoSliceMut::new(buf)])?;
        let got = (got as usize).min(want);
        let mut src = &buf[..got];
        for &(off, len) in regs {
            if src.is_empty() {
                break;
            }
            let k = (len as usize).min(src.len());
            put(off as usize..off as usize + k, &src[..k]);
            src = &src[k..];
        }
        Ok(got as u64)
    })
}

/// Splits `bytes` into one mutable slice per region, in the regions' order,
/// if no two regions overlap.
fn split_disjoint<'m>(bytes: &'m mut [u8], regs: &[(u32, u32)]) -> Option<Vec<IoSliceMut<'m>>> {
    let mut order: Vec<usize> = (0..regs.len()).collect();
    order.sort_by_key(|&i| regs[i].0);
    let mut pieces: Vec<Option<&'m mut [u8]>> = (0..regs.len()).map(|_| None).collect();
    let mut rest: &'m mut [u8] = bytes;
    let mut consumed = 0usize;
    for i in order {
        let (off, len) = (regs[i].0 as usize, regs[i].1 as usize);
        if off < consumed {
            return None;
        }
        let (_, tail) = std::mem::take(&mut rest).split_at_mut(off - consumed);
        let (piece, tail) = tail.split_at_mut(len);
        pieces[i] = Some(piece);
        rest = tail;
        consumed = off + len;
    }
    pieces.into_iter().map(|p| p.map(IoSliceMut::new)).collect()
}

/// Writes `data` to guest memory at `ptr`. Errors: `EFAULT`.
pub(crate) fn write_bytes(mem: &mut GuestMemory<'_>, ptr: GuestPtr<u8>, data: &[u8]) -> Result<()> {
    let len = u32::try_from(data.len()).map_err(|_| Error::fault())?;
    mem.copy_from_slice(data, ptr.as_array(len))?;
    Ok(())
}

/// Fills `len` guest bytes at `ptr` with `fill`, in place for unshared memory
/// and in [`CHUNK`]-sized copies for shared memory. Errors: `EFAULT`, or what
/// `fill` returns.
pub(crate) fn fill_guest(
    mem: &mut GuestMemory<'_>,
    ptr: GuestPtr<u8>,
    len: u32,
    mut fill: impl FnMut(&mut [u8]) -> Result<()>,
) -> Result<()> {
    let range = in_bounds(mem_len(mem), ptr.offset(), len)?;
    match mem {
        GuestMemory::Unshared(bytes) => fill(&mut bytes[range]),
        GuestMemory::Shared(cells) => {
            let mut at = range.start;
            while at < range.end {
                let k = (range.end - at).min(CHUNK);
                with_bounce(k, |buf| {
                    fill(buf)?;
                    copy_to_shared(cells, at..at + k, buf);
                    Ok::<(), Error>(())
                })?;
                at += k;
            }
            Ok(())
        }
    }
}

/// `EFAULT` unless `len` bytes at `offset` are inside guest memory.
pub(crate) fn check_region(mem: &GuestMemory<'_>, offset: u32, len: u32) -> Result<()> {
    in_bounds(mem_len(mem), offset, len).map(|_| ())
}

#[cfg(test)]
mod tests;
