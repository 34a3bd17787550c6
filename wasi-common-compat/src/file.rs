//! The [`WasiFile`] trait: anything a guest can hold as a non-directory fd.
//!
//! # The rule for defaults
//! A default method gives the errno POSIX gives for a descriptor of a kind that
//! has no such operation: `EBADF` for reading or writing a descriptor that is
//! not open for it, `ESPIPE` for positioned I/O and seeking on a stream,
//! `EINVAL` for resizing something that is not a regular file, `ENOTSOCK` for
//! socket calls on a non-socket. `ENOTSUP` means "this backend cannot", used
//! only where POSIX has no kind-specific answer (timestamps, allocation).
//! Hints (`advise`) and flushes of unbuffered objects (`sync`, `datasync`)
//! succeed by default.
//!
//! # Blocking
//! No method may wait indefinitely for readiness: when a read or write cannot
//! make progress yet, it fails with `EAGAIN` ([`Error::again`]), and the caller
//! waits on [`WasiFile::pollable`] and retries (or, for a guest fd in
//! non-blocking mode, hands `EAGAIN` to the guest). Regular-file I/O may block
//! in the kernel as usual.
//!
//! Methods take `&self`: per-file state lives behind the file's own interior
//! mutability, so one file can serve several guest threads at once.

use crate::ready::Pollable;
use crate::types::{Advice, FdFlags, FileType, Filestat, RiFlags, RoFlags, SdFlags, SystemTimeSpec};
use crate::{Error, Result};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut, SeekFrom};

