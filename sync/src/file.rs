//! Host files: regular files, and the other non-directories a guest opens
//! by path (FIFOs, character devices, sockets, block devices).
//!
//! A [`File`] owns one host descriptor and keeps no state of its own: the
//! cursor, the `APPEND` flag and the sync flags live in the host's open file
//! description, so every guest thread sees the same file at once, exactly as
//! with a shared POSIX descriptor.
//!
//! Regular files (and block devices) are always ready: their reads and writes
//! may block in the kernel as usual, and [`WasiFile::pollable`] is
//! [`Pollable::Always`]. Every other kind is a stream: before reading or
//! writing, a zero-timeout `poll(2)` checks that the call would not wait, and
//! `EAGAIN` goes back to the caller otherwise (the core then waits on
//! [`Pollable::Fd`] and retries, or hands `EAGAIN` to a non-blocking guest).
//! A stream whose host descriptor is non-blocking (opened with the guest's
//! `NONBLOCK`) skips the check: the call itself cannot wait and answers as
//! the host does (a FIFO with no writer reads as end of file, where `poll`
//! would report nothing before a writer has come).
//!
//! All host errors go through the core's `From<rustix::io::Errno>`.

use crate::io::no_intr;
use crate::stdio::ready_now;
use rustix::event::PollFlags;
use rustix::fd::{AsFd, BorrowedFd};
use rustix::fs::OFlags;
use std::any::Any;
use std::io::{IoSlice, IoSliceMut, SeekFrom};
use std::time::UNIX_EPOCH;
use wasi_common_compat::{Advice, Error, FdFlags, FileType, Filestat, Pollable, Result, SystemTimeSpec, WasiFile};

/// A host file (any non-directory) opened through cap-std. See the module
/// docs for how it waits.
pub struct File {
    file: cap_std::fs::File,
    filetype: FileType,
    /// The host descriptor has `O_NONBLOCK` (see the module docs).
    host_nonblock: bool,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("fd", &self.file.as_fd())
            .field("filetype", &self.filetype)
            .finish()
    }
}

impl File {
    /// Wraps a cap-std file. Its type is read once here (`fstat`); if that
    /// fails the file is treated as a stream of unknown type.
    pub fn from_cap_std(file: cap_std::fs::File) -> Self {
        let filetype = rustix::fs::fstat(&file)
            .map(|st| crate::filetype_from_mode(st.st_mode))
            .unwrap_or(FileType::Unknown);
        File {
            file,
            filetype,
            host_nonblock: false,
        }
    }

    /// Wraps a cap-std file whose type is known (spares the `fstat`), and
    /// whose host descriptor is non-blocking if `host_nonblock`.
    pub(crate) fn with_filetype(file: cap_std::fs::File, filetype: FileType, host_nonblock: bool) -> Self {
        File {
            file,
            filetype,
            host_nonblock,
        }
    }

    /// The wrapped cap-std file.
    pub fn as_cap_std(&self) -> &cap_std::fs::File {
        &self.file
    }

    /// Unwraps into the cap-std file.
    pub fn into_cap_std(self) -> cap_std::fs::File {
        self.file
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    /// True for files with a position that never wait for readiness.
    fn is_seekable(&self) -> bool {
        matches!(self.filetype, FileType::RegularFile | FileType::BlockDevice)
    }

    /// `EAGAIN` unless a stream is ready for `flags` now; files always are.
    fn check_ready(&self, flags: PollFlags) -> Result<()> {
        if self.is_seekable() || self.host_nonblock || ready_now(self.fd(), flags)? {
            Ok(())
        } else {
            Err(Error::again())
        }
    }
}

/// Linux's open-flag bit for data integrity (`O_DSYNC`) and the one that
/// adds file integrity (`__O_SYNC`); `O_SYNC` is both, and `O_RSYNC` is
/// `O_SYNC`. rustix's linux_raw backend defines `OFlags::DSYNC` as `O_SYNC`,
/// which would turn a guest's `DSYNC` into `SYNC` and make the two
/// indistinguishable in `F_GETFL`, so the bits are spelled out here (values
/// from the kernel's `asm/fcntl.h` of each architecture).
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6"
    )
))]
const SYNC_BITS: (u32, u32) = (0x0010, 0x4000);
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    any(target_arch = "sparc", target_arch = "sparc64")
))]
const SYNC_BITS: (u32, u32) = (0x2000, 0x80_0000);
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
))]
const SYNC_BITS: (u32, u32) = (0o1_0000, 0o400_0000);

