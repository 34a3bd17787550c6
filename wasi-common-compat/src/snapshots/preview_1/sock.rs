//! `sock_*`: sockets handed to the guest (preopened listeners and the
//! connections accepted on them).

use super::conv;
use super::fd::retry;
use super::poll::wait_ready;
use crate::bindings::preview1::types::{CiovecArray, IovecArray, Riflags, Rights, Roflags, Sdflags, Siflags, Size};
use crate::memory::{read_into_guest, read_into_guest_after, read_len, write_from_guest};
use crate::ready::Interest;
use crate::table::{Entry, FileEntry, RightsCell, rights_for};
use crate::types::{FdFlags, RiFlags, SdFlags};
use crate::{Error, Result, WasiCtx};
use std::sync::Arc;
use wiggle::GuestMemory;

fn socket(ctx: &WasiCtx, fd: u32) -> Result<Arc<FileEntry>> {
    match ctx.table().get(fd)? {
        Entry::File(f) => Ok(f),
        Entry::Dir(_) => Err(Error::notsock()),
    }
}

/// `ENOTSOCK` unless `f` is a socket.
fn require_socket(f: &FileEntry) -> Result<()> {
    match f.file().get_filetype()? {
        crate::FileType::SocketStream | crate::FileType::SocketDgram => Ok(()),
        _ => Err(Error::notsock()),
    }
}

/// `sock_accept(fd, flags) -> fd`, like `accept4`: takes a pending
/// connection from a listening socket, waiting for one unless the listener
/// is non-blocking. The new socket is non-blocking if `flags` says so.
/// Errors: `EBADF` (not open), `ENOTSOCK`, `EAGAIN` (non-blocking, nothing pending), `EINVAL` (flags other
/// than `nonblock`, or not listening), `EMFILE`.
pub(crate) async fn accept(ctx: &WasiCtx, fd: u32, flags: FdFlags) -> Result<u32> {
    let l = socket(ctx, fd)?;
    require_socket(&l)?;
    if !(flags - FdFlags::NONBLOCK).is_empty() {
        return Err(Error::inval());
    }
    let conn = retry(ctx, &l, Interest::READ, || l.file().sock_accept(flags)).await?;
    let rights = rights_for(conn.get_filetype()?) - Rights::SOCK_ACCEPT;
    let entry = FileEntry::new(
        conn,
        RightsCell::new(rights, Rights::empty()),
        flags.contains(FdFlags::NONBLOCK),
    );
    ctx.table().push(Entry::File(Arc::new(entry)))
}

/// `sock_recv(fd, ri_data, ri_flags) -> (nread, roflags)`, like `recv`:
/// fills the iovecs in place, waiting for data unless non-blocking.
/// `recv_peek` leaves the data queued; `recv_waitall` waits until every
/// iovec is full (or the peer closes; see `recv_all`).
/// Errors: `EBADF`, `ENOTSOCK`, `EBADF` (not open for reading), `EAGAIN`,
/// `EFAULT`, `ENOTCONN`, `ECONNRESET`.
pub(crate) async fn recv(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    data: IovecArray,
    flags: Riflags,
) -> Result<(Size, Roflags)> {
    let s = socket(ctx, fd)?;
    // A non-socket gives `ENOTSOCK` (from the file, after the iovecs are
    // checked), not its access mode's `EBADF`.
    if require_socket(&s).is_ok() {
        s.rights().require(Rights::FD_READ)?;
    }
    let flags = RiFlags::from_bits_truncate(flags.bits());
    if flags.contains(RiFlags::RECV_WAITALL) && !flags.contains(RiFlags::RECV_PEEK) {
        let n = recv_all(ctx, mem, &s, data, flags - RiFlags::RECV_WAITALL).await?;
        return Ok((conv::size(n)?, Roflags::empty()));
    }
    let mut roflags = crate::types::RoFlags::empty();
    let n = retry(ctx, &s, Interest::READ, || {
        read_into_guest(mem, data, |bufs| {
            let (n, ro) = s.file().sock_recv(bufs, flags)?;
            roflags = ro;
            Ok(n)
        })
    })
    .await?;
    Ok((conv::size(n)?, Roflags::from_bits_truncate(roflags.bits())))
}

/// `recv_waitall`: receives until every iovec is full, the peer closes, or
/// (non-blocking socket) nothing more is queued. The first receive waits
/// like any (`EAGAIN` if non-blocking and nothing is queued); later waits go
/// through the scheduler too, so the program's exit interrupts them. Bytes
/// already received are the result if a later receive fails (its error
/// comes again on the next call).
async fn recv_all(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    s: &FileEntry,
    data: IovecArray,
    flags: RiFlags,
) -> Result<u64> {
    let want = read_len(mem, data)?;
    let mut got = retry(ctx, s, Interest::READ, || {
        read_into_guest(mem, data, |bufs| Ok(s.file().sock_recv(bufs, flags)?.0))
    })
    .await?;
    while got > 0 && got < want {
        match read_into_guest_after(mem, data, got, |bufs| Ok(s.file().sock_recv(bufs, flags)?.0)) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.is_again() && !s.nonblocking() => {
                wait_ready(ctx, s.file().pollable(), Interest::READ).await?;
            }
            Err(_) => break,
        }
    }
    Ok(got)
}

/// `sock_send(fd, si_data, si_flags) -> nwritten`, like `send`; no flags are
/// defined.
/// Errors: `EBADF`, `ENOTSOCK`, `EBADF` (not open for writing), `EINVAL`
/// (non-zero flags), `EAGAIN`, `EPIPE`, `EFAULT`.
pub(crate) async fn send(
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    data: CiovecArray,
    flags: Siflags,
) -> Result<Size> {
    let s = socket(ctx, fd)?;
    // A non-socket gives `ENOTSOCK` (from the file, after the iovecs are
    // checked), not its access mode's `EBADF`.
    if require_socket(&s).is_ok() {
        s.rights().require(Rights::FD_WRITE)?;
    }
    if flags != 0 {
        return Err(Error::inval());
    }
    let n = retry(ctx, &s, Interest::WRITE, || {
        write_from_guest(mem, data, |b, _| s.file().sock_send(b))
    })
    .await?;
    conv::size(n)
}

/// `sock_shutdown(fd, how)`, like `shutdown`.
/// Errors: `EBADF`, `ENOTSOCK` (not a socket), `EINVAL` (`how` empty), `ENOTCONN`.
pub(crate) fn shutdown(ctx: &WasiCtx, fd: u32, how: Sdflags) -> Result<()> {
    let s = socket(ctx, fd)?;
    let how = SdFlags::from_bits_truncate(how.bits());
    if how.is_empty() {
        return Err(Error::inval());
    }
    require_socket(&s)?;
    s.file().sock_shutdown(how)
}