/// A file, stream, socket or device a guest can hold as an fd.
pub trait WasiFile: Send + Sync + 'static {
    /// For downcasting to the concrete type.
    fn as_any(&self) -> &dyn Any;

    /// The type reported by `fd_fdstat_get` and `fd_filestat_get`.
    /// Default: [`FileType::Unknown`].
    fn get_filetype(&self) -> Result<FileType> {
        Ok(FileType::Unknown)
    }

    /// True if this is a terminal. Default: `false`.
    fn isatty(&self) -> bool {
        false
    }

    /// How to wait until a read or write would not return `EAGAIN`.
    /// Default: [`Pollable::Always`].
    fn pollable(&self) -> Pollable<'_> {
        Pollable::Always
    }

    /// The flags the file itself holds (`APPEND`, `DSYNC`, `RSYNC`, `SYNC`).
    /// `NONBLOCK` is kept per fd by the context and need not be reported.
    /// Default: no flags.
    fn get_fdflags(&self) -> Result<FdFlags> {
        Ok(FdFlags::empty())
    }

    /// Changes the flags from [`get_fdflags`](Self::get_fdflags) (never
    /// `NONBLOCK`; the context handles it). Called only when they change.
    /// Errors: `ENOTSUP` (default) if the file cannot change them.
    fn set_fdflags(&self, _flags: FdFlags) -> Result<()> {
        Err(Error::notsup())
    }

    /// Attributes for `fd_filestat_get`.
    /// Default: the file type, zeros elsewhere.
    fn get_filestat(&self) -> Result<Filestat> {
        Ok(Filestat::of_type(self.get_filetype()?))
    }

    /// Resizes a regular file (`ftruncate`).
    /// Errors: `EINVAL` (default) if this is not a regular file; `EFBIG`, `EIO`.
    fn set_filestat_size(&self, _size: u64) -> Result<()> {
        Err(Error::inval())
    }

    /// Sets access and modification times (`futimens`); `None` leaves one as it is.
    /// Errors: `ENOTSUP` (default); `EPERM`, `EIO` from the backend.
    fn set_times(&self, _atim: Option<SystemTimeSpec>, _mtim: Option<SystemTimeSpec>) -> Result<()> {
        Err(Error::notsup())
    }

    /// Advice about the access pattern (`posix_fadvise`). Default: ignored, success.
    fn advise(&self, _offset: u64, _len: u64, _advice: Advice) -> Result<()> {
        Ok(())
    }

    /// Reserves space (`posix_fallocate`).
    /// Errors: `ENOTSUP` (default); `ENOSPC`, `EFBIG`, `EIO`.
    fn allocate(&self, _offset: u64, _len: u64) -> Result<()> {
        Err(Error::notsup())
    }

    /// Flushes data (`fdatasync`). Default: success (nothing buffered).
    /// `EAGAIN` means "still flushing": the caller waits for write readiness
    /// and calls again.
    fn datasync(&self) -> Result<()> {
        Ok(())
    }

    /// Flushes data and metadata (`fsync`). Default: success (nothing
    /// buffered). `EAGAIN` as for [`datasync`](Self::datasync).
    fn sync(&self) -> Result<()> {
        Ok(())
    }

    /// Reads at the cursor into `bufs` in order (`readv`); 0 at end of file.
    /// Errors: `EAGAIN` if nothing can be read yet; `EBADF` (default) if the
    /// file is not readable; `EIO`, `EISDIR`.
    fn read_vectored(&self, _bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        Err(Error::badf())
    }

    /// Reads at `offset` without moving the cursor (`preadv`).
    /// Errors: `ESPIPE` (default) for streams; as `read_vectored` otherwise.
    fn read_vectored_at(&self, _bufs: &mut [IoSliceMut<'_>], _offset: u64) -> Result<u64> {
        Err(Error::spipe())
    }

    /// Writes `bufs` in order at the cursor, or at the end in append mode
    /// (`writev`). May write less than all (the guest sees the count).
    /// Errors: `EAGAIN` if nothing can be written yet; `EBADF` (default) if
    /// the file is not writable; `EPIPE` if the reader is gone; `ENOSPC`, `EIO`.
    fn write_vectored(&self, _bufs: &[IoSlice<'_>]) -> Result<u64> {
        Err(Error::badf())
    }

    /// Writes at `offset` without moving the cursor (`pwritev`).
    /// Errors: `ESPIPE` (default) for streams; as `write_vectored` otherwise.
    fn write_vectored_at(&self, _bufs: &[IoSlice<'_>], _offset: u64) -> Result<u64> {
        Err(Error::spipe())
    }

    /// Moves the cursor (`lseek`); returns the new offset.
    /// Errors: `ESPIPE` (default) for streams; `EINVAL` for a negative result.
    fn seek(&self, _pos: SeekFrom) -> Result<u64> {
        Err(Error::spipe())
    }

    /// Bytes readable now without waiting, reported in `poll_oneoff`'s
    /// `fd_read` events. Default: 0 (unknown).
    fn num_ready_bytes(&self) -> Result<u64> {
        Ok(0)
    }

    /// Accepts a connection on a listening socket (`accept`); the new socket
    /// gets `fdflags` (`NONBLOCK` is applied by the context).
    /// Errors: `ENOTSOCK` (default); `EAGAIN` if no connection is pending;
    /// `EINVAL` if the socket is not listening.
    fn sock_accept(&self, _fdflags: FdFlags) -> Result<Box<dyn WasiFile>> {
        Err(Error::notsock())
    }

    /// Receives into `bufs` (`recv`); `RECV_PEEK` leaves the data queued.
    /// Errors: `ENOTSOCK` (default); `EAGAIN`; `ENOTCONN`, `ECONNRESET`.
    fn sock_recv(&self, _bufs: &mut [IoSliceMut<'_>], _flags: RiFlags) -> Result<(u64, RoFlags)> {
        Err(Error::notsock())
    }

    /// Sends `bufs` (`send`).
    /// Errors: `ENOTSOCK` (default); `EAGAIN`; `EPIPE`, `ECONNRESET`.
    fn sock_send(&self, _bufs: &[IoSlice<'_>]) -> Result<u64> {
        Err(Error::notsock())
    }

    /// Shuts down one or both directions (`shutdown`).
    /// Errors: `ENOTSOCK` (default); `ENOTCONN`.
    fn sock_shutdown(&self, _how: SdFlags) -> Result<()> {
        Err(Error::notsock())
    }
}