/// `O_DSYNC`.
#[cfg(any(target_os = "linux", target_os = "android"))]
const O_DSYNC: OFlags = OFlags::from_bits_retain(SYNC_BITS.0);
/// `__O_SYNC` (with [`O_DSYNC`] it makes `O_SYNC`).
#[cfg(any(target_os = "linux", target_os = "android"))]
const O_FILE_SYNC: OFlags = OFlags::from_bits_retain(SYNC_BITS.1);

/// Elsewhere (macOS, the BSDs) `O_DSYNC` and `O_SYNC` are separate bits that
/// libc names and rustix passes through as they are; a guest's `SYNC` asks
/// for both, as on Linux.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const O_DSYNC: OFlags = OFlags::DSYNC;
/// `O_SYNC` (file integrity) on hosts where it is a bit of its own.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const O_FILE_SYNC: OFlags = OFlags::SYNC;

/// The sync bits a host `F_GETFL` result holds, as [`host_sync_flags`]
/// spells them. On Linux `O_SYNC` contains `O_DSYNC`; elsewhere `O_SYNC`
/// implies data integrity without the bit, so it is added.
fn held_sync_flags(fl: OFlags) -> OFlags {
    let held = fl & (O_DSYNC | O_FILE_SYNC);
    if held.contains(O_FILE_SYNC) {
        held | O_DSYNC
    } else {
        held
    }
}

/// The host open flags that preview1's `DSYNC`, `RSYNC` and `SYNC` in `f`
/// ask for. Linux has no separate read-integrity mode (`O_RSYNC` is
/// `O_SYNC`), so `RSYNC` gets full file integrity, as it would from C.
pub(crate) fn host_sync_flags(f: FdFlags) -> OFlags {
    let mut o = OFlags::empty();
    if f.contains(FdFlags::DSYNC) {
        o |= O_DSYNC;
    }
    if f.intersects(FdFlags::SYNC | FdFlags::RSYNC) {
        o |= O_DSYNC | O_FILE_SYNC;
    }
    o
}

/// The preview1 flags of a host `F_GETFL` result. A file opened with `SYNC`
/// (or `RSYNC`) reports `DSYNC | RSYNC | SYNC`: the host holds `O_SYNC`,
/// which is all three on Linux (and is taken as all three elsewhere).
fn fdflags_of(fl: OFlags) -> FdFlags {
    let mut f = FdFlags::empty();
    if fl.contains(OFlags::APPEND) {
        f |= FdFlags::APPEND;
    }
    let sync = held_sync_flags(fl);
    if sync.contains(O_DSYNC) {
        f |= FdFlags::DSYNC;
    }
    if sync.contains(O_FILE_SYNC) {
        f |= FdFlags::RSYNC | FdFlags::SYNC;
    }
    f
}

/// A host timestamp for `futimens`: now, omitted, or a given time.
pub(crate) fn timespec_of(t: Option<SystemTimeSpec>) -> Result<rustix::fs::Timespec> {
    let (tv_sec, tv_nsec) = match t {
        None => (0, rustix::fs::UTIME_OMIT),
        Some(SystemTimeSpec::SymbolicNow) => (0, rustix::fs::UTIME_NOW),
        Some(SystemTimeSpec::Absolute(t)) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => (i64::try_from(d.as_secs())?, i64::from(d.subsec_nanos())),
            Err(before) => before_epoch(before.duration())?,
        },
    };
    Ok(rustix::fs::Timespec { tv_sec, tv_nsec })
}

/// Seconds and nanoseconds (nanoseconds non-negative) of a time `d` before
/// the epoch.
fn before_epoch(d: std::time::Duration) -> Result<(i64, i64)> {
    let secs = i64::try_from(d.as_secs())?;
    match d.subsec_nanos() {
        0 => Ok((-secs, 0)),
        n => Ok((-secs - 1, 1_000_000_000 - i64::from(n))),
    }
}

/// `futimens(fd, atim, mtim)`; `None` leaves a time unchanged.
pub(crate) fn set_fd_times(
    fd: BorrowedFd<'_>,
    atim: Option<SystemTimeSpec>,
    mtim: Option<SystemTimeSpec>,
) -> Result<()> {
    let times = rustix::fs::Timestamps {
        last_access: timespec_of(atim)?,
        last_modification: timespec_of(mtim)?,
    };
    no_intr(|| rustix::fs::futimens(fd, &times))
}

