//! A non-blocking twin of a host stdout or stderr that is a pipe.
//!
//! A blocking `write(2)` to a full pipe cannot be interrupted: the guest
//! thread making it, and with it the program's exit, would wait until the
//! reader drains the pipe (forever, if it never does). The host descriptor
//! is shared with the parent process, so its flags are not ours to change.
//! Opening `/proc/self/fd/N` of a pipe instead gives a new open file
//! description of the same pipe, whose `O_NONBLOCK` is private: writes
//! through it say `EAGAIN` when the pipe is full, and the wait happens in
//! the scheduler, where the program's exit ends it. Bytes reach the same
//! pipe in the same order.
//!
//! Only pipes (and FIFOs) get a twin; files, terminals, sockets and
//! `/dev/null` are written as before. Without `/proc`, or with the pipe
//! already non-blocking, the descriptor is used as it is.

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use rustix::fs::{FileType, Mode, OFlags};
use std::sync::OnceLock;

/// The twin of one stdio descriptor, opened at the first write.
#[derive(Debug, Default)]
pub(crate) struct Twin(OnceLock<Option<OwnedFd>>);

impl Twin {
    /// The descriptor to write `fd`'s bytes through.
    pub(crate) fn writer<'a>(&'a self, fd: BorrowedFd<'a>) -> BorrowedFd<'a> {
        match self.0.get_or_init(|| open_twin(fd)) {
            Some(t) => t.as_fd(),
            None => fd,
        }
    }
}

fn open_twin(fd: BorrowedFd<'_>) -> Option<OwnedFd> {
    let st = rustix::fs::fstat(fd).ok()?;
    if FileType::from_raw_mode(st.st_mode) != FileType::Fifo {
        return None;
    }
    let fl = rustix::fs::fcntl_getfl(fd).ok()?;
    if fl.contains(OFlags::NONBLOCK) {
        return None;
    }
    let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
    let flags = OFlags::WRONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | (fl & OFlags::APPEND);
    // A FIFO without a reader refuses a non-blocking open for writing
    // (`ENXIO`): then writes go to the original and fail with `EPIPE`.
    let twin = rustix::fs::open(path, flags, Mode::empty()).ok()?;
    let st2 = rustix::fs::fstat(&twin).ok()?;
    (st2.st_dev == st.st_dev && st2.st_ino == st.st_ino).then_some(twin)
}
