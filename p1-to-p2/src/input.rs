//! [`InputStreamFile`]: a preview2 `InputStream` as a preview1 fd.

use crate::errors::read_error;
use crate::slot::{Slot, ambient_runtime};
use bytes::Bytes;
use std::any::Any;
use std::io::IoSliceMut;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};
use wasi_common_compat::memory::CHUNK;
use wasi_common_compat::{Error, FileType, Filestat, Interest, Pollable, ReadySource, Result, WasiFile};
use wasmtime_wasi_io::streams::{DynInputStream, StreamResult};

/// Serves a [`DynInputStream`] as a readable p1 fd (stdin or any fd).
///
/// - `fd_read`: the stream's non-blocking `read` of at most
///   [`CHUNK`](wasi_common_compat::memory::CHUNK) bytes; when nothing is
///   there, the call waits on the stream's `ready()` (or returns `EAGAIN` on
///   a non-blocking fd) and retries; early or spurious wakeups are absorbed.
///   `StreamError::Closed` is end of file (0 bytes), `LastOperationFailed`
///   is `EIO` (the cause is logged), `Trap` traps.
/// - `fd_fdstat_get`/`fd_filestat_get`: file type [`FileType::Unknown`] (what
///   preview1 reports for pipes) unless set with
///   [`with_filetype`](Self::with_filetype), e.g. `CharacterDevice` for a
///   terminal; `fd_seek` gives `ESPIPE`; writing gives `EBADF`.
/// - `poll_oneoff`: an `fd_read` subscription is ready when `ready()` resolves,
///   in the same wait as clocks, OS fds and pipes. Its `nbytes` is exact: to
///   learn it the bridge reads ahead once (at most `CHUNK` bytes) and keeps
///   what it got, or the stream's end or error, for the next `fd_read`.
///
/// Works in synchronous and async embeddings: calls into the stream run
/// inside a tokio runtime context (the current one, or
/// [`ambient_runtime`](crate::ambient_runtime)) but never block on one.
pub struct InputStreamFile {
    slot: Slot<DynInputStream>,
    filetype: FileType,
    /// What a read-ahead for `num_ready_bytes` got and no `fd_read` has
    /// taken yet: bytes (never empty), or the stream's end or failure.
    ahead: Mutex<Option<StreamResult<Bytes>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl InputStreamFile {
    /// Wraps `stream`.
    pub fn new(stream: DynInputStream) -> Self {
        InputStreamFile {
            slot: Slot::new(stream, ambient_runtime()),
            filetype: FileType::Unknown,
            ahead: Mutex::new(None),
        }
    }

    /// Reports `filetype` instead of `Unknown` (a terminal is a `CharacterDevice`).
    #[must_use]
    pub fn with_filetype(mut self, filetype: FileType) -> Self {
        self.filetype = filetype;
        self
    }
}

impl ReadySource for InputStreamFile {
    fn poll_ready(&self, _interest: Interest, cx: &mut Context<'_>) -> Poll<()> {
        if lock(&self.ahead).is_some() {
            return Poll::Ready(());
        }
        self.slot.poll_ready(cx)
    }
}

impl WasiFile for InputStreamFile {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn get_filetype(&self) -> Result<FileType> {
        Ok(self.filetype)
    }

    fn isatty(&self) -> bool {
        self.filetype == FileType::CharacterDevice
    }

    fn pollable(&self) -> Pollable<'_> {
        Pollable::Source(self)
    }

    fn get_filestat(&self) -> Result<Filestat> {
        Ok(Filestat::of_type(self.filetype))
    }

    /// Reads ahead (see the type's docs) when nothing is kept yet; 0 at the
    /// stream's end, after a failure, or while it has nothing.
    fn num_ready_bytes(&self) -> Result<u64> {
        let mut ahead = lock(&self.ahead);
        if ahead.is_none() {
            match self.slot.with(|s| s.read(CHUNK)) {
                Some(Ok(b)) if b.is_empty() => {}
                Some(r) => *ahead = Some(r),
                None => {}
            }
        }
        Ok(match &*ahead {
            Some(Ok(b)) => b.len() as u64,
            _ => 0,
        })
    }

    fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<u64> {
        let want: usize = bufs.iter().map(|b| b.len()).sum::<usize>().min(CHUNK);
        if want == 0 {
            return Ok(0);
        }
        let mut ahead = lock(&self.ahead);
        let bytes = match ahead.take() {
            Some(Err(e)) => return read_error(e),
            Some(Ok(mut b)) => {
                if b.len() > want {
                    *ahead = Some(Ok(b.split_off(want)));
                }
                b
            }
            // The kept-bytes lock stays held across the stream's read (which
            // never waits), as in `num_ready_bytes`: a read-ahead on another
            // thread cannot slip its bytes in front of these.
            None => {
                let r = self.slot.with(|s| s.read(want));
                let bytes = match r {
                    None => return Err(Error::again()),
                    Some(Err(e)) => return read_error(e),
                    Some(Ok(b)) => b,
                };
                self.slot.progress(!bytes.is_empty());
                if bytes.is_empty() {
                    return Err(Error::again());
                }
                bytes
            }
        };
        let mut src = &bytes[..];
        for b in bufs.iter_mut() {
            let k = b.len().min(src.len());
            b[..k].copy_from_slice(&src[..k]);
            src = &src[k..];
            if src.is_empty() {
                break;
            }
        }
        Ok(bytes.len() as u64)
    }
}