fn rustix_seek(pos: SeekFrom) -> rustix::fs::SeekFrom {
    match pos {
        SeekFrom::Start(o) => rustix::fs::SeekFrom::Start(o),
        SeekFrom::End(o) => rustix::fs::SeekFrom::End(o),
        SeekFrom::Current(o) => rustix::fs::SeekFrom::Current(o),
    }
}

#[cfg(not(target_vendor = "apple"))]
fn rustix_advice(a: Advice) -> rustix::fs::Advice {
    match a {
        Advice::Normal => rustix::fs::Advice::Normal,
        Advice::Sequential => rustix::fs::Advice::Sequential,
        Advice::Random => rustix::fs::Advice::Random,
        Advice::WillNeed => rustix::fs::Advice::WillNeed,
        Advice::DontNeed => rustix::fs::Advice::DontNeed,
        Advice::NoReuse => rustix::fs::Advice::NoReuse,
    }
}

impl WasiFile for File {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// The host file's type, read when the file was wrapped (FIFOs are
    /// [`FileType::Unknown`]).
    fn get_filetype(&self) -> Result<FileType> {
        Ok(self.filetype)
    }

    /// True for a terminal (`isatty`).
    fn isatty(&self) -> bool {
        self.filetype == FileType::CharacterDevice && rustix::termios::isatty(self.fd())
    }

