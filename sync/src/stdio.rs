//! The host's stdin, stdout and stderr as guest fds.
//!
//! The host descriptors are shared with the rest of the process (and with
//! the parent shell), so their flags are never changed: `NONBLOCK` is kept per
//! guest fd by the context, and reads from stdin first check readiness with a
//! zero-timeout `poll(2)` so that a blocking wait goes through the scheduler
//! (where other threads' `proc_exit` can interrupt it). Writes go straight to
//! `write(2)`/`writev(2)`; to a pipe through a non-blocking twin of it
//! (`stdio_twin`), so a full pipe is waited on in the scheduler too.

use rustix::fd::{AsFd, BorrowedFd};
use std::any::Any;
use std::io::{IoSlice, IoSliceMut};
use wasi_common_compat::{Error, FdFlags, FileType, Filestat, Pollable, Result, WasiFile};

/// Which stdio stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    In,
    Out,
    Err,
}

/// A host stdio stream. Create with [`stdin`], [`stdout`], [`stderr`].
#[derive(Debug)]
pub struct Stdio {
    which: Which,
    /// Writes to a pipe go through a non-blocking twin (`stdio_twin`).
    twin: crate::stdio_twin::Twin,
}

/// The host's stdin.
pub fn stdin() -> Stdio {
    Stdio {
        which: Which::In,
        twin: Default::default(),
    }
}

/// The host's stdout.
pub fn stdout() -> Stdio {
    Stdio {
        which: Which::Out,
        twin: Default::default(),
    }
}

/// The host's stderr.
pub fn stderr() -> Stdio {
    Stdio {
        which: Which::Err,
        twin: Default::default(),
    }
}

impl Stdio {
    fn fd(&self) -> BorrowedFd<'static> {
        match self.which {
            Which::In => rustix::stdio::stdin(),
            Which::Out => rustix::stdio::stdout(),
            Which::Err => rustix::stdio::stderr(),
        }
    }
}

impl WasiFile for Stdio {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// `CHARACTER_DEVICE` on a terminal, `UNKNOWN` otherwise (a file, a pipe,
    /// `/dev/null`), as Wasmtime reports stdio: so the guest's `isatty` is
    /// true exactly when the host's is.
    fn get_filetype(&self) -> Result<FileType> {
        Ok(if self.isatty() {
            FileType::CharacterDevice
        } else {
            FileType::Unknown
        })
    }

    fn isatty(&self) -> bool {
        rustix::termios::isatty(self.fd())
    }

    fn pollable(&self) -> Pollable<'_> {
        Pollable::Fd(self.fd())
    }

    fn get_fdflags(&self) -> Result<FdFlags> {
        let fl = rustix::fs::fcntl_getfl(self.fd())?;
        let mut f = FdFlags::empty();
        if fl.contains(rustix::fs::OFlags::APPEND) {
            f |= FdFlags::APPEND;
        }
        Ok(f)
    }

    /// The file type and zeros (no size, inode or times), as Wasmtime
    /// reports stdio: what stdio is redirected to stays the host's business.
    fn get_filestat(&self) -> Result<Filestat> {
        Ok(Filestat::of_type(self.get_filetype()?))
    }

    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        if self.which != Which::In {
            return Err(Error::badf());
        }
        let fd = self.fd();
        if !ready_now(fd, rustix::event::PollFlags::IN)? {
            return Err(Error::again());
        }
        crate::io::read(fd, bufs)
    }

    #[inline]
    fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<u64> {
        if self.which == Which::In {
            return Err(Error::badf());
        }
        crate::io::write(self.twin.writer(self.fd()), bufs)
    }

    fn num_ready_bytes(&self) -> Result<u64> {
        Ok(rustix::io::ioctl_fionread(self.fd()).unwrap_or(0))
    }
}

/// True if `fd` is ready for `flags` now (a zero-timeout `poll(2)`).
pub(crate) fn ready_now(fd: BorrowedFd<'_>, flags: rustix::event::PollFlags) -> Result<bool> {
    let mut fds = [rustix::event::PollFd::from_borrowed_fd(fd.as_fd(), flags)];
    let zero = rustix::time::Timespec { tv_sec: 0, tv_nsec: 0 };
    loop {
        match rustix::event::poll(&mut fds, Some(&zero)) {
            Ok(n) => return Ok(n > 0),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}