    /// [`Pollable::Always`] for regular files and block devices,
    /// [`Pollable::Fd`] for streams.
    fn pollable(&self) -> Pollable<'_> {
        if self.is_seekable() {
            Pollable::Always
        } else {
            Pollable::Fd(self.fd())
        }
    }

    /// `APPEND`, `DSYNC`, `RSYNC`, `SYNC` as the host descriptor holds them
    /// (`fcntl(F_GETFL)`). Errors: `EBADF`, `EIO`.
    fn get_fdflags(&self) -> Result<FdFlags> {
        Ok(fdflags_of(rustix::fs::fcntl_getfl(self.fd())?))
    }

    /// Turns `APPEND` on or off (`fcntl(F_SETFL)`). The sync flags are fixed
    /// when the file is opened (the host ignores changes to them through
    /// `F_SETFL`), so asking for different ones is refused.
    /// Errors: `ENOTSUP` (a change of `DSYNC`, `RSYNC` or `SYNC`), `EBADF`.
    fn set_fdflags(&self, flags: FdFlags) -> Result<()> {
        let fl = rustix::fs::fcntl_getfl(self.fd())?;
        if held_sync_flags(fl) != host_sync_flags(flags) {
            return Err(Error::notsup().context("sync flags cannot change after open"));
        }
        let mut want = fl;
        want.set(OFlags::APPEND, flags.contains(FdFlags::APPEND));
        if want != fl {
            rustix::fs::fcntl_setfl(self.fd(), want)?;
        }
        Ok(())
    }

    /// `fstat`. Errors: `EBADF`, `EIO`.
    fn get_filestat(&self) -> Result<Filestat> {
        crate::filestat_of(self.fd())
    }

    /// `ftruncate`. Errors: `EINVAL` (not a regular file, or not open for
    /// writing), `EFBIG`, `EPERM`, `EIO`.
    fn set_filestat_size(&self, size: u64) -> Result<()> {
        no_intr(|| rustix::fs::ftruncate(self.fd(), size))
    }

    /// `futimens`; [`SystemTimeSpec::SymbolicNow`] is the host's current time.
    /// Errors: `EPERM`/`EACCES` (not the owner), `EOVERFLOW`, `EIO`.
    fn set_times(&self, atim: Option<SystemTimeSpec>, mtim: Option<SystemTimeSpec>) -> Result<()> {
        set_fd_times(self.fd(), atim, mtim)
    }

    /// `posix_fadvise` (`len` 0 means "to the end"). macOS has no
    /// `posix_fadvise`: there the advice is checked and then ignored (it is
    /// only a hint).
    /// Errors: `ESPIPE` (a FIFO), `EINVAL`.
    fn advise(&self, offset: u64, len: u64, advice: Advice) -> Result<()> {
        let offset_ok = i64::try_from(offset).is_ok() && i64::try_from(len).is_ok();
        if !offset_ok {
            return Err(Error::inval());
        }
        #[cfg(target_vendor = "apple")]
        {
            let _ = advice;
            if self.is_seekable() {
                Ok(())
            } else {
                Err(Error::spipe())
            }
        }
        #[cfg(not(target_vendor = "apple"))]
        Ok(rustix::fs::fadvise(
            self.fd(),
            offset,
            std::num::NonZeroU64::new(len),
            rustix_advice(advice),
        )?)
    }

    /// `fallocate(mode 0)`: reserves the range and grows the file to
    /// `offset + len` if it is shorter; never shrinks it.
    /// Errors: `ENOTSUP` (the filesystem cannot), `ENOSPC`, `EFBIG`, `EBADF`
    /// (not open for writing), `ESPIPE`/`ENODEV` (not a regular file), `EIO`.
    fn allocate(&self, offset: u64, len: u64) -> Result<()> {
        no_intr(|| rustix::fs::fallocate(self.fd(), rustix::fs::FallocateFlags::empty(), offset, len))
    }

    /// `fdatasync` (`fsync` on macOS, which has no `fdatasync`).
    /// Errors: `EINVAL` (the file cannot be synced), `EIO`.
    fn datasync(&self) -> Result<()> {
        #[cfg(not(target_vendor = "apple"))]
        return no_intr(|| rustix::fs::fdatasync(self.fd()));
        #[cfg(target_vendor = "apple")]
        return no_intr(|| rustix::fs::fsync(self.fd()));
    }

    /// `fsync`. Errors: `EINVAL` (the file cannot be synced), `EIO`.
    fn sync(&self) -> Result<()> {
        no_intr(|| rustix::fs::fsync(self.fd()))
    }

    /// `read`/`readv` at the cursor. Errors: `EAGAIN` (a stream with nothing to
    /// read yet), `EBADF` (not open for reading), `EISDIR`, `EIO`.
    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        self.check_ready(PollFlags::IN)?;
        crate::io::read(self.fd(), bufs)
    }

    /// `pread`/`preadv`; the cursor stays. Errors: `ESPIPE` (a stream), `EBADF`
    /// (not open for reading), `EINVAL` (offset too large), `EIO`.
    fn read_vectored_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<u64> {
        if !self.is_seekable() {
            return Err(Error::spipe());
        }
        crate::io::read_at(self.fd(), bufs, offset)
    }

    /// `write`/`writev` at the cursor, or at the end in append mode. Errors: `EAGAIN`
    /// (a stream that cannot take data yet), `EBADF` (not open for writing),
    /// `EPIPE`, `ENOSPC`, `EFBIG`, `EIO`.
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        self.check_ready(PollFlags::OUT)?;
        crate::io::write(self.fd(), bufs)
    }

    /// `pwrite`/`pwritev`; the cursor stays. In append mode Linux writes at the end
    /// whatever the offset (and the guest sees that). Errors: `ESPIPE` (a
    /// stream), `EBADF`, `EINVAL` (offset too large), `ENOSPC`, `EFBIG`, `EIO`.
    fn write_vectored_at(&self, bufs: &[IoSlice<'_>], offset: u64) -> Result<u64> {
        if !self.is_seekable() {
            return Err(Error::spipe());
        }
        crate::io::write_at(self.fd(), bufs, offset)
    }

    /// `lseek`. Errors: `ESPIPE` (a FIFO or socket), `EINVAL` (a negative
    /// result), `EOVERFLOW`.
    fn seek(&self, pos: SeekFrom) -> Result<u64> {
        Ok(rustix::fs::seek(self.fd(), rustix_seek(pos))?)
    }

    /// For a regular file, the bytes from the cursor to the end; for a
    /// stream, `FIONREAD` (0 where the host cannot tell).
    /// Errors: `EBADF`, `EIO` (regular files only).
    fn num_ready_bytes(&self) -> Result<u64> {
        if self.is_seekable() {
            let size = u64::try_from(rustix::fs::fstat(self.fd())?.st_size).unwrap_or(0);
            let pos = rustix::fs::seek(self.fd(), rustix::fs::SeekFrom::Current(0))?;
            Ok(size.saturating_sub(pos))
        } else {
            Ok(rustix::io::ioctl_fionread(self.fd()).unwrap_or(0))
        }
    }
}
